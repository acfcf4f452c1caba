r"""Configuration and result of a QLT run  [F2 eqs. 9–13, 24, 27–30; docs §5, §6].

* :class:`QLTConfig` — one frozen, validated configuration for full and resonant QLT;
* :class:`QLTResult` — the time series of ``D_v`` and the power spectrum;
* :func:`profile_weights` — the seed profile :math:`w_jp_j` of [F2 eq. 24] on the grid;
* :func:`output_times` — the output times of a run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from .._validate import as_int as _int, as_number as _num, as_nv, machine_memory as _memory
from ..errors import FlavomonInputError
from ..grids import VelocityGrid

__all__ = ["QLTConfig", "QLTResult", "POWER_NORMALIZATION", "profile_weights", "output_times", "check_dt_out"]

POWER_NORMALIZATION = (
    "power(t, K) = |psi_{0,K}|^2 per box mode of a periodic box of length L (box modes spaced 2 pi/L), "
    "the normalisation of qke.nc power; spectral density P(K) = L/(2 pi) * power; each K grid point "
    "(spacing dk) stands for L*dk/(2 pi) box modes [docs §1, §5]"
)


QLT_SCALE_FREE_RANGE = (2.0**-20, 2.0**10)
r"""Rate scales :math:`A=\int|D|dv` that QLT solves as they are (its tolerances are in units of
``s = min(1, A)``, which keeps weak distributions scale-free: tests/qlt/test_qlt_scaling.py).  Outside
this range (a table x 1e-12 found no growing root, x 1e12 was 8% off in the power) the run is done for
:math:`D/c`, :math:`c=2^{\mathrm{round}(\log_2A)}`, with the configuration mapped by the symmetry
:math:`D\to D/c`: ``k -> k/c``, ``t -> c t``, ``L -> c L``, ``seed_power -> seed_power/c^2`` [docs §3, §5],
and the result mapped back (exact: c is a power of 2)."""


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
        End time and output interval; ``dt_out`` must divide ``t_end`` (the last output is ``t_end``,
        the rule of the QKE too; :func:`check_dt_out`).
    seed_power : float
        :math:`|\\psi_{0,K}(0)|^2` per box mode of the QKE seed (F2: 1e-13); must be > 0.
    L : float
        Box length that fixes the box-mode normalisation (F2: 100).
    resonant : bool
        Run resonant QLT [F2 eqs. 27–30] instead of full QLT.
    rtol, atol : float
        Local error tolerances on D_v (relative to :math:`|D_v|`, and absolute in units of the rate
        scale ``s = min(1, int|D(0)| dv)``).
    gamma_stop : float
        Growth rate, in units of ``s``, below which a root counts as saturated/stable (dropped,
        power frozen); the run stops when no root above it remains.
    psi_profile : callable, sequence of Nv floats, or None
        Seed shape ``p(v) = psi_v(0)/psi_0(0)`` (a function of v or its values on the nodes;
        normalised so that ``int p dv = 1``); None means the F2 seed ``p = 1/2``.
    dt_max : float
        Largest step, in units of ``1/s``.  (``s`` makes the run scale-free for weak
        distributions: under D -> cD the QLT maps to (c Omega, c K, t/c, c P).)  Ray tracing: its
        splitting step is at most 1, ``dt_max / s`` and the output interval (docs §12).
    eig_stride : int or None
        Stride of the initial coarse eig(M) detection (None: ``min(12, n_K // 50)``); the
        rescans during the run use three times this stride with a rotating offset.
    scan_fraction : float
        Rescan for new roots whenever D_v changed by this fraction of sum w|D(0)|.
    max_steps : int
        Safety cap on accepted + rejected steps.
    gradient : float
        A uniform matter gradient :math:`G=d\\lambda/dz` (units :math:`\\mu^2`, docs §11): grid point j is a
        label whose wavenumber drifts, :math:`K_j(t)=K_j(0)+Gt`; the roots are those at the current K.  The
        grid must hold every label that is inside a band at some time of the run (checked, one-line error
        naming the range).  0 (default): the homogeneous QLT, bit for bit.
    matter, modulate : str or None
        A periodic background (docs §12): ``matter`` a matter profile SPEC (``sin:amplitude=A,wavelength=Lb`` or
        a ``z,lambda`` table), ``modulate`` ``PARAM=AMP,wavelength=Lb`` (a family parameter varying in z), both
        as :mod:`flavomon.background`.  With either (or ``cell``) the run is QLT by ray tracing
        (:mod:`flavomon.qlt.raytrace`) in the box of length ``L``; None (default): the homogeneous QLT.
    cell : float or None
        Width of the cells of the ray tracer (must divide ``L``); None: :func:`flavomon.background.default_cell`.
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
    gradient: float = 0.0
    matter: str | None = None
    modulate: str | None = None
    cell: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "gradient", _num("gradient", self.gradient))
        self._check_background()
        as_nv(self.Nv)
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
        check_dt_out(float(self.t_end), dto)
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
        if self.resonant and self.gradient != 0.0:
            raise FlavomonInputError("resonant QLT in a matter gradient is not implemented: use full QLT "
                                     "(leave out --resonant) with --gradient")
        need, mem = self.memory_estimate(), _memory()
        if mem is not None and need > mem[0]:
            raise FlavomonInputError(
                f"n_K={self.n_K}, Nv={self.Nv} and {self.n_out + 1} output times need about {need / 2**30:.3g} GiB "
                f"of memory but this machine has {mem[0] / 2**30:.3g} GiB ({mem[1] / 2**30:.3g} GiB available); "
                f"use a smaller n_K or Nv, or a larger dt_out"
            )

    def _check_background(self) -> None:
        """Parse and check the background options (one-line errors; nothing to do without them)."""
        from ..background import check_cell, parse_matter, parse_modulate

        if self.matter is None and self.modulate is None and self.cell is None:
            return
        if self.resonant:
            raise FlavomonInputError("resonant QLT with a z-dependent background is not implemented: leave out "
                                     "--resonant (the background runs full QLT by ray tracing)")
        L = _num("L", self.L, positive=True)
        m, mod = parse_matter(self.matter), parse_modulate(self.modulate)
        if m is not None:
            m.check_box(L)
        if mod is not None:
            mod.check_box(L)
        if self.cell is not None:
            check_cell(self.cell, L)
            object.__setattr__(self, "cell", float(self.cell))

    @property
    def has_background(self) -> bool:
        """Whether this is a run with a z-dependent background (ray tracing, docs §12)."""
        return self.matter is not None or self.modulate is not None or self.cell is not None

    @property
    def n_out(self) -> int:
        """Number of output intervals: outputs at t = 0, dt_out, ..., t_end (``t_end / dt_out``)."""
        return int(round(float(self.t_end) / float(self.dt_out)))

    def memory_estimate(self) -> int:
        """Bytes a run needs at least: the (t, K) outputs (power, P, gamma, Omega_R) and the
        per-step (K, v) work arrays of the roots (about 16 complex numbers per K and node)."""
        nt = self.n_out + 1
        return int(8 * nt * (4 * self.n_K + self.Nv) + 16 * 16 * self.n_K * self.Nv)

    @property
    def dk(self) -> float:
        """Grid spacing in k."""
        return (float(self.k_max) - float(self.k_min)) / (self.n_K - 1)

    @property
    def box_modes_per_point(self) -> float:
        """:math:`L\\,dk/2\\pi`: box modes represented by one K grid point [docs §5]."""
        return float(self.L) * self.dk / (2 * np.pi)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if callable(self.psi_profile):
            d["psi_profile"] = repr(self.psi_profile)
        for key in ("matter", "modulate", "cell"):
            if d[key] is None:
                d.pop(key)  # the homogeneous configuration records what it did before backgrounds existed
        return d


@dataclass(repr=False)
class QLTResult:
    r"""Result of a QLT run (axes: ``t`` output times, ``v`` nodes, ``K`` grid).

    Attributes
    ----------
    t : ndarray (nt,)
        Output times.
    v, w : ndarray (Nv,)
        Velocity nodes and weights.
    K, k : ndarray (n_K,)
        The K grid and the same grid in shifted ``k = K + D1(0)``.
    D : ndarray (nt, Nv)
        Box-averaged :math:`D_v(t)`.
    power : ndarray (nt, n_K)
        :math:`|\psi_{0,K}|^2` per box mode (see ``power_normalization``).
    P : ndarray (nt, n_K)
        Spectral density ``L/(2 pi) * power``.
    gamma : ndarray (nt, n_K)
        Growth rate of the fastest unstable root at K (0 where none).
    Omega_R : ndarray (nt, n_K)
        Re Omega of that root (NaN where none).
    D0 : ndarray (nt,)
        :math:`\sum_jw_jD_j(t)`.
    status : str
        ``"completed"``, ``"saturated"``, ``"stable"`` or ``"max_steps"``.
    saturated : bool
        Whether every root saturated before ``t_end``.
    t_saturation : float or None
        When the last root saturated.
    config : QLTConfig
        The configuration of the run.
    power_normalization : str
        What ``power`` means.
    diagnostics : dict
        Steps, rejected steps, eig calls, wall time, D0 drift, bands, ...
    final_state : ResonantFinalState or None
        Resonant QLT only: the :math:`t\to\infty` prediction
        (:func:`flavomon.qlt.resonant_final_state`) from the same resonant branch.
    z_cell, D_cell, power_cell, gamma_cell : ndarray or None
        Ray tracing only (docs §12): cell centres (n_cell,), :math:`D_v(z_c,t)` (t, z_cell, v), the local power
        per box mode (t, z_cell, K) and growth rate (t, z_cell, K); ``D``, ``power``, ``gamma`` are then their
        means over the cells.
    distribution : str
        The SPEC of the initial distribution (``Distribution.spec``; recorded in qlt.nc as ``distribution``).
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
    final_state: Any = None
    z_cell: np.ndarray | None = None
    D_cell: np.ndarray | None = None
    power_cell: np.ndarray | None = None
    gamma_cell: np.ndarray | None = None
    distribution: str = ""

    _STATUS_MEANING = {
        "completed": "ran to t_end with modes still growing",
        "saturated": "every unstable mode stopped growing before t_end; the final state fills the later times",
        "stable": "nothing grows: D(v) stays as it is",
        "max_steps": "stopped at the step limit before t_end",
    }

    def __repr__(self) -> str:
        kind = "resonant" if self.config.resonant else "full"
        what = self._STATUS_MEANING.get(self.status, "")
        sat = f" at t={self.t_saturation:.4g}" if self.status == "saturated" and self.t_saturation is not None else ""
        return (f"QLTResult({kind} QLT, status={self.status!r}{sat} ({what}), "
                f"t in [0, {float(self.t[-1]):g}] ({self.t.size} outputs), "
                f"Nv={self.v.size}, n_K={self.K.size}, max power={float(np.max(self.power)):.3g}, "
                f"D0 drift={self.D0_drift:.2g}; arrays: t, v, w, K, k, D, power, P, gamma, Omega_R, D0)")

    @property
    def D0_drift(self) -> float:
        r"""Largest relative change of :math:`D_0`: :math:`\max_t|D_0(t)-D_0(0)|/|D_0(0)|`."""
        return float(np.max(np.abs(self.D0 - self.D0[0])) / max(abs(self.D0[0]), 1e-300))


# ----------------------------------------------------------------------------------------
def check_dt_out(t_end: float, dt_out: float) -> None:
    """Refuse a ``dt_out`` that does not divide ``t_end``: the last output must be ``t_end`` itself.

    The rule of the QKE too (:class:`flavomon.qke.QKEConfig`); ``t_end = 500, dt_out = 3`` would
    otherwise end at t = 498.  Tolerance: 1e-9 relative to the number of intervals (round-off of
    decimal inputs such as 0.1).
    """
    n = t_end / dt_out
    if abs(n - round(n)) > 1e-9 * max(1.0, n) or round(n) < 1:
        raise FlavomonInputError(
            f"t_end={t_end:g} must be a positive multiple of dt_out={dt_out:g} (the last output is t_end; "
            f"e.g. dt_out={t_end / max(1, round(n)):g})"
        )


def profile_weights(psi_profile: Callable[[np.ndarray], Any] | tuple[float, ...] | None, grid: VelocityGrid) -> np.ndarray:
    r"""Seed profile weights ``w_j p_j`` with :math:`\sum_jw_jp_j=1`  [F2 eq. 24, docs §3].

    Parameters
    ----------
    psi_profile : callable, sequence of Nv values, or None
        :math:`p(v)=\psi_v(0)/\psi_0(0)` (see :class:`QLTConfig`); None is the F2 seed
        :math:`p=1/2`.
    grid : VelocityGrid
        The velocity grid.

    Returns
    -------
    ndarray (Nv,) complex
        The ``profile_w`` argument of :func:`flavomon.linear.discrete.projection_factor`.
    """
    if psi_profile is None:
        return 0.5 * grid.w.astype(complex)
    try:
        raw = psi_profile(grid.v) if callable(psi_profile) else psi_profile
        p = np.broadcast_to(np.asarray(raw, dtype=complex), grid.v.shape)
    except Exception as e:  # noqa: BLE001
        raise FlavomonInputError(f"psi_profile failed on the velocity grid: {e}") from None
    if not np.all(np.isfinite(p)):
        raise FlavomonInputError("psi_profile returned non-finite values")
    s = np.sum(grid.w * p)
    if abs(s) < 1e-12 * max(np.sum(grid.w * np.abs(p)), 1e-300):
        raise FlavomonInputError("psi_profile integrates to zero: the seed has no psi_0 to normalise")
    return grid.w * p / s


def output_times(config: QLTConfig) -> np.ndarray:
    """Output times ``0, dt_out, 2 dt_out, ... <= t_end`` of a run."""
    t_out = np.arange(0.0, float(config.t_end) + 0.5 * float(config.dt_out), float(config.dt_out))
    t_out = t_out[t_out <= float(config.t_end) * (1 + 1e-12)]
    t_out[-1] = float(config.t_end)  # dt_out divides t_end (check_dt_out): the last output is t_end exactly
    return t_out
