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

In a uniform matter gradient G (docs §11) box mode n has the physical wavenumber :math:`K_n+Gt`, so the
modes that are unstable at time t carry the labels :math:`K_n\in` band :math:`-\,Gt`.  The rule is then applied to
:math:`K_{\rm reach}`, the largest :math:`|K_n|` of a mode that is inside a band at some time of the run
(:math:`K_{\rm reach}=K_{\rm band}` for G = 0): the box holds every mode that enters a band during the run and
the harmonics it drives.  Modes beyond it would silently never arrive.

With no unstable band (nothing grows) :math:`K_{\rm band}` is the edge of the band search
(:func:`flavomon.linear.bands.default_K_range`), the scale at which bands would be.

With a z-dependent background (docs §12: a matter profile :math:`\lambda(z)`, a modulated distribution) a mode at
fixed z acquires the local wavenumber :math:`(G+\lambda'(z))\,t` on top of its label, so the labels inside a band
of a *local* distribution at some time sweep :math:`[K_{lo}-\max(0,d_{\max}),\,K_{hi}-\min(0,d_{\min})]` with the
local drifts :math:`d=(G+\lambda'(z))\,t_{\rm end}` between :math:`d_{\min}=(G+\min\lambda')t_{\rm end}` and
:math:`d_{\max}=(G+\max\lambda')t_{\rm end}`; the bands are those of the base distribution and of
:data:`flavomon.background.MODULATION_SAMPLES` distributions sampled over the modulated parameter's range.  For a
periodic :math:`\lambda` (:math:`\lambda'` of both signs) this is at most
:math:`\max|K_{\rm band}|+(|G|+\max|\lambda'|)\,t_{\rm end}`, and exactly that for G = 0.

The background itself must be representable on the grid too: its shortest wavelength :math:`\lambda_{\min}` (the
modulation's :math:`L_b`, or a table's period over its highest harmonic) counts as a wavenumber
:math:`2\pi/\lambda_{\min}` that :math:`K_{\rm reach}` covers, at the same margin (11 points per wavelength).  It binds
only far below the WKB rule (:math:`\lambda_{\min}\lesssim2\pi/K_{\rm reach}`, a few units of length); without it
such a modulation was sampled, aliased, by a grid that never saw it.

Only the resolution is automatic: the seed of box mode n does not depend on Nz
(:func:`flavomon.qke.state.seed_state`), so "same seed, other Nz" is the same realization.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import FlavomonInputError

__all__ = ["NZ_MARGIN", "NZ_MIN", "NzRule", "K_reach", "K_reach_range", "band_K_max", "fft_size", "nz_rule"]

NZ_MARGIN = 5.5
"""Margin m of the rule K_Nyquist >= m K_band (see the module notes and the convergence study)."""

NZ_MIN = 16
"""The smallest automatic Nz."""


@dataclass(frozen=True)
class NzRule:
    r"""The resolution rule applied to one distribution and box.

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
    drift : float
        :math:`G\,t_{\rm end}`.
    K_reach : float
        The largest :math:`|K_n|` of a mode inside a band at some time (the rule is applied to it).
    drift_range : (float, float) or None
        With a z-dependent background: the local drifts :math:`(G+\lambda'(z))\,t_{\rm end}`, min and max (docs §12);
        None for a homogeneous box.
    n_local : int
        Local distributions (sampled over a modulated parameter) whose bands are included besides the base one.
    K_fastest : float
        K of the fastest-growing mode over the base and the local distributions (NaN: nothing grows).
    """

    K_band: float
    margin: float
    Nz_required: int
    unstable: bool
    drift: float = 0.0
    K_reach: float = float("nan")
    drift_range: tuple[float, float] | None = None
    n_local: int = 0
    K_fastest: float = float("nan")

    def __post_init__(self) -> None:
        if not math.isfinite(self.K_reach):
            object.__setattr__(self, "K_reach", self.K_band)

    def describe(self) -> str:
        """One line for files and messages."""
        what = "the largest unstable |K|" if self.unstable else "the band-search edge: no unstable band"
        if self.drift_range is not None:
            lo, hi = self.drift_range
            local = f" of the base and {self.n_local} sampled local distributions" if self.n_local else ""
            return (f"pi Nz / L >= m K_reach with m = {self.margin:g}, K_reach = {self.K_reach:.6g} (the largest |K_n| "
                    f"inside a band{local} at some time, local drifts (G + lambda'(z)) t_end in [{lo:.6g}, {hi:.6g}]; "
                    f"K_band = {self.K_band:.6g}, {what}); Nz the next even 7-smooth integer")
        if self.drift == 0.0:
            return (f"pi Nz / L >= m K_band with m = {self.margin:g}, K_band = {self.K_band:.6g} ({what}); "
                    f"Nz the next even 7-smooth integer")
        return (f"pi Nz / L >= m K_reach with m = {self.margin:g}, K_reach = {self.K_reach:.6g} (the largest |K_n| "
                f"inside a band at some time, modes drifting by G t_end = {self.drift:.6g}; K_band = "
                f"{self.K_band:.6g}, {what}); Nz the next even 7-smooth integer")


def band_K_max(bands: Any) -> float:
    """Largest :math:`|K|` over a list of :class:`~flavomon.linear.UnstableBand` or ``(K_lo, K_hi)`` pairs (0 for none)."""
    pairs = [(b.K_lo, b.K_hi) if hasattr(b, "K_lo") else b for b in bands]
    return max((max(abs(lo), abs(hi)) for lo, hi in pairs), default=0.0)


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


_CACHE: dict[tuple, tuple[tuple[tuple[float, float], ...], float, float]] = {}


def _bands_fastest(dist: Any, v: np.ndarray, D_v: np.ndarray) -> tuple[tuple[tuple[float, float], ...], float, float]:
    """((K_lo, K_hi) of every unstable band, the band-search edge, K of the fastest mode), cached by D_v."""
    from ..distributions import Distribution, from_table
    from ..linear.bands import default_K_range, unstable_bands

    key = (hashlib.sha256(np.ascontiguousarray(D_v, dtype="<f8").tobytes()).hexdigest(), len(v))
    if key not in _CACHE:
        d = dist if isinstance(dist, Distribution) else from_table(v, D_v)
        found = unstable_bands(d)
        bands = tuple((float(b.K_lo), float(b.K_hi)) for b in found)
        edge = float(max(abs(x) for x in default_K_range(d))) if not bands else 0.0
        K_fast = float(max(found, key=lambda b: b.gamma_max).K_at_max) if found else float("nan")
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = (bands, edge, K_fast)
    return _CACHE[key]


def _bands(dist: Any, v: np.ndarray, D_v: np.ndarray) -> tuple[tuple[tuple[float, float], ...], float]:
    """((K_lo, K_hi) of every unstable band, the band-search edge), cached by D_v."""
    return _bands_fastest(dist, v, D_v)[:2]


def K_reach(bands: Any, drift: float) -> float:
    r"""Largest :math:`|K_n|` of a box mode inside a band at some :math:`t\in[0,t_{\rm end}]` when modes drift,
    :math:`K_n(t)=K_n+Gt` with ``drift`` :math:`=Gt_{\rm end}` [docs §11]: the labels of band
    :math:`[K_{lo},K_{hi}]` sweep :math:`[K_{lo}-\max(0,Gt_{\rm end}),\,K_{hi}-\min(0,Gt_{\rm end})]`."""
    return max((max(abs(lo - max(0.0, drift)), abs(hi - min(0.0, drift))) for lo, hi in bands), default=0.0)


def K_reach_range(bands: Any, drift_min: float, drift_max: float) -> float:
    r"""Largest :math:`|K_n|` of a box mode inside a band at some time and place when the local drift
    :math:`(G+\lambda'(z))\,t_{\rm end}` takes every value in ``[drift_min, drift_max]`` [docs §12]: the labels of band
    :math:`[K_{lo},K_{hi}]` sweep :math:`[K_{lo}-\max(0,d_{\max}),\,K_{hi}-\min(0,d_{\min})]`
    (:func:`K_reach` for ``drift_min == drift_max``)."""
    lo_d, hi_d = min(drift_min, drift_max), max(drift_min, drift_max)
    return max((max(abs(lo - max(0.0, hi_d)), abs(hi - min(0.0, lo_d))) for lo, hi in bands), default=0.0)


def nz_rule(dist: Any, v: np.ndarray, D_v: np.ndarray, L: float, margin: float = NZ_MARGIN, *,
            drift: float = 0.0, drift_range: tuple[float, float] | None = None, local: Any = (),
            K_background: float = 0.0) -> NzRule:
    r"""The resolution rule for ``dist`` in a box of length ``L``  [docs §4, §11].

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
    drift : float
        :math:`G\,t_{\rm end}`, how far every mode drifts in K during the run (0: homogeneous box).
    drift_range : (float, float), optional
        A z-dependent background (docs §12): the least and largest local drift :math:`(G+\lambda'(z))\,t_{\rm end}`.
        Given (even with ``local`` empty) the rule is the background one (module notes); None: the rule above.
    local : sequence of (Distribution, ndarray)
        Local distributions of a modulated background and their values on ``v``; their bands count too.
    K_background : float
        With ``drift_range``: :math:`2\pi/\lambda_{\min}` of the background's shortest wavelength, a wavenumber the
        grid must hold as well (module notes; 0: none).
    """
    if drift_range is not None:
        return _background_rule(dist, v, D_v, L, margin, drift, drift_range, local, float(K_background))
    bands, edge = _bands(dist, np.asarray(v, dtype=float), np.asarray(D_v, dtype=float))
    unstable = bool(bands)
    Kb = band_K_max(bands) if unstable else edge
    Kr = K_reach(bands, float(drift)) if unstable else edge + abs(float(drift))
    n = fft_size(_nz_target(margin, Kr, L))
    return NzRule(K_band=Kb, margin=float(margin), Nz_required=n, unstable=unstable, drift=float(drift), K_reach=Kr)



def _nz_target(margin: float, Kr: float, L: float) -> float:
    """``margin K_reach L / pi`` (at least NZ_MIN); a one-line error when it is not finite (a drift beyond any box)."""
    n = max(NZ_MIN, margin * Kr * L / math.pi)
    if not math.isfinite(n):
        raise FlavomonInputError(
            f"the z resolution needs Nz = inf: the modes must reach K = {Kr:.3g} (the bands plus the drift of the "
            "gradient and matter profile over t_end); use a smaller gradient or matter amplitude, or a shorter t_end")
    return n


def _background_rule(dist, v, D_v, L, margin, drift, drift_range, local, K_background=0.0) -> NzRule:
    """:func:`nz_rule` with a z-dependent background [docs §12] (module notes)."""
    v = np.asarray(v, dtype=float)
    found = [_bands_fastest(dist, v, np.asarray(D_v, dtype=float))]
    found += [_bands_fastest(d, v, np.asarray(Dl, dtype=float)) for d, Dl in local]
    bands = [b for f in found for b in f[0]]
    fast = [(abs(f[2]), f[2]) for f in found if np.isfinite(f[2])]
    K_fast = max(fast)[1] if fast else float("nan")
    d_lo, d_hi = (float(x) for x in drift_range)
    unstable = bool(bands)
    if unstable:
        Kb = band_K_max(bands)
        Kr = K_reach_range(bands, d_lo, d_hi)
    else:
        Kb = max(f[1] for f in found)
        Kr = Kb + max(abs(d_lo), abs(d_hi))
    Kr = max(Kr, K_background)  # the background's own wavelength must be sampled too (module notes)
    n = fft_size(_nz_target(margin, Kr, L))
    return NzRule(K_band=Kb, margin=float(margin), Nz_required=n, unstable=unstable, drift=float(drift), K_reach=Kr,
                  drift_range=(d_lo, d_hi), n_local=len(local), K_fastest=float(K_fast))
