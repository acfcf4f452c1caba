"""Dispersion diagrams side by side: one F1 Fig. S4-style column per modes.nc Dataset.

Each column is drawn by :func:`flavomon.plotting.modes.plot_modes` (Re Omega, Im Omega, Re Z);
takes Datasets only and never runs physics.
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np
import xarray as xr

from ..io.files import check_figure_path, save_figure
from ._labels import describe_distribution
from .modes import REAL_ONLY_TOL, plot_modes

__all__ = ["plot_modes_panels", "REAL_ONLY_TOL"]


def plot_modes_panels(datasets: Sequence[xr.Dataset], titles: Sequence[str], path: str | os.PathLike | None = None,
                      *, dpi: int = 130):
    """Draw the dispersion diagrams of ``datasets`` in columns (titles above); save to ``path`` if given.

    Parameters
    ----------
    datasets : sequence of xarray.Dataset
        modes.nc Datasets, one column each.
    titles : sequence of str
        Column titles; a SPEC (``benchmark:a=0.9``) is written as its formula.
    path : path, optional
        Image file to write.
    dpi : int
        Resolution of the written image.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    A diagram whose roots are all real (e.g. the thermal medium, F1 Fig. S5) shows Im Omega = 0
    on a fixed scale instead of magnified round-off (:func:`flavomon.plotting.modes.plot_modes`,
    below ``REAL_ONLY_TOL``).  Each column's legends stand beside its panels.
    """
    if path is not None:
        check_figure_path(path, what="path")  # before drawing: never a link, FIFO or device; a known format
    import matplotlib.pyplot as plt

    n = len(datasets)
    fig, axes = plt.subplots(3, n, figsize=(8.6 * n, 8.6), sharex="col", squeeze=False,
                             gridspec_kw=dict(height_ratios=[1.25, 1.0, 0.85]), layout="constrained")
    for j, (d, title) in enumerate(zip(datasets, titles)):
        g = float(d["gamma_max"]) if "gamma_max" in d else np.nan
        sub = rf"$\gamma_{{max}}$ = {g:.4g}" if np.isfinite(g) else "no unstable root"
        plot_modes(d, None, ax=list(axes[:, j]), title=f"{describe_distribution(title)}\n{sub}")
    if path is not None:
        save_figure(fig, path, what="path", dpi=dpi, bbox_inches="tight")  # the one atomic figure writer
    return fig
