r"""Final-state predictor comparison: full QLT, resonant QLT and the sign rule vs the QKE.

For every distribution of a sweep that has a QKE ensemble (the reference), each predictor's
final box-averaged :math:`D_v` is scored against the ensemble mean :math:`\bar D_v^{QKE}`:

* :math:`L_1 = \sum_v w_v |D_v - \bar D_v^{QKE}|` (the QLT accuracy metric; Gauss–Legendre weights);
* the **flipped-region lepton number** :math:`N_{flip} = \sum_{v\in F} w_v D_v`, with
  :math:`F = \{v: \mathrm{sign}\,D_v(0) \ne \mathrm{sign}\,D_0(0)\}` the side that resonant QLT
  empties [docs §6, F2 eqs. 27-30]; reported as the fraction left,
  :math:`N_{flip}(t_{end})/N_{flip}(0)`.

Yardsticks computed from the QKE ensemble itself:

* ``L1_noise`` :math:`= \sum_v w_v\,\sigma_v/\sqrt{N}` — the standard error of the ensemble mean
  (an L1 below ~2x this is agreement within noise);
* ``L1_initial`` :math:`= \sum_v w_v |D_v(0) - \bar D_v^{QKE}|` — how far the QKE moved
  from the start ("predict no change" scores this);
* ``skill`` :math:`= 1 - L_1/L_1^{initial}` — the fraction of the QKE's change a predictor
  captures (1 perfect, 0 no better than predicting no change, < 0 worse).

Verdict per (distribution, predictor) — our convention, stated in every table:

* ``holds``: ``L1 <= 2 L1_noise`` — indistinguishable from the QKE at this ensemble size;
* ``approximate``: ``skill >= 0.8`` — captures >= 80% of the QKE's change, but resolvably off;
* ``partial``: ``skill >= 0.5``;
* ``fails``: otherwise;
* ``no evolution``: the QKE did not move beyond its own noise (``L1_initial <= 2 L1_noise``),
  where no predictor can be judged.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..errors import FlavomonInputError
from ..io import provenance_attrs, read_dataset, write_dataset
from ..io.files import atomic_write_text

__all__ = ["PREDICTORS", "compare_predictors", "predictors_table", "run_predictors"]

#: predictor methods scored against the ``qke`` reference, in display order
PREDICTORS = ("qlt", "resonant", "signrule")
HOLDS_SKILL, PARTIAL_SKILL, NOISE_FACTOR = 0.8, 0.5, 2.0


def _verdict(L1: float, L1_init: float, noise: float, skill: float) -> str:
    if not np.isfinite(L1):
        return "n/a"
    if L1_init <= NOISE_FACTOR * noise:
        return "no evolution"
    if L1 <= NOISE_FACTOR * noise:
        return "holds"
    if skill >= HOLDS_SKILL:
        return "approximate"
    if skill >= PARTIAL_SKILL:
        return "partial"
    return "fails"


def compare_predictors(sweep: xr.Dataset | str | os.PathLike, *, reference: str = "qke",
                       predictors: tuple[str, ...] = PREDICTORS) -> xr.Dataset:
    """Score each predictor's final D_v against the QKE ensemble, per distribution.

    Parameters
    ----------
    sweep : Dataset or path
        A ``sweep.nc`` (:func:`flavomon.sweep.combine_points`) whose methods include
        ``reference`` and at least one of ``predictors``.

    reference : str
        The method scored against (default the QKE ensemble).
    predictors : tuple of str
        The methods scored (those present in the sweep are used).

    Returns
    -------
    xarray.Dataset
        Dims ``(distribution, predictor, v)``: ``L1``, ``skill``, ``N_flip``,
        ``flip_fraction``, ``verdict`` per (distribution, predictor); ``L1_initial``,
        ``L1_noise``, ``N_flip_initial``, ``N_flip_qke``, ``N_flip_qke_err``,
        ``flip_fraction_qke``, ``gamma_max``, ``n_realizations`` per distribution; the profiles
        ``D_initial``, ``D_qke``, ``D_qke_std`` (distribution, v) and ``D_pred``.
    """
    ds = sweep if isinstance(sweep, xr.Dataset) else read_dataset(sweep)
    methods = ds["method"].values
    ok = ds["status"].values == "ok"
    have = [p for p in predictors if np.any((methods == p) & ok)]
    ref_idx = np.flatnonzero((methods == reference) & ok)
    if ref_idx.size == 0:
        raise FlavomonInputError(f"predictor comparison: the sweep has no finished {reference!r} points")
    if not have:
        raise FlavomonInputError(
            f"predictor comparison: the sweep has none of the predictors {', '.join(predictors)} finished"
        )
    w = ds["w"].values
    labels = [str(ds["distribution"].values[i]) for i in ref_idx]
    nd, npred, nv = len(labels), len(have), ds.sizes["v"]
    D_init = np.full((nd, nv), np.nan)
    D_qke = np.full((nd, nv), np.nan)
    D_std = np.full((nd, nv), np.nan)
    D_pred = np.full((nd, npred, nv), np.nan)
    nreal = np.full(nd, np.nan)
    gam = np.full(nd, np.nan)
    dist_all = ds["distribution"].values
    for j, i in enumerate(ref_idx):
        D_init[j], D_qke[j], D_std[j] = (ds[k].values[i] for k in ("D_initial", "D_final", "D_final_std"))
        nreal[j] = ds["n_realizations"].values[i]
        same = dist_all == labels[j]
        for q, p in enumerate(have):
            sel = np.flatnonzero(same & (methods == p) & ok)
            if sel.size:
                D_pred[j, q] = ds["D_final"].values[sel[0]]
        # gamma_max of the initial distribution: QLT's own (continuum-grid) value if present
        for m in ("modes", "qlt", "resonant", reference):
            sel = np.flatnonzero(same & (methods == m) & ok)
            if sel.size and np.isfinite(ds["gamma_max"].values[sel[0]]):
                gam[j] = ds["gamma_max"].values[sel[0]]
                break
    D0 = np.sum(w * D_init, axis=-1)
    flipped = np.sign(D_init) == -np.sign(D0)[:, None]  # [docs §6] side opposite to D0
    sem = D_std / np.sqrt(nreal)[:, None]
    L1 = np.sum(w * np.abs(D_pred - D_qke[:, None, :]), axis=-1)
    L1_init = np.sum(w * np.abs(D_init - D_qke), axis=-1)
    L1_noise = np.sum(w * sem, axis=-1)
    N0 = np.sum(w * np.where(flipped, D_init, 0.0), axis=-1)
    Nq = np.sum(w * np.where(flipped, D_qke, 0.0), axis=-1)
    Nq_err = np.sum(w * np.where(flipped, sem, 0.0), axis=-1)  # upper bound (covariances unknown)
    Np = np.sum(w * np.where(flipped[:, None, :], D_pred, 0.0), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        skill = 1.0 - L1 / L1_init[:, None]
        frac_q = np.where(N0 != 0, Nq / N0, np.nan)
        frac_p = np.where(N0[:, None] != 0, Np / N0[:, None], np.nan)
    verdict = np.array([[_verdict(L1[j, q], L1_init[j], L1_noise[j], skill[j, q]) for q in range(npred)]
                        for j in range(nd)], dtype=object)
    coords: dict[str, Any] = {
        "distribution": labels,
        "predictor": list(have),
        "v": ds["v"].values,
        "family": ("distribution", [str(ds["family"].values[i]) for i in ref_idx]),
        "table": ("distribution", [str(ds["table"].values[i]) for i in ref_idx]),
    }
    for c in ds.coords:
        if str(c).startswith("param_"):
            coords[str(c)] = ("distribution", ds[c].values[ref_idx])
    out = xr.Dataset(
        {
            "w": ("v", w),
            "D_initial": (("distribution", "v"), D_init),
            "D_qke": (("distribution", "v"), D_qke),
            "D_qke_std": (("distribution", "v"), D_std),
            "D_pred": (("distribution", "predictor", "v"), D_pred),
            "flipped": (("distribution", "v"), flipped.astype(np.int8)),
            "L1": (("distribution", "predictor"), L1),
            "skill": (("distribution", "predictor"), skill),
            "N_flip": (("distribution", "predictor"), Np),
            "flip_fraction": (("distribution", "predictor"), frac_p),
            "verdict": (("distribution", "predictor"), verdict.astype(str)),
            "L1_initial": ("distribution", L1_init),
            "L1_noise": ("distribution", L1_noise),
            "N_flip_initial": ("distribution", N0),
            "N_flip_qke": ("distribution", Nq),
            "N_flip_qke_err": ("distribution", Nq_err),
            "flip_fraction_qke": ("distribution", frac_q),
            "gamma_max": ("distribution", gam),
            "n_realizations": ("distribution", nreal),
        },
        coords=coords,
    )
    out["L1"].attrs["long_name"] = "sum_v w_v |D_pred - D_QKE mean| at the final time"
    out["L1_noise"].attrs["long_name"] = "sum_v w_v std_v/sqrt(N): standard error of the QKE mean"
    out["L1_initial"].attrs["long_name"] = "sum_v w_v |D(0) - D_QKE mean|: the 'no change' prediction"
    out["skill"].attrs["long_name"] = "1 - L1/L1_initial"
    out["N_flip"].attrs["long_name"] = "sum over the flipped side (sign D != sign D0 at t=0) of w_v D_v"
    out["verdict"].attrs["rule"] = (
        f"holds: L1 <= {NOISE_FACTOR} L1_noise (within QKE noise); approximate: skill >= {HOLDS_SKILL}; "
        f"partial: skill >= {PARTIAL_SKILL}; fails: otherwise; "
        f"'no evolution': L1_initial <= {NOISE_FACTOR} L1_noise"
    )
    out.attrs["reference"] = reference
    return out


def predictors_table(cmp: xr.Dataset) -> tuple[str, list[dict[str, Any]]]:
    """Markdown table and JSON rows of a :func:`compare_predictors` result."""
    preds = [str(p) for p in cmp["predictor"].values]
    head = ["distribution", "gamma_max", "N_flip(0)", "QKE left", "L1 noise", "L1 no-change"]
    head += [f"L1 {p}" for p in preds] + [f"left {p}" for p in preds] + [f"{p}" for p in preds]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rows: list[dict[str, Any]] = []
    for j, lab in enumerate(cmp["distribution"].values):
        c = cmp.isel(distribution=j)
        cells = [str(lab), f"{float(c.gamma_max):.4f}", f"{float(c.N_flip_initial):+.4f}",
                 f"{float(c.flip_fraction_qke):.3f}", f"{float(c.L1_noise):.1e}", f"{float(c.L1_initial):.2e}"]
        cells += [f"{float(c.L1.sel(predictor=p)):.2e}" for p in preds]
        cells += [f"{float(c.flip_fraction.sel(predictor=p)):.3f}" for p in preds]
        cells += [str(c.verdict.sel(predictor=p).values) for p in preds]
        lines.append("| " + " | ".join(cells) + " |")
        row: dict[str, Any] = {
            "distribution": str(lab),
            "family": str(c.family.values),
            "gamma_max": float(c.gamma_max),
            "n_realizations": float(c.n_realizations),
            "N_flip_initial": float(c.N_flip_initial),
            "N_flip_qke": float(c.N_flip_qke),
            "N_flip_qke_err": float(c.N_flip_qke_err),
            "flip_fraction_qke": float(c.flip_fraction_qke),
            "L1_noise": float(c.L1_noise),
            "L1_initial": float(c.L1_initial),
            "predictors": {
                p: {
                    "L1": float(c.L1.sel(predictor=p)),
                    "skill": float(c.skill.sel(predictor=p)),
                    "N_flip": float(c.N_flip.sel(predictor=p)),
                    "flip_fraction": float(c.flip_fraction.sel(predictor=p)),
                    "verdict": str(c.verdict.sel(predictor=p).values),
                }
                for p in preds
            },
        }
        rows.append({k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()})
    md = "\n".join(lines)
    md += (
        "\n\n`N_flip(0)`: lepton number on the flipped side (sign D != sign D0) at t = 0; "
        "`left`: the fraction of it left at the end. `L1` = sum_v w_v |D - D_QKE|; "
        "`L1 noise` = standard error of the QKE mean; `L1 no-change` = L1 of the initial state. "
        f"Verdict: {cmp['verdict'].attrs['rule']}.\n"
    )
    return md, rows


def run_predictors(
    sweep: xr.Dataset | str | os.PathLike,
    *,
    out_dir: str | os.PathLike | None = None,
    plot: bool = True,
    command: str | None = None,
) -> xr.Dataset:
    """Compare predictors and write ``predictors.nc``, ``.md``, ``.json`` and ``.png`` into ``out_dir``.

    Parameters
    ----------
    sweep : Dataset or path
        A ``sweep.nc`` with ``qke`` points and at least one predictor's.
    out_dir : path, optional
        Folder to write into (an existing one); nothing is written if None.
    plot : bool
        Also draw ``predictors.png``.
    command : str, optional
        Recorded in ``predictors.nc``.

    Returns
    -------
    xarray.Dataset
        The comparison (:func:`compare_predictors`) with provenance attributes.
    """
    ds = sweep if isinstance(sweep, xr.Dataset) else read_dataset(sweep)
    cmp = compare_predictors(ds)
    cmp.attrs.update(provenance_attrs(distribution=ds.attrs.get("distribution", "sweep"),
                                      config={"reference": "qke", "predictors": list(cmp.predictor.values),
                                              "sweep_config": json.loads(ds.attrs.get("config", "{}"))},
                                      command=command))
    if out_dir is None:
        return cmp
    out = Path(out_dir)
    write_dataset(cmp, out / "predictors.nc")
    md, rows = predictors_table(cmp)
    atomic_write_text(out / "predictors.md", "# Final-state predictors vs the QKE ensemble\n\n" + md)
    atomic_write_text(out / "predictors.json",
                      json.dumps({"rule": cmp["verdict"].attrs["rule"], "rows": rows}, indent=2) + "\n")
    if plot:
        from ..plotting.predictors import plot_predictors

        plot_predictors(cmp, out / "predictors.png")
    return cmp
