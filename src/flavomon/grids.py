r"""Velocity and spatial grids, and the quadratures on them  [docs §1].

* :func:`gauss_legendre` — the one source of Gauss–Legendre nodes and weights in the package
  (cached, read-only);
* :func:`moments_on_grid` — the moments :math:`D_n=\int dv\,v^nD_v` as quadrature sums;
* :func:`rate_scale` — :math:`A=\int dv\,|D_v|`, the natural rate scale of a distribution;
* :class:`VelocityGrid` — Gauss–Legendre nodes ``v`` and weights ``w`` on [-1, 1]
  (the F2 benchmark uses 100 nodes [docs §4]);
* :class:`PeriodicBox` — a periodic z grid of length ``L`` with ``Nz`` points and the
  box wavenumbers :math:`K_n = 2\pi n/L` in FFT order [docs §1].

Conventions: a field is expanded as :math:`\psi(z)=\sum_K\psi_K e^{iKz}`, i.e.
``psi_K = numpy.fft.fft(psi_z) / Nz``; Parseval reads
:math:`\frac1L\int|\psi|^2dz=\sum_K|\psi_K|^2`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numpy.polynomial import legendre as _leg

from ._validate import as_int, as_nv
from .errors import FlavomonInputError

__all__ = ["VelocityGrid", "PeriodicBox", "gauss_legendre", "moments_on_grid", "rate_scale"]


@functools.lru_cache(maxsize=64)
def _gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    v, w = _leg.leggauss(n)
    v.setflags(write=False)
    w.setflags(write=False)
    return v, w


def gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre nodes and weights on [-1, 1] (cached, read-only arrays).

    Parameters
    ----------
    n : int
        Number of nodes (>= 1).

    Returns
    -------
    v, w : ndarray (n,)
        Increasing nodes and their weights (``w.sum() == 2``); polynomials of degree ``2n - 1``
        are integrated exactly.  The arrays are shared between callers and not writeable.
    """
    return _gauss_legendre(as_int("number of Gauss-Legendre nodes", n, minimum=1))


def moments_on_grid(D_v: np.ndarray, v: np.ndarray, w: np.ndarray, nmax: int = 2) -> np.ndarray:
    r"""Moments :math:`D_n=\int_{-1}^1 dv\,v^nD_v\approx\sum_jw_jv_j^nD_j`, n = 0..nmax  [docs §1].

    Parameters
    ----------
    D_v : ndarray (N,)
        Values on the nodes ``v``.
    v, w : ndarray (N,)
        Quadrature nodes and weights.
    nmax : int
        Highest moment.

    Returns
    -------
    ndarray (nmax + 1,)
        ``[D_0, D_1, ..., D_nmax]``.
    """
    D_v = np.asarray(D_v, dtype=float)
    return np.array([np.sum(w * v**n * D_v) for n in range(int(nmax) + 1)])


def rate_scale(D_v: np.ndarray, w: np.ndarray) -> float:
    r"""The rate scale :math:`A=\int_{-1}^1 dv\,|D_v|\approx\sum_jw_j|D_j|`  [docs §3].

    Under :math:`D\to cD` the modes map to :math:`(c\Omega, cK)`, so A sets the scale of every
    growth rate, wavenumber and Omega window of a distribution (and bounds the growth rates).

    Parameters
    ----------
    D_v : ndarray (N,)
        Values on the quadrature nodes.
    w : ndarray (N,)
        Quadrature weights.

    Returns
    -------
    float
    """
    return float(np.sum(w * np.abs(np.asarray(D_v, dtype=float))))


@dataclass(frozen=True)
class VelocityGrid:
    """Gauss–Legendre velocity grid with ``Nv`` nodes on [-1, 1].

    Attributes
    ----------
    v : ndarray (Nv,)
        Nodes, increasing.
    w : ndarray (Nv,)
        Weights; ``w.sum() == 2`` and degree ``2 Nv - 1`` polynomials are integrated exactly.
    """

    Nv: int
    v: np.ndarray = field(init=False, repr=False, compare=False)
    w: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        Nv = as_nv(self.Nv)
        object.__setattr__(self, "Nv", Nv)
        v, w = gauss_legendre(Nv)
        object.__setattr__(self, "v", v)
        object.__setattr__(self, "w", w)

    def integrate(self, f_v: np.ndarray, axis: int = -1) -> np.ndarray:
        """Quadrature :math:`\\int_{-1}^1 f(v)\\,dv` along ``axis``."""
        f_v = np.asarray(f_v)
        return np.tensordot(f_v, self.w, axes=([axis], [0]))

    def moment(self, f_v: np.ndarray, n: int, axis: int = -1) -> np.ndarray:
        """Moment :math:`\\int dv\\, v^n f(v)` along ``axis``  [docs §1]."""
        f_v = np.moveaxis(np.asarray(f_v), axis, -1)
        return f_v @ (self.w * self.v**n)

    def moments(self, D_v: np.ndarray, nmax: int = 2) -> np.ndarray:
        """``[D_0, ..., D_nmax]`` of ``D_v`` on this grid (:func:`moments_on_grid`)."""
        return moments_on_grid(D_v, self.v, self.w, nmax)

    def rate_scale(self, D_v: np.ndarray) -> float:
        """:math:`\\int dv\\,|D_v|` on this grid (:func:`rate_scale`)."""
        return rate_scale(D_v, self.w)


@dataclass(frozen=True)
class PeriodicBox:
    """Periodic box of length ``L`` sampled at ``Nz`` points.

    Attributes
    ----------
    z : ndarray (Nz,)
        Grid points ``L * j / Nz``.
    n : ndarray (Nz,)
        Integer mode numbers in FFT order (``numpy.fft.fftfreq(Nz, 1/Nz)``); for even
        ``Nz`` the Nyquist mode carries ``n = -Nz/2`` (n = +-Nz/2 alias, docs §10.8).
    K : ndarray (Nz,)
        Wavenumbers ``2 pi n / L`` in FFT order.
    """

    L: float
    Nz: int
    z: np.ndarray = field(init=False, repr=False, compare=False)
    n: np.ndarray = field(init=False, repr=False, compare=False)
    K: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not np.isfinite(self.L) or self.L <= 0:
            raise FlavomonInputError(f"box length L must be a positive finite number, got {self.L!r}")
        if isinstance(self.Nz, bool) or not isinstance(self.Nz, (int, np.integer)) or self.Nz < 2:
            raise FlavomonInputError(f"Nz must be an integer >= 2, got {self.Nz!r}")
        z = self.L * np.arange(self.Nz) / self.Nz
        n = np.rint(np.fft.fftfreq(self.Nz, 1.0 / self.Nz)).astype(int)
        K = 2 * np.pi * n / self.L
        for a in (z, n, K):
            a.setflags(write=False)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "K", K)

    @property
    def dK(self) -> float:
        """Spacing of box wavenumbers, 2 pi / L."""
        return 2 * np.pi / self.L

    def to_modes(self, f_z: np.ndarray, axis: int = -1) -> np.ndarray:
        """Fourier coefficients ``f_K`` with ``f(z) = sum_K f_K e^{iKz}``."""
        return np.fft.fft(f_z, axis=axis) / self.Nz

    def from_modes(self, f_K: np.ndarray, axis: int = -1) -> np.ndarray:
        """Inverse of :meth:`to_modes`."""
        return np.fft.ifft(f_K, axis=axis) * self.Nz
