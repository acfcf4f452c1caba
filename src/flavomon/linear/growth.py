r"""Unstable bands, maximum growth rate and the weak-growth formulas  [physics.md §3, §9 Tables B, E].

Band edges (physics.md §9 "Method"):

* ``"res"`` — resonant edge: the branch crosses Im Omega = 0 inside the light cone
  (Omega real, v_ph = crossing velocity) and continues as a Landau-damped root; located by
  Brent's method on the Landau-continued Im Omega(K) along the branch;
* ``"bp"`` — superluminal branch point: the complex pair merges into two real roots; located by
  solving :math:`\mathcal D=\partial_\Omega\mathcal D=0` for real (Omega, K);
* ``"k0"`` — the band ends at k = K + D_1 = 0 (physics.md §9, a = 0.7 band B: γ ∝ √k);
* ``"open"`` — the band reaches the end of the K grid; ``"end"`` — the branch is lost otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq, fsolve, minimize_scalar

from ..distributions import from_spec
from ..errors import FlavomonInputError
from .dielectric import Dielectric, get_dielectric, rate_scale
from .roots import Window, default_window, find_modes, newton_det_D

__all__ = ["UnstableBand", "WeakGrowth", "growth_rate_max", "unstable_bands", "weak_growth_rate", "band_scan_K"]


@dataclass(frozen=True)
class UnstableBand:
    """One unstable K interval of one branch (physics.md §9 Table B)."""

    K_lo: float
    K_hi: float
    edge_lo: str
    edge_hi: str
    Omega_lo: float
    Omega_hi: float
    gamma_max: float
    K_at_max: float
    Omega_at_max: complex

    def as_dict(self) -> dict[str, Any]:
        return {
            "K_lo": self.K_lo,
            "K_hi": self.K_hi,
            "edge_lo": self.edge_lo,
            "edge_hi": self.edge_hi,
            "Omega_lo": self.Omega_lo,
            "Omega_hi": self.Omega_hi,
            "gamma_max": self.gamma_max,
            "K_at_max": self.K_at_max,
            "Omega_at_max_real": self.Omega_at_max.real,
            "Omega_at_max_imag": self.Omega_at_max.imag,
        }


def _root_at(de: Dielectric, guess: complex, K: float) -> complex:
    Om, ok, _ = newton_det_D(de, np.array([guess]), np.array([K]), max_step=0.05)
    return complex(Om[0]) if ok[0] else complex(np.nan, np.nan)


def _refine_res(de: Dielectric, K_in: float, z_in: complex, K_out: float, z_out: complex) -> tuple[float, float]:
    """Resonant edge: Im Omega(K) = 0 along the branch between two grid points (Brent)."""

    def gam(K: float) -> float:
        t = (K - K_in) / (K_out - K_in)
        z = _root_at(de, z_in + t * (z_out - z_in), K)
        if not np.isfinite(z):
            raise ValueError
        return z.imag

    try:
        K_e = brentq(gam, K_in, K_out, xtol=1e-13, rtol=1e-14)
    except ValueError:
        return float("nan"), float("nan")
    t = (K_e - K_in) / (K_out - K_in)
    z = _root_at(de, z_in + t * (z_out - z_in), K_e)
    return float(K_e), float(z.real)


def _refine_bp(de: Dielectric, K_guess: float, Om_guess: float) -> tuple[float, float]:
    """Branch point: real (Omega, K) with calD = d calD/dOmega = 0."""

    def F(x: np.ndarray) -> list[float]:
        d, dd = de.det_D(np.array([x[0] + 0j]), np.array([x[1]]), True)
        return [float(d[0].real), float(dd[0].real)]

    with np.errstate(all="ignore"):
        sol, info, ier, _ = fsolve(F, [Om_guess, K_guess], full_output=True, xtol=1e-13)
    if ier != 1:
        return float("nan"), float("nan")
    return float(sol[1]), float(sol[0])


def _refine_max(de: Dielectric, Ks: np.ndarray, Om_col: np.ndarray, i: int, lo: int, hi: int) -> tuple[float, float, complex]:
    a, b = Ks[max(i - 1, lo)], Ks[min(i + 1, hi)]
    z0 = Om_col[i]
    if a == b:
        return float(z0.imag), float(Ks[i]), complex(z0)

    def negg(K: float) -> float:
        z = _root_at(de, z0, K)
        return -z.imag if np.isfinite(z) else 0.0

    r = minimize_scalar(negg, bounds=(a, b), method="bounded", options={"xatol": 1e-10})
    z = _root_at(de, z0, float(r.x))
    if not np.isfinite(z) or z.imag < z0.imag:
        return float(z0.imag), float(Ks[i]), complex(z0)
    return float(z.imag), float(r.x), z


def _analyse_bands(de: Dielectric, Ks: np.ndarray, Omega: np.ndarray, kind: np.ndarray) -> list[UnstableBand]:
    bands: list[UnstableBand] = []
    runs: list[tuple[int, int, int]] = []  # (branch column, first, last grid index) of each band
    for j in range(Omega.shape[1]):
        u = kind[:, j] == "unstable"
        if not u.any():
            continue
        col = Omega[:, j]
        edges = np.diff(np.concatenate([[0], u.astype(int), [0]]))
        starts = np.nonzero(edges == 1)[0]
        stops = np.nonzero(edges == -1)[0] - 1
        for i0, i1 in zip(starts, stops):
            lo = _edge(de, Ks, col, kind[:, j], i0, i0 - 1)
            hi = _edge(de, Ks, col, kind[:, j], i1, i1 + 1)
            seg = col[i0 : i1 + 1]
            im = int(i0 + np.argmax(seg.imag))
            if de.discrete:
                g, Km, zm = _refine_max(de, Ks, col, im, i0, i1)
            else:
                g, Km, zm = _refine_max(de, Ks, col, im, i0, i1)
            bands.append(UnstableBand(lo[0], hi[0], lo[1], hi[1], lo[2], hi[2], g, Km, zm))
            runs.append((j, int(i0), int(i1)))
    # A single grid point left in a branch of its own next to a band whose branch has no root at
    # that point is the band's own root that continuation did not link (e.g. the sqrt(k) edge at
    # k -> 0+ of Table B's a = 0.7 band B): not a band of its own.
    keep = []
    for b, (j, i0, i1) in zip(bands, runs):
        orphan = i0 == i1 and any(
            (j2 != j) and (i02 == i0 + 1 or i12 == i0 - 1) and not np.isfinite(Omega[i0, j2]) and b.gamma_max <= b2.gamma_max
            for b2, (j2, i02, i12) in zip(bands, runs)
        )
        if not orphan:
            keep.append(b)
    keep.sort(key=lambda b: b.K_lo)
    return keep


def _edge(de: Dielectric, Ks: np.ndarray, col: np.ndarray, kind: np.ndarray, i_in: int, i_out: int) -> tuple[float, str, float]:
    """(K_edge, edge kind, real Omega at the edge) between grid index i_in (unstable) and i_out."""
    if i_out < 0 or i_out >= Ks.size:
        return float(Ks[i_in]), "open", float("nan")
    k_in, k_out = Ks[i_in] + de.D1, Ks[i_out] + de.D1
    z_in, z_out = col[i_in], col[i_out]
    if np.sign(k_in) != np.sign(k_out) or (not np.isfinite(z_out) and abs(k_in) <= 1.5 * abs(Ks[i_out] - Ks[i_in])):
        return -de.D1, "k0", float("nan")
    if de.discrete:
        return float(0.5 * (Ks[i_in] + Ks[i_out])), "end", float("nan")
    if np.isfinite(z_out) and kind[i_out] in ("damped", "real"):
        vp = (z_out + de.D0) / k_out
        if abs(vp.real) < 1.0:
            K_e, Om_e = _refine_res(de, Ks[i_in], z_in, Ks[i_out], z_out)
            if np.isfinite(K_e):
                return K_e, "res", Om_e
    K_e, Om_e = _refine_bp(de, float(Ks[i_in]), float(z_in.real))
    lo_, hi_ = sorted((Ks[i_in], Ks[i_out]))
    tol = abs(Ks[i_out] - Ks[i_in])
    if np.isfinite(K_e) and lo_ - tol <= K_e <= hi_ + tol:
        return K_e, "bp", Om_e
    return float(0.5 * (Ks[i_in] + Ks[i_out])), "end", float("nan")


def band_scan_K(dist: Any, n: int = 400) -> np.ndarray:
    r"""Default K grid for band searches: k = K + D_1 in [-(2A+p), 2A+p], A = ∫|D|, p = min(1, A) (n even: k = 0 excluded).

    ``p`` keeps the grid proportional to A for weak distributions: under D -> cD the unstable
    k scale with c [physics.md §3], so a fixed margin would leave a weak band between grid points.
    """
    dist = from_spec(dist)
    A = rate_scale(dist)
    D1 = get_dielectric(dist).D1
    kmax = 2 * A + min(1.0, A)
    n = int(n) + (int(n) % 2)
    return -D1 + np.linspace(-kmax, kmax, n)


def _scan(dist: Any, Nv: int | None, K: Any | None):
    dist = from_spec(dist)
    Ks = band_scan_K(dist) if K is None else np.asarray(K, dtype=float)
    de = get_dielectric(dist, Nv=Nv)
    w = default_window(dist, Ks, de.D0, de.D1)
    A = rate_scale(dist)
    win = Window(w.re_min, w.re_max, -0.1 * A, w.im_max)
    return find_modes(dist, Ks, Nv=Nv, window=win)


def unstable_bands(dist: Any, *, K: Any | None = None, Nv: int | None = None) -> list[UnstableBand]:
    """All unstable K bands with refined edges and edge kinds (physics.md §9 Table B).

    ``K`` is the scan grid (default :func:`band_scan_K`).  With ``Nv`` the discrete system's
    bands (edges unresolved: kind ``"end"``).
    """
    return _scan(dist, Nv, K).bands


def growth_rate_max(dist: Any, *, Nv: int | None = None, K: Any | None = None) -> tuple[float, float, complex]:
    """``(gamma_max, K_at_max, Omega_at_max)`` of the fastest unstable root over all K.

    Continuum (Nv=None) or the discrete system on an Nv-node GL grid.  Returns
    ``(0.0, nan, nan)`` if no root grows.
    """
    bands = unstable_bands(dist, K=K, Nv=Nv)
    if not bands:
        return 0.0, float("nan"), complex(np.nan, np.nan)
    b = max(bands, key=lambda b: b.gamma_max)
    return b.gamma_max, b.K_at_max, b.Omega_at_max


@dataclass(frozen=True)
class WeakGrowth:
    """Weak-growth estimates at one K (physics.md §3, Table E)."""

    K: float
    Omega_R: float
    gamma_eq26: float
    gamma_improved: float
    deps_dOmega: complex


def weak_growth_rate(dist: Any, K: float, Omega_R: float | None = None, *, Omega_guess: float | None = None) -> WeakGrowth:
    r"""F2 eq. 26 and the improved first-order growth rate at real :math:`\Omega_R`  [physics.md §3].

    .. math::
        \gamma_{26}=-\frac{\mathrm{Im}\,\varepsilon}{\partial_\Omega\mathrm{Re}\,\varepsilon}
        =\frac{\pi D(v_r)(\Omega_Rv_r/K-1)}{|k|\,\partial_\Omega\mathrm{Re}\,\varepsilon},\qquad
        \gamma_{1}=-\frac{\mathrm{Im}\,\varepsilon\;\partial_\Omega\mathrm{Re}\,\varepsilon}{|\partial_\Omega\varepsilon|^2},

    with ε on the real axis (principal value and :math:`-i\pi\,\mathrm{sgn}\,k\,\delta`).
    If ``Omega_R`` is None it solves :math:`\mathrm{Re}\,\varepsilon(\Omega_R)=0` by Newton, from
    ``Omega_guess`` or from the real part of the root closest to the real axis inside the light cone.
    """
    dist = from_spec(dist)
    de = get_dielectric(dist)
    K = float(K)
    if K == 0 or K + de.D1 == 0:
        raise FlavomonInputError("weak_growth_rate needs K != 0 and k = K + D1 != 0")
    if Omega_R is None:
        if Omega_guess is None:
            r = find_modes(dist, np.array([K]), bands=False)
            z = r.roots_at(0)
            vp = (z + de.D0) / (K + de.D1)
            z = z[np.abs(vp.real) < 1]
            if z.size == 0:
                raise FlavomonInputError(f"no root inside the light cone at K={K}; give Omega_guess")
            Omega_guess = float(z[np.argmin(np.abs(z.imag))].real)
        x = float(Omega_guess)
        for _ in range(60):
            e, de_ = de.epsilon(np.array([x + 0j]), np.array([K]), True)
            dx = e[0].real / de_[0].real
            x -= dx
            if abs(dx) < 1e-14 * (1 + abs(x)):
                break
        Omega_R = x
    e, d = de.epsilon(np.array([complex(Omega_R)]), np.array([K]), True)
    eps, deps = complex(e[0]), complex(d[0])
    g26 = -eps.imag / deps.real
    g1 = -eps.imag * deps.real / abs(deps) ** 2
    return WeakGrowth(K, float(Omega_R), float(g26), float(g1), deps)
