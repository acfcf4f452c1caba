r"""Time steppers of the QKE box solver: symmetric splitting compositions (a registry).

The QKE [F2 eq. 4] is split into two exactly or accurately solvable parts
(docs §2):

* **A — streaming + background refraction**, exact in Fourier space:
  :math:`\psi_{v,K}\to e^{-i(vK + v\bar D_1-\bar D_0)\tau}\psi_{v,K}`,
  :math:`D_{v,K}\to e^{-ivK\tau}D_{v,K}`, with :math:`\bar D_0,\bar D_1` the box-averaged
  moments of the *initial* state (a fixed rotating frame, exact for any value);
* **B — local refraction** (pointwise in z), the precession
  :math:`\partial_t\mathbf P_v=(\mathbf H_v-\bar{\mathbf H}_v)\times\mathbf P_v` with
  :math:`\mathbf P_v=(\mathrm{Re}\,\psi_v,\mathrm{Im}\,\psi_v,D_v)`,
  :math:`\mathbf H_v=\mathbf P_0-v\mathbf P_1` and :math:`\bar{\mathbf H}_v=(0,0,\bar D_0-v\bar D_1)`,
  integrated with one classical RK4 step (see :mod:`flavomon.qke.rhs`).

A scheme is the symmetric composition
:math:`e^{a_{s+1}hA}e^{b_shB}\cdots e^{b_1hB}e^{a_1hA}` with :math:`a_{s+1}=a_1`.  Consecutive
A-flows of successive steps are merged, so one step costs ``s`` streaming sub-steps (one FFT pair
of psi and D each) and ``s`` local RK4 steps.

Registered schemes (``STEPPERS``):

* ``"strang"`` — Strang splitting, order 2 [Strang 1968].
* ``"bm4"`` — the 6-stage order-4 composition S6 of Blanes & Moan [Blanes & Moan 2002, J. Comput.
  Appl. Math. 142, 313, Table 2, "S6"]; error constant ~100x smaller than Yoshida's triple jump.
  Default.

The order in dt of the whole scheme is ``min(order, 4)`` (RK4 local step); measured slopes are in
``tests/qke/test_qke_physics.py::test_order_in_dt`` (run over every registered stepper).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import FlavomonInputError

__all__ = ["Composition", "STEPPERS", "get_stepper", "RK4_IMAG_STABILITY"]

RK4_IMAG_STABILITY = 2.0 * np.sqrt(2.0)
"""Extent of the classical RK4 stability region on the imaginary axis, 2 sqrt(2)."""


@dataclass(frozen=True)
class Composition:
    """A symmetric splitting composition ``A(a1 h) B(b1 h) A(a2 h) ... B(bs h) A(a_{s+1} h)``."""

    name: str
    a: tuple[float, ...]
    b: tuple[float, ...]
    order: int
    reference: str

    def __post_init__(self) -> None:
        if len(self.a) != len(self.b) + 1:
            raise ValueError("a composition needs len(a) == len(b) + 1")
        if abs(sum(self.a) - 1) > 1e-14 or abs(sum(self.b) - 1) > 1e-14:
            raise ValueError(f"coefficients of {self.name} must sum to 1")

    @property
    def stages(self) -> int:
        """Streaming + local sub-steps per step (after merging A-flows of successive steps)."""
        return len(self.b)

    @property
    def b_max(self) -> float:
        """Largest ``|b_i|``: the longest local sub-step is ``b_max * dt``."""
        return float(max(abs(x) for x in self.b))

    def stage_a(self) -> tuple[float, ...]:
        """A-coefficients applied before each B sub-step, first one merged: ``(a_{s+1}+a_1, a_2, ..., a_s)``."""
        return (self.a[-1] + self.a[0],) + tuple(self.a[1:-1])


def _bm4() -> Composition:
    a1, a2, a3 = 0.0792036964311957, 0.353172906049774, -0.0420650803577195
    a4 = 1.0 - 2.0 * (a1 + a2 + a3)
    b1, b2 = 0.209515106613362, -0.143851773179818
    b3 = 0.5 - (b1 + b2)
    return Composition(
        "bm4",
        (a1, a2, a3, a4, a3, a2, a1),
        (b1, b2, b3, b3, b2, b1),
        4,
        "Blanes & Moan 2002, J. Comput. Appl. Math. 142, 313 (S6, order 4)",
    )


STEPPERS: dict[str, Composition] = {
    "strang": Composition("strang", (0.5, 0.5), (1.0,), 2, "Strang 1968, SIAM J. Numer. Anal. 5, 506"),
    "bm4": _bm4(),
}


def get_stepper(name: str) -> Composition:
    """The registered composition called ``name``."""
    try:
        return STEPPERS[name]
    except KeyError:
        raise FlavomonInputError(f"unknown QKE stepper {name!r} (known: {', '.join(STEPPERS)})") from None
