r"""F2's Fig. 1: QLT against the QKE ensemble, one column per distribution  [docs §4–6].

Top row: the box-averaged :math:`D_v` at the final time — initial, QKE ensemble mean with a
±1 std band, full QLT [F2 eqs. 10–12] and resonant QLT [F2 eqs. 27–30].
Bottom row: power spectra :math:`|\tilde\psi_{0,K}|^2 = L^2|\psi_{0,K}|^2` (log scale) — the
QKE ensemble mean at the final time and at the moment its maximum reaches :math:`10^{-2}`
(docs §4), and QLT at the same two moments.

Column titles name the distribution as a formula, the ensemble size and the time; every
reference line (D_v = 0, the snapshot level) is explained in its panel's legend.

Takes finished Datasets only (the qke.nc and qlt.nc layouts); runs no physics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import xarray as xr

from ..io.files import check_figure_path, save_figure
from ..report import SNAPSHOT_LEVEL, box_length, final_D, mean_power_tilde, time_power_reaches
from ._labels import describe_distribution

__all__ = ["plot_fig1"]

_C = {
    "initial": "0.55",
    "qke": "k",
    "qlt": "tab:red",
    "res": "tab:blue",
    "qke_snap": "0.55",
    "qlt_snap": "tab:orange",
}


def _label_a(key: object) -> str:
    try:
        return f"a = {float(key):g}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(key)


def plot_fig1(
    runs: Mapping[object, Mapping[str, xr.Dataset]],
    path: str | Path | None = None,
    *,
    L: float | None = None,
    level: float = SNAPSHOT_LEVEL,
    dpi: int = 150,
):
    """Draw F2 Fig. 1 and optionally save it (``path`` ending .png; a .pdf twin is written too).

    Parameters
    ----------
    runs : mapping ``key -> {"qke": ds, "qlt": ds, "qlt_resonant": ds}``
        One column per key (e.g. the benchmark parameter a), in mapping order.
    path : str or Path, optional
        Output PNG; the PDF goes next to it with the same stem.
    L : float, optional
        Box length for :math:`|\\tilde\\psi|^2 = L^2|\\psi|^2`; default from each qke.nc's config.
    level : float
        The intermediate snapshot is where the QKE spectrum's maximum first reaches ``level``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    if path is not None:
        # both files are checked before drawing (never a link, FIFO or device; a known format)
        check_figure_path(path, what="path")
        check_figure_path(Path(path).with_suffix(".pdf"), what="path")
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    keys = list(runs)
    n = len(keys)
    width = 4.2 * n + 0.9
    # constrained layout: titles, labels and the legends below the spectra never overlap a panel
    fig, axes = plt.subplots(2, n, figsize=(width, 8.4), squeeze=False, layout="constrained")
    for col, key in enumerate(keys):
        r = runs[key]
        qke, qlt, res = r["qke"], r["qlt"], r.get("qlt_resonant")
        Lk = box_length(qke, L)
        v = np.asarray(qke["v"].values, dtype=float)
        t_end = float(qke["t"].values[-1])
        N = int(qke.sizes["realization"])

        # ---- top: box-averaged D_v at t_end ------------------------------------------------
        ax = axes[0, col]
        D_init = np.asarray(qke["D_mean"].isel(t=0).values, dtype=float)
        D_mean = np.asarray(qke["D_mean"].isel(t=-1).values, dtype=float)
        D_std = np.asarray(qke["D_std"].isel(t=-1).values, dtype=float)
        ax.plot(v, D_init, color=_C["initial"], ls=":", lw=1.4, label="initial")
        ax.fill_between(v, D_mean - D_std, D_mean + D_std, color="0.75", alpha=0.6, lw=0,
                        label="QKE ±1 std")
        ax.plot(v, D_mean, color=_C["qke"], lw=1.6, label=f"QKE mean of {N} realizations")
        D_qlt, t_qlt = final_D(qlt, t_end)
        ax.plot(v, D_qlt, color=_C["qlt"], lw=1.4, ls="--", label="full QLT")
        if res is not None:
            if "D_final_state" in res.variables:  # t -> infinity: F2 Fig. 1's grey curve
                D_res, lab = np.asarray(res["D_final_state"].values, dtype=float), "resonant QLT (t→∞)"
            else:
                D_res, lab = final_D(res, t_end)[0], "resonant QLT"
            ax.plot(v, D_res, color=_C["res"], lw=1.3, ls="-.", label=lab)
        ax.axhline(0.0, color="0.85", lw=0.8, zorder=0, label="$D_v = 0$")  # drawn last: last in the legend
        dist = qke.attrs.get("distribution")
        head = describe_distribution(dist) if dist else _label_a(key)
        ax.set_title(f"{head}\nQKE: mean of {N} realization{'s' if N != 1 else ''}, t = {t_end:g}", fontsize=10)
        ax.set_xlabel(r"$v$")
        if col == 0:
            ax.set_ylabel(r"box-averaged $D_v$")
        ax.set_xlim(-1, 1)
        ax.set_xticks([-1, -0.5, 0, 0.5, 1])
        ax.legend(fontsize=7.5, loc="upper left", frameon=False)

        # ---- bottom: spectra ----------------------------------------------------------------
        ax = axes[1, col]
        P_qke = mean_power_tilde(qke, Lk)
        P_qlt = mean_power_tilde(qlt, Lk)
        t_star, i_star = time_power_reaches(P_qke, level)
        K_box = np.asarray(P_qke["K"].values, dtype=float)
        K_qlt = np.asarray(P_qlt["K"].values, dtype=float)
        tq = np.asarray(P_qlt["t"].values, dtype=float)
        j_end = int(np.argmin(np.abs(tq - t_end)))
        xlim = (min(float(K_qlt.min()), -2.5), max(float(K_qlt.max()), 1.0))
        in_box = (K_box >= xlim[0]) & (K_box <= xlim[1])
        positive: list[np.ndarray] = []
        if i_star >= 0:
            t_snap = float(P_qke["t"].values[i_star])
            j = int(np.argmin(np.abs(tq - t_snap)))
            y = P_qke.isel(t=i_star).values
            ax.plot(K_box, y, color=_C["qke_snap"], lw=0.9, label=f"QKE mean, t = {t_snap:g}")
            y2 = P_qlt.isel(t=j).values
            ax.plot(K_qlt, y2, color=_C["qlt_snap"], lw=1.3, ls="--", label=f"QLT, t = {tq[j]:g}")
            positive += [y[in_box], y2]
        y = P_qke.isel(t=-1).values
        ax.plot(K_box, y, color=_C["qke"], lw=0.9, label=f"QKE mean, t = {t_end:g}")
        y2 = P_qlt.isel(t=j_end).values
        ax.plot(K_qlt, y2, color=_C["qlt"], lw=1.3, ls="--", label=f"QLT, t = {tq[j_end]:g}")
        positive += [y[in_box], y2]
        ax.set_yscale("log")
        allv = np.concatenate([np.ravel(p) for p in positive])
        allv = allv[np.isfinite(allv) & (allv > 0)]
        # floor a decade below the seed level (the QKE's initial flat spectrum, docs §4):
        # QLT carries power only on unstable K, so its curves drop to 0 outside the bands
        seed_level = np.asarray(P_qke.isel(t=0).values)[in_box]
        seed_level = seed_level[np.isfinite(seed_level) & (seed_level > 0)]
        if allv.size:
            top = float(allv.max())
            floor = 0.1 * float(np.median(seed_level)) if seed_level.size else float(allv.min()) / 3
            ax.set_ylim(max(floor, top * 1e-16), top * 5)
            for line in ax.get_lines():
                yd = np.asarray(line.get_ydata(), dtype=float)
                line.set_ydata(np.where(yd < floor, np.nan, yd))
        level_note = None
        if i_star < 0:
            ax.text(0.02, 0.02, f"QKE max never reaches {level:g}", transform=ax.transAxes, fontsize=7)
        else:
            # the reference line is explained in the legend's title (the four curves are its entries)
            level_note = f"dotted line: level {level:g}, first reached by the max of the QKE spectrum at the snapshot time"
            ax.axhline(level, color="0.6", lw=0.7, ls=":", label="_" + level_note)
        ax.set_xlabel(r"$K$")
        if col == 0:
            ax.set_ylabel(r"$|\tilde\psi_{0,K}|^2 = L^2|\psi_{0,K}|^2$")
        ax.set_xlim(*xlim)
        # below the panel: the QKE spectrum fills the whole K range, a legend inside would cover it
        ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False,
                  title=level_note, title_fontsize=7.5)
    Ls = sorted({float(box_length(runs[k]["qke"], L)) for k in keys})
    fig.suptitle("QLT vs QKE ensemble in a periodic box (F2 Fig. 1)"
                 + (f", L = {Ls[0]:g}" if len(Ls) == 1 else ""), fontsize=11)
    if path is not None:
        p = Path(path)
        save_figure(fig, p, dpi=dpi)  # the one atomic figure writer
        save_figure(fig, p.with_suffix(".pdf"))
    return fig
