r"""Linear theory in a uniform matter gradient: drifting modes, band gain, critical gradient  [docs §11].

Matter refraction adds :math:`\lambda(z)\psi_v` to the coherence equation; a uniform
:math:`\lambda` only shifts every frequency, :math:`\Omega\to\Omega-\lambda`, but a uniform
gradient :math:`G=d\lambda/dz` (units :math:`\mu^2`) makes every mode drift in wavenumber at the
same rate (WKB ray equation :math:`dK/dt=-\partial\Omega_R/\partial z=+G`, exact in the
drifting-wavenumber box :math:`\psi_v=\varphi_v e^{iGzt}`)  [docs §11]:

.. math::

    K(t) = K_0 + G\,t .

Along the drift the power of a mode grows as :math:`\partial_t\ln\mathcal P=2\gamma(K(t))`
[docs §11, §12], with :math:`\gamma(K)=\max\mathrm{Im}\,\Omega` over the roots at K (0 where
every root is stable).  So

* :func:`gamma_of_K` — :math:`\gamma(K)` from the root search of
  :func:`~flavomon.linear.find_modes` (the largest Im Omega of its unstable branches);
* :func:`band_gain` — :math:`\int\gamma\,dK` over each unstable band of
  :func:`~flavomon.linear.unstable_bands` and in total (:class:`GradientGain`);
* :func:`drift_gain` — :math:`\ln[\mathcal P(t)/\mathcal P(0)]=\int_0^t2\gamma(K_0+Gt')\,dt'
  =\frac{2}{G}\int_{K_0}^{K_0+Gt}\gamma\,dK`;
* :func:`max_drift_gain` — the most any mode gains, crossing every band:
  :math:`2\sum_b\int_b\gamma\,dK/|G|`;
* :func:`critical_gradient` — the estimate :math:`G_c\approx2\int\gamma\,dK/\ln(P_{\rm nl}/P_{\rm seed})`.

**Quadrature.**  At a band edge γ vanishes like a square root (superluminal branch point
``"bp"``, the k → 0 edge ``"k0"``) or linearly (resonant edge ``"res"``) [docs §9 Table B].  On
each band :math:`[K_{lo},K_{hi}]` (the refined edges of :class:`~flavomon.linear.UnstableBand`)
the integral is taken in the variable x of

.. math::

    K(x)=\tfrac12(K_{lo}+K_{hi})+\tfrac12(K_{hi}-K_{lo})\sin(\pi x/2),\qquad x\in[-1,1],

so that :math:`K-K_{lo}=\Delta K\sin^2(\pi(x+1)/4)` vanishes quadratically at the ends: both
edge behaviours become analytic in x and Clenshaw–Curtis on ``n_nodes`` Chebyshev–Lobatto
points converges spectrally.  The error estimate is the difference to the nested rule on half
the nodes.  The Chebyshev interpolant of :math:`\gamma\,dK/dx` also gives the partial
integrals :func:`drift_gain` needs, without a new root search per time.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from numpy.polynomial import chebyshev as _cheb
from scipy.fft import dct

from .._validate import as_int, as_number, as_nv
from ..distributions import Distribution, from_spec
from ..errors import FlavomonInputError, PhysicsWarning
from .bands import UnstableBand, band_scan_K, unstable_bands
from .modes import find_modes

__all__ = [
    "GradientGain",
    "gamma_of_K",
    "band_gain",
    "drift_gain",
    "max_drift_gain",
    "critical_gradient",
    "DEFAULT_SEED_POWER",
    "DEFAULT_THRESHOLD_POWER",
    "DEFAULT_N_NODES",
]

DEFAULT_SEED_POWER = 1e-13
"""Seed power per mode, :math:`|\\psi_{0,K}(0)|^2` of the F2 box benchmark  [docs §4]."""

DEFAULT_THRESHOLD_POWER = 1e-2
"""Power per mode :math:`|\\psi_{0,K}|^2` (the units of the seed) at which a mode is nonlinear, ~1e-2  [docs §11].

Not the F2 "intermediate snapshot" (max :math:`|\\tilde\\psi|^2=L^2|\\psi_{0,K}|^2=10^{-2}`, i.e.
:math:`|\\psi_{0,K}|^2=10^{-6}` at L = 100, a lower level) [docs §4]."""

DEFAULT_N_NODES = 128
"""Chebyshev–Lobatto intervals per band (``n_nodes - 1`` interior root searches); even, so the
half rule of the error estimate is nested."""

_SMALL_DRIFT = 1e-2
"""Drifts :math:`|G|t` below this times the rate scale :math:`A=\\int|D_v|dv` are integrated directly
(8-point Gauss–Legendre of :func:`gamma_of_K` along the path) instead of by differences of the
cumulative integral, which would lose digits to cancellation as :math:`G\\to0`."""

_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)


# ----------------------------------------------------------------------------------------
# gamma(K)
# ----------------------------------------------------------------------------------------
def gamma_of_K(dist: Any, K: Any, *, Nv: int | None = None) -> np.ndarray | float:
    r"""Growth rate :math:`\gamma(K)=\max\mathrm{Im}\,\Omega` over the roots at each K, 0 where stable  [docs §11, §3].

    The roots are those of :func:`~flavomon.linear.find_modes` (continuum, Landau-continued
    :math:`\mathcal D`, or the discrete system for ``Nv``); only its ``"unstable"`` roots
    (Im Omega > ``GAMMA_TOL`` = 1e-9) count, so γ is exactly 0 outside the unstable bands.
    With several unstable roots at one K (docs §10.11) the fastest one is taken.

    Parameters
    ----------
    dist : Distribution or SPEC
    K : float or array of float
        Wavenumbers (units of μ), any shape and order, repeats allowed (one root search over the
        sorted distinct values).
    Nv : int, optional
        None: the continuum; int: the discrete system on an Nv-node GL grid.

    Returns
    -------
    gamma : float or ndarray
        Same shape as ``K`` (a float for a scalar ``K``).

    Raises
    ------
    FlavomonInputError
        ``K`` is empty or not finite.
    """
    dist = from_spec(dist)
    Ka = _finite_array("K", K)
    Ku, inv = np.unique(Ka.ravel(), return_inverse=True)
    r = find_modes(dist, Ku, Nv=None if Nv is None else as_nv(Nv), bands=False)
    g_u = np.where(r.kind == "unstable", r.Omega.imag, 0.0).max(axis=1, initial=0.0)
    g = g_u[inv].reshape(Ka.shape)
    return float(g) if np.ndim(K) == 0 else g


# ----------------------------------------------------------------------------------------
# the band integrals
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Profile:
    """:math:`h(x)=\\gamma(K(x))\\,dK/dx` on one K interval as a Chebyshev series, and its antiderivative."""

    K_lo: float
    K_hi: float
    coef: np.ndarray  # Chebyshev coefficients of h
    coef_int: np.ndarray  # antiderivative of h, zero at x = -1
    integral: float
    error: float

    def x_of_K(self, K: np.ndarray) -> np.ndarray:
        s = (2.0 * K - self.K_lo - self.K_hi) / (self.K_hi - self.K_lo)
        return (2.0 / np.pi) * np.arcsin(np.clip(s, -1.0, 1.0))

    def cumulative(self, K: np.ndarray) -> np.ndarray:
        r""":math:`\int_{K_{lo}}^{K}\gamma\,dK'` (0 below the interval, the whole integral above)."""
        return _cheb.chebval(self.x_of_K(K), self.coef_int)


def _lobatto_x(n: int) -> np.ndarray:
    return np.cos(np.pi * np.arange(n + 1) / n)


def _K_of_x(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return 0.5 * (lo + hi) + 0.5 * (hi - lo) * np.sin(0.5 * np.pi * x)


def _dK_dx(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return 0.25 * np.pi * (hi - lo) * np.cos(0.5 * np.pi * x)


def _cheb_coef(y: np.ndarray) -> np.ndarray:
    """Chebyshev coefficients of the interpolant through ``y`` at :func:`_lobatto_x` (DCT-I)."""
    n = y.size - 1
    c = dct(y, type=1) / n
    c[0] *= 0.5
    c[-1] *= 0.5
    return c


def _cc_integral(c: np.ndarray) -> float:
    """:math:`\\int_{-1}^1\\sum_kc_kT_k(x)\\,dx` (Clenshaw–Curtis)."""
    k = np.arange(0, c.size, 2)
    return float(np.sum(c[k] * 2.0 / (1.0 - k.astype(float) ** 2)))


def _profile(lo: float, hi: float, h: np.ndarray) -> _Profile:
    """The :class:`_Profile` from the values ``h`` at the Lobatto points (end values 0: dK/dx = 0 there)."""
    c = _cheb_coef(h)
    I = _cc_integral(c)
    I_half = _cc_integral(_cheb_coef(h[::2]))
    ci = _cheb.chebint(c, lbnd=-1.0)
    return _Profile(float(lo), float(hi), c, ci, I, abs(I - I_half))


@dataclass(frozen=True, repr=False)
class GradientGain:
    r"""The band integrals :math:`\int\gamma\,dK` of a distribution and what follows from them  [docs §11].

    From :func:`band_gain`.  A mode drifting through band b at :math:`dK/dt=G` gains
    :math:`\ln(\mathcal P_{\rm out}/\mathcal P_{\rm in})=2\int_b\gamma\,dK/|G|` in power.

    Attributes
    ----------
    bands : tuple of UnstableBand
        The unstable bands (refined edges, edge kinds), sorted by ``K_lo``.
    int_gamma_dK : tuple of float
        :math:`\int_{K_{lo}}^{K_{hi}}\gamma\,dK` of each band (units μ²).
    total : float
        :math:`\int\gamma\,dK` over the union of the bands (the sum of ``int_gamma_dK`` unless
        bands overlap in K).
    error : float
        Quadrature error estimate of ``total`` (difference to the nested half rule).
    n_nodes : int
        Chebyshev–Lobatto intervals per band.
    Nv : int or None
        None: continuum roots; int: the discrete system on Nv GL nodes.
    dist : Distribution
        The distribution (for :func:`gamma_of_K` in :func:`drift_gain`).
    """

    bands: tuple
    int_gamma_dK: tuple
    total: float
    error: float
    n_nodes: int
    Nv: int | None
    dist: Distribution = field(compare=False)
    _profiles: tuple = field(default=(), compare=False)

    @property
    def G_c(self) -> float:
        """Critical-gradient estimate for the default seed and threshold (:func:`critical_gradient`)."""
        return critical_gradient(self)

    @property
    def ln_ratio(self) -> float:
        """The default :math:`\\ln(P_{\\rm threshold}/P_{\\rm seed})` = ln(1e-2 / 1e-13) ≈ 25.33."""
        return _ln_ratio(None, None, None)

    def cumulative(self, K: Any) -> np.ndarray:
        r""":math:`C(K)=\int_{-\infty}^{K}\gamma\,dK'` (0 below every band, ``total`` above)."""
        Ka = _finite_array("K", K)
        out = np.zeros(Ka.shape)
        for p in self._profiles:
            out += p.cumulative(Ka)
        return out

    def summary_lines(self) -> list[str]:
        """Lines for a terminal: each band's K range, edge kinds and integral, the total and G_c."""
        grid = "continuum" if self.Nv is None else f"Nv={self.Nv}"
        lines = [f"gradient gain ({grid}): int gamma dK over {len(self.bands)} unstable band(s)"]
        for i, (b, I) in enumerate(zip(self.bands, self.int_gamma_dK), 1):
            lines.append(f"  band {i}: K in [{b.K_lo:.6g}, {b.K_hi:.6g}] ({b.edge_lo}-{b.edge_hi}), "
                         f"gamma_max = {b.gamma_max:.6g}, int gamma dK = {I:.6g}")
        lines.append(f"  total int gamma dK = {self.total:.6g} (quadrature error ~{self.error:.1e})")
        lines.append(f"  critical gradient G_c ~ 2 int gamma dK / ln(P_nl/P_seed) = {self.G_c:.3g} mu^2 "
                     f"(seed {DEFAULT_SEED_POWER:g}, threshold {DEFAULT_THRESHOLD_POWER:g}: "
                     f"ln ratio {self.ln_ratio:.4g}; an estimate)")
        return lines

    def __str__(self) -> str:
        return "\n".join(self.summary_lines())

    def __repr__(self) -> str:
        bands = ", ".join(f"[{b.K_lo:.4g}, {b.K_hi:.4g}]: {I:.4g}" for b, I in zip(self.bands, self.int_gamma_dK))
        grid = "continuum" if self.Nv is None else f"Nv={self.Nv}"
        return (f"GradientGain({self.dist.name}, {grid}; int gamma dK per band {{{bands or 'no bands'}}}; "
                f"total={self.total:.6g} (err ~{self.error:.1e}); G_c~{self.G_c:.3g} at ln ratio {self.ln_ratio:.4g})")

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (bands as :meth:`UnstableBand.as_dict` plus their ``int_gamma_dK``)."""
        return {
            "distribution": self.dist.spec,
            "Nv": self.Nv,
            "n_nodes": self.n_nodes,
            "bands": [dict(b.as_dict(), int_gamma_dK=I) for b, I in zip(self.bands, self.int_gamma_dK)],
            "total": self.total,
            "error": self.error,
            "ln_ratio": self.ln_ratio,
            "G_c": self.G_c,
        }


def band_gain(
    dist: Any,
    *,
    bands: Sequence[UnstableBand] | None = None,
    Nv: int | None = None,
    n_nodes: int = DEFAULT_N_NODES,
) -> GradientGain:
    r""":math:`\int\gamma\,dK` over each unstable band and in total  [docs §11; F2 eq. 26 for γ near the edges].

    The linear gain of a mode that crosses band b while drifting at :math:`dK/dt=G`
    is :math:`\exp(2\int_b\gamma\,dK/|G|)` in power [docs §11].  The integral runs between the
    refined edges of :func:`~flavomon.linear.unstable_bands`, in the variable
    :math:`x` of :math:`K=\bar K+\tfrac12\Delta K\sin(\pi x/2)` (module notes), which makes the
    square-root (``"bp"``, ``"k0"``) and linear (``"res"``) edge behaviour of γ analytic:
    Clenshaw–Curtis on ``n_nodes`` Lobatto intervals, γ from :func:`gamma_of_K`.

    Parameters
    ----------
    dist : Distribution or SPEC
    bands : sequence of UnstableBand, optional
        The bands (e.g. ``find_modes(dist).bands``); default :func:`~flavomon.linear.unstable_bands`.
    Nv : int, optional
        The discrete system on an Nv-node GL grid.  Its band edges are not refined (kind
        ``"end"``: half a scan step off), so each such edge is widened by one step of
        :func:`~flavomon.linear.bands.band_scan_K` (γ = 0 beyond the true edge) and the rule
        converges only algebraically there; ``error`` says how well.
    n_nodes : int
        Lobatto intervals per band (even, >= 4); ``n_nodes - 1`` root searches per band.

    Returns
    -------
    GradientGain
        Per-band integrals, total, error estimate; ``total = 0`` if nothing grows.

    Warns
    -----
    PhysicsWarning
        A continuum band edge is not refined (``"open"``: the band reaches the end of the scan
        grid; ``"end"``: the branch was lost), so part of the band may be missing.
    """
    dist = from_spec(dist)
    Nv = None if Nv is None else as_nv(Nv)
    n = as_int("n_nodes", n_nodes, minimum=4, hint="an even integer >= 4")
    if n % 2:
        raise FlavomonInputError(f"n_nodes={n_nodes!r} must be even (the error estimate uses the nested half rule)")
    bl = list(unstable_bands(dist, Nv=Nv) if bands is None else bands)
    if not all(isinstance(b, UnstableBand) for b in bl):
        raise FlavomonInputError("bands must be UnstableBand objects (from unstable_bands or find_modes(...).bands)")
    bl.sort(key=lambda b: b.K_lo)
    if not bl:
        return GradientGain((), (), 0.0, 0.0, n, Nv, dist, ())
    step = None
    intervals = []
    for b in bl:
        lo, hi = float(b.K_lo), float(b.K_hi)
        unrefined = [e for e in (b.edge_lo, b.edge_hi) if e in ("open", "end")]
        if unrefined and Nv is None:
            warnings.warn(
                f"band [{lo:.6g}, {hi:.6g}] of {dist.name} has an unrefined edge ({'/'.join(unrefined)}): "
                "int gamma dK may miss part of it; widen the K grid of the band search",
                PhysicsWarning, stacklevel=2)
        if Nv is not None and "end" in (b.edge_lo, b.edge_hi):
            if step is None:
                Ks = band_scan_K(dist)
                step = float(Ks[1] - Ks[0])
            lo -= step if b.edge_lo == "end" else 0.0
            hi += step if b.edge_hi == "end" else 0.0
        if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
            raise FlavomonInputError(f"band edges [{lo!r}, {hi!r}] are not a finite interval; recompute the bands")
        intervals.append((lo, hi))
    # clusters of overlapping intervals: the total integrates gamma = max Im Omega over their union once
    clusters: list[list[int]] = []
    for i, (lo, hi) in enumerate(intervals):
        if clusters and lo < max(intervals[j][1] for j in clusters[-1]):
            clusters[-1].append(i)
        else:
            clusters.append([i])
    unions = [(min(intervals[j][0] for j in c), max(intervals[j][1] for j in c)) for c in clusters if len(c) > 1]
    spans = intervals + unions
    x = _lobatto_x(n)
    K_nodes = [_K_of_x(x[1:-1], lo, hi) for lo, hi in spans]
    g = np.asarray(gamma_of_K(dist, np.concatenate(K_nodes), Nv=Nv))
    profiles, m = [], 0
    for (lo, hi), Kn in zip(spans, K_nodes):
        h = np.zeros(n + 1)
        h[1:-1] = g[m : m + Kn.size] * _dK_dx(x[1:-1], lo, hi)
        m += Kn.size
        profiles.append(_profile(lo, hi, h))
    per_band = profiles[: len(intervals)]
    union_p = iter(profiles[len(intervals):])
    total_p = [per_band[c[0]] if len(c) == 1 else next(union_p) for c in clusters]
    total = float(sum(p.integral for p in total_p))
    err = float(sum(p.error for p in total_p))
    return GradientGain(tuple(bl), tuple(p.integral for p in per_band), total, err, n, Nv, dist, tuple(total_p))


# ----------------------------------------------------------------------------------------
# drifting modes
# ----------------------------------------------------------------------------------------
def drift_gain(dist: Any, K0: Any, G: Any, t: Any, *, Nv: int | None = None) -> np.ndarray | float:
    r"""ln amplification in power of a mode drifting as :math:`K(t)=K_0+Gt`  [docs §11].

    .. math::

        \ln\frac{\mathcal P(t)}{\mathcal P(0)}=\int_0^t2\gamma(K_0+Gt')\,dt'
        =\frac{2}{G}\int_{K_0}^{K_0+Gt}\gamma(K)\,dK ,

    the WKB growth :math:`\partial_t\ln\mathcal P=2\gamma` along the ray :math:`dK/dt=G` of a
    uniform gradient [docs §11, §12].  ``G = 0`` gives :math:`2\gamma(K_0)t`.  A mode that
    crosses a whole band gains :math:`2\int_b\gamma\,dK/|G|` whatever the sign of G.  This is the
    linear gain of the fastest root at each K; the change of the mode's projection on entry and
    during the drift is not included (docs §11 box check, a = 0.9, G = -0.004: the box mode grew by
    5.59 from t = 20 to 50, where this gives 5.82).

    Drifts with :math:`|G|t<10^{-2}A` (:math:`A=\int|D_v|dv`) are integrated directly by an
    8-point Gauss–Legendre rule of :func:`gamma_of_K`; longer ones by differences of the
    cumulative integral of :func:`band_gain` (so ``dist`` may be a :class:`GradientGain` to reuse it).

    Parameters
    ----------
    dist : Distribution, SPEC or GradientGain
    K0 : float or array
        Wavenumber at t = 0 (units of μ).
    G : float or array
        Gradient :math:`d\lambda/dz` (units μ²); the sign sets the drift direction.
    t : float or array, >= 0
        Times (units 1/μ).  ``K0``, ``G`` and ``t`` broadcast against each other.
    Nv : int, optional
        The discrete system (ignored if ``dist`` is a GradientGain, which has its own).

    Returns
    -------
    float or ndarray
        :math:`\ln[\mathcal P(t)/\mathcal P(0)]`, broadcast shape (a float for scalar inputs).
    """
    gain = _as_gain(dist, Nv)
    K0a, Ga, ta = (_finite_array(n_, v) for n_, v in (("K0", K0), ("G", G), ("t", t)))
    if np.any(ta < 0):
        raise FlavomonInputError("t must be >= 0 (the gain is accumulated from t = 0); give non-negative times")
    K0b, Gb, tb = np.broadcast_arrays(K0a, Ga, ta)
    dK = Gb * tb
    out = np.zeros(dK.shape)
    small = np.abs(dK) < _SMALL_DRIFT * gain.dist.rate_scale
    if small.any():
        s = 0.5 * (_GL_X + 1.0)  # nodes on [0, 1]
        Kn = K0b[small][:, None] + dK[small][:, None] * s[None, :]
        gn = np.asarray(gamma_of_K(gain.dist, Kn, Nv=gain.Nv)).reshape(Kn.shape)
        out[small] = 2.0 * tb[small] * (gn @ (0.5 * _GL_W))
    big = ~small
    if big.any():
        out[big] = 2.0 * (gain.cumulative(K0b[big] + dK[big]) - gain.cumulative(K0b[big])) / Gb[big]
    return float(out) if out.ndim == 0 else out


def max_drift_gain(dist: Any, G: Any, *, Nv: int | None = None) -> np.ndarray | float:
    r"""The largest ln power gain any mode gets at gradient G: :math:`2\sum_b\int_b\gamma\,dK/|G|`  [docs §11].

    A mode that starts below (for G > 0; above for G < 0) every unstable band crosses them in
    sequence, and since γ >= 0 no mode gains more, however long it drifts.  The amplification
    factor is the exponential, :math:`\exp(2\int\gamma\,dK/|G|)` (returned as its log: it overflows
    for small :math:`|G|`).

    Parameters
    ----------
    dist : Distribution, SPEC or GradientGain
    G : float or array, non-zero
        Gradient (units μ²).
    Nv : int, optional
        The discrete system (ignored for a GradientGain).

    Returns
    -------
    float or ndarray
        Same shape as ``G``.
    """
    gain = _as_gain(dist, Nv)
    Ga = _finite_array("G", G)
    if np.any(Ga == 0):
        raise FlavomonInputError("G = 0: a mode that does not drift stays in its band and grows without bound; "
                                 "give G != 0 (or drift_gain(dist, K0, 0, t) for a finite time)")
    out = 2.0 * gain.total / np.abs(Ga)
    return float(out) if out.ndim == 0 else out


def _ln_ratio(ln_ratio: Any, seed: Any, threshold: Any) -> float:
    if ln_ratio is not None:
        if seed is not None or threshold is not None:
            raise FlavomonInputError("give either ln_ratio or seed/threshold, not both")
        L = as_number("ln_ratio", ln_ratio)
        if L <= 0:
            raise FlavomonInputError(f"ln_ratio must be > 0, got {ln_ratio!r}: it is ln(threshold power / seed power); "
                                     "give a positive number, or seed= and threshold=")
        return L
    s = DEFAULT_SEED_POWER if seed is None else as_number("seed", seed, positive=True)
    th = DEFAULT_THRESHOLD_POWER if threshold is None else as_number("threshold", threshold, positive=True)
    if th <= s:
        raise FlavomonInputError(f"threshold={th:g} must exceed seed={s:g} (the seed power has to grow to reach it)")
    return math.log(th / s)


def critical_gradient(
    dist: Any,
    ln_ratio: float | None = None,
    *,
    seed: float | None = None,
    threshold: float | None = None,
    Nv: int | None = None,
) -> float:
    r"""Estimate of the gradient above which fast flavor conversion stays linear  [docs §11].

    A mode crossing all bands gains :math:`2\int\gamma\,dK/|G|` in ln power (:func:`max_drift_gain`);
    setting this equal to the ln ratio of the nonlinear threshold to the seed power gives

    .. math::

        G_c\approx\frac{2\int\gamma\,dK}{\ln(P_{\rm threshold}/P_{\rm seed})},

    with the F2 box defaults :math:`P_{\rm seed}=10^{-13}` per mode and :math:`P_{\rm threshold}=10^{-2}`
    (ln ratio 25.33; docs §11 rounds it to 25, G_c ≈ 6.1e-3 for a = 0.9).  Above :math:`|G_c|` no
    single mode reaches nonlinear amplitude.

    **An estimate, not a prediction** (docs §11): the QKE box decides.  It leaves out the seed's
    projection on the unstable root on entry to a band [F2 eq. 24] and its change along the drift;
    the seeding of modes that enter a band later; saturation; and that nonlinearity is set by the
    *total* power of the :math:`\Delta K\,L/2\pi` modes inside a band at once, not by one mode's,
    which pushes the true cut-off above this per-mode estimate, the more so for wide bands.  The
    ln ratio enters only logarithmically in the powers but linearly in G_c.

    Parameters
    ----------
    dist : Distribution, SPEC or GradientGain
    ln_ratio : float, optional
        :math:`\ln(P_{\rm threshold}/P_{\rm seed})` > 0; default from ``seed`` and ``threshold``.
    seed, threshold : float, optional
        Seed and nonlinear power per mode (defaults :data:`DEFAULT_SEED_POWER`,
        :data:`DEFAULT_THRESHOLD_POWER`); not together with ``ln_ratio``.
    Nv : int, optional
        The discrete system (ignored for a GradientGain).

    Returns
    -------
    float
        :math:`G_c` (units μ²); 0 for a stable distribution.
    """
    L = _ln_ratio(ln_ratio, seed, threshold)
    gain = _as_gain(dist, Nv)
    return 2.0 * gain.total / L


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------
def _finite_array(name: str, x: Any) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise FlavomonInputError(f"{name} must be a real number or array of real numbers") from None
    if a.size == 0:
        raise FlavomonInputError(f"{name} is empty: give at least one value")
    if not np.all(np.isfinite(a)):
        raise FlavomonInputError(f"{name} contains NaN or inf: give finite values")
    return a


def _as_gain(dist: Any, Nv: int | None) -> GradientGain:
    if isinstance(dist, GradientGain):
        if Nv is not None and Nv != dist.Nv:
            raise FlavomonInputError(f"Nv={Nv!r} differs from the GradientGain's Nv={dist.Nv!r}: "
                                     "recompute it with band_gain(dist, Nv=...)")
        return dist
    return band_gain(dist, Nv=Nv)
