r"""Linear theory of fast flavor waves: dispersion relation, all roots, unstable bands, flavomon properties.

[F2 eqs. 7–8, 13–26], docs §3.  Modules, in the order they build on each other:

* :mod:`~flavomon.linear.dielectric` — the Landau-continued :math:`I_n`, ε and :math:`\mathcal D`
  (:func:`I_n`, :func:`dispersion_function`, :func:`det_D`) and :func:`landau_integral`;
* :mod:`~flavomon.linear.properties` — X, Z, :math:`Z_R` and the flavomon label, group velocity
  (:func:`flavomon_properties`), the seed projection [F2 eq. 24] (:func:`seed_projection`);
* :mod:`~flavomon.linear.roots` — the root search on a K grid (seeds, continuation, branches);
* :mod:`~flavomon.linear.bands` — unstable bands, refined edges, :func:`growth_rate_max`,
  :func:`unstable_bands`, the automatic K range :func:`default_K_range`;
* :mod:`~flavomon.linear.modes` — :func:`find_modes` → :class:`ModesResult`;
* :mod:`~flavomon.linear.growth` — F2 eq. 26 and the improved weak-growth rate
  (:func:`weak_growth_rate`);
* :mod:`~flavomon.linear.discrete` — the discrete system on a velocity grid
  (:func:`discrete_matrix`, :func:`discrete_eigenvalues`, :func:`eps_N`, :func:`det_D_N`);
* :mod:`~flavomon.linear.gradient` — modes drifting in a uniform matter gradient: :math:`\int\gamma\,dK`
  (:func:`band_gain`), the gain of a drifting mode (:func:`drift_gain`), the critical gradient
  (:func:`critical_gradient`), docs §11.
"""

from .bands import UnstableBand, default_K_range, growth_rate_max, unstable_bands
from .dielectric import I_n, det_D, dispersion_function, landau_integral
from .discrete import det_D_N, discrete_eigenvalues, discrete_matrix, eps_N
from .gradient import GradientGain, band_gain, critical_gradient, drift_gain, gamma_of_K, max_drift_gain
from .growth import WeakGrowth, weak_growth_rate
from .modes import ModesResult, find_modes
from .properties import FlavomonProperties, flavomon_properties, seed_projection
from .roots import Window

__all__ = [
    "find_modes",
    "ModesResult",
    "Window",
    "growth_rate_max",
    "unstable_bands",
    "UnstableBand",
    "default_K_range",
    "weak_growth_rate",
    "gamma_of_K",
    "band_gain",
    "drift_gain",
    "max_drift_gain",
    "critical_gradient",
    "GradientGain",
    "WeakGrowth",
    "flavomon_properties",
    "FlavomonProperties",
    "seed_projection",
    "I_n",
    "det_D",
    "dispersion_function",
    "landau_integral",
    "discrete_matrix",
    "discrete_eigenvalues",
    "eps_N",
    "det_D_N",
]
