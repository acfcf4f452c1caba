r"""Checks of the K grid of a QLT run against the unstable bands, and the rate scale  [docs §5].

* :func:`rate_scale_of` — the unit ``s = min(1, int|D| dv)`` of QLT's absolute tolerances;
* :func:`check_band_sampling` — error if the K grid misses an unstable band, warning if it
  samples it with too few points (:data:`MIN_BAND_POINTS`);
* :func:`check_drift_grid` — in a matter gradient, error if the grid of labels misses a K that is
  unstable at some time of the run (docs §11);
* :func:`format_bands` — bands for messages.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..distributions import Distribution
from ..errors import FlavomonInputError, PhysicsWarning
from ..grids import rate_scale
from ..linear import unstable_bands as linear_bands
from .config import QLTConfig

__all__ = ["MIN_BAND_POINTS", "check_band_sampling", "check_drift_grid", "drift_grid", "drift_label_range",
           "format_bands", "rate_scale_of"]


def format_bands(bands: list[tuple[float, float]], D1: float) -> str:
    """``"k in [a, b] (K in [a - D1, b - D1]), ..."`` for messages."""
    return ", ".join(f"k in [{a:.3g}, {b:.3g}] (K in [{a - D1:.3g}, {b - D1:.3g}])" for a, b in bands)


def rate_scale_of(D_v: np.ndarray, w: np.ndarray) -> float:
    r"""``s = min(1, int|D| dv)`` (1 for D = 0): the unit of QLT's absolute tolerances and rates.

    :math:`\int|D|dv` is :func:`flavomon.grids.rate_scale`.
    """
    A = rate_scale(D_v, w)
    return min(1.0, A) if A > 0 else 1.0


MIN_BAND_POINTS = 32
"""Fewest K-grid points inside the unstable band(s) before full QLT warns.  Measured on the
benchmark (a = 0.9 and 0.5, t = 500, against n_K = 1200): ~45-75 band points change the final
D_v by ~2e-3 (the solver's rtol is 3e-3), ~20 points by ~7e-3 and ~10 points by 1-2e-2."""


def check_band_sampling(dist: Distribution, config: QLTConfig, i_unstable: list[int] | None, k_grid: np.ndarray,
                        D1: float, gamma_stop: float, *, bands: list | None = None,
                        hint_range: tuple[float, float] | None = None) -> int | None:
    """Error if the K grid has no point in an unstable band, PhysicsWarning if it has too few; returns the number of
    band points counted (None where nothing was counted: enough unstable points given, or no band).

    The bands come from the linear module's band search on the same ``Nv`` nodes
    (:func:`flavomon.linear.unstable_bands`), whose scan range and spacing scale with
    ``int|D| dv``: under D -> cD the modes map to (c Omega, c K), so a weak distribution on the
    default grid k in [-2, 2] has its bands between a handful of grid points, and the K
    integral of [F2 eq. 11] is under-resolved.  ``i_unstable``: grid indices with an unstable
    root (None: the grid points inside the bands are counted).  ``bands``: those of
    :func:`flavomon.linear.unstable_bands` for ``dist`` on ``config.Nv`` nodes, if already known; ``hint_range``:
    the range of k the message suggests (default: that of these bands).
    """
    if i_unstable is not None and len(i_unstable) >= MIN_BAND_POINTS:
        return None
    if bands is None:
        bands = linear_bands(dist, Nv=config.Nv)
    bands = [(b.K_lo + D1, b.K_hi + D1) for b in bands if b.gamma_max > gamma_stop]
    if not bands:
        return None  # stable (or only slower than gamma_stop): nothing missing
    if i_unstable is None:
        i_unstable = [i for i, k in enumerate(k_grid) if any(a <= k <= b for a, b in bands)]
    n = len(i_unstable)
    if n >= MIN_BAND_POINTS:
        return n
    lo, hi = hint_range if hint_range is not None else (min(a for a, _ in bands), max(b for _, b in bands))
    pad = 0.1 * (hi - lo)
    hint = (f"use e.g. k in [{lo - pad:.3g}, {hi + pad:.3g}] (--k-min/--k-max; K = k - D1(0), "
            f"D1(0) = {D1:.4g}) or a larger --n-K")
    where = ", ".join(f"k in [{a:.3g}, {b:.3g}]" for a, b in bands)
    grid = f"the K grid (k in [{config.k_min:g}, {config.k_max:g}], dk = {config.dk:.3g})"
    if n == 0:
        raise FlavomonInputError(
            f"{grid} misses the unstable band(s) {where} of {dist.name}: no grid point has a root "
            f"growing faster than gamma_stop = {gamma_stop:.3g}, nothing to evolve on this grid; {hint}"
        )
    warnings.warn(
        f"only {n} point(s) of {grid} lie in the unstable band(s) {where}: the K integral of the QLT "
        f"is under-resolved (percent-level errors below ~{MIN_BAND_POINTS} points); {hint}",
        PhysicsWarning,
        stacklevel=3,
    )
    return n


def drift_label_range(bands: list[tuple[float, float]], drift: float) -> tuple[float, float]:
    r"""The labels :math:`K_j(0)` that are inside a band at some :math:`t\in[0,t_{\rm end}]` when every label drifts
    as :math:`K_j(t)=K_j(0)+Gt` (``drift`` :math:`=Gt_{\rm end}`) [docs §11]: the union over the bands
    :math:`[K_{lo},K_{hi}]` of :math:`[K_{lo}-\max(0,Gt_{\rm end}),\,K_{hi}-\min(0,Gt_{\rm end})]`, as one interval."""
    lo = min(a - max(0.0, drift) for a, _ in bands)
    hi = max(b - min(0.0, drift) for _, b in bands)
    return lo, hi


def check_drift_grid(dist: Distribution, config: QLTConfig, K_grid: np.ndarray, D1: float) -> tuple[float, float] | None:
    """Error (one line, naming the range needed) if the label grid of a QLT run in a gradient misses a
    label that drifts into an unstable band during the run [docs §11].

    The bands are those of the initial distribution on the run's ``Nv`` nodes; as D relaxes they
    shrink, so this is the range the run can need.  Returns it, ``(K_lo, K_hi)`` of the labels (None if
    nothing is unstable).
    """
    bands = [(b.K_lo, b.K_hi) for b in linear_bands(dist, Nv=config.Nv)]
    if not bands:
        return None
    drift = float(config.gradient) * float(config.t_end)
    lo, hi = drift_label_range(bands, drift)
    slack = 0.5 * config.dk
    if lo >= K_grid[0] - slack and hi <= K_grid[-1] + slack:
        return lo, hi
    pad = 2 * config.dk
    a, b = lo - pad, hi + pad
    n = int(np.ceil((b - a) / config.dk)) + 1
    raise FlavomonInputError(
        f"in the gradient G = {config.gradient:g} every label drifts by G t_end = {drift:.4g} in K, so the labels "
        f"K in [{lo:.4g}, {hi:.4g}] (k in [{lo + D1:.4g}, {hi + D1:.4g}]) enter an unstable band during the run, "
        f"but the grid holds K in [{K_grid[0]:.4g}, {K_grid[-1]:.4g}]: use --K-min {a:.4g} --K-max {b:.4g} "
        f"--n-K {n} (the same spacing dk = {config.dk:.3g}; in Python k_min = K_min + D1(0), D1(0) = {D1:.4g})"
    )


def drift_grid(dist: Distribution, gradient: float, t_end: float, *, Nv: int = 100, dk: float = 4.0 / 599,
               pad: float = 0.05) -> dict[str, float | int]:
    """A QLT grid for a run in a gradient: the labels of every band over the run (:func:`drift_label_range`,
    bands on the ``Nv`` nodes) padded by ``pad`` on each side, at spacing ``dk`` (default F2's, 4/599).

    Returns ``dict(k_min=..., k_max=..., n_K=...)`` for :class:`~flavomon.qlt.QLTConfig` (k = K + D1(0)); for a
    stable distribution F2's grid k in [-2, 2].
    """
    bands = [(b.K_lo, b.K_hi) for b in linear_bands(dist, Nv=Nv)]
    if not bands:
        return {"k_min": -2.0, "k_max": 2.0, "n_K": 600}
    from ..grids import VelocityGrid

    vg = VelocityGrid(Nv)
    D1 = float(np.sum(vg.w * vg.v * dist.on_grid(vg.v)))
    lo, hi = drift_label_range(bands, float(gradient) * float(t_end))
    lo, hi = lo - pad, hi + pad
    n = int(np.ceil((hi - lo) / dk)) + 1
    return {"k_min": lo + D1, "k_max": lo + D1 + (n - 1) * dk, "n_K": n}
