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
    "spectrum_is_real",
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


REAL_SPECTRUM_GAP_SAMPLES = np.array([0.25, 0.5, 0.75])
r"""Where :func:`spectrum_is_real` samples :math:`\mathcal D_N` inside each gap between two neighbouring beam
frequencies (fractions of the gap), besides the signs at its two ends (the residues)."""

REAL_SPECTRUM_RAY_SAMPLES = np.array([1e-3, 0.03, 0.3, 3.0, 30.0, 1e3])
"""Where :func:`spectrum_is_real` samples the two rays beyond the outermost beam frequencies, in units of
(1 + the spread of the beam frequencies) from the outermost one (a superluminal eigenvalue lies there)."""


def _split_pole_terms(gs: GridState, omega: np.ndarray, k: np.ndarray, j: np.ndarray):
    r"""``(A, B, Gj, eA, eB)`` at real ``omega`` (flat, with its ``k``): :math:`\mathcal D_N=A+G_jB` with the pole of
    node ``j`` split off (see :func:`spectrum_is_real`), :math:`G_j=1/(\omega-kv_j)`, and bounds on the rounding
    errors of A and B."""
    v, m = gs.v, gs.m
    eps = np.finfo(float).eps
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        G = 1.0 / (omega[:, None] - k[:, None] * v[None, :])
        rows = np.arange(omega.size)
        Gj = G[rows, j]
        G[rows, j] = 0.0
        Jp = G @ m  # J_n' (the sums without node j)
        mj = m[j]
        A = _det(Jp)
        B = mj[:, 2] * (1.0 - Jp[:, 0]) - mj[:, 0] * (1.0 + Jp[:, 2]) + 2.0 * mj[:, 1] * Jp[:, 1]
        # rounding of the sums: nv terms, each 1/(omega - k v_l) with relative error ~ eps (|omega| + |k v_l|) |G_l|
        aG = np.abs(G)
        reach = np.abs(omega)[:, None] + np.abs(k)[:, None] * np.abs(v)[None, :]
        e = eps * ((aG * (v.size + 4.0 * reach * aG)) @ np.abs(m))
        aJ, amj = np.abs(Jp), np.abs(mj)
        eA = 4.0 * (e[:, 0] * (1 + aJ[:, 2]) + e[:, 2] * (1 + aJ[:, 0]) + 2 * e[:, 1] * aJ[:, 1]
                    + eps * (np.abs(1 - Jp[:, 0]) * np.abs(1 + Jp[:, 2]) + aJ[:, 1] ** 2))
        eB = 4.0 * (amj[:, 2] * e[:, 0] + amj[:, 0] * e[:, 2] + 2 * amj[:, 1] * e[:, 1]
                    + eps * (amj[:, 2] * np.abs(1 - Jp[:, 0]) + amj[:, 0] * np.abs(1 + Jp[:, 2]) + 2 * amj[:, 1] * aJ[:, 1]))
    return A, B, Gj, eA, eB


def spectrum_is_real(gs: GridState, K: np.ndarray) -> np.ndarray:
    r"""For each K: True where every eigenvalue of :math:`M(K)` is proven real (no unstable and no damped mode of
    the discrete system), False where that is not proven (eig must decide)  [docs §3].

    With the beam frequencies :math:`\omega_j=kv_j` distinct, the rank-2 structure of :math:`M` gives
    :math:`\mathcal D_N(\Omega,K)=\det(\Omega-M)/\prod_j(\Omega-kv_j+D_0)` (the matrix determinant lemma), so on
    the real axis :math:`\mathcal D_N` is real and continuous between neighbouring poles and tends to 1 at
    :math:`\pm\infty`.  Split off the pole of node j, :math:`J_n=J_n'+m_{nj}G_j` with :math:`G_j=1/(\omega-kv_j)`:
    :math:`\mathcal D_N=A+G_jB`, :math:`A=(1-J_0')(1+J_2')+J_1'^2`,
    :math:`B=m_{2j}(1-J_0')-m_{0j}(1+J_2')+2m_{1j}J_1'` (the :math:`G_j^2` term, :math:`m_{1j}^2-m_{0j}m_{2j}`, is
    zero since :math:`m_{nj}=w_jD_jv_j^n`).  So just above the pole :math:`\mathcal D_N` has the sign of B there and
    just below the opposite one.  Along each interval between poles (and on the two outer rays) the signs at its ends
    and at :data:`REAL_SPECTRUM_GAP_SAMPLES` (:data:`REAL_SPECTRUM_RAY_SAMPLES`) are compared: every sign change
    brackets a real eigenvalue, and ``Nv`` disjoint brackets are all ``Nv`` eigenvalues.  A sign counts only where the
    value exceeds a bound on its rounding error; dropping one can only lose sign changes, so an unresolved case (an
    interval with two eigenvalues between samples, a node with :math:`D_j\approx0`) returns False.

    Several times cheaper than eig(M) on 100 nodes; the searches for unstable roots skip eig where it returns True.
    """
    K = np.atleast_1d(np.asarray(K, dtype=float))
    v = gs.v
    nv = v.size
    out = np.zeros(K.size, dtype=bool)
    if nv < 2:
        return out
    T, R = REAL_SPECTRUM_GAP_SAMPLES, REAL_SPECTRUM_RAY_SAMPLES
    nt, nr = T.size, R.size
    for i, Ki in enumerate(K):
        k = Ki + gs.D1
        order = np.argsort(k * v, kind="stable")  # nodes by beam frequency
        poles = k * v[order]
        gaps = np.diff(poles)
        if not gaps.min() > 1e-12 * (1.0 + np.abs(poles).max()):
            continue
        # the signs of B at the poles (their residues)
        _, B, _, _, eB = _split_pole_terms(gs, poles, np.full(nv, k), order)
        sB = np.where(np.isfinite(B) & (np.abs(B) > 4.0 * eB), np.sign(B), 0.0)
        # samples inside the gaps (nearest pole split off) and on the rays (the outermost pole split off)
        ray = R * (1.0 + poles[-1] - poles[0])
        om = np.concatenate([poles[0] - ray[::-1], (poles[:-1, None] + gaps[:, None] * T[None, :]).ravel(),
                             poles[-1] + ray])
        near = np.concatenate([np.zeros(nr, int), (np.arange(nv - 1)[:, None] + (T >= 0.5)[None, :]).ravel(),
                               np.full(nr, nv - 1)])
        A, B, Gj, eA, eB = _split_pole_terms(gs, om, np.full(om.size, k), order[near])
        F = A + Gj * B
        eF = eA + np.abs(Gj) * eB + 4.0 * np.finfo(float).eps * (np.abs(A) + np.abs(Gj * B) * (1.0 + np.abs(om) * np.abs(Gj)))
        sF = np.where(np.isfinite(F) & (np.abs(F) > 4.0 * eF), np.sign(F), 0.0)
        # each interval, in order: its lower end (+1 at -inf, or just above a pole), its samples, its upper end
        lo = np.r_[1.0, sB]  # nv + 1 intervals
        hi = np.r_[-sB, 1.0]
        mid = np.full((nv + 1, max(nt, nr)), 0.0)
        mid[0, :nr] = sF[:nr]
        mid[1:nv, :nt] = sF[nr:nr + (nv - 1) * nt].reshape(nv - 1, nt)
        mid[nv, :nr] = sF[nr + (nv - 1) * nt:]
        seq = np.concatenate([lo[:, None], mid, hi[:, None]], axis=1)
        # sign changes between consecutive nonzero signs of one interval (a zero breaks the pair: conservative)
        nz = seq != 0
        last = np.maximum.accumulate(np.where(nz, np.arange(seq.shape[1])[None, :], -1), axis=1)
        prev = np.concatenate([np.full((nv + 1, 1), -1), last[:, :-1]], axis=1)  # the last nonzero sign before
        changed = nz & (prev >= 0) & (seq != np.take_along_axis(seq, np.maximum(prev, 0), axis=1))
        out[i] = int(changed.sum()) >= nv
    return out


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
