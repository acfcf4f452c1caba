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
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..distributions import from_spec
from ..errors import ConfigMismatchError
from ..io import check_output_path, read_dataset, write_dataset
from ..io.qke import qke_dataset
from ..qke import QKEConfig, run_ensemble
from ..qke.checkpoint import CheckpointStore
from ..qke.evolve import _prepare, fingerprint

__all__ = ["run_qke", "checkpoint_dir"]


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
