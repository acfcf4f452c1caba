"""The standard figure of a result or file: :func:`plot` (``fm.plot``, ``flavomon plot``).

Chooses the figure by the contents of the Dataset (result objects are first converted to their
file layout by :func:`flavomon.io.to_dataset`):

* modes.nc (``Omega_real``): :func:`flavomon.plotting.modes.plot_modes` — Re Omega, Im Omega,
  Re Z against K;
* qke.nc / qlt.nc (``D`` and ``power``): :func:`flavomon.plotting.evolution.plot_overview` —
  D_v(t), D_v at start and end, power spectra.

Takes results and Datasets only; never runs physics.
"""

from __future__ import annotations

import os
from typing import Any

import xarray as xr

from ..errors import FlavomonInputError
from ..io import read_dataset, to_dataset
from ..io.files import check_figure_path, save_figure
from .evolution import plot_overview
from .modes import plot_modes

__all__ = ["plot"]

DPI = 120
"""Resolution of images written by :func:`plot`."""


def _as_dataset(obj: Any) -> xr.Dataset:
    """The file-layout Dataset of ``obj``: a Dataset as is, a path read, a result converted."""
    if isinstance(obj, xr.Dataset):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        return read_dataset(obj)
    try:
        return to_dataset(obj, command="")
    except FlavomonInputError:
        raise FlavomonInputError(
            f"plot: cannot draw a {type(obj).__name__}; give a ModesResult, QKEResult, QLTResult, "
            "an xarray Dataset of a modes/qke/qlt file, or the file's path"
        ) from None


def plot(obj: Any, path: str | os.PathLike | None = None):
    """Draw the standard figure of a result or a modes/qke/qlt file; save it to ``path`` if given.

    Parameters
    ----------
    obj : ModesResult, QKEResult, QLTResult, xarray.Dataset or path
        A result of :func:`flavomon.find_modes`, :func:`flavomon.run_qke` or
        :func:`flavomon.run_qlt`, a Dataset loaded from their files, or such a file's path.
    path : str or os.PathLike, optional
        Image file to write (format from its suffix, e.g. ``.png``, ``.pdf``).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    FlavomonInputError
        If ``obj`` is not a flavomon result or file (no ``Omega_real``, nor ``D`` and ``power``).
    """
    if path is not None:
        check_figure_path(path, what="path")  # before drawing: never a link, FIFO or device; a known format
    ds = _as_dataset(obj)
    if "Omega_real" in ds:
        fig = plot_modes(ds)  # its own three panels: Re Omega, Im Omega, Re Z
    elif "D" in ds and "power" in ds:
        fig = plot_overview(ds)
    else:
        raise FlavomonInputError("plot: not a flavomon qke/qlt/modes dataset (no D/power or Omega variables)")
    if path is not None:
        save_figure(fig, path, what="path", dpi=DPI)  # the one atomic figure writer
    return fig
