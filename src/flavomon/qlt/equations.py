r"""Vectorised kernels of the *discrete* dispersion relation and the QLT right-hand sides.

Everything here works on the same ``Nv``-node Gauss–Legendre grid as the QKE box solver, so
that the QLT roots are exactly the eigenvalues of the linearised-QKE matrix
:math:`M(K)` [physics.md §3] (``flavomon.linear.discrete.discrete_eigenvalues`` is the
reference).  All functions are vectorised over a batch of roots ``(Omega_r, K_r)``.

Discrete dispersion relation [F2 eq. 8, 22; physics.md §3 "tensor form"]
-------------------------------------------------------------------------
With :math:`\omega=\Omega+D_0`, :math:`k=K+D_1` (moments of the *current* ``D_v``) and

.. math:: J_n(\Omega,K)=\sum_j w_j\,\frac{D_j v_j^n}{\omega-kv_j},

the eigenvalue condition of :math:`M(K)` (a diagonal plus a rank-2 matrix) is the
determinant form

.. math:: \mathcal D_N(\Omega,K)=(1-J_0)(1+J_2)+J_1^2=\frac{K}{k}\,\varepsilon_N(\Omega,K),
          \qquad \varepsilon_N = 1-J_0+J_1\,\Omega/K,

which, unlike :math:`\varepsilon_N`, is regular at ``K = 0`` and ``k = 0`` [physics.md §3
"always root-find on calD"].  Newton's method is applied to :math:`\mathcal D_N`.

QLT coupling [F2 eqs. 10–11, physics.md §5]
-------------------------------------------
For an unstable root :math:`\Omega=\Omega_R+i\gamma` the diffusion rate of ``D_v`` is
:math:`\Gamma_v=\sum_r \mathcal P_r\,\gamma_r\,\mathcal L_r(v)\,dk` with the Lorentzian kernel

.. math:: \mathcal L_r(v)=\frac{|1-\Omega_r v/K_r|^2}{(\omega_R-kv)^2+\gamma^2}
          =\Big|\frac{1-\Omega_r v/K_r}{\omega_r-k v}\Big|^2 .

At an exact root, :math:`\sum_j w_jD_j\mathcal L_r(v_j)=0` [F2 eq. 13] — proof: with
:math:`a_j=(1-\Omega v_j/K)/(\omega-kv_j)` the eigenmode [F2 eq. 8] gives
:math:`\sum w D a=1`, :math:`\sum wDva=\Omega/K`, and
:math:`(\omega-\omega^*)\sum wD|a|^2=1-|\Omega|^2/K^2-1+|\Omega|^2/K^2=0`.  This identity on
the *discrete* grid is what makes the integrator of :mod:`flavomon.qlt.solve` conserve
:math:`D_0` to round-off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "GridState",
    "dispersion_terms",
    "det_D",
    "newton_step",
    "eps_and_derivative",
    "coupling_kernel",
    "projection_factor",
    "X_factor",
]


@dataclass(frozen=True)
class GridState:
    r"""Quantities of the current ``D_v`` on the velocity grid that every kernel needs.

    Attributes
    ----------
    v, w : ndarray (Nv,)
        Gauss–Legendre nodes and weights.
    D_v : ndarray (Nv,)
        Current angular distribution.
    m : ndarray (Nv, 3)
        Columns ``w D``, ``w D v``, ``w D v^2`` (the weights of :math:`J_0, J_1, J_2`).
    D0, D1 : float
        Quadrature moments :math:`\sum_j w_jD_jv_j^n` [physics.md §1].
    """

    v: np.ndarray
    w: np.ndarray
    D_v: np.ndarray
    m: np.ndarray
    D0: float
    D1: float

    @classmethod
    def build(cls, D_v: np.ndarray, v: np.ndarray, w: np.ndarray) -> "GridState":
        D_v = np.asarray(D_v, dtype=float)
        wD = w * D_v
        m = np.stack([wD, wD * v, wD * v * v], axis=1)
        return cls(v=v, w=w, D_v=D_v, m=m, D0=float(m[:, 0].sum()), D1=float(m[:, 1].sum()))


def _G(gs: GridState, Omega: np.ndarray, K: np.ndarray) -> np.ndarray:
    r"""Resolvent :math:`G_{rj}=1/(\omega_r-k_rv_j)`, shape ``(n, Nv)``."""
    omega = Omega + gs.D0
    k = K + gs.D1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return 1.0 / (omega[:, None] - k[:, None] * gs.v[None, :])


def dispersion_terms(gs: GridState, Omega: np.ndarray, K: np.ndarray, *, derivative: bool = True):
    r"""``(G, J, dJ)``: resolvent, :math:`J_n` (n, 3) and :math:`\partial_\Omega J_n` (n, 3).

    :math:`\partial_\Omega J_n=-\sum_j w_jD_jv_j^n/(\omega-kv_j)^2` (K held fixed).
    """
    G = _G(gs, Omega, K)
    J = G @ gs.m
    dJ = -((G * G) @ gs.m) if derivative else None
    return G, J, dJ


def det_D(J: np.ndarray) -> np.ndarray:
    r""":math:`\mathcal D_N=(1-J_0)(1+J_2)+J_1^2` [physics.md §3]."""
    return (1.0 - J[:, 0]) * (1.0 + J[:, 2]) + J[:, 1] ** 2


def newton_step(J: np.ndarray, dJ: np.ndarray) -> np.ndarray:
    r"""Newton correction :math:`-\mathcal D_N/\partial_\Omega\mathcal D_N` for each root."""
    F = det_D(J)
    dF = -dJ[:, 0] * (1.0 + J[:, 2]) + (1.0 - J[:, 0]) * dJ[:, 2] + 2.0 * J[:, 1] * dJ[:, 1]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return -F / dF  # non-finite where dF = 0: the caller treats these as failures


def eps_and_derivative(gs: GridState, Omega: np.ndarray, K: np.ndarray):
    r""":math:`\varepsilon_N` and :math:`\partial_\Omega\varepsilon_N` [F2 eq. 22] on the grid.

    :math:`\partial_\Omega\varepsilon_N=-\partial J_0+\partial J_1\,\Omega/K+J_1/K`.
    Requires ``K != 0``.
    """
    _, J, dJ = dispersion_terms(gs, Omega, K)
    eps = 1.0 - J[:, 0] + J[:, 1] * Omega / K
    deps = -dJ[:, 0] + dJ[:, 1] * Omega / K + J[:, 1] / K
    return eps, deps


def coupling_kernel(gs: GridState, Omega: np.ndarray, K: np.ndarray, G: np.ndarray | None = None) -> np.ndarray:
    r"""Lorentzian kernel :math:`\mathcal L_r(v_j)=|1-\Omega_rv_j/K_r|^2/|\omega_r-k_rv_j|^2` [F2 eq. 11].

    Shape ``(n, Nv)``; :math:`\Gamma_v=\sum_r dk\,\mathcal P_r\gamma_r\mathcal L_r(v)`.
    """
    if G is None:
        G = _G(gs, Omega, K)
    a = (1.0 - (Omega / K)[:, None] * gs.v[None, :]) * G
    return a.real**2 + a.imag**2


def projection_factor(gs: GridState, Omega: np.ndarray, K: np.ndarray, profile_w: np.ndarray) -> np.ndarray:
    r"""Seed projection [F2 eq. 24, physics.md §3] on the discrete grid.

    .. math:: \frac{|\psi^{QLT}_{0,K}|^2}{|\psi^{QKE}_{0,K}(0)|^2}=
       \frac{\big|J_1/K+\sum_j w_j\,p_j/(\omega-kv_j)\big|^2}{|\partial_\Omega\varepsilon_N|^2},

    where :math:`p_j=\psi_{v_j}(0)/\psi_0(0)` (``profile_w`` holds ``w_j p_j``; the F2 seed is
    :math:`p=1/2`).  It is the squared amplitude of the unstable eigenvector in the
    eigen-decomposition of the seed (checked against ``expm(-iMt)`` in the tests).
    """
    G, J, dJ = dispersion_terms(gs, Omega, K)
    deps = -dJ[:, 0] + dJ[:, 1] * Omega / K + J[:, 1] / K
    br = J[:, 1] / K + G @ profile_w
    return np.abs(br) ** 2 / np.abs(deps) ** 2


def X_factor(gs: GridState, Omega: np.ndarray, K: np.ndarray) -> np.ndarray:
    r""":math:`X_K=\sum_jw_jD_j(1-v_j\Omega/K)^2/(\omega-kv_j)^2` [physics.md §3], :math:`Z=1/X`."""
    G = _G(gs, Omega, K)
    a = (1.0 - (Omega / K)[:, None] * gs.v[None, :]) * G
    return (a * a) @ gs.m[:, 0]
