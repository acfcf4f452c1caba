"""flavomon — fast flavor instabilities in dense neutrino gases.

Linear theory of flavor waves (flavomons), the fast-flavor QKE in a periodic box, and the
quasi-linear theory (QLT) of Fiorillo & Raffelt.  Units: mu = sqrt(2) G_F n_nu = 1.

The numerics live in :mod:`flavomon.linear`, :mod:`flavomon.qke` and :mod:`flavomon.qlt`;
grids and angular distributions in :mod:`flavomon.grids` and :mod:`flavomon.distributions`.
"""

from ._version import __version__
from .distributions import (
    Distribution,
    benchmark,
    from_callable,
    from_file,
    from_spec,
    from_table,
    isotropic,
    shallow,
)
from .errors import FlavomonError, FlavomonInputError, PhysicsWarning
from .grids import PeriodicBox, VelocityGrid

__all__ = [
    "__version__",
    "Distribution",
    "FlavomonError",
    "FlavomonInputError",
    "PhysicsWarning",
    "PeriodicBox",
    "VelocityGrid",
    "benchmark",
    "from_callable",
    "from_file",
    "from_spec",
    "from_table",
    "isotropic",
    "shallow",
]
