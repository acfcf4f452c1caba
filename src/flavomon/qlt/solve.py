r"""Full quasi-linear theory: driver and integrator  [F2 eqs. 9–13, 24; physics.md §5].

State: the homogeneous :math:`D_v(t)` on the ``Nv``-node Gauss–Legendre grid and the spectral
power density :math:`\mathcal P_r(t)` of every unstable root ``r`` on a grid of ``n_K``
points equally spaced in shifted :math:`k\in[k_{min},k_{max}]`, with
:math:`K=k-D_1(0)` **held fixed** (physics.md §5 / §10.7; our choice).

.. math::
    \partial_t D_v=-\Gamma_vD_v,\quad
    \Gamma_v=\sum_r dk\,\mathcal P_r\,\frac{\gamma_r\,|1-\Omega_rv/K_r|^2}{(\omega_{R,r}-kv)^2+\gamma_r^2},
    \qquad \partial_t\mathcal P_r=2\gamma_r\mathcal P_r

[F2 eqs. 10–12], :math:`\Omega_r=\Omega_R+i\gamma` the unstable roots of the discrete dispersion
relation for the current ``D_v`` (every unstable root at a K is summed; damped and stable
roots are ignored, physics.md §5, §10.11).

Normalisation (physics.md §1, §5, §10.6)
----------------------------------------
``power`` is :math:`|\psi_{0,K}|^2` per box mode of a periodic box of length ``L`` (the
normalisation of ``qke.nc``), :math:`\mathcal P=\frac{L}{2\pi}|\psi_{0,K}|^2` is the spectral
density, and every grid point (spacing ``dk``) stands for :math:`L\,dk/2\pi` box modes
(0.1063 for the F2 grid), so that :math:`\sum_{\rm box}|\psi_{0,K}|^2F(K)=\sum_{\rm grid}dk\,\mathcal P F`.

Seeding [F2 eq. 24]: :math:`\mathcal P_r(0)=\frac{L}{2\pi}\,p_{\rm seed}\times` the projection
factor of the QKE seed :math:`\psi_v(0)=\psi_0(0)\,p(v)` (default :math:`p=1/2`, the F2 seed) onto
the unstable eigenmode, computed on the same discrete grid
(:func:`flavomon.qlt.equations.projection_factor`).  Stable and damped parts of the seed are
discarded (physics.md §10.13).  With this, ``flavomon qlt`` and ``flavomon qke`` started from
the same SPEC and seed power describe the same problem: in the linear phase
``power(t, K) = seed_power * proj * exp(2 gamma t)`` for each box mode.

Integrator (our design)
-----------------------
One step from ``t`` to ``t+h`` with the roots :math:`\Omega^0_r` of :math:`D^0`:

1. predictor (exponential Euler with frozen roots, exact in the linear phase):
   :math:`\mathcal P^1=\mathcal P^0e^{2\gamma^0h}`,
   :math:`D^1=D^0\exp[-\tfrac12\sum_r dk\,\Delta\mathcal P^1_r\mathcal L^0_r]` (since
   :math:`\int\gamma\mathcal P\,dt=\Delta\mathcal P/2`);
2. roots :math:`\Omega^1_r` of :math:`D^1` by warm-started Newton;
3. corrector: :math:`c_r=(\gamma^0_r+\gamma^1_r)h`, :math:`\mathcal P^2=\mathcal P^0e^{c}`,
   :math:`D^2=D^0-\tfrac12\sum_r dk\,\Delta\mathcal P_r\,[(1-\theta_r)D^0\mathcal L^0_r+\theta_rD^1\mathcal L^1_r]`
   with :math:`\theta(c)=1/(1-e^{-c})-1/c` the centroid of the exponential growth in the step.

The corrector is second order and **conserves** :math:`D_0=\sum_jw_jD_j` **exactly** (to
round-off and the Newton tolerance), because :math:`\sum_jw_jD_j\mathcal L_r(v_j)=0` holds
at an exact root of the *discrete* relation [F2 eq. 13] and each term pairs a ``D`` with the
kernel of its own roots.  :math:`|D_v|` can only decrease (:math:`\Gamma_v\ge0`); a step that
would flip a sign is rejected, so the sign of every ``D_v`` is kept.  The local error is the
predictor–corrector difference, :math:`\max_v|D^2-D^1|/(atol+rtol|D^0|)` together with
:math:`\max_r|\gamma^1_r-\gamma^0_r|h/(10\,rtol)` for :math:`\ln\mathcal P`; the step is
adapted as ``h *= clip(0.8 err^{-1/2}, 0.2, 2.5)``.

Saturation: a root whose growth rate falls below ``gamma_stop`` (or that stops being a root
of an unstable branch) is dropped and its power frozen; the run stops when no unstable root
is left, and the remaining output times are filled with the final state (``status =
"saturated"``).  Wave–wave broadening is outside QLT (physics.md §5).

Roots that appear are found by eig(M) on a rotating coarse subset of the K grid each time
the cumulated :math:`\sum_jw_j|\Delta D_j|` exceeds ``scan_fraction`` of
:math:`\sum_jw_j|D_j(0)|`, plus continuation to the neighbours; a new root is seeded with the
frozen power of a previously dropped root at the same K if there is one, otherwise with the
projected seed of the current ``D_v`` (our choice).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from ..distributions import Distribution, from_spec
from .._validate import as_int as _int, as_number as _num
from ..errors import FlavomonInputError, PhysicsWarning
from ..grids import VelocityGrid
from .equations import GridState, coupling_kernel, projection_factor
from .roots import eig_unstable, find_unstable_roots, march, newton_roots

__all__ = ["QLTConfig", "QLTResult", "run_qlt_solver", "POWER_NORMALIZATION", "unstable_bands"]

POWER_NORMALIZATION = (
    "power(t, K) = |psi_{0,K}|^2 per box mode of a periodic box of length L (box modes spaced 2 pi/L), "
    "the normalisation of qke.nc power; spectral density P(K) = L/(2 pi) * power; each K grid point "
    "(spacing dk) stands for L*dk/(2 pi) box modes [physics.md §1, §5]"
)


@dataclass(frozen=True)
class QLTConfig:
    """Configuration of a QLT run (all times in 1/mu, wavenumbers in mu).

    Parameters
    ----------
    Nv : int
        Gauss–Legendre velocity nodes (F2: 100).
    n_K, k_min, k_max : int, float, float
        The K grid: ``n_K`` points equally spaced in *shifted* k in [k_min, k_max], with
        ``K = k - D1(0)`` held fixed (F2: 600 points, [-2, 2]).
    t_end, dt_out : float
        End time and output interval.
    seed_power : float
        :math:`|\\psi_{0,K}(0)|^2` per box mode of the QKE seed (F2: 1e-13); must be > 0.
    L : float
        Box length that fixes the box-mode normalisation (F2: 100).
    resonant : bool
        Run resonant QLT [F2 eqs. 27–30] instead of full QLT.
    rtol, atol : float
        Local error tolerances on D_v (relative to |D_v|, and absolute in units of the rate
        scale ``s = min(1, int|D(0)| dv)``).
    gamma_stop : float
        Growth rate, in units of ``s``, below which a root counts as saturated/stable (dropped,
        power frozen); the run stops when no root above it remains.
    psi_profile : callable, sequence of Nv floats, or None
        Seed shape ``p(v) = psi_v(0)/psi_0(0)`` (a function of v or its values on the nodes;
        normalised so that ``int p dv = 1``); None means the F2 seed ``p = 1/2``.
    dt_max : float
        Largest step, in units of ``1/s``.  (``s`` makes the run scale-free for weak
        distributions: under D -> cD the QLT maps to (c Omega, c K, t/c, c P).)
    eig_stride : int or None
        Stride of the initial coarse eig(M) detection (None: ``min(12, n_K // 50)``); the
        rescans during the run use three times this stride with a rotating offset.
    scan_fraction : float
        Rescan for new roots whenever D_v changed by this fraction of sum w|D(0)|.
    max_steps : int
        Safety cap on accepted + rejected steps.
    """

    Nv: int = 100
    n_K: int = 600
    k_min: float = -2.0
    k_max: float = 2.0
    t_end: float = 500.0
    seed_power: float = 1e-13
    L: float = 100.0
    resonant: bool = False
    dt_out: float = 1.0
    rtol: float = 3e-3
    atol: float = 1e-6
    gamma_stop: float = 1e-6
    psi_profile: Callable[[np.ndarray], Any] | tuple[float, ...] | None = None
    dt_max: float = 50.0
    eig_stride: int | None = None
    scan_fraction: float = 0.25
    max_steps: int = 200_000

    def __post_init__(self) -> None:
        _int("Nv", self.Nv, minimum=4)
        _int("n_K", self.n_K, minimum=2)
        kmin = _num("k_min", self.k_min)
        kmax = _num("k_max", self.k_max)
        if kmax <= kmin:
            raise FlavomonInputError(f"k_max={self.k_max!r} must be larger than k_min={self.k_min!r}")
        _num("t_end", self.t_end, positive=True)
        sp = _num("seed_power", self.seed_power)
        if sp <= 0:
            raise FlavomonInputError(f"seed power must be positive (|psi_0K|^2 per box mode), got {self.seed_power!r}")
        _num("L", self.L, positive=True)
        dto = _num("dt_out", self.dt_out, positive=True)
        if dto > float(self.t_end):
            raise FlavomonInputError(f"dt_out={self.dt_out!r} is larger than t_end={self.t_end!r}")
        if float(self.t_end) / dto > 1e6:
            raise FlavomonInputError(f"t_end/dt_out = {float(self.t_end) / dto:g} output times is too many (max 1e6)")
        _num("rtol", self.rtol, positive=True)
        _num("atol", self.atol, positive=True)
        _num("gamma_stop", self.gamma_stop, positive=True)
        _num("dt_max", self.dt_max, positive=True)
        _num("scan_fraction", self.scan_fraction, positive=True)
        _int("max_steps", self.max_steps, minimum=1)
        if self.eig_stride is not None:
            _int("eig_stride", self.eig_stride, minimum=1)
        if self.psi_profile is not None and not callable(self.psi_profile):
            try:
                prof = tuple(float(x) for x in np.asarray(self.psi_profile, dtype=float).ravel())
            except (TypeError, ValueError):
                raise FlavomonInputError("psi_profile must be a callable p(v), a sequence of Nv values, or None") from None
            if len(prof) != self.Nv:
                raise FlavomonInputError(f"psi_profile has {len(prof)} values but Nv={self.Nv}")
            object.__setattr__(self, "psi_profile", prof)
        if not isinstance(self.resonant, (bool, np.bool_)):
            raise FlavomonInputError(f"resonant must be True or False, got {self.resonant!r}")

    @property
    def dk(self) -> float:
        """Grid spacing in k."""
        return (float(self.k_max) - float(self.k_min)) / (self.n_K - 1)

    @property
    def box_modes_per_point(self) -> float:
        """:math:`L\\,dk/2\\pi`: box modes represented by one K grid point [physics.md §5]."""
        return float(self.L) * self.dk / (2 * np.pi)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if callable(self.psi_profile):
            d["psi_profile"] = repr(self.psi_profile)
        return d


@dataclass
class QLTResult:
    """Result of a QLT run (axes: ``t`` output times, ``v`` nodes, ``K`` grid).

    Attributes
    ----------
    t : (nt,) ; v, w : (Nv,) ; K, k : (n_K,)  (``k = K + D1(0)``, the grid in shifted k)
    D : (nt, Nv)          box-averaged D_v(t)
    power : (nt, n_K)     |psi_{0,K}|^2 per box mode (see ``power_normalization``)
    P : (nt, n_K)         spectral density L/(2 pi) * power
    gamma : (nt, n_K)     growth rate of the fastest unstable root at K (0 where none)
    Omega_R : (nt, n_K)   Re Omega of that root (NaN where none)
    D0 : (nt,)            sum_j w_j D_j(t)
    status : str          "completed", "saturated", "stable" or "max_steps"
    saturated : bool
    t_saturation : float or None
    diagnostics : dict    steps, rejected steps, eig calls, wall time, D0 drift, bands, ...
    """

    t: np.ndarray
    v: np.ndarray
    w: np.ndarray
    K: np.ndarray
    k: np.ndarray
    D: np.ndarray
    power: np.ndarray
    P: np.ndarray
    gamma: np.ndarray
    Omega_R: np.ndarray
    D0: np.ndarray
    status: str
    saturated: bool
    t_saturation: float | None
    config: QLTConfig
    power_normalization: str = POWER_NORMALIZATION
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def D0_drift(self) -> float:
        """max_t |D0(t) - D0(0)| / |D0(0)|."""
        return float(np.max(np.abs(self.D0 - self.D0[0])) / max(abs(self.D0[0]), 1e-300))


# ----------------------------------------------------------------------------------------
def _profile_weights(config: QLTConfig, grid: VelocityGrid) -> np.ndarray:
    """``w_j p_j`` with ``sum w p = 1`` (p = psi_v(0)/psi_0(0))."""
    if config.psi_profile is None:
        return 0.5 * grid.w.astype(complex)
    try:
        raw = config.psi_profile(grid.v) if callable(config.psi_profile) else config.psi_profile
        p = np.broadcast_to(np.asarray(raw, dtype=complex), grid.v.shape)
    except Exception as e:  # noqa: BLE001
        raise FlavomonInputError(f"psi_profile failed on the velocity grid: {e}") from None
    if not np.all(np.isfinite(p)):
        raise FlavomonInputError("psi_profile returned non-finite values")
    s = np.sum(grid.w * p)
    if abs(s) < 1e-12 * max(np.sum(grid.w * np.abs(p)), 1e-300):
        raise FlavomonInputError("psi_profile integrates to zero: the seed has no psi_0 to normalise")
    return grid.w * p / s


def unstable_bands(gs: GridState, k_values: np.ndarray, gamma_min: float) -> list[tuple[float, float]]:
    """Contiguous ranges of shifted k (sampled at ``k_values``) with an unstable root (eig(M))."""
    K_values = k_values - gs.D1
    ev = eig_unstable(gs, K_values, gamma_min)
    has = np.array([e.size > 0 for e in ev])
    bands: list[tuple[float, float]] = []
    i = 0
    while i < has.size:
        if has[i]:
            j = i
            while j + 1 < has.size and has[j + 1]:
                j += 1
            bands.append((float(k_values[i]), float(k_values[j])))
            i = j + 1
        else:
            i += 1
    return bands


def _fmt_bands(bands: list[tuple[float, float]], D1: float) -> str:
    return ", ".join(f"k in [{a:.3g}, {b:.3g}] (K in [{a - D1:.3g}, {b - D1:.3g}])" for a, b in bands)


def rate_scale_of(D_v: np.ndarray, w: np.ndarray) -> float:
    """``s = min(1, sum_v w_v |D_v|)`` (1 for D = 0): the unit of QLT's absolute tolerances."""
    A = float(np.sum(w * np.abs(D_v)))
    return min(1.0, A) if A > 0 else 1.0


MIN_BAND_POINTS = 32
"""Fewest K-grid points inside the unstable band(s) before full QLT warns.  Measured on the
benchmark (a = 0.9 and 0.5, t = 500, against n_K = 1200): ~45-75 band points change the final
D_v by ~2e-3 (the solver's rtol is 3e-3), ~20 points by ~7e-3 and ~10 points by 1-2e-2."""


def check_band_sampling(dist: Distribution, config: QLTConfig, i_unstable: list[int] | None, k_grid: np.ndarray,
                        D1: float, gamma_stop: float) -> None:
    """Error if the K grid has no point in an unstable band, PhysicsWarning if it has too few.

    The bands come from the linear module's band search on the same ``Nv`` nodes
    (:func:`flavomon.linear.unstable_bands`), whose scan range and spacing scale with
    ``int|D| dv``: under D -> cD the modes map to (c Omega, c K), so a weak distribution on the
    default grid k in [-2, 2] has its bands between a handful of grid points, and the K
    integral of [F2 eq. 11] is under-resolved.  ``i_unstable``: grid indices with an unstable
    root (None: the grid points inside the bands are counted).
    """
    from ..linear.growth import unstable_bands as linear_bands

    if i_unstable is not None and len(i_unstable) >= MIN_BAND_POINTS:
        return
    bands = [(b.K_lo + D1, b.K_hi + D1) for b in linear_bands(dist, Nv=config.Nv) if b.gamma_max > gamma_stop]
    if not bands:
        return  # stable (or only slower than gamma_stop): nothing missing
    if i_unstable is None:
        i_unstable = [i for i, k in enumerate(k_grid) if any(a <= k <= b for a, b in bands)]
    n = len(i_unstable)
    if n >= MIN_BAND_POINTS:
        return
    lo = min(a for a, _ in bands)
    hi = max(b for _, b in bands)
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


class _Roots:
    """Flat arrays of the tracked unstable roots: K index, Omega, spectral density P."""

    def __init__(self, iK: np.ndarray, Om: np.ndarray, P: np.ndarray) -> None:
        self.iK = np.asarray(iK, dtype=int)
        self.Om = np.asarray(Om, dtype=complex)
        self.P = np.asarray(P, dtype=float)

    @property
    def n(self) -> int:
        return self.iK.size

    def keep(self, mask: np.ndarray) -> None:
        self.iK, self.Om, self.P = self.iK[mask], self.Om[mask], self.P[mask]

    def add(self, iK: np.ndarray, Om: np.ndarray, P: np.ndarray) -> None:
        self.iK = np.r_[self.iK, np.asarray(iK, dtype=int)]
        self.Om = np.r_[self.Om, np.asarray(Om, dtype=complex)]
        self.P = np.r_[self.P, np.asarray(P, dtype=float)]

    def as_dict(self) -> dict[int, list[complex]]:
        d: dict[int, list[complex]] = {}
        for i, z in zip(self.iK, self.Om):
            d.setdefault(int(i), []).append(complex(z))
        return d


def _theta(c: np.ndarray) -> np.ndarray:
    """Centroid of e^{cs} on s in [0, 1]: 1/(1-e^{-c}) - 1/c (-> 1/2 + c/12 for small c)."""
    c = np.asarray(c, dtype=float)
    small = np.abs(c) < 1e-3
    cs = np.where(small, 1.0, c)
    th = 1.0 / (-np.expm1(-cs)) - 1.0 / cs
    return np.where(small, 0.5 + c / 12.0, th)


def run_qlt_solver(
    dist: Distribution | str,
    config: QLTConfig | None = None,
    *,
    progress: Callable[..., None] | None = None,
) -> QLTResult:
    """Evolve D_v(t) and the flavomon power spectrum with full (or resonant) QLT.

    Full QLT [F2 eqs. 10–12] with roots of the discrete dispersion relation tracked on the
    ``Nv``-node grid; see the module docstring for the equations, normalisation, seeding and
    integrator.  With ``config.resonant`` the resonant QLT of [F2 eqs. 27–30] (corrected
    eq. 30, physics.md §6) is run instead (:func:`flavomon.qlt.resonant.run_resonant_qlt`).

    Parameters
    ----------
    dist : Distribution or SPEC string
    config : QLTConfig
    progress : callable, optional
        ``progress(t, steps=n)`` called after every accepted step.

    Returns
    -------
    QLTResult
        ``status == "stable"`` (D unchanged, no power) if no root on the grid is unstable.

    Warns
    -----
    PhysicsWarning
        If an unstable band reaches the end of the K grid (the band is named).

    Raises
    ------
    FlavomonInputError
        If the grid contains no unstable root but the distribution is unstable elsewhere
        (the band is named).
    """
    config = QLTConfig() if config is None else config
    dist = from_spec(dist)
    if config.resonant:
        from .resonant import run_resonant_qlt

        return run_resonant_qlt(dist, config, progress=progress)

    wall0 = time.perf_counter()
    grid = VelocityGrid(config.Nv)
    v, w = grid.v, grid.w
    D_v = dist.on_grid(v)
    if not np.all(np.isfinite(D_v)):
        raise FlavomonInputError(f"distribution {dist.name} is not finite on the velocity grid")
    gs = GridState.build(D_v, v, w)
    D0_init, D1_init = gs.D0, gs.D1
    k_grid = np.linspace(float(config.k_min), float(config.k_max), config.n_K)
    K_grid = k_grid - D1_init  # K = k - D1(0) held fixed [physics.md §5]
    nK = config.n_K
    dk = config.dk
    dens = float(config.L) / (2 * np.pi)  # P = L/(2 pi) |psi_0K|^2  [physics.md §1]
    # rate scale s = min(1, sum w|D|): under D -> cD the QLT maps to (c Omega, c K, t/c, c P), so
    # the absolute tolerances scale with s (unchanged for int|D| >= 1, e.g. the a = 0.9 benchmark)
    s_rate = rate_scale_of(D_v, w)
    gstop = float(config.gamma_stop) * s_rate
    atol = float(config.atol) * s_rate
    dt_max = float(config.dt_max) / s_rate
    prof_w = _profile_weights(config, grid)
    stride = config.eig_stride if config.eig_stride is not None else max(1, min(12, nK // 50))
    n_eig = 0

    t_out = np.arange(0.0, float(config.t_end) + 0.5 * float(config.dt_out), float(config.dt_out))
    t_out = t_out[t_out <= float(config.t_end) * (1 + 1e-12)]
    nt = t_out.size
    D_out = np.empty((nt, v.size))
    pow_out = np.zeros((nt, nK))
    gam_out = np.zeros((nt, nK))
    OmR_out = np.full((nt, nK), np.nan)
    diag: dict[str, Any] = {}

    # --- initial roots --------------------------------------------------------------
    tiny_K = np.abs(K_grid) < 1e-9 * max(1.0, np.abs(K_grid).max())  # eps has a 1/K pole; skip K = 0
    rdict = find_unstable_roots(gs, K_grid, gstop, stride=stride)
    n_eig += len(range(0, nK, stride)) + 1
    rdict = {i: zs for i, zs in rdict.items() if not tiny_K[i]}
    if len(rdict) < MIN_BAND_POINTS:
        # few or no grid points unstable: a narrow band can hide between the coarse eig(M) nodes,
        # so look at every node, and ask the (scale-free) linear band search where the bands are
        rdict = {i: zs for i, zs in find_unstable_roots(gs, K_grid, gstop, stride=1).items() if not tiny_K[i]}
        n_eig += nK
        check_band_sampling(dist, config, sorted(rdict), k_grid, D1_init, gstop)
    if not rdict:
        D_out[:] = D_v
        res = QLTResult(t_out, v, w, K_grid, k_grid, D_out, pow_out, pow_out.copy(), gam_out, OmR_out,
                        np.full(nt, D0_init), "stable", False, None, config,
                        diagnostics={"steps": 0, "n_eig": n_eig, "wall_s": time.perf_counter() - wall0,
                                     "message": "no unstable root: nothing to evolve"})
        return res
    if (0 in rdict) or ((nK - 1) in rdict):
        lo = float(config.k_min) - 6.0 if 0 in rdict else float(config.k_min)
        hi = float(config.k_max) + 6.0 if (nK - 1) in rdict else float(config.k_max)
        bands = unstable_bands(gs, np.linspace(lo, hi, max(41, int((hi - lo) / 0.05) + 1)), gstop)
        bands = [b for b in bands if b[0] < config.k_min - 1e-12 or b[1] > config.k_max + 1e-12] or bands
        warnings.warn(
            f"the K grid k in [{config.k_min:g}, {config.k_max:g}] cuts the unstable band(s) "
            f"{_fmt_bands(bands, D1_init)}; modes outside the grid are not evolved",
            PhysicsWarning,
            stacklevel=2,
        )
        diag["bands_cut"] = bands

    iK = np.array([i for i, zs in rdict.items() for _ in zs], dtype=int)
    Om = np.array([z for zs in rdict.values() for z in zs], dtype=complex)
    order = np.lexsort((Om.real, iK))
    iK, Om = iK[order], Om[order]
    proj = projection_factor(gs, Om, K_grid[iK], prof_w)
    roots = _Roots(iK, Om, dens * float(config.seed_power) * proj)
    diag["initial_roots"] = int(roots.n)
    diag["initial_gamma_max"] = float(Om.imag.max())
    diag["initial_K_at_gamma_max"] = float(K_grid[iK[np.argmax(Om.imag)]])
    P_frozen = np.zeros(nK)

    def seed_new(gs_: GridState, iK_new: np.ndarray, Om_new: np.ndarray) -> np.ndarray:
        P_new = dens * float(config.seed_power) * projection_factor(gs_, Om_new, K_grid[iK_new], prof_w)
        for j, i in enumerate(iK_new):
            if P_frozen[i] > 0:
                P_new[j] = P_frozen[i]
                P_frozen[i] = 0.0
        return P_new

    def record(i_out: int, D_now: np.ndarray, iK_: np.ndarray, P_: np.ndarray, Om_: np.ndarray) -> None:
        D_out[i_out] = D_now
        pw = P_frozen + np.bincount(iK_, weights=P_, minlength=nK)
        pow_out[i_out] = pw / dens
        g = np.zeros(nK)
        oR = np.full(nK, np.nan)
        if iK_.size:
            o = np.argsort(Om_.imag)  # fastest written last
            g[iK_[o]] = Om_.imag[o]
            oR[iK_[o]] = Om_.real[o]
        gam_out[i_out] = np.maximum(g, 0.0)
        OmR_out[i_out] = oR

    def drop(mask: np.ndarray) -> None:
        """Drop roots (saturated/stable): freeze their power."""
        if mask.any():
            np.add.at(P_frozen, roots.iK[mask], roots.P[mask])
            roots.keep(~mask)

    record(0, D_v, roots.iK, roots.P, roots.Om)
    i_next = 1
    t = 0.0
    h = min(1.0 / s_rate, dt_max)
    steps = rejected = 0
    status = "completed"
    t_sat: float | None = None
    absD0 = float(np.sum(w * np.abs(D_v)))
    cum_dD = 0.0
    scan_offset = stride // 2
    rtol = float(config.rtol)
    Kr = K_grid[roots.iK]
    L0 = coupling_kernel(gs, roots.Om, Kr)

    while t < float(config.t_end) * (1 - 1e-14):
        if roots.n == 0:
            status, t_sat = "saturated", t
            break
        if steps + rejected >= config.max_steps:
            status = "max_steps"
            warnings.warn(f"QLT stopped after max_steps={config.max_steps} steps at t={t:.4g}", PhysicsWarning, stacklevel=2)
            break
        h = min(h, dt_max, float(config.t_end) - t)
        D = gs.D_v
        g0 = roots.Om.imag
        # ---- predictor: exponential Euler with frozen roots -------------------------------
        c0 = 2.0 * g0 * h
        dP1 = roots.P * np.expm1(c0)
        x0 = 0.5 * dk * (dP1 @ L0)
        D1 = D * np.exp(-x0)
        gs1 = GridState.build(D1, v, w)
        Om1, ok1 = newton_roots(gs1, roots.Om, Kr, max_jump=0.05 + 0.5 * np.abs(roots.Om.imag))
        lost = ~ok1 | (Om1.imag <= gstop)
        # a root lost in the step (went stable or Newton failed) is integrated with its
        # initial rate only (theta = 0 keeps D0 exact); allowed while 2 gamma h stays small
        if lost.any() and h > 1e-6 and float(np.max(g0[lost])) * h > 0.01:
            rejected += 1
            diag["rej_lost"] = diag.get("rej_lost", 0) + 1
            h = min(0.3 * h, 0.009 / float(np.max(g0[lost])))
            continue
        g1 = np.where(lost, g0, Om1.imag)
        # ---- corrector: conservative trapezoid ------------------------------------------
        c = (g0 + g1) * h
        th = np.where(lost, 0.0, _theta(c))
        dP = roots.P * np.expm1(c)
        inc = (0.5 * dk) * (((dP * (1 - th)) @ L0) * D)
        keep1 = ~lost
        if keep1.any():
            L1 = coupling_kernel(gs1, Om1[keep1], Kr[keep1])
            inc += (0.5 * dk) * (((dP * th)[keep1] @ L1) * D1)
        D2 = D - inc
        if np.any(D2 * D <= 0) and np.any(D != 0):
            rejected += 1
            diag["rej_sign"] = diag.get("rej_sign", 0) + 1
            h *= 0.25
            continue
        err_D = float(np.max(np.abs(D2 - D1) / (atol + rtol * np.abs(D))))
        err_P = float(np.max(np.abs(g1 - g0) * h)) / (10 * rtol) if roots.n else 0.0
        err = max(err_D, err_P)
        if err > 1.0:
            rejected += 1
            diag["rej_err_D" if err_D > err_P else "rej_err_P"] = diag.get("rej_err_D" if err_D > err_P else "rej_err_P", 0) + 1
            h *= max(0.2, 0.9 / math.sqrt(err))
            continue
        # ---- accept ------------------------------------------------------------------
        steps += 1
        P_old, Om_old, iK_old = roots.P.copy(), roots.Om.copy(), roots.iK.copy()
        roots.P = roots.P * np.exp(c)
        gs2 = GridState.build(D2, v, w)
        start = np.where(lost, roots.Om, Om1)
        Om2, ok2 = newton_roots(gs2, start, Kr, max_jump=0.05 + 0.5 * np.abs(start.imag))
        went_stable = ok2 & (Om2.imag <= gstop)
        fail = ~ok2 | (lost & ~went_stable)
        Om2 = np.where(ok2, Om2, start)
        roots.Om = Om2
        # ---- dense output --------------------------------------------------------------
        t_new = t + h
        while i_next < nt and t_out[i_next] <= t_new * (1 + 1e-13):
            s = (t_out[i_next] - t) / h
            Ps = P_old * np.exp(2 * h * (g0 * s + 0.5 * (g1 - g0) * s * s))
            tot = float(np.sum(dP))
            f = float(np.sum(Ps - P_old)) / tot if tot > 0 else s
            Oms = Om_old + (Om2 - Om_old) * s
            record(i_next, D + (D2 - D) * f, iK_old, Ps, Oms)
            i_next += 1
        cum_dD += float(np.sum(w * np.abs(D2 - D)))
        t = t_new
        gs = gs2
        # ---- safeguard: eig(M) where Newton failed; drop roots that went stable ------------
        dropmask = went_stable & ~fail
        if fail.any():
            diag["newton_failures"] = diag.get("newton_failures", 0) + int(fail.sum())
            bad_K = np.unique(roots.iK[fail])
            ev_list = eig_unstable(gs, K_grid[bad_K], gstop)
            n_eig += bad_K.size
            good_d: dict[int, list[complex]] = {}
            for i, z in zip(roots.iK[~fail & ~dropmask], roots.Om[~fail & ~dropmask]):
                good_d.setdefault(int(i), []).append(complex(z))
            add_i, add_z = [], []
            for i, ev in zip(bad_K, ev_list):
                ev = [z for z in ev if all(abs(z - y) > 1e-7 * (1 + abs(z)) for y in good_d.get(int(i), []))]
                for r in np.flatnonzero(fail & (roots.iK == i)):
                    if ev:
                        j = int(np.argmin([abs(z - roots.Om[r]) for z in ev]))
                        roots.Om[r] = ev.pop(j)
                    else:
                        dropmask[r] = True
                for z in ev:
                    add_i.append(int(i))
                    add_z.append(z)
            drop(dropmask)
            if add_i:
                ai, az = np.array(add_i), np.array(add_z)
                roots.add(ai, az, seed_new(gs, ai, az))
        else:
            drop(dropmask)
        # ---- scan for roots that appear ------------------------------------------------
        if cum_dD > float(config.scan_fraction) * absD0:
            cum_dD = 0.0
            sstride = 3 * stride  # scans are coarser than the initial detection (cost)
            coarse = np.arange(scan_offset % sstride, nK, sstride)
            scan_offset += max(1, stride // 2)
            tracked = roots.as_dict()
            known = {i: list(zs) for i, zs in tracked.items()}
            fronts = []
            for i, ev in zip(coarse, eig_unstable(gs, K_grid[coarse], gstop)):
                for z in ev:
                    if not tiny_K[i] and all(abs(z - y) > 1e-7 * (1 + abs(z)) for y in known.get(int(i), [])):
                        known.setdefault(int(i), []).append(complex(z))
                        fronts.append((int(i), complex(z)))
            n_eig += coarse.size
            # band edges: continuation outwards from every tracked root (cheap Newton)
            edge = [(int(i), complex(z)) for i, z in zip(roots.iK, roots.Om)]
            march(gs, K_grid, known, fronts + edge, gstop, eig_fallback=False)
            new_i, new_z = [], []
            for i, zs in known.items():
                for z in zs:
                    if tiny_K[i] or any(abs(z - y) <= 1e-7 * (1 + abs(z)) for y in tracked.get(i, [])):
                        continue
                    new_i.append(i)
                    new_z.append(z)
            if new_i:
                ai, az = np.array(new_i), np.array(new_z)
                roots.add(ai, az, seed_new(gs, ai, az))
                diag["roots_added"] = diag.get("roots_added", 0) + len(new_i)
        Kr = K_grid[roots.iK]
        L0 = coupling_kernel(gs, roots.Om, Kr) if roots.n else np.zeros((0, v.size))
        h *= min(2.5, max(0.2, 0.8 / math.sqrt(max(err, 1e-10))))
        if progress is not None:
            progress(t, steps=steps)

    # fill the remaining output times with the final state
    while i_next < nt:
        record(i_next, gs.D_v, roots.iK, roots.P, roots.Om)
        i_next += 1
    D0_t = D_out @ w
    if status == "saturated" and progress is not None:
        progress(float(config.t_end), steps=steps)
    diag.update(
        steps=steps,
        rejected=rejected,
        n_eig=n_eig,
        wall_s=time.perf_counter() - wall0,
        D0_drift=float(np.max(np.abs(D0_t - D0_init)) / abs(D0_init)) if D0_init != 0 else float(np.max(np.abs(D0_t))),
        final_roots=int(roots.n),
        D1_final=float(gs.D1),
        box_modes_per_point=config.box_modes_per_point,
    )
    return QLTResult(
        t=t_out, v=v, w=w, K=K_grid, k=k_grid, D=D_out, power=pow_out, P=pow_out * dens,
        gamma=gam_out, Omega_R=OmR_out, D0=D0_t, status=status, saturated=status == "saturated",
        t_saturation=t_sat, config=config, diagnostics=diag,
    )
