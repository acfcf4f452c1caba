r"""Space–time maps of a run in a z-dependent background: conversion and flavomon power, QKE and QLT side by side
[docs §12].

One row per file (qke.nc or qlt.nc with ``D_cell``): left, the local conversion
:math:`\sum_vw_v|D_v(z_c,t)-D_v(z_c,0)|` (QKE: of the ensemble mean); right, the local flavour-wave power
:math:`\langle|\psi_0|^2\rangle(z_c,t)=\int dK\,\mathcal P(z_c,K,t)` on a log scale — the sum of ``power_cell``
times the box modes each K point stands for (QKE: :math:`L/\ell`, the cell's K spacing is :math:`2\pi/\ell`; QLT:
:math:`L\,\Delta K/2\pi`), so the two methods are on one scale.  Rows share the colour scales.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ..errors import FlavomonInputError

__all__ = ["plot_spacetime", "local_conversion", "local_power", "has_cells"]


def has_cells(ds: xr.Dataset) -> bool:
    """Whether ``ds`` is a qke.nc / qlt.nc of a run with a z-dependent background (``D_cell``, ``power_cell``)."""
    return "D_cell" in ds and "power_cell" in ds and "z_cell" in ds.coords


def _D_cell(ds: xr.Dataset) -> np.ndarray:
    D = ds["D_cell"]
    return (D.mean("realization") if "realization" in D.dims else D).transpose("t", "z_cell", "v").values


def local_conversion(ds: xr.Dataset) -> np.ndarray:
    r""":math:`\sum_vw_v|D_v(z_c,t)-D_v(z_c,0)|`, shape (t, z_cell) (QKE: of the ensemble mean)."""
    D = _D_cell(ds)
    return np.abs(D - D[:1]) @ ds["w"].values


def local_power(ds: xr.Dataset) -> np.ndarray:
    r""":math:`\langle|\psi_0|^2\rangle(z_c,t)=\int dK\,\mathcal P`, shape (t, z_cell) (QKE: ensemble mean)."""
    L = float(ds.attrs["L"])
    P = ds["power_cell"]
    if "realization" in P.dims:
        P = P.mean("realization")
    Kdim = [d for d in P.dims if d not in ("t", "z_cell")][0]
    K = ds[Kdim].values
    dK = float(np.median(np.diff(K))) if K.size > 1 else 2 * np.pi / L
    return P.transpose("t", "z_cell", Kdim).values.sum(axis=-1) * (L * dK / (2 * np.pi))


def _label(ds: xr.Dataset) -> str:
    kind = "QKE" if "realization" in ds.dims else "QLT (ray tracing)"
    n = f", mean of {ds.sizes['realization']}" if "realization" in ds.dims else ""
    return f"{kind}{n}"


def plot_spacetime(*datasets: Any):
    """Space–time maps (conversion, power) of one or more z-resolved runs, one row each (module notes).

    Parameters
    ----------
    *datasets : xarray.Dataset
        qke.nc / qlt.nc Datasets with ``D_cell`` and ``power_cell`` (e.g. the QKE and the QLT of one background).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    if not datasets or not all(isinstance(d, xr.Dataset) and has_cells(d) for d in datasets):
        raise FlavomonInputError("space-time maps need qke.nc/qlt.nc files of a run with a z-dependent background "
                                 "(--matter, --modulate or --cell: variables D_cell, power_cell)")
    conv = [local_conversion(d) for d in datasets]
    powr = [np.maximum(local_power(d), 1e-300) for d in datasets]
    cmax = max(float(c.max()) for c in conv) or 1.0
    pmax = max(float(p.max()) for p in powr)
    pmin = max(min(float(p[p > 1e-290].min()) for p in powr), pmax * 1e-14)
    n = len(datasets)
    fig, axes = plt.subplots(n, 2, figsize=(10, 3.2 * n), squeeze=False, constrained_layout=True)
    for i, (ds, c, p) in enumerate(zip(datasets, conv, powr)):
        z, t = ds["z_cell"].values, ds["t"].values
        m0 = axes[i, 0].pcolormesh(z, t, c, shading="nearest", vmin=0.0, vmax=cmax, cmap="viridis")
        m1 = axes[i, 1].pcolormesh(z, t, p, shading="nearest", norm=LogNorm(vmin=pmin, vmax=pmax), cmap="magma")
        for j, what in enumerate(("conversion $\\sum_v w_v|D_v(z,t)-D_v(z,0)|$",
                                  "flavour-wave power $\\int dK\\,\\mathcal{P}(z,K,t)$")):
            axes[i, j].set_title(f"{_label(ds)}: {what}", fontsize=9)
            axes[i, j].set_xlabel("z (1/μ)")
            axes[i, j].set_ylabel("t (1/μ)")
        fig.colorbar(m0, ax=axes[i, 0])
        fig.colorbar(m1, ax=axes[i, 1])
    bg = [f"{k} {datasets[0].attrs[k]}" for k in ("matter", "modulate") if str(datasets[0].attrs.get(k, "none")) != "none"]
    fig.suptitle(f"{datasets[0].attrs.get('distribution', '')} in a z-dependent background"
                 f"{': ' + ', '.join(bg) if bg else ''} (docs §12)", fontsize=10)
    return fig
