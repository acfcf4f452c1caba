r"""QLT by flavomon ray tracing in a slowly varying background  [docs §12; F2 eqs. 10–12].

State on a phase-space grid: cells :math:`c` of width :math:`\ell` (centres :math:`z_c`) times a fixed K grid
:math:`K_j` (spacing :math:`\Delta K`):

* :math:`D_v(z_c,t)` — the local angular distribution (cell average) on the velocity nodes;
* :math:`\mathcal P(z_c,K_j,t)` — the local spectral density of the flavour waves, in the normalisation of full
  QLT (:mod:`flavomon.qlt.full`: :math:`\mathcal P=\frac{L}{2\pi}|\psi_{0,K}|^2` per box mode of the whole box);
* :math:`\Omega(z_c,K_j)` — the tracked branch of the local dispersion relation: the most unstable root of the
  discrete relation of :math:`D_v(z_c)` where one exists, continued by Newton in K into the stable ranges.

Equations [docs §12].  With the local frequency :math:`\Omega(z,K)=\Omega_{\rm hom}(K;D(\cdot,z))-\lambda(z)-Gz`,

.. math::
    \partial_t\mathcal A+\partial_z(v_g\mathcal A)+\partial_K(\dot K\mathcal A)=2\gamma\mathcal A,\qquad
    v_g=\partial_K\Omega_R,\quad \dot K=-\partial_z\Omega_R=\lambda'(z)+G-\partial_z\Omega_{{\rm hom},R},

(the Hamiltonian flow is incompressible, :math:`\partial_zv_g+\partial_K\dot K=0`, so the flux form and the advective
form agree), and :math:`(\partial_t+v\partial_z)D_v=-\Gamma_v(z)D_v` with :math:`\Gamma_v(z)` of [F2 eq. 11] from
the roots and :math:`\mathcal P` of the cell.  The density transported, in z and in K, is
:math:`\mathcal A=|X|\,\mathcal P` with one reference :math:`|X|(z,K)` fixed at t = 0 (:func:`reference_absX`: of
the initial band roots, interpolated across the gaps; in a stable cell, of its continued real branch): along a ray
in a stable medium, and along a ray whose K changes inside a band, it is :math:`X\mathcal P` that the box keeps
(measured, docs §11 and §12); while D changes in time at fixed (z, K), :math:`\mathcal P` is kept (docs §10.15).
The reference does not follow the roots as D changes: an |X| that changes in time turns every round trip of power
between two points into a gain or a loss, and where bands open and close it pumped power without bound.  Without
gradients (:math:`\dot K=0`, z-uniform fields) none of this matters.

Scheme (our design).  Each step :math:`h` is a Strang splitting

1. transport over :math:`h/2`: :math:`\mathcal A` in z, then in K (dimensional splitting, the order alternating
   between steps), and :math:`D_v` streamed by :math:`v\,h/2` (exact: a phase in the Fourier series over the
   cells, the mean untouched);
2. local QLT over :math:`h` in every cell: the integrator of full QLT (:func:`flavomon.qlt.integrator.step`,
   conservative in :math:`D_0` to round-off) on the unstable points of the cell, sub-stepped if it rejects;
   in a cell where the relaxation over the step is negligible (the linear phase) only
   :math:`\mathcal P\to\mathcal Pe^{2\gamma h}` with the roots frozen (exact while D does not change);
3. transport over :math:`h/2` again; then the roots are refreshed by Newton from their previous values (warm
   starts in t) and points next to an unstable point, in K or in z, are tried from that neighbour's root (warm
   starts in z and K), so a band can widen or move into new cells.

Transport: a finite-volume flux form with a **log-linear** reconstruction: in each cell
:math:`q(x)\propto e^{\sigma(x-x_i)}` with :math:`\sigma` the minmod of the logarithmic differences to the
neighbours, scaled so its cell average is the cell value, and the flux the exact integral of the reconstruction
over the region swept in the step.  It is conservative (flux form), positive for Courant numbers
:math:`\le 1/2` (the swept regions of the two faces of a cell do not overlap and the reconstruction is
positive), and **exact** for a profile :math:`e^{\alpha x}` moved at a constant speed — the shape of a growing
spectrum across a band, where a linear reconstruction of :math:`\mathcal A` would smear a dynamic range of
:math:`e^{25}`.  Boundaries: periodic in z; in K the grid ends are outflow faces, and inflow brings the initial
density of the end point (outside the grid nothing grows, so a ray from beyond an end arrives with its seed; the
end point's current value would be a source where the flow converges on it).

Seed: :math:`\mathcal P(z_c,K_j,0)=\frac{L}{2\pi}p_{\rm seed}\times` the projection of the QKE seed on the
tracked root (:func:`flavomon.linear.discrete.projection_factor`), as in full QLT, inside the bands; outside them
a flat seed of the transported density, :math:`|X|\mathcal P=\frac{L}{2\pi}p_{\rm seed}` (inside the bands
:math:`|X|` times the F2 projection is of order 1 everywhere, while the projection alone swings by six decades:
:math:`\propto K^2` near K = 0, divergent at a branch-point edge).  Between two bands the branch is the real root that
continues a band across its branch-point edge (:func:`_fill_gaps`: its group velocity can be of the opposite sign).
Outside the points where a branch could be continued (beyond a resonant edge), :math:`v_g` is extended from the
nearest point of the cell, and nothing grows.

Limitations (docs §12): one tracked root per (z, K) (the most unstable); a band that opens far from every
unstable point is not found; power that leaves a band and comes back keeps what it had (it is transported, not
reset); power at points that no longer grow does not act on D (F2's relaxation runs over the growing roots only;
after saturation both benchmark cases of docs §12 show the box converting where the ray tracer has almost no growing
point left); the polarization the waves bind (the tilt of the neutrinos they pass, F2's relaxation integrated over
their growth) stays in D where they grew instead of moving with them at v_g (measured in both benchmark cases of docs
§12, "Both cases"); a gap between two branch points holds one real branch on each side of its midpoint; entering
labels get the transported stable-region density, not the exact linear evolution of the uniform-gradient QLT
(:mod:`flavomon.qlt.entry`).
"""

from __future__ import annotations

import collections
import dataclasses
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import FlavomonInputError
from ..linear.dielectric import phase_velocity
from ..linear.discrete import GridState, X_factor, discrete_eigenvalues, projection_factor
from .config import QLT_SCALE_FREE_RANGE
from .integrator import QLTState, StepParams, step as qlt_step
from .roots import eig_unstable, find_unstable_roots, newton_roots

__all__ = ["RayTracingResult", "run_ray_tracing", "advect_log", "stream_cells", "branch_on_grid", "CFL_MAX"]

STAT_KEYS = ("root_refreshes", "roots_refound_by_eig", "points_entered", "rescans", "points_rescanned",
             "new_bands_found")
"""The counters of a run's diagnostics (in this order in a checkpoint)."""

CFL_MAX = 0.45
"""Largest Courant number of the transport in z and in K; the log-linear flux scheme is positive up to 1/2."""

LINEAR_PHASE_RELAX = 1e-10
"""A cell whose predicted relaxation :math:`\\max_v\\Gamma_vh` in a step is below this is advanced with frozen
roots (:math:`\\mathcal P e^{2\\gamma h}`, D unchanged): the change of D it neglects is below 1e-10 relative,
the round-off level of the integrator's own D_0 conservation over a run."""

REFRESH_DD = 1e-14
"""The unstable roots of a cell are refreshed by Newton when its :math:`\\sum_vw_v|\\Delta D_v|` since their last
refresh exceeds this (relative to :math:`\\sum_vw_v|D_v|`), before its local QLT step: the integrator conserves
:math:`D_0` only with the roots of the D it starts from (1e-9 here left a D_0 drift of 8e-10 over t = 100)."""

NEIGHBOUR_NEWTON_ITER = 8
"""Newton iterations allowed when a point next to an unstable one is tried from its neighbour's root (it is tried
again at every step, so a failure must be cheap; a warm start one grid point away converges in 3-5), and when
the stable part of the branch is refreshed (continued beam-like roots next to a pole of the resolvent often do
not converge at all; they keep their value, which only sets v_g and |X| where nothing grows)."""

RESCAN_DD = 1e-2
"""A cell is searched afresh for unstable roots (coarse eig and continuation, :func:`find_unstable_roots`) when its
:math:`\\sum_vw_v|\\Delta D_v|` since its last search exceeds this fraction of :math:`\\sum_vw_v|D_v(0)|`: a band
that saturated can open again when unconverted neutrinos stream in, far from any unstable point, where the
neighbour trials cannot see it (benchmark a = 0.9 in a sine lambda, in an earlier version of the transport: the
conversion at the lambda minimum fed on this; now neither case of docs §12 needs it, their final D moving by 3e-5 and
4e-4 without any search).  1 % is a quarter of the change of a homogeneous saturation (0.03 of 1.2 for a = 0.9)."""

RESCAN_DD_MAX = 0.16
"""The largest trigger of a cell's fresh search (as :data:`RESCAN_DD`): it doubles after each search that finds no new
band, so a cell whose D keeps moving without opening bands (the streaming of a modulated D) is searched ever less
often.  Measured on the two cases of docs §12 (t = 500): Case B 690 -> 150 searches and 48 -> 19.5 s, Case A 91 -> 36;
the final D moved by 2.7e-4 and 1.3e-4 (z-averaged L1; their L1 against the box is 0.041 and 0.032)."""

RESCAN_STRIDE = 36
"""Coarse eig stride of those searches (the continuation fills each band found point by point); each search of a cell
starts :data:`RESCAN_OFFSET` points further on, so three searches cover the grid every 12 points.  A band wider than
36 points is found by any one search, and eig runs only at points not tracked as unstable.  Measured on Case B of
docs §12 (t = 500, one profile each): the searches took 9.7 s with a stride of 12, 2.4 s with 36 and the rotation,
1.4 s when tracked points are skipped too; the final D moved by 1.8e-4 (z-averaged L1, with the warm-started
initial branch of :func:`branch_on_grid`; its L1 against the box is 0.041), Case A's by 1e-7."""

RESCAN_OFFSET = 12
"""Shift of the coarse eig points from one fresh search of a cell to the next (see :data:`RESCAN_STRIDE`)."""

ABSX_RANGE = (1e-3, 1e3)
"""The values of :math:`|X|` a stable cell's reference for the transport may take: a continued real root next to a pole of the
resolvent (a beam-like mode) has an |X| many orders of magnitude off the collective branch's, and is skipped (the
band roots of the benchmark family have 0.25-7.4, the fast collective branch of an isotropic medium 1-7)."""

GAP_EDGE_TOL = 0.1
r"""How far (in :math:`\Omega`) the real root that continues a band across a branch-point edge may lie from the edge's
last unstable root, at the first stable grid point (plus 5 times that root's growth rate).  The two real roots that
emerge from a branch point split as the square root of the distance to it: 0.05 and 0.09 at 0.045 past band 1's edge of
benchmark a = 0.9, 0.002 and 0.005 at the first grid point past it (spacing 4/599)."""

BRANCH_JUMP = 0.25
r"""A change of :math:`\Omega_R` larger than this between neighbouring points (in K or in z) is a change of branch,
not a slope: no derivative (:math:`v_g`, the refraction part of :math:`\dot K`) is taken across it.  On one branch the
neighbours differ by at most :math:`\Delta K=0.0067` in K (:math:`|v_g|\le1`); between the cells of docs §12 Case B
(initial branches) band roots differ by at most 0.10 and a band root from a real one by at most 0.14, while real
roots differ by 0.13-0.14 at 3 points, 0.22-0.29 at 17 and 0.93-1.09 at 25 (the latter two changes of branch, where
the cells' gaps are split at different K); the two gap branches of benchmark a = 0.9 that meet in the middle of its
gap differ by 1.4.  Points of the 0.22-0.29 cluster fall on both sides of this threshold."""


REFRESH_STABLE_DD = 1e-4
"""The stable part of the branch (used only for :math:`v_g` and :math:`\\dot K` of the transport outside the bands,
where nothing grows; its |X| is the fixed reference) is refreshed when the cell's D has changed by this much
(relative, as above) since, once per step, after the second half of the transport (just before the next step's
transport speeds are computed).  Measured on Case A of docs §12 (z-averaged L1 of the final D): 5.7e-4 from the same
run at half the step; against the half-step run of the earlier version below, 4e-4 at 1e-4 and at 3e-4, 1.7e-3 at
1e-3.  The earlier version refreshed it before the local step as well: it was 3.3e-3 from its own half-step run,
while the two versions agree to 3e-4 at the half step (so this one is the more accurate at the full step, and twice
as cheap in Case B; why the extra refresh cost accuracy was not found: it let only one stable point into the bands in
the whole run)."""


# ---------------------------------------------------------------------------------------------------------------
# transport
def _minmod(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(a * b > 0, np.where(np.abs(a) < np.abs(b), a, b), 0.0)


def _swept(q: np.ndarray, s: np.ndarray, frac: np.ndarray, side: int) -> np.ndarray:
    r"""Content (in units of the cell width) of the log-linear reconstruction of cells ``q`` with log-slope ``s``
    per cell width, over the fraction ``frac`` of the cell next to its right face (side=+1) or left face (-1)."""
    a = s * side  # growth towards the face
    # reconstruction normalised to the cell average: q(x) = q a e^{a x} / (e^{a/2} - e^{-a/2}), x in [-1/2, 1/2]
    # content over [1/2 - f, 1/2] = q (e^{a/2} - e^{a(1/2 - f)}) / (e^{a/2} - e^{-a/2})
    small = np.abs(a) < 1e-6
    a_s = np.where(small, 1.0, a)
    num = -np.expm1(-a_s * frac)  # 1 - e^{-a f}
    den = -np.expm1(-a_s)  # 1 - e^{-a}
    ratio = np.where(small, frac * (1 + 0.5 * a * (1 - frac)), num / den)
    return q * ratio


def advect_log(q: np.ndarray, u_cell: np.ndarray, h: float, dx: float, axis: int, periodic: bool,
               inflow: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    r"""One step of :math:`\partial_tq+\partial_x(uq)=0` for positive ``q`` along ``axis``  [docs §12].

    Parameters
    ----------
    q : ndarray
        Cell averages (positive).
    u_cell : ndarray
        Velocities at the cell centres (same shape as ``q``); a face takes the mean of its two cells.  Not
        ``periodic``: the two end faces take the end cell's speed, outflow there leaves the grid and inflow
        brings the values ``inflow`` (low end, high end; each of the shape of ``q`` without ``axis``), by default
        the end cell's own value.  That default is a source wherever the flow converges on an end cell (the
        inflow face faster than the inner one): the end cell then grows as :math:`e^{(u_{\rm end}-u_{\rm
        inner})t/dx}` without bound (measured: a K-grid end of the ray tracer in Case B of docs §12, from 0.2
        to 4.5e8 between t = 300 and 500), so a caller that knows what enters should say so.
    h, dx : float
        Step and cell width; ``|u| h / dx <= 1/2`` (the caller's step).
    inflow : (ndarray, ndarray), optional
        The values outside the two ends (not ``periodic`` only): what inflow through an end face brings.

    Returns
    -------
    ndarray
        The new cell averages: conservative (flux form), positive, exact for :math:`q\propto e^{\alpha x}` at
        constant u.
    """
    q = np.moveaxis(np.asarray(q, dtype=float), axis, -1)
    u = np.moveaxis(np.asarray(u_cell, dtype=float), axis, -1)
    n = q.shape[-1]
    if periodic:
        qe = np.concatenate([q[..., -1:], q, q[..., :1]], axis=-1)
        le = np.log(np.maximum(qe, np.finfo(float).tiny))
        ue = np.concatenate([u[..., -1:], u, u[..., :1]], axis=-1)
        uf = 0.5 * (ue[..., :-1] + ue[..., 1:])  # faces 0..n: face i is the left face of cell i
    else:
        if inflow is None:
            lo, hi = q[..., :1], q[..., -1:]
        else:
            # the other axes keep their order when ``axis`` moves last
            lo = np.broadcast_to(np.asarray(inflow[0], dtype=float)[..., None], q[..., :1].shape)
            hi = np.broadcast_to(np.asarray(inflow[1], dtype=float)[..., None], q[..., :1].shape)
        qe = np.concatenate([lo, q, hi], axis=-1)
        le = np.log(np.maximum(qe, np.finfo(float).tiny))
        uf = np.concatenate([u[..., :1], 0.5 * (u[..., :-1] + u[..., 1:]), u[..., -1:]], axis=-1)
    dl = le[..., 1:] - le[..., :-1]  # n + 1 differences
    s = np.zeros(qe.shape)  # the ghost cells outside the ends (not periodic) are flat
    s[..., 1:-1] = _minmod(dl[..., 1:], dl[..., :-1])
    if periodic:
        s[..., 0], s[..., -1] = s[..., -2], s[..., 1]
    frac = np.abs(uf) * h / dx
    from_left = _swept(qe[..., :-1], s[..., :-1], frac, +1)  # cell i-1 through its right face (u > 0)
    from_right = _swept(qe[..., 1:], s[..., 1:], frac, -1)  # cell i through its left face (u < 0)
    F = np.where(uf > 0, from_left, -from_right)  # flux through each face, times h/dx
    out = q - (F[..., 1:] - F[..., :n])
    return np.moveaxis(out, -1, axis)


def stream_cells(D_cv: np.ndarray, v: np.ndarray, h: float, L: float) -> np.ndarray:
    r"""Free streaming :math:`(\partial_t+v\partial_z)D_v=0` of cell averages over ``h``, exact for the periodic
    band-limited interpolant: :math:`\hat D_v(k_m)\to\hat D_v(k_m)e^{-ivk_mh}`, :math:`k_m=2\pi m/L`; the mean
    (m = 0) is untouched, so :math:`\int dz\,D_v` is conserved to round-off.  The Nyquist coefficient of an even
    number of cells (a real field cannot carry a one-sided phase) gets the mean of the two, :math:`\cos(vk_Nh)`: it
    phase-mixes away over the velocities as the shorter scales of the box do (left unstreamed it froze a
    checkerboard of the conversion into the cells)."""
    Nc = D_cv.shape[0]
    if Nc == 1 or h == 0.0:
        return D_cv.copy()
    m = np.fft.rfftfreq(Nc, d=1.0 / Nc)
    km = 2 * np.pi * m / L
    Dh = np.fft.rfft(D_cv, axis=0)
    phase = np.exp(-1j * km[:, None] * v[None, :] * h)
    if Nc % 2 == 0:
        phase[-1] = phase[-1].real  # the Nyquist coefficient: the mean of the +-k phases
    Dh *= phase
    return np.fft.irfft(Dh, n=Nc, axis=0)


# ---------------------------------------------------------------------------------------------------------------
# the tracked branch
def branch_on_grid(gs: GridState, K: np.ndarray, gamma_stop: float, guess: np.ndarray | None = None) -> np.ndarray:
    r"""The tracked branch :math:`\Omega(K_j)` of the discrete relation of ``gs`` on the grid ``K``  [docs §3, §12].

    The most unstable root where :math:`\gamma>` ``gamma_stop`` (eig on a coarse subset and continuation,
    :func:`flavomon.qlt.roots.find_unstable_roots`); at the stable K of such a cell, the real branch that continues a
    band across a branch-point edge (:func:`_fill_gaps`), NaN elsewhere (beyond a resonant edge: nothing grows there;
    the transport speeds are extended from the nearest point); without any unstable root (a stable medium), the real
    root of largest frequency at the middle of the grid (the fast collective branch) continued point by point by
    Newton.  With ``guess`` (e.g. the branch of a neighbouring cell) Newton from it first; where that fails, its
    unstable points are continued in K to this cell's band edges, and eig every :data:`RESCAN_STRIDE` points adds any
    other band.  NaN where no root could be continued (and at K = 0).
    """
    nK = K.size
    Om = np.full(nK, np.nan + 0j)
    good_K = np.abs(K) > 1e-12
    if guess is not None:
        g = np.asarray(guess, dtype=complex)
        ok_in = np.isfinite(g) & good_K
        if ok_in.any():
            sol, ok = newton_roots(gs, g[ok_in], K[ok_in], max_jump=0.05 + 0.5 * np.abs(g[ok_in].imag))
            idx = np.flatnonzero(ok_in)
            # keep the type of the guess: an unstable guess must stay unstable, a stable one stable
            same = ok & ((sol.imag > gamma_stop) == (g[ok_in].imag > gamma_stop))
            Om[idx[same]] = sol[same]
            if np.all(same) and ok_in.sum() == np.isfinite(g).sum():
                return Om
    if guess is not None and np.any(np.isfinite(Om) & (Om.imag > gamma_stop)):
        # the neighbour's bands, continued to this cell's edges, and any other band wider than RESCAN_STRIDE points
        uns = np.flatnonzero(np.isfinite(Om) & (Om.imag > gamma_stop))
        roots = find_unstable_roots(gs, K, gamma_stop, stride=RESCAN_STRIDE, known={int(j): Om[j] for j in uns})
    else:
        roots = find_unstable_roots(gs, K, gamma_stop)
    for j, zs in roots.items():
        if good_K[j] and (not np.isfinite(Om[j]) or Om[j].imag <= gamma_stop):
            Om[j] = max(zs, key=lambda z: z.imag)
    _fill_gaps(gs, K, Om, gamma_stop)
    if not np.isfinite(Om).any():
        j0 = nK // 2 if good_K[nK // 2] else nK // 2 + 1
        real = _real_eigenvalues(gs, float(K[j0]))
        if real.size == 0:
            return Om
        Om[j0] = real[np.argmax(real)]
        _continue(gs, K, Om, good_K)
    return Om


def _continue(gs: GridState, K: np.ndarray, Om: np.ndarray, good_K: np.ndarray) -> None:
    """Fill the NaN points of ``Om`` by Newton continuation from their finite neighbours (in place)."""
    nK = K.size
    for direction in (1, -1):
        order = range(1, nK) if direction == 1 else range(nK - 2, -1, -1)
        for j in order:
            p = j - direction
            if np.isfinite(Om[j]) or not np.isfinite(Om[p]) or not good_K[j]:
                continue
            pp = p - direction
            start = Om[p] if not (0 <= pp < nK and np.isfinite(Om[pp])) else 2 * Om[p] - Om[pp]
            if abs(start.imag) < 1e-3:
                start = complex(start.real, 0.0)
            sol, ok = newton_roots(gs, np.array([start]), K[j:j + 1], max_jump=0.2)
            if ok[0]:
                z = complex(sol[0])
                if abs(z.imag) < 1e-10 * (1 + abs(z)):
                    z = complex(z.real, 0.0)
                Om[j] = z


def _real_eigenvalues(gs: GridState, K: float) -> np.ndarray:
    """The real eigenvalues of M(K) of the grid state (imaginary part within 1e-9 relative), as floats."""
    ev = discrete_eigenvalues(gs.D_v, gs.v, gs.w, K)
    return ev[np.abs(ev.imag) <= 1e-9 * (1 + np.abs(ev))].real


def _edge_root(gs: GridState, K: np.ndarray, Om: np.ndarray, e: int, s: int) -> complex | None:
    r"""The real root at grid point ``s`` (stable) that continues the unstable root at the neighbouring point ``e``
    across a branch-point edge, or None (a resonant edge, or no such root).

    At a branch point the complex pair merges into two real roots outside the light cone (docs §3); they emerge with
    :math:`X` of opposite signs.  The one kept has the sign of :math:`\mathrm{Re}\,X` of the band root (a flavomon stays
    a flavomon) and a superluminal phase velocity; of those, the one nearest the edge root within
    :data:`GAP_EDGE_TOL`.  At a resonant edge the root goes on as a Landau-damped one (no real root continues it; the
    real eigenvalues nearby are the grid's subluminal pseudo-modes)."""
    if abs(K[s]) <= 1e-12:
        return None
    real = _real_eigenvalues(gs, float(K[s]))
    if real.size == 0:
        return None
    x_e = X_factor(gs, Om[e:e + 1], K[e:e + 1])[0]
    x = X_factor(gs, real.astype(complex), np.full(real.size, K[s])).real
    ok = (np.abs(phase_velocity(real, K[s], gs.D0, gs.D1)) > 1.0) & (np.sign(x) == np.sign(x_e.real)) & \
        (np.abs(real - Om[e].real) < GAP_EDGE_TOL + 5.0 * abs(Om[e].imag))
    if not ok.any():
        return None
    cand = real[ok]
    return complex(cand[np.argmin(np.abs(cand - Om[e].real))])


def _fill_gaps(gs: GridState, K: np.ndarray, Om: np.ndarray, gamma_stop: float) -> None:
    r"""Fill the stable runs of NaN points of a cell's branch next to its bands with the real branch that continues a
    band across its branch-point edge (in place)  [docs §12].

    Power that drifts out of a band through a branch point goes on as a real wave of that branch, whose group velocity
    can have the opposite sign of the band's (benchmark a = 0.9: +0.48 at the edge of band 1 inside it, -0.38 to -0.12
    on its continuation, :math:`X\approx-0.9`).  A run bounded by two such edges is shared at its midpoint (one tracked
    root per point: the two continuations are different branches, :data:`BRANCH_JUMP`); a run next to one such edge is
    filled from it.  Each run is continued point by point by Newton from the edge root of :func:`_edge_root`, and
    ends where Newton fails, the root leaves the real axis or the light cone is reached.  Runs next to a resonant edge
    stay NaN."""
    nK = K.size
    uns = np.isfinite(Om) & (Om.imag > gamma_stop)
    if not uns.any():
        return
    free = ~np.isfinite(Om)
    j = 0
    while j < nK:
        if not free[j]:
            j += 1
            continue
        a = j
        while j < nK and free[j]:
            j += 1
        b = j - 1
        sides = []  # (edge point, first point, direction)
        if a > 0 and uns[a - 1]:
            sides.append((a - 1, a, 1))
        if b < nK - 1 and uns[b + 1]:
            sides.append((b + 1, b, -1))
        starts = [(e, s_, d, _edge_root(gs, K, Om, e, s_)) for e, s_, d in sides]
        starts = [x for x in starts if x[3] is not None]
        mid = (a + b) // 2
        for e, s_, d, z in starts:
            last = b if d == 1 else a
            if len(starts) == 2:
                last = mid if d == 1 else mid + 1
            Om[s_] = z
            jj = s_
            while jj != last:
                n = jj + d
                if abs(K[n]) <= 1e-12 or np.isfinite(Om[n]):
                    break
                p = jj - d
                start = 2 * Om[jj].real - Om[p].real if p != e and (a <= p <= b) else Om[jj].real
                sol, ok = newton_roots(gs, np.array([complex(start)]), K[n:n + 1], max_jump=0.2)
                zn = complex(sol[0])
                if not ok[0] or abs(zn.imag) > 1e-8 * (1 + abs(zn)) or abs(phase_velocity(zn.real, K[n], gs.D0, gs.D1)) <= 1.0:
                    break
                Om[n] = zn.real
                jj = n


def _extend(a: np.ndarray) -> np.ndarray:
    """Fill NaN entries along the last axis with the nearest finite value of the row (0 for an all-NaN row)."""
    out = np.array(a, dtype=float, copy=True)
    for row in out.reshape(-1, out.shape[-1]):
        f = np.isfinite(row)
        if not f.any():
            row[:] = 0.0
            continue
        idx = np.flatnonzero(f)
        pos = np.searchsorted(idx, np.arange(row.size))
        left = idx[np.clip(pos - 1, 0, idx.size - 1)]
        right = idx[np.clip(pos, 0, idx.size - 1)]
        near = np.where(np.abs(np.arange(row.size) - left) <= np.abs(right - np.arange(row.size)), left, right)
        row[:] = row[near]
    return out


def _d_dK(OmR: np.ndarray, dK: float) -> np.ndarray:
    """Centred derivative along K where both neighbours are finite and on the same branch (:data:`BRANCH_JUMP`),
    one-sided next to a gap or a change of branch, NaN elsewhere."""
    d = np.full(OmR.shape, np.nan)
    step = OmR[:, 1:] - OmR[:, :-1]
    jump = np.abs(step) > BRANCH_JUMP  # a change of branch (NaN compares False: the NaN itself propagates)
    c = (OmR[:, 2:] - OmR[:, :-2]) / (2 * dK)
    d[:, 1:-1] = np.where(jump[:, 1:] | jump[:, :-1], np.nan, c)
    fwd = np.where(jump, np.nan, step / dK)
    miss = ~np.isfinite(d)
    d[:, :-1] = np.where(miss[:, :-1], fwd, d[:, :-1])
    miss = ~np.isfinite(d)
    d[:, 1:] = np.where(miss[:, 1:], fwd, d[:, 1:])
    return d


# ---------------------------------------------------------------------------------------------------------------
@dataclass(repr=False)
class RayTracingResult:
    """Output of :func:`run_ray_tracing` (axes ``t``, ``z_cell``, ``v``, ``K``).

    Attributes
    ----------
    t, z_cell, v, w, K : ndarray
        Output times, cell centres, velocity nodes and weights, the K grid.
    D_cell : ndarray (nt, n_cell, Nv)
        :math:`D_v(z_c,t)`.
    power_cell : ndarray (nt, n_cell, n_K)
        :math:`|\\psi_{0,K}|^2` per box mode of the whole box, locally: :math:`\\frac{2\\pi}{L}\\mathcal P(z_c,K)`.
    gamma_cell, Omega_R_cell : ndarray (nt, n_cell, n_K)
        Growth rate (0 where stable) and real frequency of the tracked branch (NaN where none).
    D0_total : ndarray (nt,)
        :math:`\\frac1L\\int dz\\,D_0` (the cell mean of :math:`\\sum_vw_vD_v`), conserved.
    diagnostics : dict
        Steps, wall time, the step, Courant numbers, D_0 drift.
    """

    t: np.ndarray
    z_cell: np.ndarray
    v: np.ndarray
    w: np.ndarray
    K: np.ndarray
    D_cell: np.ndarray
    power_cell: np.ndarray
    gamma_cell: np.ndarray
    Omega_R_cell: np.ndarray
    D0_total: np.ndarray
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def D(self) -> np.ndarray:
        """Box average of :math:`D_v`, shape (nt, Nv)."""
        return self.D_cell.mean(axis=1)

    @property
    def power(self) -> np.ndarray:
        """Box average of the local power, shape (nt, n_K)."""
        return self.power_cell.mean(axis=1)

    def __repr__(self) -> str:
        return (f"RayTracingResult(t in [0, {float(self.t[-1]):g}], {self.z_cell.size} cells, n_K={self.K.size}, "
                f"Nv={self.v.size}, D0 drift={self.diagnostics.get('D0_drift', float('nan')):.2g})")


def run_ray_tracing(
    D_cv: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    *,
    L: float,
    K: np.ndarray,
    lam_prime_c: np.ndarray,
    t_out: np.ndarray,
    seed_power: float,
    profile_w: np.ndarray,
    gamma_stop: float = 1e-6,
    rtol: float = 3e-3,
    atol: float = 1e-6,
    cfl: float = CFL_MAX,
    max_step: float = 1.0,
    P0_cj: np.ndarray | None = None,
    progress: Callable[..., None] | None = None,
    checkpoint: Any = None,
) -> RayTracingResult:
    r"""Ray-tracing QLT of a periodic box of length ``L`` in ``n_cell`` cells  [docs §12; F2 eqs. 10–12].

    Parameters
    ----------
    D_cv : ndarray (n_cell, Nv)
        Initial :math:`D_v(z_c)` (cell averages).
    v, w : ndarray (Nv,)
        Velocity nodes and weights.
    L : float
        Box length (the cells have width L / n_cell); also fixes the box-mode normalisation of the power.
    K : ndarray (n_K,)
        The fixed, equally spaced K grid; it must hold every K a band reaches during the run.
    lam_prime_c : ndarray (n_cell,)
        :math:`\lambda'(z_c)+G`: the matter part of :math:`\dot K` (exact for every branch).
    t_out : ndarray
        Output times, starting at 0.
    seed_power : float
        :math:`|\psi_{0,K}(0)|^2` per box mode of the QKE seed.
    profile_w : ndarray (Nv,)
        Seed profile weights ``w_j p_j`` (:func:`flavomon.qlt.config.profile_weights`).
    gamma_stop, rtol, atol : float
        Growth-rate floor and the local-QLT tolerances (as :class:`flavomon.qlt.QLTConfig`).
    cfl : float
        Courant number of the transport sub-steps (<= 1/2).
    max_step : float
        Largest step of the splitting (the local QLT steps inside it are adaptive); the transport is sub-cycled
        at ``cfl`` within it.
    P0_cj : ndarray (n_cell, n_K), optional
        Initial spectral density instead of the projected seed (e.g. a wave packet).
    progress : callable, optional
        ``progress(t)`` after each output.
    checkpoint : object, optional
        Resume and checkpoints (the workflow's, :mod:`flavomon.workflows.qlt`): ``checkpoint.resume_state`` is a
        :func:`snapshot <run_ray_tracing>` dict to continue from (or None), and ``checkpoint.at_output(i, snap)``
        is called after output ``i`` with ``snap()`` returning the state to save.  A state holds every array the
        loop carries, so a resumed run repeats the same floating-point operations (bit-identical results).
    """
    wall0 = time.perf_counter()
    D_initial = np.array(D_cv, dtype=float, copy=True)
    D = np.array(D_cv, dtype=float, copy=True)
    Nc, Nv = D.shape
    K = np.asarray(K, dtype=float)
    nK = K.size
    dK = float(K[1] - K[0])
    ell = L / Nc
    z_c = ell * (np.arange(Nc) + 0.5)
    lamp = np.asarray(lam_prime_c, dtype=float).reshape(Nc)
    if not (0 < cfl <= 0.5):
        raise ValueError("cfl must be in (0, 1/2]")
    params = StepParams(dk=dK, gamma_stop=gamma_stop, atol=atol, rtol=rtol)
    gs = [GridState.build(D[c], v, w) for c in range(Nc)]
    # ---- the branch in every cell: computed once per distinct D, warm-started from the previous cell ------------
    Om = np.full((Nc, nK), np.nan + 0j)
    for c in range(Nc):
        same = next((b for b in range(c) if np.array_equal(D[b], D[c])), None)
        if same is not None:
            Om[c] = Om[same]
        else:
            Om[c] = branch_on_grid(gs[c], K, gamma_stop, guess=Om[c - 1] if c else None)
    absX_ref = reference_absX(Om, gs, K, gamma_stop)
    if P0_cj is None:
        proj = np.full((Nc, nK), np.nan)
        for c in range(Nc):
            f = np.isfinite(Om[c]) & (Om[c].imag > gamma_stop)  # the bands (not the real branches between them:
            # next to a branch point the projection on either real root diverges, as on the band root, docs §11)
            if not f.any():
                f = np.isfinite(Om[c])  # a stable cell: the projection on its continued branch
            if f.any():
                proj[c, f] = projection_factor(gs[c], Om[c, f], K[f], profile_w)
        # outside the bands a flat seed of the transported density |X| P: (L / 2 pi) p_seed.  Inside, |X| x the F2
        # projection is of order 1 everywhere (a = 0.9: 0.25-7 across both bands, 1.00 near K = 0 where |X| ~ 1/K^2
        # and the projection ~ K^2), while the projection alone swings from 3e-6 to 13
        P = L / (2 * np.pi) * seed_power * np.where(np.isfinite(proj) & (proj > 0), proj, 1.0 / absX_ref)
    else:
        P = np.array(P0_cj, dtype=float, copy=True)
    P = np.maximum(P, 0.0)
    # what enters the K grid through its ends: the initial density there (outside the grid nothing grows, so a ray
    # arriving from beyond an end brings the seed it started with)
    A_edge = ((absX_ref * P)[:, 0].copy(), (absX_ref * P)[:, -1].copy())
    D_ref = D.copy()  # D at the last refresh of the unstable roots of each cell
    D_ref_stable = D.copy()  # ... and of the stable part of the branch
    # ---- output buffers -------------------------------------------------------------------------------------------
    t_out = np.asarray(t_out, dtype=float)
    nt = t_out.size
    D_rec = np.empty((nt, Nc, Nv))
    pow_rec = np.empty((nt, Nc, nK))
    gam_rec = np.empty((nt, Nc, nK))
    omr_rec = np.empty((nt, Nc, nK))
    D0_rec = np.empty(nt)

    def record(i: int) -> None:
        D_rec[i] = D
        pow_rec[i] = P * (2 * np.pi / L)
        gam = np.where(np.isfinite(Om) & (Om.imag > gamma_stop), Om.imag, 0.0)
        gam_rec[i] = gam
        omr_rec[i] = np.where(np.isfinite(Om), Om.real, np.nan)
        D0_rec[i] = float(np.mean(D @ w))

    record(0)
    h_loc = np.full(Nc, np.inf)  # the local integrator's next step in each cell
    stats = dict.fromkeys(STAT_KEYS, 0)
    D_scan = D.copy()  # D at each cell's last fresh search for unstable roots
    scan_dd = np.full(Nc, RESCAN_DD)  # ... and the change of D that triggers its next one
    scan_n = np.zeros(Nc, dtype=int)  # ... and the number of its searches (the offset of their coarse eig points)
    scale0 = float(np.mean(np.abs(D) @ w))
    n_steps = n_local = 0
    order_flag = 0
    cmax_seen = 0.0
    t = 0.0
    i_start = 1
    resume = getattr(checkpoint, "resume_state", None)
    if resume is not None:  # continue a run from its last checkpoint (the arrays it saved; module notes)
        same = (np.array_equal(resume["D_initial"], D_initial) and np.array_equal(resume["K"], K)
                and np.array_equal(resume["t_out"], t_out) and np.array_equal(resume["lam_prime"], lamp))
        if not same:
            raise FlavomonInputError("the checkpoint is of another run (its initial D, K grid, output times or matter "
                                     "profile differ); discard it with --restart")
        i = int(resume["i_out"])
        t = float(t_out[i])
        D, P, Om = resume["D"].copy(), resume["P"].copy(), resume["Om"].copy()
        D_ref, D_ref_stable, D_scan = resume["D_ref"].copy(), resume["D_ref_stable"].copy(), resume["D_scan"].copy()
        scan_dd, scan_n, h_loc = resume["scan_dd"].copy(), resume["scan_n"].copy(), resume["h_loc"].copy()
        absX_ref = resume["absX_ref"].copy()
        A_edge = (resume["A_edge_lo"].copy(), resume["A_edge_hi"].copy())
        order_flag, n_steps, n_local = (int(resume[k]) for k in ("order_flag", "n_steps", "n_local"))
        cmax_seen = float(resume["cmax_seen"])
        stats.update({k: int(x) for k, x in zip(STAT_KEYS, resume["stats"])})
        for name, buf in (("D_rec", D_rec), ("pow_rec", pow_rec), ("gam_rec", gam_rec), ("omr_rec", omr_rec),
                          ("D0_rec", D0_rec)):
            buf[: i + 1] = resume[name]
        gs = [GridState.build(D[c], v, w) for c in range(Nc)]
        i_start = i + 1

    def loop_state(i: int) -> dict[str, Any]:
        """Everything the loop carries after output ``i`` (copies; small: the records are not in it)."""
        return {"i_out": i, "D": D.copy(), "P": P.copy(), "Om": Om.copy(), "D_ref": D_ref.copy(),
                "D_ref_stable": D_ref_stable.copy(), "D_scan": D_scan.copy(), "scan_dd": scan_dd.copy(),
                "scan_n": scan_n.copy(), "h_loc": h_loc.copy(), "absX_ref": absX_ref.copy(),
                "A_edge_lo": A_edge[0].copy(), "A_edge_hi": A_edge[1].copy(), "order_flag": order_flag,
                "n_steps": n_steps, "n_local": n_local, "cmax_seen": cmax_seen,
                "stats": np.array([stats[k] for k in STAT_KEYS], dtype=np.int64)}

    def snapshot(state: dict[str, Any]) -> dict[str, Any]:
        """A loop state with the records up to its output (they do not change after it) and the run's identity."""
        i = state["i_out"]
        return {**state, "D_rec": D_rec[: i + 1].copy(), "pow_rec": pow_rec[: i + 1].copy(),
                "gam_rec": gam_rec[: i + 1].copy(), "omr_rec": omr_rec[: i + 1].copy(),
                "D0_rec": D0_rec[: i + 1].copy(), "D_initial": D_initial, "K": K, "t_out": t_out, "lam_prime": lamp}

    last: dict[str, Any] | None = None  # with a checkpoint: the loop state at the last output (saved on an interrupt)
    try:
        for i_out in range(i_start, nt):
            t_next = t_out[i_out]
            while t < t_next - 1e-12 * max(1.0, t_next):
                vg, Kdot = _fields(Om, dK, ell, lamp)
                speed = max(float(np.max(np.abs(vg))) / ell, float(np.max(np.abs(Kdot))) / dK, 1e-300)
                h = min(t_next - t, max_step)
                n_tr = max(1, int(math.ceil(0.5 * h * speed / cfl - 1e-12)))  # transport sub-steps per half step
                cmax_seen = max(cmax_seen, 0.5 * h * speed / n_tr)
                # 1. half transport
                P, D = _transport(P, D, vg, Kdot, absX_ref, A_edge, 0.5 * h, ell, dK, v, L, order_flag, n_tr)
                gs = [GridState.build(D[c], v, w) for c in range(Nc)]
                # the unstable roots only: the stable part of the branch sets the transport speeds of the next step
                # (see REFRESH_STABLE_DD)
                _refresh(gs, Om, K, D, D_ref, D_ref_stable, gamma_stop, stats, stable=False, neighbours=False)
                # 2. local QLT (its D_0 conservation needs the roots of the D it starts from)
                for c in range(Nc):
                    P[c], D[c], Om[c], used, h_loc[c] = _local(gs[c], Om[c], P[c], K, h, params, gamma_stop,
                                                               h_loc[c])
                    n_local += used
                    if used:  # (otherwise D did not change)
                        gs[c] = GridState.build(D[c], v, w)
                        D_ref[c] = D[c]  # the integrator left the unstable roots at this D
                # 3. half transport, then roots
                P, D = _transport(P, D, vg, Kdot, absX_ref, A_edge, 0.5 * h, ell, dK, v, L, 1 - order_flag, n_tr)
                gs = [GridState.build(D[c], v, w) for c in range(Nc)]
                order_flag = 1 - order_flag
                _refresh(gs, Om, K, D, D_ref, D_ref_stable, gamma_stop, stats, unstable=False)  # stable, neighbours
                _rescan(gs, Om, K, D, D_scan, scan_dd, scale0, gamma_stop, stats, scan_n)
                t += h
                n_steps += 1
            t = t_next
            record(i_out)
            if progress is not None:
                progress(t)
            if checkpoint is not None:
                last = loop_state(i_out)
                checkpoint.at_output(i_out, lambda st=last: snapshot(st))
    except Exception:
        raise  # an error of the run itself: a resume would meet it again
    except BaseException:
        # Ctrl-C or SIGTERM (KeyboardInterrupt, the CLI's Terminated) mid-step: the state of the last output is
        # consistent and is saved (a resume repeats the run from there bit for bit); then the interrupt goes on
        if last is not None and hasattr(checkpoint, "on_interrupt"):
            checkpoint.on_interrupt(lambda st=last: snapshot(st))
        raise
    D0_drift = float(np.max(np.abs(D0_rec - D0_rec[0])) / max(abs(D0_rec[0]), 1e-300))
    diag = {**stats, "steps": n_steps, "local_steps": n_local, "n_cell": Nc, "cell": ell,
            "dK": dK, "courant_max": cmax_seen, "D0_drift": D0_drift,
            "wall_time_s": time.perf_counter() - wall0}
    return RayTracingResult(t=t_out, z_cell=z_c, v=v, w=w, K=K, D_cell=D_rec, power_cell=pow_rec,
                            gamma_cell=gam_rec, Omega_R_cell=omr_rec, D0_total=D0_rec, diagnostics=diag)


def _fields(Om: np.ndarray, dK: float, ell: float, lamp: np.ndarray):
    r"""Transport speeds on the grid: :math:`v_g=\partial_K\Omega_R` (extended from the nearest tracked point of the
    cell) and :math:`\dot K`."""
    OmR = np.where(np.isfinite(Om), Om.real, np.nan)
    vg = np.clip(_extend(_d_dK(OmR, dK)), -1.0, 1.0)  # causal: a group velocity is at most 1 (continued beam modes
    # next to a pole of the resolvent can give a numerically larger slope)
    if OmR.shape[0] > 2:
        up, down = np.roll(OmR, -1, axis=0), np.roll(OmR, 1, axis=0)
        dz = (up - down) / (2 * ell)
        dz = np.where((np.abs(up - OmR) > BRANCH_JUMP) | (np.abs(OmR - down) > BRANCH_JUMP), 0.0, dz)  # another branch
    else:
        dz = np.zeros_like(OmR)
    dz = np.where(np.isfinite(dz), dz, 0.0)
    Kdot = lamp[:, None] - dz
    return vg, Kdot


def reference_absX(Om: np.ndarray, gs: list[GridState], K: np.ndarray, gamma_stop: float) -> np.ndarray:
    r"""The :math:`|X|` of the transport, fixed at t = 0 (shape (n_cell, n_K)): :math:`|X|` of the initial branch of
    each cell (its unstable roots and the real branches that continue them across branch-point edges,
    :func:`_fill_gaps`), :math:`\ln|X|` interpolated linearly in K across the points without a root and held constant
    beyond the outer ones; in a cell without a band, :math:`|X|` of its continued real branch (the action
    :math:`X\mathcal P` is what a wave keeps along a ray in a stable medium, measured on the box, docs §12); only
    values inside :data:`ABSX_RANGE` count (1 where there are none)  [docs §12].

    Fixed in time and the same for the z and the K transport, inside the bands as well, so that the flow of
    :math:`|X|\mathcal P` around any closed loop in phase space returns :math:`\mathcal P` unchanged where nothing
    grows.  An |X| that changed with the bands (the current root's, at the points unstable now), or from cell to cell
    by extension, multiplied the power on such loops without bound: in a medium whose cells switch between stable and
    unstable (benchmark a = 0.9 with ``--modulate a=0.3``) the power at stable points reached 1e4 times that of a
    homogeneous saturation by t = 100.  The range bounds what any transport can do to :math:`\mathcal P` (next to
    K = 0, :math:`|X|\propto K^{-2}` reached 1e10 on a grid point)."""
    out = np.ones(Om.shape)
    lo, hi = ABSX_RANGE
    for c in range(Om.shape[0]):
        f = np.isfinite(Om[c]) & (np.abs(K) > 1e-12)  # the band roots and the real branches that continue them
        if not f.any():
            continue
        x = np.abs(X_factor(gs[c], Om[c, f], K[f]))
        good = np.isfinite(x) & (x > lo) & (x <= hi)
        if good.any():
            out[c] = np.exp(np.interp(K, K[f][good], np.log(x[good])))
    return out


def _transport(P, D, vg, Kdot, absX, A_edge, h, ell, dK, v, L, order_flag, n_sub=1):
    """Transport over ``h`` in ``n_sub`` sub-steps: the density :math:`|X|\\mathcal P` in z and in K (the order of the
    two alternating, starting as ``order_flag`` says; inflow at the K-grid ends brings ``A_edge``, (low, high)),
    D streamed in z (exact, in one go)."""
    A = absX * P
    Nc = P.shape[0]
    hs = h / n_sub
    flag = order_flag
    for _ in range(n_sub):
        for name in (("z", "K") if flag == 0 else ("K", "z")):
            if name == "z":
                if Nc > 1:
                    A = advect_log(A, vg, hs, ell, axis=0, periodic=True)
            elif np.any(Kdot != 0.0):
                A = advect_log(A, Kdot, hs, dK, axis=1, periodic=False, inflow=A_edge)
        flag = 1 - flag
    D = stream_cells(D, v, h, L)
    return A / absX, D


def _local(gs: GridState, Om: np.ndarray, P: np.ndarray, K: np.ndarray, h: float, params: StepParams,
           gamma_stop: float, h_try: float = np.inf) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, float]:
    """Local QLT of one cell over ``h`` [F2 eqs. 10–12], starting with the step ``min(h, h_try)``: returns
    (P, D, Om, integrator steps used, the integrator's next step)."""
    P = P.copy()
    Om = Om.copy()
    uns = np.flatnonzero(np.isfinite(Om) & (Om.imag > gamma_stop))
    if uns.size == 0:
        return P, gs.D_v.copy(), Om, 0, h_try
    state = QLTState(t=0.0, gs=gs, iK=uns, K=K[uns], Om=Om[uns], P=P[uns])
    # linear phase: the relaxation over the step is negligible, D and the roots stay as they are
    grow = np.exp(2 * Om[uns].imag * h)
    relax = 0.5 * params.dk * float(np.max(np.abs((P[uns] * np.expm1(2 * Om[uns].imag * h)) @ state.L)))
    if relax < LINEAR_PHASE_RELAX:
        P[uns] = P[uns] * grow
        return P, gs.D_v.copy(), Om, 0, h_try
    t_done, hh, used = 0.0, min(h, h_try), 0
    h_next = hh
    while t_done < h * (1 - 1e-12):
        hh = min(hh, h - t_done)
        new, rep = qlt_step(state, hh, params, compiled=True)
        used += 1
        if new is None:
            hh = rep.h_next
            if hh < 1e-9 * h:
                raise RuntimeError(f"ray-tracing QLT: the local step collapsed ({rep.reason}, h={hh:.3g})")
            continue
        t_done += hh
        hh = h_next = rep.h_next
        keep = rep.ok & ~rep.lost & (new.Om.imag > gamma_stop)
        state = new
        if not keep.all():
            # roots that became stable leave the integrator; their power is kept on the grid
            P[state.iK[~keep]] = state.P[~keep]
            Om[state.iK[~keep]] = state.Om[~keep]
            state = QLTState(t=state.t, gs=state.gs, iK=state.iK[keep], K=state.K[keep], Om=state.Om[keep],
                             P=state.P[keep])
            if state.n == 0:
                break
    if state.n:
        P[state.iK] = state.P
        Om[state.iK] = state.Om
    return P, state.gs.D_v.copy(), Om, used, h_next


def _rescan(gs: list[GridState], Om: np.ndarray, K: np.ndarray, D: np.ndarray, D_scan: np.ndarray,
            scan_dd: np.ndarray, scale0: float, gamma_stop: float, stats: dict[str, int],
            scan_n: np.ndarray | None = None) -> None:
    """Search the cells whose D moved by ``scan_dd`` (per cell, relative to ``scale0``) since their last search for
    unstable roots anew, and adopt those at points that are not unstable (in place).  A search that finds a new
    band (an adopted point with no unstable neighbour in K before it) resets the cell's threshold to
    :data:`RESCAN_DD`; one that finds none doubles it, up to :data:`RESCAN_DD_MAX`.  ``scan_n``: the number of searches
    of each cell so far (advanced in place), which sets the offset of its coarse eig points (:data:`RESCAN_OFFSET`);
    None: offset 0."""
    for c in range(Om.shape[0]):
        if float(gs[c].w @ np.abs(D[c] - D_scan[c])) <= scan_dd[c] * scale0:
            continue
        D_scan[c] = D[c]
        stats["rescans"] += 1
        was = np.isfinite(Om[c]) & (Om[c].imag > gamma_stop)
        near = was | np.r_[was[1:], False] | np.r_[False, was[:-1]]  # unstable, or next to an unstable point
        new_band = False
        offset = 0
        if scan_n is not None:
            offset = int(scan_n[c]) * RESCAN_OFFSET
            scan_n[c] += 1
        # eig only where nothing is tracked as unstable: roots at tracked points are not adopted
        for j, zs in find_unstable_roots(gs[c], K, gamma_stop, stride=RESCAN_STRIDE, offset=offset, skip=was).items():
            if abs(K[j]) > 1e-12 and not was[j]:
                Om[c, j] = max(zs, key=lambda z: z.imag)
                stats["points_rescanned"] += 1
                new_band |= not near[j]
        stats["new_bands_found"] += int(new_band)
        scan_dd[c] = RESCAN_DD if new_band else min(2.0 * scan_dd[c], RESCAN_DD_MAX)


def _refresh(gs: list[GridState], Om: np.ndarray, K: np.ndarray, D: np.ndarray, D_ref: np.ndarray,
             D_ref_stable: np.ndarray, gamma_stop: float, stats: dict[str, int], *, unstable: bool = True,
             stable: bool = True, neighbours: bool = True) -> None:
    """Refresh the roots of the cells whose D changed (Newton warm start in t): the unstable ones (``unstable``) and
    the stable part of the branch (``stable``, only after a larger change); then (``neighbours``) try the neighbours of
    every unstable point from its root (warm starts in K and z).  Updates ``Om``, the references and the counters
    ``stats`` in place."""
    Nc, nK = Om.shape
    for c in range(Nc):
        w = gs[c].w
        scale = float(w @ np.abs(D[c])) or 1.0
        for which, ref, tol in (("unstable", D_ref, REFRESH_DD), ("stable", D_ref_stable, REFRESH_STABLE_DD)):
            if not (unstable if which == "unstable" else stable) or float(w @ np.abs(D[c] - ref[c])) <= tol * scale:
                continue
            uns = np.isfinite(Om[c]) & (Om[c].imag > gamma_stop)
            f = uns if which == "unstable" else (np.isfinite(Om[c]) & ~uns)
            stats["root_refreshes"] += 1
            if f.any():
                sol, ok = newton_roots(gs[c], Om[c, f], K[f], max_jump=0.05 + 0.5 * np.abs(Om[c, f].imag),
                                       maxiter=40 if which == "unstable" else NEIGHBOUR_NEWTON_ITER, compiled=True)
                idx = np.flatnonzero(f)  # a stable root Newton could not follow keeps its value
                Om[c, idx[ok]] = np.where(np.abs(sol[ok].imag) < 1e-10 * (1 + np.abs(sol[ok])), sol[ok].real, sol[ok])
                if which == "unstable" and not ok.all():
                    # an unstable root Newton lost: eig(M) at its K, the eigenvalue nearest the old root; none left
                    # unstable: the point leaves the bands (its power stays on the grid).  The local step needs
                    # exact roots (its D_0 conservation rests on them)
                    for j in idx[~ok]:
                        cand = eig_unstable(gs[c], K[j:j + 1], gamma_stop)[0]
                        Om[c, j] = cand[np.argmin(np.abs(cand - Om[c, j]))] if cand.size else np.nan + 0j
                        stats["roots_refound_by_eig"] += 1
            ref[c] = D[c]
    if not neighbours:
        return
    # neighbours of unstable points that are not unstable: try the neighbour's root
    uns = np.isfinite(Om) & (Om.imag > gamma_stop)
    cand_c, cand_j, start = [], [], []
    for dc, dj in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        if dc and Nc < 3:
            continue
        src = np.roll(np.roll(uns, dc, axis=0), dj, axis=1)
        srcOm = np.roll(np.roll(Om, dc, axis=0), dj, axis=1)
        if dj == 1:
            src[:, 0] = False
        if dj == -1:
            src[:, -1] = False
        cc, jj = np.nonzero(src & ~uns)
        cand_c += list(cc)
        cand_j += list(jj)
        start += list(srcOm[cc, jj])
    if cand_c:
        cand_c, cand_j, start = np.array(cand_c), np.array(cand_j), np.array(start, dtype=complex)
        for c in np.unique(cand_c):
            sel = cand_c == c
            j = cand_j[sel]
            sol, ok = newton_roots(gs[c], start[sel], K[j], max_jump=0.05 + 0.5 * np.abs(start[sel].imag),
                                   maxiter=NEIGHBOUR_NEWTON_ITER, compiled=True)
            good = ok & (sol.imag > gamma_stop) & (np.abs(K[j]) > 1e-12)
            for jj, z in zip(j[good], sol[good]):
                if not (np.isfinite(Om[c, jj]) and Om[c, jj].imag > gamma_stop):
                    Om[c, jj] = z
                    stats["points_entered"] += 1


# ---------------------------------------------------------------------------------------------------------------
# the run of a distribution and a QLTConfig
CELL_SAMPLES = 8
"""Points per cell (midpoint rule) of the cell averages of the initial :math:`D_v(z)`, and at least as many per
modulation wavelength where that is shorter than the cell (:func:`cell_samples`)."""

MAX_CELL_SAMPLES = 4096
"""Most midpoints per cell (:func:`cell_samples`): a modulation 512 times shorter than the cell is refused."""


GRID_PAD = 0.05
"""Padding (in K) of the automatic ray-tracing grid on each side of the union of the cells' bands."""


def narrowest_ray_cell(L: float, K_fast: float) -> float:
    r"""The narrowest ray-tracing cell L/n of a box of length ``L`` that holds one wavelength :math:`2\pi/|K|` of the
    fastest-growing mode: n = floor(L |K| / 2 pi), at least 1."""
    return L / max(1, int(math.floor(L * abs(K_fast) / (2 * np.pi))))


def local_distributions(dist: Any, modulation: Any) -> list[Any]:
    """The local distributions whose bands stand for every cell's: ``dist`` itself, or the samples of the modulated
    parameter (:func:`flavomon.background.modulation_samples`)."""
    from ..background import modulation_samples
    from ..distributions import from_spec

    if modulation is None or modulation.amplitude == 0.0:
        return [from_spec(dist)]
    return modulation_samples(dist, modulation)


def local_bands(dist: Any, modulation: Any, Nv: int) -> list[tuple[Any, list[Any]]]:
    """``(distribution, its unstable bands)`` for every local distribution (:func:`local_distributions`), on ``Nv``
    nodes (:func:`flavomon.linear.unstable_bands`): computed once per run, used by every check below, and kept for
    the last :data:`BANDS_KEPT_MAX` distinct arguments (:func:`_bands_key`), so that the automatic grid (:func:`ray_grid`, often given the
    SPEC) and the run (given the parsed distribution) share them."""
    from ..distributions import from_spec

    d = from_spec(dist)
    return list(_local_bands_kept(_bands_key(d), d, modulation, int(Nv)))


def _bands_key(dist: Any) -> tuple:
    """What the bands of ``dist`` depend on, as a key: its SPEC, name and parameters, and its values at
    :data:`BANDS_KEY_PROBES` Chebyshev points inside (-1, 1) (two distributions with the same SPEC but other values,
    e.g. tables or callables of the same name, get different keys)."""
    n = BANDS_KEY_PROBES
    with np.errstate(all="ignore"):
        probe = np.asarray(dist(np.cos(np.pi * (np.arange(n) + 0.5) / n)), dtype=complex)
    return (dist.spec, dist.name, tuple(sorted(dist.params.items())), probe.tobytes())


BANDS_KEY_PROBES = 257
"""Points of (-1, 1) at which :func:`_bands_key` samples a distribution."""


def _compute_local_bands(dist: Any, modulation: Any, Nv: int) -> list[tuple[Any, list[Any]]]:
    from ..linear import unstable_bands

    return [(d, unstable_bands(d, Nv=Nv)) for d in local_distributions(dist, modulation)]


_BANDS_KEPT: collections.OrderedDict = collections.OrderedDict()
"""The bands of the last :data:`BANDS_KEPT_MAX` distinct (key, modulation, Nv) of :func:`local_bands`."""

BANDS_KEPT_MAX = 8
"""How many distinct (distribution, modulation, Nv) :func:`local_bands` keeps."""


def _local_bands_kept(key: tuple, dist: Any, modulation: Any, Nv: int) -> tuple[tuple[Any, tuple[Any, ...]], ...]:
    """:func:`local_bands` for the key ``key`` of ``dist`` (:func:`_bands_key`), kept for the next call with the same
    key, modulation and Nv (immutable; the least recently used of more than :data:`BANDS_KEPT_MAX` is dropped)."""
    full = (key, modulation, Nv)
    if full in _BANDS_KEPT:
        _BANDS_KEPT.move_to_end(full)
        return _BANDS_KEPT[full]
    out = tuple((d, tuple(b)) for d, b in _compute_local_bands(dist, modulation, Nv))
    _BANDS_KEPT[full] = out
    while len(_BANDS_KEPT) > BANDS_KEPT_MAX:
        _BANDS_KEPT.popitem(last=False)
    return out


def check_band_points(local: list[tuple[Any, list[Any]]], K_range: tuple[float, float], config: Any, k: np.ndarray,
                      D1bar: float, gamma_stop: float) -> None:
    r"""The K-grid check of full QLT (:func:`flavomon.qlt.checks.check_band_sampling`: an error if a local
    distribution's bands hold no grid point, one PhysicsWarning, for the worst sampled, if they hold too few)
    for every local distribution of ``local`` (:func:`local_bands`), on the ray tracer's grid
    :math:`k=K+\bar D_1`; the message suggests ``K_range`` (:func:`band_range`: every cell's bands)."""
    from .checks import check_band_sampling

    lo, hi = K_range
    union = (lo + D1bar, hi + D1bar) if np.isfinite(lo) else None
    worst = None
    for d, bands in local:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            n = check_band_sampling(d, config, None, k, D1bar, gamma_stop, bands=bands, hint_range=union)
        if caught and (worst is None or n < worst[0]):
            worst = (n, caught[0])
    if worst is not None:
        warnings.warn(worst[1].message, worst[1].category, stacklevel=3)


def band_range(dist: Any, modulation: Any, Nv: int, local: list[tuple[Any, list[Any]]] | None = None
               ) -> tuple[tuple[float, float], float]:
    """((K_lo, K_hi), K at the largest growth rate) of the union of the unstable bands of every local distribution
    (the modulation samples of :func:`flavomon.background.modulation_samples`, or ``dist``; ``local``: their
    :func:`local_bands`, if already known); (inf, -inf) and 0 when all are stable."""
    lo, hi, K_fast, g_fast = np.inf, -np.inf, 0.0, 0.0
    for _, bands in (local if local is not None else local_bands(dist, modulation, Nv)):
        for b in bands:
            lo, hi = min(lo, float(b.K_lo)), max(hi, float(b.K_hi))
            if b.gamma_max > g_fast:
                g_fast, K_fast = float(b.gamma_max), float(b.K_at_max)
    return (lo, hi), K_fast


def check_scale(dist: Any, modulation: Any) -> None:
    """One-line error when the base distribution of a ray-tracing run, or a local one of its modulation, has a rate
    scale outside :data:`flavomon.qlt.config.QLT_SCALE_FREE_RANGE`: ray tracing does not rescale (its cells would need
    one scale each)."""
    from ..background import modulation_samples
    from ..distributions import from_spec

    base = from_spec(dist)
    lo, hi = QLT_SCALE_FREE_RANGE
    for d in [base] + (list(modulation_samples(base, modulation)) if modulation is not None else []):
        A = float(d.rate_scale)
        if not lo <= A <= hi:
            raise FlavomonInputError(
                f"ray tracing solves distributions with int|D|dv in [{lo:g}, {hi:g}] as they are; {d.name} has "
                f"{A:.3g}: rescale the problem by D -> D/c (with k, L, t, the matter profile and the seed mapped "
                f"alike, docs §3), or use a smaller modulation")


MAX_AUTO_N_K = 100_000
"""Most points of the automatic K grid (:func:`ray_grid`); F2's grid has 600."""


def ray_grid(dist: Any, modulation: Any, Nv: int, *, D1bar: float, dk: float = 4.0 / 599) -> dict[str, float | int]:
    """The automatic K grid of ray tracing: the union of the cells' bands padded by :data:`GRID_PAD`, at spacing
    ``dk`` (default F2's), as ``dict(k_min, k_max, n_K)`` with k = K + ``D1bar`` (F2's grid for a stable case)."""
    check_scale(dist, modulation)
    (lo, hi), _ = band_range(dist, modulation, Nv)
    if not np.isfinite(lo):
        return {"k_min": -2.0, "k_max": 2.0, "n_K": 600}
    lo, hi = lo - GRID_PAD, hi + GRID_PAD
    span = (hi - lo) / dk
    if not span < MAX_AUTO_N_K:
        raise FlavomonInputError(
            f"the bands of the cells span K in [{lo:.3g}, {hi:.3g}]: at the spacing {dk:.3g} the automatic K grid "
            f"would need {span + 1:.3g} points (at most {MAX_AUTO_N_K:.0e}); the distribution sets the scale of K "
            f"(int|D|dv): use a smaller modulation, or give the grid (--k-min, --k-max, --n-K)")
    n = int(np.ceil(span)) + 1
    return {"k_min": lo + D1bar, "k_max": lo + D1bar + (n - 1) * dk, "n_K": n}


MEAN_SAMPLES = 64
"""Points per modulation wavelength of the box mean :math:`\\bar D_1` (:func:`box_mean_D1`)."""


def box_mean_D1(dist: Any, modulation: Any, Nv: int) -> float:
    r"""The box mean :math:`\bar D_1=\langle\sum_vw_vv\,D_v(z)\rangle_z` of the initial distribution on ``Nv`` nodes:
    the shift of the ray tracer's grid, :math:`K=k-\bar D_1`  [docs §12]."""
    from ..background import D_of_z
    from ..grids import VelocityGrid

    vg = VelocityGrid(Nv)
    if modulation is None or modulation.amplitude == 0.0:
        z = np.zeros(1)
    else:
        z = modulation.wavelength * (np.arange(MEAN_SAMPLES) + 0.5) / MEAN_SAMPLES
    return float(np.mean(D_of_z(dist, modulation, vg.v, z) @ (vg.w * vg.v)))


def cell_samples(ell: float, modulation: Any) -> int:
    r"""Midpoints per cell of the cell averages of :math:`D_v(z)`: :data:`CELL_SAMPLES`, and :data:`CELL_SAMPLES` per
    modulation wavelength :math:`L_b` where :math:`L_b<\ell` (8 midpoints of a cell that holds many periods would
    sample them at arbitrary phases: an aliased average).  One-line error beyond :data:`MAX_CELL_SAMPLES`."""
    if modulation is None or modulation.amplitude == 0.0:
        return CELL_SAMPLES
    lb = float(modulation.wavelength)
    n = max(CELL_SAMPLES, math.ceil(CELL_SAMPLES * ell / lb - 1e-9))
    if n > MAX_CELL_SAMPLES:
        raise FlavomonInputError(
            f"the --modulate wavelength {lb:.4g} is {ell / lb:.3g} times shorter than the cell {ell:g}: the cell "
            f"averages of D would need {n:.3g} points per cell (at most {MAX_CELL_SAMPLES}); the local picture needs "
            f"modulations many flavour wavelengths long (WKB): use a longer wavelength")
    return n


def initial_cells(dist: Any, config: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(z_cell, D_cv, lam_prime_c) of a background run: cell centres, cell averages of the initial
    :math:`D_v(z)` (:func:`cell_samples` midpoints per cell) and the exact cell average of :math:`\\lambda'` plus
    the uniform gradient  [docs §12]."""
    from ..background import D_of_z, default_cell, parse_matter, parse_modulate
    from ..grids import VelocityGrid

    v = VelocityGrid(config.Nv).v
    L = float(config.L)
    matter, mod = parse_matter(config.matter), parse_modulate(config.modulate)
    ell = float(config.cell) if config.cell is not None else default_cell(L, matter, mod)
    Nc = int(round(L / ell))
    ns = cell_samples(ell, mod)
    D_cv = np.empty((Nc, v.size))
    chunk = max(1, 65536 // ns)  # cells per call of D_of_z (bounded memory)
    for c0 in range(0, Nc, chunk):
        nc = min(chunk, Nc - c0)
        zs = ell * (np.arange(c0 * ns, (c0 + nc) * ns) + 0.5) / ns  # as one call would (bit for bit)
        D_cv[c0:c0 + nc] = D_of_z(dist, mod, v, zs).reshape(nc, ns, v.size).mean(axis=1)
    edges = ell * np.arange(Nc + 1)
    lamp = np.full(Nc, float(config.gradient))
    if matter is not None:
        lam_e = np.asarray(matter.lam(edges), dtype=float)
        lamp = lamp + (lam_e[1:] - lam_e[:-1]) / ell
    return ell * (np.arange(Nc) + 0.5), D_cv, lamp


MAX_TRANSPORT_STEPS = 1e6
"""Most transport sub-steps (Courant number :data:`CFL_MAX`) a ray-tracing run may need before it is refused: Case A
of docs §12 needs about 2000, and each sub-step moves the whole phase-space grid."""


def _check_transport_cost(lamp: np.ndarray, dK: float, ell: float, t_end: float) -> None:
    r"""One-line error when the matter part of the K drift, :math:`\max|\lambda'+G|`, needs more than
    :data:`MAX_TRANSPORT_STEPS` transport sub-steps over ``t_end`` (a lower bound: :math:`v_g\le1` in z)."""
    drift = float(np.max(np.abs(lamp))) if lamp.size else 0.0
    n = t_end * max(1.0 / ell, drift / dK) / CFL_MAX if np.isfinite(drift) else math.inf
    if n > MAX_TRANSPORT_STEPS:
        raise FlavomonInputError(
            f"the matter profile and gradient move K by up to |lambda' + G| = {drift:.3g} per unit time, across the "
            f"K grid's spacing {dK:.3g} about {drift / dK:.3g} times per unit time: the ray tracer would need "
            f"{n:.3g} transport steps (more than {MAX_TRANSPORT_STEPS:.0e}); use a smaller amplitude or gradient, a "
            f"longer wavelength or a shorter t_end")


def memory_estimate(n_t: int, n_cell: int, n_K: int, Nv: int) -> int:
    """Bytes a ray-tracing run needs at least: its records, ``D_cell`` (n_t, n_cell, Nv) and ``power_cell``,
    ``gamma_cell``, ``Omega_R_cell`` (n_t, n_cell, n_K), twice (the run's arrays and the result's or file's copies),
    plus the working phase-space arrays (about 12 of shape (n_cell, n_K))."""
    records = 2 * 8 * int(n_t) * int(n_cell) * (int(Nv) + 3 * int(n_K))
    return int(records + 12 * 16 * int(n_cell) * int(n_K))


def _check_memory(n_t: int, n_cell: int, n_K: int, Nv: int) -> None:
    """One-line error when :func:`memory_estimate` exceeds this machine's total memory (before anything is
    computed: the records are filled as the run goes, so an over-large run would fail after hours)."""
    from .._validate import gib, machine_memory

    need = memory_estimate(n_t, n_cell, n_K, Nv)
    mem = machine_memory()
    if mem is not None and need > mem[0]:
        raise FlavomonInputError(
            f"{n_cell} cells x {n_K} K points x {n_t} outputs (Nv={Nv}) need about {gib(need)} of memory but this "
            f"machine has {gib(mem[0])} ({gib(mem[1])} available); use wider cells (--cell), a larger dt_out or a "
            f"coarser K grid")


def run_raytrace_qlt(dist: Any, config: Any, progress: Callable[..., None] | None = None, *,
                     checkpoint: Any = None) -> Any:
    r"""Ray-tracing QLT of ``dist`` in the background of ``config`` (a :class:`~flavomon.qlt.QLTConfig` with
    ``matter``, ``modulate`` or ``cell``)  [docs §12].

    The box is ``config.L`` long, cut into cells of width ``config.cell`` (default
    :func:`flavomon.background.default_cell`); the initial :math:`D_v(z_c)` are cell averages of
    :func:`flavomon.background.D_of_z`, :math:`\lambda'` enters as its exact cell average
    :math:`[\lambda(z_{c+1/2})-\lambda(z_{c-1/2})]/\ell` plus the uniform gradient ``config.gradient``.  The K grid
    is that of ``config`` with :math:`K=k-\bar D_1(0)` (the box mean), held fixed; it must hold the unstable bands
    of every cell (one-line error naming the range).  ``checkpoint``: resume and checkpoints, as
    :func:`run_ray_tracing` takes them.

    Returns
    -------
    QLTResult
        ``D``, ``power``, ``gamma`` are the means over the cells; ``z_cell``, ``D_cell``, ``power_cell``,
        ``gamma_cell`` the local values.
    """
    from ..background import check_wkb, default_cell, parse_matter, parse_modulate
    from ..grids import VelocityGrid
    from .config import QLTResult, output_times, profile_weights

    vg = VelocityGrid(config.Nv)
    v, w = vg.v, vg.w
    L = float(config.L)
    matter, mod = parse_matter(config.matter), parse_modulate(config.modulate)
    check_scale(dist, mod)
    local = local_bands(dist, mod, config.Nv)
    (lo, hi), K_fast = band_range(dist, mod, config.Nv, local)
    if config.cell is None and K_fast != 0.0 and default_cell(L, matter, mod) < narrowest_ray_cell(L, K_fast):
        # the default cells (Lb / 8) are never narrower than a wavelength of the fastest mode (see below)
        config = dataclasses.replace(config, cell=narrowest_ray_cell(L, K_fast))
    _, D_cv, lamp = initial_cells(dist, config)
    D1bar = box_mean_D1(dist, mod, config.Nv)
    k = np.linspace(float(config.k_min), float(config.k_max), int(config.n_K))
    K = k - D1bar
    ell = L / D_cv.shape[0]
    _check_transport_cost(lamp, float(K[1] - K[0]), ell, float(config.t_end))
    _check_memory(output_times(config).size, D_cv.shape[0], K.size, config.Nv)
    # the grid must hold the bands of every cell
    s_rate = min(1.0, float(np.mean(np.abs(D_cv) @ w)))
    gamma_stop = float(config.gamma_stop) * s_rate
    if K_fast != 0.0 and ell < 2 * np.pi / abs(K_fast):
        # a cell is a local medium with its own spectrum: it must hold at least one wavelength of the fastest mode
        ell_min = narrowest_ray_cell(L, K_fast)
        raise FlavomonInputError(
            f"--cell {ell:g} is narrower than one wavelength 2 pi/|K| = {2 * np.pi / abs(K_fast):.3g} of the "
            f"fastest-growing mode (K = {K_fast:.3g}): a cell has no local spectrum; use --cell "
            f"{ell_min:g} (= L/{round(L / ell_min)}) or wider, many wavelengths")
    if np.isfinite(lo) and (lo < K[0] or hi > K[-1]):
        g = ray_grid(dist, mod, config.Nv, D1bar=D1bar, dk=float(k[1] - k[0]))
        raise FlavomonInputError(
            f"the K grid k in [{config.k_min:g}, {config.k_max:g}] (K = k - {D1bar:.4g}) misses unstable K of the "
            f"cells (K in [{lo:.3g}, {hi:.3g}]); use --k-min {g['k_min']:.4f} --k-max {g['k_max']:.4f} "
            f"--n-K {g['n_K']} (the same spacing), or leave the grid out")
    check_band_points(local, (lo, hi), config, k, D1bar, gamma_stop)
    check_wkb(matter, mod, K_fast, stacklevel=2)
    max_step = min(1.0, float(config.dt_max) / s_rate)
    n_split = math.ceil(float(config.t_end) / max_step - 1e-9)
    if n_split > int(config.max_steps):
        raise FlavomonInputError(
            f"dt_max = {config.dt_max:g} cuts t_end = {config.t_end:g} into {n_split:.3g} ray-tracing steps, more than "
            f"max_steps = {config.max_steps}: use a larger dt_max (the step is at most 1 anyway) or raise max_steps")
    t_out = output_times(config)
    res = run_ray_tracing(D_cv, v, w, L=L, K=K, lam_prime_c=lamp, t_out=t_out, seed_power=float(config.seed_power),
                          profile_w=profile_weights(config.psi_profile, vg), gamma_stop=gamma_stop,
                          rtol=float(config.rtol), atol=float(config.atol) * s_rate,
                          max_step=max_step, checkpoint=checkpoint,
                          progress=None if progress is None else (lambda t: progress(t, steps=0)))
    power = res.power
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # K where no cell is unstable: NaN, as in full QLT
        OmR = np.nanmean(np.where(res.gamma_cell > 0, res.Omega_R_cell, np.nan), axis=1)
    diag = dict(res.diagnostics)
    diag["method"] = "ray tracing"
    return QLTResult(
        t=t_out, v=v, w=w, K=K, k=K + D1bar, D=res.D, power=power, P=power * L / (2 * np.pi),
        gamma=res.gamma_cell.mean(axis=1), Omega_R=OmR, D0=res.D0_total, status="completed", saturated=False,
        t_saturation=None, config=config, diagnostics=diag, z_cell=res.z_cell, D_cell=res.D_cell,
        power_cell=res.power_cell, gamma_cell=res.gamma_cell)
