r"""Configuration, state layout and initial conditions of the QKE box solver.

Axis order (fixed once, reused as xarray dims):

* state ``P``: ``(component, v, z)`` with components ``(Re psi_v, Im psi_v, D_v)`` — the
  polarisation vector :math:`\mathbf P_v(z)` of [F2 eq. 2] (docs §1);
* results: ``(realization, t, v)`` for box averages, ``(realization, t, K)`` for spectra.

Initial condition (docs §4): :math:`D_v(z,0)=D(v)` uniform in z (with ``modulate``, docs §12:
:math:`D_v(z,0)=D(v;\mathrm{PARAM}(z))`, :func:`flavomon.background.D_of_z`);
:math:`\psi_0(z,0)=\sum_K\psi_{0,K}e^{iKz}` with flat power :math:`|\psi_{0,K}|^2` = ``seed_power``
and random phases; :math:`\psi_v(z,0)=p_v\,\psi_0(z,0)` with :math:`p_v=1/2` (``psi_profile=None``,
so that :math:`\int dv\,\psi_v=\psi_0`) or a given profile.

Decisions (docs §10.8):

* **Nyquist mode.**  For even ``Nz`` the labels n = +-Nz/2 are the same grid function, so a grid of
  Nz points has Nz distinct modes (docs §4 note); we label it n = -Nz/2 (as
  :class:`~flavomon.grids.PeriodicBox`), seed it like every other mode and stream psi there with
  that K (see :mod:`flavomon.qke.kernel` for D).
* **K = 0** is seeded (F2: n = -N/2 ... N/2 includes n = 0; the homogeneous mode is itself weakly
  unstable, docs §9 B) unless ``seed_K0=False``.
* **Phases** are drawn from ``np.random.default_rng(seed + realization)`` in the resolution-independent
  mode order n = 0, 1, -1, 2, -2, ..., so box mode n has the same phase at every ``Nz`` that holds it
  (the Nyquist column of an even grid is the mode n = -Nz/2 and gets that mode's phase): "same seed,
  other resolution" is the same realization (the automatic resolution and its convergence study rely on it).
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import warnings
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from .._validate import as_int as _int, as_number as _num, as_nv, gib as _gib, machine_memory as _memory
from ..background import (D_of_z, Matter, Modulation, check_cell, check_wkb, default_cell, modulation_samples,
                          parse_matter, parse_modulate, shortest_wavelength)
from ..distributions import Distribution, from_spec
from ..errors import FlavomonInputError, PhysicsWarning
from ..grids import PeriodicBox, VelocityGrid, rate_scale
from .diagnostics import CellLayout, cell_layout, narrowest_cell
from .resolution import NzRule, nz_rule
from .steppers import RK4_IMAG_STABILITY, STEPPERS, get_stepper

__all__ = [
    "A_REF",
    "BACKENDS",
    "DT_AUTO",
    "QKEConfig",
    "D_on_grid",
    "default_backend",
    "phase_order",
    "seed_state",
    "seeded_modes",
    "stability_limit",
    "check_feasible",
    "memory_estimate",
    "MAX_STEPS",
]

DT_AUTO = {"bm4": 0.5, "strang": 0.1}
"""Target step of ``dt=None`` per stepper at the reference rate scale :data:`A_REF` (the actual dt
divides ``dt_out``); see :meth:`QKEConfig.with_auto_dt`."""

A_REF = 1.25
r"""Rate scale :math:`A=\int|D_v|\,dv` above which ``dt=None`` shrinks the step below ``DT_AUTO``:
``dt = DT_AUTO * min(1, A_REF / A)``.  Under D -> cD the QKE maps onto itself with t -> t/c (and
z -> z/c), so a strong distribution needs the step scaled down to keep the accuracy measured for
the F2 benchmarks (A = 1.20, 0.94, 0.74 for a = 0.9, 0.7, 0.5, all at dt = 0.5).  The step is not
*raised* for weak distributions: A fixes how the rates scale with D, not their size for a given
shape.  The double crossing D = 0.3 - v^2 + 0.1 v (A = 0.51, gamma_max = 0.094, as fast as the
a = 0.9 benchmark) moved its 4-realization mean by 4.3 standard errors of a 20-realization mean
between dt = 1 and 0.5, and by 0.17 between dt = 0.5 and 0.25."""


BACKENDS = ("numpy", "jax", "numba")
"""The QKE back-ends: NumPy (the reference, always there), JAX (CPU or GPU, float64) and numba (fused CPU
kernel with ducc0 FFTs, :mod:`flavomon.qke._numba`)."""


def default_backend() -> str:
    """The fastest installed QKE back-end: ``"numba"`` where numba and ducc0 are importable, else ``"jax"``,
    else ``"numpy"``.

    The one place that makes this choice (``QKEConfig(backend=None)``, ``flavomon qke``,
    ``flavomon reproduce`` and sweeps all use it).  On one CPU core the fused numba kernel is about 2x
    faster than JAX and 4x faster than NumPy (``benchmarks/bench_qke.py``); on a GPU pass
    ``backend="jax"``.  All three agree to 1e-10 (``tests/qke/test_qke_backends.py``).
    """
    if importlib.util.find_spec("numba") is not None and importlib.util.find_spec("ducc0") is not None:
        return "numba"
    return "jax" if importlib.util.find_spec("jax") is not None else "numpy"


MAX_BACKGROUND_NZ = 2**32
"""Largest Nz of a box with a z-dependent background that is even built (its z grid is needed before the memory
check): 2^32 points of one complex psi_v already take 64 GiB per velocity node."""


@dataclass(frozen=True)
class QKEConfig:
    r"""Configuration of a periodic-box QKE run (defaults: the F2 benchmark box, docs §4).

    Parameters
    ----------
    L : float
        Box length (1/mu).
    Nz : int or "auto"
        Number of z points (and of box modes).  ``"auto"`` (default) picks the smallest FFT-friendly Nz
        that resolves every unstable band with the margin of the convergence study
        (:mod:`flavomon.qke.resolution`); it depends on the distribution, so :meth:`resolve` fixes it.
        An explicit Nz below that rule gets a :class:`~flavomon.errors.PhysicsWarning`.
    Nv : int
        Gauss–Legendre velocity nodes (the package's one rule: an integer in [2, 4000]).
    t_end, dt_out : float
        Final time and output cadence (1/mu); ``t_end`` must be a multiple of ``dt_out``.
    realizations, seed : int
        Realization r uses ``np.random.default_rng(seed + r)``.
    seed_power : float
        :math:`|\psi_{0,K}(0)|^2` per box mode (F2: 1e-9/L^2 = 1e-13).
    dt : float or None
        Time step.  ``None`` picks ``DT_AUTO[stepper] * min(1, A_REF / int|D|dv)``, rounded down
        to divide ``dt_out``; it depends on the distribution, so it is fixed by :meth:`resolve`
        (which every run calls once), and asking an unresolved configuration for its step raises.
    backend : str or None
        ``"numpy"`` or ``"jax"`` (CPU/GPU, float64); ``None`` (default) takes
        :func:`default_backend`, the fastest installed one.
    psi_profile : sequence of float or None
        ``None`` for :math:`\psi_v=\psi_0/2`, or Nv numbers :math:`p_v` with :math:`\psi_v=p_v\psi_0`.
    stepper : str
        A name in :data:`flavomon.qke.steppers.STEPPERS`.
    seed_K0 : bool
        Seed the homogeneous mode K = 0 too.
    gradient : float
        A uniform matter gradient :math:`G=d\lambda/dz` in units of :math:`\mu^2` (docs §11): the box is the
        drifting-wavenumber box, box mode n has the physical wavenumber :math:`K_n(t)=K_n+Gt`.  0 (default)
        is the homogeneous box, bit for bit.
    matter : str or None
        A periodic matter profile :math:`\lambda(z)` (docs §12, :func:`flavomon.background.parse_matter`):
        ``sin:amplitude=A,wavelength=Lb`` or a ``z,lambda`` CSV table; its period must divide L.  It adds
        :math:`i\lambda(z)\psi_v` to the QKE, applied exactly after every local sub-step (it commutes with the local
        precession); it combines with ``gradient`` (:math:`\lambda=Gz+\lambda(z)`).
    modulate : str or None
        ``PARAM=AMP,wavelength=Lb``: the initial :math:`D_v(z)=D(v;\mathrm{PARAM}+\mathrm{AMP}\sin(2\pi z/L_b))` of a
        family distribution (docs §12, :func:`flavomon.background.D_of_z`); Lb must divide L.
    cell : float or None
        Width of the cells of the z-resolved output (``D_cell``, ``power_cell``); must divide L.  None takes
        :func:`flavomon.background.default_cell`.  Any of ``matter``, ``modulate``, ``cell`` switches the cell
        output on; with all three None the run is the homogeneous one, bit for bit.
    """

    L: float = 100.0
    Nz: int | str = "auto"
    Nv: int = 100
    t_end: float = 500.0
    dt_out: float = 1.0
    realizations: int = 20
    seed: int = 0
    seed_power: float = 1e-13
    dt: float | None = None
    backend: str | None = None
    psi_profile: tuple[float, ...] | None = None
    stepper: str = "bm4"
    seed_K0: bool = True
    gradient: float = 0.0
    matter: str | None = None
    modulate: str | None = None
    cell: float | None = None

    def __post_init__(self) -> None:
        s = object.__setattr__
        s(self, "gradient", _num("gradient", self.gradient))
        s(self, "L", _num("L", self.L, positive=True))
        # a z-dependent background (docs §12): parsed once, kept canonical (identities compare the text)
        matter = parse_matter(self.matter)
        modulation = parse_modulate(self.modulate)
        if matter is not None:
            matter.check_box(self.L)
        if modulation is not None:
            modulation.check_box(self.L)
        s(self, "matter", None if matter is None else matter.spec)
        s(self, "modulate", None if modulation is None else modulation.spec)
        if self.cell is not None:
            s(self, "cell", _num("cell", self.cell, positive=True))
            check_cell(self.cell, self.L)
        s(self, "_matter", matter)
        s(self, "_modulation", modulation)
        if isinstance(self.Nz, str) and self.Nz.strip().lower() == "auto":
            s(self, "Nz", "auto")
        else:
            s(self, "Nz", _int("Nz", self.Nz, minimum=2, hint='an integer >= 2 or "auto"'))
        s(self, "Nv", as_nv(self.Nv))
        s(self, "t_end", _num("t_end", self.t_end, positive=True))
        s(self, "dt_out", _num("dt_out", self.dt_out, positive=True))
        s(self, "realizations", _int("realizations", self.realizations, minimum=1))
        s(self, "seed", _int("seed", self.seed, minimum=0))
        s(self, "seed_power", _num("seed_power", self.seed_power, nonneg=True))
        if self.dt is not None:
            s(self, "dt", _num("dt", self.dt, positive=True))
        if self.backend is None:
            s(self, "backend", default_backend())
        if self.backend not in BACKENDS:
            raise FlavomonInputError(f"backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.stepper not in STEPPERS:
            raise FlavomonInputError(f"unknown stepper {self.stepper!r} (known: {', '.join(STEPPERS)})")
        if self.psi_profile is not None:
            p = np.asarray(self.psi_profile, dtype=float)
            if p.shape != (self.Nv,) or not np.all(np.isfinite(p)):
                raise FlavomonInputError(f"psi_profile must be {self.Nv} finite numbers (one per velocity node)")
            s(self, "psi_profile", tuple(float(x) for x in p))
        n = self.t_end / self.dt_out
        if abs(n - round(n)) > 1e-9 * max(1.0, n) or round(n) < 1:
            raise FlavomonInputError(f"t_end={self.t_end:g} must be a positive multiple of dt_out={self.dt_out:g}")
        if self.dt is not None and self.dt > self.dt_out * (1 + 1e-12):
            raise FlavomonInputError(f"dt={self.dt:g} must not exceed dt_out={self.dt_out:g}")

    # -- derived --------------------------------------------------------------------------
    @property
    def n_out(self) -> int:
        """Number of output intervals; outputs at t = 0, dt_out, ..., t_end."""
        return int(round(self.t_end / self.dt_out))

    @property
    def steps_per_out(self) -> int:
        """Steps per output interval, ``ceil(dt_out / dt)``; needs a resolved dt (see :meth:`resolve`)."""
        if self.dt is None:
            raise FlavomonInputError(
                "the time step of this QKEConfig is not resolved yet (dt=None is chosen per distribution): "
                "use QKEConfig.resolve(dist) first"
            )
        return max(1, int(math.ceil(self.dt_out / self.dt - 1e-9)))

    def with_auto_dt(self, D_v: np.ndarray) -> "QKEConfig":
        """This configuration with ``dt=None`` replaced by the automatic step for ``D_v`` (on the nodes).

        ``dt = DT_AUTO[stepper] * min(1, A_REF / A)`` with the rate scale
        :math:`A=\\sum_vw_v|D_v|` (:func:`flavomon.grids.rate_scale`); an explicit dt is kept.
        Only the rule: :meth:`resolve` also checks the step against the stability limit.  ``D_v`` may be a
        z-dependent ``(Nv, Nz)`` array (docs §12): then :math:`\\max_z|D_v(z)|` sets the rate scale.
        """
        if self.dt is not None:
            return self
        A = rate_scale(_D_amplitude(D_v), self.vgrid().w)
        target = DT_AUTO[self.stepper] * min(1.0, A_REF / A if A > 0 else 1.0)
        return replace(self, dt=min(target, self.dt_out))

    def resolve(self, dist: Any) -> "QKEConfig":
        """The configuration of a run of ``dist``, resolved and validated once.

        Parameters
        ----------
        dist : Distribution, str, callable or ndarray
            The distribution (a SPEC string or a callable is parsed here, once), or its
            ``(Nv,)`` values on the velocity nodes.

        Returns
        -------
        QKEConfig
            A copy with ``dt`` fixed (:meth:`with_auto_dt`) that remembers ``D_v`` and the
            stability limit :attr:`dt_max`; :func:`flavomon.qke.run_qke` does not resolve such a
            configuration again.  Resolving an already resolved configuration for the same
            ``D_v`` returns it unchanged; :func:`dataclasses.replace` gives an unresolved copy.

        Raises
        ------
        FlavomonInputError
            ``D(v)`` not finite on the nodes, a run that cannot finish or fit (more than
            :data:`MAX_STEPS` steps per realization, or more memory than the machine has:
            :func:`check_feasible`), or the step above the stability limit of the stepper's local RK4
            sub-step (:func:`stability_limit`).
        """
        D_v = D_on_grid(dist, self)
        base = self
        if self.is_resolved:
            if np.array_equal(self.D_v, D_v):
                return self
            res = self._resolution  # the dt and Nz asked for, not the ones chosen for another D_v
            base = replace(self, dt=res[2], Nz=res[4])
        if not np.all(np.isfinite(D_v)):
            raise FlavomonInputError("the distribution D(v) is not finite on the velocity grid (NaN or inf)")
        if base.has_background:
            return base._resolve_background(dist, D_v)
        rule = nz_rule(dist if isinstance(dist, Distribution) else None, base.vgrid().v, D_v, base.L,
                       drift=base.gradient * base.t_end)
        base_nz = replace(base, Nz=rule.Nz_required) if base.Nz == "auto" else base
        cfg = base_nz.with_auto_dt(D_v)
        check_feasible(cfg, D_v)  # steps and memory, before anything is computed or written
        dt_max = stability_limit(D_v, cfg)
        _check_step(cfg, dt_max, automatic=base.dt is None)
        if base.Nz != "auto" and base.Nz < rule.Nz_required:  # said only of a run that will go ahead
            warnings.warn(
                f"Nz={base.Nz} is below the resolution rule for this distribution, Nz >= {rule.Nz_required} "
                f"({rule.describe()}); nonlinear harmonics alias back onto the bands: use Nz='auto' "
                f"(--Nz auto) unless the under-resolution is deliberate",
                PhysicsWarning, stacklevel=2)
        if cfg is base:
            cfg = replace(base)
        D_v = np.array(D_v, dtype=float)
        D_v.setflags(write=False)
        object.__setattr__(cfg, "_resolution", (D_v, float(dt_max), base.dt, rule, base.Nz))
        return cfg

    def _resolve_background(self, dist: Any, D_v: np.ndarray) -> "QKEConfig":
        """:meth:`resolve` of a box with a z-dependent background (docs §12); ``self`` is the unresolved base."""
        base = self
        matter, modulation = base.matter_profile, base.modulation
        vg = base.vgrid()
        dist_obj = None
        local: list = []
        if modulation is not None:
            dist_obj = None if isinstance(dist, np.ndarray) else from_spec(dist)
            if dist_obj is None:
                raise FlavomonInputError(
                    f"modulate={base.modulate!r} needs a family distribution SPEC (benchmark:..., shallow:..., "
                    f"isotropic:...), not D_v values on the nodes")
            local = [(d, d.on_grid(vg.v)) for d in modulation_samples(dist_obj, modulation)]
            for d, Dl in local:
                if not np.all(np.isfinite(Dl)):
                    raise FlavomonInputError(f"modulate={base.modulate!r}: D(v) of {d.name} is not finite (NaN or inf)")
        lo, hi = matter.slope_range if matter is not None else (0.0, 0.0)
        G, T = base.gradient, base.t_end
        # the base distribution as the homogeneous rule takes it (a Distribution given, else the table of D_v)
        shortest = shortest_wavelength(matter, modulation)  # the grid must sample the background itself [docs §12]
        K_bg = 2 * math.pi / shortest[1] if shortest is not None else 0.0
        rule = nz_rule(dist if isinstance(dist, Distribution) else None, vg.v, D_v, base.L, drift=G * T,
                       drift_range=((G + lo) * T, (G + hi) * T), local=local, K_background=K_bg)
        if base.Nz != "auto" and math.pi * int(base.Nz) / base.L < K_bg:
            what, lb = shortest
            raise FlavomonInputError(
                f"Nz={base.Nz} cannot sample the {what} wavelength {lb:.4g}: the grid spacing L/Nz = "
                f"{base.L / int(base.Nz):.4g} is more than half of it, so the background would be aliased; use "
                f"--Nz auto (Nz >= {rule.Nz_required}) or a longer wavelength")
        base_nz = replace(base, Nz=rule.Nz_required) if base.Nz == "auto" else base
        if int(base_nz.Nz) > MAX_BACKGROUND_NZ:  # the z grid of a background is built now: refuse what no machine holds
            why = ("the bands plus the drift of the gradient and matter profile over t_end" if K_bg < rule.K_reach else
                   f"11 points per {shortest[0]} wavelength {shortest[1]:.4g}")
            raise FlavomonInputError(
                f"a box with this background needs Nz = {float(base_nz.Nz):.3g} points (modes up to K = "
                f"{rule.K_reach:.3g}: {why}), beyond any machine; use a smaller matter amplitude or gradient, a longer "
                f"wavelength or a shorter t_end")
        box = base_nz.box()
        D_vz = None
        if modulation is not None:  # D_v(z, 0) on the grid, (Nv, Nz); NaN/inf named by its z
            D_vz = np.ascontiguousarray(D_of_z(dist_obj, modulation, vg.v, box.z).T)
            D_vz.setflags(write=False)
        D_init = D_v if D_vz is None else D_vz
        cfg = base_nz.with_auto_dt(D_init)
        if cfg is base or cfg is self:
            cfg = replace(cfg)
        if base.cell is not None:
            ell = base.cell
        else:  # Lb / 8, but never narrower than a cell with a local spectrum (a modulation far below the WKB rule)
            ell = max(default_cell(base.L, matter, modulation), narrowest_cell(base.L, int(cfg.Nz), rule.K_reach))
        check_cell(ell, base.L)
        cells = cell_layout(base.L, int(cfg.Nz), ell, rule.K_reach)
        D_box = D_v if D_vz is None else np.ascontiguousarray(D_vz.mean(axis=1))
        if D_vz is not None:
            D_box.setflags(write=False)
        object.__setattr__(cfg, "_background", _Background(D_vz=D_vz, D_box=D_box, cells=cells, rule=rule))
        check_feasible(cfg, D_init)  # steps and memory (cell records included), before anything is computed
        dt_max = stability_limit(D_init, cfg)
        _check_step(cfg, dt_max, automatic=base.dt is None)
        if base.Nz != "auto" and base.Nz < rule.Nz_required:
            warnings.warn(
                f"Nz={base.Nz} is below the resolution rule for this distribution, Nz >= {rule.Nz_required} "
                f"({rule.describe()}); nonlinear harmonics alias back onto the bands: use Nz='auto' "
                f"(--Nz auto) unless the under-resolution is deliberate",
                PhysicsWarning, stacklevel=3)
        check_wkb(matter, modulation, rule.K_fastest, stacklevel=4)
        D_v = np.array(D_v, dtype=float)
        D_v.setflags(write=False)
        object.__setattr__(cfg, "_resolution", (D_v, float(dt_max), base.dt, rule, base.Nz))
        return cfg

    # -- the z-dependent background (docs §12) ----------------------------------------------------
    @property
    def has_background(self) -> bool:
        """True when ``matter``, ``modulate`` or ``cell`` is given (the box with z-resolved cell output)."""
        return self.matter is not None or self.modulate is not None or self.cell is not None

    @property
    def matter_profile(self) -> Matter | None:
        """The parsed ``matter`` profile (:class:`flavomon.background.Matter`) or None."""
        return getattr(self, "_matter", None)

    @property
    def modulation(self) -> Modulation | None:
        """The parsed ``modulate`` (:class:`flavomon.background.Modulation`) or None."""
        return getattr(self, "_modulation", None)

    @property
    def cells(self) -> CellLayout | None:
        """The cells of the z-resolved output of a resolved run with a background; None otherwise."""
        bg = getattr(self, "_background", None)
        return None if bg is None else bg.cells

    @property
    def D_vz(self) -> np.ndarray | None:
        """The initial :math:`D_v(z)`, shape (Nv, Nz), of a resolved run with ``modulate``; None otherwise."""
        bg = getattr(self, "_background", None)
        return None if bg is None else bg.D_vz

    @property
    def D_box(self) -> np.ndarray:
        r"""The box average of the initial :math:`D_v(z)` (:attr:`D_v` without ``modulate``): the kernels'
        background refraction :math:`\bar D_0-v\bar D_1` is taken from it."""
        bg = getattr(self, "_background", None)
        return self.D_v if bg is None or bg.D_vz is None else bg.D_box

    @property
    def is_resolved(self) -> bool:
        """True for a configuration returned by :meth:`resolve`."""
        return getattr(self, "_resolution", None) is not None

    def _resolved(self, what: str) -> tuple[np.ndarray, float, float | None]:
        res = getattr(self, "_resolution", None)
        if res is None:
            raise FlavomonInputError(f"QKEConfig.{what} needs a resolved configuration: use QKEConfig.resolve(dist) first")
        return res

    @property
    def D_v(self) -> np.ndarray:
        """The distribution on the velocity nodes this configuration was resolved for (read-only)."""
        return self._resolved("D_v")[0]

    @property
    def dt_max(self) -> float:
        """The stability limit of the resolved step (:func:`stability_limit`)."""
        return self._resolved("dt_max")[1]

    @property
    def nz_rule(self) -> NzRule:
        """The resolution rule for the resolved distribution (:func:`flavomon.qke.resolution.nz_rule`)."""
        return self._resolved("nz_rule")[3]

    @property
    def Nz_auto(self) -> bool:
        """Whether the resolved Nz was chosen by the rule (``Nz="auto"``) rather than given."""
        return self._resolved("Nz_auto")[4] == "auto"

    def resolution_record(self) -> dict[str, Any]:
        """How the z resolution of a resolved run was chosen (for files and reports)."""
        rule = self.nz_rule
        rec = {"Nz": int(self.Nz), "Nz_choice": "auto" if self.Nz_auto else "explicit",
               "Nz_required": int(rule.Nz_required), "Nz_margin": rule.margin, "K_band": rule.K_band,
               "K_nyquist": math.pi * int(self.Nz) / self.L, "Nz_rule": rule.describe()}
        if rule.drift != 0.0 or rule.drift_range is not None:
            rec["K_reach"] = rule.K_reach
        if rule.drift_range is not None:  # a z-dependent background (docs §12)
            rec["drift_local_min"], rec["drift_local_max"] = (float(x) for x in rule.drift_range)
            rec["n_local_distributions"] = int(rule.n_local)
            rec["K_fastest"] = float(rule.K_fastest)
            m = self.matter_profile
            if m is not None:
                rec["lambda_slope_min"], rec["lambda_slope_max"] = (float(x) for x in m.slope_range)
            if self.cells is not None:
                rec.update(self.cells.record())
        return rec

    def identity(self) -> dict[str, Any]:
        """Everything that determines the numbers of a resolved run (for resume and reuse checks).

        The physics configuration (:meth:`physics_dict`, without the back-end), the step actually
        used and ``D_v`` on the nodes; :func:`flavomon._files.fingerprint` of it is the run's
        fingerprint.  Floats are kept exactly.
        """
        D_v = self.D_v
        d = self.physics_dict()
        d["dt_used"] = self.dt_used
        d["D_v"] = [float(x) for x in D_v]
        d["D_v_sha256"] = hashlib.sha256(np.ascontiguousarray(D_v, dtype="<f8").tobytes()).hexdigest()
        if self.has_background:  # docs §12: what the background text does not pin down, and the cells' shapes
            m = self.matter_profile
            if m is not None:
                d["matter_sha256"] = m.sha256  # a table's numbers, not only its path
            if self.D_vz is not None:
                d["D_vz_sha256"] = hashlib.sha256(np.ascontiguousarray(self.D_vz, dtype="<f8").tobytes()).hexdigest()
            if self.cells is not None:
                d.update(self.cells.record())
        return d

    @property
    def dt_used(self) -> float:
        """The actual time step: ``dt_out / steps_per_out`` (<= requested dt)."""
        return self.dt_out / self.steps_per_out

    @property
    def t(self) -> np.ndarray:
        return self.dt_out * np.arange(self.n_out + 1)

    def box(self) -> PeriodicBox:
        if self.Nz == "auto":
            raise FlavomonInputError(
                "Nz='auto' is chosen per distribution: use QKEConfig.resolve(dist) first (run_qke does)")
        return PeriodicBox(self.L, self.Nz)

    def vgrid(self) -> VelocityGrid:
        return VelocityGrid(self.Nv)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["psi_profile"] = None if self.psi_profile is None else list(self.psi_profile)
        for key in ("matter", "modulate", "cell"):  # no background: the layout of runs made before backgrounds
            if d[key] is None:
                d.pop(key)
        return d

    def physics_dict(self) -> dict[str, Any]:
        """Everything that changes the numbers (for resume checks); excludes the back-end."""
        d = self.as_dict()
        d.pop("backend")
        if d["gradient"] == 0.0:
            d.pop("gradient")  # the homogeneous box: the identity (and fingerprint) of runs made before gradients existed
        return d


def _check_step(cfg: "QKEConfig", dt_max: float, *, automatic: bool) -> None:
    """One-line error when the step of ``cfg`` exceeds the stability limit ``dt_max`` (:func:`stability_limit`)."""
    if cfg.dt_used > dt_max:
        what = "automatic dt" if automatic else "dt"
        raise FlavomonInputError(
            f"{what}={cfg.dt_used:g} exceeds the stability limit dt_max={dt_max:.4g} of the {cfg.stepper} "
            f"local RK4 sub-step (b_max*dt*Lambda <= 2*sqrt(2)); pass a smaller dt"
        )


MAX_STEPS = 10**8
"""Most time steps one realization may take (about a day at 1 ms a step, the cost of a small box)."""

KERNEL_BYTES_PER_CELL = 64 * 8
"""Peak working memory of one worker per (v, z) cell: about 60 float64 numbers (measured 58 for NumPy,
78 for JAX with Nv = 100, Nz = 40000: phases of every sub-step, FFT buffers, RK4 stages)."""


def memory_estimate(config: QKEConfig) -> int:
    """Bytes a run of ``config`` needs at least: one worker's kernel plus the records of every realization.

    Records: ``D``, ``pol`` (Nv), ``power`` (Nz) and ``D0`` per output time and realization, twice
    (the per-realization arrays and the stacked result); with a background also ``D_cell`` and ``power_cell``
    (docs §12).
    """
    kernel = KERNEL_BYTES_PER_CELL * config.Nv * config.Nz
    per_out = 2 * config.Nv + config.Nz + 1
    cells = config.cells
    if cells is not None:  # D_cell (n_cell, Nv) and power_cell (n_cell, n_K) per output, docs §12
        per_out += cells.n_cell * (config.Nv + cells.K_cell.size)
        kernel += 2 * 16 * cells.n_fine * (config.Nv + 1)  # the interpolated fields of a cell diagnosis
        kernel += 8 * config.Nv * config.Nz  # the initial D_v(z) (and the lambda(z) phases)
    records = 2 * 8 * config.realizations * (config.n_out + 1) * per_out
    return int(kernel + records)


def check_feasible(config: QKEConfig, D_v: np.ndarray) -> None:
    r"""Refuse a run that cannot finish (steps) or cannot fit (memory), with the estimate  [docs §1-§3].

    Under D -> cD the QKE maps onto itself with t -> t/c, so a distribution with a large rate scale
    :math:`A=\int|D|dv` needs a step ~1/A (:meth:`QKEConfig.with_auto_dt`) and a ``t_end`` in units of 1/A.

    Raises
    ------
    FlavomonInputError
        More than :data:`MAX_STEPS` steps per realization, or more memory than the machine has.
    """
    steps = config.n_out * (config.dt_out / config.dt)  # float: may be astronomically large
    if not steps <= MAX_STEPS:
        A = rate_scale(_D_amplitude(D_v), config.vgrid().w)  # a z-dependent D_v(z): its largest |D_v| (docs §12)
        hint = ""
        if A > A_REF:
            t_fit = config.t_end * A_REF / A
            hint = (f"; the distribution's rate scale int|D|dv = {A:.3g} means its times are in units of "
                    f"1/({A:.3g} mu): use t_end ~ {t_fit:.3g} (and dt_out, L scaled alike)")
        else:
            hint = "; use a larger dt or a shorter t_end"
        raise FlavomonInputError(
            f"t_end={config.t_end:g} needs {steps:.3g} steps of dt={config.dt:.3g} per realization "
            f"(at most {MAX_STEPS:.0e}){hint}"
        )
    need = memory_estimate(config)
    mem = _memory()
    if mem is not None and need > mem[0]:
        raise FlavomonInputError(
            f"Nv={config.Nv}, Nz={config.Nz}, {config.realizations} realization(s) x {config.n_out + 1} outputs "
            f"need about {_gib(need)} of memory but this machine has {_gib(mem[0])} ({_gib(mem[1])} available); "
            f"use a smaller Nz/Nv, fewer realizations or a larger dt_out"
        )


def stability_limit(D_v: np.ndarray, config: QKEConfig) -> float:
    r"""Largest dt for which every local RK4 sub-step is inside RK4's stability region.

    Sufficient bound: the local Jacobian of :math:`(\mathbf H_v-\bar{\mathbf H}_v)\times\mathbf P_v`
    has norm at most :math:`\Lambda=2\sum_vw_v(1+|v|)|\mathbf P_v|+\max_v|\bar D_0-v\bar D_1|`
    (:math:`|\mathbf P_v|` is conserved along characteristics), so ``b_max * dt * Lambda <= 2 sqrt 2``.

    ``D_v`` may be the z-dependent ``(Nv, Nz)`` initial state of a modulated background (docs §12): then
    :math:`\max_z|D_v(z)|` bounds :math:`|\mathbf P_v|` and the box average gives :math:`\bar D_0,\bar D_1`.  The matter
    rotation :math:`e^{i\lambda(z)h}` is exact and does not enter.
    """
    vg = config.vgrid()
    v, w = vg.v, vg.w
    D_v = np.asarray(D_v, dtype=float)
    prof = np.full(config.Nv, 0.5) if config.psi_profile is None else np.abs(np.asarray(config.psi_profile))
    amp = _D_amplitude(D_v) + prof * math.sqrt(config.seed_power * config.Nz)
    if D_v.ndim == 2:
        D_v = D_v.mean(axis=1)
    D0, D1 = float(w @ D_v), float((w * v) @ D_v)
    lam = 2.0 * float(np.sum(w * (1 + np.abs(v)) * amp)) + float(np.max(np.abs(D0 - v * D1)))
    return RK4_IMAG_STABILITY / (get_stepper(config.stepper).b_max * max(lam, 1e-300))


@dataclass(frozen=True)
class _Background:
    """What :meth:`QKEConfig.resolve` fixes for a z-dependent background (docs §12)."""

    D_vz: np.ndarray | None
    D_box: np.ndarray
    cells: CellLayout
    rule: NzRule


def _D_amplitude(D_v: np.ndarray) -> np.ndarray:
    """``|D_v|`` on the nodes; for a z-dependent ``(Nv, Nz)`` array its maximum over z."""
    D_v = np.asarray(D_v, dtype=float)
    return np.abs(D_v) if D_v.ndim == 1 else np.max(np.abs(D_v), axis=1)


def D_on_grid(dist: Any, config: QKEConfig) -> np.ndarray:
    """``D_v`` on the velocity nodes of ``config`` from a Distribution, SPEC, callable or ``(Nv,)`` array.

    A SPEC string or a callable is parsed here; callers that hold a
    :class:`~flavomon.distributions.Distribution` pass it, so nothing is parsed twice.
    """
    if isinstance(dist, np.ndarray):
        D_v = np.asarray(dist, dtype=float)
        if D_v.shape != (config.Nv,):
            raise FlavomonInputError(f"D_v array must have Nv={config.Nv} values, got shape {D_v.shape}")
        return D_v
    d = dist if isinstance(dist, Distribution) else from_spec(dist)
    return d.on_grid(config.vgrid().v)


def phase_order(n_max: int) -> np.ndarray:
    """Mode numbers in the resolution-independent draw order 0, 1, -1, 2, -2, ..., n_max, -n_max."""
    out = [0]
    for j in range(1, n_max + 1):
        out += [j, -j]
    return np.asarray(out, dtype=int)


def seeded_modes(Nz: int) -> np.ndarray:
    """Boolean mask (FFT order) of the evolved and seeded modes: all Nz modes (Nyquist included)."""
    return np.ones(Nz, dtype=bool)


def seed_state(D_v: np.ndarray, config: QKEConfig, realization: int = 0, *, psi0_K: np.ndarray | None = None) -> np.ndarray:
    r"""Initial state ``P`` (3, Nv, Nz) of realization ``realization``  [docs §4].

    ``psi0_K`` (Nz, FFT order, :math:`\psi_0(z)=\sum_K\psi_{0,K}e^{iKz}`) replaces the random seed by a
    user-supplied perturbation of :math:`\psi_0`; the v-profile still applies.  ``D_v`` is ``(Nv,)`` (uniform in
    z) or the ``(Nv, Nz)`` initial :math:`D_v(z)` of a modulated background (docs §12, :attr:`QKEConfig.D_vz`).
    """
    Nz, Nv = config.Nz, config.Nv
    D_v = np.asarray(D_v, dtype=float)
    if D_v.shape not in ((Nv,), (Nv, Nz)):
        raise FlavomonInputError(f"D_v must have {Nv} values (one per velocity node), got shape {D_v.shape}")
    if not np.all(np.isfinite(D_v)):
        raise FlavomonInputError("the distribution D(v) is not finite on the velocity grid (NaN or inf)")
    keep = seeded_modes(Nz)
    if psi0_K is None:
        # draws in the order n = 0, 1, -1, ..., Nz/2, -Nz/2, so box mode n has the same phase at every Nz;
        # even Nz: the Nyquist column is the mode labelled n = -Nz/2 and takes that mode's draw
        order = phase_order(Nz // 2)
        rng = np.random.default_rng(config.seed + realization)
        phases = rng.uniform(0.0, 2.0 * np.pi, size=order.size)
        if Nz % 2 == 0:
            keep_draw = order != Nz // 2
            order, phases = order[keep_draw], phases[keep_draw]
        psi0_K = np.zeros(Nz, dtype=complex)
        psi0_K[order % Nz] = math.sqrt(config.seed_power) * np.exp(1j * phases)
        if not config.seed_K0:
            psi0_K[0] = 0.0
    else:
        psi0_K = np.asarray(psi0_K, dtype=complex)
        if psi0_K.shape != (Nz,) or not np.all(np.isfinite(psi0_K)):
            raise FlavomonInputError(f"psi0_K must be {Nz} finite complex numbers (FFT order)")
        psi0_K = np.where(keep, psi0_K, 0.0)
    psi0_z = np.fft.ifft(psi0_K) * Nz
    prof = np.full(Nv, 0.5) if config.psi_profile is None else np.asarray(config.psi_profile)
    P = np.empty((3, Nv, Nz))
    psi = prof[:, None] * psi0_z[None, :]
    P[0] = psi.real
    P[1] = psi.imag
    P[2] = D_v[:, None] if D_v.ndim == 1 else D_v
    return P
