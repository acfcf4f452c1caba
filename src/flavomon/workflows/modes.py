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

from .._validate import as_number, as_nv
from ..distributions import from_spec
from ..errors import FlavomonInputError, PhysicsWarning
from ..io import check_figure_path, check_output_path, save_figure, write_dataset
from ..io.modes import modes_dataset
from ..linear import default_K_range, find_modes, growth_rate_max

__all__ = ["modes_to_file", "validate_modes_args"]


def validate_modes_args(K_min: Any, K_max: Any, n_K: Any, Nv: Any) -> tuple[float, float, int, int | None]:
    """Check the numbers of ``flavomon modes`` (one-line FlavomonInputError); return them normalised.

    ``Nv`` follows the package's one rule (:func:`flavomon._validate.as_nv`); ``None`` is the continuum.
    """
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
    return K_min, K_max, int(n_K), (as_nv(Nv) if Nv is not None else None)


GAIN_NODES = 64
"""Lobatto intervals per band for the gradient gain in modes.nc (converged to < 1e-15 for the F2 benchmarks)."""


def modes_to_file(
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
    """All roots Omega(K) of ``distribution`` on ``n_K`` points in [K_min, K_max]  [docs §3].

    ``K_min``/``K_max`` left as ``None`` take :func:`flavomon.linear.default_K_range` (every
    unstable band inside).  A given range that misses a faster unstable band than the fastest one
    on the grid gives a :class:`~flavomon.errors.PhysicsWarning` naming that band; the global
    maximum is recorded in the ``config`` attribute (``gamma_max_all_K``, ``K_at_gamma_max_all_K``)
    either way.

    The SPEC is parsed once; every input and both output paths are checked before computing.
    Writes ``out`` (modes.nc) and, if ``plot`` is given, the F1 Fig. S4-style figure.  Returns
    the Dataset.
    """
    dist = from_spec(distribution)
    if K_min is None or K_max is None:
        lo, hi = default_K_range(dist)
        K_min = lo if K_min is None else K_min
        K_max = hi if K_max is None else K_max
    K_min, K_max, n_K, Nv = validate_modes_args(K_min, K_max, n_K, Nv)
    if out is not None:
        check_output_path(out, what="--out", inputs=(dist.spec,))
    if plot is not None:
        check_figure_path(plot, what="--plot", inputs=(dist.spec,))  # an unknown format too, before computing
    if out is not None and plot is not None and Path(out).resolve() == Path(plot).resolve():
        raise FlavomonInputError(f"--plot {plot} is the same file as --out {out}; give two different names")
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
    if res.bands:  # matter gradients (docs §11): the gain of a drifting mode and the critical-gradient estimate
        from ..linear.gradient import band_gain

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PhysicsWarning)  # an unrefined edge was said by find_modes' own warning
            gain = band_gain(dist, bands=res.bands, Nv=Nv, n_nodes=GAIN_NODES)
        order = sorted(range(len(res.bands)), key=lambda i: res.bands[i].K_lo)
        per = np.empty(len(res.bands))
        per[order] = gain.int_gamma_dK  # band_gain sorts by K_lo; the file keeps find_modes' order
        ds["band_int_gamma_dK"] = (("band",), per, {
            "long_name": "int gamma dK over the band: a mode drifting through it at dK/dt = G gains "
                         "exp(2 int gamma dK / |G|) in power (docs §11)", "units": "mu^2"})
        ds.attrs["int_gamma_dK_total"] = float(gain.total)
        ds.attrs["critical_gradient_estimate"] = float(gain.G_c)
        ds.attrs["critical_gradient_rule"] = (f"G_c ~ 2 int gamma dK / ln(P_nl / P_seed), ln ratio {gain.ln_ratio:.4g} "
                                              "(seed 1e-13, nonlinear 1e-2 per box mode): an estimate, docs §11")
    if out is not None:
        write_dataset(ds, out, inputs=(dist.spec,))
    if plot is not None:
        from ..plotting.modes import plot_modes

        fig = plot_modes(ds)
        save_figure(fig, plot, what="--plot", inputs=(dist.spec,), dpi=130)  # the resolution plot_modes(path=...) uses
        import matplotlib.pyplot as plt

        plt.close(fig)
    return ds
