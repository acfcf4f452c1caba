r"""Linear theory of fast flavor waves: dispersion relation, all roots, flavomon properties.

[F2 eqs. 7–8, 13–26], physics.md §3.  Curated public API:

* :func:`dispersion_function`, :func:`det_D`, :func:`I_n` — ε, :math:`\mathcal D` and the
  Landau-continued :math:`I_n` (and Omega-derivatives);
* :func:`find_modes` → :class:`ModesResult` — every root (unstable, real, damped) in a window of the
  complex Omega plane on a K grid, organised into branches; continuum or discrete (``Nv``);
* :func:`growth_rate_max`, :func:`unstable_bands` (→ :class:`UnstableBand`), :func:`weak_growth_rate`;
* :func:`flavomon_properties`, :func:`projection_factor`;
* the discrete system on a velocity grid: :func:`discrete_matrix`, :func:`discrete_eigenvalues`,
  and the fast kernels :func:`eps_N`, :func:`det_D_N` (for QLT).
"""

from .dielectric import I_n, det_D, dispersion_function
from .discrete import det_D_N, discrete_eigenvalues, discrete_matrix, eps_N
from .growth import UnstableBand, WeakGrowth, growth_rate_max, unstable_bands, weak_growth_rate
from .properties import FlavomonProperties, flavomon_properties, landau_integral, projection_factor
from .roots import ModesResult, Window, find_modes

__all__ = [
    "I_n",
    "det_D",
    "dispersion_function",
    "find_modes",
    "ModesResult",
    "Window",
    "growth_rate_max",
    "unstable_bands",
    "UnstableBand",
    "weak_growth_rate",
    "WeakGrowth",
    "flavomon_properties",
    "FlavomonProperties",
    "projection_factor",
    "landau_integral",
    "discrete_matrix",
    "discrete_eigenvalues",
    "eps_N",
    "det_D_N",
]
