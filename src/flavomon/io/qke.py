"""qke.nc: the Dataset of a periodic-box QKE run.

Coordinates ``realization``, ``t``, ``v``, ``K`` (the Nz box wavenumbers 2 pi n / L, **sorted increasing**;
for even Nz the Nyquist mode, n = +-Nz/2 on the grid, is listed once as n = -Nz/2, docs §10.8).
Variables: ``w`` (v); ``D`` (realization, t, v) box-averaged D_v; ``D_mean``, ``D_std`` (t, v) over
realizations (std with ddof=1; 0 for one realization); ``power`` (realization, t, K) =
``|psi_{0,K}|^2`` per box mode; diagnostics ``D0_box`` (realization, t) and ``pol`` (realization, t, v) =
box average of ``D_v^2 + |psi_v|^2``; with a matter gradient G (attribute ``gradient``, 0 for the homogeneous
box) also ``K_phys`` (t, K) = K + G t, the physical wavenumber of each box mode (docs §11).  With a z-dependent
background (docs §12; attributes ``matter``, ``modulate`` — "none" when not given — and ``cell``, the cell width used)
also coords ``z_cell`` (cell centres) and ``K_cell`` (local wavenumbers 2 pi m / cell) and variables ``D_cell``
(realization, t, z_cell, v) cell averages of D_v(z), ``D_cell_mean`` (t, z_cell, v) over realizations and
``power_cell`` (realization, t, z_cell, K_cell), the local spectrum of the physical psi_0 per box mode (Hann window
over each cell); the homogeneous layout is unchanged.  Attributes: provenance (flavomon_version, command,
distribution, created, config) plus dt, stepper, order, dt_max, wall_time, power_normalization; the run identity
``qke_fingerprint``/``qke_identity`` is added by :func:`flavomon.workflows.qke.qke_to_file`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from ._netcdf import provenance_attrs

__all__ = ["qke_dataset"]


def qke_dataset(result: Any, *, distribution: str, command: str | None = None) -> xr.Dataset:
    """Dataset in the qke.nc layout from a :class:`flavomon.qke.QKEResult`."""
    r = result
    cfg = r.config
    D = np.asarray(r.D)
    std = D.std(axis=0, ddof=1) if D.shape[0] > 1 else np.zeros_like(D[0])
    ds = xr.Dataset(
        data_vars={
            "w": (("v",), r.w, {"long_name": "Gauss-Legendre weight"}),
            "D": (("realization", "t", "v"), D, {"long_name": "box-averaged D_v"}),
            "D_mean": (("t", "v"), D.mean(axis=0), {"long_name": "ensemble mean of box-averaged D_v"}),
            "D_std": (("t", "v"), std, {"long_name": "ensemble standard deviation (ddof=1) of box-averaged D_v"}),
            "power": (("realization", "t", "K"), r.power, {"long_name": "|psi_{0,K}|^2 per box mode"}),
            "D0_box": (("realization", "t"), r.D0, {"long_name": "box-averaged D_0 (conserved)"}),
            "pol": (("realization", "t", "v"), r.pol, {"long_name": "box average of D_v^2 + |psi_v|^2"}),
        },
        coords={
            "realization": ("realization", np.asarray(r.realization, dtype=np.int64)),
            "t": ("t", r.t, {"units": "1/mu"}),
            "v": ("v", r.v),
            "K": ("K", r.K, {"units": "mu", "long_name": "box wavenumber 2 pi n / L, sorted"}),
        },
    )
    cfg_d = cfg.as_dict()
    ds.attrs.update(
        provenance_attrs(
            distribution=distribution,
            config=cfg_d,
            command=command,
            kind="qke",
            dt=float(r.dt),
            stepper=r.stepper,
            order=int(r.order),
            dt_max=float(r.dt_max),
            wall_time=float(r.wall_time),
            steps=int(r.steps),
            status=r.status,
            power_normalization=(
                "power per box mode |psi_{0,K}|^2 with psi_0(z) = sum_K psi_{0,K} exp(iKz), K = 2 pi n / L; "
                "spectral density P(K) = (L / 2 pi) power"
            ),
            seed_convention=(
                "realization r uses numpy.random.default_rng(seed + r); phases drawn in mode order 0,1,-1,2,-2,...; "
                "all Nz modes seeded (Nyquist labelled n=-Nz/2); K=0 seeded unless seed_K0 is false"
            ),
        )
    )
    ds.attrs["L"] = float(cfg.L)
    G = float(getattr(cfg, "gradient", 0.0))
    ds.attrs["gradient"] = G
    if G != 0.0:  # the drifting-wavenumber box (docs §11): mode K has the physical wavenumber K + G t
        ds["K_phys"] = (("t", "K"), np.asarray(r.K)[None, :] + G * np.asarray(r.t)[:, None],
                        {"units": "mu", "long_name": "physical wavenumber K_n(t) = K_n + G t of box mode K_n (docs §11)"})
    if getattr(r, "z_cell", None) is not None:  # a z-dependent background: z-resolved cells (docs §12)
        ds = ds.assign_coords(
            z_cell=("z_cell", np.asarray(r.z_cell), {"units": "1/mu", "long_name": "cell centre"}),
            K_cell=("K_cell", np.asarray(r.K_cell), {"units": "mu", "long_name": "local wavenumber 2 pi m / cell width"}),
        )
        Dc = np.asarray(r.D_cell)
        ds["D_cell"] = (("realization", "t", "z_cell", "v"), Dc, {"long_name": "cell average of D_v(z)"})
        ds["D_cell_mean"] = (("t", "z_cell", "v"), Dc.mean(axis=0),
                             {"long_name": "ensemble mean of the cell average of D_v(z)"})
        ds["power_cell"] = (("realization", "t", "z_cell", "K_cell"), np.asarray(r.power_cell), {
            "long_name": "local power spectrum of the physical psi_0 per box mode (Hann window over each cell)"})
        ds.attrs["matter"] = cfg.matter if cfg.matter is not None else "none"
        ds.attrs["modulate"] = cfg.modulate if cfg.modulate is not None else "none"
        ds.attrs["cell"] = float(cfg.L) / int(np.size(r.z_cell))  # the cell width used (given or default)
        ds.attrs["power_cell_normalization"] = (
            "power_cell = |sum_cell W psi_0 exp(-i K_cell z) dz / cell|^2 (cell / L) / mean(W^2), W the Hann window "
            "sin^2(pi (z - z_start) / cell): for a statistically homogeneous field with power p per box mode "
            "(K = 2 pi n / L) its expectation is p")
    if cfg.is_resolved:  # how the z resolution was chosen (the rule of flavomon.qke.resolution)
        ds.attrs.update(cfg.resolution_record())
    return ds
