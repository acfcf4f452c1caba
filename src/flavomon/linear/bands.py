r"""Unstable bands and the maximum growth rate  [docs §3, §9 Table B].

Band edges (docs §9 "Method"):

* ``"res"`` — resonant edge: the branch crosses Im Omega = 0 inside the light cone
  (Omega real, v_ph = crossing velocity) and continues as a Landau-damped root; located by
  Brent's method on the Landau-continued Im Omega(K) along the branch;
* ``"bp"`` — superluminal branch point: the complex pair merges into two real roots; located by
  solving :math:`\mathcal D=\partial_\Omega\mathcal D=0` for real (Omega, K);
* ``"k0"`` — the band ends at k = K + D_1 = 0 (docs §9, a = 0.7 band B: γ ∝ √k);
* ``"open"`` — the band reaches the end of the K grid; ``"end"`` — the branch is lost otherwise.

The band search scans :func:`band_scan_K`; :func:`default_K_range` is the same range, the
automatic K range of :func:`~flavomon.linear.find_modes` and of ``flavomon modes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq, fsolve, minimize_scalar

from .._validate import as_nv
from ..distributions import from_spec
from ._scale import normalize
from .dielectric import Dielectric, get_dielectric, phase_velocity
from .roots import RootSet, Window, compute_roots, default_window, newton_det_D

__all__ = [
    "UnstableBand",
    "analyse_bands",
    "band_scan_K",
    "default_K_range",
    "DEFAULT_N_K",
    "unstable_bands",
    "growth_rate_max",
]

DEFAULT_N_K = 351
"""Grid points of the automatic K grid of :func:`~flavomon.linear.find_modes` (and ``flavomon modes``)."""


@dataclass(frozen=True)
class UnstableBand:
    """One unstable K interval of one branch  [docs §9 Table B].

    Attributes
    ----------
    K_lo, K_hi : float
        Band edges (refined off the grid).
    edge_lo, edge_hi : str
        Edge kinds: ``"res"``, ``"bp"``, ``"k0"``, ``"open"`` or ``"end"`` (module notes).
    Omega_lo, Omega_hi : float
        Real Omega at the edges (NaN where the edge has none, e.g. ``"k0"``).
    gamma_max, K_at_max : float
        Largest growth rate in the band and where it is.
    Omega_at_max : complex
        The root there.
    """

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
        """The band as a JSON-serialisable dict (Omega_at_max split into real and imaginary parts)."""
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


def analyse_bands(roots: RootSet) -> list[UnstableBand]:
    """The unstable bands of a root search, with refined edges, edge kinds and maxima  [docs §9 Table B].

    Parameters
    ----------
    roots : RootSet
        From :func:`~flavomon.linear.roots.compute_roots`.

    Returns
    -------
    list of UnstableBand
        Sorted by ``K_lo``.
    """
    return _analyse_bands(roots.dielectric, roots.K, roots.Omega, roots.kind)


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
        vp = phase_velocity(z_out, Ks[i_out], de.D0, de.D1)
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
    k scale with c [docs §3], so a fixed margin would leave a weak band between grid points.
    """
    dist, c = normalize(from_spec(dist))  # far from A = 1: the grid of D/c, scaled back (exact, c = 2^m)
    A = dist.rate_scale
    D1 = get_dielectric(dist).D1
    kmax = 2 * A + min(1.0, A)
    n = int(n) + (int(n) % 2)
    Ks = -D1 + np.linspace(-kmax, kmax, n)
    return Ks if c == 1.0 else Ks * c


def default_K_range(dist: Any) -> tuple[float, float]:
    r"""The automatic K range: :math:`K=-D_1\pm(2A+\min(1,A))`, :math:`A=\int dv\,|D_v|`  [docs §3].

    The band-search range of :func:`growth_rate_max` (symmetric about k = K + D_1 = 0), so
    every unstable band the global search finds lies inside it.

    Parameters
    ----------
    dist : Distribution or SPEC

    Returns
    -------
    (K_min, K_max) : tuple of float
    """
    Ks = band_scan_K(dist, n=2)
    return float(Ks[0]), float(Ks[-1])


def _scan(dist: Any, Nv: int | None, K: Any | None) -> RootSet:
    dist = from_spec(dist)
    Nv = None if Nv is None else as_nv(Nv)
    Ks = band_scan_K(dist) if K is None else np.asarray(K, dtype=float)
    de = get_dielectric(dist, Nv=Nv)
    w = default_window(dist, Ks, de.D0, de.D1)
    A = dist.rate_scale
    win = Window(w.re_min, w.re_max, -0.1 * A, w.im_max)
    return compute_roots(dist, Ks, Nv=Nv, window=win)


def unstable_bands(dist: Any, *, K: Any | None = None, Nv: int | None = None) -> list[UnstableBand]:
    """All unstable K bands with refined edges and edge kinds  [docs §9 Table B].

    Parameters
    ----------
    dist : Distribution or SPEC
    K : array, optional
        The scan grid (default :func:`band_scan_K`).
    Nv : int, optional
        The discrete system on an Nv-node GL grid (edges unresolved: kind ``"end"``).

    Returns
    -------
    list of UnstableBand
        Sorted by ``K_lo``; empty if nothing grows.
    """
    dist, c = normalize(from_spec(dist))
    if c == 1.0:
        return analyse_bands(_scan(dist, Nv, K))
    # far from int|D| = 1: solve for D/c (c = 2^m, exact) and map (Omega, K) -> (c Omega, c K) [docs §3]
    Ks = None if K is None else np.asarray(K, dtype=float) / c
    return [scale_band(b, c) for b in analyse_bands(_scan(dist, Nv, Ks))]


def scale_band(b: UnstableBand, c: float) -> UnstableBand:
    """The band of ``c D`` from the band ``b`` of ``D``: every K, Omega and gamma times c [docs §3]."""
    return UnstableBand(b.K_lo * c, b.K_hi * c, b.edge_lo, b.edge_hi, b.Omega_lo * c, b.Omega_hi * c,
                        b.gamma_max * c, b.K_at_max * c, b.Omega_at_max * c)


def growth_rate_max(dist: Any, *, Nv: int | None = None, K: Any | None = None) -> tuple[float, float, complex]:
    """The fastest growth rate over all K: ``(gamma_max, K_at_max, Omega_at_max)``  [docs §9 Table B].

    Parameters
    ----------
    dist : Distribution or SPEC
    Nv : int, optional
        None: the continuum; int: the discrete system on an Nv-node GL grid.
    K : array, optional
        The scan grid (default :func:`band_scan_K`).

    Returns
    -------
    gamma_max : float
        ``0.0`` if no root grows.
    K_at_max : float
        NaN if no root grows.
    Omega_at_max : complex
        NaN if no root grows.
    """
    bands = unstable_bands(dist, K=K, Nv=Nv)
    if not bands:
        return 0.0, float("nan"), complex(np.nan, np.nan)
    b = max(bands, key=lambda b: b.gamma_max)
    return b.gamma_max, b.K_at_max, b.Omega_at_max
