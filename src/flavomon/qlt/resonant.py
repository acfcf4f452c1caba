r"""Resonant QLT and its final-state prediction  [F2 eqs. 26–30; physics.md §6].

In the limit :math:`\gamma\to0` of [F2 eq. 11] every velocity ``v`` exchanges power only with
the modes resonant with it, :math:`\omega_R(K)=kv`, and (physics.md §6, with
:math:`\mathcal P` the power per unit K)

.. math::
    \partial_t\mathcal P=A\,D_v\mathcal P,\quad A=\frac{2\pi(\Omega v/K-1)}{|k|\,\partial_\Omega\varepsilon},
    \qquad \partial_tD_v=-B\,D_v\mathcal P,\quad B=\frac{\pi(1-\Omega v/K)^2}{|\partial_k\omega-v|},

so that :math:`2|\partial_k\omega-v|D_v+|k|\partial_\Omega\varepsilon(\Omega v/K-1)\mathcal P` is
invariant [F2 eq. 29]; with one resonant mode the decay is logistic at rate
:math:`2\gamma(0)` (the corrected [F2 eq. 30], physics.md §6, §10.4).

Resonant branch (continuum, weak-growth limit).  For a phase velocity :math:`v_p` the real
modes with :math:`\omega=kv_p` solve :math:`\mathrm{Re}\,\varepsilon=0` (principal value) [F2 eq.
25].  With :math:`R_n(v_p)=\mathrm{PV}\!\int dv\,D_vv^n/(v_p-v)` one has
:math:`I_n=R_n/k`, and :math:`\mathrm{Re}\,\varepsilon=0` becomes the quadratic (our derivation)

.. math:: k^2+k\,(R_1v_p-R_0-D_1)+(R_0D_1-R_1D_0)=0,

so every velocity has at most two resonant modes (two branches, e.g. both F2 bands for the
benchmark near :math:`v_c`).  Along a branch :math:`\partial_k\omega-v_p=k/(dk/dv_p)`, and
:math:`\partial_\Omega\mathrm{Re}\,\varepsilon=-R_0'/k^2+R_1'\Omega/(k^2K)+R_1/(kK)`.  The
background moments :math:`D_0,D_1` and the real branch are those of the initial
distribution (F2's resonant QLT keeps the dispersion fixed; our reading).

The **flipped velocities** are the grid nodes resonant with an unstable mode: inside the
phase-velocity range :math:`\mathrm{Re}\,\omega/k` of an unstable band of the exact (discrete)
dispersion relation, with a real resonant mode that grows, :math:`A\,D_v(0)>0`
(:func:`growing_resonances`) — found from the dispersion relation, not from a sign rule.  Their final
``D_v`` is 0; the others keep ``D_v(0)`` (minus the O(seed) change of damped resonances).
With several growing branches at one node, :math:`\tau=\int_0^\infty D\,dt` solves
:math:`D(0)+\sum_bc_b\mathcal P_b(0)=\sum_bc_b\mathcal P_b(0)e^{A_b\tau}` (:math:`c_b=B_b/A_b`)
and :math:`\mathcal P_b(\infty)=\mathcal P_b(0)e^{A_b\tau}` — exact, no time integration.

Seeds: :math:`\mathcal P(0)=\frac{L}{2\pi}p_{\rm seed}\times` the projection factor of
physics.md §3 for :math:`\psi_v(0)=\psi_0(0)/2`, evaluated with principal values at the real
resonant root (the weak-growth limit of [F2 eq. 24]; our choice).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from ..distributions import Distribution, from_spec
from ..errors import FlavomonInputError
from ..grids import VelocityGrid

__all__ = ["ResonantBranch", "ResonantFinalState", "resonant_branch", "resonant_final_state", "run_resonant_qlt"]

_NQ = 400  # GL nodes of the principal-value quadrature (pole subtraction; entire D: ~1e-13)
_H = 1e-5  # finite-difference step in v_p for R_n' and dk/dv_p
_MAX_WIDTH = 0.5  # resonant regime: gamma/|k| (resonance width in v) below this
_VPH_TOL = 0.03  # |Re omega/k - v| allowed beyond twice the width (grid K spacing, edges)


def _pv_moments(dist: Distribution, vp: np.ndarray) -> np.ndarray:
    r""":math:`R_n(v_p)=\mathrm{PV}\int_{-1}^1dv\,D_vv^n/(v_p-v)` for n = 0, 1 (pole subtraction)."""
    x, wq = np.polynomial.legendre.leggauss(_NQ)
    Dx = dist.on_grid(x)
    vp = np.asarray(vp, dtype=float)
    Dp = dist.on_grid(vp)
    logt = np.log((1 + vp) / (1 - vp))
    out = np.empty((2, vp.size))
    for n in (0, 1):
        num = Dx[None, :] * x[None, :] ** n - (Dp * vp**n)[:, None]
        out[n] = np.sum(wq * num / (vp[:, None] - x[None, :]), axis=1) + Dp * vp**n * logt
    return out


def _branches(R: np.ndarray, vp: np.ndarray, D0: float, D1: float) -> np.ndarray:
    """Both roots k of the quadratic (NaN where complex), sorted: shape (2, n)."""
    b = R[1] * vp - R[0] - D1
    c = R[0] * D1 - R[1] * D0
    disc = b * b - 4 * c
    sq = np.sqrt(np.where(disc >= 0, disc, np.nan))
    return np.stack([(-b - sq) / 2, (-b + sq) / 2])


@dataclass
class ResonantBranch:
    """Resonant modes of the grid nodes: one entry per (node ``j``, branch) pair.

    Attributes: ``j`` node index, ``v`` resonant velocity, ``k``, ``K``, ``Omega`` (real),
    ``deps`` = d Re eps / d Omega, ``g_minus_v`` = |d omega/dk - v|, ``dKdv`` = |dK/dv_p|,
    ``A``, ``B`` (rates of the module docstring), ``gamma0`` = A D(0)/2 [F2 eq. 26],
    ``X`` = (1 - Omega v/K) deps [physics.md §3], ``proj`` (seed projection).
    """

    j: np.ndarray
    v: np.ndarray
    k: np.ndarray
    K: np.ndarray
    Omega: np.ndarray
    deps: np.ndarray
    g_minus_v: np.ndarray
    dKdv: np.ndarray
    A: np.ndarray
    B: np.ndarray
    gamma0: np.ndarray
    X: np.ndarray
    proj: np.ndarray

    @property
    def growing(self) -> np.ndarray:
        return self.gamma0 > 0


def resonant_branch(
    dist: Distribution | str, v_nodes: np.ndarray, *, k_min: float = -np.inf, k_max: float = np.inf
) -> ResonantBranch:
    """Real resonant modes :math:`\\omega_R=kv` of each node [F2 eqs. 25–26, physics.md §6].

    Only modes with shifted k in [k_min, k_max] are kept (the grid of the QLT run).
    """
    dist = from_spec(dist)
    D0, D1 = (float(x) for x in dist.moments(1))
    v_nodes = np.asarray(v_nodes, dtype=float)
    inner = np.flatnonzero(np.abs(v_nodes) < 1 - 2 * _H)
    vp = v_nodes[inner]
    R = _pv_moments(dist, vp)
    Rp = _pv_moments(dist, vp + _H)
    Rm = _pv_moments(dist, vp - _H)
    kk = _branches(R, vp, D0, D1)
    kp = _branches(Rp, vp + _H, D0, D1)
    km = _branches(Rm, vp - _H, D0, D1)
    dkdv = (kp - km) / (2 * _H)
    dR = (Rp - Rm) / (2 * _H)
    rows = []
    for b in (0, 1):
        k = kk[b]
        K = k - D1
        ok = np.isfinite(k) & np.isfinite(dkdv[b]) & (np.abs(k) > 1e-9) & (np.abs(K) > 1e-9)
        ok &= (k >= k_min) & (k <= k_max)
        if b == 1:  # a double root is one mode
            ok &= ~(np.isfinite(kk[0]) & (np.abs(kk[1] - kk[0]) < 1e-12))
        for i in np.flatnonzero(ok):
            rows.append((inner[i], vp[i], k[i], K[i], R[0, i], R[1, i], dR[0, i], dR[1, i], dkdv[b, i]))
    if not rows:
        z = np.zeros(0)
        return ResonantBranch(np.zeros(0, int), z, z, z, z, z, z, z, z, z, z, z, z)
    a = np.array(rows, dtype=float)
    j = a[:, 0].astype(int)
    v, k, K, R0, R1, R0p, R1p, kp_ = (a[:, i] for i in range(1, 9))
    Om = k * v - D0
    deps = -R0p / k**2 + R1p * Om / (k**2 * K) + R1 / (k * K)
    gmv = np.abs(k / kp_)  # |d omega/dk - v| = |k / (dk/dv_p)|
    dKdv = np.abs(kp_)
    c1 = Om * v / K - 1.0
    A = 2 * np.pi * c1 / (np.abs(k) * deps)
    B = np.pi * c1**2 / gmv
    Dv = dist.on_grid(v)
    gamma0 = 0.5 * A * Dv
    X = -c1 * deps
    bracket = R1 / (k * K) + 0.5 * np.log((1 + v) / (1 - v)) / k  # I1/K + (1/2) PV int dv/(omega - k v)
    proj = bracket**2 / deps**2
    return ResonantBranch(j, v, k, K, Om, deps, gmv, dKdv, A, B, gamma0, X, proj)


@dataclass
class ResonantFinalState:
    """Final state of resonant QLT (t -> infinity) on the velocity grid and the K grid.

    Attributes
    ----------
    v, w, D_initial, D_final : (Nv,)
    flipped : (Nv,) bool          nodes resonant with a growing mode (D_final = 0 there)
    flipped_range : (float, float) or None   min/max flipped node
    K, k : (n_K,) ; P_final, power_final : (n_K,)   spectral density / per-box-mode power
        (seed included) interpolated along the resonant branches onto the K grid
    branch : ResonantBranch      the resonant modes of the nodes, with ``P0`` and ``P_final``
    invariant_error : float      max_j |I_j(final) - I_j(0)| / |2 |g-v| D_j(0)| of [F2 eq. 29]
    D0_initial, D0_final : float  sum w D
    N_initial, N_final : float    int dK N(K) with N = X P / 4 [physics.md §3]
    DLN_error : float            |Delta(int D - 2 int N)| / |D0_initial|
    """

    v: np.ndarray
    w: np.ndarray
    D_initial: np.ndarray
    D_final: np.ndarray
    flipped: np.ndarray
    flipped_range: tuple[float, float] | None
    K: np.ndarray
    k: np.ndarray
    P_final: np.ndarray
    power_final: np.ndarray
    branch: ResonantBranch
    P0: np.ndarray
    P_branch_final: np.ndarray
    invariant_error: float
    D0_initial: float
    D0_final: float
    N_initial: float
    N_final: float
    DLN_error: float
    info: dict[str, Any] = field(default_factory=dict)


def _invariant(br: ResonantBranch, D_j: np.ndarray, P: np.ndarray, nv: int) -> np.ndarray:
    """Per node: D_j + sum_b (B/A) P_b — [F2 eq. 29] divided by 2|g - v|."""
    inv = np.array(D_j, dtype=float, copy=True)
    np.add.at(inv, br.j, (br.B / br.A) * P)
    return inv


def _to_K_grid(br: ResonantBranch, values: np.ndarray, K_grid: np.ndarray, *, log: bool) -> np.ndarray:
    """Interpolate per-(node, branch) values along each branch onto the K grid (sum of branches)."""
    out = np.zeros(K_grid.size)
    # a branch = a run of consecutive nodes with the same quadratic root; split by K jumps
    for sel in _branch_runs(br):
        Kb, vb = br.K[sel], values[sel]
        o = np.argsort(Kb)
        Kb, vb = Kb[o], vb[o]
        inside = (K_grid >= Kb[0]) & (K_grid <= Kb[-1])
        if Kb.size == 1:
            continue
        if log:
            y = np.exp(np.interp(K_grid[inside], Kb, np.log(np.maximum(vb, 1e-300))))
        else:
            y = np.interp(K_grid[inside], Kb, vb)
        out[inside] += y
    return out


def _branch_runs(br: ResonantBranch) -> list[np.ndarray]:
    """Group (node, branch) entries into continuous branches (by sign of k and continuity)."""
    if br.j.size == 0:
        return []
    runs: list[list[int]] = []
    used = np.zeros(br.j.size, bool)
    for s in (np.flatnonzero(br.k < 0), np.flatnonzero(br.k > 0)):
        if s.size:
            o = s[np.argsort(br.j[s])]
            cur = [int(o[0])]
            for a, b in zip(o[:-1], o[1:]):
                if br.j[b] == br.j[a] + 1 and abs(br.k[b] - br.k[a]) < 0.5:
                    cur.append(int(b))
                else:
                    runs.append(cur)
                    cur = [int(b)]
            runs.append(cur)
            used[s] = True
    return [np.array(r) for r in runs]


def resonant_final_state(
    dist: Distribution | str,
    *,
    Nv: int = 100,
    n_K: int = 600,
    k_min: float = -2.0,
    k_max: float = 2.0,
    seed_power: float = 1e-13,
    L: float = 100.0,
) -> ResonantFinalState:
    """Final state predicted by resonant QLT [F2 eqs. 27–29, physics.md §6].

    ``D_v = 0`` on the nodes resonant with a growing mode (found from the real resonant
    branch of the dispersion relation, :func:`resonant_branch`), unchanged elsewhere;
    :math:`\\mathcal P_{fin}=\\mathcal P(0)+2|\\partial_k\\omega-v|D_v(0)/[|k|\\partial_\\Omega\\varepsilon(\\Omega v/K-1)]`
    for a single growing branch (general case: see the module docstring).  The eq. 29
    invariant and :math:`\\int D-2\\int N` are evaluated before and after as checks.
    """
    if not (np.isfinite(seed_power) and seed_power > 0):
        raise FlavomonInputError(f"seed power must be positive (|psi_0K|^2 per box mode), got {seed_power!r}")
    dist = from_spec(dist)
    grid = VelocityGrid(Nv)
    v, w = grid.v, grid.w
    D_ini = dist.on_grid(v)
    k_grid = np.linspace(k_min, k_max, n_K)
    D1_0 = float(np.sum(w * v * D_ini))
    K_grid = k_grid - D1_0
    br, flipped, intervals = growing_resonances(dist, v, grid.w, k_min=k_min, k_max=k_max, n_K=n_K)
    dens = L / (2 * np.pi)
    P0 = dens * seed_power * br.proj
    D_fin = D_ini.copy()
    P_fin = P0.copy()
    c = br.B / br.A
    for j in np.unique(br.j):
        sel = np.flatnonzero(br.j == j)
        target = D_ini[j] + np.sum(c[sel] * P0[sel])

        def f(tau: float, sel=sel) -> float:
            return float(np.sum(c[sel] * P0[sel] * np.exp(np.minimum(br.A[sel] * tau, 700.0)))) - target

        # D > 0 growing: A > 0, c > 0; D < 0 growing: A < 0, c < 0 (tau = int D dt < 0)
        s = np.sign(D_ini[j])
        lo, hi = 0.0, s * 1.0
        while f(hi) * f(lo) > 0 and abs(hi) < 1e6:
            hi *= 2
        tau = brentq(f, min(lo, hi), max(lo, hi), xtol=1e-15, rtol=1e-15)
        P_fin[sel] = P0[sel] * np.exp(br.A[sel] * tau)
        D_fin[j] = 0.0
    D_fin[flipped] = 0.0  # flipped nodes without a real PV resonance (next to v = +-1) too
    inv0 = _invariant(br, D_ini, P0, v.size)
    inv1 = _invariant(br, D_fin, P_fin, v.size)
    touched = np.unique(br.j)
    scale = np.maximum(np.abs(D_ini[touched]), 1e-300)
    inv_err = float(np.max(np.abs(inv1[touched] - inv0[touched]) / scale)) if touched.size else 0.0
    # N = X P / 4 and int dK N = sum_(j,b) w_j |dK/dv| N  (the resonance maps v to K)
    N0 = float(np.sum(w[br.j] * br.dKdv * br.X * P0 / 4))
    N1 = float(np.sum(w[br.j] * br.dKdv * br.X * P_fin / 4))
    D0i, D0f = float(np.sum(w * D_ini)), float(np.sum(w * D_fin))
    # flipped nodes with no real (principal-value) resonant mode exchange their lepton
    # number with modes the weak-growth picture does not describe (near the branch point);
    # the DLN balance is checked over the nodes the resonant equations describe, and the
    # rest is reported as ``info['unresonant_flipped_lepton_number']``.
    lone = flipped.copy()
    lone[touched] = False
    n_lone = float(np.sum(w[lone] * D_ini[lone]))
    dln_err = abs((D0f + n_lone - 2 * N1) - (D0i - 2 * N0)) / abs(D0i)
    P_K = _to_K_grid(br, P_fin, K_grid, log=True)
    fr = (float(v[flipped].min()), float(v[flipped].max())) if flipped.any() else None
    return ResonantFinalState(
        v=v, w=w, D_initial=D_ini, D_final=D_fin, flipped=flipped, flipped_range=fr, K=K_grid, k=k_grid,
        P_final=P_K, power_final=P_K / dens, branch=br, P0=P0, P_branch_final=P_fin, invariant_error=inv_err,
        D0_initial=D0i, D0_final=D0f, N_initial=N0, N_final=N1, DLN_error=dln_err,
        info={"n_resonant_pairs": int(br.j.size), "n_flipped": int(flipped.sum()), "v_ph_intervals": intervals,
              "unresonant_flipped_nodes": int(lone.sum()), "unresonant_flipped_lepton_number": n_lone},
    )


def run_resonant_qlt(dist: Distribution | str, config: Any, *, progress: Callable[..., None] | None = None):
    """Time-dependent resonant QLT [F2 eqs. 27–28] on the grid of ``config`` (a QLTConfig).

    Integrates :math:`\\partial_t\\ln|D_j|=-\\sum_bB_b\\mathcal P_b`,
    :math:`\\partial_t\\ln\\mathcal P_b=A_bD_j` for every (node, resonant branch) pair with
    ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-10) and checks the invariant of
    [F2 eq. 29] along the way (``diagnostics['invariant_error']``).  Returns a
    :class:`~flavomon.qlt.QLTResult`; ``gamma`` is the resonant growth rate
    :math:`A_bD_j(t)/2` [F2 eq. 26] interpolated onto the K grid.  Resonant QLT does not
    conserve D0 in the neutrino sector (physics.md §6); ``diagnostics['DLN_error']`` reports
    the conservation of :math:`\\int D-2\\int N`.
    """
    from .solve import QLTResult, check_band_sampling, rate_scale_of  # local: solve imports this module lazily

    wall0 = time.perf_counter()
    dist = from_spec(dist)
    grid = VelocityGrid(config.Nv)
    v, w = grid.v, grid.w
    D_ini = dist.on_grid(v)
    k_grid = np.linspace(float(config.k_min), float(config.k_max), config.n_K)
    D1_ini = float(np.sum(w * v * D_ini))
    K_grid = k_grid - D1_ini
    gstop = float(config.gamma_stop) * rate_scale_of(D_ini, w)
    check_band_sampling(dist, config, None, k_grid, D1_ini, gstop)
    br, flipped, intervals = growing_resonances(
        dist, v, w, k_min=float(config.k_min), k_max=float(config.k_max), n_K=config.n_K, gamma_min=gstop,
    )
    dens = float(config.L) / (2 * np.pi)
    t_out = np.arange(0.0, float(config.t_end) + 0.5 * float(config.dt_out), float(config.dt_out))
    t_out = t_out[t_out <= float(config.t_end) * (1 + 1e-12)]
    nt = t_out.size
    D_out = np.repeat(D_ini[None, :], nt, axis=0)
    pow_out = np.zeros((nt, config.n_K))
    gam_out = np.zeros((nt, config.n_K))
    OmR_out = np.full((nt, config.n_K), np.nan)
    diag: dict[str, Any] = {"n_resonant_pairs": int(br.j.size), "n_flipped": int(flipped.sum()), "v_ph_intervals": intervals}
    if br.j.size == 0 or not np.any(br.A * D_ini[br.j] > 0):
        return QLTResult(t_out, v, w, K_grid, k_grid, D_out, pow_out, pow_out.copy(), gam_out, OmR_out,
                         D_out @ w, "stable", False, None, config,
                         diagnostics={**diag, "message": "no growing resonant mode: nothing to evolve"})
    nodes = np.unique(br.j)
    jmap = {int(j): i for i, j in enumerate(nodes)}
    jj = np.array([jmap[int(j)] for j in br.j])
    P0 = dens * float(config.seed_power) * br.proj
    sgn = np.sign(D_ini[nodes])
    nn = nodes.size

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        Dn = sgn * np.exp(y[:nn])
        P = np.exp(y[nn:])
        dlnD = -np.bincount(jj, weights=br.B * P, minlength=nn)
        dlnP = br.A * Dn[jj]
        return np.r_[dlnD, dlnP]

    y0 = np.r_[np.log(np.abs(D_ini[nodes])), np.log(P0)]
    sol = solve_ivp(rhs, (0.0, float(config.t_end)), y0, method="DOP853", t_eval=t_out, rtol=1e-10, atol=1e-12)
    if not sol.success:  # pragma: no cover - DOP853 on a smooth non-stiff system
        raise FlavomonInputError(f"resonant QLT integration failed: {sol.message}")
    inv0 = _invariant(br, D_ini, P0, v.size)[nodes]
    inv_err = 0.0
    N_hist = np.empty(nt)
    for i in range(nt):
        Dn = sgn * np.exp(sol.y[:nn, i])
        P = np.exp(sol.y[nn:, i])
        D_out[i, nodes] = Dn
        inv = _invariant(br, D_out[i], P, v.size)[nodes]
        inv_err = max(inv_err, float(np.max(np.abs(inv - inv0) / np.abs(D_ini[nodes]))))
        pow_out[i] = _to_K_grid(br, P, K_grid, log=True) / dens
        gam_out[i] = np.maximum(_to_K_grid(br, 0.5 * br.A * Dn[jj], K_grid, log=False), 0.0)
        N_hist[i] = float(np.sum(w[br.j] * br.dKdv * br.X * P / 4))
        if progress is not None:
            progress(float(t_out[i]), steps=i)
    for sel in _branch_runs(br):
        Kb, Ob = br.K[sel], br.Omega[sel]
        o = np.argsort(Kb)
        inside = (K_grid >= Kb[o][0]) & (K_grid <= Kb[o][-1])
        if sel.size > 1:
            OmR_out[:, inside] = np.interp(K_grid[inside], Kb[o], Ob[o])[None, :]
    D0_t = D_out @ w
    dln = D0_t - 2 * N_hist
    diag.update(
        invariant_error=inv_err,
        DLN_error=float(np.max(np.abs(dln - dln[0])) / abs(D0_t[0])),
        D0_change=float(D0_t[-1] - D0_t[0]),
        n_flipping=int(np.sum(br.A * D_ini[br.j] > 0)),
        wall_s=time.perf_counter() - wall0,
        nfev=int(sol.nfev),
    )
    return QLTResult(
        t=t_out, v=v, w=w, K=K_grid, k=k_grid, D=D_out, power=pow_out, P=pow_out * dens, gamma=gam_out,
        Omega_R=OmR_out, D0=D0_t, status="completed", saturated=False, t_saturation=None, config=config,
        diagnostics=diag,
    )


def _landau_I(dist: Distribution, Omega: np.ndarray, K: np.ndarray, D0: float, D1: float) -> np.ndarray:
    r"""Continuum :math:`I_n(\Omega,K)`, n = 0, 1, 2, for Im Omega > 0 (pole subtraction, physics.md §3).

    :math:`I_n=\frac1k\int dv\frac{D_vv^n-D(v_p)v_p^n}{v_p-v}+\frac{D(v_p)v_p^n}{k}L(v_p)`,
    :math:`L=\mathrm{Log}(v_p+1)-\mathrm{Log}(v_p-1)`, :math:`v_p=\omega/k` (D continued to complex v).
    Shape (3, n).
    """
    x, wq = np.polynomial.legendre.leggauss(_NQ)
    Dx = dist.on_grid(x)
    k = K + D1
    vp = (Omega + D0) / k
    Dp = np.asarray(dist(vp.astype(complex)), dtype=complex)
    Lp = np.log(vp + 1) - np.log(vp - 1)
    out = np.empty((3,) + vp.shape, dtype=complex)
    for n in range(3):
        num = Dx[None, :] * x[None, :] ** n - (Dp * vp**n)[:, None]
        out[n] = (np.sum(wq * num / (vp[:, None] - x[None, :]), axis=1) + Dp * vp**n * Lp) / k
    return out


def continuum_roots(
    dist: Distribution, Omega0: np.ndarray, K: np.ndarray, *, maxiter: int = 60, tol: float = 1e-12
) -> tuple[np.ndarray, np.ndarray]:
    r"""Newton on the continuum determinant :math:`\mathcal D=(1-I_0)(1+I_2)+I_1^2` [physics.md §3].

    Valid in the upper half plane (no Landau continuation below it); returns (Omega, ok).
    """
    D0, D1 = (float(x) for x in dist.moments(1))
    Om = np.array(Omega0, dtype=complex)
    K = np.asarray(K, dtype=float)

    def F(z: np.ndarray) -> np.ndarray:
        I0, I1, I2 = _landau_I(dist, z, K, D0, D1)
        return (1 - I0) * (1 + I2) + I1**2

    ok = np.zeros(Om.size, bool)
    with np.errstate(all="ignore"):
        for _ in range(maxiter):
            h = 1e-6 * (1 + np.abs(Om))
            f = F(Om)
            df = (F(Om + h) - F(Om - h)) / (2 * h)
            d = -f / df
            d = np.where(np.isfinite(d), d, 0)
            ad = np.abs(d)
            d = np.where(ad > 0.1, 0.1 * d / np.maximum(ad, 1e-300), d)
            d = np.where(ok, 0, d)
            # stay in the upper half plane where the integral representation holds
            new = Om + d
            new = np.where(new.imag <= 0, new.real + 0.5j * Om.imag, new)
            Om = new
            ok |= ad <= tol * (1 + np.abs(Om))
            if ok.all():
                break
    return Om, ok & np.isfinite(Om)


def _subset(br: ResonantBranch, sel: np.ndarray) -> ResonantBranch:
    return ResonantBranch(*(getattr(br, f)[sel] for f in br.__dataclass_fields__))


def growing_resonances(
    dist: Distribution | str, v: np.ndarray, w: np.ndarray, *, k_min: float, k_max: float, n_K: int,
    gamma_min: float = 1e-6,
) -> tuple[ResonantBranch, np.ndarray, list[tuple[float, float]]]:
    r"""Flipped nodes of resonant QLT and their growing resonant modes  [physics.md §6].

    1. The unstable modes are the exact roots of the discrete dispersion relation on the
       velocity grid (eig + continuation on the n_K-point grid, :mod:`flavomon.qlt.roots`);
       each contiguous unstable band gives the interval of phase velocities
       :math:`v_{ph}=\mathrm{Re}\,\omega/k` swept by its roots.
    2. A crossing :math:`v_c` of D is *active* if it is a resonant edge of an unstable band,
       i.e. v_ph at the first or last K of the band equals v_c (within 0.02, the v_ph resolution of the
       K grid near the edge, where :math:`d v_{ph}/dK` is steep).
    3. The flipped nodes are those of the same-sign region of D adjacent to an active
       crossing whose sign is opposite to :math:`D_0` (the minority lepton number; physics.md
       §6 and F2 Fig. 1), limited to the v_ph range of the bands that have that edge.

    Step 3's choice of side is the one place a sign enters.  It is needed because the
    weak-growth picture alone is ambiguous beyond the benchmark at a = 0.9: for a = 0.7 the
    strongly growing band B (F2's k -> 0 band) has a resonant edge at :math:`v_c` whose
    neighbouring modes resonate with :math:`v<v_c`, and for a = 0.5 one band sweeps both sides.
    Nodes on the other side that are resonant with a growing mode are counted in
    ``info['other_side_resonant']`` of the caller, not flipped.  Every flipped node ends at
    D = 0, also those (next to v = +-1) where the principal-value weak-growth quadratic has no
    real resonant mode.

    Returns ``(pairs, flipped mask, v_ph intervals)``; ``pairs`` holds the growing resonant
    modes (:math:`A\,D_v(0)>0`) of the flipped nodes.
    """
    from .equations import GridState
    from .roots import find_unstable_roots

    dist = from_spec(dist)
    D_v = dist.on_grid(v)
    gs = GridState.build(D_v, v, w)
    k_grid = np.linspace(k_min, k_max, n_K)
    K_grid = k_grid - gs.D1
    rd = find_unstable_roots(gs, K_grid, gamma_min)
    # v_ph interval of each contiguous unstable band (all its roots) and v_ph at its two edges
    intervals: list[tuple[float, float]] = []
    edges: list[tuple[float, float]] = []
    run: list[list[float]] = []
    last = None

    def close(run: list[list[float]]) -> None:
        flat = [x for xs in run for x in xs]
        intervals.append((min(flat), max(flat)))
        edges.append((float(np.mean(run[0])), float(np.mean(run[-1]))))

    for i in sorted(rd):
        kk = K_grid[i] + gs.D1
        vph = [(z.real + gs.D0) / kk for z in rd[i] if kk != 0]
        if (last is not None and i != last + 1 or not vph) and run:
            close(run)
            run = []
        if vph:
            run.append(vph)
        last = i
    if run:
        close(run)
    # crossings between adjacent nodes, and same-sign regions of D on the grid
    sgn = np.sign(D_v)
    cross = np.flatnonzero(sgn[:-1] * sgn[1:] < 0)  # crossing between node c and c+1
    flipped = np.zeros(v.size, bool)
    minority = -np.sign(gs.D0)
    for c in cross:
        vc = 0.5 * (v[c] + v[c + 1])
        edge_of = [iv for iv, ed in zip(intervals, edges) if min(abs(ed[0] - vc), abs(ed[1] - vc)) < 0.02]
        if not edge_of:
            continue
        side = c + 1 if sgn[c + 1] == minority else (c if sgn[c] == minority else None)
        if side is None:
            continue
        step = 1 if side == c + 1 else -1
        lo = min(min(iv[0] for iv in edge_of), vc)
        hi = max(max(iv[1] for iv in edge_of), vc)
        j = side
        while 0 <= j < v.size and sgn[j] == minority and lo - 1e-12 <= v[j] <= hi + 1e-12:
            flipped[j] = True
            j += step
    br = resonant_branch(dist, v, k_min=k_min, k_max=k_max)
    sel = (br.A * D_v[br.j] > 0) & flipped[br.j]
    return _subset(br, sel), flipped, intervals
