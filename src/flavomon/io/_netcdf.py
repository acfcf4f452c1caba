"""netCDF helpers shared by every output file.

* complex quantities are stored as ``<name>_real`` and ``<name>_imag`` (INTERFACES.md);
* every file carries ``flavomon_version``, ``command``, ``distribution``, ``created`` and
  ``config`` (the full run configuration as JSON);
* files are written atomically (temporary file in the same folder, then ``os.replace``),
  so a crash never leaves a half-written file under the final name.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import xarray as xr

from .._version import __version__
from ..errors import FlavomonInputError

__all__ = [
    "check_output_path",
    "merge_complex",
    "provenance_attrs",
    "read_dataset",
    "split_complex",
    "write_dataset",
]


def _jsonable(x: Any) -> Any:
    """A JSON-serialisable copy of ``x`` (dicts, sequences, numpy scalars/arrays, complex as [re, im])."""
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, Path):
        return str(x)
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if isinstance(x, complex):
        return [x.real, x.imag]
    if hasattr(x, "__dataclass_fields__"):
        import dataclasses

        return _jsonable(dataclasses.asdict(x))
    return repr(x)


def provenance_attrs(
    *, distribution: str, config: Mapping[str, Any], command: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The attributes every flavomon file carries (INTERFACES.md).

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


def check_output_path(path: str | os.PathLike, *, what: str = "--out") -> Path:
    """Fail early (before any computation) if ``path`` cannot be written.

    Checks that the parent folder exists and is writable and that ``path`` is not a
    folder.  Nothing is created.
    """
    p = Path(path)
    if str(path) == "":
        raise FlavomonInputError(f"{what}: empty output path")
    if p.is_dir():
        raise FlavomonInputError(f"{what} {p} is a directory, expected a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise FlavomonInputError(f"{what} {p}: directory {parent} does not exist")
    if not parent.is_dir():
        raise FlavomonInputError(f"{what} {p}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise FlavomonInputError(f"{what} {p}: directory {parent} is not writable")
    if p.exists() and not os.access(p, os.W_OK):
        raise FlavomonInputError(f"{what} {p}: file exists and is not writable")
    return p


def write_dataset(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write ``ds`` to netCDF4 atomically (temp file + ``os.replace``)."""
    p = check_output_path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or ".")
    os.close(fd)
    try:
        ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; final files follow the umask
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return p


def read_dataset(path: str | os.PathLike) -> xr.Dataset:
    """Open a flavomon netCDF file fully into memory (the file is closed afterwards)."""
    p = Path(path)
    if not p.exists():
        raise FlavomonInputError(f"file {p} does not exist")
    try:
        with xr.open_dataset(p, engine="netcdf4") as ds:
            return ds.load()
    except (OSError, ValueError) as e:
        raise FlavomonInputError(f"cannot read {p} as netCDF: {e}") from None


def config_of(ds: xr.Dataset) -> dict[str, Any]:
    """The run configuration stored in a file's ``config`` attribute."""
    return json.loads(ds.attrs.get("config", "{}"))
