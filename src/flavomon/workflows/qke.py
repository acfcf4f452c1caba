"""Workflow ``qke``: SPEC -> QKE box ensemble -> qke.nc.

The SPEC is parsed once into a :class:`~flavomon.distributions.Distribution` and the
:class:`~flavomon.qke.QKEConfig` is resolved and validated once (:meth:`QKEConfig.resolve`), both
before any computation, and ``out`` is checked then too.  With ``out`` given, checkpoints go to
the folder ``<out>.ckpt`` (atomic, removed after the final file is written); ``resume=True``
continues from it, or returns the finished file unchanged if it was made for the same run (same
:meth:`QKEConfig.identity`, compared by :func:`flavomon.io.files.fingerprint`); a different
configuration raises ConfigMismatchError naming the differing keys and leaves every existing file
untouched.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..distributions import Distribution, from_spec
from ..errors import ConfigMismatchError, PhysicsWarning
from ..io import check_output_path, read_dataset, write_dataset
from ..io.files import canonical_json, fingerprint, require_same_config
from ..io.qke import qke_dataset
from ..linear import unstable_bands
from ..qke import CheckpointStore, QKEConfig
from ..qke import run_qke as _run_qke_numerics
from ._progress import SimTimeProgress

__all__ = ["checkpoint_dir", "qke_to_file"]


MIN_BOX_MODES = 4
"""Fewest box modes inside the unstable bands before :func:`qke_to_file` warns (the F2 box holds 18 for a = 0.9)."""


def _warn_if_box_misses_bands(dist: Distribution, config: QKEConfig) -> None:
    """PhysicsWarning if the box modes K_n = 2 pi n / L (``|n| <= Nz/2``) cannot show the instability.

    Two cases: fewer than MIN_BOX_MODES box modes inside the unstable bands of the discrete
    (Nv-node) system, e.g. a weak distribution (its bands shrink with int|D|dv) in the default
    L = 100; or bands reaching beyond the grid's largest ``|K| = pi Nz / L``.  The bands come from
    :func:`flavomon.linear.unstable_bands`.
    """
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


def qke_to_file(
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
    backend: str | None = None,
    workers: int | None = None,
    out: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = True,
    command: str | None = None,
    checkpoint_every: float = 60.0,
    stepper: str = "bm4",
    psi_profile: Any = None,
) -> xr.Dataset:
    """Run a QKE box ensemble [F2 eq. 4, docs §4] and return (and write) the qke.nc Dataset.

    Parameters
    ----------
    distribution : str, Distribution or callable
        Parsed once (:func:`flavomon.distributions.from_spec`).
    L, Nz, Nv, t_end, dt_out, realizations, seed, seed_power, dt, stepper, psi_profile
        The fields of :class:`flavomon.qke.QKEConfig`.
    backend : str, optional
        ``"numpy"`` or ``"jax"``; default :func:`flavomon.qke.default_backend` (the fastest installed).
    workers, checkpoint_every
        Passed to :func:`flavomon.qke.run_qke` (execution only: the numbers do not depend on them).
    out : str or os.PathLike, optional
        qke.nc to write (checked before computing, written atomically); checkpoints in ``<out>.ckpt``.
    resume : bool
        Continue from the checkpoint of ``out``, or return the finished ``out`` of the same run.
    progress : bool
        Show a progress bar on stderr.
    command : str, optional
        The command line recorded in the file.

    Returns
    -------
    xarray.Dataset
        The qke.nc layout (:func:`flavomon.io.qke.qke_dataset`) with the run identity in the
        attributes ``qke_fingerprint`` (SHA-256) and ``qke_identity`` (canonical JSON).
    """
    dist = from_spec(distribution)
    config = QKEConfig(
        L=L, Nz=Nz, Nv=Nv, t_end=t_end, dt_out=dt_out, realizations=realizations, seed=seed,
        seed_power=seed_power, dt=dt, backend=backend, stepper=stepper,
        psi_profile=None if psi_profile is None else tuple(np.asarray(psi_profile, dtype=float).ravel()),
    ).resolve(dist)  # NaN in D(v), automatic dt, dt above the stability limit: before anything else
    identity = config.identity()
    ckpt = None
    if out is not None:
        out = check_output_path(out, inputs=(dist.spec,))
        ckpt = checkpoint_dir(out)
        if resume:
            has_ckpt = CheckpointStore(ckpt, identity).check()  # ConfigMismatchError for a foreign checkpoint
            if not has_ckpt and out.exists():
                ds_old = read_dataset(out)
                if "qke_identity" not in ds_old.attrs:
                    raise ConfigMismatchError(
                        f"--resume: {out} carries no run identity (not a qke.nc of this flavomon); refusing to overwrite it"
                    )
                if ds_old.attrs.get("qke_fingerprint") != fingerprint(identity):
                    require_same_config(json.loads(ds_old.attrs["qke_identity"]), identity, what=f"--resume: {out}")
                return ds_old  # finished already
    _warn_if_box_misses_bands(dist, config)
    with SimTimeProgress(config.realizations * config.t_end, desc=f"qke {dist.name}", disable=None if progress else True) as bar:
        res = _run_qke_numerics(
            dist, config, workers=workers, checkpoint=ckpt, resume=resume, progress=bar if progress else None,
            checkpoint_every=checkpoint_every,
        )
    ds = qke_dataset(res, distribution=dist.spec, command=command)
    ds.attrs["qke_fingerprint"] = fingerprint(identity)
    ds.attrs["qke_identity"] = canonical_json(identity)
    if out is not None:
        write_dataset(ds, out, inputs=(dist.spec,))
        if ckpt is not None and res.status == "completed":
            CheckpointStore(ckpt, identity).remove()
    return ds
