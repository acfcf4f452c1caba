r"""Discrete ("multi-beam") linear theory on the velocity grid a box solver uses.

[F2 eq. 7/14], physics.md §3: on nodes :math:`v_j` with weights :math:`w_j` the
linearised QKE is :math:`i\partial_t\psi = M\psi` with

.. math:: M_{jl} = (k v_j - D_0)\,\delta_{jl} + D_j w_l (1 - v_j v_l),\qquad k = K + D_1,

so the eigenvalues of M are the mode frequencies :math:`\Omega(K)` of the discretised system.
Here :math:`D_0, D_1` are the quadrature moments of the same ``D_v``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["discrete_matrix", "discrete_eigenvalues"]


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
