"""Results as files: :func:`save` a result object as its netCDF file, :func:`load` a file back.

The layouts are those of the command-line tools (modes.nc, qke.nc, qlt.nc; see
:mod:`flavomon.io.modes`, :mod:`flavomon.io.qke`, :mod:`flavomon.io.qlt`), so a file saved from
Python and one written by ``flavomon qke`` read the same way.  Numerics never import this
module: they return result objects, and scripts (or workflows) save them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import xarray as xr

from ..errors import FlavomonInputError
from ..linear import ModesResult
from ..qke import QKEResult
from ..qlt import QLTResult
from ._netcdf import read_dataset, write_dataset
from .files import check_output_path
from .modes import modes_dataset
from .qke import qke_dataset
from .qlt import qlt_dataset

__all__ = ["load", "save", "to_dataset"]


def _spec(result: Any, distribution: Any) -> str:
    if distribution is not None:
        return distribution if isinstance(distribution, str) else str(getattr(distribution, "spec", distribution))
    spec = getattr(result, "distribution", None)
    if spec:
        return spec if isinstance(spec, str) else str(getattr(spec, "spec", spec))
    return "unknown"


def to_dataset(result: Any, *, distribution: Any = None, command: str | None = None) -> xr.Dataset:
    """The netCDF Dataset of a result object, in the layout of its command-line file.

    Parameters
    ----------
    result : ModesResult, QKEResult, QLTResult or xarray.Dataset
        :class:`~flavomon.linear.ModesResult` gives modes.nc, :class:`~flavomon.qke.QKEResult`
        qke.nc, :class:`~flavomon.qlt.QLTResult` qlt.nc; a Dataset is returned as it is.
    distribution : str or Distribution, optional
        Recorded in the ``distribution`` attribute; default the result's own ``distribution``
        (where it carries one), else ``"unknown"``.
    command : str, optional
        Recorded in the ``command`` attribute (default: this process's command line).

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    FlavomonInputError
        For any other object.
    """
    if isinstance(result, xr.Dataset):
        return result
    spec = _spec(result, distribution)
    if isinstance(result, QKEResult):
        return qke_dataset(result, distribution=spec, command=command)
    if isinstance(result, QLTResult):
        return qlt_dataset(result, distribution=spec, command=command)
    if isinstance(result, ModesResult):
        config = {
            "Nv": result.Nv,
            "window": list(result.window.as_tuple()) if result.window is not None else None,
            "bands": [b.as_dict() for b in result.bands],
        }
        return modes_dataset(result, distribution=spec, config=config, command=command)
    raise FlavomonInputError(
        f"cannot save a {type(result).__name__}: expected a ModesResult, QKEResult, QLTResult or xarray.Dataset"
    )


def save(result: Any, path: str | os.PathLike, *, distribution: Any = None, command: str | None = None) -> Path:
    """Write a result as its netCDF file (modes.nc, qke.nc or qlt.nc layout), atomically.

    Parameters
    ----------
    result : ModesResult, QKEResult, QLTResult or xarray.Dataset
        See :func:`to_dataset`.
    path : str or os.PathLike
        The file; checked first (:func:`flavomon.io.files.check_output_path`).
    distribution, command
        Provenance attributes, see :func:`to_dataset`.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    p = check_output_path(path, what="path")
    return write_dataset(to_dataset(result, distribution=distribution, command=command), p, what="path")


def load(path: str | os.PathLike) -> xr.Dataset:
    """Read a flavomon netCDF file fully into memory (an :class:`xarray.Dataset`; the file is closed).

    Raises
    ------
    FlavomonInputError
        In one line, if the file does not exist or is not netCDF.
    """
    return read_dataset(path)
