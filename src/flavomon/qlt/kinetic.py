r"""Flavomon kinetic equations  [F1 eqs. 14–22 in the program form of docs §7].

Classical (N >> 1), homogeneous, axisymmetric, fast limit, units of docs §1:

.. math::
    \partial_tN_K=-\frac{2\pi Z_K(1-\Omega_Kv_K/K)^2}{|k|}\,\big[D(v_K)N_K-S(v_K)\big],\qquad
    \partial_tD_v=-4\pi\int dK\,Z_K\Big(1-\frac{\Omega_Kv}{K}\Big)^2\delta(\omega_K-kv)\,\big[N_KD_v-S_v\big],

with :math:`v_K=\omega_K/k`, :math:`Z=1/X`, :math:`X=(1-\Omega v/K)\,\partial_\Omega\varepsilon` at
resonance and :math:`N=X\mathcal P/4` (signed quanta per unit length and K, units of
:math:`n_\nu`).  For :math:`S=0` the first equation is :math:`\partial_tN=2\gamma N` with
:math:`\gamma` of [F2 eq. 26] and the system is identical to resonant QLT
(:mod:`flavomon.qlt.resonant`), as docs §7 states.

**Spontaneous emission (option).**  The quantum bracket of F1 eq. 17 is
:math:`f_\mu(1-f_e)(1+N)-f_e(1-f_\mu)N=S-ND` (classically :math:`-ND`); ``spontaneous`` gives
the source :math:`S_v` — :math:`f_\mu(1-f_e)` per velocity divided by the density of one
quantum per mode, in the classical normalisation of N.  It enters both equations through the
same bracket, so :math:`\int D-2\int N` is conserved with or without it.  F1 says it is
negligible (:math:`S\sim1/(2\pi n_\nu)` in units of :math:`\mu`); F1's exact prefactors were
**not recovered** (docs §7, §10.1), so this term is a documented model, default off.

Only the growing resonances of the flipped nodes are kept (the modes of the unstable bands,
:func:`flavomon.qlt.branch.growing_resonances`), as in resonant QLT.

Discretisation: the δ-function maps each velocity node ``v_j`` to its resonant modes
(``K_b(v_j)``, :func:`flavomon.qlt.branch.resonant_branch`) with
:math:`\delta(\omega_K-kv)=\delta(K-K_b)/|\partial_k\omega-v|`, and
:math:`\int dK\,N=\sum_{j,b}w_j|dK_b/dv|N_{jb}`.  Because :math:`|dK/dv|=|k|/|\partial_k\omega-v|`
on the branch, the discrete system conserves :math:`\sum_jw_jD_j-2\sum_{jb}w_j|dK_b/dv|N_{jb}`
exactly (up to the ODE tolerance).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy.integrate import solve_ivp

from ..distributions import Distribution, from_spec
from ..errors import FlavomonInputError
from ..grids import VelocityGrid
from .branch import ResonantBranch, growing_resonances
from .config import check_dt_out

__all__ = ["KineticResult", "run_kinetic"]


@dataclass(repr=False)
class KineticResult:
    r"""Solution of the flavomon kinetic equations  [docs §7].

    Attributes
    ----------
    t : ndarray (nt,)
        Output times.
    v, w : ndarray (Nv,)
        Nodes and weights.
    D : ndarray (nt, Nv)
        :math:`D_v(t)`.
    N : ndarray (nt, n_pairs)
        Signed quanta per unit K at the resonant modes ``branch`` (one per node/branch pair).
    N_total : ndarray (nt,)
        :math:`\int dK\,N`.
    DLN : ndarray (nt,)
        :math:`\int D-2\int N` (conserved).
    DLN_error : float
        :math:`\max_t|\mathrm{DLN}(t)-\mathrm{DLN}(0)|/|D_0(0)|`.
    branch : ResonantBranch
        The resonant modes.
    """

    t: np.ndarray
    v: np.ndarray
    w: np.ndarray
    D: np.ndarray
    N: np.ndarray
    N_total: np.ndarray
    DLN: np.ndarray
    DLN_error: float
    branch: ResonantBranch

    def __repr__(self) -> str:
        return (f"KineticResult(t in [0, {float(self.t[-1]):g}] ({self.t.size} outputs), Nv={self.v.size}, "
                f"{self.N.shape[1]} resonant modes, DLN error={self.DLN_error:.2g}; arrays: t, v, w, D, N, N_total, DLN)")


def run_kinetic(
    dist: Distribution | str,
    *,
    Nv: int = 100,
    k_min: float = -2.0,
    k_max: float = 2.0,
    n_K: int = 600,
    t_end: float = 500.0,
    dt_out: float = 1.0,
    seed_power: float = 1e-13,
    L: float = 100.0,
    spontaneous: Callable[[np.ndarray], Any] | float | None = None,
    rtol: float = 1e-10,
    psi_profile: Callable[[np.ndarray], Any] | tuple[float, ...] | None = None,
) -> KineticResult:
    r"""Integrate the flavomon kinetic equations  [F1 eqs. 14–22; docs §7].

    Initial N from the projected QKE seed, :math:`N=X\mathcal P(0)/4` with
    :math:`\mathcal P(0)=\frac{L}{2\pi}p_{seed}\,\mathrm{proj}` (as in resonant QLT).

    Parameters
    ----------
    dist : Distribution or SPEC string
        Initial distribution (a SPEC is parsed once, here).
    Nv, k_min, k_max, n_K : int, float, float, int
        Velocity grid and K grid, as in :class:`~flavomon.qlt.QLTConfig`.
    t_end, dt_out : float
        End time and output interval.
    seed_power, L : float
        Seed power per box mode and box length.
    spontaneous : callable, float or None
        Spontaneous-emission source ``S(v)`` (see the module docstring); None: off.
    rtol : float
        Relative tolerance of the ODE integration.
    psi_profile : callable, sequence of Nv values, or None
        Seed shape :math:`p(v)=\psi_v(0)/\psi_0(0)` of the projection (None: :math:`p=1/2`).

    Returns
    -------
    KineticResult
    """
    if not (np.isfinite(seed_power) and seed_power > 0):
        raise FlavomonInputError(f"seed power must be positive, got {seed_power!r}")
    if not (np.isfinite(t_end) and t_end > 0 and np.isfinite(dt_out) and 0 < dt_out <= t_end):
        raise FlavomonInputError(f"need 0 < dt_out <= t_end, got t_end={t_end!r}, dt_out={dt_out!r}")
    check_dt_out(float(t_end), float(dt_out))
    dist = from_spec(dist)
    grid = VelocityGrid(Nv)
    v, w = grid.v, grid.w
    D_ini = dist.on_grid(v)
    if psi_profile is not None and not callable(psi_profile) and np.size(psi_profile) != Nv:
        raise FlavomonInputError(f"psi_profile has {np.size(psi_profile)} values but Nv={Nv}")
    br = growing_resonances(dist, v, w, k_min=k_min, k_max=k_max, n_K=n_K, psi_profile=psi_profile).branch
    if spontaneous is None:
        S_v = np.zeros(v.size)
    elif callable(spontaneous):
        S_v = np.broadcast_to(np.asarray(spontaneous(v), dtype=float), v.shape).copy()
    else:
        S_v = np.full(v.size, float(spontaneous))
    if not np.all(np.isfinite(S_v)) or np.any(S_v < 0):
        raise FlavomonInputError("spontaneous source S(v) must be finite and non-negative")
    t_out = np.arange(0.0, t_end + 0.5 * dt_out, dt_out)
    t_out = t_out[t_out <= t_end * (1 + 1e-12)]
    t_out[-1] = t_end  # dt_out divides t_end (check_dt_out): the last output is t_end exactly
    if br.j.size == 0:
        D = np.repeat(D_ini[None], t_out.size, 0)
        z = np.zeros(t_out.size)
        return KineticResult(t_out, v, w, D, np.zeros((t_out.size, 0)), z, D @ w, 0.0, br)
    Z = 1.0 / br.X
    c2 = (1.0 - br.Omega * br.v / br.K) ** 2
    aN = 2 * np.pi * Z * c2 / np.abs(br.k)  # dN/dt = -aN (D N - S)
    aD = 4 * np.pi * Z * c2 / br.g_minus_v  # dD/dt = -sum_b aD (N D - S)
    nodes = np.unique(br.j)
    jmap = {int(j): i for i, j in enumerate(nodes)}
    jj = np.array([jmap[int(j)] for j in br.j])
    nn = nodes.size
    S_pair = S_v[br.j]
    P0 = L / (2 * np.pi) * seed_power * br.proj
    N0 = br.X * P0 / 4

    def rhs(t: float, y: np.ndarray) -> np.ndarray:
        Dn, N = y[:nn], y[nn:]
        br_ = N * Dn[jj] - S_pair
        return np.r_[-np.bincount(jj, weights=aD * br_, minlength=nn), -aN * br_]

    y0 = np.r_[D_ini[nodes], N0]
    scale = np.r_[np.abs(D_ini[nodes]), np.abs(N0)]
    sol = solve_ivp(rhs, (0.0, t_end), y0, method="DOP853", t_eval=t_out, rtol=rtol,
                    atol=np.maximum(1e-3 * rtol * scale, 1e-300))
    if not sol.success:  # pragma: no cover
        raise FlavomonInputError(f"kinetic-equation integration failed: {sol.message}")
    D = np.repeat(D_ini[None], t_out.size, 0)
    D[:, nodes] = sol.y[:nn].T
    N = sol.y[nn:].T
    N_tot = N @ (w[br.j] * br.dKdv)
    DLN = D @ w - 2 * N_tot
    err = float(np.max(np.abs(DLN - DLN[0])) / abs(D_ini @ w))
    return KineticResult(t_out, v, w, D, N, N_tot, DLN, err, br)
