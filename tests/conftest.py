"""Shared test configuration.

BLAS is pinned to one thread before NumPy loads: the tests use small matrices, and a
multi-threaded BLAS on this 2-core machine slows them 20-50x.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
