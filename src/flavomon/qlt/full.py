r"""Full quasi-linear theory: the driver loop  [F2 eqs. 9–13, 24; docs §5].

State: the homogeneous :math:`D_v(t)` on the ``Nv``-node Gauss–Legendre grid and the spectral
power density :math:`\mathcal P_r(t)` of every unstable root ``r`` on a grid of ``n_K``
points equally spaced in shifted :math:`k\in[k_{min},k_{max}]`, with
:math:`K=k-D_1(0)` **held fixed** (docs §5 / §10.7; our choice).

.. math::
    \partial_t D_v=-\Gamma_vD_v,\quad
    \Gamma_v=\sum_r dk\,\mathcal P_r\,\frac{\gamma_r\,|1-\Omega_rv/K_r|^2}{(\omega_{R,r}-kv)^2+\gamma_r^2},
    \qquad \partial_t\mathcal P_r=2\gamma_r\mathcal P_r

[F2 eqs. 10–12], :math:`\Omega_r=\Omega_R+i\gamma` the unstable roots of the discrete dispersion
relation for the current ``D_v`` (every unstable root at a K is summed; damped and stable
roots are ignored, docs §5, §10.11).

Normalisation (docs §1, §5, §10.6)
----------------------------------
``power`` is :math:`|\psi_{0,K}|^2` per box mode of a periodic box of length ``L`` (the
normalisation of ``qke.nc``), :math:`\mathcal P=\frac{L}{2\pi}|\psi_{0,K}|^2` is the spectral
density, and every grid point (spacing ``dk``) stands for :math:`L\,dk/2\pi` box modes
(0.1063 for the F2 grid), so that :math:`\sum_{\rm box}|\psi_{0,K}|^2F(K)=\sum_{\rm grid}dk\,\mathcal P F`.

Seeding [F2 eq. 24]: :math:`\mathcal P_r(0)=\frac{L}{2\pi}\,p_{\rm seed}\times` the projection
factor of the QKE seed :math:`\psi_v(0)=\psi_0(0)\,p(v)` (default :math:`p=1/2`, the F2 seed) onto
the unstable eigenmode, computed on the same discrete grid
(:func:`flavomon.linear.discrete.projection_factor`).  Stable and damped parts of the seed are
discarded (docs §10.13).  With this, ``flavomon qlt`` and ``flavomon qke`` started from
the same SPEC and seed power describe the same problem: in the linear phase
``power(t, K) = seed_power * proj * exp(2 gamma t)`` for each box mode.

Loop (our design)
-----------------
Each step is :func:`flavomon.qlt.integrator.step` (predictor, conservative corrector, error
estimate); the loop around it does the step control, dense output at the output times,
the repair of roots Newton lost (eig(M) at their K) and the rescans for roots that appear.

Saturation: a root whose growth rate falls below ``gamma_stop`` (or that stops being a root
of an unstable branch) is dropped and its power frozen; the run stops when no unstable root
is left, and the remaining output times are filled with the final state (``status =
"saturated"``).  Wave–wave broadening is outside QLT (docs §5).

Roots that appear are found by eig(M) on a rotating coarse subset of the K grid each time
the cumulated :math:`\sum_jw_j|\Delta D_j|` exceeds ``scan_fraction`` of
:math:`\sum_jw_j|D_j(0)|`, plus continuation to the neighbours; a new root is seeded with the
frozen power of a previously dropped root at the same K if there is one, otherwise with the
projected seed of the current ``D_v`` (our choice).
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Callable

import numpy as np

from ..distributions import Distribution
from ..errors import FlavomonInputError, PhysicsWarning
from ..grids import VelocityGrid, rate_scale
from ..linear.discrete import GridState, projection_factor
from .checks import MIN_BAND_POINTS, check_band_sampling, check_drift_grid, format_bands, rate_scale_of
from .config import QLTConfig, QLTResult, output_times, profile_weights
from .entry import HANDOVER_GAIN, PendingLabels, eigenvector
from .integrator import QLTState, StepParams, step
from .roots import eig_unstable, find_unstable_roots, grid_unstable_intervals, march, newton_roots

__all__ = ["run_full_qlt"]


DRIFT_CELLS_PER_STEP = 2.0
"""In a gradient, the largest drift of the roots in one step, in grid spacings dk (Newton follows a root from
the K of the step's start to its end)."""

EMPTY_SCAN_CELLS = 20.0
"""In a gradient with no root tracked, the drift (in grid spacings) between coarse eig(M) scans for a band that
(re)opens.  Labels arriving where a root just left a band are found from that root (no eig needed)."""

ENTRY_SCAN_CELLS = 4.0
"""In a gradient, the drift (in grid spacings) after which the band edges are searched for labels that entered.
Their detection time does not change the result: an entering label is carried exactly (flavomon.qlt.entry)
and handed over only once its root has grown inside the band."""


def _same(z: complex, others) -> bool:
    return any(abs(z - y) <= 1e-7 * (1 + abs(z)) for y in others)


def run_full_qlt(
    dist: Distribution,
    config: QLTConfig,
    *,
    progress: Callable[..., None] | None = None,
) -> QLTResult:
    """Evolve D_v(t) and the flavomon power spectrum with full QLT  [F2 eqs. 10–12].

    Roots of the discrete dispersion relation are tracked on the ``Nv``-node grid; see the
    module docstring for the equations, normalisation, seeding and loop.

    Parameters
    ----------
    dist : Distribution
        Initial angular distribution.
    config : QLTConfig
        The run (``config.resonant`` is ignored here).
    progress : callable, optional
        ``progress(t, steps=n)`` called after every accepted step.

    Returns
    -------
    QLTResult
        ``status == "stable"`` (D unchanged, no power) if no root on the grid is unstable.

    Warns
    -----
    PhysicsWarning
        If an unstable band reaches the end of the K grid (the band is named).

    Raises
    ------
    FlavomonInputError
        If the grid contains no unstable root but the distribution is unstable elsewhere
        (the band is named).
    """
    wall0 = time.perf_counter()
    grid = VelocityGrid(config.Nv)
    v, w = grid.v, grid.w
    D_v = dist.on_grid(v)
    if not np.all(np.isfinite(D_v)):
        raise FlavomonInputError(f"distribution {dist.name} is not finite on the velocity grid")
    gs = GridState.build(D_v, v, w)
    D0_init, D1_init = gs.D0, gs.D1
    k_grid = np.linspace(float(config.k_min), float(config.k_max), config.n_K)
    K_grid = k_grid - D1_init  # K = k - D1(0) held fixed [docs §5]; in a gradient, the labels K_j(0)
    G = float(config.gradient)  # uniform matter gradient: label j sits at K_j(t) = K_j(0) + G t [docs §11]
    fast = G != 0.0  # in a gradient, the compiled Newton (roots.newton_roots); G = 0 stays bit for bit
    K_now = K_grid
    nK = config.n_K
    dk = config.dk
    dens = float(config.L) / (2 * np.pi)  # P = L/(2 pi) |psi_0K|^2  [docs §1]
    # rate scale s = min(1, sum w|D|): under D -> cD the QLT maps to (c Omega, c K, t/c, c P), so
    # the absolute tolerances scale with s (unchanged for int|D| >= 1, e.g. the a = 0.9 benchmark)
    s_rate = rate_scale_of(D_v, w)
    gstop = float(config.gamma_stop) * s_rate
    params = StepParams(dk=dk, gamma_stop=gstop, atol=float(config.atol) * s_rate, rtol=float(config.rtol))
    dt_max = float(config.dt_max) / s_rate
    prof_w = profile_weights(config.psi_profile, grid)
    stride = config.eig_stride if config.eig_stride is not None else max(1, min(12, nK // 50))
    n_eig = 0

    t_out = output_times(config)
    nt = t_out.size
    D_out = np.empty((nt, v.size))
    pow_out = np.zeros((nt, nK))
    gam_out = np.zeros((nt, nK))
    OmR_out = np.full((nt, nK), np.nan)
    diag: dict[str, Any] = {}

    # --- initial roots --------------------------------------------------------------
    def tiny(K_: np.ndarray) -> np.ndarray:  # eps has a 1/K pole; skip K = 0
        return np.abs(K_) < 1e-9 * max(1.0, np.abs(K_grid).max())

    tiny_K = tiny(K_grid)
    drift_range = check_drift_grid(dist, config, K_grid, D1_init) if G != 0.0 else None
    rdict = find_unstable_roots(gs, K_grid, gstop, stride=stride)
    n_eig += len(range(0, nK, stride)) + 1
    rdict = {i: zs for i, zs in rdict.items() if not tiny_K[i]}
    if len(rdict) < MIN_BAND_POINTS:
        # few or no grid points unstable: a narrow band can hide between the coarse eig(M) nodes,
        # so look at every node, and ask the (scale-free) linear band search where the bands are
        rdict = {i: zs for i, zs in find_unstable_roots(gs, K_grid, gstop, stride=1).items() if not tiny_K[i]}
        n_eig += nK
        check_band_sampling(dist, config, sorted(rdict), k_grid, D1_init, gstop)
    if not rdict:
        D_out[:] = D_v
        return QLTResult(t_out, v, w, K_grid, k_grid, D_out, pow_out, pow_out.copy(), gam_out, OmR_out,
                         np.full(nt, D0_init), "stable", False, None, config,
                         diagnostics={"steps": 0, "n_eig": n_eig, "wall_s": time.perf_counter() - wall0,
                                      "message": "no unstable root: nothing to evolve"})
    if (0 in rdict) or ((nK - 1) in rdict):
        lo = float(config.k_min) - 6.0 if 0 in rdict else float(config.k_min)
        hi = float(config.k_max) + 6.0 if (nK - 1) in rdict else float(config.k_max)
        bands = grid_unstable_intervals(gs, np.linspace(lo, hi, max(41, int((hi - lo) / 0.05) + 1)), gstop)
        bands = [b for b in bands if b[0] < config.k_min - 1e-12 or b[1] > config.k_max + 1e-12] or bands
        warnings.warn(
            f"the K grid k in [{config.k_min:g}, {config.k_max:g}] cuts the unstable band(s) "
            f"{format_bands(bands, D1_init)}; modes outside the grid are not evolved",
            PhysicsWarning,
            stacklevel=3,
        )
        diag["bands_cut"] = bands

    iK = np.array([i for i, zs in rdict.items() for _ in zs], dtype=int)
    Om = np.array([z for zs in rdict.values() for z in zs], dtype=complex)
    order = np.lexsort((Om.real, iK))
    iK, Om = iK[order], Om[order]
    proj = projection_factor(gs, Om, K_grid[iK], prof_w)
    state = QLTState(t=0.0, gs=gs, iK=iK, K=K_grid[iK], Om=Om, P=dens * float(config.seed_power) * proj)
    diag["initial_roots"] = state.n
    diag["initial_gamma_max"] = float(Om.imag.max())
    diag["initial_K_at_gamma_max"] = float(K_grid[iK[np.argmax(Om.imag)]])
    P_frozen = np.zeros(nK)
    # in a gradient, the labels stable at t = 0 that can drift into a band are carried exactly until their root
    # has grown by HANDOVER_GAIN inside it (flavomon.qlt.entry: the seeding of entering labels, docs §11)
    pend: PendingLabels | None = None
    entry_gain: dict[int, float] = {}
    if G != 0.0 and drift_range is not None:
        margin = 4 * dk
        cand = np.flatnonzero((K_grid >= drift_range[0] - margin) & (K_grid <= drift_range[1] + margin) & ~tiny_K)
        cand = np.array([i for i in cand if int(i) not in rdict], dtype=int)
        psi_seed = np.sqrt(float(config.seed_power)) * prof_w / w  # psi_v(0) = p_v psi_0(0), |psi_0(0)|^2 = seed power
        pend = PendingLabels(gs, cand, K_grid[cand], G, psi_seed)
        diag["labels_entering"] = int(cand.size)

    def seed_new(gs_: GridState, iK_new: np.ndarray, Om_new: np.ndarray) -> np.ndarray:
        P_new = dens * float(config.seed_power) * projection_factor(gs_, Om_new, K_now[iK_new], prof_w)
        held = pend.rows(iK_new) >= 0 if pend is not None else np.zeros(iK_new.size, dtype=bool)
        for j, i in enumerate(iK_new):
            if held[j]:  # a label entering its band: held at zero power until the hand-over
                P_new[j] = 0.0
                entry_gain.setdefault(int(i), 0.0)
            elif P_frozen[i] > 0:
                P_new[j] = P_frozen[i]
                P_frozen[i] = 0.0
        return P_new

    def hand_over(st: QLTState, gain_step: np.ndarray) -> QLTState:
        """Add this step's gain to the held roots; project the exact vectors of those that grew enough."""
        held = np.array([int(i) in entry_gain for i in st.iK], dtype=bool)
        if not held.any():
            return st
        for r in np.flatnonzero(held):
            entry_gain[int(st.iK[r])] += float(gain_step[r])
        ready = held & np.array([entry_gain.get(int(i), 0.0) >= HANDOVER_GAIN for i in st.iK], dtype=bool)
        if not ready.any():
            return st
        pend.advance_to(st.t, st.gs)
        rr = np.flatnonzero(ready)
        rows = pend.rows(st.iK[rr])
        Om_s, ok = newton_roots(st.gs, st.Om[rr], pend.K_now()[rows], compiled=True)  # the roots at the vectors' time
        Om_s = np.where(ok, Om_s, st.Om[rr])
        P = st.P.copy()
        P[rr] = dens * pend.mode_power(rows, Om_s) * np.exp(2 * st.Om[rr].imag * (st.t - pend.t))
        for i in set(int(st.iK[r]) for r in rr):
            entry_gain.pop(i, None)
        pend.remove(np.unique(rows))
        diag["labels_handed_over"] = diag.get("labels_handed_over", 0) + int(np.unique(rows).size)
        return QLTState(t=st.t, gs=st.gs, iK=st.iK, K=st.K, Om=st.Om, P=P)

    def tracked_roots(st: QLTState) -> dict[int, list[complex]]:
        out: dict[int, list[complex]] = {}
        for i, z in zip(st.iK, st.Om):
            out.setdefault(int(i), []).append(complex(z))
        return out

    def coarse_scan(st: QLTState, known: dict[int, list[complex]]) -> list[tuple[int, complex]]:
        """eig(M) on a rotating coarse subset of the grid: the unstable roots not yet in ``known`` (added to it)."""
        nonlocal scan_offset, n_eig
        sstride = 3 * stride  # scans are coarser than the initial detection (cost)
        coarse = np.arange(scan_offset % sstride, nK, sstride)
        scan_offset += max(1, stride // 2)
        fronts = []
        for i, ev in zip(coarse, eig_unstable(st.gs, K_now[coarse], gstop, compiled=fast)):
            for z in ev:
                if not tiny_K[i] and not _same(z, known.get(int(i), [])):
                    known.setdefault(int(i), []).append(complex(z))
                    fronts.append((int(i), complex(z)))
        n_eig += coarse.size
        return fronts

    def add_found(st: QLTState, known: dict[int, list[complex]], tracked: dict[int, list[complex]],
                  key: str) -> QLTState:
        """Track the roots in ``known`` that are not in ``tracked``, seeded by :func:`seed_new`."""
        found = [(i, z) for i, zs in known.items() for z in zs if not tiny_K[i] and not _same(z, tracked.get(i, []))]
        if not found:
            return st
        ai = np.array([i for i, _ in found], dtype=int)
        az = np.array([z for _, z in found], dtype=complex)
        diag[key] = diag.get(key, 0) + len(found)
        return rebuild(st, np.r_[st.iK, ai], np.r_[st.Om, az], np.r_[st.P, seed_new(st.gs, ai, az)])

    def record(i_out: int, D_now: np.ndarray, iK_: np.ndarray, P_: np.ndarray, Om_: np.ndarray) -> None:
        D_out[i_out] = D_now
        pw = P_frozen + np.bincount(iK_, weights=P_, minlength=nK)
        pow_out[i_out] = pw / dens
        if pend is not None and pend.n:  # labels carried exactly: their own power
            pow_out[i_out, pend.idx] += pend.power()
        g = np.zeros(nK)
        oR = np.full(nK, np.nan)
        if iK_.size:
            o = np.argsort(Om_.imag)  # fastest written last
            g[iK_[o]] = Om_.imag[o]
            oR[iK_[o]] = Om_.real[o]
        gam_out[i_out] = np.maximum(g, 0.0)
        OmR_out[i_out] = oR

    def rebuild(st: QLTState, iK_: np.ndarray, Om_: np.ndarray, P_: np.ndarray) -> QLTState:
        return QLTState(t=st.t, gs=st.gs, iK=iK_, K=K_now[iK_], Om=Om_, P=P_)

    record(0, D_v, state.iK, state.P, state.Om)
    i_next = 1
    h = min(1.0 / s_rate, dt_max)
    steps = rejected = 0
    status = "completed"
    t_sat: float | None = None
    absD0 = rate_scale(D_v, w)  # sum_j w_j |D_j(0)|
    cum_dD = 0.0
    scan_offset = stride // 2
    t_end = float(config.t_end)

    drift_since_scan = drift_since_eig = 0.0
    ghosts: list[tuple[int, complex]] = []  # roots that just left a band (drift): fronts for the entry scan
    while state.t < t_end * (1 - 1e-14):
        if state.n == 0 and G == 0.0:
            status, t_sat = "saturated", state.t
            break
        if steps + rejected >= config.max_steps:
            status = "max_steps"
            warnings.warn(f"QLT stopped after max_steps={config.max_steps} steps at t={state.t:.4g}",
                          PhysicsWarning, stacklevel=3)
            break
        h = min(h, dt_max, t_end - state.t)
        if G != 0.0:  # a step drifts the roots by at most DRIFT_CELLS_PER_STEP grid spacings
            h = min(h, DRIFT_CELLS_PER_STEP * dk / abs(G))
        new, rep = step(state, h, params, G * h)
        if not rep.accepted:
            rejected += 1
            key = "rej_" + rep.reason
            diag[key] = diag.get(key, 0) + 1
            h = rep.h_next
            continue
        steps += 1
        # ---- dense output --------------------------------------------------------------
        t, D, D2 = state.t, state.gs.D_v, new.gs.D_v
        g0, g1, dP = rep.g0, rep.g1, rep.dP
        while i_next < nt and t_out[i_next] <= new.t * (1 + 1e-13):
            if pend is not None:
                pend.advance_to(t_out[i_next], state.gs)
            s = (t_out[i_next] - t) / h
            Ps = state.P * np.exp(2 * h * (g0 * s + 0.5 * (g1 - g0) * s * s))
            tot = float(np.sum(dP))
            f = float(np.sum(Ps - state.P)) / tot if tot > 0 else s
            Oms = state.Om + (new.Om - state.Om) * s
            record(i_next, D + (D2 - D) * f, state.iK, Ps, Oms)
            i_next += 1
        cum_dD += float(np.sum(w * np.abs(D2 - D)))
        state = new
        if G != 0.0:
            K_now = K_grid + G * state.t
            tiny_K = tiny(K_now)
            drift_since_scan += abs(G) * h
            if pend is not None:
                pend.advance_to(state.t, state.gs)
                if entry_gain:
                    state = hand_over(state, (g0 + g1) * h)
        # ---- repair: eig(M) where Newton failed; drop roots that went stable ---------------
        went_stable = rep.ok & (state.Om.imag <= gstop)
        fail = ~rep.ok | (rep.lost & ~went_stable)
        dropmask = went_stable & ~fail
        if fail.any() or dropmask.any():
            r_iK, r_Om, r_P = state.iK, state.Om.copy(), state.P
            add_i: list[int] = []
            add_z: list[complex] = []
            if fail.any():
                diag["newton_failures"] = diag.get("newton_failures", 0) + int(fail.sum())
                bad_K = np.unique(r_iK[fail])
                ev_list = eig_unstable(state.gs, K_now[bad_K], gstop, compiled=fast)
                n_eig += bad_K.size
                good_d: dict[int, list[complex]] = {}
                for i, z in zip(r_iK[~fail & ~dropmask], r_Om[~fail & ~dropmask]):
                    good_d.setdefault(int(i), []).append(complex(z))
                for i, ev in zip(bad_K, ev_list):
                    ev = [z for z in ev if all(abs(z - y) > 1e-7 * (1 + abs(z)) for y in good_d.get(int(i), []))]
                    for r in np.flatnonzero(fail & (r_iK == i)):
                        if ev:
                            j = int(np.argmin([abs(z - r_Om[r]) for z in ev]))
                            r_Om[r] = ev.pop(j)
                        else:
                            dropmask[r] = True
                    for z in ev:
                        add_i.append(int(i))
                        add_z.append(z)
            # dropped roots (saturated/stable): freeze their power; a held label that left its band
            # before the hand-over stays with its exact vector (and starts from 0 gain if it re-enters).
            # In a gradient a root that leaves its band with power goes on as a wave: its label is carried
            # exactly again, from the root's eigenvector (flavomon.qlt.entry), so that what enters the next
            # band is what the box would carry there, not the frozen power.
            frozen = dropmask.copy()
            if pend is not None:
                leave = dropmask & (r_P > 0) & (pend.rows(r_iK) < 0)
                leave &= ~np.isin(r_iK, r_iK[~dropmask])  # a label with another live root stays with QLT
                li = np.flatnonzero(leave)
                if li.size:
                    _, first = np.unique(r_iK[li], return_index=True)
                    li = li[first]
                    vec = eigenvector(state.gs, r_Om[li], K_now[r_iK[li]])
                    pend.add(r_iK[li], K_grid[r_iK[li]], vec * np.sqrt(r_P[li] / dens)[:, None])
                    frozen &= ~leave
                    diag["labels_left_and_carried"] = diag.get("labels_left_and_carried", 0) + int(li.size)
            np.add.at(P_frozen, r_iK[frozen], r_P[frozen])
            for i in r_iK[dropmask]:
                entry_gain.pop(int(i), None)
            if G != 0.0:  # where a root left a band, the next label arrives: a front for the entry scan
                ghosts.extend((int(i), complex(z)) for i, z in zip(r_iK[dropmask], r_Om[dropmask]))
            keep = ~dropmask
            r_iK, r_Om, r_P = r_iK[keep], r_Om[keep], r_P[keep]
            if add_i:
                ai, az = np.array(add_i), np.array(add_z)
                r_P = np.r_[r_P, seed_new(state.gs, ai, az)]
                r_iK = np.r_[r_iK, ai.astype(int)]
                r_Om = np.r_[r_Om, az.astype(complex)]
            state = rebuild(state, r_iK, r_Om, r_P)
        # ---- scan for roots that appear (and, in a gradient, labels that drift into a band) ---------
        if G != 0.0 and drift_since_scan >= ENTRY_SCAN_CELLS * dk and cum_dD <= float(config.scan_fraction) * absD0:
            # labels enter the bands at their edges: continue outwards from every tracked root (cheap Newton);
            # with no root tracked (every band saturated or crossed) a coarse eig(M) scan looks for a band
            # that (re)opens; elsewhere the eig(M) scans of the D-change trigger below do
            drift_since_scan = 0.0
            tracked = tracked_roots(state)
            known = {i: list(zs) for i, zs in tracked.items()}
            fronts: list[tuple[int, complex]] = [f for f in ghosts if not tiny_K[f[0]]]
            ghosts.clear()
            drift_since_eig += ENTRY_SCAN_CELLS * dk
            if state.n == 0 and drift_since_eig >= EMPTY_SCAN_CELLS * dk:
                drift_since_eig = 0.0
                fronts += coarse_scan(state, known)
            march(state.gs, K_now, known, fronts + [(int(i), complex(z)) for i, z in zip(state.iK, state.Om)], gstop,
                  eig_fallback=False, compiled=True)
            state = add_found(state, known, tracked, "roots_entered")
        if cum_dD > float(config.scan_fraction) * absD0:
            cum_dD = 0.0
            tracked = tracked_roots(state)
            known = {i: list(zs) for i, zs in tracked.items()}
            fronts = coarse_scan(state, known)
            # band edges: continuation outwards from every tracked root (cheap Newton)
            edge = [(int(i), complex(z)) for i, z in zip(state.iK, state.Om)]
            march(state.gs, K_now, known, fronts + edge, gstop, eig_fallback=False, compiled=fast)
            state = add_found(state, known, tracked, "roots_added")
        h = rep.h_next
        if progress is not None:
            progress(state.t, steps=steps)

    # fill the remaining output times with the final state
    while i_next < nt:
        record(i_next, state.gs.D_v, state.iK, state.P, state.Om)
        i_next += 1
    D0_t = D_out @ w
    if status == "saturated" and progress is not None:
        progress(t_end, steps=steps)
    diag.update(
        steps=steps,
        rejected=rejected,
        n_eig=n_eig,
        wall_s=time.perf_counter() - wall0,
        D0_drift=float(np.max(np.abs(D0_t - D0_init)) / abs(D0_init)) if D0_init != 0 else float(np.max(np.abs(D0_t))),
        final_roots=state.n,
        D1_final=float(state.gs.D1),
        box_modes_per_point=config.box_modes_per_point,
    )
    return QLTResult(
        t=t_out, v=v, w=w, K=K_grid, k=k_grid, D=D_out, power=pow_out, P=pow_out * dens,
        gamma=gam_out, Omega_R=OmR_out, D0=D0_t, status=status, saturated=status == "saturated",
        t_saturation=t_sat, config=config, diagnostics=diag,
    )
