r"""All modes of a distribution on a K grid: :func:`find_modes` and its :class:`ModesResult`  [docs §3, §9].

:func:`find_modes` runs the root search of :mod:`flavomon.linear.roots`, the band analysis of
:mod:`flavomon.linear.bands` and the flavomon label of :mod:`flavomon.linear.properties`
(:math:`Z_R`, docs §10.14) and collects them in one result.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from .._validate import as_nv
from ..errors import FlavomonInputError
from ..distributions import from_spec
from ._scale import normalize
from .bands import DEFAULT_N_K, analyse_bands, default_K_range, scale_band
from .properties import Z_real_frequency, flavomon_label
from .roots import Window, compute_roots

__all__ = ["ModesResult", "find_modes"]


@dataclass(frozen=True)
class ModesResult:
    """All roots on a K grid, organised into branches (columns).

    Attributes
    ----------
    K : (nK,) float
    Omega : (nK, nroot) complex
        Column j is branch j; NaN where the branch has no root at that K.
    kind : (nK, nroot) str
        ``"unstable"`` (Im Omega > GAMMA_TOL), ``"real"``, ``"damped"`` (Landau-damped), ``""`` (no root).
    X, Z : (nK, nroot) complex
        :math:`X_K=\\int dv\\,D_v(1-v\\Omega/K)^2/(\\omega-kv)^2`, :math:`Z_K=1/X_K` at the complex root [docs §3].
    group_velocity : (nK, nroot) complex
        :math:`d\\Omega/dK=-\\partial_K\\mathcal D/\\partial_\\Omega\\mathcal D` along the branch.
    gamma_max, K_at_gamma_max, Omega_at_gamma_max :
        Fastest growth on the grid's K range (refined off-grid); NaN if nothing grows (or ``bands=False``).
    bands : list of UnstableBand
        Unstable K intervals with refined edges and edge kinds (docs §9 Table B).
    Nv : int or None
        None for the continuum, else the discrete grid size.
    window : Window
    residual : (nK, nroot) float
        :math:`|\\mathcal D|` at each returned root.
    D0, D1 : float
        Moments of the background (of the grid for ``Nv``).
    Z_R : (nK, nroot) float
        :math:`Z_R=1/X_R` at the real part of each root [docs §10.14]; its sign is :attr:`label`.
    distribution : Distribution or None
        The background the roots belong to (saved files tabulate it, so a result from a Python
        callable can be recreated with :func:`flavomon.from_table`).
    """

    K: np.ndarray
    Omega: np.ndarray
    kind: np.ndarray
    X: np.ndarray
    Z: np.ndarray
    group_velocity: np.ndarray
    gamma_max: float
    K_at_gamma_max: float
    Omega_at_gamma_max: complex
    bands: list = field(default_factory=list)
    Nv: int | None = None
    window: Window | None = None
    residual: np.ndarray | None = None
    D0: float = float("nan")
    D1: float = float("nan")
    Z_R: np.ndarray | None = None
    distribution: Any = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        counts = {k: int(np.sum(self.kind == k)) for k in ("unstable", "real", "damped")}
        bands = ", ".join(f"[{b.K_lo:.4g}, {b.K_hi:.4g}]" for b in self.bands) or "none"
        grid = f"Nv={self.Nv}" if self.Nv is not None else "continuum"
        return (f"ModesResult({self.K.size} K in [{float(self.K[0]):.4g}, {float(self.K[-1]):.4g}], {grid}, "
                f"roots: {counts['unstable']} unstable, {counts['real']} real, {counts['damped']} damped; "
                f"gamma_max={self.gamma_max:.6g} at K={self.K_at_gamma_max:.5g}; unstable bands {bands}; "
                "arrays: K, Omega, kind, X, Z, Z_R, label, group_velocity)")

    @property
    def n_roots(self) -> np.ndarray:
        """Number of roots at each K."""
        return np.sum(np.isfinite(self.Omega), axis=1)

    @property
    def label(self) -> np.ndarray:
        """``"flavomon"`` (Z_R > 0), ``"antiflavomon"`` (Z_R < 0) or ``""``: F1's label, Z at the real frequency [docs §10.14]."""
        zr = self.Z_R if self.Z_R is not None else np.full(self.Omega.shape, np.nan)
        return flavomon_label(zr).astype(str)

    def roots_at(self, i: int) -> np.ndarray:
        """The roots at grid index i (NaN-free, sorted by decreasing Im Omega)."""
        r = self.Omega[i][np.isfinite(self.Omega[i])]
        return r[np.argsort(-r.imag, kind="stable")]


def find_modes(
    dist: Any,
    K: Any = None,
    *,
    Nv: int | None = None,
    window: Window | Sequence[float] | None = None,
    n_seed: int | None = None,
    n_eig: int = 40,
    bands: bool = True,
    max_im_vp: float | None = 1.0,
) -> ModesResult:
    r"""Every root Omega(K) of :math:`\mathcal D` in a window, organised into branches  [docs §3].

    Parameters
    ----------
    dist : Distribution or SPEC
    K : array (nK,), strictly monotonic, optional
        Wavenumbers (units of mu).  Default: ``DEFAULT_N_K`` (351) points on
        :func:`~flavomon.linear.bands.default_K_range`, which holds every unstable band.
    Nv : int, optional
        None: continuum (Landau-continued) roots.  int: the discrete system on an Nv-node GL grid
        (eigenvalues of M [F2 eq. 7]); growing and real superluminal roots only.
    window : Window or (re_min, re_max, im_min, im_max), optional
        Region of the Omega plane; default :func:`~flavomon.linear.roots.default_window`.
    n_seed : int, optional
        Number of seed K values (default ~ nK/25, at least 2).
    n_eig : int
        GL nodes of the eig(M) seeding grid (continuum route).
    bands : bool
        Also locate the unstable bands, their refined edges and gamma_max (default True).
    max_im_vp : float or None
        Landau-damped roots inside the light cone are kept only if their phase velocity
        :math:`v_p=\omega/k` has :math:`|\mathrm{Im}\,v_p|\le` this (default 1).  Deeper roots depend
        on the continuation of D(v) far from the real interval, which a table does not determine,
        and are numerically fragile (:math:`|D(v_p)|` grows like :math:`e^{2(\mathrm{Im}\,v_p)^2}` for the
        benchmark).  None keeps everything in the window.

    Returns
    -------
    ModesResult
    """
    dist = from_spec(dist)
    if K is None:
        K = np.linspace(*default_K_range(dist), DEFAULT_N_K)
    if Nv is not None:
        Nv = as_nv(Nv)
    dist_s, c = normalize(dist)
    if c != 1.0:
        # far from int|D| = 1: solve for D/c (c = 2^m, so exact) and map back [docs §3]
        Ka = np.asarray(K, dtype=float)
        if window is not None and not isinstance(window, Window):
            try:
                window = Window(*(float(x) for x in window))
            except (TypeError, ValueError):
                raise FlavomonInputError("window must be (re_min, re_max, im_min, im_max)") from None
        ws = None if window is None else Window(*(x / c for x in window.as_tuple()))
        r = find_modes(dist_s, Ka / c, Nv=Nv, window=ws, n_seed=n_seed, n_eig=n_eig, bands=bands, max_im_vp=max_im_vp)
        return replace(_scale_result(r, c, Ka), distribution=dist)
    rs = compute_roots(dist, K, Nv=Nv, window=window, n_seed=n_seed, n_eig=n_eig, max_im_vp=max_im_vp)
    Kb = np.broadcast_to(rs.K[:, None], rs.Omega.shape)
    Z_R = np.full(rs.Omega.shape, np.nan)
    fin = np.isfinite(rs.Omega)
    if fin.any():
        Z_R[fin] = Z_real_frequency(rs.dielectric, rs.Omega[fin], Kb[fin])
    bands_list: list = []
    gmax, Kmax, Ommax = float("nan"), float("nan"), complex(np.nan, np.nan)
    if bands:
        bands_list = analyse_bands(rs)
        if bands_list:
            b = max(bands_list, key=lambda b: b.gamma_max)
            gmax, Kmax, Ommax = b.gamma_max, b.K_at_max, b.Omega_at_max
    u = rs.unsorted
    return ModesResult(
        K=u(rs.K),
        Omega=u(rs.Omega),
        kind=u(rs.kind),
        X=u(rs.X),
        Z=u(rs.Z),
        group_velocity=u(rs.group_velocity),
        gamma_max=gmax,
        K_at_gamma_max=Kmax,
        Omega_at_gamma_max=Ommax,
        bands=bands_list,
        Nv=Nv,
        window=rs.window,
        residual=u(rs.residual),
        D0=rs.dielectric.D0,
        D1=rs.dielectric.D1,
        Z_R=u(Z_R),
        distribution=dist,
    )


def _scale_result(r: ModesResult, c: float, K: np.ndarray) -> ModesResult:
    r"""The :class:`ModesResult` of ``c D`` from ``r`` (of D, on the grid ``K / c``)  [docs §3].

    Omega, K, growth rates, Z, Z_R, D0, D1 and the window times c; X divided by c; group velocity and
    the residual :math:`|\mathcal D|` unchanged.  ``K`` is the caller's grid (``c`` is a power of 2, so
    it equals the scaled-back grid exactly).
    """
    def m(a: np.ndarray | None, f: float) -> np.ndarray | None:
        return None if a is None else a * f

    win = None if r.window is None else Window(*(x * c for x in r.window.as_tuple()))
    with np.errstate(invalid="ignore"):  # NaN entries (no root) stay NaN
        return _replace_scaled(r, c, K, win, m)


def _replace_scaled(r: ModesResult, c: float, K: np.ndarray, win: Window | None, m: Any) -> ModesResult:
    return replace(
        r,
        K=np.asarray(K, dtype=float).copy(),
        Omega=r.Omega * c,
        X=r.X / c,
        Z=r.Z * c,
        gamma_max=r.gamma_max * c,
        K_at_gamma_max=r.K_at_gamma_max * c,
        Omega_at_gamma_max=r.Omega_at_gamma_max * c,
        bands=[scale_band(b, c) for b in r.bands],
        window=win,
        D0=r.D0 * c,
        D1=r.D1 * c,
        Z_R=m(r.Z_R, c),
    )
