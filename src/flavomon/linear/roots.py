r"""Every root of the dispersion relation in a window, organised into branches  [docs §3, §9].

Roots are zeros of :math:`\mathcal D(\Omega,K)=(1-I_0)(1+I_2)+I_1^2` (Landau-continued for
Im Omega <= 0), never of ε (1/K pole, ε ≡ 0 at k = 0) [docs §3 "Special points"].

**Algorithm** of :func:`~flavomon.linear.find_modes`:

1. **Seeds** at ~``n_seed`` K values spread over the grid:

   * the eigenvalues of the multi-beam matrix M(K) on a coarse GL grid [F2 eq. 7]; its growing and
     real superluminal eigenvalues approximate continuum roots (the real subluminal ones are
     the discrete "beams", not modes, and are dropped);
   * a multi-start lattice of points below the real axis, for Landau-damped roots, which do not
     appear in eig(M) at all;
   * each seed is Newton-polished on the continuum :math:`\mathcal D`; converged roots inside the
     window are kept and deduplicated.

2. **Continuation** of every seed root forward and backward along the K grid to the neighbouring
   seed K values (secant predictor, Newton corrector, all segments advanced together,
   vectorised).  The Landau-continued :math:`\mathcal D` is analytic across Im Omega = 0 inside the
   light cone, so a growing branch is followed continuously into the damped region at a
   resonant band edge.  A segment stops where Newton fails, the root jumps, or it leaves the window.

3. **Branches**: roots at each K are deduplicated, segment steps give links between
   neighbouring K, and linked roots are chained into branches (columns of ``ModesResult.Omega``).
   Only roots with :math:`|\mathcal D|<10^{-11}` are returned.

The discrete route (``Nv=int``) runs the same steps on the discrete dispersion function of that GL
grid (grid sums, no continuation), whose roots are exactly the eigenvalues of M; only growing and
real superluminal roots are kept (the discrete system has no Landau damping; its decaying
eigenvalues are the conjugates of the growing ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..distributions import Distribution
from ..errors import FlavomonInputError
from ..grids import gauss_legendre, moments_on_grid
from .dielectric import Dielectric, get_dielectric, phase_velocity
from .properties import root_properties

__all__ = [
    "Window",
    "RootSet",
    "compute_roots",
    "resolve_window",
    "newton_det_D",
    "default_window",
    "classify",
    "superluminal_real_roots",
    "RESIDUAL_TOL",
    "GAMMA_TOL",
]

RESIDUAL_TOL = 1e-11
"""Roots are returned only if :math:`|\\mathcal D|` is below this (a margin of 10 under the 1e-10 the roots are promised to)."""

GAMMA_TOL = 1e-9
"""``|Im Omega|`` below this counts as a real root."""


@dataclass(frozen=True)
class Window:
    """Rectangle of the complex Omega plane: ``re_min <= Re Omega <= re_max``, ``im_min <= Im Omega <= im_max``."""

    re_min: float
    re_max: float
    im_min: float
    im_max: float

    def contains(self, Omega: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """True where Omega lies in the window enlarged by ``margin`` on every side."""
        Om = np.asarray(Omega)
        return (
            (Om.real >= self.re_min - margin)
            & (Om.real <= self.re_max + margin)
            & (Om.imag >= self.im_min - margin)
            & (Om.imag <= self.im_max + margin)
        )

    def as_tuple(self) -> tuple[float, float, float, float]:
        """``(re_min, re_max, im_min, im_max)``."""
        return (self.re_min, self.re_max, self.im_min, self.im_max)


# ----------------------------------------------------------------------------------------
# vectorised Newton on calD
# ----------------------------------------------------------------------------------------
def newton_det_D(
    de: Dielectric,
    Omega0: Any,
    K: Any,
    *,
    maxit: int = 60,
    step_tol: float = 1e-13,
    max_step: float = 0.25,
    residual_tol: float = RESIDUAL_TOL,
    window: "Window | None" = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Newton's method on :math:`\mathcal D(\cdot,K)` for many starting points at once.

    Returns ``(Omega, converged, residual)``; non-converged entries have ``converged=False``.
    Steps are capped at ``max_step`` and at half the distance to the light cone
    :math:`\omega=\pm k` (the branch points of the Landau-continued function), which keeps the
    iteration on its branch and on its side of the light cone.  Iterates that leave ``window``
    (enlarged by half its size) are abandoned.
    """
    shape = np.broadcast(Omega0, K).shape
    Om = np.array(np.broadcast_to(np.asarray(Omega0, dtype=complex), shape), dtype=complex).ravel()
    Kf = np.array(np.broadcast_to(np.asarray(K, dtype=float), shape), dtype=float).ravel()
    kf = Kf + de.D1
    active = np.isfinite(Om)
    conv = np.zeros(Om.size, dtype=bool)
    if window is not None:
        mre = 0.5 * (window.re_max - window.re_min)
        mim = 0.5 * (window.im_max - window.im_min)
        big = Window(window.re_min - mre, window.re_max + mre, window.im_min - mim, window.im_max + mim)
    for _ in range(maxit):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        f, df = de.det_D(Om[idx], Kf[idx], True)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = f / df
            a = np.abs(step)
            bad = ~np.isfinite(step)
            om = Om[idx] + de.D0
            lc = 0.5 * np.minimum(np.abs(om - kf[idx]), np.abs(om + kf[idx]))
            cap = np.minimum(max_step, np.maximum(lc, 1e-3 * max_step)) if not de.discrete else max_step
            step = np.where(a > cap, step * (cap / np.where(a > 0, a, 1.0)), step)
        step[bad] = 0.0
        Om[idx] -= step
        done = (~bad) & (a <= step_tol * (1.0 + np.abs(Om[idx])))
        done |= (~bad) & (f == 0)
        if window is not None:
            bad |= ~big.contains(Om[idx])
        active[idx[bad]] = False
        Om[idx[bad]] = np.nan
        active[idx[done]] = False
        conv[idx[done]] = True
    res = np.full(Om.size, np.inf)
    if conv.any():
        c = np.nonzero(conv)[0]
        with np.errstate(all="ignore"):
            res[c] = np.abs(de.det_D(Om[c], Kf[c]))
        conv[c] = np.isfinite(res[c]) & (res[c] < residual_tol)
    return Om.reshape(shape), conv.reshape(shape), res.reshape(shape)


# ----------------------------------------------------------------------------------------
# windows and seeds
# ----------------------------------------------------------------------------------------
def default_window(dist: Distribution, K: np.ndarray, D0: float, D1: float) -> Window:
    r"""Default Omega window: everything within :math:`|\mathrm{Re}\,\omega|\le|k|_{max}+3A+p/2`,
    :math:`-A/2\le\mathrm{Im}\,\Omega\le 3A+p/2`, with :math:`A=\int|D_v|dv` the rate scale and
    :math:`p=\min(1,A)` (the dispersion relation is invariant under D, Omega, K -> cD, cOmega, cK, so
    for a weak distribution every length in the Omega plane shrinks with A)."""
    A = dist.rate_scale
    pad = min(1.0, A)
    kmax = float(np.max(np.abs(np.asarray(K) + D1))) if np.size(K) else pad
    R = kmax + 3 * A + 0.5 * pad
    return Window(-D0 - R, -D0 + R, -0.5 * A, 3 * A + 0.5 * pad)


def _vp_ok(Om: np.ndarray, K: np.ndarray, D0: float, D1: float, vp_max: float | None) -> np.ndarray:
    """False for Landau-continued roots (Im Omega < 0, ``|Re v_p| < 1``) with ``|Im v_p| > vp_max``."""
    if vp_max is None:
        return np.ones(np.shape(Om), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        vp = phase_velocity(np.asarray(Om), np.asarray(K), D0, D1)
    deep = (np.asarray(Om).imag < -GAMMA_TOL) & (np.abs(vp.real) < 1.0) & (np.abs(vp.imag) > vp_max)
    return ~deep


def _dedupe(roots: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    out: list[complex] = []
    for z in roots[np.argsort(-roots.imag, kind="stable")]:
        if all(abs(z - q) > tol * (1 + abs(q)) for q in out):
            out.append(complex(z))
    return np.array(out, dtype=complex)


def _seed_roots(
    de: Dielectric,
    dist: Distribution,
    K_seed: np.ndarray,
    window: Window,
    *,
    n_eig: int,
    discrete_grid: tuple | None,
    vp_max: float | None = None,
) -> list[np.ndarray]:
    """Polished roots at each seed K (list of arrays)."""
    if discrete_grid is not None:
        v, w = discrete_grid
    else:
        v, w = gauss_legendre(n_eig)
    Dg = dist.on_grid(v)
    pad = 0.5 * min(1.0, dist.rate_scale)  # margin of the damped-root lattice, scaled like the window
    D0g, D1g = (float(x) for x in moments_on_grid(Dg, v, w, 1))
    M0 = (Dg[:, None] * w[None, :]) * (1.0 - np.outer(v, v))
    starts, owner = [], []
    for i, K in enumerate(K_seed):
        k = K + D1g
        M = M0.copy()
        M[np.diag_indices_from(M)] += k * v - D0g
        ev = np.linalg.eigvals(M)
        om = ev + D0g
        vmax = float(np.max(np.abs(v)))
        real = np.abs(ev.imag) <= 1e-7
        # real eigenvalues outside the band of discrete beam frequencies |omega| <= vmax |k|
        outside = real & (np.abs(om.real) > np.abs(k) * vmax * (1 + 1e-9))
        keep = (ev.imag > 1e-7) | outside
        if discrete_grid is None:
            keep |= np.abs(ev.imag) > 1e-7  # conjugates may be principal-sheet damped roots
            # a superluminal root hugging the light cone shows up between vmax|k| and |k|:
            # start Newton just outside the light cone (it never crosses omega = +-k)
            inside = outside & (np.abs(om.real) <= np.abs(k))
            ev = np.where(inside, np.sign(om.real) * np.abs(k) * (1 + 1e-8) - D0g, ev)
        s = [ev[keep]]
        if discrete_grid is None and window.im_min < 0:
            # multi-start lattice for Landau-damped roots (absent from eig(M))
            kk = abs(K + de.D1)
            re = np.linspace(-de.D0 - kk - pad, -de.D0 + kk + pad, 9)
            re = re[(re >= window.re_min) & (re <= window.re_max)]
            im = np.linspace(0.15, 0.85, 3) * window.im_min
            s.append((re[:, None] + 1j * im[None, :]).ravel())
        s = np.concatenate(s)
        starts.append(s)
        owner.append(np.full(s.size, i))
    S = np.concatenate(starts)
    O = np.concatenate(owner)
    Om, ok, _ = newton_det_D(de, S, K_seed[O], maxit=40, window=window)
    ok &= window.contains(Om) & _vp_ok(Om, K_seed[O], de.D0, de.D1, vp_max)
    return [_dedupe(Om[ok & (O == i)]) for i in range(K_seed.size)]


# ----------------------------------------------------------------------------------------
# real superluminal roots by bracketing
# ----------------------------------------------------------------------------------------
def superluminal_real_roots(de: Dielectric, K: np.ndarray, window: Window, n_log: int = 60, n_lin: int = 40) -> list[np.ndarray]:
    r"""Every real root with :math:`|\omega|>|k|` in ``window``, per K, by bracketing  [docs §3].

    For real :math:`\Omega` outside the light cone the :math:`I_n` are real and analytic (no
    resonant velocity), so :math:`\mathcal D(\Omega,K)` is a smooth real function of
    :math:`d=|\omega|-|k|>0` and every simple root is a sign change.  ``d`` is sampled
    logarithmically from the rounding limit of :math:`\Omega` up to 1 (branches that hug the light
    cone, e.g. the thermal ones of F1 Fig. S5 at distance :math:`\sim2k\,e^{-2(k^2+k+1)}`, which
    Newton continuation loses) and linearly beyond, then refined by vectorised bisection in
    :math:`\log d`.  Continuum route only.
    """
    K = np.asarray(K, dtype=float)
    k = K + de.D1
    ak = np.abs(k)
    lo = (window.re_min + de.D0, window.re_max + de.D0)  # omega range
    out: list[list[complex]] = [[] for _ in range(K.size)]
    eps = np.finfo(float).eps
    for sgn in (+1.0, -1.0):
        far = lo[1] if sgn > 0 else -lo[0]  # largest |omega| on this side
        dmax = far - ak  # (nK,)
        ok_side = dmax > 0
        if not ok_side.any():
            continue
        dmin = 64 * eps * (1.0 + np.abs(de.D0) + ak)  # below this, Omega cannot resolve d
        # log-spaced from dmin to min(1, dmax), then linear from 1 to dmax (if dmax > 1)
        knee = np.maximum(np.minimum(1.0, dmax), 2 * dmin)
        dlog = dmin[:, None] * (knee / dmin)[:, None] ** np.linspace(0.0, 1.0, n_log)[None, :]
        dlin = 1.0 + (np.maximum(dmax, 1.0) - 1.0)[:, None] * np.linspace(0.0, 1.0, n_lin)[None, 1:]
        d = np.concatenate([dlog, dlin], axis=1)
        d = np.where(d <= dmax[:, None], d, np.nan)
        Kb = np.broadcast_to(K[:, None], d.shape)
        Om = sgn * (ak[:, None] + d) - de.D0
        with np.errstate(all="ignore"):
            f = de.det_D(Om + 0j, Kb).real
        f = np.where(np.isfinite(f), f, np.nan)
        sc = (np.sign(f[:, 1:]) * np.sign(f[:, :-1]) < 0)
        ii, jj = np.nonzero(sc & ok_side[:, None])
        if ii.size == 0:
            continue
        a, b = d[ii, jj], d[ii, jj + 1]
        fa = f[ii, jj]
        Kr = K[ii]
        for _ in range(52):  # bisection in log d (geometric mean) down to the float64 resolution of d
            m = np.sqrt(a * b)
            with np.errstate(all="ignore"):
                fm = de.det_D(sgn * (ak[ii] + m) - de.D0 + 0j, Kr).real
            left = np.sign(fm) == np.sign(fa)
            a = np.where(left, m, a)
            fa = np.where(left, fm, fa)
            b = np.where(left, b, m)
        r = sgn * (ak[ii] + np.sqrt(a * b)) - de.D0
        # the float64 Omega nearest the root: best |calD| among the neighbouring representable values
        cand = r[:, None] + np.spacing(np.abs(r))[:, None] * np.arange(-3, 4)[None, :]
        with np.errstate(all="ignore"):
            fc = np.abs(de.det_D(cand + 0j, np.broadcast_to(Kr[:, None], cand.shape)))
        fc = np.where(np.isfinite(fc), fc, np.inf)
        r = cand[np.arange(r.size), np.argmin(fc, axis=1)]
        for i_, z in zip(ii, r):
            out[int(i_)].append(complex(z, 0.0))
    return [np.array(sorted(x, key=lambda z: z.real), dtype=complex) for x in out]


def _link_real_roots(K: np.ndarray, roots: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Chain the bracketed real roots of neighbouring K into segments (nearest root, ``|dOmega| <= 2|dK|``)."""
    segs: list[tuple[list[int], list[complex]]] = []
    open_: dict[int, int] = {}  # root index at the current K -> segment id
    for i, r in enumerate(roots):
        new_open: dict[int, int] = {}
        if i > 0 and open_:
            prev = roots[i - 1]
            dK = abs(K[i] - K[i - 1])
            used: set[int] = set()
            pairs = sorted(
                (abs(r[c] - prev[p]), p, c) for p in open_ for c in range(r.size)
                if abs(r[c] - prev[p]) <= 2.0 * dK + 1e-12 and np.sign(r[c].real + 0.0) == np.sign(prev[p].real + 0.0)
            )
            for _, p, c in pairs:
                if c in used or open_.get(p) is None:
                    continue
                sid = open_.pop(p)
                segs[sid][0].append(i)
                segs[sid][1].append(complex(r[c]))
                new_open[c] = sid
                used.add(c)
        for c in range(r.size):
            if c not in new_open:
                segs.append(([i], [complex(r[c])]))
                new_open[c] = len(segs) - 1
        open_ = new_open
    return [(np.array(a), np.array(b)) for a, b in segs]


# ----------------------------------------------------------------------------------------
# continuation along the K grid
# ----------------------------------------------------------------------------------------
def _continue_segments(
    de: Dielectric,
    K: np.ndarray,
    seed_idx: np.ndarray,
    seed_roots: list[np.ndarray],
    window: Window,
    vp_max: float | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Continue every seed root to the neighbouring seed indices.

    Returns a list of segments, each ``(grid indices, Omega)`` ordered along its walk.
    """
    seg_start, seg_dir, seg_stop, seg_Om = [], [], [], []
    for j, (s, roots) in enumerate(zip(seed_idx, seed_roots)):
        for r in roots:
            if j + 1 < len(seed_idx):
                seg_start.append(s), seg_dir.append(+1), seg_stop.append(seed_idx[j + 1]), seg_Om.append(r)
            if j > 0:
                seg_start.append(s), seg_dir.append(-1), seg_stop.append(seed_idx[j - 1]), seg_Om.append(r)
    nseg = len(seg_start)
    paths_i: list[list[int]] = [[int(s)] for s in seg_start]
    paths_O: list[list[complex]] = [[complex(o)] for o in seg_Om]
    if nseg == 0:
        return []
    cur_i = np.array(seg_start, dtype=int)
    d = np.array(seg_dir, dtype=int)
    stop = np.array(seg_stop, dtype=int)
    cur = np.array(seg_Om, dtype=complex)
    # first-step predictor from the group velocity dOmega/dK = -d_K calD / d_Omega calD
    vg0 = root_properties(de, cur, K[cur_i])[2]
    vg0 = np.where(np.isfinite(vg0) & (np.abs(vg0) < 10.0), vg0, 0.0)
    prev_i = cur_i - d
    prev_i = np.clip(prev_i, 0, K.size - 1)
    prev = cur - vg0 * (K[cur_i] - K[prev_i])
    active = cur_i != stop
    scale = max(window.re_max - window.re_min, window.im_max - window.im_min)
    while active.any():
        a = np.nonzero(active)[0]
        ni = cur_i[a] + d[a]
        Kn = K[ni]
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = (cur[a] - prev[a]) / (K[cur_i[a]] - K[prev_i[a]])
            pred = np.where(np.isfinite(slope), cur[a] + slope * (Kn - K[cur_i[a]]), cur[a])
        Om, ok, _ = newton_det_D(de, pred, Kn, maxit=30, max_step=0.05 * scale)
        dK = np.abs(Kn - K[cur_i[a]])
        jump = np.abs(Om - pred)
        ok &= np.isfinite(Om) & (jump <= 0.02 * scale + 2.0 * dK) & window.contains(Om, margin=1e-9)
        ok &= _vp_ok(Om, Kn, de.D0, de.D1, vp_max)
        for m, seg in enumerate(a):
            if ok[m]:
                paths_i[seg].append(int(ni[m]))
                paths_O[seg].append(complex(Om[m]))
        prev[a] = np.where(ok, cur[a], prev[a])
        prev_i[a] = np.where(ok, cur_i[a], prev_i[a])
        cur[a] = np.where(ok, Om, cur[a])
        cur_i[a] = np.where(ok, ni, cur_i[a])
        active[a] = ok & (ni != stop[a])
    return [(np.array(pi), np.array(po)) for pi, po in zip(paths_i, paths_O)]


def _assemble_branches(nK: int, segments: list[tuple[np.ndarray, np.ndarray]], tol: float = 1e-7) -> np.ndarray:
    """Deduplicate roots per K, link them through the segments and chain links into branches."""
    reps: list[list[complex]] = [[] for _ in range(nK)]

    def cid(i: int, z: complex) -> int:
        lst = reps[i]
        for c, q in enumerate(lst):
            if abs(z - q) <= tol * (1 + abs(q)):
                return c
        lst.append(z)
        return len(lst) - 1

    links: dict[tuple[int, int], set[int]] = {}
    for idx, Om in segments:
        ids = [cid(int(i), complex(z)) for i, z in zip(idx, Om)]
        for m in range(len(idx) - 1):
            i0, i1 = int(idx[m]), int(idx[m + 1])
            c0, c1 = ids[m], ids[m + 1]
            if i1 < i0:
                i0, i1, c0, c1 = i1, i0, c1, c0
            links.setdefault((i0, c0), set()).add(c1)
    # resolve successors: nearest candidate; each target used once
    succ: dict[tuple[int, int], int] = {}
    has_pred: set[tuple[int, int]] = set()
    for i in range(nK - 1):
        cands = []
        for c in range(len(reps[i])):
            for c1 in links.get((i, c), ()):
                cands.append((abs(reps[i + 1][c1] - reps[i][c]), c, c1))
        used0, used1 = set(), set()
        for _, c, c1 in sorted(cands):
            if c in used0 or c1 in used1:
                continue
            used0.add(c), used1.add(c1)
            succ[(i, c)] = c1
            has_pred.add((i + 1, c1))
    branches: list[dict[int, complex]] = []
    for i in range(nK):
        for c in range(len(reps[i])):
            if (i, c) in has_pred:
                continue
            br = {i: reps[i][c]}
            node = (i, c)
            while node in succ:
                node = (node[0] + 1, succ[node])
                br[node[0]] = reps[node[0]][node[1]]
            branches.append(br)
    branches.sort(key=lambda b: (min(b), -b[min(b)].imag, b[min(b)].real))
    Omega = np.full((nK, len(branches)), np.nan + 0j * np.nan, dtype=complex)
    for j, br in enumerate(branches):
        for i, z in br.items():
            Omega[i, j] = z
    return Omega


def classify(Omega: np.ndarray, gamma_tol: float = GAMMA_TOL) -> np.ndarray:
    """``"unstable"``, ``"real"``, ``"damped"`` or ``""`` for each entry."""
    Om = np.asarray(Omega)
    out = np.full(Om.shape, "", dtype="<U8")
    fin = np.isfinite(Om)
    out[fin & (Om.imag > gamma_tol)] = "unstable"
    out[fin & (Om.imag < -gamma_tol)] = "damped"
    out[fin & (np.abs(Om.imag) <= gamma_tol)] = "real"
    return out


SEED_DK = 0.1
"""Largest seed spacing in K, in units of the rate scale :math:`A=\\int|D_v|dv`."""


MAX_K_POINTS = 1_000_000
"""Largest K grid of one root search: its results hold about :data:`BYTES_PER_K` bytes per K (branches x
eight complex arrays), and the search takes ~1 ms per K and root (1e6 points: hours, ~1.3 GiB)."""

BYTES_PER_K = 10 * 8 * 16


def _validate_K(K: Any) -> np.ndarray:
    try:
        Ka = np.atleast_1d(np.asarray(K, dtype=float))
    except (TypeError, ValueError):
        raise FlavomonInputError("K must be a real number or array of real numbers") from None
    if Ka.ndim != 1 or Ka.size == 0:
        raise FlavomonInputError("K must be a non-empty 1-d array")
    if Ka.size > MAX_K_POINTS:
        raise FlavomonInputError(
            f"K has {Ka.size} points: the root search would need about {Ka.size * BYTES_PER_K / 2**30:.3g} GiB "
            f"and hours; use at most {MAX_K_POINTS} points"
        )
    if not np.all(np.isfinite(Ka)):
        raise FlavomonInputError("K contains NaN or inf")
    if Ka.size > 1 and not (np.all(np.diff(Ka) > 0) or np.all(np.diff(Ka) < 0)):
        raise FlavomonInputError("K must be strictly monotonic")
    return Ka


@dataclass(frozen=True)
class RootSet:
    """The roots of one search, sorted by K, before band analysis (what :func:`compute_roots` returns).

    Attributes
    ----------
    K : ndarray (nK,)
        Wavenumbers, increasing.
    order : ndarray (nK,) int
        ``K = K_input[order]``.
    Omega, X, Z, group_velocity : ndarray (nK, nroot) complex
        Branches (columns; NaN where a branch has no root) and their properties
        (:func:`~flavomon.linear.properties.root_properties`).
    residual : ndarray (nK, nroot)
        :math:`|\\mathcal D|` at each root (below :data:`RESIDUAL_TOL`).
    kind : ndarray (nK, nroot) str
        :func:`classify` of Omega.
    window : Window
    dielectric : Dielectric
        The evaluator the roots solve (continuum, or the ``Nv``-node grid).
    Nv : int or None
    """

    K: np.ndarray
    order: np.ndarray
    Omega: np.ndarray
    X: np.ndarray
    Z: np.ndarray
    group_velocity: np.ndarray
    residual: np.ndarray
    kind: np.ndarray
    window: Window
    dielectric: Dielectric
    Nv: int | None

    def unsorted(self, a: np.ndarray) -> np.ndarray:
        """``a`` (rows in sorted-K order) back in the order of the input K."""
        inv = np.empty_like(self.order)
        inv[self.order] = np.arange(self.order.size)
        return a[inv]


def resolve_window(window: "Window | Sequence[float] | None", dist: Distribution, Ks: np.ndarray,
                   de: Dielectric) -> Window:
    """The search window: ``window`` as a :class:`Window` (default :func:`default_window`); real-axis-and-up for a grid."""
    if window is None:
        win = default_window(dist, Ks, de.D0, de.D1)
    elif isinstance(window, Window):
        win = window
    else:
        try:
            win = Window(*(float(x) for x in window))
        except (TypeError, ValueError):
            raise FlavomonInputError("window must be (re_min, re_max, im_min, im_max)") from None
    if de.discrete:
        win = Window(win.re_min, win.re_max, max(win.im_min, -GAMMA_TOL), win.im_max)
    return win


def compute_roots(
    dist: Distribution,
    K: Any,
    *,
    Nv: int | None = None,
    window: Window | Sequence[float] | None = None,
    n_seed: int | None = None,
    n_eig: int = 40,
    max_im_vp: float | None = 1.0,
) -> RootSet:
    r"""Every root of :math:`\mathcal D` in a window on a K grid, organised into branches  [docs §3].

    The search of :func:`~flavomon.linear.find_modes` (module notes: seeds, continuation,
    real superluminal roots, branches), without the band analysis.  Parameters as there;
    ``dist`` is a :class:`~flavomon.distributions.Distribution` and ``Nv`` an already validated
    int or None.

    Returns
    -------
    RootSet
        Sorted by K; only roots with :math:`|\mathcal D|<` :data:`RESIDUAL_TOL`.
    """
    Ka = _validate_K(K)
    de = get_dielectric(dist, Nv=Nv)
    order = np.argsort(Ka)
    Ks = Ka[order]
    win = resolve_window(window, dist, Ks, de)
    nK = Ks.size
    if n_seed is None:
        # seeds every 25 grid points, and at most SEED_DK * A apart in K (A = int |D| dv sets the K
        # scale of the branch structure): continuation alone cannot bridge a coarse grid across
        # branch points, so a sparse wide grid would otherwise miss whole bands
        span = float(Ks[-1] - Ks[0])
        n_seed = max(2, int(np.ceil(nK / 25)) + 1, int(np.ceil(span / (SEED_DK * dist.rate_scale))) + 1)
    seed_idx = np.unique(np.round(np.linspace(0, nK - 1, min(n_seed, nK))).astype(int))
    grid = gauss_legendre(Nv) if Nv is not None else None
    seed_roots = _seed_roots(de, dist, Ks[seed_idx], win, n_eig=n_eig, discrete_grid=grid, vp_max=max_im_vp)
    segs = _continue_segments(de, Ks, seed_idx, seed_roots, win, vp_max=max_im_vp)
    # isolated seed roots (single-point grids) still count
    segs += [(np.array([s]), np.array([r])) for s, rr in zip(seed_idx, seed_roots) for r in rr]
    if Nv is None and win.im_min <= 0.0 <= win.im_max:
        segs += _link_real_roots(Ks, superluminal_real_roots(de, Ks, win))
    Omega = _assemble_branches(nK, segs)
    fin = np.isfinite(Omega)
    X = np.full(Omega.shape, np.nan + 0j, dtype=complex)
    Z = X.copy()
    vg = X.copy()
    res = np.full(Omega.shape, np.nan)
    if fin.any():
        Kb = np.broadcast_to(Ks[:, None], Omega.shape)
        x, z, g, r = root_properties(de, Omega[fin], Kb[fin])
        X[fin], Z[fin], vg[fin], res[fin] = x, z, g, r
        # |calD| < RESIDUAL_TOL at every returned root.  Real branches hugging the light cone
        # (F1 Fig. S5; distance ~ 2k exp(-2(k^2+k+1)) for the thermal medium) end where float64 Omega
        # can no longer bring |calD| below it: |calD| >= ulp(Omega) |dcalD/dOmega| ~ 1e-16 |Omega| / distance
        bad = fin & ~(res < RESIDUAL_TOL)
        Omega[bad] = np.nan
        X[bad] = Z[bad] = vg[bad] = np.nan
        res[bad] = np.nan
    return RootSet(Ks, order, Omega, X, Z, vg, res, classify(Omega), win, de, Nv)
