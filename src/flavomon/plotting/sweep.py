"""The standard figure of a sweep: ``DIR/sweep.nc`` (or one ``DIR/points/<id>.nc``) of
:func:`flavomon.sweep.run_sweep`.  Takes the Dataset only and never runs physics.

Top left: the largest growth rate of each initial distribution, per method that solves a
dispersion relation.  Top right: the flipped-side lepton number left at the end,
:math:`N_{flip}(t_{end})/N_{flip}(0)` with :math:`N_{flip}=\\sum_{v\\in F} w_v D_v` over the side
:math:`F` where sign D_v(0) differs from sign D_0(0) [docs §6], per method with a final state,
with the two reference values 0 (emptied) and 1 (unchanged) in the legend.  Below: the final
:math:`D_v` of each distribution (up to ``max_profiles``), initial and per method (QKE: ensemble
mean with a +-1 std band).  The title names the sweep, its methods, Nv and t_end, and how many
points failed or are missing.

A sweep with a QKE reference also has ``predictors.nc`` beside it, whose figure
(:func:`flavomon.plotting.predictors.predictors_figure`) scores the predictors against the QKE.
"""

from __future__ import annotations

import json

import numpy as np
import xarray as xr

from ._labels import describe_distribution, number, run_config, short_distribution
from .predictors import flip_fraction_axis, profile_panel

__all__ = ["plot_sweep", "as_sweep", "is_sweep", "is_point", "METHOD_STYLE"]

METHOD_STYLE = {
    "qke": dict(color="black", ls="-", lw=1.6, marker="*", label="QKE"),
    "qlt": dict(color="tab:blue", ls="-", lw=1.2, marker="o", label="full QLT"),
    "resonant": dict(color="tab:orange", ls="--", lw=1.2, marker="s", label="resonant QLT"),
    "signrule": dict(color="tab:green", ls=":", lw=1.4, marker="^", label="sign rule"),
    "modes": dict(color="tab:purple", ls="-", lw=1.0, marker="D", label="linear modes"),
}
_FALLBACK = [dict(color=c, ls="-", lw=1.1, marker="v") for c in ("tab:brown", "tab:pink", "tab:olive", "tab:cyan")]


def is_sweep(ds: xr.Dataset) -> bool:
    """A combined ``sweep.nc``: a ``point`` dimension with ``method`` and ``D_final``."""
    return "point" in ds.dims and "method" in ds.coords and "D_final" in ds and "D_initial" in ds


def is_point(ds: xr.Dataset) -> bool:
    """One sweep point file ``points/<id>.nc``: ``D_initial``/``D_final`` on ``v`` and a ``method`` attribute."""
    return "D_final" in ds and "D_initial" in ds and "point" not in ds.dims and "method" in ds.attrs


def as_sweep(ds: xr.Dataset) -> xr.Dataset:
    """A point file as a one-point sweep (the layout of ``sweep.nc``); a sweep as is."""
    if is_sweep(ds) or not is_point(ds):
        return ds
    out = ds.expand_dims(point=[0])
    for k in ("D_initial", "D_final", "D_final_std"):
        if k in out:
            out[k] = out[k].transpose("point", "v")
    if "w" in out and "point" in out["w"].dims:
        out["w"] = out["w"].isel(point=0)
    label = str(ds.attrs.get("label", ds.attrs.get("distribution", "")))
    out = out.assign_coords(method=("point", [str(ds.attrs["method"])]), distribution=("point", [label]))
    out["status"] = ("point", [str(ds.attrs.get("status", "ok"))])
    out.attrs = dict(ds.attrs)
    try:
        opts = json.loads(ds.attrs.get("options", "{}"))
    except ValueError:
        opts = {}
    cfg = run_config(ds)
    out.attrs["config"] = json.dumps({"name": ds.attrs.get("point_id", "point"), "Nv": cfg.get("Nv"),
                                      "methods": [str(ds.attrs["method"])],
                                      "method_options": {str(ds.attrs["method"]): opts}})
    return out


def _flip_fraction(w: np.ndarray, D_init: np.ndarray, D_final: np.ndarray) -> float:
    D0 = float(np.sum(w * D_init))
    flipped = np.sign(D_init) == -np.sign(D0)  # [docs §6] the side opposite to D0
    N0 = float(np.sum(w * np.where(flipped, D_init, 0.0)))
    if N0 == 0 or not np.all(np.isfinite(D_final)):
        return float("nan")
    return float(np.sum(w * np.where(flipped, D_final, 0.0))) / N0


def _title(ds: xr.Dataset, methods: list[str], dists: list[str], status: np.ndarray, *, point: bool = False) -> str:
    cfg = run_config(ds)
    name = cfg.get("name")
    opts = cfg.get("method_options", {}) or {}
    t_end = sorted({f"{number(o['t_end'])}" for m, o in opts.items() if isinstance(o, dict) and "t_end" in o})
    names = ", ".join(METHOD_STYLE.get(m, {}).get("label", m) for m in methods)
    if point:
        head = f"Sweep point {name}: {describe_distribution(dists[0]) if dists else ''} by {names}"
    else:
        head = f"Sweep {name}" if name else "Sweep"
        head += (f": {len(dists)} distribution{'s' if len(dists) != 1 else ''} × {len(methods)} "
                 f"method{'s' if len(methods) != 1 else ''} ({names})")
    sub = []
    if cfg.get("Nv"):
        sub.append(f"Nv = {cfg['Nv']}")
    if t_end:
        sub.append("t_end = " + ", ".join(t_end))
    qke = opts.get("qke") if isinstance(opts.get("qke"), dict) else None
    if qke and "realizations" in qke:
        sub.append(f"QKE: mean of {qke['realizations']} realizations")
    n_bad = {s: int(np.count_nonzero(status == s)) for s in ("failed", "missing")}
    bad = ", ".join(f"{n} point{'s' if n != 1 else ''} {s}" for s, n in n_bad.items() if n)
    sub.append(bad if bad else "all points finished")
    return head + "\n" + "; ".join(sub)


def plot_sweep(ds: xr.Dataset, *, max_profiles: int = 16):
    """Draw the standard figure of a sweep.nc (or of one point file); returns the Figure."""
    import matplotlib.pyplot as plt

    point_file = is_point(ds)
    ds = as_sweep(ds)
    method = np.asarray(ds["method"].values).astype(str)
    label = np.asarray(ds["distribution"].values).astype(str)
    status = np.asarray(ds["status"].values).astype(str) if "status" in ds else np.full(method.size, "ok")
    ok = status == "ok"
    cfg_methods = [str(m) for m in run_config(ds).get("methods", [])]
    methods = [m for m in cfg_methods if m in set(method)] + [m for m in dict.fromkeys(method) if m not in cfg_methods]
    dists = list(dict.fromkeys(label))
    style = {m: METHOD_STYLE.get(m, _FALLBACK[i % len(_FALLBACK)] | {"label": m}) for i, m in enumerate(methods)}
    w = np.asarray(ds["w"].values, dtype=float)
    v = np.asarray(ds["v"].values, dtype=float)
    D_init = np.asarray(ds["D_initial"].values, dtype=float)
    D_fin = np.asarray(ds["D_final"].values, dtype=float)
    D_std = np.asarray(ds["D_final_std"].values, dtype=float) if "D_final_std" in ds else np.full_like(D_fin, np.nan)
    gam = np.asarray(ds["gamma_max"].values, dtype=float) if "gamma_max" in ds else np.full(method.size, np.nan)

    def rows(d: str, m: str) -> np.ndarray:
        return np.flatnonzero((label == d) & (method == m) & ok)

    nd = len(dists)
    nprof = min(nd, max_profiles)
    ncol = 4
    nrow = max(int(np.ceil(nprof / ncol)), 1)
    span = ncol // min(max(nprof, 1), ncol)  # fewer than four profiles: each spans several columns
    fig = plt.figure(figsize=(15, 5.0 + 2.4 * nrow), layout="constrained")
    gs = fig.add_gridspec(1 + nrow, ncol, height_ratios=[2.0] + [1.0] * nrow)
    x = np.arange(nd)
    short = [short_distribution(d) for d in dists]
    every = max(1, int(np.ceil(nd / 40)))  # at most ~40 tick labels: a 62-member family stays legible
    ticks = x[::every]
    tick_labels = [short[i] for i in ticks]
    half = ncol // 2

    # ---- growth rate of the initial distribution -------------------------------------------
    ax = fig.add_subplot(gs[0, :half])
    any_g = False
    for m in methods:
        g = np.array([gam[r[0]] if (r := rows(d, m)).size else np.nan for d in dists])
        if np.isfinite(g).any():
            any_g = True
            st = style[m]
            ax.plot(x, g, ls="none", marker=st["marker"], color=st["color"], mfc="none", ms=7, label=st["label"])
    if not any_g:
        ax.text(0.5, 0.5, "no method of this sweep solves a dispersion relation", transform=ax.transAxes,
                ha="center", fontsize=9)
    ax.set_xticks(ticks, tick_labels, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(r"$\gamma_{max}$ of the initial distribution")
    ax.set_title("largest growth rate (linear theory at t = 0)", fontsize=10)
    if any_g:
        ax.legend(fontsize=7)
    ax.grid(alpha=0.3)

    # ---- flipped-side lepton number left -----------------------------------------------------
    ax = fig.add_subplot(gs[0, half:])
    for m in methods:
        f = np.array([_flip_fraction(w, D_init[r[0]], D_fin[r[0]]) if (r := rows(d, m)).size else np.nan
                      for d in dists])
        if np.isfinite(f).any():
            st = style[m]
            ax.plot(x, f, ls="none", marker=st["marker"], color=st["color"], ms=7,
                    mfc="none" if m == "signrule" else None, label=st["label"])
    flip_fraction_axis(ax, ticks, tick_labels)

    # ---- final D_v per distribution ------------------------------------------------------------
    per_row = ncol // span
    for j in range(nprof):
        c0 = (j % per_row) * span
        ax = fig.add_subplot(gs[1 + j // per_row, c0:c0 + span])
        d = dists[j]
        any_row = np.flatnonzero(label == d)
        ax.plot(v, D_init[any_row[0]], color="0.55", lw=1, ls="-.", label="initial")
        for m in methods:
            r = rows(d, m)
            if not r.size or not np.isfinite(D_fin[r[0]]).any():
                continue
            st = style[m]
            y = D_fin[r[0]]
            s = D_std[r[0]]
            if np.isfinite(s).any():
                ax.fill_between(v, y - s, y + s, color=st["color"], alpha=0.2, lw=0, label=f"{st['label']} ±1 std")
            ax.plot(v, y, color=st["color"], ls=st["ls"], lw=st["lw"], label=st["label"] + " final")
        ax.axhline(0, color="0.7", lw=0.6, label="$D_v = 0$")
        g = [gam[i] for i in any_row if np.isfinite(gam[i])]
        failed = [method[i] for i in any_row if not ok[i]]
        ttl = short[j] + (f"  (γ_max = {g[0]:.3f})" if g else "")
        if failed:
            ttl += "\nno result: " + ", ".join(failed)
        profile_panel(ax, ttl, j, per_row, nprof, r"$D_v$")
    fig.suptitle(_title(ds, methods, dists, status, point=point_file), fontsize=11)
    return fig
