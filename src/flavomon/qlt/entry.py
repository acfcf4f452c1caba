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
refreshed when :math:`\sum_jw_j|\Delta D_j|` exceeds :data:`D_REFRESH` of :math:`\sum_jw_j|D_j(0)|` (the
streaming tables by the phase factor of the new :math:`D_0,D_1`).  The steps are one compiled loop over the labels
(:func:`_advance`, numba; one table per distinct sub-flow length of the symmetric composition).
"""

from __future__ import annotations

from functools import cache

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


def _advance(xr, xi, alive, m, Tr, Ti, tab, a, b, t, nsteps, h, G, v, w, Vm, U, PhiR, PhiI, pw):  # pragma: no cover
    r"""``nsteps`` BM4 steps from time ``t`` of the rows ``r < m`` with ``alive[r]`` of :math:`\chi` (real and
    imaginary parts ``xr, xi``, (cap, Nv)): the sub-flows of :meth:`PendingLabels.advance_to` in one compiled loop.

    ``Tr + i Ti`` (n_tab, cap, Nv) are the streaming tables, ``tab[j]`` the one of sub-flow ``a[j]``; ``Vm`` (Nv, 2),
    ``U`` (Nv, 2) and ``Phi`` (n_b, 2, 2) the rank-2 factors without the drift phase.  ``pw[r]`` receives
    :math:`|\sum_jw_j\psi_j|^2` at the final time.  ``reassoc`` only lets the v sums be vectorised (round-off
    level).  Compiled by :func:`_advance_compiled`."""
    nv = xr.shape[1]
    na, nb = a.size, b.size
    VR = np.empty((nb, 2, nv))
    VI = np.empty((nb, 2, nv))
    WR = np.empty((nb, 2, nv))
    WI = np.empty((nb, 2, nv))
    for _ in range(nsteps):
        ta = t
        for j in range(nb):  # the drifting rank-2 factors of this step: V^T / theta, (theta U Phi)^T
            ta = ta + a[j] * h
            for q in range(nv):
                ph = 0.5 * G * ta * ta * v[q]
                er, ei = np.cos(ph), np.sin(ph)  # theta_q = e^{i v G t^2 / 2}
                for n in range(2):
                    VR[j, n, q] = Vm[q, n] * er
                    VI[j, n, q] = -Vm[q, n] * ei
                    sr = 0.0
                    si = 0.0
                    for c in range(2):
                        ur, ui = U[q, c] * er, U[q, c] * ei
                        sr += ur * PhiR[j, c, n] - ui * PhiI[j, c, n]
                        si += ur * PhiI[j, c, n] + ui * PhiR[j, c, n]
                    WR[j, n, q] = sr
                    WI[j, n, q] = si
        for r in range(m):
            if not alive[r]:
                continue
            for j in range(na):
                k = tab[j]
                c0r = 0.0
                c0i = 0.0
                c1r = 0.0
                c1i = 0.0
                for q in range(nv):  # streaming, then (before a B sub-flow) the two sums V^T chi
                    tr, ti = Tr[k, r, q], Ti[k, r, q]
                    pr, pi = xr[r, q], xi[r, q]
                    yr = pr * tr - pi * ti
                    yi = pr * ti + pi * tr
                    xr[r, q] = yr
                    xi[r, q] = yi
                    if j < nb:
                        c0r += yr * VR[j, 0, q] - yi * VI[j, 0, q]
                        c0i += yr * VI[j, 0, q] + yi * VR[j, 0, q]
                        c1r += yr * VR[j, 1, q] - yi * VI[j, 1, q]
                        c1i += yr * VI[j, 1, q] + yi * VR[j, 1, q]
                if j < nb:
                    for q in range(nv):  # chi += (V^T chi) (U Phi)^T
                        xr[r, q] += c0r * WR[j, 0, q] - c0i * WI[j, 0, q] + c1r * WR[j, 1, q] - c1i * WI[j, 1, q]
                        xi[r, q] += c0r * WI[j, 0, q] + c0i * WR[j, 0, q] + c1r * WI[j, 1, q] + c1i * WR[j, 1, q]
        t += h
    cr = np.empty(nv)  # c = w / theta at the final time
    ci = np.empty(nv)
    for q in range(nv):
        ph = 0.5 * G * t * t * v[q]
        cr[q] = w[q] * np.cos(ph)
        ci[q] = -w[q] * np.sin(ph)
    for r in range(m):
        if alive[r]:
            sr = 0.0
            si = 0.0
            for q in range(nv):
                sr += xr[r, q] * cr[q] - xi[r, q] * ci[q]
                si += xr[r, q] * ci[q] + xi[r, q] * cr[q]
            pw[r] = sr * sr + si * si
    return t


@cache
def _advance_compiled():
    """:func:`_advance` compiled by numba (imported here: only runs in a gradient pay for it); cached on disk."""
    import numba

    return numba.njit(cache=True, nogil=True, fastmath={"reassoc"}, error_model="numpy")(_advance)


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
        # when half of it is dead, so that adding and removing labels costs O(rows added/removed).  chi is kept
        # as its real and imaginary parts, the streaming tables as cos/sin, for the compiled stepper (_advance)
        idx = np.asarray(idx, dtype=int)
        n = idx.size
        self._m = n
        self._idx = idx.copy()
        self._K0 = np.asarray(K0, dtype=float).copy()
        self._alive = np.ones(n, dtype=bool)
        self.G = float(G)
        self.v, self.w = gs.v, gs.w
        psi = np.asarray(psi_v, dtype=complex)
        self._xr = np.tile(psi.real, (n, 1))  # chi = psi e^{i v G t^2/2}
        self._xi = np.tile(psi.imag, (n, 1))
        self._pos = np.full(int(idx.max()) + 1 if n else 0, -1, dtype=int)  # label -> storage row (-1: none)
        self._pos[idx] = np.arange(n)
        self.t = 0.0
        self.h = SEED_STEP
        self._absD0 = float(np.sum(gs.w * np.abs(gs.D_v))) or 1.0
        comp = get_stepper("bm4")
        self._a = np.array(comp.a, dtype=float)  # A sub-flows (s + 1), B sub-flows (s) between them
        self._b = np.array(comp.b, dtype=float)
        distinct = list(dict.fromkeys(self._a.tolist()))  # the composition is symmetric: one table per value
        self._tab = np.array([distinct.index(x) for x in self._a.tolist()], dtype=np.int64)
        self._a_tab = np.array(distinct)
        self._Tr = np.ones((len(distinct), n, self.v.size))
        self._Ti = np.zeros((len(distinct), n, self.v.size))
        self.gs: GridState | None = None
        self._tables(gs)
        self._pw = np.zeros(n)  # |psi_0|^2 of the rows at time t (kept up to date by _advance and add)
        self._row_power(np.arange(n))

    # the alive rows, in storage order (views when nothing is dead)
    @property
    def idx(self) -> np.ndarray:
        return self._idx[: self._m][self._alive[: self._m]]

    @property
    def K0(self) -> np.ndarray:
        return self._K0[: self._m][self._alive[: self._m]]

    @property
    def chi(self) -> np.ndarray:
        al = self._alive[: self._m]
        return self._xr[: self._m][al] + 1j * self._xi[: self._m][al]

    @property
    def n(self) -> int:
        return int(np.count_nonzero(self._alive[: self._m]))

    def _row_tables(self, rows: np.ndarray) -> None:
        r"""The streaming tables :math:`e^{-i\omega_{jv}a\,h}` (without the drift) of the storage ``rows``."""
        k = self._K0[rows, None] + self.gs.D1
        om = k * self.gs.v[None, :] - self.gs.D0
        for i, a in enumerate(self._a_tab):
            ph = om * (a * self.h)
            self._Tr[i, rows] = np.cos(ph)
            self._Ti[i, rows] = -np.sin(ph)

    def _tables(self, gs: GridState) -> None:
        rows = np.flatnonzero(self._alive[: self._m])
        if self.gs is not None:  # a new D: the rows' tables change by the factor e^{-i(dD1 v - dD0) a h}
            dom = (gs.D1 - self.gs.D1) * gs.v - (gs.D0 - self.gs.D0)
            for i, a in enumerate(self._a_tab):
                ph = dom * (a * self.h)
                fr, fi = np.cos(ph), -np.sin(ph)
                tr, ti = self._Tr[i, rows], self._Ti[i, rows]
                self._Tr[i, rows] = tr * fr - ti * fi
                self._Ti[i, rows] = tr * fi + ti * fr
            self.gs = gs
        else:
            self.gs = gs
            self._row_tables(rows)
        v, w, D = gs.v, gs.w, gs.D_v
        self._U = np.stack([D, -D * v], axis=1)  # (Nv, 2)
        self._Vm = np.stack([w, w * v], axis=1)
        C = self._Vm.T @ self._U  # V^T U: the same in the drifting variable (the phases cancel)
        Phi = np.empty((self._b.size, 2, 2), dtype=complex)
        for i, b in enumerate(self._b):
            tau = b * self.h
            big = np.zeros((4, 4), dtype=complex)
            big[:2, :2] = -1j * tau * C
            big[:2, 2:] = np.eye(2)
            Phi[i] = -1j * tau * sla.expm(big)[:2, 2:]  # exp(-i tau U V^T) = 1 + U Phi V^T
        self._PhiR, self._PhiI = np.ascontiguousarray(Phi.real), np.ascontiguousarray(Phi.imag)

    def advance_to(self, t: float, gs: GridState) -> None:
        r"""Step the vectors to the last grid time <= ``t`` with the distribution ``gs``.

        The vectors are kept as :math:`\chi_v=\psi_ve^{ivGt^2/2}`, which streams with the static tables; the drift
        phase then sits in the rank-2 factors, :math:`U\to e^{ivGt^2/2}U`, :math:`V\to e^{-ivGt^2/2}V` (O(Nv) per
        sub-step instead of a pass over all labels).  The steps themselves are one compiled loop over the alive
        labels (:func:`_advance`)."""
        h = self.h
        if self.n == 0:
            self.t = max(self.t, h * np.floor(t / h + 1e-9))
            return
        nsteps, tt = 0, self.t
        while tt + h <= t * (1 + 1e-12) + 1e-12:
            tt += h
            nsteps += 1
        if nsteps == 0:
            return
        if float(np.sum(gs.w * np.abs(gs.D_v - self.gs.D_v))) > D_REFRESH * self._absD0:
            self._tables(gs)
        m = self._m
        self.t = _advance_compiled()(self._xr, self._xi, self._alive, m, self._Tr, self._Ti, self._tab, self._a,
                                     self._b, self.t, nsteps, h, self.G, self.v, self.w, self._Vm, self._U,
                                     self._PhiR, self._PhiI, self._pw)

    def _theta(self, t: float) -> np.ndarray:
        return np.exp(0.5j * self.G * t * t * self.v)

    @property
    def psi(self) -> np.ndarray:
        r"""The vectors :math:`\psi_v` (n, Nv) at time :attr:`t`."""
        return self.chi / self._theta(self.t)[None, :]

    def power(self) -> np.ndarray:
        r""":math:`|\psi_{0,K}|^2=|\sum_jw_j\psi_j|^2` of every pending label (per box mode)."""
        return self._pw[: self._m][self._alive[: self._m]]

    def _row_power(self, rows: np.ndarray) -> None:
        c = self.w / self._theta(self.t)
        self._pw[rows] = np.abs((self._xr[rows] + 1j * self._xi[rows]) @ c) ** 2

    def K_now(self) -> np.ndarray:
        """The labels' wavenumbers at the vectors' time."""
        return self.K0 + self.G * self.t

    def mode_power(self, rows: np.ndarray, Omega: np.ndarray) -> np.ndarray:
        r"""|psi_0|^2 of the component of the vectors ``rows`` along the roots ``Omega`` at their K (the
        time of the vectors): the projection of [F2 eq. 24] for a general vector,
        :math:`|(J_1/K)\sum_jw_j\psi_j+\sum_jG_jw_j\psi_j|^2/|\partial_\Omega\varepsilon_N|^2`."""
        r = self._storage_rows(rows)
        wpsi = (self._xr[r] + 1j * self._xi[r]) * (self.w / self._theta(self.t))[None, :]
        s = wpsi.sum(axis=1)
        out = np.zeros(len(rows))
        nz = np.abs(s) > 0
        if nz.any():
            prof = wpsi[nz] / s[nz, None]
            K = self._K0[r][nz] + self.G * self.t
            out[nz] = projection_factor(self.gs, np.asarray(Omega)[nz], K, prof) * np.abs(s[nz]) ** 2
        return out

    def _storage_rows(self, rows: np.ndarray) -> np.ndarray:
        return np.flatnonzero(self._alive[: self._m])[np.asarray(rows, dtype=int)]

    def rows(self, labels: np.ndarray) -> np.ndarray:
        """Position in :attr:`idx` of each of the grid indices ``labels`` (-1 where the label is not carried)."""
        labels = np.asarray(labels, dtype=int)
        out = np.full(labels.shape, -1, dtype=int)
        inside = labels < self._pos.size
        srow = np.full(labels.shape, -1, dtype=int)
        srow[inside] = self._pos[labels[inside]]
        has = srow >= 0
        if has.any():
            out[has] = (np.cumsum(self._alive[: self._m]) - 1)[srow[has]]
        return out

    def remove(self, rows: np.ndarray) -> None:
        """Stop carrying the alive rows ``rows`` (positions in :attr:`idx`)."""
        r = self._storage_rows(rows)
        self._alive[r] = False
        self._xr[r] = 0.0
        self._xi[r] = 0.0
        self._pos[self._idx[r]] = -1
        if self._m > 64 and np.count_nonzero(self._alive[: self._m]) < self._m // 2:
            keep = np.flatnonzero(self._alive[: self._m])
            n = keep.size
            self._idx[:n], self._K0[:n], self._pw[:n] = self._idx[keep], self._K0[keep], self._pw[keep]
            self._xr[:n], self._xi[:n] = self._xr[keep], self._xi[keep]
            self._Tr[:, :n], self._Ti[:, :n] = self._Tr[:, keep], self._Ti[:, keep]
            self._alive[:n] = True
            self._alive[n:] = False
            self._xr[n:] = 0.0
            self._xi[n:] = 0.0
            self._pos[self._idx[:n]] = np.arange(n)
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
            nv = self.v.size
            self._idx = np.concatenate([self._idx, np.zeros(grow, dtype=int)])
            self._K0 = np.concatenate([self._K0, np.zeros(grow)])
            self._pw = np.concatenate([self._pw, np.zeros(grow)])
            self._alive = np.concatenate([self._alive, np.zeros(grow, dtype=bool)])
            self._xr = np.concatenate([self._xr, np.zeros((grow, nv))])
            self._xi = np.concatenate([self._xi, np.zeros((grow, nv))])
            nt = self._Tr.shape[0]
            self._Tr = np.concatenate([self._Tr, np.ones((nt, grow, nv))], axis=1)
            self._Ti = np.concatenate([self._Ti, np.zeros((nt, grow, nv))], axis=1)
        if idx.max() >= self._pos.size:
            self._pos = np.concatenate([self._pos, np.full(int(idx.max()) + 1 - self._pos.size, -1, dtype=int)])
        sl = slice(m, m + k)
        self._idx[sl], self._K0[sl], self._alive[sl] = idx, K0, True
        chi = np.asarray(psi, dtype=complex) * self._theta(self.t)[None, :]
        self._xr[sl], self._xi[sl] = chi.real, chi.imag
        self._pos[idx] = np.arange(m, m + k)
        self._row_tables(np.arange(m, m + k))
        self._row_power(np.arange(m, m + k))
        self._m = m + k


def eigenvector(gs: GridState, Omega: np.ndarray, K: np.ndarray) -> np.ndarray:
    r"""Right eigenvectors of :math:`M(K)` at roots ``Omega`` (rows, shape (n, Nv)), normalised to :math:`\psi_0=1`:
    from :math:`M\psi=\Omega\psi`, :math:`\psi_j\propto D_j(1-v_j\Omega/K)/(\Omega+D_0-kv_j)` with :math:`k=K+D_1`
    and :math:`\psi_1/\psi_0=\Omega/K` [docs §3]."""
    Om, K = np.asarray(Omega, dtype=complex), np.asarray(K, dtype=float)
    psi = gs.D_v[None, :] * (1 - gs.v[None, :] * (Om / K)[:, None]) * resolvent(gs, Om, K)
    return psi / (psi @ gs.w)[:, None]
