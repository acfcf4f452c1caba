r"""The fast-flavor QKE [F2 eq. 4] in a 1D periodic box with axial symmetry (docs §2, §4).

Method (details in the module docstrings):

* **Space**: pseudo-spectral in z (FFT, float64); streaming :math:`v\partial_z` and the background
  refraction :math:`\bar D_0-v\bar D_1` are integrated *exactly* in Fourier space
  (:mod:`~flavomon.qke.kernel`); the rest of the refraction is local in z (:mod:`~flavomon.qke.rhs`).
  No dealiasing (collocation products keep the pointwise invariants); the Nyquist mode of even
  grids is streamed with K = -pi Nz/L for psi and not streamed for the real D.
* **Time**: symmetric splitting compositions (:mod:`~flavomon.qke.steppers`): ``"bm4"`` (Blanes–Moan
  S6, order 4, default, dt = 0.5) or ``"strang"`` (order 2), local sub-steps by classical RK4.
  Measured slopes 4 and 2 (``tests/qke/test_qke_physics.py::test_order_in_dt``).
* **Invariants**: box :math:`D_0` is kept to round-off (a linear invariant of every RK stage and of the
  exact streaming); :math:`D_v^2+|\psi_v|^2` (quadratic) drifts at the scheme's error, O(dt^4).
* **Seed** (docs §4): flat :math:`|\psi_{0,K}|^2` on all Nz box modes (K = 0 and Nyquist
  included), phases from ``default_rng(seed + r)``, :math:`\psi_v=\psi_0/2` or a profile; or a
  user-supplied :math:`\psi_{0,K}`.
* **Resolution**: ``Nz="auto"`` (default) takes the smallest FFT-friendly Nz with
  :math:`\pi N_z/L\ge 3K_{\rm band}` (:mod:`~flavomon.qke.resolution`, from the committed convergence study).
* **Configuration**: a frozen :class:`QKEConfig`, resolved and validated once per run
  (:meth:`QKEConfig.resolve`: Nz, the automatic dt, the stability limit); back-end by default the
  fastest installed one (:func:`default_backend`).
* **Ensembles** (:func:`run_qke`) on spawned worker processes, bit-identical whatever the number
  of workers; atomic checkpoints and resume (:mod:`~flavomon.qke.checkpoint`).  Back-ends: NumPy
  (the reference, :mod:`~flavomon.qke.kernel`), the fused numba/ducc0 CPU kernel (default,
  :mod:`~flavomon.qke._numba`) and JAX (CPU/GPU, :mod:`~flavomon.qke._jax`).
"""

from .checkpoint import CheckpointStore
from .diagnostics import GrowthFit, fit_growth
from .evolve import QKEResult, run_ensemble, run_qke, run_realization
from .resolution import NZ_MARGIN, NzRule, nz_rule
from .state import BACKENDS, QKEConfig, default_backend, seed_state, stability_limit
from .steppers import STEPPERS

__all__ = [
    "BACKENDS",
    "NZ_MARGIN",
    "NzRule",
    "nz_rule",
    "STEPPERS",
    "CheckpointStore",
    "GrowthFit",
    "QKEConfig",
    "QKEResult",
    "default_backend",
    "fit_growth",
    "run_qke",
    "run_realization",
    "seed_state",
    "stability_limit",
]
