"""Figures of box (qke.nc) and QLT (qlt.nc) runs: D_v at chosen times and power spectra.

Both layouts share ``D`` and ``power``; qke.nc carries a leading ``realization`` axis, which is
averaged (mean with a +-1 standard deviation band for D).  Functions take a Dataset and an Axes
and never run physics.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import xarray as xr

__all__ = ["plot_D_final", "plot_spectra", "plot_D_time", "plot_overview"]


def _D_stats(ds: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray | None]:
    D = ds["D"]
    if "realization" in D.dims:
        n = D.sizes["realization"]
        return D.mean("realization"), (D.std("realization", ddof=1) if n > 1 else None)
    return D, None


def _power(ds: xr.Dataset) -> xr.DataArray:
    P = ds["power"]
    return P.mean("realization") if "realization" in P.dims else P


def plot_D_final(ds: xr.Dataset, ax, *, times: Sequence[float] | None = None, label: str | None = None, **kw):
    """D_v at the initial and final times (or at ``times``); ensemble mean +- std for qke files."""
    mean, std = _D_stats(ds)
    t = ds["t"].values
    times = [t[0], t[-1]] if times is None else list(times)
    lines = []
    for tt in times:
        i = int(np.argmin(np.abs(t - tt)))
        m = mean.isel(t=i)
        lab = (label + ", " if label else "") + f"t = {t[i]:g}"
        (ln,) = ax.plot(ds["v"].values, m.values, label=lab, **kw)
        lines.append(ln)
        if std is not None:
            s = std.isel(t=i).values
            ax.fill_between(ds["v"].values, m.values - s, m.values + s, color=ln.get_color(), alpha=0.25, lw=0)
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set_xlabel("v")
    ax.set_ylabel("box-averaged $D_v$")
    ax.legend(fontsize="small")
    return lines


def plot_spectra(ds: xr.Dataset, ax, *, times: Sequence[float] | None = None, L: float | None = None, **kw):
    """Power per box mode :math:`|\\psi_{0,K}|^2` (or :math:`|\\tilde\\psi_{0,K}|^2=L^2|\\psi_{0,K}|^2` if ``L``)."""
    P = _power(ds)
    t = ds["t"].values
    if times is None:
        times = np.linspace(t[0], t[-1], 5)
    scale = 1.0 if L is None else float(L) ** 2
    # the physical range: from a hundredth of the smallest seeded power up; QLT holds no power outside the
    # unstable bands (zero there), which is left out rather than drawn at the bottom of the float range
    P0 = P.isel(t=0).values * scale
    seeded = P0[np.isfinite(P0) & (P0 > 0)]
    floor = 1e-2 * float(seeded.min()) if seeded.size else None
    lines = []
    for tt in times:
        i = int(np.argmin(np.abs(t - tt)))
        y = P.isel(t=i).values * scale
        y = np.where(np.isfinite(y) & (y > (floor if floor is not None else 0.0)), y, np.nan)
        (ln,) = ax.semilogy(ds["K"].values, y, label=f"t = {t[i]:g}", **kw)
        lines.append(ln)
    if floor is not None:
        ax.set_ylim(bottom=floor)
    ax.set_xlabel("K")
    ax.set_ylabel(r"$|\psi_{0,K}|^2$" if L is None else r"$|\tilde\psi_{0,K}|^2$")
    ax.legend(fontsize="small")
    return lines


def plot_D_time(ds: xr.Dataset, ax, *, v_values: Sequence[float] | None = None, **kw):
    """Box-averaged D_v(t) at a few velocities (ensemble mean for qke files)."""
    mean, _ = _D_stats(ds)
    v = ds["v"].values
    if v_values is None:
        v_values = [-0.9, 0.0, 0.5, 0.8, 0.95]
    lines = []
    for vv in v_values:
        j = int(np.argmin(np.abs(v - vv)))
        (ln,) = ax.plot(ds["t"].values, mean.isel(v=j).values, label=f"v = {v[j]:.2f}", **kw)
        lines.append(ln)
    ax.set_xlabel("t")
    ax.set_ylabel("box-averaged $D_v$")
    ax.legend(fontsize="small")
    return lines


def plot_overview(ds: xr.Dataset, fig=None):
    """Three panels: D_v(t), D_v at start/end, spectra.  Returns the figure."""
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(13, 4))
    axs = fig.subplots(1, 3)
    plot_D_time(ds, axs[0])
    plot_D_final(ds, axs[1])
    plot_spectra(ds, axs[2])
    fig.tight_layout()
    return fig
