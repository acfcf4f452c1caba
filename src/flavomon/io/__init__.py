"""File formats and safe file writing: netCDF4 datasets with provenance, checkpoints, fingerprints.

Numerics never import this package; workflows and the command-line interface do.

* :func:`save` / :func:`load` — a result object as its netCDF file (modes.nc, qke.nc, qlt.nc)
  and back as an :class:`xarray.Dataset`;
* :mod:`flavomon.io.files` — the one output-path check, the one atomic writer and the run
  fingerprint used by every resume and reuse decision;
* the dataset builders :func:`modes_dataset`, :func:`qke_dataset`, :func:`qlt_dataset` and the
  netCDF helpers (complex variables as ``<name>_real``/``<name>_imag``, provenance attributes).
"""

from ._netcdf import config_of, merge_complex, provenance_attrs, read_dataset, split_complex, write_dataset
from .files import (
    OutputLock,
    atomic_write,
    atomic_write_bytes,
    atomic_write_text,
    check_figure_path,
    check_output_path,
    config_diff,
    fingerprint,
    require_same_config,
    save_figure,
)
from .modes import modes_dataset
from .qke import qke_dataset
from .qlt import qlt_dataset
from .results import load, save, to_dataset

__all__ = [
    "OutputLock",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_figure_path",
    "check_output_path",
    "config_diff",
    "config_of",
    "fingerprint",
    "load",
    "merge_complex",
    "modes_dataset",
    "provenance_attrs",
    "qke_dataset",
    "qlt_dataset",
    "read_dataset",
    "require_same_config",
    "save",
    "save_figure",
    "split_complex",
    "to_dataset",
    "write_dataset",
]
