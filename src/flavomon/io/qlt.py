"""qlt.nc: the Dataset of a QLT run.

Coordinates ``t``, ``v``, ``K`` (the QLT grid, ``K = k - D1(0)`` with k equally spaced in
[k_min, k_max]).  Variables: ``w`` (v); ``D`` (t, v); ``power`` (t, K) = ``|psi_{0,K}|^2`` per box
mode, the normalisation of qke.nc's ``power`` (attribute ``power_normalization``); ``gamma``
(t, K) growth rate of the fastest unstable root (0 where none); ``Omega_R`` (t, K) its real
frequency (NaN where none); ``P`` (t, K) spectral density L/(2 pi) power; ``D0`` (t); ``k`` (K)
the shifted wavenumber at t = 0.  Attributes: provenance (flavomon_version, command,
distribution, created, config) plus status, saturated, t_saturation, L, dk,
box_modes_per_point, resonant, diagnostics (JSON).  Ray tracing in a z-dependent background (docs §12) adds the
coordinate ``z_cell`` and ``D_cell`` (t, z_cell, v), ``power_cell`` and ``gamma_cell`` (t, z_cell, K), with the
attributes ``matter``, ``modulate``, ``cell``, ``method``; ``D``, ``power``, ``gamma`` are then cell means.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import xarray as xr

from ._netcdf import provenance_attrs
from ._netcdf import _jsonable as _plain

__all__ = ["qlt_dataset"]


def qlt_dataset(result: Any, *, distribution: str, command: str | None = None) -> xr.Dataset:
    """Dataset in the qlt.nc layout from a :class:`flavomon.qlt.QLTResult`."""
    r = result
    cfg = r.config
    ds = xr.Dataset(
        data_vars={
            "w": (("v",), r.w, {"long_name": "Gauss-Legendre weight"}),
            "D": (("t", "v"), r.D, {"long_name": "box-averaged D_v (QLT)"}),
            "power": (("t", "K"), r.power, {"long_name": "|psi_{0,K}|^2 per box mode"}),
            "P": (("t", "K"), r.P, {"long_name": "spectral power density L/(2 pi) |psi_{0,K}|^2"}),
            "gamma": (("t", "K"), r.gamma, {"long_name": "growth rate of the fastest unstable root (0: none)", "units": "mu"}),
            "Omega_R": (("t", "K"), r.Omega_R, {"long_name": "Re Omega of the fastest unstable root (NaN: none)", "units": "mu"}),
            "D0": (("t",), r.D0, {"long_name": "sum_v w_v D_v (conserved in full QLT)"}),
            "k": (("K",), r.k, {"long_name": "shifted wavenumber K + D1(0)", "units": "mu"}),
        },
        coords={
            "t": ("t", r.t, {"units": "1/mu"}),
            "v": ("v", r.v),
            "K": ("K", r.K, {"units": "mu", "long_name": "wavenumber K = k - D1(0), held fixed"}),
        },
    )
    ds.attrs.update(
        provenance_attrs(
            distribution=distribution,
            config=cfg.as_dict(),
            command=command,
            kind="qlt_resonant" if cfg.resonant else "qlt",
            status=r.status,
            saturated=int(bool(r.saturated)),
            t_saturation=float("nan") if r.t_saturation is None else float(r.t_saturation),
            dk=float(cfg.dk),
            box_modes_per_point=float(cfg.box_modes_per_point),
            resonant=int(bool(cfg.resonant)),
            power_normalization=r.power_normalization,
            diagnostics=json.dumps(_plain(r.diagnostics), sort_keys=True, default=str),
        )
    )
    ds.attrs["L"] = float(cfg.L)
    G = float(getattr(cfg, "gradient", 0.0))
    ds.attrs["gradient"] = G
    if G != 0.0:  # the labels drift (docs §11): grid point K has the physical wavenumber K + G t
        ds["K_phys"] = (("t", "K"), np.asarray(r.K)[None, :] + G * np.asarray(r.t)[:, None],
                        {"units": "mu", "long_name": "physical wavenumber K_j(t) = K_j + G t of label K_j (docs §11)"})
    if getattr(r, "z_cell", None) is not None:  # ray tracing in a z-dependent background (docs §12)
        ds = ds.assign_coords(z_cell=("z_cell", np.asarray(r.z_cell), {"units": "1/mu", "long_name": "cell centre"}))
        ds["D_cell"] = (("t", "z_cell", "v"), r.D_cell, {"long_name": "D_v averaged over the cell (ray-tracing QLT)"})
        ds["power_cell"] = (("t", "z_cell", "K"), r.power_cell, {
            "long_name": "local |psi_{0,K}|^2 per box mode of the whole box (2 pi / L) P(z_cell, K)"})
        ds["gamma_cell"] = (("t", "z_cell", "K"), r.gamma_cell, {
            "long_name": "local growth rate of the tracked branch (0: stable)", "units": "mu"})
        ds["D"].attrs["long_name"] = "D_v averaged over the box (mean of D_cell)"
        ds["power"].attrs["long_name"] = "|psi_{0,K}|^2 per box mode, mean of power_cell over the cells"
        ds["gamma"].attrs["long_name"] = "growth rate, mean of gamma_cell over the cells"
        for key in ("matter", "modulate", "cell"):
            val = getattr(cfg, key, None)
            ds.attrs[key] = "none" if val is None else (float(val) if key == "cell" else str(val))
        ds.attrs["cell"] = float(np.asarray(r.z_cell)[1] - np.asarray(r.z_cell)[0]) if np.size(r.z_cell) > 1 else float(cfg.L)
        ds.attrs["method"] = "ray tracing (docs §12)"
    return ds
