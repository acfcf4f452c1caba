"""The standard figure of a result or file: :func:`plot` (``fm.plot``, ``flavomon plot``).

Chooses the figure by the contents of the Dataset (result objects are first converted to their
file layout by :func:`flavomon.io.to_dataset`):

* modes.nc (``Omega_real``): :func:`flavomon.plotting.modes.plot_modes` — Re Omega, Im Omega,
  Re Z against K;
* qke.nc / qlt.nc (``D`` and ``power``): :func:`flavomon.plotting.evolution.plot_overview` —
  D_v(t), D_v at start and end, power spectra; of a run in a z-dependent background (``D_cell``):
  :func:`flavomon.plotting.spacetime.plot_spacetime` — conversion and power against z and t;
* sweep.nc (a ``point`` dimension with ``method``, ``D_final``) and a sweep's point file
  ``points/<id>.nc``: :func:`flavomon.plotting.sweep.plot_sweep` — gamma_max and the
  flipped-side lepton number left per distribution and method, final D_v per distribution;
* predictors.nc (``L1`` per ``distribution`` and ``predictor``):
  :func:`flavomon.plotting.predictors.predictors_figure` — the predictors scored against the QKE.

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
from .predictors import predictors_figure
from .spacetime import has_cells, plot_spacetime
from .sweep import is_point, is_sweep, plot_sweep

__all__ = ["plot", "figure_of", "KINDS"]

KINDS = "modes.nc, qke.nc, qlt.nc, sweep.nc, a sweep's points/<id>.nc, predictors.nc"
"""The file kinds :func:`plot` draws (named in its error messages and in ``flavomon plot --help``)."""

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
            f"an xarray Dataset of a flavomon file ({KINDS}), or the file's path"
        ) from None


def figure_of(ds: xr.Dataset, *, what: str = "plot"):
    """The standard figure of a flavomon Dataset, chosen by its contents (see the module notes).

    Raises
    ------
    FlavomonInputError
        If ``ds`` is none of the kinds in ``KINDS``; the message starts with ``what``.
    """
    if "Omega_real" in ds:
        return plot_modes(ds)  # its own three panels: Re Omega, Im Omega, Re Z
    if has_cells(ds):
        return plot_spacetime(ds)  # a z-dependent background: conversion and power against z and t
    if "D" in ds and "power" in ds:
        return plot_overview(ds)
    if "L1" in ds and "predictor" in ds.dims and "distribution" in ds.dims:
        return predictors_figure(ds)
    if is_sweep(ds) or is_point(ds):
        return plot_sweep(ds)
    raise FlavomonInputError(f"{what}: not a flavomon file ({KINDS}): no Omega, D/power, sweep or predictor variables")


def plot(obj: Any, path: str | os.PathLike | None = None):
    """Draw the standard figure of a result or a modes/qke/qlt file; save it to ``path`` if given.

    Parameters
    ----------
    obj : ModesResult, QKEResult, QLTResult, xarray.Dataset or path
        A result of :func:`flavomon.find_modes`, :func:`flavomon.run_qke` or
        :func:`flavomon.run_qlt`, a Dataset loaded from their files or from a sweep's
        (sweep.nc, points/<id>.nc, predictors.nc), or such a file's path.
    path : str or os.PathLike, optional
        Image file to write (format from its suffix, e.g. ``.png``, ``.pdf``).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    FlavomonInputError
        If ``obj`` is not a flavomon result or file (none of ``KINDS``).
    """
    if path is not None:
        check_figure_path(path, what="path")  # before drawing: never a link, FIFO or device; a known format
    ds = _as_dataset(obj)
    fig = figure_of(ds)
    if path is not None:
        save_figure(fig, path, what="path", dpi=DPI)  # the one atomic figure writer
    return fig
