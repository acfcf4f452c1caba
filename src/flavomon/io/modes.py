"""Dataset builder for ``modes.nc``, the file ``flavomon modes`` writes.

Layout: coords ``K`` (n_K) and ``root`` (branch index); variables ``Omega_real``,
``Omega_imag``, ``Z_real``, ``Z_imag`` (Z at the complex root), ``Z_R`` (Z at the real part of the
root, whose sign is the flavomon / anti-flavomon label, docs §10.14), ``X_real``, ``X_imag``,
``vg_real``, ``vg_imag`` (group velocity), ``kind`` (K, root) with "unstable"/"real"/"damped" ("" where there is no
root; Omega is NaN there); 0-d ``gamma_max``, ``K_at_gamma_max``, ``Omega_at_gamma_max_real``,
``Omega_at_gamma_max_imag``; band table ``band_*`` (band); the background ``D_table`` (v_table) on a uniform v grid (so a file
made from a Python callable can be recreated); attributes ``D0``, ``D1`` and the
provenance attributes of :func:`flavomon.io.provenance_attrs`.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import xarray as xr

from ._netcdf import provenance_attrs, split_complex

__all__ = ["modes_dataset", "N_TABLE"]

N_TABLE = 201
"""Points of the uniform v table of the background written into modes.nc (``v_table``, ``D_table``)."""


def modes_dataset(result: Any, *, distribution: str, config: Mapping[str, Any], command: str | None = None) -> xr.Dataset:
    """Build the modes.nc Dataset from a :class:`flavomon.linear.ModesResult`."""
    dims = ("K", "root")
    nroot = result.Omega.shape[1]
    data: dict[str, Any] = {}
    data.update(split_complex("Omega", result.Omega, dims))
    data.update(split_complex("Z", result.Z, dims))
    Z_R = getattr(result, "Z_R", None)
    data["Z_R"] = (dims, np.asarray(Z_R if Z_R is not None else np.full(result.Omega.shape, np.nan), dtype=float))
    data.update(split_complex("X", result.X, dims))
    data.update(split_complex("vg", result.group_velocity, dims))
    data["kind"] = (dims, np.asarray(result.kind, dtype=str).astype(object))
    data["gamma_max"] = ((), float(result.gamma_max))
    data["K_at_gamma_max"] = ((), float(result.K_at_gamma_max))
    data["Omega_at_gamma_max_real"] = ((), float(np.real(result.Omega_at_gamma_max)))
    data["Omega_at_gamma_max_imag"] = ((), float(np.imag(result.Omega_at_gamma_max)))
    b = result.bands
    data["band_K_lo"] = (("band",), np.array([x.K_lo for x in b], dtype=float))
    data["band_K_hi"] = (("band",), np.array([x.K_hi for x in b], dtype=float))
    data["band_edge_lo"] = (("band",), np.array([x.edge_lo for x in b], dtype=object))
    data["band_edge_hi"] = (("band",), np.array([x.edge_hi for x in b], dtype=object))
    data["band_gamma_max"] = (("band",), np.array([x.gamma_max for x in b], dtype=float))
    data["band_K_at_max"] = (("band",), np.array([x.K_at_max for x in b], dtype=float))
    coords = {"K": ("K", np.asarray(result.K, dtype=float)), "root": ("root", np.arange(nroot))}
    dist = getattr(result, "distribution", None)
    if dist is not None:
        # the background on a table, so that a result from a Python callable can be recreated
        # with flavomon.from_table(ds.v_table, ds.D_table)
        v_tab = np.linspace(-1.0, 1.0, N_TABLE)
        coords["v_table"] = ("v_table", v_tab)
        data["D_table"] = (("v_table",), np.asarray(dist(v_tab), dtype=float))
    ds = xr.Dataset(data, coords=coords)
    if dist is not None:
        ds["D_table"].attrs.update(long_name="D(v) of the background tabulated on v_table "
                                   "(recreate it with flavomon.from_table(v_table, D_table))")
    ds["Omega_real"].attrs.update(long_name="Re Omega (branch per root column)", units="mu")
    ds["Omega_imag"].attrs.update(long_name="Im Omega = growth rate gamma", units="mu")
    ds["Z_real"].attrs.update(long_name="Re Z_K = 1/X_K at the complex root (docs §3)")
    ds["Z_R"].attrs.update(long_name="Z_R = 1/X_R at the real part of the root; > 0 flavomon, < 0 anti-flavomon "
                           "(docs §10.14)")
    ds["kind"].attrs.update(long_name="unstable | real | damped (Landau) | '' (no root)")
    ds["K"].attrs.update(long_name="wavenumber K", units="mu")
    ds.attrs.update(provenance_attrs(distribution=distribution, config=config, command=command))
    ds.attrs["D0"] = float(result.D0)
    ds.attrs["D1"] = float(result.D1)
    ds.attrs["route"] = "continuum (Landau-continued)" if result.Nv is None else f"discrete Nv={result.Nv}"
    ds.attrs["window"] = str(tuple(float(x) for x in result.window.as_tuple())) if result.window is not None else ""
    ds.attrs["references"] = "F2 arXiv:2603.28854 eqs. 7, 22-26; F1 arXiv:2502.06935; docs §3, §10.14"
    return ds
