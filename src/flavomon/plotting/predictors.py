"""Figure of the final-state predictor comparison (takes the Dataset of
:func:`flavomon.workflows.predictors.compare_predictors`, or its file ``predictors.nc``; never
runs physics).

Top left: L1 distance to the QKE ensemble mean per distribution, for each predictor, with the
QKE noise floor (2 x standard error) and the "no change" distance.  Top right: fraction of the
flipped-side lepton number left at the end (QKE with its error bar, and each predictor), with the
two reference values 0 (flipped side emptied) and 1 (no change) in the legend.
Below: the final D_v of every distribution (up to 16): initial, QKE mean +- 1 std, predictors.
The title names the sweep, the QKE ensemble size and the final time.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

from ..io.files import check_figure_path, save_figure
from ._labels import number, run_config, short_distribution

__all__ = ["plot_predictors", "predictors_figure", "STYLE"]

STYLE = {
    "qlt": dict(color="tab:blue", marker="o", ls="-", label="full QLT"),
    "resonant": dict(color="tab:orange", marker="s", ls="--", label="resonant QLT"),
    "signrule": dict(color="tab:green", marker="^", ls=":", label="sign rule"),
}


def profile_panel(ax, title: str, j: int, ncol: int, nprof: int, ylabel: str) -> None:
    """Title, ticks, the left column's y label, the first panel's legend and the bottom row's x label of panel
    ``j`` of a grid of D_v profiles (predictors, sweeps)."""
    ax.set_title(title, fontsize=7)
    ax.tick_params(labelsize=7)
    if j % ncol == 0:
        ax.set_ylabel(ylabel, fontsize=8)
    if j == 0:
        ax.legend(fontsize=6)
    if j >= nprof - ncol:
        ax.set_xlabel("v", fontsize=8)


def flip_fraction_axis(ax, ticks, labels) -> None:
    """Reference lines, labels and legend of a panel of flipped-side lepton number left (predictors, sweeps)."""
    ax.axhline(0, color="0.5", lw=0.8, label="0: flipped side emptied")
    ax.axhline(1, color="0.5", lw=0.8, ls=":", label="1: flipped side unchanged")
    ax.set_xticks(ticks, labels, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(r"$N_{\rm flip}(t_{\rm end})/N_{\rm flip}(0)$")
    ax.set_title("flipped-side lepton number left at $t_{\\rm end}$", fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)


def _title(cmp: xr.Dataset) -> str:
    cfg = run_config(cmp)
    sweep = cfg.get("sweep_config", {}) if isinstance(cfg.get("sweep_config"), dict) else {}
    name = sweep.get("name")
    n = np.asarray(cmp["n_realizations"].values, dtype=float) if "n_realizations" in cmp else np.array([])
    n = n[np.isfinite(n)]
    if n.size and n.min() == n.max():
        ens = f"mean of {int(n[0])} realizations"
    elif n.size:
        ens = f"mean of {int(n.min())}–{int(n.max())} realizations"
    else:
        ens = "ensemble mean"
    t_end = (sweep.get("method_options", {}) or {}).get("qke", {}).get("t_end")
    head = "Final-state predictors vs the QKE ensemble" + (f" — sweep {name}" if name else "")
    sub = f"{cmp.sizes['distribution']} distributions; QKE: {ens}" + (f"; t_end = {number(t_end)}" if t_end else "")
    return head + "\n" + sub


def predictors_figure(cmp: xr.Dataset, *, max_profiles: int = 16):
    """Draw the predictor comparison; returns the Figure.

    Parameters
    ----------
    cmp : xarray.Dataset
        The result of :func:`flavomon.workflows.predictors.compare_predictors` (or predictors.nc).
    max_profiles : int
        At most this many distributions get a D_v panel (the first ones).
    """
    import matplotlib.pyplot as plt

    labels = [str(x) for x in cmp["distribution"].values]
    nd = len(labels)
    preds = [str(p) for p in cmp["predictor"].values]
    nprof = min(nd, max_profiles)
    ncol = 4
    nrow = int(np.ceil(nprof / ncol))
    fig = plt.figure(figsize=(15, 5.0 + 2.4 * nrow), layout="constrained")
    gs = fig.add_gridspec(1 + nrow, ncol, height_ratios=[2.0] + [1.0] * nrow)
    x = np.arange(nd)
    short = [short_distribution(lab).replace(".csv", "") for lab in labels]

    ax = fig.add_subplot(gs[0, :2])
    floor = 2 * cmp["L1_noise"].values
    ax.fill_between(x, 1e-30, floor, color="0.85", step="mid", label="QKE noise (2 s.e.)")
    ax.plot(x, cmp["L1_initial"].values, "kx", ms=7, label="no change")
    for p in preds:
        st = STYLE.get(p, dict(marker="d", label=p))
        ax.plot(x, cmp["L1"].sel(predictor=p).values, ls="none", marker=st["marker"], color=st.get("color"),
                label=st["label"], mfc="none" if p == "signrule" else None)
    ax.set_yscale("log")
    vals = np.concatenate([cmp["L1"].values.ravel(), cmp["L1_initial"].values, floor])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    if vals.size:
        ax.set_ylim(vals.min() / 3, vals.max() * 3)
    ax.set_xticks(x, short, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(r"$L_1=\sum_v w_v|D_v-\bar D_v^{\rm QKE}|$")
    ax.set_title("distance to the QKE ensemble mean at $t_{\\rm end}$ (lower is better)", fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3, which="both")

    ax = fig.add_subplot(gs[0, 2:])
    err = np.abs(cmp["N_flip_qke_err"].values / cmp["N_flip_initial"].values)
    ax.errorbar(x, cmp["flip_fraction_qke"].values, yerr=err, fmt="k*", ms=9, label="QKE (mean, s.e. bound)")
    for p in preds:
        st = STYLE.get(p, dict(marker="d", label=p))
        ax.plot(x, cmp["flip_fraction"].sel(predictor=p).values, ls="none", marker=st["marker"],
                color=st.get("color"), label=st["label"], mfc="none" if p == "signrule" else None)
    flip_fraction_axis(ax, x, short)

    v = cmp["v"].values
    for j in range(nprof):
        ax = fig.add_subplot(gs[1 + j // ncol, j % ncol])
        c = cmp.isel(distribution=j)
        m, s = c["D_qke"].values, c["D_qke_std"].values
        ax.plot(v, c["D_initial"].values, color="0.55", lw=1, ls="-.", label="initial")
        ax.fill_between(v, m - s, m + s, color="k", alpha=0.2, lw=0, label="QKE ±1 std")
        ax.plot(v, m, "k-", lw=1.6, label="QKE mean")
        for p in preds:
            st = STYLE.get(p, dict(ls="-", label=p))
            ax.plot(v, c["D_pred"].sel(predictor=p).values, color=st.get("color"), ls=st["ls"], lw=1.1,
                    label=st["label"])
        ax.axhline(0, color="0.7", lw=0.6, label="$D_v = 0$")
        verd = ", ".join(f"{p}: {c['verdict'].sel(predictor=p).values}" for p in preds if p != "signrule")
        profile_panel(ax, f"{short[j]}  (γ_max = {float(c.gamma_max):.3f})\n{verd}", j, ncol, nprof, r"final $D_v$")
    fig.suptitle(_title(cmp), fontsize=11)
    return fig


def plot_predictors(cmp: xr.Dataset, path: str | os.PathLike, *, max_profiles: int = 16) -> Path:
    """Draw the predictor comparison and write it to ``path``.

    Parameters
    ----------
    cmp : xarray.Dataset
        The result of :func:`flavomon.workflows.predictors.compare_predictors`.
    path : str or os.PathLike
        Image file to write.
    max_profiles : int
        At most this many distributions get a D_v panel (the first ones).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    check_figure_path(path, what="path")  # before drawing: never a link, FIFO or device; a known format
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = predictors_figure(cmp, max_profiles=max_profiles)
    out = Path(path)
    save_figure(fig, out, what="path", dpi=110)  # the one atomic figure writer
    plt.close(fig)
    return out
