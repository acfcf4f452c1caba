"""flavomon — fast flavor instabilities in dense neutrino gases.

Linear theory of flavor waves (flavomons), the fast-flavor QKE in a periodic box, and the
quasi-linear theory (QLT) of Fiorillo & Raffelt.  Units: mu = sqrt(2) G_F n_nu = 1.

The numerics live in :mod:`flavomon.linear`, :mod:`flavomon.qke` and :mod:`flavomon.qlt`;
grids and angular distributions in :mod:`flavomon.grids` and :mod:`flavomon.distributions`.
"""

import os as _os

# Small dense linear algebra (eig of 100x100 M(K), GL nodes) is 20-50x slower with a
# multi-threaded BLAS on a loaded machine; parallelism in flavomon is across processes
# (realisations, sweep points).  A user's explicit setting wins (setdefault).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")

from ._version import __version__  # noqa: E402
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
