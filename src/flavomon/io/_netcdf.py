"""netCDF helpers shared by every output file.

* complex quantities are stored as ``<name>_real`` and ``<name>_imag``;
* every file carries ``flavomon_version``, ``command``, ``distribution``, ``created`` and
  ``config`` (the full run configuration as JSON);
* files are written atomically (:func:`flavomon.io.files.atomic_write`), so a crash never
  leaves a half-written file under the final name.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import xarray as xr

from .._version import __version__
from ..errors import FlavomonInputError
from .files import atomic_write, canonical, check_output_path

__all__ = [
    "config_of",
    "merge_complex",
    "provenance_attrs",
    "read_dataset",
    "split_complex",
    "write_dataset",
]


def _jsonable(x: Any) -> Any:
    """A JSON-serialisable copy of ``x`` for descriptive attributes (unknown objects become their repr)."""
    return canonical(x, strict=False)


def provenance_attrs(
    *, distribution: str, config: Mapping[str, Any], command: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The attributes every flavomon file carries.

    ``command`` defaults to the command line of this process.
    """
    if command is None:
        command = " ".join(shlex.quote(a) for a in [Path(sys.argv[0]).name, *sys.argv[1:]])
    attrs: dict[str, Any] = {
        "flavomon_version": __version__,
        "command": command,
        "distribution": distribution,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "config": json.dumps(_jsonable(dict(config)), sort_keys=True),
        "units": "mu = sqrt(2) G_F n_nu = 1; t, z in 1/mu",
    }
    for k, v in extra.items():
        attrs[k] = v if isinstance(v, (str, int, float)) else json.dumps(_jsonable(v))
    return attrs


def split_complex(name: str, data: Any, dims: tuple[str, ...]) -> dict[str, tuple]:
    """``{name_real: (dims, re), name_imag: (dims, im)}`` for an xarray Dataset constructor."""
    a = np.asarray(data)
    return {f"{name}_real": (dims, a.real.astype(float)), f"{name}_imag": (dims, a.imag.astype(float))}


def merge_complex(ds: xr.Dataset, name: str) -> xr.DataArray:
    """Complex DataArray from ``<name>_real`` and ``<name>_imag``."""
    return ds[f"{name}_real"] + 1j * ds[f"{name}_imag"]


def write_dataset(ds: xr.Dataset, path: str | os.PathLike, *, what: str = "--out", inputs: Iterable[Any] = ()) -> Path:
    """Write ``ds`` to netCDF4 atomically (:func:`flavomon.io.files.atomic_write`).

    ``path`` passes :func:`flavomon.io.files.check_output_path` first (``what`` and ``inputs``
    are passed on to it).
    """
    p = check_output_path(path, what=what, inputs=inputs)
    return atomic_write(p, lambda tmp: ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4"))


def read_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Open a flavomon netCDF file fully into memory (the file is closed afterwards)."""
    p = Path(path)
    if not p.exists():
        raise FlavomonInputError(f"file {p} does not exist")
    if not p.is_file():  # a FIFO or device would block or stream: only regular files are read
        raise FlavomonInputError(f"{p} is not a regular file (give a netCDF file written by flavomon)")
    try:
        with xr.open_dataset(p, engine="netcdf4") as ds:
            return ds.load()
    except (OSError, ValueError) as e:
        raise FlavomonInputError(f"cannot read {p} as netCDF: {e}") from None


def config_of(ds: xr.Dataset) -> dict[str, Any]:
    """The run configuration stored in a file's ``config`` attribute."""
    return json.loads(ds.attrs.get("config", "{}"))
