r"""The weak-growth formulas: F2 eq. 26 and the improved first-order rate  [docs §3, §9 Table E]."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..distributions import from_spec
from ..errors import FlavomonInputError
from .dielectric import get_dielectric, phase_velocity
from .modes import find_modes

__all__ = ["WeakGrowth", "weak_growth_rate"]


@dataclass(frozen=True)
class WeakGrowth:
    """Weak-growth estimates at one K  [docs §3, §9 Table E].

    Attributes
    ----------
    K, Omega_R : float
        Wavenumber and the real frequency (:math:`\\mathrm{Re}\\,\\varepsilon(\\Omega_R)=0`).
    gamma_eq26 : float
        F2 eq. 26.
    gamma_improved : float
        The first-order rate that keeps :math:`\\partial_\\Omega\\mathrm{Im}\\,\\varepsilon`.
    deps_dOmega : complex
        :math:`\\partial_\\Omega\\varepsilon` at :math:`\\Omega_R`.
    """

    K: float
    Omega_R: float
    gamma_eq26: float
    gamma_improved: float
    deps_dOmega: complex


def weak_growth_rate(dist: Any, K: float, Omega_R: float | None = None, *, Omega_guess: float | None = None) -> WeakGrowth:
    r"""F2 eq. 26 and the improved first-order growth rate at real :math:`\Omega_R`  [docs §3].

    .. math::

        \gamma_{26}=-\frac{\mathrm{Im}\,\varepsilon}{\partial_\Omega\mathrm{Re}\,\varepsilon}
        =\frac{\pi D(v_r)(\Omega_Rv_r/K-1)}{|k|\,\partial_\Omega\mathrm{Re}\,\varepsilon},\qquad
        \gamma_{1}=-\frac{\mathrm{Im}\,\varepsilon\;\partial_\Omega\mathrm{Re}\,\varepsilon}{|\partial_\Omega\varepsilon|^2},

    with ε on the real axis (principal value and :math:`-i\pi\,\mathrm{sgn}\,k\,\delta`).
    If ``Omega_R`` is None it solves :math:`\mathrm{Re}\,\varepsilon(\Omega_R)=0` by Newton, from
    ``Omega_guess`` or from the real part of the root closest to the real axis inside the light cone.

    Parameters
    ----------
    dist : Distribution or SPEC
    K : float
        Wavenumber (K != 0 and k = K + D_1 != 0).
    Omega_R : float, optional
        The real frequency; default: solved as above.
    Omega_guess : float, optional
        Start of the Newton iteration for Omega_R.

    Returns
    -------
    WeakGrowth
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
            vp = phase_velocity(z, K, de.D0, de.D1)
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
