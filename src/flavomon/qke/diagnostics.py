r"""Diagnostics of box runs: growth-rate fits of the linear phase, and the coarse-grained (cell) output of a box with
a z-dependent background.

:func:`fit_growth` fits the least-squares line :math:`\ln|\psi_{0,K}|^2=c+2\gamma t` over the
linear phase.  Linear theory predicts :math:`\gamma=\mathrm{Im}\,\Omega` of the fastest root and the
intercept :math:`c=\ln(\text{seed\_power}\cdot\text{proj})`, with the seed projection on the grid
from :func:`flavomon.linear.discrete.projection_factor` [F2 eq. 24, docs §3; docs §9 Table C].

Cells [docs §12] (:class:`CellLayout`, :func:`cell_diagnostics`): the box is cut into :math:`n_{\rm cell}=L/\ell`
cells :math:`[c\ell,(c+1)\ell)` with centres :math:`z_c=(c+\tfrac12)\ell`.  The fields are evaluated on a grid of
:math:`p=\lceil N_z/n_{\rm cell}\rceil` points per cell by exact trigonometric interpolation (the box spectrum
zero-padded; nothing changes when :math:`n_{\rm cell}` divides :math:`N_z`).  Per cell:

* ``D_cell`` — :math:`\frac1\ell\int_{\rm cell}D_v\,dz` by the trapezoid rule on those points (the cells' mean is
  the box average exactly);
* ``power_cell`` — the local spectrum of the physical :math:`\psi_0=\sum_vw_v\psi_v` (with a gradient G the state
  times :math:`e^{iGzt}`) from a Hann-windowed transform,
  :math:`\hat\psi_c(K_c)=\frac1\ell\int_{\rm cell}W\psi_0e^{-iK_c(z-c\ell)}dz`, :math:`K_c=2\pi m/\ell`,
  :math:`W=\sin^2(\pi(z-c\ell)/\ell)`, reported as :math:`|\hat\psi_c|^2\,(\ell/L)/\overline{W^2}`: power per box
  mode of the whole box.  For a statistically homogeneous field with power p in every box mode
  :math:`K_n=2\pi n/L` its expectation is p (Parseval: :math:`\sum_n|\hat W(K_n-K_c)|^2=(L/\ell)\overline{W^2}`).
  Only :math:`|K_c|\le` the K reach of the resolution rule (capped at the Nyquist wavenumber) is kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.fft as sfft

from ..errors import FlavomonInputError

__all__ = ["GrowthFit", "fit_growth", "CellLayout", "cell_layout", "cell_diagnostics", "narrowest_cell"]


@dataclass(frozen=True)
class GrowthFit:
    """Result of :func:`fit_growth`: ``ln power = intercept + 2 gamma t`` on [t_min, t_max]."""

    gamma: float
    intercept: float
    t_min: float
    t_max: float
    rms_residual: float
    n_points: int


def fit_growth(
    t: np.ndarray,
    power: np.ndarray,
    *,
    t_min: float | None = None,
    t_max: float | None = None,
    rise: float = 1e4,
    p_max: float = 1e-6,
) -> GrowthFit:
    r"""Fit the exponential growth of one mode's power :math:`|\psi_{0,K}|^2(t)`.

    Default window: from the first time the power exceeds ``rise`` times its initial value (the
    non-growing parts of the seed have become negligible) to the last time before it exceeds
    ``p_max`` (nonlinear effects are O(power) relative).  ``t_min``/``t_max`` override.
    """
    t = np.asarray(t, dtype=float)
    p = np.asarray(power, dtype=float)
    if t.shape != p.shape or t.ndim != 1:
        raise FlavomonInputError("fit_growth: t and power must be 1-D arrays of the same length")
    if t_min is None:
        above = np.nonzero(p >= rise * p[0])[0]
        t_min = float(t[above[0]]) if above.size else float(t[0])
    if t_max is None:
        over = np.nonzero((p > p_max) & (t >= t_min))[0]
        t_max = float(t[over[0] - 1]) if over.size and over[0] > 0 else float(t[-1])
    sel = (t >= t_min) & (t <= t_max) & (p > 0)
    if sel.sum() < 3:
        raise FlavomonInputError(f"fit_growth: fewer than 3 points in the window [{t_min:g}, {t_max:g}]")
    A = np.stack([np.ones(sel.sum()), t[sel]], axis=1)
    y = np.log(p[sel])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    res = y - A @ coef
    return GrowthFit(
        gamma=float(coef[1] / 2), intercept=float(coef[0]), t_min=float(t_min), t_max=float(t_max),
        rms_residual=float(np.sqrt(np.mean(res**2))), n_points=int(sel.sum()),
    )


# ----------------------------------------------------------------------------------------------
# cells of a box with a z-dependent background [docs §12]
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CellLayout:
    """The cells of z-resolved output (module notes, [docs §12]).

    Attributes
    ----------
    L, Nz : box length and grid points; ell : cell width; n_cell : L / ell.
    p : points per cell of the interpolation grid (``n_cell * p >= Nz``).
    z_cell : (n_cell,) cell centres.
    K_cell : (n_K,) the kept local wavenumbers 2 pi m / ell, sorted increasing (|K_cell| <= K_max).
    K_max : the largest |K_cell| kept (the resolution rule's K reach, capped at pi Nz / L).
    """

    L: float
    Nz: int
    ell: float
    n_cell: int
    p: int
    K_max: float
    z_cell: np.ndarray = field(repr=False, compare=False)
    K_cell: np.ndarray = field(repr=False, compare=False)
    k_index: np.ndarray = field(repr=False, compare=False)
    mode_index: np.ndarray = field(repr=False, compare=False)
    window: np.ndarray = field(repr=False, compare=False)

    @property
    def n_fine(self) -> int:
        """Points of the interpolation grid, ``n_cell * p``."""
        return self.n_cell * self.p

    @property
    def z_fine(self) -> np.ndarray:
        """The interpolation grid ``L j / n_fine``."""
        return self.L * np.arange(self.n_fine) / self.n_fine

    def record(self) -> dict:
        """The layout for files and run identities."""
        return {"cell_ell": float(self.ell), "n_cell": int(self.n_cell), "n_K_cell": int(self.K_cell.size),
                "cell_points": int(self.p), "K_cell_max": float(self.K_max)}


MIN_CELL_POINTS = 4
"""Fewest box grid points per cell: the Hann window of a cell vanishes at its first point, so on fewer points the
local spectrum is degenerate (on one point it is 0/0)."""


def narrowest_cell(L: float, Nz: int, K_max: float) -> float:
    """The narrowest cell width L/n that :func:`cell_layout` accepts for a box (L, Nz) and modes up to ``K_max``:
    at least :data:`MIN_CELL_POINTS` grid points, and a first local wavenumber 2 pi/cell inside the box's reach."""
    K_top = min(float(K_max), math.pi * Nz / L)
    return L / max(1, min(int(Nz // MIN_CELL_POINTS), int(math.floor(L * K_top / (2 * math.pi)))))


def cell_layout(L: float, Nz: int, ell: float, K_max: float) -> CellLayout:
    """The :class:`CellLayout` of a box (L, Nz) with cells of width ``ell`` (which divides L) keeping |K| <= ``K_max``."""
    n_cell = max(1, int(round(L / ell)))
    ell = L / n_cell
    p = int(math.ceil(Nz / n_cell))
    K_top = min(float(K_max), math.pi * Nz / L)
    if p < MIN_CELL_POINTS or 2 * math.pi / ell > K_top:
        # the windowed transform of a cell resolves K in steps of 2 pi / ell: none of them would reach the bands
        raise FlavomonInputError(
            f"--cell {ell:g} is too narrow for the local spectra: a cell resolves K only in steps of 2 pi/cell = "
            f"{2 * math.pi / ell:.3g} (the box's modes reach |K| = {K_top:.3g}) on {p} grid point(s); use --cell "
            f"{narrowest_cell(L, Nz, K_max):g} or wider, many wavelengths of the fastest mode")
    Kc = 2.0 * np.pi * np.fft.fftfreq(p, d=ell / p)  # FFT order; even p: the Nyquist bin is -pi p / ell
    keep = np.nonzero(np.abs(Kc) <= K_top * (1 + 1e-12))[0]
    order = np.argsort(Kc[keep], kind="stable")
    k_index = keep[order]
    n_modes = np.rint(np.fft.fftfreq(Nz, 1.0 / Nz)).astype(int)  # box mode labels (Nyquist -Nz/2), FFT order
    mode_index = np.mod(n_modes, n_cell * p)
    j = np.arange(p)
    window = np.sin(np.pi * j / p) ** 2  # Hann, zero at the cell's left edge, 1 at its centre
    arrays = {"z_cell": (np.arange(n_cell) + 0.5) * ell, "K_cell": Kc[k_index], "k_index": k_index,
              "mode_index": mode_index, "window": window}
    for a in arrays.values():
        a.setflags(write=False)
    return CellLayout(L=float(L), Nz=int(Nz), ell=float(ell), n_cell=n_cell, p=p, K_max=float(K_top), **arrays)


def cell_diagnostics(psi0_K: np.ndarray, D_K: np.ndarray, layout: CellLayout, *, G: float = 0.0,
                     t: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    r"""``(D_cell (n_cell, Nv), power_cell (n_cell, n_K))`` of one state  [docs §12] (module notes).

    Parameters
    ----------
    psi0_K : (Nz,) complex
        :math:`\psi_{0,K}` of the state (FFT order, :math:`\psi_0(z)=\sum_K\psi_{0,K}e^{iKz}`); with a gradient the
        drifting-frame field, turned into the physical one here.
    D_K : (Nv, Nz // 2 + 1) complex
        The real-FFT coefficients of :math:`D_v(z)`, divided by Nz.
    G, t : float
        The uniform gradient and the time (physical :math:`\psi_0=\varphi_0e^{iGzt}`).
    """
    lay = layout
    Nz, n = lay.Nz, lay.n_fine
    psi0_K = np.asarray(psi0_K)
    D_K = np.asarray(D_K)
    if n == Nz:
        c = psi0_K
    else:
        c = np.zeros(n, dtype=complex)
        c[lay.mode_index] = psi0_K
    psi0_z = sfft.ifft(c, workers=1) * n
    if G != 0.0:
        psi0_z = psi0_z * np.exp(1j * G * t * lay.z_fine)
    X = psi0_z.reshape(lay.n_cell, lay.p) * lay.window[None, :]
    F = sfft.fft(X, axis=1, workers=1) / lay.p
    w2 = float(np.mean(lay.window**2))
    power = np.abs(F[:, lay.k_index]) ** 2 / (lay.n_cell * w2)
    nr = Nz // 2 + 1
    if n == Nz:
        half = D_K
    else:
        half = np.zeros((D_K.shape[0], n // 2 + 1), dtype=complex)
        half[:, :nr] = D_K
        if Nz % 2 == 0:
            half[:, Nz // 2] *= 0.5  # the Nyquist term of the coarse grid is a cosine: half of it at +-Nz/2
    D_z = sfft.irfft(half, n=n, axis=1, workers=1) * n
    Dr = D_z.reshape(D_z.shape[0], lay.n_cell, lay.p)
    nxt = np.roll(Dr[:, :, 0], -1, axis=1)  # the first point of the next cell (periodic)
    D_cell = (Dr.sum(axis=2) - 0.5 * Dr[:, :, 0] + 0.5 * nxt) / lay.p
    return D_cell.T.copy(), power
