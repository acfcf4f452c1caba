r"""Diagnostics of box runs: growth-rate fits of the linear phase.

:func:`fit_growth` fits the least-squares line :math:`\ln|\psi_{0,K}|^2=c+2\gamma t` over the
linear phase.  Linear theory predicts :math:`\gamma=\mathrm{Im}\,\Omega` of the fastest root and the
intercept :math:`c=\ln(\text{seed\_power}\cdot\text{proj})`, with the seed projection on the grid
from :func:`flavomon.linear.discrete.projection_factor` [F2 eq. 24, docs §3; docs §9 Table C].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import FlavomonInputError

__all__ = ["GrowthFit", "fit_growth"]


@dataclass(frozen=True)
class GrowthFit:
    """Result of :func:`fit_growth`: ``ln power = intercept + 2 gamma t`` on [t_min, t_max]."""

    gamma: float
    intercept: float
    t_min: float
    t_max: float
    rms_residual: float
    n_points: int


def fit_growth(
    t: np.ndarray,
    power: np.ndarray,
    *,
    t_min: float | None = None,
    t_max: float | None = None,
    rise: float = 1e4,
    p_max: float = 1e-6,
) -> GrowthFit:
    r"""Fit the exponential growth of one mode's power :math:`|\psi_{0,K}|^2(t)`.

    Default window: from the first time the power exceeds ``rise`` times its initial value (the
    non-growing parts of the seed have become negligible) to the last time before it exceeds
    ``p_max`` (nonlinear effects are O(power) relative).  ``t_min``/``t_max`` override.
    """
    t = np.asarray(t, dtype=float)
    p = np.asarray(power, dtype=float)
    if t.shape != p.shape or t.ndim != 1:
        raise FlavomonInputError("fit_growth: t and power must be 1-D arrays of the same length")
    if t_min is None:
        above = np.nonzero(p >= rise * p[0])[0]
        t_min = float(t[above[0]]) if above.size else float(t[0])
    if t_max is None:
        over = np.nonzero((p > p_max) & (t >= t_min))[0]
        t_max = float(t[over[0] - 1]) if over.size and over[0] > 0 else float(t[-1])
    sel = (t >= t_min) & (t <= t_max) & (p > 0)
    if sel.sum() < 3:
        raise FlavomonInputError(f"fit_growth: fewer than 3 points in the window [{t_min:g}, {t_max:g}]")
    A = np.stack([np.ones(sel.sum()), t[sel]], axis=1)
    y = np.log(p[sel])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    res = y - A @ coef
    return GrowthFit(
        gamma=float(coef[1] / 2), intercept=float(coef[0]), t_min=float(t_min), t_max=float(t_max),
        rms_residual=float(np.sqrt(np.mean(res**2))), n_points=int(sel.sum()),
    )
