r"""Velocity and spatial grids.

* :class:`VelocityGrid` — Gauss–Legendre nodes ``v`` and weights ``w`` on [-1, 1]
  (the F2 benchmark uses 100 nodes [physics.md §4]).
* :class:`PeriodicBox` — a periodic z grid of length ``L`` with ``Nz`` points and the
  box wavenumbers :math:`K_n = 2\pi n/L` in FFT order [physics.md §1].

Conventions: a field is expanded as :math:`\psi(z)=\sum_K\psi_K e^{iKz}`, i.e.
``psi_K = numpy.fft.fft(psi_z) / Nz``; Parseval reads
:math:`\frac1L\int|\psi|^2dz=\sum_K|\psi_K|^2`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import FlavomonInputError

__all__ = ["VelocityGrid", "PeriodicBox"]


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
        if isinstance(self.Nv, bool) or not isinstance(self.Nv, (int, np.integer)):
            raise FlavomonInputError(f"Nv must be an integer, got {self.Nv!r}")
        if self.Nv < 2:
            raise FlavomonInputError(f"Nv must be >= 2, got {self.Nv}")
        v, w = np.polynomial.legendre.leggauss(int(self.Nv))
        v.setflags(write=False)
        w.setflags(write=False)
        object.__setattr__(self, "v", v)
        object.__setattr__(self, "w", w)

    def integrate(self, f_v: np.ndarray, axis: int = -1) -> np.ndarray:
        """Quadrature :math:`\\int_{-1}^1 f(v)\\,dv` along ``axis``."""
        f_v = np.asarray(f_v)
        return np.tensordot(f_v, self.w, axes=([axis], [0]))

    def moment(self, f_v: np.ndarray, n: int, axis: int = -1) -> np.ndarray:
        """Moment :math:`\\int dv\\, v^n f(v)` along ``axis``  [physics.md §1]."""
        f_v = np.moveaxis(np.asarray(f_v), axis, -1)
        return f_v @ (self.w * self.v**n)


@dataclass(frozen=True)
class PeriodicBox:
    """Periodic box of length ``L`` sampled at ``Nz`` points.

    Attributes
    ----------
    z : ndarray (Nz,)
        Grid points ``L * j / Nz``.
    n : ndarray (Nz,)
        Integer mode numbers in FFT order (``numpy.fft.fftfreq(Nz, 1/Nz)``); for even
        ``Nz`` the Nyquist mode carries ``n = -Nz/2`` (n = +-Nz/2 alias, physics.md §10.8).
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
