"""Workflow ``qlt``: SPEC -> quasi-linear theory -> qlt.nc.

The SPEC is parsed once into a :class:`~flavomon.distributions.Distribution`, the
:class:`~flavomon.qlt.QLTConfig` is built once, and every input (SPEC, numbers, ``out``) is
validated *before* any computation, so bad input raises
:class:`~flavomon.errors.FlavomonInputError` and writes no file.  A distribution with no
unstable root on the grid is an error here ("nothing to evolve"); the library call
:func:`flavomon.qlt.run_qlt` instead returns the unchanged state with ``status == "stable"``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from typing import Any

import numpy as np
import xarray as xr

from .._version import __version__
from ..distributions import from_spec
from ..errors import FlavomonInputError
from ..grids import VelocityGrid
from ..io import check_output_path, write_dataset
from ..io.files import OutputLock
from ..io.ray_checkpoint import RayCheckpoint, checkpoint_path
from ..io.qlt import qlt_dataset
from ..linear import growth_rate_max
from ..qlt import QLTConfig
from ..qlt import run_qlt as _run_qlt_numerics
from ._progress import SimTimeProgress
from .qke import lock_file, validate_checkpoint_every

__all__ = ["qlt_to_file"]


def qlt_to_file(
    distribution: Any,
    *,
    Nv: int = 100,
    n_K: int = 600,
    k_min: float = -2.0,
    k_max: float = 2.0,
    t_end: float = 500.0,
    seed_power: float = 1e-13,
    L: float = 100.0,
    resonant: bool = False,
    dt_out: float = 1.0,
    out: str | os.PathLike | None = None,
    progress: bool = True,
    command: str | None = None,
    resume: bool = False,
    restart: bool = False,
    checkpoint_every: float = 60.0,
    **options: Any,
) -> xr.Dataset:
    """Run full (or resonant) QLT [F2 eqs. 9–13, 24, 27–30] and return (and write) qlt.nc.

    Parameters are those of :class:`flavomon.qlt.QLTConfig` (``options`` passes the
    numerical ones: rtol, atol, gamma_stop, psi_profile, ...).  ``out`` is checked before
    computing; the file is written atomically.

    A ray-tracing run (a background, docs §12) with an ``out`` keeps a checkpoint beside it,
    ``OUT.ckpt.npz`` (:mod:`flavomon.io.ray_checkpoint`), saved at the first output time after every
    ``checkpoint_every`` seconds and when Ctrl-C or SIGTERM stops the run, and removed once ``out`` is written.  A killed run continues with
    ``resume=True`` (bit-identical to an uninterrupted one); ``restart=True`` discards the checkpoint;
    with neither, an existing checkpoint is an error (it is never overwritten silently).

    Raises
    ------
    FlavomonInputError
        Bad SPEC or parameter, non-positive seed power, unwritable ``out``, a distribution
        with no unstable mode (nothing to evolve), or a K grid that misses the unstable band.
    """
    dist = from_spec(distribution)
    config = QLTConfig(
        Nv=Nv, n_K=n_K, k_min=k_min, k_max=k_max, t_end=t_end, seed_power=seed_power, L=L,
        resonant=resonant, dt_out=dt_out, **options,
    )
    if out is None:
        _checkpoint(dist, config, None, resume, restart, checkpoint_every)  # (only checks the arguments)
        return _qlt(dist, config, None, None, progress, command)
    out = check_output_path(out, inputs=(dist.spec,))
    # two runs never write the same output (or its checkpoint): the advisory lock OUT.lock, as the QKE's
    with OutputLock(out, what="--out", note=_note, lock_path=lock_file(out)):
        ck = _checkpoint(dist, config, out, resume, restart, checkpoint_every)
        return _qlt(dist, config, out, ck, progress, command)


def _note(msg: str) -> None:
    print(f"flavomon qlt: note: {msg}", file=sys.stderr, flush=True)


def _qlt(dist: Any, config: QLTConfig, out: Any, ck: RayCheckpoint | None, progress: bool,
         command: str | None) -> xr.Dataset:
    """The run, its checks and its file (``out`` locked by the caller)."""
    resonant, Nv, k_min, k_max = config.resonant, config.Nv, config.k_min, config.k_max
    with SimTimeProgress(config.t_end, desc=f"qlt {dist.name}", disable=None if progress else True) as bar:
        res = _run_qlt_numerics(dist, config, progress=bar if progress else None, checkpoint=ck)
    if res.status == "stable":
        if resonant:
            g, K_at, _ = growth_rate_max(dist, Nv=Nv)
            if g > 0:
                # unstable, but no velocity node is both resonant with a growing mode and on the
                # side the rule flips (docs §6): resonant QLT has nothing to do, full QLT does
                raise FlavomonInputError(
                    f"resonant QLT has nothing to evolve for {dist.spec}: it is unstable (gamma_max = {g:.4g} "
                    f"at K = {K_at:.4g}), but no velocity node on the flipped side of a crossing is resonant "
                    f"with a growing mode of k in [{k_min:g}, {k_max:g}]; the instability is not of the weak "
                    f"resonant kind, use full QLT (leave out --resonant)"
                )
        raise FlavomonInputError(
            f"distribution {dist.spec} is stable (no flavor mode grows at any K): nothing to evolve"
        )
    ds = qlt_dataset(res, distribution=dist.spec, command=command)
    if resonant and res.final_state is not None:
        # the t -> infinity prediction of resonant QLT (F2's grey curve) beside the dynamics,
        # which at a finite t_end has not finished where the resonant growth is slow; computed
        # by the run from the same resonant branch
        fs = res.final_state
        ds["D_final_state"] = (("v",), fs.D_final, {
            "long_name": "final state of resonant QLT (t -> infinity) [F2 eqs. 27-29, docs §6]",
        })
        ds["flipped"] = (("v",), fs.flipped.astype("int8"), {
            "long_name": "1 where resonant QLT flips D_v to 0 (resonant edges of unstable bands)",
        })
        ds["power_final_state"] = (("K",), fs.power_final, {
            "long_name": "final |psi_0K|^2 per box mode of resonant QLT (t -> infinity)",
        })
        ds.attrs["resonant_invariant_error"] = float(fs.invariant_error)
    if out is not None:
        write_dataset(ds, out, inputs=(dist.spec,))
    if ck is not None:
        ck.remove()
    return ds


def _checkpoint(dist: Any, config: QLTConfig, out: Any, resume: bool, restart: bool,
                every: float) -> RayCheckpoint | None:
    """The checkpoint of a ray-tracing run with an output file (None otherwise), loaded for ``resume``."""
    if resume and restart:
        raise FlavomonInputError("give --resume or --restart, not both")
    if not config.has_background or out is None:
        validate_checkpoint_every(every)
        if resume or restart:
            raise FlavomonInputError("--resume and --restart are for ray-tracing runs (--matter, --modulate or "
                                     "--cell) with an output file; a homogeneous QLT run keeps no checkpoint")
        return None
    every = validate_checkpoint_every(every)
    grid = VelocityGrid(config.Nv)
    identity = {"config": dataclasses.asdict(config), "distribution": dist.spec, "version": __version__,
                "D_v_sha256": hashlib.sha256(np.ascontiguousarray(dist.on_grid(grid.v), dtype="<f8")).hexdigest()}
    ck = RayCheckpoint(checkpoint_path(out), identity, every=every)
    if ck.exists():
        if restart:
            ck.remove()
            _note(f"--restart: discarded the checkpoint {ck.path}")
        elif resume:
            st = ck.load()
            i = int(st["i_out"])
            _note(f"--resume: continuing from the checkpoint {ck.path} at t = {float(st['t_out'][i]):g}")
        else:
            raise FlavomonInputError(
                f"{ck.path} holds the checkpoint of an unfinished run of this output: continue it with --resume "
                f"or discard it with --restart")
    elif resume:
        _note(f"--resume: no checkpoint {ck.path} (the run never reached its first save): starting afresh")
    return ck
