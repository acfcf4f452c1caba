"""Figure of the gradient suppression curve (takes :func:`flavomon.workflows.gradient.gradient_table`; never runs
physics).  One panel per distribution: the final change against the signed gradient G from the QKE ensemble
(with its noise floor as error bar), full QLT and the linear estimate (the homogeneous QKE change while
|G| < G_c, 0 beyond), the homogeneous value as a dotted line and the estimate's G_c as dashed lines [docs §11].
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..io.files import save_figure
from ._labels import short_distribution

__all__ = ["gradient_figure", "plot_gradient"]


def gradient_figure(tab: dict[str, Any], *, title: str = ""):
    """Draw the suppression curves; returns the Figure."""
    import matplotlib.pyplot as plt

    labels = list(tab)
    n = len(labels)
    ncol = min(2, n)
    nrow = int(np.ceil(n / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.6 * ncol, 4.9 * nrow), squeeze=False, layout="constrained")
    for ax, label in zip(axes.flat, labels):
        rows = tab[label]["rows"]
        G = np.array([r["G"] for r in rows])
        qke = np.array([r.get("change_qke", np.nan) for r in rows])
        err = np.array([r.get("noise_floor_qke", np.nan) for r in rows])
        qlt = np.array([r.get("change_qlt", np.nan) for r in rows])
        Gc = tab[label].get("G_c_estimate", np.nan)
        zero = next((r for r in rows if r["G"] == 0.0), {})
        c0 = zero.get("change_qke", np.nan)
        ax.errorbar(G, qke, yerr=err, color="k", marker="o", ms=4, lw=1.2, capsize=2,
                    label=f"QKE, mean of {zero.get('realizations', '?')} (error bar: noise floor)")
        ax.plot(G, qlt, color="tab:blue", marker="s", ms=4, lw=1.2, ls="--", label="full QLT")
        if np.isfinite(Gc) and np.isfinite(c0):
            Gs = np.linspace(G.min(), G.max(), 801)
            ax.plot(Gs, np.where(np.abs(Gs) < Gc, c0, 0.0), color="tab:red", lw=1.0,
                    label="linear estimate: converts while 2∫γdK/|G| > ln(1e-2/1e-13)")
            for s in (-1, 1):
                if G.min() <= s * Gc <= G.max():
                    ax.axvline(s * Gc, color="tab:red", ls=":", lw=0.8)
            ax.plot([], [], color="tab:red", ls=":", lw=0.8, label=f"G = ±G_c = ±{Gc:.3g} (estimate)")
        if np.isfinite(c0):
            ax.axhline(c0, color="0.5", ls=":", lw=0.8, label=f"homogeneous (G = 0) QKE change {c0:.3g}")
        ax.set_xlabel("matter gradient G = dλ/dz  [μ²]")
        ax.set_ylabel("final change Σ w_v |D_v(t_end) − D_v(0)|")
        ax.set_title(short_distribution(label))
        ax.set_ylim(bottom=0, top=1.12 * np.nanmax(np.r_[qke + np.nan_to_num(err), qlt, [c0 if np.isfinite(c0) else 0.0]]))
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle("Fast flavor conversion against a matter gradient" + (f" — {title}" if title else ""))
    return fig


def plot_gradient(tab: dict[str, Any], path: str | os.PathLike, *, title: str = "") -> Path:
    """Draw :func:`gradient_figure` and write it to ``path``."""
    import matplotlib.pyplot as plt

    fig = gradient_figure(tab, title=title)
    try:
        return save_figure(fig, path, what="gradient figure", dpi=120)
    finally:
        plt.close(fig)
