r"""Configuration of ``flavomon reproduce``: one frozen, validated :class:`ReproduceConfig`.

The defaults are F2's benchmark set-up [docs §4, §5]; :data:`FULL`, :data:`DEFAULT` and
:data:`QUICK` differ only in the size of the QKE ensemble.  :data:`REFERENCE` holds the
reference numbers of docs §9 (Tables A, B) that the report prints beside its own.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import FlavomonInputError
from ...qke import BACKENDS, default_backend

__all__ = ["ReproduceConfig", "DEFAULT", "FULL", "QUICK", "DEFAULT_OUT", "REFERENCE"]

DEFAULT_OUT = "flavomon-reproduce"
"""Output folder of ``flavomon reproduce`` when ``--out`` is not given."""

REFERENCE: dict[float, dict[str, float | None]] = {
    0.9: {"gamma_max": 0.11150931, "K_at_gamma_max": -1.472930, "D0_after_resonant_QLT": -1.18852249,
          "L1_qke_qlt_target": 3e-3},
    0.7: {"gamma_max": 0.26552240, "K_at_gamma_max": -1.055089, "D0_after_resonant_QLT": -0.85481075,
          "L1_qke_qlt_target": 1.5e-2},
    0.5: {"gamma_max": 0.36687674, "K_at_gamma_max": -0.714641, "D0_after_resonant_QLT": -0.55589616,
          "L1_qke_qlt_target": None},
}
"""Reference numbers of docs §9 (Tables A, B) and the L1(QKE, QLT) accuracy targets, per a."""


_FLOAT_FIELDS = ("L", "t_end", "dt_out", "seed_power", "k_min", "k_max", "modes_K_min", "modes_K_max",
                 "qke_checkpoint_every")


@dataclass(frozen=True)
class ReproduceConfig:
    r"""What ``flavomon reproduce`` runs.  Defaults = F2's benchmark [docs §4, §5].

    Attributes
    ----------
    a_values : tuple of float
        Benchmark parameters a of [F2 eq. 5]; each needs an angular crossing (e^-8 < a < 1).
    realizations, seed : int
        QKE ensemble size and first seed (realization r uses seed + r).
    L, Nz, Nv, t_end, dt_out : float or int
        Box length, z points (``"auto"``: the resolution rule of :mod:`flavomon.qke.resolution`,
        chosen per a and recorded in qke.nc and report.json), velocity nodes, final time, output cadence.
    seed_power : float
        Flat seed power per box mode, :math:`|\psi_{0,K}(0)|^2` (1e-13, docs §4).
    qlt_n_K, k_min, k_max : int, float, float
        QLT wavenumber grid in shifted k (600 points in [-2, 2], F2).
    modes_n_K, modes_K_min, modes_K_max : int, float, float
        K grid of the linear analysis.
    backend : str
        QKE back-end, "numpy", "jax" or "numba" (default: the fastest installed one,
        :func:`flavomon.qke.default_backend`).
    workers : int or None
        QKE worker processes (execution only: results are identical for any value).
    qke_checkpoint_every : float
        Seconds between QKE checkpoints (execution only; a killed run resumes from the last one).
    """

    a_values: tuple[float, ...] = (0.9, 0.7, 0.5)
    realizations: int = 20
    seed: int = 0
    L: float = 100.0
    Nz: int | str = "auto"
    Nv: int = 100
    t_end: float = 500.0
    dt_out: float = 1.0
    seed_power: float = 1e-13
    qlt_n_K: int = 600
    k_min: float = -2.0
    k_max: float = 2.0
    modes_n_K: int = 351
    modes_K_min: float = -2.5
    modes_K_max: float = 1.0
    backend: str = field(default_factory=default_backend)
    workers: int | None = field(default=None, compare=False)
    qke_checkpoint_every: float = field(default=60.0, compare=False)

    def __post_init__(self) -> None:
        for name in _FLOAT_FIELDS:  # one spelling per value: stored and requested configs compare exactly
            val = getattr(self, name)
            if isinstance(val, (int, np.integer)) and not isinstance(val, bool):
                object.__setattr__(self, name, float(val))
        a_values = tuple(float(a) for a in np.atleast_1d(self.a_values))
        object.__setattr__(self, "a_values", a_values)
        if not a_values:
            raise FlavomonInputError("--a: give at least one benchmark parameter a")
        for a in a_values:
            if not (math.isfinite(a) and math.exp(-8.0) < a < 1.0):
                raise FlavomonInputError(
                    f"--a {a:g}: the benchmark exp(-2(1-v)^2) - a has an angular crossing (and so "
                    f"something to evolve) only for exp(-8) < a < 1"
                )
        if len(set(a_values)) != len(a_values):
            raise FlavomonInputError(f"--a: repeated values in {a_values}")
        if isinstance(self.Nz, str) and self.Nz.strip().lower() == "auto":
            object.__setattr__(self, "Nz", "auto")
        elif not isinstance(self.Nz, bool) and isinstance(self.Nz, (int, np.integer)) and self.Nz < 2:
            raise FlavomonInputError(f"--Nz {self.Nz}: must be auto or an integer >= 2")
        for name in ("realizations", "Nz", "Nv", "qlt_n_K", "modes_n_K"):
            val = getattr(self, name)
            if name == "Nz" and val == "auto":
                continue
            if isinstance(val, bool) or not isinstance(val, (int, np.integer)):
                raise FlavomonInputError(f"{name} must be an integer, got {val!r}")
        if self.realizations < 2:
            raise FlavomonInputError(
                f"--realizations {self.realizations}: need >= 2 for an ensemble std and noise floor"
            )
        if self.seed < 0:
            raise FlavomonInputError(f"--seed {self.seed}: must be >= 0")
        for name in ("L", "t_end", "dt_out", "seed_power"):
            val = float(getattr(self, name))
            if not (math.isfinite(val) and val > 0):
                raise FlavomonInputError(f"{name} = {val!r} must be a positive finite number")
        if self.dt_out > self.t_end:
            raise FlavomonInputError(f"dt_out = {self.dt_out:g} exceeds t_end = {self.t_end:g}")
        if not (math.isfinite(self.qke_checkpoint_every) and self.qke_checkpoint_every > 0):
            raise FlavomonInputError(f"--checkpoint-every {self.qke_checkpoint_every!r}: must be > 0 seconds")
        if self.backend not in BACKENDS:
            raise FlavomonInputError(f"--backend {self.backend!r}: expected one of {', '.join(BACKENDS)}")

    def physics_dict(self) -> dict[str, Any]:
        """The configuration without execution-only options (what the report records)."""
        d = dataclasses.asdict(self)
        d.pop("workers")
        d.pop("qke_checkpoint_every")
        d["a_values"] = list(self.a_values)
        return d


FULL = ReproduceConfig()
"""Full fidelity: F2's benchmark (20 realizations, t = 500) at the automatic QKE resolution [docs §4].

The resolution rule (:mod:`flavomon.qke.resolution`) gives the Nz = 700 answer of F2 (20-realization mean
D_v at t = 500 to L1 < 1e-5, same seeds) at a fraction of its cost; ``--Nz 700`` runs F2's grid itself."""

DEFAULT = FULL
"""What ``flavomon reproduce`` runs with no options: :data:`FULL` (``--full`` is kept as a no-op)."""

QUICK = ReproduceConfig(realizations=2)
"""``--quick``: the smallest ensemble that still has a standard deviation."""
