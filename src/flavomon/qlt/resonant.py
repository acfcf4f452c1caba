r"""Resonant QLT: the time-dependent dynamics  [F2 eqs. 26–30; docs §6].

In the limit :math:`\gamma\to0` of [F2 eq. 11] every velocity ``v`` exchanges power only with
the modes resonant with it, :math:`\omega_R(K)=kv`, and (docs §6, with
:math:`\mathcal P` the power per unit K)

.. math::
    \partial_t\mathcal P=A\,D_v\mathcal P,\quad A=\frac{2\pi(\Omega v/K-1)}{|k|\,\partial_\Omega\varepsilon},
    \qquad \partial_tD_v=-B\,D_v\mathcal P,\quad B=\frac{\pi(1-\Omega v/K)^2}{|\partial_k\omega-v|},

so that :math:`2|\partial_k\omega-v|D_v+|k|\partial_\Omega\varepsilon(\Omega v/K-1)\mathcal P` is
invariant [F2 eq. 29]; with one resonant mode the decay is logistic at rate
:math:`2\gamma(0)` (the corrected [F2 eq. 30], docs §6, §10.4).

Which nodes flip is **F2's sign rule** (docs §6): on the side of an active crossing whose sign
is opposite to :math:`D_0`.  The dispersion relation only selects which crossings are active
(resonant edges of unstable bands) and which real resonances have a true unstable root next to
them (:func:`~flavomon.qlt.branch.growing_resonances`); it does not decide the side.

The modules: :mod:`flavomon.qlt.branch` (the real resonant branch and the selection),
this module (the dynamics) and :mod:`flavomon.qlt.final_state` (t -> infinity).
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np
from scipy.integrate import solve_ivp

from ..distributions import Distribution
from ..errors import FlavomonInputError
from ..grids import VelocityGrid
from .branch import branch_runs, growing_resonances, invariant, to_K_grid
from .checks import check_band_sampling, rate_scale_of
from .config import QLTConfig, QLTResult, output_times
from .final_state import final_state_of

__all__ = ["run_resonant_qlt"]


def run_resonant_qlt(
    dist: Distribution, config: QLTConfig, *, progress: Callable[..., None] | None = None
) -> QLTResult:
    """Time-dependent resonant QLT  [F2 eqs. 27–28] on the grid of ``config``.

    Integrates :math:`\\partial_t\\ln|D_j|=-\\sum_bB_b\\mathcal P_b`,
    :math:`\\partial_t\\ln\\mathcal P_b=A_bD_j` for every (node, resonant branch) pair with
    ``scipy.integrate.solve_ivp`` (DOP853, rtol 1e-10) and checks the invariant of
    [F2 eq. 29] along the way (``diagnostics['invariant_error']``).  Returns a
    :class:`~flavomon.qlt.QLTResult`; ``gamma`` is the resonant growth rate
    :math:`A_bD_j(t)/2` [F2 eq. 26] interpolated onto the K grid.  Resonant QLT does not
    conserve D0 in the neutrino sector (docs §6); ``diagnostics['DLN_error']`` reports
    the conservation of :math:`\\int D-2\\int N`.  The resonances are found once
    (:func:`~flavomon.qlt.branch.growing_resonances`) and also give ``final_state``, the
    :math:`t\\to\\infty` prediction (:func:`~flavomon.qlt.resonant_final_state`).

    Parameters
    ----------
    dist : Distribution
        The initial distribution.
    config : QLTConfig
        Grid, seed (``seed_power``, ``psi_profile``), ``t_end``, ``dt_out``, ``gamma_stop``.
    progress : callable, optional
        ``progress(t, steps=i)`` after every output time.

    Returns
    -------
    QLTResult
    """
    wall0 = time.perf_counter()
    grid = VelocityGrid(config.Nv)
    v, w = grid.v, grid.w
    D_ini = dist.on_grid(v)
    k_grid = np.linspace(float(config.k_min), float(config.k_max), config.n_K)
    D1_ini = float(np.sum(w * v * D_ini))
    K_grid = k_grid - D1_ini
    gstop = float(config.gamma_stop) * rate_scale_of(D_ini, w)
    # one band search per run: the selection gives the unstable grid points for the grid check
    # and is reused for the final state
    selection = growing_resonances(
        dist, v, w, k_min=float(config.k_min), k_max=float(config.k_max), n_K=config.n_K, gamma_min=gstop,
        psi_profile=config.psi_profile,
    )
    check_band_sampling(dist, config, selection.unstable_K, k_grid, D1_ini, gstop)
    br, flipped, intervals = selection.branch, selection.flipped, selection.intervals
    final = final_state_of(dist, grid, selection, k_grid, seed_power=float(config.seed_power), L=float(config.L))
    dens = float(config.L) / (2 * np.pi)
    t_out = output_times(config)
    nt = t_out.size
    D_out = np.repeat(D_ini[None, :], nt, axis=0)
    pow_out = np.zeros((nt, config.n_K))
    gam_out = np.zeros((nt, config.n_K))
    OmR_out = np.full((nt, config.n_K), np.nan)
    diag: dict[str, Any] = {"n_resonant_pairs": int(br.j.size), "n_flipped": int(flipped.sum()), "v_ph_intervals": intervals,
                            **selection.info}
    if br.j.size == 0 or not np.any(br.A * D_ini[br.j] > 0):
        return QLTResult(t_out, v, w, K_grid, k_grid, D_out, pow_out, pow_out.copy(), gam_out, OmR_out,
                         D_out @ w, "stable", False, None, config,
                         diagnostics={**diag, "message": "no growing resonant mode: nothing to evolve"},
                         final_state=final)
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
    inv0 = invariant(br, D_ini, P0, v.size)[nodes]
    inv_err = 0.0
    N_hist = np.empty(nt)
    for i in range(nt):
        Dn = sgn * np.exp(sol.y[:nn, i])
        P = np.exp(sol.y[nn:, i])
        D_out[i, nodes] = Dn
        inv = invariant(br, D_out[i], P, v.size)[nodes]
        inv_err = max(inv_err, float(np.max(np.abs(inv - inv0) / np.abs(D_ini[nodes]))))
        pow_out[i] = to_K_grid(br, P, K_grid, log=True) / dens
        gam_out[i] = np.maximum(to_K_grid(br, 0.5 * br.A * Dn[jj], K_grid, log=False), 0.0)
        N_hist[i] = float(np.sum(w[br.j] * br.dKdv * br.X * P / 4))
        if progress is not None:
            progress(float(t_out[i]), steps=i)
    for sel in branch_runs(br):
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
        diagnostics=diag, final_state=final,
    )
