"""``flavomon modes`` workflow: distribution -> all roots on a K grid -> modes.nc (+ figure).

Validates every input (SPEC, K range, Nv, output paths) before computing, so bad input fails
with a one-line :class:`~flavomon.errors.FlavomonInputError` and no file is written.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..distributions import from_spec
from .._validate import as_number
from ..errors import FlavomonInputError, PhysicsWarning
from ..io import check_output_path, write_dataset
from ..io.modes import modes_dataset
from ..linear import find_modes, growth_rate_max
from ..linear.growth import band_scan_K

__all__ = ["run_modes", "validate_modes_args", "default_K_range"]


def validate_modes_args(K_min: Any, K_max: Any, n_K: Any, Nv: Any) -> tuple[float, float, int, int | None]:
    K_min = as_number("K_min", K_min)
    K_max = as_number("K_max", K_max)
    if K_min > K_max:
        raise FlavomonInputError(f"K_min={K_min:g} is larger than K_max={K_max:g}")
    if isinstance(n_K, bool) or not isinstance(n_K, (int, np.integer)) or n_K < 1:
        raise FlavomonInputError(f"n_K must be a positive integer, got {n_K!r}")
    if K_min == K_max and n_K != 1:
        raise FlavomonInputError(f"K_min equals K_max ({K_min:g}); use n_K=1 or a non-empty range")
    if n_K > 100_000:
        raise FlavomonInputError(f"n_K={n_K} is too large (max 100000)")
    if Nv is not None and (isinstance(Nv, bool) or not isinstance(Nv, (int, np.integer)) or not 2 <= Nv <= 4000):
        raise FlavomonInputError(f"Nv must be an integer in [2, 4000], got {Nv!r}")
    return K_min, K_max, int(n_K), (int(Nv) if Nv is not None else None)


def default_K_range(distribution: Any) -> tuple[float, float]:
    r"""The automatic K range of ``flavomon modes``: :math:`K=-D_1\pm(2A+\min(1,A))`, :math:`A=\int dv\,|D_v|`.

    It is the band-search range of :func:`flavomon.linear.growth_rate_max` (in ``k = K + D_1``,
    symmetric about ``k = 0``), so every unstable band the global search finds lies inside it.
    """
    Ks = band_scan_K(distribution, n=2)
    return float(Ks[0]), float(Ks[-1])


def run_modes(
    distribution: Any,
    *,
    K_min: float | None = None,
    K_max: float | None = None,
    n_K: int = 351,
    Nv: int | None = None,
    out: str | Path | None = None,
    plot: str | Path | None = None,
    command: str | None = None,
) -> xr.Dataset:
    """All roots Omega(K) of ``distribution`` on ``n_K`` points in [K_min, K_max]  [physics.md §3].

    ``K_min``/``K_max`` left as ``None`` take :func:`default_K_range` (every unstable band inside).
    A given range that misses a faster unstable band than the fastest one on the grid gives a
    :class:`~flavomon.errors.PhysicsWarning` naming that band; the global maximum is recorded in the
    ``config`` attribute (``gamma_max_all_K``, ``K_at_gamma_max_all_K``) either way.

    Writes ``out`` (modes.nc, INTERFACES.md) and, if ``plot`` is given, the F1 Fig. S4-style
    figure.  Returns the Dataset.
    """
    dist = None
    if K_min is None or K_max is None:
        dist = from_spec(distribution)
        lo, hi = default_K_range(dist)
        K_min = lo if K_min is None else K_min
        K_max = hi if K_max is None else K_max
    K_min, K_max, n_K, Nv = validate_modes_args(K_min, K_max, n_K, Nv)
    if out is not None:
        check_output_path(out, what="--out")
    if plot is not None:
        check_output_path(plot, what="--plot")
    if dist is None:
        dist = from_spec(distribution)
    spec = distribution if isinstance(distribution, str) else dist.spec
    K = np.linspace(K_min, K_max, n_K)
    res = find_modes(dist, K, Nv=Nv)
    g_all, K_all, _ = growth_rate_max(dist, Nv=Nv)
    g_grid = float(res.gamma_max) if np.isfinite(res.gamma_max) else 0.0
    # 1e-6 relative: the grid maximum is refined to ~1e-9, so a larger gap is a band the grid misses
    if g_all > g_grid * (1 + 1e-6) + 1e-12:
        warnings.warn(
            f"the K range [{K_min:g}, {K_max:g}] misses the fastest unstable mode of {spec}: "
            f"gamma_max = {g_all:.6g} at K = {K_all:.6g} (on the grid: {g_grid:.6g}); "
            f"widen --K-min/--K-max or leave them out for the automatic range",
            PhysicsWarning,
            stacklevel=2,
        )
    config = {
        "distribution": dist.describe(),
        "K_min": K_min,
        "K_max": K_max,
        "n_K": n_K,
        "Nv": Nv,
        "window": list(res.window.as_tuple()) if res.window is not None else None,
        "bands": [b.as_dict() for b in res.bands],
        "gamma_max_all_K": float(g_all),
        "K_at_gamma_max_all_K": float(K_all),
    }
    ds = modes_dataset(res, distribution=spec, config=config, command=command)
    if out is not None:
        write_dataset(ds, out)
    if plot is not None:
        from ..plotting.modes import plot_modes

        fig = plot_modes(ds, path=plot)
        import matplotlib.pyplot as plt

        plt.close(fig)
    return ds

