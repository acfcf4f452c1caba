"""Figure of all modes Omega(K) in the manner of F1 Fig. S4 (reads a modes.nc Dataset only).

Panels: Re Omega vs K with the light cone :math:`\\Omega=-D_0\\pm(K+D_1)` (i.e. omega = +-k),
Im Omega vs K, and :math:`Z_R` (Z at the real part of the root, whose sign is the flavomon /
anti-flavomon label, docs §10.14; Re Z_K for files without ``Z_R``) below.  Growing parts red,
Landau-damped parts blue (dashed), real roots black; the maximum growth rate is marked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..io.files import check_figure_path, save_figure

__all__ = ["plot_modes", "KIND_STYLE"]

KIND_STYLE = {
    "unstable": dict(color="tab:red", ls="-", lw=1.8),
    "real": dict(color="black", ls="-", lw=1.1),
    "damped": dict(color="tab:blue", ls="--", lw=1.1),
}


def _runs(kind: np.ndarray):
    """Contiguous runs of equal non-empty kind: (start, stop_inclusive, kind)."""
    out = []
    i, n = 0, len(kind)
    while i < n:
        if kind[i] == "":
            i += 1
            continue
        j = i
        while j + 1 < n and kind[j + 1] == kind[i]:
            j += 1
        out.append((i, j, str(kind[i])))
        i = j + 1
    return out


def plot_modes(ds: xr.Dataset, path: str | Path | None = None, ax: Any = None, *, title: str | None = None):
    """Plot a modes.nc Dataset; returns the Figure (written to ``path`` if given).

    ``ax``: optional sequence of three Axes (Re Omega, Im Omega, Z_R); else a new figure.
    """
    if path is not None:
        check_figure_path(path, what="path")  # before drawing: never a link, FIFO or device; a known format
    if ax is None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(3, 1, figsize=(6.4, 8.6), sharex=True, gridspec_kw=dict(height_ratios=[1.25, 1.0, 0.85]))
    else:
        axes = list(ax)
        fig = axes[0].figure
    K = ds["K"].values
    Om = ds["Omega_real"].values + 1j * ds["Omega_imag"].values
    has_ZR = "Z_R" in ds
    Z = ds["Z_R"].values if has_ZR else ds["Z_real"].values
    kind = ds["kind"].values.astype(str)
    D0 = float(ds.attrs.get("D0", 0.0))
    D1 = float(ds.attrs.get("D1", 0.0))
    aR, aI, aZ = axes
    # light cone omega = +-k  ->  Omega = -D0 +- (K + D1)
    for s in (+1, -1):
        aR.plot(K, -D0 + s * (K + D1), color="0.6", lw=0.8, ls=":", zorder=0)
    aI.axhline(0.0, color="0.6", lw=0.8, ls=":")
    aZ.axhline(0.0, color="0.6", lw=0.8, ls=":")
    seen: set[str] = set()
    for j in range(Om.shape[1]):
        for i0, i1, kd in _runs(kind[:, j]):
            a, b = max(i0 - 1, 0), i1 + 1  # overlap one point so a branch is drawn continuously
            if i0 > 0 and kind[i0 - 1, j] == "":
                a = i0
            sl = slice(a, b)
            st = KIND_STYLE.get(kd, dict(color="gray"))
            lab = kd if kd not in seen else None
            seen.add(kd)
            aR.plot(K[sl], Om[sl, j].real, label=lab, **st)
            aI.plot(K[sl], Om[sl, j].imag, **st)
            aZ.plot(K[sl], Z[sl, j], **st)
    g = float(ds["gamma_max"]) if "gamma_max" in ds else np.nan
    if np.isfinite(g):
        Kg = float(ds["K_at_gamma_max"])
        aI.plot([Kg], [g], "o", color="tab:red", ms=4)
        aI.annotate(f"$\\gamma_{{max}}$={g:.4g}", (Kg, g), textcoords="offset points", xytext=(6, 4), fontsize=8)
    aR.plot([], [], color="0.6", ls=":", lw=0.8, label=r"light cone $\omega=\pm k$")
    aR.set_ylabel(r"Re $\Omega$")
    aI.set_ylabel(r"Im $\Omega$")
    aZ.set_ylabel(r"$Z_R$ ($>0$ flavomon)" if has_ZR else r"Re $Z_K$")
    aZ.set_xlabel(r"$K$")
    fin = np.isfinite(Om.real)
    if fin.any():
        lo, hi = np.nanmin(Om.real), np.nanmax(Om.real)
        pad = 0.08 * (hi - lo + 1e-9)
        aR.set_ylim(lo - pad, hi + pad)
        zi = Z[np.isfinite(Z)]
        if zi.size:
            zlo, zhi = np.percentile(zi, [2, 98])
            zpad = 0.15 * (zhi - zlo + 1e-9)
            aZ.set_ylim(min(zlo - zpad, -0.05), max(zhi + zpad, 0.05))
    aR.legend(fontsize=8, loc="best")
    aR.set_title(title or f"modes of {ds.attrs.get('distribution', '')} ({ds.attrs.get('route', '')})", fontsize=9)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path, what="path", dpi=130)  # the one atomic figure writer
    return fig
