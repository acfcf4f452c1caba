"""Quasi-linear theory (QLT) of fast flavor waves  [F2; physics.md §5–7].

Public API
----------
* :class:`QLTConfig`, :class:`QLTResult`, :func:`run_qlt_solver` — full QLT [F2 eqs. 9–13]
  with tracked roots of the discrete dispersion relation, and resonant QLT [F2 eqs. 27–30]
  with ``QLTConfig(resonant=True)``;
* :func:`resonant_final_state` — the final state predicted by resonant QLT (physics.md §6);
* :func:`run_kinetic` — the flavomon kinetic equations (physics.md §7), optionally with a
  spontaneous-emission source.
"""

from .kinetic import KineticResult, run_kinetic
from .resonant import ResonantFinalState, resonant_branch, resonant_final_state, run_resonant_qlt
from .solve import POWER_NORMALIZATION, QLTConfig, QLTResult, run_qlt_solver, unstable_bands

__all__ = [
    "POWER_NORMALIZATION",
    "KineticResult",
    "QLTConfig",
    "QLTResult",
    "ResonantFinalState",
    "resonant_branch",
    "resonant_final_state",
    "run_kinetic",
    "run_qlt_solver",
    "run_resonant_qlt",
    "unstable_bands",
]
