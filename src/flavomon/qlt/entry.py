r"""Labels that drift into a band: their exact linear evolution until QLT takes them over  [docs §11].

In a uniform matter gradient G every label of the QLT grid drifts, :math:`K_j(t)=K_j(0)+Gt`, and a label
that is stable at t = 0 enters an unstable band later.  What power its growing root starts with there
is a modelling choice, and it sets the critical gradient at the log level.  F2's seed [F2 eq. 24]
projects the QKE seed :math:`\psi_v(0)=p_v\psi_0(0)` on the growing eigenmode; done at the entry time it
fails: a band edge of type "bp" is an exceptional point (two real roots merge), where the projection on
the growing mode diverges, and the box's labels entering there come out 10-180 times weaker than that
projection (measured, benchmark a = 0.9, G = -0.004, docs §11).

So flavomon carries every such label exactly, as the box does (our choice): from t = 0 its vector
:math:`\psi_v(t)` obeys the linearised QKE of its mode, :math:`\partial_t\psi=-iM(K_j(t))\psi` [F2 eq. 7]
with the current :math:`D_v`, and only once its root has grown by :data:`HANDOVER_GAIN` (in
:math:`\ln\mathcal P`) since it entered is the vector projected on the growing eigenmode
(:func:`flavomon.linear.discrete.projection_factor`, the general vector form) and handed to QLT.  By
then the growing mode dominates its exceptional-point partner; the handed-over power agrees with the
exact linear evolution to about 10 % (measured, the same case).  While a label is carried here its power
:math:`|\sum_jw_j\psi_j|^2` is what the QLT spectrum shows; it does not act on D (in the linear phase it
could not, and entering labels start at the seed level).

Scheme: the QKE's splitting (the BM4 composition of :mod:`flavomon.qke.steppers`, fourth order) with
exact sub-flows, step :data:`SEED_STEP`.  :math:`M=\mathrm{diag}(kv-D_0)+UV^T`
with :math:`U=[D_v,\,-D_vv]`, :math:`V=[w,\,wv]` (rank 2): the diagonal part streams exactly, with the drift
phase :math:`e^{-ivG(t_2^2-t_1^2)/2}` of docs §11, and :math:`e^{-i\tau UV^T}=1+U\Phi V^T`,
:math:`\Phi=-i\tau\,\varphi_1(-i\tau V^TU)` from a 4x4 matrix exponential.  D enters through the tables,
refreshed when :math:`\sum_jw_j|\Delta D_j|` exceeds :data:`D_REFRESH` of :math:`\sum_jw_j|D_j(0)|`.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..linear.discrete import GridState, projection_factor, resolvent
from ..qke.steppers import get_stepper

__all__ = ["HANDOVER_GAIN", "SEED_STEP", "D_REFRESH", "PendingLabels", "eigenvector"]

HANDOVER_GAIN = 2.0
"""ln P a label's root must gain inside the band before its exact vector is projected on it (measured: the
prediction of the label's power at t = 110 is off by a factor 1.2-1.6 at a gain of ~0.8, by 0.99-1.12 at ~2.3;
projected at entry, by 5-116)."""

SEED_STEP = 1.0
"""Time step of the labels' linear evolution (BM4, as the QKE).  Measured, a label growing by e^11 over t = 110
against DOP853 at rtol 1e-10: relative error of its power 1e-4 at step 0.5, 1.7e-3 at 1, 2.6e-2 at 2 (Strang
splitting at 0.5: 0.3)."""

D_REFRESH = 1e-3
"""Relative change of D (in sum w|D|) after which the labels' evolution uses the new D."""


class PendingLabels:
    r"""The labels not yet handed to QLT: exact linear vectors on a fixed time grid of step :data:`SEED_STEP`.

    Parameters
    ----------
    gs : GridState
        The distribution at t = 0.
    idx : ndarray (n,) int
        Label (grid) indices.
    K0 : ndarray (n,)
        Their wavenumbers at t = 0.
    G : float
        The gradient.
    psi_v : ndarray (Nv,) complex
        The seed vector of every label, :math:`\sqrt{p_{\rm seed}}\,p_v` (F2: :math:`p_v=1/2`).
    """

    def __init__(self, gs: GridState, idx: np.ndarray, K0: np.ndarray, G: float, psi_v: np.ndarray) -> None:
        # rows [0, m) of the storage are in use (alive or dead); the storage grows by doubling and is compacted
        # when half of it is dead, so that adding and removing labels costs O(rows added/removed)
        idx = np.asarray(idx, dtype=int)
        self._m = idx.size
        self._idx = idx.copy()
        self._K0 = np.asarray(K0, dtype=float).copy()
        self._alive = np.ones(idx.size, dtype=bool)
        self.G = float(G)
        self.v, self.w = gs.v, gs.w
        self._chi = np.tile(np.asarray(psi_v, dtype=complex), (idx.size, 1))  # chi = psi e^{i v G t^2/2}
        self.t = 0.0
        self.h = SEED_STEP
        self._absD0 = float(np.sum(gs.w * np.abs(gs.D_v))) or 1.0
        self._tables(gs)

    # the alive rows, in storage order (views when nothing is dead)
    @property
    def idx(self) -> np.ndarray:
        return self._idx[: self._m][self._alive[: self._m]]

    @property
    def K0(self) -> np.ndarray:
        return self._K0[: self._m][self._alive[: self._m]]

    @property
    def chi(self) -> np.ndarray:
        return self._chi[: self._m][self._alive[: self._m]]

    @property
    def n(self) -> int:
        return int(np.count_nonzero(self._alive[: self._m]))

    def _row_tables(self, K0: np.ndarray) -> list[np.ndarray]:
        k = K0[:, None] + self.gs.D1
        om = k * self.gs.v[None, :] - self.gs.D0
        return [np.exp(-1j * om * (a * self.h)) for a in self._a]  # streaming without the drift

    def _tables(self, gs: GridState) -> None:
        self.gs = gs
        v, w, D = gs.v, gs.w, gs.D_v
        comp = get_stepper("bm4")
        self._a = [float(a) for a in comp.a]  # A sub-flows (s + 1), B sub-flows (s) between them
        self._b = [float(b) for b in comp.b]
        self._A = self._row_tables(self._K0)
        self._U = np.stack([D, -D * v], axis=1)  # (Nv, 2)
        self._Vm = np.stack([w, w * v], axis=1)
        C = self._Vm.T @ self._U  # V^T U: the same in the drifting variable (the phases cancel)
        self._Phi = []
        for b in self._b:
            tau = b * self.h
            big = np.zeros((4, 4), dtype=complex)
            big[:2, :2] = -1j * tau * C
            big[:2, 2:] = np.eye(2)
            self._Phi.append(-1j * tau * sla.expm(big)[:2, 2:])  # exp(-i tau U V^T) = 1 + U Phi V^T

    def advance_to(self, t: float, gs: GridState) -> None:
        r"""Step the vectors to the last grid time <= ``t`` with the distribution ``gs``.

        The vectors are kept as :math:`\chi_v=\psi_ve^{ivGt^2/2}`, which streams with the static tables; the drift
        phase then sits in the rank-2 factors, :math:`U\to e^{ivGt^2/2}U`, :math:`V\to e^{-ivGt^2/2}V` (O(Nv) per
        sub-step instead of a pass over all labels)."""
        if self.n == 0:
            self.t = max(self.t, self.h * np.floor(t / self.h + 1e-9))
            return
        h = self.h
        if self.t + h > t * (1 + 1e-12) + 1e-12:
            return
        if float(np.sum(gs.w * np.abs(gs.D_v - self.gs.D_v))) > D_REFRESH * self._absD0:
            self._tables(gs)
        m = self._m
        chi = self._chi[:m]  # dead rows are zero: they ride along (compaction keeps them few)
        A = [a[:m] for a in self._A]
        while self.t + h <= t * (1 + 1e-12) + 1e-12:
            ta = self.t
            for j, a in enumerate(self._a):
                ta = ta + a * h
                chi *= A[j]
                if j < len(self._b):
                    e = self._theta(ta)
                    Vt = self._Vm / e[:, None]
                    UPt = ((self._U * e[:, None]) @ self._Phi[j]).T
                    chi += (chi @ Vt) @ UPt
            self.t += h

    def _theta(self, t: float) -> np.ndarray:
        return np.exp(0.5j * self.G * t * t * self.v)

    @property
    def psi(self) -> np.ndarray:
        r"""The vectors :math:`\psi_v` (n, Nv) at time :attr:`t`."""
        return self.chi / self._theta(self.t)[None, :]

    def power(self) -> np.ndarray:
        r""":math:`|\psi_{0,K}|^2=|\sum_jw_j\psi_j|^2` of every pending label (per box mode)."""
        return np.abs(self.chi @ (self.w / self._theta(self.t))) ** 2

    def K_now(self) -> np.ndarray:
        """The labels' wavenumbers at the vectors' time."""
        return self.K0 + self.G * self.t

    def mode_power(self, rows: np.ndarray, Omega: np.ndarray) -> np.ndarray:
        r"""|psi_0|^2 of the component of the vectors ``rows`` along the roots ``Omega`` at their K (the
        time of the vectors): the projection of [F2 eq. 24] for a general vector,
        :math:`|(J_1/K)\sum_jw_j\psi_j+\sum_jG_jw_j\psi_j|^2/|\partial_\Omega\varepsilon_N|^2`."""
        wpsi = self.chi[rows] * (self.w / self._theta(self.t))[None, :]
        s = wpsi.sum(axis=1)
        out = np.zeros(len(rows))
        nz = np.abs(s) > 0
        if nz.any():
            prof = wpsi[nz] / s[nz, None]
            K = self.K_now()[rows][nz]
            out[nz] = projection_factor(self.gs, np.asarray(Omega)[nz], K, prof) * np.abs(s[nz]) ** 2
        return out

    def _storage_rows(self, rows: np.ndarray) -> np.ndarray:
        return np.flatnonzero(self._alive[: self._m])[np.asarray(rows, dtype=int)]

    def remove(self, rows: np.ndarray) -> None:
        """Stop carrying the alive rows ``rows`` (positions in :attr:`idx`)."""
        r = self._storage_rows(rows)
        self._alive[r] = False
        self._chi[r] = 0.0
        if self._m > 64 and np.count_nonzero(self._alive[: self._m]) < self._m // 2:
            keep = np.flatnonzero(self._alive[: self._m])
            n = keep.size
            self._idx[:n], self._K0[:n], self._chi[:n] = self._idx[keep], self._K0[keep], self._chi[keep]
            for a in self._A:
                a[:n] = a[keep]
            self._alive[:n] = True
            self._alive[n:] = False
            self._chi[n:] = 0.0
            self._m = n

    def add(self, idx: np.ndarray, K0: np.ndarray, psi: np.ndarray) -> None:
        """Carry more labels from now on: ``psi`` (n, Nv) their vectors at the current time of the others."""
        idx, K0 = np.asarray(idx, dtype=int), np.asarray(K0, dtype=float)
        k = idx.size
        if k == 0:
            return
        m, cap = self._m, self._idx.size
        if m + k > cap:
            new_cap = max(2 * cap, m + k, 16)
            grow = new_cap - cap
            self._idx = np.concatenate([self._idx, np.zeros(grow, dtype=int)])
            self._K0 = np.concatenate([self._K0, np.zeros(grow)])
            self._alive = np.concatenate([self._alive, np.zeros(grow, dtype=bool)])
            self._chi = np.concatenate([self._chi, np.zeros((grow, self.v.size), dtype=complex)])
            self._A = [np.concatenate([a, np.ones((grow, self.v.size), dtype=complex)]) for a in self._A]
        sl = slice(m, m + k)
        self._idx[sl], self._K0[sl], self._alive[sl] = idx, K0, True
        self._chi[sl] = np.asarray(psi, dtype=complex) * self._theta(self.t)[None, :]
        for a, b in zip(self._A, self._row_tables(K0)):
            a[sl] = b
        self._m = m + k

    def row_of(self) -> dict[int, int]:
        return {int(i): r for r, i in enumerate(self.idx)}


def eigenvector(gs: GridState, Omega: np.ndarray, K: np.ndarray) -> np.ndarray:
    r"""Right eigenvectors of :math:`M(K)` at roots ``Omega`` (rows, shape (n, Nv)), normalised to :math:`\psi_0=1`:
    from :math:`M\psi=\Omega\psi`, :math:`\psi_j\propto D_j(1-v_j\Omega/K)/(\Omega+D_0-kv_j)` with :math:`k=K+D_1`
    and :math:`\psi_1/\psi_0=\Omega/K` [docs §3]."""
    Om, K = np.asarray(Omega, dtype=complex), np.asarray(K, dtype=float)
    psi = gs.D_v[None, :] * (1 - gs.v[None, :] * (Om / K)[:, None]) * resolvent(gs, Om, K)
    return psi / (psi @ gs.w)[:, None]
