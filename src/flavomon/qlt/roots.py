r"""Tracking every unstable root :math:`\Omega(K)` of the discrete dispersion relation.

Reference: the eigenvalues of the linearised-QKE matrix :math:`M(K)` on the velocity grid
[docs §3] (``flavomon.linear.discrete.discrete_eigenvalues``).  Computing them for 600
K at every step costs ~1.5 s, so instead:

* **Newton** (:func:`newton_roots`) on the determinant form :math:`\mathcal D_N(\Omega,K)`
  [docs §3], vectorised over all tracked roots at once (or one compiled loop over them, the faster
  path that QLT in a matter gradient takes) and warm-started from the previous step's roots;
* **eig safeguard** (:func:`eig_unstable`): eig(M(K)) at the K where Newton fails, lands on a
  stable root or jumps too far, and on a rotating coarse subset of the grid to catch roots
  that appear;
* **initial detection** (:func:`find_unstable_roots`): eig on a coarse subset of the K grid
  and continuation (marching) in K from every unstable eigenvalue found, so each band is
  filled point by point with Newton.  A band narrower than the coarse stride can be missed
  (the stride is ``<= 12`` grid points by default, i.e. 0.08 in k on the F2 grid);
* :class:`RootSet` — the flat arrays (K index, Omega, spectral density) of the tracked roots;
  :func:`grid_unstable_intervals` — contiguous k ranges with an unstable root.

The dispersion relation itself (:math:`\mathcal D_N`, its Newton step, eig of M(K)) is
:mod:`flavomon.linear.discrete`.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from ..linear.discrete import GridState, discrete_matrix, dispersion_terms, newton_step, spectrum_is_real

__all__ = ["RootSet", "newton_roots", "eig_unstable", "find_unstable_roots", "march", "grid_unstable_intervals"]


def _newton_loop(Om, K, mT, v, D0, D1, tol, maxiter):  # pragma: no cover (compiled)
    r"""The iteration of :func:`newton_roots`, one root at a time, in place on ``Om``; returns ``ok`` (before the
    finiteness and ``max_jump`` tests).  ``mT`` is ``GridState.m`` transposed, (3, Nv).  Compiled by
    :func:`_newton_compiled`; the grid sums :math:`J_n,\partial_\Omega J_n` are one loop over the nodes (``reassoc``
    lets it be vectorised: they differ from the NumPy path at the round-off level)."""
    n, nv = Om.size, v.size
    ok = np.zeros(n, dtype=np.bool_)
    gr = np.empty(nv)
    gi = np.empty(nv)
    for r in range(n):
        k = K[r] + D1
        prev = np.inf
        for _ in range(maxiter):
            omr = Om[r].real + D0
            omi = Om[r].imag
            for q in range(nv):  # G = 1 / (omega - k v_q), on its own (a loop with the division does not vectorise)
                zr = omr - k * v[q]
                inv = 1.0 / (zr * zr + omi * omi)
                gr[q] = zr * inv
                gi[q] = -omi * inv
            j0r = j0i = j1r = j1i = j2r = j2i = 0.0
            d0r = d0i = d1r = d1i = d2r = d2i = 0.0
            for q in range(nv):
                a, b = gr[q], gi[q]
                hr = a * a - b * b  # G^2
                hi = 2.0 * a * b
                m0, m1, m2 = mT[0, q], mT[1, q], mT[2, q]
                j0r += a * m0
                j0i += b * m0
                j1r += a * m1
                j1i += b * m1
                j2r += a * m2
                j2i += b * m2
                d0r -= hr * m0
                d0i -= hi * m0
                d1r -= hr * m1
                d1i -= hi * m1
                d2r -= hr * m2
                d2i -= hi * m2
            J0, J1, J2 = complex(j0r, j0i), complex(j1r, j1i), complex(j2r, j2i)
            dJ0, dJ1, dJ2 = complex(d0r, d0i), complex(d1r, d1i), complex(d2r, d2i)
            F = (1.0 - J0) * (1.0 + J2) + J1 * J1
            dF = -dJ0 * (1.0 + J2) + (1.0 - J0) * dJ2 + 2.0 * J1 * dJ1
            d = -F / dF if dF != 0 else complex(np.nan, np.nan)
            bad = not (np.isfinite(d.real) and np.isfinite(d.imag))
            if bad:
                d = 0j
            ad = abs(d)
            big = ad > 0.25
            if big:
                d *= 0.25 / ad
            Om[r] += d
            scale = 1.0 + abs(Om[r])
            rho = ad / prev if np.isfinite(prev) else 1.0
            conv = (ad <= tol * scale) or ((rho < 0.5) and (ad * rho * rho <= tol * scale)) or (
                (ad <= 1e-11 * scale) and (rho > 0.5))
            conv = conv and not bad and not big
            prev = ad
            if conv:
                ok[r] = True
                break
            if bad:
                break
    return ok


@cache
def _newton_compiled():
    """:func:`_newton_loop` compiled by numba (imported here: only the runs that use it pay for it); cached on
    disk."""
    import numba

    return numba.njit(cache=True, nogil=True, fastmath={"reassoc"}, error_model="numpy")(_newton_loop)


def newton_roots(
    gs: GridState,
    Omega0: np.ndarray,
    K: np.ndarray,
    *,
    tol: float = 1e-13,
    maxiter: int = 40,
    max_jump: float = np.inf,
    compiled: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Vectorised Newton on :math:`\mathcal D_N` from starting values ``Omega0``.

    Returns ``(Omega, ok)``; ``ok`` is False where Newton did not converge to
    ``|dOmega| <= tol (1 + |Omega|)`` within ``maxiter`` iterations, left the finite numbers
    or moved further than ``max_jump`` from its start.  Each Newton step is damped to at most
    ``0.25`` in modulus (keeps warm starts in their basin).

    ``compiled=True`` runs the same iteration as one compiled loop over the roots (:func:`_newton_loop`):
    several times faster on the small batches of a QLT step, equal to round-off (the grid sums are summed in
    another order).  QLT in a matter gradient uses it; the homogeneous QLT keeps the NumPy loop, bit for bit.
    """
    Om = np.array(Omega0, dtype=complex, copy=True)
    K = np.asarray(K, dtype=float)
    if compiled:
        if Om.size:
            ok = _newton_compiled()(Om, np.ascontiguousarray(K, dtype=float), np.ascontiguousarray(gs.m.T), gs.v,
                                    gs.D0, gs.D1, float(tol), int(maxiter))
        else:
            ok = np.zeros(0, dtype=bool)
        ok &= np.isfinite(Om) & (np.abs(Om - Omega0) <= max_jump)
        return Om, ok
    n = Om.size
    ok = np.zeros(n, dtype=bool)
    active = np.arange(n)
    prev = np.full(n, np.inf)
    for _ in range(maxiter):
        if active.size == 0:
            break
        _, J, dJ = dispersion_terms(gs, Om[active], K[active])
        d = newton_step(J, dJ)
        bad = ~np.isfinite(d)
        d[bad] = 0.0
        ad = np.abs(d)
        big = ad > 0.25
        d[big] *= 0.25 / ad[big]
        Om[active] += d
        scale = 1.0 + np.abs(Om[active])
        # converged: the step is below tol; or quadratic convergence predicts the remaining
        # error |d| rho^2 below tol; or Newton stagnates at the round-off level
        rho = ad / prev[active]  # contraction of the Newton steps (0 at the first step: unused)
        rho[~np.isfinite(prev[active])] = 1.0
        conv = (ad <= tol * scale) | ((rho < 0.5) & (ad * rho * rho <= tol * scale)) | (
            (ad <= 1e-11 * scale) & (rho > 0.5)
        )
        conv &= ~bad & ~big
        prev[active] = ad
        ok[active[conv]] = True
        keep = ~conv & ~bad
        active = active[keep]
    ok &= np.isfinite(Om) & (np.abs(Om - Omega0) <= max_jump)
    return Om, ok


def eig_unstable(gs: GridState, K_values: np.ndarray, gamma_min: float, *, compiled: bool = False) -> list[np.ndarray]:
    """Eigenvalues of M(K) with Im > ``gamma_min`` for each K, polished by Newton (``compiled``: that of
    :func:`newton_roots`); none, without eig, at the K where the spectrum is proven real
    (:func:`flavomon.linear.discrete.spectrum_is_real`).

    Returns a list (one array of complex roots per K).
    """
    out: list[np.ndarray] = []
    for Ki in np.atleast_1d(K_values):
        if spectrum_is_real(gs, float(Ki))[0]:  # proven: no eigenvalue off the real axis, so no eig needed
            out.append(np.zeros(0, dtype=complex))
            continue
        ev = np.linalg.eigvals(discrete_matrix(gs.D_v, gs.v, gs.w, float(Ki)))
        ev = ev[ev.imag > gamma_min]
        if ev.size:
            pol, ok = newton_roots(gs, ev, np.full(ev.size, float(Ki)), max_jump=1e-3 * (1 + np.abs(ev).max()),
                                   compiled=compiled)
            ev = np.where(ok, pol, ev)
            ev = ev[ev.imag > gamma_min]
            ev = _dedupe(ev)
        out.append(ev)
    return out


def _dedupe(ev: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    keep: list[complex] = []
    for z in ev:
        if all(abs(z - y) > tol * (1 + abs(z)) for y in keep):
            keep.append(complex(z))
    return np.array(keep, dtype=complex)


def _has_root(existing: dict[int, list[complex]], i: int, z: complex, tol: float) -> bool:
    return any(abs(z - y) <= tol * (1 + abs(z)) for y in existing.get(i, ()))


def march(
    gs: GridState,
    K_grid: np.ndarray,
    roots: dict[int, list[complex]],
    fronts: list[tuple[int, complex]],
    gamma_min: float,
    *,
    match_tol: float = 1e-7,
    eig_fallback: bool = True,
    compiled: bool = False,
) -> None:
    """Continue roots along the K grid from ``fronts`` (index, Omega), in both directions.

    Every front is advanced one grid point at a time (all fronts of one sweep at once, with
    vectorised Newton), using linear extrapolation from the last two points as the start.
    A front stops at the grid ends, where the root stops being unstable
    (``Im Omega <= gamma_min``), where it meets a root already known at that K, or where
    Newton fails; in the last case (if the root was still clearly unstable) eig(M) at the
    next K restarts it from the eigenvalue nearest to the prediction.  ``roots`` (a dict
    ``K index -> list of Omega``) is updated in place.  ``compiled``: the Newton of :func:`newton_roots`.
    """
    nK = K_grid.size
    # each front: (index, Omega, previous Omega or None, direction)
    work = [(i, z, None, d) for (i, z) in fronts for d in (-1, 1)]
    while work:
        idx = np.array([i + d for (i, _, _, d) in work])
        inside = (idx >= 0) & (idx < nK)
        work = [f for f, ins in zip(work, inside) if ins]
        if not work:
            break
        idx = np.array([i + d for (i, _, _, d) in work])
        guess = np.array([z if zp is None else 2 * z - zp for (_, z, zp, _) in work], dtype=complex)
        Om, ok = newton_roots(gs, guess, K_grid[idx], max_jump=0.2, compiled=compiled)
        new_work = []
        for f, j, z, good in zip(work, idx, Om, ok):
            i0, z0, _, d = f
            if not good and eig_fallback and z0.imag > 10 * gamma_min:
                cand = eig_unstable(gs, K_grid[j : j + 1], gamma_min, compiled=compiled)[0]
                if cand.size:
                    z = cand[np.argmin(np.abs(cand - (2 * z0 - (f[2] if f[2] is not None else z0))))]
                    good = True
            if not good or z.imag <= gamma_min:
                continue
            if _has_root(roots, int(j), complex(z), match_tol):
                continue
            roots.setdefault(int(j), []).append(complex(z))
            new_work.append((int(j), complex(z), z0, d))
        work = new_work


def find_unstable_roots(
    gs: GridState, K_grid: np.ndarray, gamma_min: float, *, stride: int | None = None, offset: int = 0,
    skip: np.ndarray | None = None, known: dict[int, complex] | None = None,
) -> dict[int, list[complex]]:
    """All unstable roots on the K grid: coarse eig(M) every ``stride`` points + continuation.

    ``skip`` (boolean, per K point): coarse points where eig is not needed (e.g. already known to be unstable); the
    continuation still passes through them.  ``known`` (``{K index: Omega}``): roots already found (e.g. by Newton from
    a neighbouring distribution's), continued as the eig roots are.  Returns ``{K index: [Omega, ...]}`` with
    ``Im Omega > gamma_min``.
    """
    nK = K_grid.size
    if stride is None:
        stride = max(1, min(12, nK // 50))
    coarse = np.unique(np.r_[np.arange(offset % stride, nK, stride), nK - 1])
    if skip is not None:
        coarse = coarse[~np.asarray(skip, dtype=bool)[coarse]]
    roots: dict[int, list[complex]] = {int(i): [complex(z)] for i, z in (known or {}).items()}
    fronts: list[tuple[int, complex]] = [(int(i), complex(z)) for i, z in (known or {}).items()]
    for i, ev in zip(coarse, eig_unstable(gs, K_grid[coarse], gamma_min)):
        for z in ev:
            if not _has_root(roots, int(i), complex(z), 1e-7):
                roots.setdefault(int(i), []).append(complex(z))
                fronts.append((int(i), complex(z)))
    march(gs, K_grid, roots, fronts, gamma_min)
    return roots


def grid_unstable_intervals(gs: GridState, k_values: np.ndarray, gamma_min: float) -> list[tuple[float, float]]:
    """Contiguous ranges of shifted k (sampled at ``k_values``) with an unstable root (eig(M))."""
    K_values = k_values - gs.D1
    ev = eig_unstable(gs, K_values, gamma_min)
    has = np.array([e.size > 0 for e in ev])
    bands: list[tuple[float, float]] = []
    i = 0
    while i < has.size:
        if has[i]:
            j = i
            while j + 1 < has.size and has[j + 1]:
                j += 1
            bands.append((float(k_values[i]), float(k_values[j])))
            i = j + 1
        else:
            i += 1
    return bands


class RootSet:
    """Flat arrays of the tracked unstable roots: K index ``iK``, ``Om`` (Omega) and spectral density ``P``.

    Mutable bookkeeping of the full-QLT driver (:func:`flavomon.qlt.full.run_full_qlt`).
    """

    def __init__(self, iK: np.ndarray, Om: np.ndarray, P: np.ndarray) -> None:
        self.iK = np.asarray(iK, dtype=int)
        self.Om = np.asarray(Om, dtype=complex)
        self.P = np.asarray(P, dtype=float)

    @property
    def n(self) -> int:
        """Number of tracked roots."""
        return self.iK.size

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the roots where ``mask`` is True."""
        self.iK, self.Om, self.P = self.iK[mask], self.Om[mask], self.P[mask]

    def add(self, iK: np.ndarray, Om: np.ndarray, P: np.ndarray) -> None:
        """Append roots."""
        self.iK = np.r_[self.iK, np.asarray(iK, dtype=int)]
        self.Om = np.r_[self.Om, np.asarray(Om, dtype=complex)]
        self.P = np.r_[self.P, np.asarray(P, dtype=float)]

    def as_dict(self) -> dict[int, list[complex]]:
        """``{K index: [Omega, ...]}``."""
        d: dict[int, list[complex]] = {}
        for i, z in zip(self.iK, self.Om):
            d.setdefault(int(i), []).append(complex(z))
        return d
