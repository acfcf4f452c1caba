r"""Discrete ("multi-beam") linear theory on the velocity grid a box solver uses.

[F2 eq. 7/14], physics.md §3: on nodes :math:`v_j` with weights :math:`w_j` the
linearised QKE is :math:`i\partial_t\psi = M\psi` with

.. math:: M_{jl} = (k v_j - D_0)\,\delta_{jl} + D_j w_l (1 - v_j v_l),\qquad k = K + D_1,

so the eigenvalues of M are the mode frequencies :math:`\Omega(K)` of the discretised system.
Here :math:`D_0, D_1` are the quadrature moments of the same ``D_v``.

Fast kernels for QLT (:func:`eps_N`, :func:`det_D_N`): the *discrete* dispersion function of the
grid, :math:`I_n^N=\sum_j w_jD_jv_j^n/(\omega-kv_j)`, whose zeros (away from the beam
frequencies :math:`\omega=kv_j`) are exactly the eigenvalues of M.  Plain grid sums, no Landau
continuation (correct for Im Omega > 0, which is all QLT needs), vectorised over any broadcast
shape of (Omega, K); cost ~ 10 * size * Nv flops.  Newton on :func:`det_D_N` from the previous
time step's root is a cheap replacement for eig(M) in a QLT loop.
"""

from __future__ import annotations

import numpy as np

__all__ = ["discrete_matrix", "discrete_eigenvalues", "eps_N", "det_D_N", "grid_integrals"]


def discrete_matrix(D_v: np.ndarray, v: np.ndarray, w: np.ndarray, K: float) -> np.ndarray:
    """The matrix M(K) of the linearised QKE on the grid  [F2 eq. 7, physics.md §3]."""
    D_v = np.asarray(D_v, dtype=float)
    D0 = float(np.sum(w * D_v))
    D1 = float(np.sum(w * v * D_v))
    k = K + D1
    M = (D_v[:, None] * w[None, :]) * (1.0 - np.outer(v, v))
    M[np.diag_indices_from(M)] += k * v - D0
    return M


def discrete_eigenvalues(D_v: np.ndarray, v: np.ndarray, w: np.ndarray, K: float | np.ndarray) -> np.ndarray:
    """All eigenvalues Omega of M(K), shape ``(Nv,)`` or ``(n_K, Nv)`` for array ``K``.

    Sorted by decreasing imaginary part (the fastest-growing mode first).
    """
    Ks = np.atleast_1d(np.asarray(K, dtype=float))
    out = np.empty((Ks.size, len(v)), dtype=complex)
    for i, Ki in enumerate(Ks):
        ev = np.linalg.eigvals(discrete_matrix(D_v, v, w, Ki))
        out[i] = ev[np.argsort(-ev.imag, kind="stable")]
    return out[0] if np.ndim(K) == 0 else out


def grid_integrals(Omega, K, D_v: np.ndarray, v: np.ndarray, w: np.ndarray, *, derivative: bool = False):
    r"""Grid sums :math:`I_n^N=\sum_j w_jD_jv_j^n/(\omega-kv_j)`, n = 0, 1, 2 (last axis)  [F2 eq. 22].

    Also :math:`J_n^N=\sum_j w_jD_jv_j^n/(\omega-kv_j)^2=-\partial_\Omega I_n^N` if ``derivative``.
    ``Omega`` (complex) and ``K`` (real) broadcast; :math:`\omega=\Omega+D_0`, :math:`k=K+D_1` with the
    grid moments of ``D_v``.
    """
    D_v = np.asarray(D_v, dtype=float)
    v = np.asarray(v, dtype=float)
    w = np.asarray(w, dtype=float)
    D0 = float(np.sum(w * D_v))
    D1 = float(np.sum(w * v * D_v))
    Om, Kk = np.broadcast_arrays(np.asarray(Omega, dtype=complex), np.asarray(K, dtype=float))
    W = np.stack([w * D_v, w * D_v * v, w * D_v * v * v], axis=1)  # (Nv, 3)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / ((Om + D0)[..., None] - (Kk + D1)[..., None] * v)
        I = inv @ W
        if not derivative:
            return I
        return I, (inv * inv) @ W


def eps_N(Omega, K, D_v: np.ndarray, v: np.ndarray, w: np.ndarray, *, derivative: bool = False):
    r"""Discrete dispersion function :math:`\varepsilon_N=1-I_0^N+I_1^N\Omega/K`  [F2 eq. 22 on the grid].

    Returns ``eps`` or ``(eps, d eps/d Omega)``; broadcast over Omega and K; 1/K pole at K = 0.
    """
    Om, Kk = np.broadcast_arrays(np.asarray(Omega, dtype=complex), np.asarray(K, dtype=float))
    r = grid_integrals(Om, Kk, D_v, v, w, derivative=derivative)
    I, J = (r if derivative else (r, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        eps = 1.0 - I[..., 0] + I[..., 1] * Om / Kk
        if not derivative:
            return eps
        deps = J[..., 0] - J[..., 1] * Om / Kk + I[..., 1] / Kk
    return eps, deps


def det_D_N(Omega, K, D_v: np.ndarray, v: np.ndarray, w: np.ndarray, *, derivative: bool = False):
    r"""Discrete :math:`\mathcal D_N=(1-I_0^N)(1+I_2^N)+(I_1^N)^2=(K/k)\,\varepsilon_N`  [physics.md §3].

    Finite at K = 0 and k = 0; its zeros are the eigenvalues of :func:`discrete_matrix`.
    Returns ``calD`` or ``(calD, d calD/d Omega)``.
    """
    r = grid_integrals(Omega, K, D_v, v, w, derivative=derivative)
    I, J = (r if derivative else (r, None))
    d = (1.0 - I[..., 0]) * (1.0 + I[..., 2]) + I[..., 1] ** 2
    if not derivative:
        return d
    dd = J[..., 0] * (1.0 + I[..., 2]) - (1.0 - I[..., 0]) * J[..., 2] - 2.0 * I[..., 1] * J[..., 1]
    return d, dd
