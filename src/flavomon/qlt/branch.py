r"""The real resonant branch of resonant QLT and the selection of the growing resonances  [F2 eqs. 25–26; docs §6].

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

The quadratic also has real solutions where the distribution has no unstable mode at all
(e.g. on the majority side of the crossing, with F2 eq. 26 rates of order 1 that no root of
the dispersion relation has).  :func:`growing_resonances` keeps a resonance only if a true
unstable root of the discrete dispersion relation lies next to it (:func:`genuine_resonances`).

Seeds: :math:`\mathcal P(0)=\frac{L}{2\pi}p_{\rm seed}\times` the projection factor of
docs §3 for :math:`\psi_v(0)=p(v)\,\psi_0(0)` (default :math:`p=1/2`), evaluated with principal
values at the real resonant root (the weak-growth limit of [F2 eq. 24]; our choice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..distributions import Distribution
from ..errors import FlavomonInputError
from ..grids import gauss_legendre
from ..linear import unstable_bands
from ..linear.dielectric import phase_velocity
from ..linear.discrete import GridState
from .roots import find_unstable_roots

__all__ = [
    "ResonantBranch",
    "ResonantSelection",
    "resonant_branch",
    "growing_resonances",
    "genuine_resonances",
    "invariant",
    "to_K_grid",
    "branch_runs",
]

_NQ = 400  # GL nodes of the principal-value quadrature (pole subtraction; entire D: ~1e-13)
_H = 1e-5  # finite-difference step in v_p for R_n' and dk/dv_p
_VPH_TOL = 0.03  # |Re omega/k - v| allowed beyond twice the width (grid K spacing, edges)
_EDGE_DK = 0.02  # K distance allowed beyond two grid spacings: the 100-node grid loses the slowest
#                  roots within ~0.02 of a resonant band edge (docs §5)


def _pv_moments(dist: Distribution, vp: np.ndarray) -> np.ndarray:
    r""":math:`R_n(v_p)=\mathrm{PV}\int_{-1}^1dv\,D_vv^n/(v_p-v)` for n = 0, 1 (pole subtraction)."""
    x, wq = gauss_legendre(_NQ)
    Dx = dist.on_grid(x)
    vp = np.asarray(vp, dtype=float)
    Dp = dist.on_grid(vp)
    logt = np.log((1 + vp) / (1 - vp))
    out = np.empty((2, vp.size))
    for n in (0, 1):
        num = Dx[None, :] * x[None, :] ** n - (Dp * vp**n)[:, None]
        out[n] = np.sum(wq * num / (vp[:, None] - x[None, :]), axis=1) + Dp * vp**n * logt
    return out


def _pv_integral(f: Callable[[np.ndarray], np.ndarray], vp: np.ndarray) -> np.ndarray:
    r""":math:`\mathrm{PV}\int_{-1}^1dv\,f(v)/(v_p-v)` by pole subtraction (complex ``f`` allowed)."""
    x, wq = gauss_legendre(_NQ)
    fx = np.asarray(f(x), dtype=complex)
    fp = np.asarray(f(vp), dtype=complex)
    num = fx[None, :] - fp[:, None]
    return np.sum(wq * num / (vp[:, None] - x[None, :]), axis=1) + fp * np.log((1 + vp) / (1 - vp))


def _profile_function(psi_profile, v_nodes: np.ndarray, w_nodes: np.ndarray | None) -> Callable[[np.ndarray], np.ndarray]:
    """The seed profile p(v) normalised with the node weights (sum w p = 1), as a function of v."""
    if w_nodes is None:
        raise FlavomonInputError("resonant_branch: psi_profile needs the node weights w_nodes")
    if callable(psi_profile):
        raw = psi_profile
    else:
        vals = np.asarray(psi_profile, dtype=complex).ravel()
        if vals.size != v_nodes.size:
            raise FlavomonInputError(f"psi_profile has {vals.size} values but there are {v_nodes.size} nodes")

        def raw(x, vals=vals):
            x = np.asarray(x, dtype=float)
            return np.interp(x, v_nodes, vals.real) + 1j * np.interp(x, v_nodes, vals.imag)
    s = np.sum(w_nodes * np.broadcast_to(np.asarray(raw(v_nodes), dtype=complex), v_nodes.shape))

    def p(x):
        x = np.asarray(x, dtype=float)
        return np.broadcast_to(np.asarray(raw(x), dtype=complex), x.shape) / s

    return p


def _branches(R: np.ndarray, vp: np.ndarray, D0: float, D1: float) -> np.ndarray:
    """Both roots k of the quadratic (NaN where complex), sorted: shape (2, n)."""
    b = R[1] * vp - R[0] - D1
    c = R[0] * D1 - R[1] * D0
    disc = b * b - 4 * c
    sq = np.sqrt(np.where(disc >= 0, disc, np.nan))
    return np.stack([(-b - sq) / 2, (-b + sq) / 2])


@dataclass
class ResonantBranch:
    r"""Resonant modes of the grid nodes: one entry per (node ``j``, branch) pair  [F2 eqs. 25–26].

    Attributes
    ----------
    j : ndarray (n,) int
        Node index.
    v, k, K, Omega : ndarray (n,)
        Resonant velocity, shifted and unshifted wavenumber, real frequency.
    deps : ndarray (n,)
        :math:`\partial_\Omega\mathrm{Re}\,\varepsilon`.
    g_minus_v : ndarray (n,)
        :math:`|\partial_k\omega-v|`.
    dKdv : ndarray (n,)
        :math:`|dK/dv_p|` along the branch.
    A, B : ndarray (n,)
        Rates of resonant QLT (:mod:`flavomon.qlt.resonant`).
    gamma0 : ndarray (n,)
        :math:`A\,D(0)/2`, the growth rate of [F2 eq. 26].
    X : ndarray (n,)
        :math:`(1-\Omega v/K)\,\partial_\Omega\varepsilon` [docs §3].
    proj : ndarray (n,)
        Seed projection (weak-growth limit of [F2 eq. 24]).
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
        """Mask of the growing modes (``gamma0 > 0``)."""
        return self.gamma0 > 0


def resonant_branch(
    dist: Distribution,
    v_nodes: np.ndarray,
    *,
    k_min: float = -np.inf,
    k_max: float = np.inf,
    psi_profile: Callable[[np.ndarray], Any] | tuple[float, ...] | None = None,
    w_nodes: np.ndarray | None = None,
) -> ResonantBranch:
    r"""Real resonant modes :math:`\omega_R=kv` of each node  [F2 eqs. 25–26, docs §6].

    Parameters
    ----------
    dist : Distribution
        The initial distribution (its continuum moments and principal-value integrals).
    v_nodes : ndarray (Nv,)
        Velocity nodes.
    k_min, k_max : float
        Only modes with shifted k in [k_min, k_max] are kept (the grid of the QLT run).
    psi_profile : callable, sequence of Nv values, or None
        Seed shape :math:`p(v)=\psi_v(0)/\psi_0(0)` of the projection (as in
        :class:`~flavomon.qlt.QLTConfig`; None: :math:`p=1/2`).  It is normalised with the
        weights ``w_nodes`` so that :math:`\sum_jw_jp_j=1`, as in full QLT; values on the
        nodes are interpolated linearly for the principal-value integral.
    w_nodes : ndarray (Nv,), optional
        Quadrature weights of ``v_nodes`` (needed with ``psi_profile``).

    Returns
    -------
    ResonantBranch
        One entry per (node, real resonant mode) pair.
    """
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
    if psi_profile is None:
        bracket = R1 / (k * K) + 0.5 * np.log((1 + v) / (1 - v)) / k  # I1/K + (1/2) PV int dv/(omega - k v)
        proj = bracket**2 / deps**2
    else:
        # I1/K + PV int dv p(v')/(omega - k v') with omega = k v: (1/k) PV int p(v')/(v - v') dv'
        p_of = _profile_function(psi_profile, v_nodes, w_nodes)
        bracket = R1 / (k * K) + _pv_integral(p_of, v) / k
        proj = np.abs(bracket) ** 2 / deps**2
    return ResonantBranch(j, v, k, K, Om, deps, gmv, dKdv, A, B, gamma0, X, proj)


def _subset(br: ResonantBranch, sel: np.ndarray) -> ResonantBranch:
    return ResonantBranch(*(getattr(br, f)[sel] for f in br.__dataclass_fields__))


def invariant(br: ResonantBranch, D_j: np.ndarray, P: np.ndarray, nv: int) -> np.ndarray:  # noqa: ARG001
    """Per node: D_j + sum_b (B/A) P_b — [F2 eq. 29] divided by 2|g - v|."""
    inv = np.array(D_j, dtype=float, copy=True)
    np.add.at(inv, br.j, (br.B / br.A) * P)
    return inv


def to_K_grid(br: ResonantBranch, values: np.ndarray, K_grid: np.ndarray, *, log: bool) -> np.ndarray:
    """Interpolate per-(node, branch) values along each branch onto the K grid (sum of branches)."""
    out = np.zeros(K_grid.size)
    # a branch = a run of consecutive nodes with the same quadratic root; split by K jumps
    for sel in branch_runs(br):
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


def branch_runs(br: ResonantBranch) -> list[np.ndarray]:
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


@dataclass(frozen=True)
class ResonantSelection:
    """The resonances resonant QLT evolves, found once per run (:func:`growing_resonances`).

    Attributes
    ----------
    branch : ResonantBranch
        The growing resonant modes (:math:`A\\,D_v(0)>0`) of the flipped nodes that have a true
        unstable root of the dispersion relation next to them.
    flipped : ndarray (Nv,) bool
        Nodes that resonant QLT flips to ``D = 0``.
    intervals : list of (float, float)
        Phase-velocity range :math:`\\mathrm{Re}\\,\\omega/k` of each unstable band.
    unstable_K : list of int
        K-grid indices with an unstable root (for the grid checks).
    info : dict
        Counts: ``n_real_pairs`` (solutions of the principal-value quadratic in the K range),
        ``n_growing_pairs`` (with :math:`A\\,D_v(0)>0`), ``n_spurious_pairs`` (growing, but no
        unstable root nearby), ``n_spurious_flipped_side`` (those on flipped nodes),
        ``other_side_resonant`` (genuine growing pairs on nodes that are not flipped).
    """

    branch: ResonantBranch
    flipped: np.ndarray
    intervals: list[tuple[float, float]]
    unstable_K: list[int]
    info: dict[str, Any] = field(default_factory=dict)


def genuine_resonances(
    br: ResonantBranch, roots: dict[int, list[complex]], K_grid: np.ndarray, D0: float, D1: float,
    bands: list[tuple[float, float]] | None = None,
) -> np.ndarray:
    r"""Mask of the resonances that have a true unstable root of the dispersion relation nearby.

    A pair (node :math:`v_j`, real mode at :math:`K_b`) of the principal-value quadratic counts
    only if an unstable root :math:`\Omega` of the discrete relation on the K grid lies within
    two grid spacings plus 0.02 (the band-edge resolution of the grid, docs §5) of :math:`K_b`
    with its phase velocity :math:`\mathrm{Re}\,\omega/k`
    within twice the resonance width :math:`\gamma/|k|` (plus 0.03, the phase-velocity
    resolution of the grid near band edges) of :math:`v_j`, i.e. :math:`|\mathrm{Re}\,\Omega-\Omega_R|\le
    2\gamma+0.03\,|k|`.  Broad resonances of strongly growing modes are kept (whether the
    weak-growth picture applies to them is a separate question, docs §3 "weak-growth formula").

    Parameters
    ----------
    br : ResonantBranch
        Candidate pairs.
    roots : dict
        ``{K index: [Omega, ...]}`` unstable roots on ``K_grid``
        (:func:`flavomon.qlt.roots.find_unstable_roots`).
    K_grid : ndarray
        The K grid.
    D0, D1 : float
        Moments of the distribution on the grid (:math:`\omega=\Omega+D_0`, :math:`k=K+D_1`).
    bands : list of (K_lo, K_hi), optional
        The continuum unstable bands (:func:`flavomon.linear.unstable_bands`).  The discrete grid
        does not resolve the slow growth next to a resonant band edge (docs §5), so a pair whose
        :math:`K_b` lies inside a continuum band (within two grid spacings) but where the grid has no
        unstable root within the K tolerance counts as genuine: its true unstable root is the
        unresolved edge tail of that band.

    Returns
    -------
    ndarray (n_pairs,) bool
    """
    items = [(i, z) for i, zs in roots.items() for z in zs]
    if not items or br.j.size == 0:
        return np.zeros(br.j.size, bool)
    dK = float(np.max(np.abs(np.diff(K_grid)))) if K_grid.size > 1 else np.inf
    in_band = np.zeros(br.j.size, bool)
    for lo, hi in bands or ():
        in_band |= (br.K >= lo - 2 * dK) & (br.K <= hi + 2 * dK)
    Kr = np.array([K_grid[i] for i, _ in items])
    z = np.array([z for _, z in items], dtype=complex)
    kr = Kr + D1
    with np.errstate(divide="ignore", invalid="ignore"):
        vph = phase_velocity(z.real, Kr, D0, D1)
        width = z.imag / np.abs(kr)
    near_K = np.abs(Kr[None, :] - br.K[:, None]) <= 2 * dK + _EDGE_DK
    near_v = np.abs(vph[None, :] - br.v[:, None]) <= 2 * width[None, :] + _VPH_TOL
    unresolved_tail = in_band & ~np.any(near_K, axis=1)
    return np.any(near_K & near_v, axis=1) | unresolved_tail


def growing_resonances(
    dist: Distribution,
    v: np.ndarray,
    w: np.ndarray,
    *,
    k_min: float,
    k_max: float,
    n_K: int,
    gamma_min: float = 1e-6,
    psi_profile: Callable[[np.ndarray], Any] | tuple[float, ...] | None = None,
) -> ResonantSelection:
    r"""Flipped nodes of resonant QLT and their growing resonant modes  [docs §6].

    1. The unstable modes are the exact roots of the discrete dispersion relation on the
       velocity grid (eig + continuation on the n_K-point grid, :mod:`flavomon.qlt.roots`);
       each contiguous unstable band gives the interval of phase velocities
       :math:`v_{ph}=\mathrm{Re}\,\omega/k` swept by its roots.
    2. A crossing :math:`v_c` of D is *active* if it is a resonant edge of an unstable band,
       i.e. v_ph at the first or last K of the band equals v_c (within 0.02, the v_ph resolution of the
       K grid near the edge, where :math:`d v_{ph}/dK` is steep).
    3. The flipped nodes are those of the same-sign region of D adjacent to an active
       crossing whose sign is opposite to :math:`D_0` (the minority lepton number), limited to
       the v_ph range of the bands that have that edge.
    4. A flipped node evolves with the real resonant modes of the principal-value quadratic
       (:func:`resonant_branch`) that grow, :math:`A\,D_v(0)>0`, *and* have a true unstable
       root of the discrete relation nearby (:func:`genuine_resonances`); the quadratic alone
       also returns resonances where no mode grows.

    The choice of side in step 3 is F2's sign rule (docs §6: the flipped side is the one whose
    sign is opposite to :math:`D_0`), not a result of the dispersion relation, which only
    selects the active crossings (step 2) and the resonances (step 4).  The weak-growth
    picture alone is ambiguous beyond the benchmark at a = 0.9: for a = 0.7 the strongly
    growing band B (F2's k -> 0 band) has a resonant edge at :math:`v_c` whose neighbouring
    modes resonate with :math:`v<v_c`, and for a = 0.5 one band sweeps both sides.  Genuine
    growing resonances of nodes on the other side are counted in
    ``info['other_side_resonant']``, not flipped.  Every flipped node ends at D = 0, also those
    (next to v = +-1) where the principal-value weak-growth quadratic has no real resonant mode.

    Parameters
    ----------
    dist : Distribution
        The initial distribution.
    v, w : ndarray (Nv,)
        Velocity nodes and weights.
    k_min, k_max, n_K : float, float, int
        The K grid (shifted k).
    gamma_min : float
        Growth rate above which a root counts as unstable.
    psi_profile : callable, sequence of Nv values, or None
        Seed shape of the projection (:func:`resonant_branch`).

    Returns
    -------
    ResonantSelection
    """
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
        vph = [phase_velocity(z.real, K_grid[i], gs.D0, gs.D1) for z in rd[i] if kk != 0]
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
    br = resonant_branch(dist, v, k_min=k_min, k_max=k_max, psi_profile=psi_profile, w_nodes=w)
    growing = br.A * D_v[br.j] > 0
    bands = [(b.K_lo, b.K_hi) for b in unstable_bands(dist)]
    genuine = genuine_resonances(br, rd, K_grid, gs.D0, gs.D1, bands)
    sel = growing & genuine & flipped[br.j]
    info = {
        "n_real_pairs": int(br.j.size),
        "n_growing_pairs": int(growing.sum()),
        "n_spurious_pairs": int(np.sum(growing & ~genuine)),
        "n_spurious_flipped_side": int(np.sum(growing & ~genuine & flipped[br.j])),
        "other_side_resonant": int(np.unique(br.j[growing & genuine & ~flipped[br.j]]).size),
    }
    return ResonantSelection(_subset(br, sel), flipped, intervals, sorted(rd), info)
