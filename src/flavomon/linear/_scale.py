r"""Scale-free linear theory: solve in units where :math:`\int|D|dv\approx1`  [docs §1-§3].

The dispersion relation is invariant under :math:`D\to cD,\ \Omega\to c\Omega,\ K\to cK`
[docs §3]; the solvers' windows and grids scale with the rate scale :math:`A=\int dv\,|D_v|`
(:attr:`flavomon.distributions.Distribution.rate_scale`), but a few of their tolerances are absolute
(``GAMMA_TOL`` = 1e-9 on Im Omega, Newton's ``1 + |Omega|`` step test, the K resolution of the band
edges), so far from A = 1 they break: a table x 1e-12 came out "stable" and x 1e12 had a spurious band.

:func:`normalize` therefore divides D by :math:`c=2^{\mathrm{round}(\log_2A)}` when A lies outside
:data:`SCALE_FREE_RANGE`: a power of 2, so :math:`D/c` and the mapping back (:math:`\Omega c`, :math:`Kc`)
are exact in floating point.  Inside the range (every distribution of the F2 benchmarks, A = 0.7-1.2)
nothing is scaled and the numbers are bit-identical to the unscaled solver.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

from ..distributions import Distribution
from ..errors import FlavomonInputError

__all__ = ["SCALE_FREE_RANGE", "normalize", "require_nonzero"]

SCALE_FREE_RANGE = (2.0**-10, 2.0**10)
r"""Rate scales :math:`A=\int|D|dv` solved as they are; outside, the solvers work with
:math:`D/2^{\mathrm{round}(\log_2A)}` and scale Omega and K back (exactly).  Inside this range the
solver's absolute tolerances are negligible: x 1e-3 and x 1e3 of examples/tables/sn_like.csv give
gamma_max = c gamma_max(1) to 3e-16."""

_CACHE: "weakref.WeakKeyDictionary[Distribution, Distribution]" = weakref.WeakKeyDictionary()


def require_nonzero(dist: Distribution) -> float:
    """The rate scale of ``dist``; a one-line error if D(v) vanishes identically (or is not finite)."""
    A = float(dist.rate_scale)
    if A == 0.0:
        raise FlavomonInputError(
            f"D(v) is zero everywhere ({dist.name}): no flavor waves (no lepton-number asymmetry, nothing can grow)"
        )
    if not math.isfinite(A):
        raise FlavomonInputError(f"D(v) of {dist.name} is not finite (int |D| dv = {A!r})")
    return A


def normalize(dist: Any) -> tuple[Distribution, float]:
    r"""``(dist_s, c)`` with ``dist = c * dist_s``; ``c = 1`` (and ``dist_s is dist``) inside :data:`SCALE_FREE_RANGE`.

    Roots of ``dist_s`` map to roots of ``dist`` by :math:`(\Omega, K)\to(c\Omega, cK)`, growth rates
    by :math:`\gamma\to c\gamma`, :math:`X\to X/c`, :math:`Z\to cZ`; group velocities and
    :math:`|\mathcal D|` are invariant.

    Raises
    ------
    FlavomonInputError
        D(v) is zero everywhere.
    """
    A = require_nonzero(dist)
    lo, hi = SCALE_FREE_RANGE
    if lo <= A <= hi:
        return dist, 1.0
    c = math.ldexp(1.0, round(math.log2(A)))
    try:
        ds = _CACHE.get(dist)
    except TypeError:
        ds = None
    if ds is None or getattr(ds, "scaled_from", (None, 0.0))[1] != 1.0 / c:
        ds = dist.scaled(1.0 / c)
        try:
            _CACHE[dist] = ds
        except TypeError:
            pass
    return ds, c
