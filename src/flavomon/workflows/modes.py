"""``flavomon modes`` workflow: distribution -> all roots on a K grid -> modes.nc (+ figure).

Validates every input (SPEC, K range, Nv, output paths) before computing, so bad input fails
with a one-line :class:`~flavomon.errors.FlavomonInputError` and no file is written.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..distributions import from_spec
from ..errors import FlavomonInputError
from ..io import check_output_path, write_dataset
from ..io.modes import modes_dataset
from ..linear import find_modes

__all__ = ["run_modes", "validate_modes_args"]


def _finite(name: str, x: Any) -> float:
    try:
        y = float(x)
    except (TypeError, ValueError):
        raise FlavomonInputError(f"{name}={x!r} is not a number") from None
    if not math.isfinite(y):
        raise FlavomonInputError(f"{name}={x!r} is not finite")
    return y


def validate_modes_args(K_min: Any, K_max: Any, n_K: Any, Nv: Any) -> tuple[float, float, int, int | None]:
    K_min = _finite("K_min", K_min)
    K_max = _finite("K_max", K_max)
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


def run_modes(
    distribution: Any,
    *,
    K_min: float = -2.5,
    K_max: float = 1.0,
    n_K: int = 351,
    Nv: int | None = None,
    out: str | Path | None = None,
    plot: str | Path | None = None,
    command: str | None = None,
) -> xr.Dataset:
    """All roots Omega(K) of ``distribution`` on ``n_K`` points in [K_min, K_max]  [physics.md §3].

    Writes ``out`` (modes.nc, INTERFACES.md) and, if ``plot`` is given, the F1 Fig. S4-style
    figure.  Returns the Dataset.
    """
    K_min, K_max, n_K, Nv = validate_modes_args(K_min, K_max, n_K, Nv)
    if out is not None:
        check_output_path(out, what="--out")
    if plot is not None:
        check_output_path(plot, what="--plot")
    dist = from_spec(distribution)
    K = np.linspace(K_min, K_max, n_K)
    res = find_modes(dist, K, Nv=Nv)
    config = {
        "distribution": dist.describe(),
        "K_min": K_min,
        "K_max": K_max,
        "n_K": n_K,
        "Nv": Nv,
        "window": list(res.window.as_tuple()) if res.window is not None else None,
        "bands": [b.as_dict() for b in res.bands],
    }
    spec = distribution if isinstance(distribution, str) else dist.spec
    ds = modes_dataset(res, distribution=spec, config=config, command=command)
    if out is not None:
        write_dataset(ds, out)
    if plot is not None:
        from ..plotting.modes import plot_modes

        fig = plot_modes(ds, path=plot)
        import matplotlib.pyplot as plt

        plt.close(fig)
    return ds
