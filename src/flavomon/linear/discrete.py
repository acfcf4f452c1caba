r"""The discrete ("multi-beam") dispersion relation of a velocity grid  [F2 eqs. 7, 8, 22, 24; docs §3].

This module is the one home of the linear theory on the ``Nv``-node grid that the box solver,
full QLT and the QKE checks use.

Matrix form [F2 eq. 7/14]: on nodes :math:`v_j` with weights :math:`w_j` the linearised QKE is
:math:`i\partial_t\psi = M\psi` with

.. math:: M_{jl} = (k v_j - D_0)\,\delta_{jl} + D_j w_l (1 - v_j v_l),\qquad k = K + D_1,

so the eigenvalues of M (:func:`discrete_matrix`, :func:`discrete_eigenvalues`) are the mode
frequencies :math:`\Omega(K)` of the discretised system; :math:`D_0, D_1` are the quadrature moments
of the same ``D_v``.

Determinant form [F2 eqs. 8, 22; docs §3 "tensor form"]: with :math:`\omega=\Omega+D_0`,
:math:`k=K+D_1` and the grid sums

.. math:: J_n(\Omega,K)=\sum_j w_j\,\frac{D_j v_j^n}{\omega-kv_j},\qquad n = 0, 1, 2,

the eigenvalue condition of :math:`M(K)` (a diagonal plus a rank-2 matrix) is

.. math:: \mathcal D_N(\Omega,K)=(1-J_0)(1+J_2)+J_1^2=\frac{K}{k}\,\varepsilon_N(\Omega,K),
          \qquad \varepsilon_N = 1-J_0+J_1\,\Omega/K,

which, unlike :math:`\varepsilon_N`, is regular at ``K = 0`` and ``k = 0`` [docs §3 "always
root-find on calD"].  Plain grid sums, no Landau continuation (correct for Im Omega > 0, which is
all QLT needs); cost ~ 10 * size * Nv flops.  Newton on :math:`\mathcal D_N` warm-started from a
previous root (:func:`newton_step`) replaces eig(M) inside a QLT loop.

Two layers share one implementation:

* the batch kernels on a :class:`GridState` (:func:`dispersion_terms`, :func:`newton_step`,
  :func:`eps_and_derivative`, :func:`projection_factor`, :func:`X_factor`), vectorised over
  a flat batch of roots ``(Omega_r, K_r)`` — what QLT calls in its inner loop;
* the broadcasting conveniences :func:`grid_integrals`, :func:`eps_N`, :func:`det_D_N` that
  take ``(D_v, v, w)`` and any broadcast shape of ``(Omega, K)``; they build a
  :class:`GridState` and call the kernels above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "GridState",
    "dispersion_terms",
    "newton_step",
    "eps_and_derivative",
    "projection_factor",
    "X_factor",
    "discrete_matrix",
    "discrete_eigenvalues",
    "grid_integrals",
    "eps_N",
    "det_D_N",
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
        Quadrature moments :math:`\sum_j w_jD_jv_j^n` [docs §1].
    """

    v: np.ndarray
    w: np.ndarray
    D_v: np.ndarray
    m: np.ndarray
    D0: float
    D1: float

    @classmethod
    def build(cls, D_v: np.ndarray, v: np.ndarray, w: np.ndarray) -> "GridState":
        """The grid state of ``D_v`` on nodes ``v`` with weights ``w``."""
        D_v = np.asarray(D_v, dtype=float)
        wD = w * D_v
        m = np.stack([wD, wD * v, wD * v * v], axis=1)
        return cls(v=v, w=w, D_v=D_v, m=m, D0=float(m[:, 0].sum()), D1=float(m[:, 1].sum()))


def resolvent(gs: GridState, Omega: np.ndarray, K: np.ndarray) -> np.ndarray:
    r"""Resolvent :math:`G_{rj}=1/(\omega_r-k_rv_j)`, shape ``(n, Nv)``, for flat ``Omega``, ``K``."""
    omega = Omega + gs.D0
    k = K + gs.D1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return 1.0 / (omega[:, None] - k[:, None] * gs.v[None, :])


def dispersion_terms(gs: GridState, Omega: np.ndarray, K: np.ndarray, *, derivative: bool = True):
    r"""``(G, J, dJ)``: resolvent, :math:`J_n` (n, 3) and :math:`\partial_\Omega J_n` (n, 3)  [F2 eq. 22].

    Parameters
    ----------
    gs : GridState
        The current distribution on the grid.
    Omega, K : ndarray (n,)
        Complex frequencies and real wavenumbers of a flat batch of points.
    derivative : bool
        Also return :math:`\partial_\Omega J_n=-\sum_j w_jD_jv_j^n/(\omega-kv_j)^2` (K held
        fixed); None otherwise.

    Returns
    -------
    G : ndarray (n, Nv)
    J : ndarray (n, 3)
    dJ : ndarray (n, 3) or None
    """
    G = resolvent(gs, Omega, K)
    J = G @ gs.m
    dJ = -((G * G) @ gs.m) if derivative else None
    return G, J, dJ


def _det(J: np.ndarray) -> np.ndarray:
    r""":math:`\mathcal D_N=(1-J_0)(1+J_2)+J_1^2` from the grid sums (last axis n = 0, 1, 2)."""
    return (1.0 - J[..., 0]) * (1.0 + J[..., 2]) + J[..., 1] ** 2


def _det_derivative(J: np.ndarray, dJ: np.ndarray) -> np.ndarray:
    r""":math:`\partial_\Omega\mathcal D_N` from :math:`J_n` and :math:`\partial_\Omega J_n`."""
    return -dJ[..., 0] * (1.0 + J[..., 2]) + (1.0 - J[..., 0]) * dJ[..., 2] + 2.0 * J[..., 1] * dJ[..., 1]


def newton_step(J: np.ndarray, dJ: np.ndarray) -> np.ndarray:
    r"""Newton correction :math:`-\mathcal D_N/\partial_\Omega\mathcal D_N` for each root  [docs §3].

    Parameters
    ----------
    J, dJ : ndarray (n, 3)
        :math:`J_n` and :math:`\partial_\Omega J_n` from :func:`dispersion_terms`.

    Returns
    -------
    ndarray (n,)
        The step; non-finite where :math:`\partial_\Omega\mathcal D_N = 0` (the caller treats
        these as failures).
    """
    F = _det(J)
    dF = _det_derivative(J, dJ)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return -F / dF


def _eps_terms(Omega, K, J, dJ):
    eps = 1.0 - J[..., 0] + J[..., 1] * Omega / K
    deps = -dJ[..., 0] + dJ[..., 1] * Omega / K + J[..., 1] / K
    return eps, deps


def eps_and_derivative(gs: GridState, Omega: np.ndarray, K: np.ndarray):
    r""":math:`\varepsilon_N` and :math:`\partial_\Omega\varepsilon_N` on the grid  [F2 eq. 22].

    :math:`\partial_\Omega\varepsilon_N=-\partial J_0+\partial J_1\,\Omega/K+J_1/K`.  Flat batch
    ``Omega``, ``K`` of shape ``(n,)``; requires ``K != 0``.

    Returns
    -------
    eps, deps : ndarray (n,)
    """
    _, J, dJ = dispersion_terms(gs, Omega, K)
    return _eps_terms(Omega, K, J, dJ)


def projection_factor(gs: GridState, Omega: np.ndarray, K: np.ndarray, profile_w: np.ndarray) -> np.ndarray:
    r"""Seed projection on the discrete grid  [F2 eq. 24, docs §3].

    .. math:: \frac{|\psi^{QLT}_{0,K}|^2}{|\psi^{QKE}_{0,K}(0)|^2}=
       \frac{\big|J_1/K+\sum_j w_j\,p_j/(\omega-kv_j)\big|^2}{|\partial_\Omega\varepsilon_N|^2},

    the squared amplitude of the eigenmode at the root ``Omega`` in the eigen-decomposition of
    the seed :math:`\psi_v(0)=p(v)\,\psi_0(0)` (checked against ``expm(-iMt)`` in the tests).

    Parameters
    ----------
    gs : GridState
        The distribution on the grid.
    Omega, K : ndarray (n,)
        Roots of :math:`\mathcal D_N` and their wavenumbers (flat batch, ``K != 0``).
    profile_w : ndarray (Nv,) or (n, Nv)
        ``w_j p_j`` with :math:`p_j=\psi_{v_j}(0)/\psi_0(0)` normalised so that
        :math:`\sum_jw_jp_j=1`; the F2 seed :math:`p=1/2` is ``0.5 * w``.  Two-dimensional: one
        profile per root (e.g. an evolved vector, docs §11).

    Returns
    -------
    ndarray (n,)
    """
    G, J, dJ = dispersion_terms(gs, Omega, K)
    deps = -dJ[:, 0] + dJ[:, 1] * Omega / K + J[:, 1] / K
    pw = np.asarray(profile_w)
    br = J[:, 1] / K + (G @ pw if pw.ndim == 1 else np.einsum("ij,ij->i", G, pw))
    return np.abs(br) ** 2 / np.abs(deps) ** 2


def X_factor(gs: GridState, Omega: np.ndarray, K: np.ndarray) -> np.ndarray:
    r""":math:`X_K=\sum_jw_jD_j(1-v_j\Omega/K)^2/(\omega-kv_j)^2` on the grid [docs §3]; :math:`Z=1/X`.

    Flat batch ``Omega``, ``K`` of shape ``(n,)``; returns shape ``(n,)``.
    """
    G = resolvent(gs, Omega, K)
    a = (1.0 - (Omega / K)[:, None] * gs.v[None, :]) * G
    return (a * a) @ gs.m[:, 0]


# ---------------------------------------------------------------------------------------
# matrix form
def discrete_matrix(D_v: np.ndarray, v: np.ndarray, w: np.ndarray, K: float) -> np.ndarray:
    """The matrix M(K) of the linearised QKE on the grid  [F2 eq. 7, docs §3].

    Parameters
    ----------
    D_v, v, w : ndarray (Nv,)
        Distribution on the nodes, nodes and weights.
    K : float
        Wavenumber (unshifted; ``k = K + D1``).

    Returns
    -------
    ndarray (Nv, Nv)
    """
    D_v = np.asarray(D_v, dtype=float)
    D0 = float(np.sum(w * D_v))
    D1 = float(np.sum(w * v * D_v))
    k = K + D1
    M = (D_v[:, None] * w[None, :]) * (1.0 - np.outer(v, v))
    M[np.diag_indices_from(M)] += k * v - D0
    return M


def discrete_eigenvalues(D_v: np.ndarray, v: np.ndarray, w: np.ndarray, K: float | np.ndarray) -> np.ndarray:
    """All eigenvalues Omega of M(K)  [F2 eq. 7, docs §3].

    Returns
    -------
    ndarray
        Shape ``(Nv,)`` for scalar ``K`` or ``(n_K, Nv)`` for array ``K``, sorted by decreasing
        imaginary part (the fastest-growing mode first).
    """
    Ks = np.atleast_1d(np.asarray(K, dtype=float))
    out = np.empty((Ks.size, len(v)), dtype=complex)
    for i, Ki in enumerate(Ks):
        ev = np.linalg.eigvals(discrete_matrix(D_v, v, w, Ki))
        out[i] = ev[np.argsort(-ev.imag, kind="stable")]
    return out[0] if np.ndim(K) == 0 else out


# ---------------------------------------------------------------------------------------
# broadcasting conveniences on (D_v, v, w): the same kernels as above
def _flat_terms(Omega, K, D_v, v, w, derivative: bool):
    gs = GridState.build(D_v, np.asarray(v, dtype=float), np.asarray(w, dtype=float))
    Om, Kk = np.broadcast_arrays(np.asarray(Omega, dtype=complex), np.asarray(K, dtype=float))
    shape = Om.shape
    _, J, dJ = dispersion_terms(gs, Om.ravel(), Kk.ravel(), derivative=derivative)
    J = J.reshape(shape + (3,))
    if dJ is not None:
        dJ = dJ.reshape(shape + (3,))
    return Om, Kk, J, dJ


def grid_integrals(Omega, K, D_v: np.ndarray, v: np.ndarray, w: np.ndarray, *, derivative: bool = False):
    r"""Grid sums :math:`J_n=\sum_j w_jD_jv_j^n/(\omega-kv_j)`, n = 0, 1, 2 (last axis)  [F2 eq. 22].

    ``Omega`` (complex) and ``K`` (real) broadcast; :math:`\omega=\Omega+D_0`, :math:`k=K+D_1` with
    the grid moments of ``D_v``.

    Returns
    -------
    J : ndarray (..., 3)
        Or ``(J, dJ)`` with :math:`\partial_\Omega J_n` if ``derivative``.
    """
    _, _, J, dJ = _flat_terms(Omega, K, D_v, v, w, derivative)
    return (J, dJ) if derivative else J


def eps_N(Omega, K, D_v: np.ndarray, v: np.ndarray, w: np.ndarray, *, derivative: bool = False):
    r"""Discrete dispersion function :math:`\varepsilon_N=1-J_0+J_1\Omega/K`  [F2 eq. 22 on the grid].

    Returns ``eps`` or ``(eps, d eps/d Omega)``; broadcast over Omega and K; 1/K pole at K = 0.
    """
    Om, Kk, J, dJ = _flat_terms(Omega, K, D_v, v, w, derivative)
    with np.errstate(divide="ignore", invalid="ignore"):
        if not derivative:
            return 1.0 - J[..., 0] + J[..., 1] * Om / Kk
        return _eps_terms(Om, Kk, J, dJ)


def det_D_N(Omega, K, D_v: np.ndarray, v: np.ndarray, w: np.ndarray, *, derivative: bool = False):
    r"""Discrete :math:`\mathcal D_N=(1-J_0)(1+J_2)+J_1^2=(K/k)\,\varepsilon_N`  [docs §3].

    Finite at K = 0 and k = 0; its zeros are the eigenvalues of :func:`discrete_matrix`.
    Returns ``calD`` or ``(calD, d calD/d Omega)``; broadcast over Omega and K.
    """
    _, _, J, dJ = _flat_terms(Omega, K, D_v, v, w, derivative)
    d = _det(J)
    return (d, _det_derivative(J, dJ)) if derivative else d
