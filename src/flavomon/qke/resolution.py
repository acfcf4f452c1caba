r"""The automatic z resolution of the QKE box (``Nz="auto"``, ``--Nz auto``)  [docs §4, "Resolution"].

The box must hold every unstable box mode and the nonlinear harmonics they drive.  The unstable modes
lie in the bands of linear theory (:func:`flavomon.linear.unstable_bands`), all inside
:math:`|K|\le K_{\rm band}`; the quadratic and cubic couplings of [F2 eq. 4] feed
:math:`|K|\lesssim 2K_{\rm band}, 3K_{\rm band}, \dots` with amplitudes that fall fast.  The rule is

.. math:: K_{\rm Nyquist}=\frac{\pi N_z}{L}\ \ge\ m\,K_{\rm band},\qquad
          N_z = \text{the smallest even 7-smooth integer}\ \ge\ \frac{m K_{\rm band} L}{\pi},

with the margin :math:`m` = :data:`NZ_MARGIN` taken from the convergence study
``benchmarks/study_qke_resolution.py`` (results in ``benchmarks/results/qke_resolution.md``): at that
margin the 20-realization mean :math:`D_v(t=500)` equals the Nz = 700 one with the same seeds to
L1 < 1e-5 for the F2 benchmarks and the example tables.  7-smooth sizes (2^a 3^b 5^c 7^d) keep the FFTs fast.

With no unstable band (nothing grows) :math:`K_{\rm band}` is the edge of the band search
(:func:`flavomon.linear.bands.default_K_range`), the scale at which bands would be.

Only the resolution is automatic: the seed of box mode n does not depend on Nz
(:func:`flavomon.qke.state.seed_state`), so "same seed, other Nz" is the same realization.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NZ_MARGIN", "NZ_MIN", "NzRule", "band_K_max", "fft_size", "nz_rule"]

NZ_MARGIN = 5.5
"""Margin m of the rule K_Nyquist >= m K_band (see the module notes and the convergence study)."""

NZ_MIN = 16
"""The smallest automatic Nz."""


@dataclass(frozen=True)
class NzRule:
    """The resolution rule applied to one distribution and box.

    Attributes
    ----------
    K_band : float
        Largest :math:`|K|` of the unstable bands (or the band-search edge when nothing grows).
    margin : float
        The margin m of K_Nyquist >= m K_band.
    Nz_required : int
        The smallest even 7-smooth Nz that satisfies the rule (at least :data:`NZ_MIN`).
    unstable : bool
        Whether linear theory found an unstable band.
    """

    K_band: float
    margin: float
    Nz_required: int
    unstable: bool

    def describe(self) -> str:
        """One line for files and messages."""
        what = "the largest unstable |K|" if self.unstable else "the band-search edge: no unstable band"
        return (f"pi Nz / L >= m K_band with m = {self.margin:g}, K_band = {self.K_band:.6g} ({what}); "
                f"Nz the next even 7-smooth integer")


def band_K_max(bands: Any) -> float:
    """Largest :math:`|K|` over a list of :class:`~flavomon.linear.UnstableBand` (0 for none)."""
    return max((max(abs(b.K_lo), abs(b.K_hi)) for b in bands), default=0.0)


_SMOOTH_SEARCH_MAX = 2**40
"""Above this the required Nz is only rounded up to even (no machine holds such a box; the run is refused)."""


def fft_size(n: float) -> int:
    """The smallest even 7-smooth integer (2^a 3^b 5^c 7^d, a >= 1) that is >= ``n`` (``n`` < 2^40; beyond,
    the next even integer)."""
    if not n < _SMOOTH_SEARCH_MAX:  # far beyond any feasible box (the feasibility check refuses it): just even
        return 2 * int(math.ceil(float(n) / 2))
    n = max(2, int(math.ceil(n - 1e-9)))
    n += n % 2
    while True:
        m = n // 2
        for p in (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 2


_CACHE: dict[tuple, tuple[float, bool]] = {}


def _K_band(dist: Any, v: np.ndarray, D_v: np.ndarray) -> tuple[float, bool]:
    from ..distributions import Distribution, from_table
    from ..linear.bands import default_K_range, unstable_bands

    key = (hashlib.sha256(np.ascontiguousarray(D_v, dtype="<f8").tobytes()).hexdigest(), len(v))
    if key not in _CACHE:
        d = dist if isinstance(dist, Distribution) else from_table(v, D_v)
        Kb = band_K_max(unstable_bands(d))
        unstable = Kb > 0
        if not unstable:
            Kb = max(abs(x) for x in default_K_range(d))
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = (float(Kb), bool(unstable))
    return _CACHE[key]


def nz_rule(dist: Any, v: np.ndarray, D_v: np.ndarray, L: float, margin: float = NZ_MARGIN) -> NzRule:
    r"""The resolution rule for ``dist`` in a box of length ``L``  [docs §4].

    Parameters
    ----------
    dist : Distribution or None
        The distribution (its bands are those of the continuum); ``None`` or an array uses a table of
        ``D_v`` on the nodes ``v``.
    v, D_v : ndarray
        The velocity nodes and the distribution on them (the cache key).
    L : float
        Box length.
    margin : float
        The margin m (default :data:`NZ_MARGIN`).
    """
    Kb, unstable = _K_band(dist, np.asarray(v, dtype=float), np.asarray(D_v, dtype=float))
    n = fft_size(max(NZ_MIN, margin * Kb * L / math.pi))
    return NzRule(K_band=Kb, margin=float(margin), Nz_required=n, unstable=unstable)
