r"""The suppression curve of a gradient sweep: final change against G from the QKE, QLT and linear theory  [docs §11].

From a ``sweep.nc`` with a gradient axis and the methods ``qke``, ``qlt`` and ``gain``
(``examples/sweep-gradient.toml``) this builds, per distribution and per G:

* the final change :math:`\Delta=\sum_vw_v|D_v(t_{\rm end})-D_v(0)|` of the QKE ensemble mean (with its noise
  floor :math:`\sum_vw_v\,\mathrm{std}_v/\sqrt N`) and of full QLT;
* the linear estimate: a drifting mode's largest ln-gain :math:`2\int\gamma\,dK/|G|` against the ln ratio from the
  seed to nonlinear power; it "converts" when the gain is larger, and its critical gradient is
  :math:`G_c=2\int\gamma\,dK/\ln(P_{\rm nl}/P_{\rm seed})`;
* :math:`G_{1/2}`, for each sign of G, the gradient at which :math:`\Delta` falls to half its G = 0 value
  (linear interpolation in :math:`|G|` between the two bracketing points; the linear estimate's is
  :math:`G_c`, where its step falls).

Writes ``gradient.json``, ``gradient.md`` and (optionally) ``gradient.png`` into the sweep folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import FlavomonInputError
from ..io import read_dataset
from ..io.files import atomic_write_text
from ..report import l1_distance

__all__ = ["gradient_table", "half_gradient", "run_gradient_summary"]

NO_CONVERSION = 1e-4
"""Final change below which a run counts as "no conversion" (the issue's criterion, 3 % of the a = 0.9 change)."""


def half_gradient(G: np.ndarray, change: np.ndarray, change0: float) -> float:
    """|G| at which ``change`` first falls to ``change0 / 2`` along increasing |G| (one sign of G, G = 0 excluded);
    NaN if it never does on the points given (linear interpolation between the bracketing points)."""
    order = np.argsort(np.abs(G))
    a, c = np.abs(np.asarray(G, dtype=float)[order]), np.asarray(change, dtype=float)[order]
    half = 0.5 * change0
    prev_a, prev_c = 0.0, change0
    for ai, ci in zip(a, c):
        if not np.isfinite(ci):
            continue
        if ci <= half:
            if prev_c == ci:
                return float(ai)
            return float(prev_a + (prev_c - half) / (prev_c - ci) * (ai - prev_a))
        prev_a, prev_c = ai, ci
    return float("nan")


def gradient_table(sweep: xr.Dataset) -> dict[str, Any]:
    """The suppression data of a gradient sweep, per distribution (see the module notes)."""
    if "gradient" not in sweep.coords:
        raise FlavomonInputError("the sweep has no gradient axis ([sweep] gradient or a [[distributions]] gradient)")
    w = np.asarray(sweep["w"].values, dtype=float)
    meth = sweep["method"].values
    ok = sweep["status"].values == "ok"
    out: dict[str, Any] = {}
    for label in dict.fromkeys(sweep["distribution"].values):
        sel = sweep["distribution"].values == label
        rows: dict[float, dict[str, Any]] = {}
        for i in np.flatnonzero(sel & ok):
            G = float(sweep["gradient"].values[i])
            r = rows.setdefault(G, {"G": G})
            D0 = np.asarray(sweep["D_initial"].values[i], dtype=float)
            Df = np.asarray(sweep["D_final"].values[i], dtype=float)
            m = str(meth[i])
            if m == "qke":
                n = float(sweep["n_realizations"].values[i])
                r["change_qke"] = l1_distance(w, Df, D0)
                r["noise_floor_qke"] = float(w @ (np.asarray(sweep["D_final_std"].values[i]) / np.sqrt(max(n, 1.0))))
                r["realizations"] = int(n)
                r["_D_qke"] = Df
            elif m == "qlt":
                r["change_qlt"] = l1_distance(w, Df, D0)
                r["_D_qlt"] = Df
            elif m == "gain":
                r["max_gain"] = float(sweep["max_gain"].values[i])
                r["G_c_estimate"] = float(sweep["G_c"].values[i])
        for r in rows.values():
            if "_D_qke" in r and "_D_qlt" in r:
                r["L1_qlt_qke"] = l1_distance(w, r["_D_qlt"], r["_D_qke"])
            r.pop("_D_qke", None)
            r.pop("_D_qlt", None)
        table = [rows[G] for G in sorted(rows)]
        res: dict[str, Any] = {"rows": table}
        zero = rows.get(0.0, {})
        G_c = next((r["G_c_estimate"] for r in table if "G_c_estimate" in r), float("nan"))
        if np.isfinite(G_c):
            for r in table:
                r["converts_linear"] = bool(r["G"] == 0.0 or abs(r["G"]) < G_c)
        res["G_c_estimate"] = G_c
        for sign, name in ((-1.0, "negative"), (1.0, "positive")):
            side = [r for r in table if np.sign(r["G"]) == sign]
            if not side:
                continue
            half: dict[str, float] = {"linear": G_c}
            for m in ("qke", "qlt"):
                key = f"change_{m}"
                if key in zero and all(key in r for r in side):
                    half[m] = half_gradient(np.array([r["G"] for r in side]), np.array([r[key] for r in side]), zero[key])
            res[f"G_half_{name}"] = half
            if np.isfinite(half.get("qke", np.nan)):
                far = [r for r in side if abs(r["G"]) >= 1.5 * half["qke"]]
                res[f"beyond_1.5_G_half_{name}"] = {
                    "G": [r["G"] for r in far],
                    "max_change_qke": max((r.get("change_qke", np.nan) for r in far), default=float("nan")),
                    "max_change_qlt": max((r.get("change_qlt", np.nan) for r in far), default=float("nan")),
                }
        out[str(label)] = res
    return out


def _fmt(x: Any, spec: str = ".3g") -> str:
    try:
        return format(float(x), spec) if np.isfinite(float(x)) else "—"
    except (TypeError, ValueError):
        return "—"


def gradient_markdown(tab: dict[str, Any]) -> str:
    """``gradient.md``: per distribution the table against G and the half-gradients."""
    lines = ["# Suppression of fast flavor conversion by a matter gradient", "",
             "Final change = sum_v w_v |D_v(t_end) - D_v(0)| (QKE: ensemble mean, with its noise floor sum_v w_v "
             "std_v / sqrt(N)); linear: a drifting mode's largest ln-gain 2 int gamma dK / |G| against ln(1e-2 / "
             "1e-13); G_1/2: the |G| at which the change falls to half its G = 0 value (docs §11).", ""]
    for label, res in tab.items():
        lines += [f"## {label}", "", f"Linear critical-gradient estimate G_c = {_fmt(res.get('G_c_estimate'))}.", "",
                  "| G | QKE change | noise floor | QLT change | L1(QLT, QKE) | linear: max ln-gain | converts (linear) |",
                  "|---|---|---|---|---|---|---|"]
        for r in res["rows"]:
            lines.append(f"| {r['G']:g} | {_fmt(r.get('change_qke'))} | {_fmt(r.get('noise_floor_qke'), '.2g')} "
                         f"| {_fmt(r.get('change_qlt'))} | {_fmt(r.get('L1_qlt_qke'))} | {_fmt(r.get('max_gain'))} "
                         f"| {r.get('converts_linear', '—')} |")
        for name in ("negative", "positive"):
            h = res.get(f"G_half_{name}")
            if not h:
                continue
            sgn = "-" if name == "negative" else "+"
            qke, qlt = h.get("qke", np.nan), h.get("qlt", np.nan)
            rel = (qlt - qke) / qke if np.isfinite(qke) and np.isfinite(qlt) and qke else np.nan
            lines += ["", f"G {sgn}: G_1/2 from the QKE {_fmt(qke)}, QLT {_fmt(qlt)} ({_fmt(100 * rel, '+.0f')} % "
                      f"against the QKE), linear {_fmt(h.get('linear'))}."]
            far = res.get(f"beyond_1.5_G_half_{name}")
            if far and far["G"]:
                lines.append(f"At |G| >= 1.5 G_1/2(QKE) (G = {', '.join(f'{g:g}' for g in far['G'])}): largest change "
                             f"QKE {_fmt(far['max_change_qke'])}, QLT {_fmt(far['max_change_qlt'])} "
                             f"(no conversion: <= {NO_CONVERSION:g}).")
        lines.append("")
    return "\n".join(lines)


def run_gradient_summary(sweep: xr.Dataset | str | os.PathLike, *, out_dir: str | os.PathLike | None = None,
                         plot: bool = True) -> dict[str, Any]:
    """:func:`gradient_table` of a sweep, written as ``gradient.json``/``.md`` (and ``.png``) into ``out_dir``."""
    ds = sweep if isinstance(sweep, xr.Dataset) else read_dataset(sweep)
    tab = gradient_table(ds)
    if out_dir is not None:
        out = Path(out_dir)
        atomic_write_text(out / "gradient.json", json.dumps(tab, indent=1, default=float) + "\n")
        atomic_write_text(out / "gradient.md", gradient_markdown(tab))
        if plot:
            from ..plotting.gradient import plot_gradient

            plot_gradient(tab, out / "gradient.png", title=str(ds.attrs.get("distribution", "")))
    return tab
