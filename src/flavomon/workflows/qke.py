"""Workflow ``qke``: SPEC -> QKE box ensemble -> qke.nc (INTERFACES.md).

All input is validated and ``out`` is checked before any computation.  With ``out`` given,
checkpoints go to the folder ``<out>.ckpt`` (atomic, removed after the final file is written);
``resume=True`` continues from it, or returns the finished file unchanged if it was made with
the same configuration; a different configuration raises ConfigMismatchError and leaves every
existing file untouched.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..distributions import from_spec
from ..errors import ConfigMismatchError, PhysicsWarning
from ..io import check_output_path, read_dataset, write_dataset
from ..io.qke import qke_dataset
from ..qke import QKEConfig, run_ensemble
from ..qke.checkpoint import CheckpointStore
from ..qke.evolve import _prepare, fingerprint

__all__ = ["run_qke", "checkpoint_dir"]


MIN_BOX_MODES = 4
"""Fewest box modes inside the unstable bands before ``run_qke`` warns (the F2 box holds 18 for a = 0.9)."""


def _warn_if_box_misses_bands(dist: Any, config: QKEConfig) -> None:
    """PhysicsWarning if the box modes K_n = 2 pi n / L (|n| <= Nz/2) cannot show the instability.

    Two cases: fewer than MIN_BOX_MODES box modes inside the unstable bands of the discrete
    (Nv-node) system, e.g. a weak distribution (its bands shrink with int|D|dv) in the default
    L = 100; or bands reaching beyond the grid's largest |K| = pi Nz / L.  The bands come from
    :func:`flavomon.linear.unstable_bands`.
    """
    from ..linear import unstable_bands

    bands = unstable_bands(dist, Nv=config.Nv)
    if not bands:
        return
    K_box = config.box().K
    dK = 2 * np.pi / config.L
    where = ", ".join(f"K in [{b.K_lo:.4g}, {b.K_hi:.4g}]" for b in bands)
    n_in = sum(int(np.count_nonzero((K_box >= b.K_lo) & (K_box <= b.K_hi))) for b in bands)
    if n_in < MIN_BOX_MODES:
        width = max(b.K_hi - b.K_lo for b in bands)
        warnings.warn(
            f"only {n_in} box mode(s) (spacing 2 pi/L = {dK:.3g}) lie in the unstable band(s) {where}: this "
            f"box can hardly show the instability; a box of L >= {2 * np.pi * 2 * MIN_BOX_MODES / width:.3g} "
            f"holds about {2 * MIN_BOX_MODES} modes in the widest band (raise Nz with L to keep the resolution)",
            PhysicsWarning,
            stacklevel=3,
        )
    K_top = float(np.max(np.abs(K_box)))
    beyond = [b for b in bands if max(abs(b.K_lo), abs(b.K_hi)) > K_top]
    if beyond:
        K_far = max(max(abs(b.K_lo), abs(b.K_hi)) for b in beyond)
        warnings.warn(
            f"the unstable band(s) {', '.join(f'K in [{b.K_lo:.4g}, {b.K_hi:.4g}]' for b in beyond)} reach "
            f"beyond the grid's largest |K| = pi Nz/L = {K_top:.3g}: modes there are not represented; raise "
            f"Nz (Nz >= {2 * int(np.ceil(K_far * config.L / np.pi))} resolves them twice over)",
            PhysicsWarning,
            stacklevel=3,
        )


def checkpoint_dir(out: str | os.PathLike) -> Path:
    """The checkpoint folder of output file ``out``: ``<out>.ckpt``."""
    return Path(str(out) + ".ckpt")


def run_qke(
    distribution: Any,
    *,
    L: float = 100.0,
    Nz: int = 700,
    Nv: int = 100,
    t_end: float = 500.0,
    dt_out: float = 1.0,
    realizations: int = 20,
    seed: int = 0,
    seed_power: float = 1e-13,
    dt: float | None = None,
    backend: str = "numpy",
    workers: int | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = True,
    command: str | None = None,
    checkpoint_every: float = 60.0,
    stepper: str = "bm4",
    psi_profile: Any = None,
) -> xr.Dataset:
    """Run a QKE box ensemble [F2 eq. 4, physics.md §4] and return (and write) the qke.nc Dataset."""
    dist = from_spec(distribution)
    config = QKEConfig(
        L=L, Nz=Nz, Nv=Nv, t_end=t_end, dt_out=dt_out, realizations=realizations, seed=seed,
        seed_power=seed_power, dt=dt, backend=backend, stepper=stepper,
        psi_profile=None if psi_profile is None else tuple(np.asarray(psi_profile, dtype=float).ravel()),
    )
    D_v = dist.on_grid(config.vgrid().v)
    config, _ = _prepare(D_v, config)  # NaN in D(v), automatic dt, dt above the stability limit
    fp = fingerprint(D_v, config)
    ckpt = None
    if out is not None:
        out = check_output_path(out)
        ckpt = checkpoint_dir(out)
        if resume:
            store = CheckpointStore(ckpt, fp)
            has_ckpt = store.check()  # ConfigMismatchError for a foreign checkpoint
            if not has_ckpt and out.exists():
                ds_old = read_dataset(out)
                old_fp = json.loads(ds_old.attrs.get("qke_fingerprint", "null"))
                if old_fp != json.loads(json.dumps(fp, sort_keys=True)):
                    raise ConfigMismatchError(
                        f"--resume: {out} was made with a different configuration; refusing to overwrite it"
                    )
                return ds_old  # finished already
    _warn_if_box_misses_bands(dist, config)
    prog_cm = None
    cb = None
    if progress:
        from ._progress import SimTimeProgress

        prog_cm = SimTimeProgress(config.realizations * config.t_end, desc=f"qke {dist.name}")
        cb = prog_cm.__enter__()
    try:
        res = run_ensemble(
            dist, config, workers=workers, checkpoint=ckpt, resume=resume, progress=cb,
            checkpoint_every=checkpoint_every,
        )
    finally:
        if prog_cm is not None:
            prog_cm.__exit__(None, None, None)
    ds = qke_dataset(res, distribution=dist.spec, command=command)
    ds.attrs["qke_fingerprint"] = json.dumps(fp, sort_keys=True)
    if out is not None:
        write_dataset(ds, out)
        if ckpt is not None and res.status == "completed":
            CheckpointStore(ckpt, fp).remove()
    return ds
