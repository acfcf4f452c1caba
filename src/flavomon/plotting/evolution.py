"""Figures of box (qke.nc) and QLT (qlt.nc) runs: D_v at chosen times and power spectra.

Both layouts share ``D`` and ``power``; qke.nc carries a leading ``realization`` axis, which is
averaged (mean with a +-1 standard deviation band for D).  Functions take a Dataset and an Axes
and never run physics.

Read at a glance: :func:`plot_overview` titles the figure with the run (QKE ensemble of N
realizations, full or resonant QLT), the distribution as a formula and the time span; each
panel's legend sits below it (no curve hidden); the spectra are drawn in their physical range
(from a hundredth of the seed level up, nothing at the bottom of the float range), with the seed
level as a labelled reference line.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import xarray as xr

from ._labels import describe_distribution, number, run_config, time_range

__all__ = ["plot_D_final", "plot_spectra", "plot_D_time", "plot_overview", "seed_level", "SEED_FLOOR_FRACTION"]

SEED_FLOOR_FRACTION = 1e-2
"""Spectra are drawn from this fraction of the seed level up: two decades below the seed still
show decaying (stable) modes; what lies lower is no power any run can use (QLT's zeros outside
its unstable bands, or round-off), and is left out instead of stretching the axis to 1e-300."""

GROWN_FACTOR = 10.0
"""The K axis of a spectrum is zoomed to the modes whose power grew above this many times the seed
level at some time (with a margin), when they span less than the grid: the rest sits at the seed."""

_LEGEND_BELOW = dict(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=3, frameon=False)


def _D_stats(ds: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray | None]:
    D = ds["D"]
    if "realization" in D.dims:
        n = D.sizes["realization"]
        return D.mean("realization"), (D.std("realization", ddof=1) if n > 1 else None)
    return D, None


def _power(ds: xr.Dataset) -> xr.DataArray:
    P = ds["power"]
    return P.mean("realization") if "realization" in P.dims else P


def _n_realizations(ds: xr.Dataset) -> int | None:
    return int(ds.sizes["realization"]) if "realization" in ds["D"].dims else None


def seed_level(ds: xr.Dataset) -> float | None:
    """The seed power per box mode: ``seed_power`` of the run's config, else the median of the
    positive t = 0 power (the flat seed of a QKE run); None if neither exists."""
    sp = run_config(ds).get("seed_power")
    try:
        sp = float(sp)
    except (TypeError, ValueError):
        sp = None
    if sp is not None and np.isfinite(sp) and sp > 0:
        return sp
    P0 = np.asarray(_power(ds).isel(t=0).values, dtype=float)
    P0 = P0[np.isfinite(P0) & (P0 > 0)]
    return float(np.median(P0)) if P0.size else None


def plot_D_final(ds: xr.Dataset, ax, *, times: Sequence[float] | None = None, label: str | None = None, **kw):
    """D_v at the initial and final times (or at ``times``); ensemble mean +- std for qke files.

    Returns the D_v lines (one per time); the D_v = 0 reference line is labelled in the legend.
    """
    mean, std = _D_stats(ds)
    n = _n_realizations(ds)
    t = ds["t"].values
    times = [t[0], t[-1]] if times is None else list(times)
    lines = []
    for tt in times:
        i = int(np.argmin(np.abs(t - tt)))
        m = mean.isel(t=i)
        lab = (label + ", " if label else "") + f"t = {t[i]:g}"
        if n is not None and i > 0:
            lab += f": mean of {n} realization{'s' if n != 1 else ''}"
        (ln,) = ax.plot(ds["v"].values, m.values, label=lab, **kw)
        lines.append(ln)
        if std is not None and i > 0:
            s = std.isel(t=i).values
            ax.fill_between(ds["v"].values, m.values - s, m.values + s, color=ln.get_color(), alpha=0.25, lw=0,
                            label=f"±1 std over realizations, t = {t[i]:g}")
    ax.axhline(0, color="0.6", lw=0.5, label="$D_v = 0$ (a crossing where a curve meets it)")
    ax.set_xlabel("v")
    ax.set_ylabel("box-averaged $D_v$")
    ax.legend(**{**_LEGEND_BELOW, "ncol": 1})
    return lines


def _K_view(K: np.ndarray, P: np.ndarray, level: float | None) -> tuple[float, float] | None:
    """The K range of the modes that grew above GROWN_FACTOR x seed (with a margin), if narrower than K."""
    if level is None or K.size < 2:
        return None
    grown = np.any(np.isfinite(P) & (P > GROWN_FACTOR * level), axis=0)
    if not grown.any():
        return None
    lo, hi = float(K[grown].min()), float(K[grown].max())
    pad = max(0.5 * (hi - lo), 0.5)
    lo, hi = max(lo - pad, float(K.min())), min(hi + pad, float(K.max()))
    return (lo, hi) if hi - lo < 0.8 * (float(K.max()) - float(K.min())) else None


def plot_spectra(ds: xr.Dataset, ax, *, times: Sequence[float] | None = None, L: float | None = None, **kw):
    """Power per box mode :math:`|\\psi_{0,K}|^2` (or :math:`|\\tilde\\psi_{0,K}|^2=L^2|\\psi_{0,K}|^2` if ``L``).

    Drawn from ``SEED_FLOOR_FRACTION`` x the seed level up (QLT holds no power outside its unstable
    bands: those zeros are left out); the seed level is a labelled reference line.  Returns the
    spectrum lines (one per time).
    """
    P = _power(ds)
    t = ds["t"].values
    if times is None:
        times = np.linspace(t[0], t[-1], 5)
    scale = 1.0 if L is None else float(L) ** 2
    level = seed_level(ds)
    if level is not None:
        level *= scale
    floor = SEED_FLOOR_FRACTION * level if level is not None else None
    K = np.asarray(ds["K"].values, dtype=float)
    Pall = np.asarray(P.values, dtype=float) * scale
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    idx = [int(np.argmin(np.abs(t - tt))) for tt in times]
    lines = []
    for n, i in enumerate(idx):
        y = Pall[i]
        y = np.where(np.isfinite(y) & (y > (floor if floor is not None else 0.0)), y, np.nan)
        style = {"color": cmap(0.9 * n / max(len(idx) - 1, 1)), **kw}
        (ln,) = ax.semilogy(K, y, label=f"t = {t[i]:g}", **style)
        lines.append(ln)
    if level is not None:
        ax.axhline(level, color="0.5", lw=0.8, ls=":", zorder=0.5, label=f"seed level {level:.3g} per box mode")
    shown = Pall[idx]
    shown = shown[np.isfinite(shown) & (shown > (floor if floor is not None else 0.0))]
    if shown.size:
        top = 5.0 * float(shown.max())
        bottom = floor if floor is not None else float(shown.min()) / 5.0
        ax.set_ylim(bottom, max(top, 10 * bottom))
    view = _K_view(K, Pall, level)
    if view is not None:
        ax.set_xlim(*view)
    ax.set_xlabel("K" if view is None else f"K (zoomed to the growing modes; grid {number(K.min())} … {number(K.max())})")
    ax.set_ylabel(r"$|\psi_{0,K}|^2$ per box mode" if L is None else r"$|\tilde\psi_{0,K}|^2$")
    ax.legend(**_LEGEND_BELOW)
    return lines


def plot_D_time(ds: xr.Dataset, ax, *, v_values: Sequence[float] | None = None, **kw):
    """Box-averaged D_v(t) at a few velocities (ensemble mean for qke files)."""
    import matplotlib

    mean, _ = _D_stats(ds)
    v = ds["v"].values
    if v_values is None:
        v_values = [-0.9, 0.0, 0.5, 0.8, 0.95]
    cmap = matplotlib.colormaps["plasma"]
    lines = []
    for n, vv in enumerate(v_values):
        j = int(np.argmin(np.abs(v - vv)))
        style = {"color": cmap(0.85 * n / max(len(v_values) - 1, 1)), **kw}
        (ln,) = ax.plot(ds["t"].values, mean.isel(v=j).values, label=f"v = {v[j]:.2f}", **style)
        lines.append(ln)
    ax.set_xlabel("t  [1/μ]")
    ax.set_ylabel("box-averaged $D_v$" + (" (ensemble mean)" if _n_realizations(ds) else ""))
    ax.legend(**_LEGEND_BELOW)
    return lines


def describe_run(ds: xr.Dataset) -> str:
    """Two title lines: what was run, on which distribution; its size and time span."""
    cfg = run_config(ds)
    kind = str(ds.attrs.get("kind", "")).lower()
    n = _n_realizations(ds)
    if kind == "qke" or n is not None:
        what = "QKE in a periodic box [F2 eq. 4]"
        size = [f"ensemble mean of {n} realization{'s' if n != 1 else ''}" if n is not None else ""]
        size += [f"{k} = {number(cfg[k])}" for k in ("L", "Nz", "Nv") if k in cfg]
    else:
        res = str(ds.attrs.get("resonant", cfg.get("resonant", "0"))).lower() in ("1", "true")
        what = "resonant QLT [F2 eqs. 27–30]" if res else ("full QLT [F2 eqs. 10–12]" if kind == "qlt" else
                                                            "box-averaged run")
        size = [f"{k} = {number(cfg[k])}" for k in ("Nv", "n_K", "L") if k in cfg]
    dist = describe_distribution(ds.attrs.get("distribution", "")) if ds.attrs.get("distribution") else ""
    line1 = what + (f" of {dist}" if dist else "")
    line2 = "; ".join(s for s in (", ".join(s for s in size if s), time_range(ds["t"].values)) if s)
    return line1 + "\n" + line2


def plot_overview(ds: xr.Dataset, fig=None):
    """Three panels: D_v(t), D_v at start/end, spectra, under a title naming the run.  Returns the figure."""
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(14, 5.4), layout="constrained")
    axs = fig.subplots(1, 3)
    plot_D_time(ds, axs[0])
    plot_D_final(ds, axs[1])
    plot_spectra(ds, axs[2])
    t = ds["t"].values
    axs[0].set_title("box-averaged $D_v(t)$ at five velocities", fontsize=10)
    axs[1].set_title(f"$D_v$ at t = {t[0]:g} and t = {t[-1]:g}", fontsize=10)
    axs[2].set_title(r"power spectrum $|\psi_{0,K}|^2$ at five times", fontsize=10)
    fig.suptitle(describe_run(ds), fontsize=11)
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    return fig
