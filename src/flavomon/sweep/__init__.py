"""Distribution sweeps on Dask: ``flavomon sweep CONFIG.toml [--scheduler ADDRESS] --out DIR``.

A sweep is a grid or list of distributions (family parameters, folders of tables, SPECs)
times methods (``modes``, ``qlt``, ``resonant``, ``qke``, ``signrule``); each point is one
Dask task.  See ``docs/sweep.md``.

Public API
----------
* :func:`load_config`, :func:`parse_config` -> :class:`SweepConfig` (validated; ``.points``,
  each a :class:`SweepPoint` of a :class:`DistributionPoint` and a method)
* :func:`run_sweep` -> :class:`SweepResult` (writes DIR/points/<id>.nc, DIR/sweep.nc, DIR/runs.jsonl);
  :func:`execute_point` runs one point (what a Dask worker does); :func:`dashboard_url`
* :func:`combine_points`, :func:`by_parameter` (re-index sweep.nc by a family parameter)
* :data:`METHODS`, :func:`register_method`, :class:`Method`, :class:`MethodOutput` (the method registry)

Point ids are content-addressed with :func:`flavomon.io.files.fingerprint` (SHA-256 of the
canonical JSON of distribution, method, options and Nv): a rerun skips every point whose file
exists.  Sweeps written before the fingerprint replaced the earlier SHA-1 ids are recomputed
once under the new ids.
"""

from .config import DistributionPoint, SweepConfig, SweepPoint, load_config, parse_config
from .engine import (
    SweepResult,
    by_parameter,
    combine_points,
    dashboard_url,
    execute_point,
    run_sweep,
)
from .methods import METHODS, Method, MethodOutput, register_method

__all__ = [
    "DistributionPoint",
    "METHODS",
    "Method",
    "MethodOutput",
    "SweepConfig",
    "SweepPoint",
    "SweepResult",
    "by_parameter",
    "combine_points",
    "dashboard_url",
    "execute_point",
    "load_config",
    "parse_config",
    "register_method",
    "run_sweep",
]
