"""Quasi-linear theory (QLT) of fast flavor waves  [F2; docs §5–7].

Public API
----------
* :func:`run_qlt` with :class:`QLTConfig` → :class:`QLTResult` — full QLT [F2 eqs. 9–13] with
  tracked roots of the discrete dispersion relation, or resonant QLT [F2 eqs. 27–30] with
  ``QLTConfig(resonant=True)``;
* :func:`run_full_qlt`, :func:`run_resonant_qlt` — the two kinds of run on a parsed
  :class:`~flavomon.distributions.Distribution`;
* :func:`resonant_final_state` → :class:`ResonantFinalState` — the final state predicted by
  resonant QLT (docs §6); :func:`resonant_branch` → :class:`ResonantBranch` and
  :func:`growing_resonances` → :class:`ResonantSelection` — its resonances;
* :func:`step` on a :class:`QLTState` — one step of the full-QLT integrator;
* :func:`grid_unstable_intervals` — k ranges with an unstable root of the discrete relation;
* :func:`run_kinetic` → :class:`KineticResult` — the flavomon kinetic equations (docs §7),
  optionally with a spontaneous-emission source.

Modules: :mod:`~flavomon.qlt.config` (configuration, result), :mod:`~flavomon.qlt.equations`
(right-hand sides), :mod:`~flavomon.qlt.roots` (root tracking), :mod:`~flavomon.qlt.integrator`
(one step), :mod:`~flavomon.qlt.full` (the full-QLT driver), :mod:`~flavomon.qlt.branch`,
:mod:`~flavomon.qlt.resonant`, :mod:`~flavomon.qlt.final_state` (resonant QLT),
:mod:`~flavomon.qlt.kinetic`, :mod:`~flavomon.qlt.checks` (grid checks) and
:mod:`~flavomon.qlt.run` (the entry point).  The discrete dispersion relation itself is
:mod:`flavomon.linear.discrete`.
"""

from .branch import ResonantBranch, ResonantSelection, growing_resonances, resonant_branch
from .config import POWER_NORMALIZATION, QLTConfig, QLTResult
from .final_state import ResonantFinalState, resonant_final_state
from .full import run_full_qlt
from .integrator import QLTState, StepParams, StepReport, step
from .kinetic import KineticResult, run_kinetic
from .resonant import run_resonant_qlt
from .roots import grid_unstable_intervals
from .run import run_qlt, run_qlt_solver

__all__ = [
    "POWER_NORMALIZATION",
    "KineticResult",
    "QLTConfig",
    "QLTResult",
    "QLTState",
    "ResonantBranch",
    "ResonantFinalState",
    "ResonantSelection",
    "StepParams",
    "StepReport",
    "grid_unstable_intervals",
    "growing_resonances",
    "resonant_branch",
    "resonant_final_state",
    "run_full_qlt",
    "run_kinetic",
    "run_qlt",
    "run_resonant_qlt",
    "step",
]
