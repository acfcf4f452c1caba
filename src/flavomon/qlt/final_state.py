r"""The final state of resonant QLT (t -> infinity)  [F2 eqs. 27–29; docs §6].

With the resonances of :func:`~flavomon.qlt.branch.growing_resonances`, the flipped nodes end at
:math:`D_v=0` and the others keep :math:`D_v(0)` (minus the O(seed) change of damped resonances).
With several growing branches at one node, :math:`\tau=\int_0^\infty D\,dt` solves
:math:`D(0)+\sum_bc_b\mathcal P_b(0)=\sum_bc_b\mathcal P_b(0)e^{A_b\tau}` (:math:`c_b=B_b/A_b`)
and :math:`\mathcal P_b(\infty)=\mathcal P_b(0)e^{A_b\tau}` — exact, no time integration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from scipy.optimize import brentq

from ..distributions import Distribution, from_spec
from ..errors import FlavomonInputError
from ..grids import VelocityGrid
from .branch import ResonantBranch, ResonantSelection, branch_runs, growing_resonances, invariant, to_K_grid

__all__ = ["ResonantFinalState", "resonant_final_state", "final_state_of"]


@dataclass(repr=False)
class ResonantFinalState:
    r"""Final state of resonant QLT (t -> infinity) on the velocity grid and the K grid.

    Attributes
    ----------
    v, w, D_initial, D_final : ndarray (Nv,)
        Nodes, weights, initial and final :math:`D_v`.
    flipped : ndarray (Nv,) bool
        Nodes that flip (``D_final = 0`` there).
    flipped_range : (float, float) or None
        Smallest and largest flipped node.
    K, k : ndarray (n_K,)
        The K grid and the same grid in shifted k.
    P_final, power_final : ndarray (n_K,)
        Final spectral density and per-box-mode power (seed included), interpolated along the
        resonant branches onto the K grid.
    branch : ResonantBranch
        The resonant modes that evolve.
    P0, P_branch_final : ndarray (n_pairs,)
        Initial and final spectral density of each resonant mode.
    invariant_error : float
        :math:`\max_j|I_j(\infty)-I_j(0)|/|2|\partial_k\omega-v|D_j(0)|` of the invariant of [F2 eq. 29].
    D0_initial, D0_final : float
        :math:`\sum_jw_jD_j` before and after.
    N_initial, N_final : float
        :math:`\int dK\,N(K)` with :math:`N=X\mathcal P/4` [docs §3].
    DLN_error : float
        :math:`|\Delta(\int D-2\int N)|/|D_0(0)|` over the nodes the resonant equations describe.
    info : dict
        Counts (resonant pairs, flipped nodes, spurious resonances discarded, ...).
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

    def __repr__(self) -> str:
        return (f"ResonantFinalState({int(self.flipped.sum())} of {self.v.size} nodes flipped, range {self.flipped_range}, "
                f"D0 {self.D0_initial:.6g} -> {self.D0_final:.6g}, {self.branch.j.size} resonant modes, "
                f"invariant error {self.invariant_error:.2g}; arrays: v, w, D_initial, D_final, flipped, K, k, "
                f"P_final, power_final)")


def resonant_final_state(
    dist: Distribution | str,
    *,
    Nv: int = 100,
    n_K: int = 600,
    k_min: float = -2.0,
    k_max: float = 2.0,
    seed_power: float = 1e-13,
    L: float = 100.0,
    psi_profile: Callable[[np.ndarray], Any] | tuple[float, ...] | None = None,
    gamma_min: float = 1e-6,
    selection: ResonantSelection | None = None,
) -> ResonantFinalState:
    r"""Final state predicted by resonant QLT  [F2 eqs. 27–29, docs §6].

    ``D_v = 0`` on the flipped nodes (F2's sign rule on the side of the active crossings, see
    :func:`~flavomon.qlt.branch.growing_resonances`), unchanged elsewhere;
    :math:`\mathcal P_{fin}=\mathcal P(0)+2|\partial_k\omega-v|D_v(0)/[|k|\partial_\Omega\varepsilon(\Omega v/K-1)]`
    for a single growing branch (general case: see the module docstring).  The eq. 29
    invariant and :math:`\int D-2\int N` are evaluated before and after as checks.

    Parameters
    ----------
    dist : Distribution or SPEC string
        The initial distribution (a SPEC is parsed once here).
    Nv, n_K, k_min, k_max, seed_power, L : int, int, float, float, float, float
        Grid and seed, as in :class:`~flavomon.qlt.QLTConfig`.
    psi_profile : callable, sequence of Nv values, or None
        Seed shape :math:`p(v)=\psi_v(0)/\psi_0(0)` (None: :math:`p=1/2`).
    gamma_min : float
        Growth rate above which a root of the dispersion relation counts as unstable.
    selection : ResonantSelection, optional
        The resonances already found for this distribution and grid (by
        :func:`~flavomon.qlt.run_resonant_qlt`); computed here if None.

    Returns
    -------
    ResonantFinalState
    """
    if not (np.isfinite(seed_power) and seed_power > 0):
        raise FlavomonInputError(f"seed power must be positive (|psi_0K|^2 per box mode), got {seed_power!r}")
    dist = from_spec(dist)
    grid = VelocityGrid(Nv)
    if selection is None:
        selection = growing_resonances(dist, grid.v, grid.w, k_min=k_min, k_max=k_max, n_K=n_K,
                                       gamma_min=gamma_min, psi_profile=psi_profile)
    return final_state_of(dist, grid, selection, np.linspace(k_min, k_max, n_K), seed_power=seed_power, L=L)


def final_state_of(
    dist: Distribution, grid: VelocityGrid, selection: ResonantSelection, k_grid: np.ndarray, *,
    seed_power: float, L: float,
) -> ResonantFinalState:
    """The final state of :func:`resonant_final_state` from resonances already selected.

    Parameters
    ----------
    dist : Distribution
        The initial distribution.
    grid : VelocityGrid
        The velocity grid of ``selection``.
    selection : ResonantSelection
        From :func:`~flavomon.qlt.branch.growing_resonances` on the same grids.
    k_grid : ndarray (n_K,)
        The K grid in shifted k.
    seed_power, L : float
        Seed power per box mode and box length.

    Returns
    -------
    ResonantFinalState
    """
    v, w = grid.v, grid.w
    D_ini = dist.on_grid(v)
    D1_0 = float(np.sum(w * v * D_ini))
    K_grid = k_grid - D1_0
    br, flipped, intervals = selection.branch, selection.flipped, selection.intervals
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
    inv0 = invariant(br, D_ini, P0, v.size)
    inv1 = invariant(br, D_fin, P_fin, v.size)
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
    P_K = to_K_grid(br, P_fin, K_grid, log=True)
    fr = (float(v[flipped].min()), float(v[flipped].max())) if flipped.any() else None
    return ResonantFinalState(
        v=v, w=w, D_initial=D_ini, D_final=D_fin, flipped=flipped, flipped_range=fr, K=K_grid, k=k_grid,
        P_final=P_K, power_final=P_K / dens, branch=br, P0=P0, P_branch_final=P_fin, invariant_error=inv_err,
        D0_initial=D0i, D0_final=D0f, N_initial=N0, N_final=N1, DLN_error=dln_err,
        info={"n_resonant_pairs": int(br.j.size), "n_flipped": int(flipped.sum()), "v_ph_intervals": intervals,
              "unresonant_flipped_nodes": int(lone.sum()), "unresonant_flipped_lepton_number": n_lone,
              **selection.info},
    )


