"""Workflow ``qke``: SPEC -> QKE box ensemble -> qke.nc.

The SPEC is parsed once into a :class:`~flavomon.distributions.Distribution` and the
:class:`~flavomon.qke.QKEConfig` is resolved and validated once (:meth:`QKEConfig.resolve`), both
before any computation, and ``out`` is checked then too.  With ``out`` given:

* the run holds the advisory lock ``<out>.lock`` (:class:`flavomon.io.files.OutputLock`, the
  holder's pid inside) from before the checks to after the final write, so a second run on the
  same output stops at once with a one-line error naming the lock file and the pid (a lock left
  by a killed run is taken over with a note);
* checkpoints go to the folder ``<out>.ckpt`` (atomic, every realization file sealed with the
  run fingerprint and a checksum and validated on load, removed after the final file is written);
* what happens to an existing checkpoint is always asked for, never silent:

  - ``resume=True`` (``--resume``) continues from it, or returns the finished ``out`` unchanged if
    it was made for the same run (same :meth:`QKEConfig.identity`, compared by
    :func:`flavomon.io.files.fingerprint`); a different configuration raises
    ConfigMismatchError naming the differing keys, a damaged checkpoint a one-line error naming
    the file, and every existing file is left untouched;
  - ``restart=True`` (``--restart``, alias ``--overwrite``) discards it (flavomon's own files
    only: ``meta.json``, ``rNNNN.npz`` and their temporary files; other files stay) and starts
    afresh;
  - with neither, a run over an existing checkpoint is refused in one line and nothing changes.

  An existing finished ``out`` without a checkpoint is replaced by a new run (atomically, at the
  end), as with ``flavomon modes`` and ``flavomon qlt``.
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..distributions import Distribution, from_spec
from ..errors import ConfigMismatchError, FlavomonInputError, PhysicsWarning
from ..io import check_output_path, read_dataset, write_dataset
from ..io.files import OutputLock, canonical_json, fingerprint, require_same_config
from ..io.qke import qke_dataset
from ..linear import unstable_bands
from ..qke import CheckpointStore, QKEConfig
from ..qke import run_qke as _run_qke_numerics
from ._estimate import LONG_RUN_S, qke_seconds
from ._progress import SimTimeProgress, heads_up

__all__ = ["checkpoint_dir", "lock_file", "qke_to_file", "validate_checkpoint_every"]


MIN_BOX_MODES = 4
"""Fewest box modes inside the unstable bands before :func:`qke_to_file` warns (the F2 box holds 18 for a = 0.9)."""


def _warn_if_box_misses_bands(dist: Distribution, config: QKEConfig) -> None:
    """PhysicsWarning if the box modes K_n = 2 pi n / L (``|n| <= Nz/2``) cannot show the instability.

    Fewer than MIN_BOX_MODES box modes inside the unstable bands of the discrete (Nv-node) system,
    e.g. a weak distribution (its bands shrink with int|D|dv) in the default L = 100.  (Bands reaching
    beyond the grid's largest ``|K| = pi Nz / L`` are the resolution rule's business:
    :meth:`flavomon.qke.QKEConfig.resolve` warns.)  The bands come from :func:`flavomon.linear.unstable_bands`.
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
            stacklevel=4,
        )
    # bands beyond the grid's largest |K|: the resolution rule of QKEConfig.resolve warns (flavomon.qke.resolution)


def checkpoint_dir(out: str | os.PathLike) -> Path:
    """The checkpoint folder of output file ``out``: ``<out>.ckpt``."""
    return Path(str(out) + ".ckpt")


def lock_file(out: str | os.PathLike) -> Path:
    """The advisory lock file of output file ``out``: ``<out>.lock`` (holds the running run's pid)."""
    return Path(str(out) + ".lock")


def validate_checkpoint_every(value: Any) -> float:
    """``--checkpoint-every``: a finite number of seconds >= 0 (0: at every output); else a one-line error."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise FlavomonInputError(f"--checkpoint-every {value!r}: not a number of seconds") from None
    if isinstance(value, bool) or not math.isfinite(x) or x < 0:
        raise FlavomonInputError(
            f"--checkpoint-every {value!r}: must be a finite number of seconds >= 0 (0 checkpoints at every output)"
        )
    return x


def _note(msg: str) -> None:
    print(f"flavomon qke: note: {msg}", file=sys.stderr, flush=True)


def _finished_file(out: Path, identity: dict) -> xr.Dataset | None:
    """``--resume`` with no checkpoint: the finished ``out`` of this run, None if there is none; else an error."""
    if not out.exists():
        return None
    try:
        ds_old = read_dataset(out)
    except Exception as e:  # not netCDF, truncated, another format: never overwritten on --resume
        raise FlavomonInputError(
            f"--resume: {out} is not a readable qke.nc ({type(e).__name__}); refusing to overwrite it "
            f"(rerun with --restart to replace it)"
        ) from None
    if "qke_identity" not in ds_old.attrs:
        raise ConfigMismatchError(
            f"--resume: {out} carries no run identity (not a qke.nc of this flavomon); refusing to overwrite it"
        )
    if ds_old.attrs.get("qke_fingerprint") != fingerprint(identity):
        try:
            stored = json.loads(ds_old.attrs["qke_identity"])
        except (TypeError, ValueError):
            raise FlavomonInputError(f"--resume: {out} has a damaged run identity; rerun with --restart to replace it") from None
        require_same_config(stored, identity, what=f"--resume: {out}")
    return ds_old


def qke_to_file(
    distribution: Any,
    *,
    L: float = 100.0,
    Nz: int | str = "auto",
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
    restart: bool = False,
    progress: bool = True,
    command: str | None = None,
    checkpoint_every: float = 60.0,
    stepper: str = "bm4",
    psi_profile: Any = None,
    gradient: float = 0.0,
    matter: str | None = None,
    modulate: str | None = None,
    cell: float | None = None,
) -> xr.Dataset:
    """Run a QKE box ensemble [F2 eq. 4, docs §4] and return (and write) the qke.nc Dataset.

    Parameters
    ----------
    distribution : str, Distribution or callable
        Parsed once (:func:`flavomon.distributions.from_spec`).
    L, Nz, Nv, t_end, dt_out, realizations, seed, seed_power, dt, stepper, psi_profile, gradient
        The fields of :class:`flavomon.qke.QKEConfig` (``Nz="auto"``: the resolution rule of
        :mod:`flavomon.qke.resolution`, recorded in the file).
    matter, modulate, cell
        A z-dependent background (docs §12): :class:`flavomon.qke.QKEConfig` ``matter``, ``modulate``, ``cell``;
        checked (periodic in the box, cells dividing L, a finite modulated D) before any file is touched.
    backend : str, optional
        ``"numba"``, ``"jax"`` or ``"numpy"``; default :func:`flavomon.qke.default_backend` (the fastest installed).
    workers, checkpoint_every
        Passed to :func:`flavomon.qke.run_qke` (execution only: the numbers do not depend on them).
        ``checkpoint_every`` is wall seconds, finite and >= 0 (NaN, inf or negative: one-line error).
    out : str or os.PathLike, optional
        qke.nc to write (checked before computing, written atomically); checkpoints in ``<out>.ckpt``,
        the run's lock in ``<out>.lock``.
    resume : bool
        Continue from the checkpoint of ``out``, or return the finished ``out`` of the same run.
    restart : bool
        Discard the checkpoint of ``out`` (flavomon's files in ``<out>.ckpt`` only) and start afresh.
        Without ``resume`` or ``restart`` an existing checkpoint is an error (never deleted silently).
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
    if resume and restart:
        raise FlavomonInputError("--resume and --restart exclude each other: continue the checkpoint or discard it")
    checkpoint_every = validate_checkpoint_every(checkpoint_every)
    dist = from_spec(distribution)
    config = QKEConfig(
        L=L, Nz=Nz, Nv=Nv, t_end=t_end, dt_out=dt_out, realizations=realizations, seed=seed,
        seed_power=seed_power, dt=dt, backend=backend, stepper=stepper, gradient=gradient,
        psi_profile=None if psi_profile is None else tuple(np.asarray(psi_profile, dtype=float).ravel()),
        matter=matter, modulate=modulate, cell=cell,
    ).resolve(dist)  # NaN in D(v), automatic dt, dt above the stability limit: before anything else
    identity = config.identity()
    if out is None:
        return _run(dist, config, identity, None, None, workers=workers, resume=False, progress=progress,
                    command=command, checkpoint_every=checkpoint_every)
    out = check_output_path(out, inputs=_inputs(dist, config))
    ckpt = checkpoint_dir(out)
    with OutputLock(out, what="--out", note=_note, lock_path=lock_file(out)):
        store = CheckpointStore(ckpt, identity)
        if resume:
            # ConfigMismatchError for a foreign checkpoint, a one-line error for a damaged one
            if not store.check():
                ds_old = _finished_file(out, identity)
                if ds_old is not None:
                    return ds_old  # finished already
        elif restart:
            gone = store.discard()
            if gone:
                _note(f"--restart: discarded the checkpoint {ckpt} ({len(gone)} file(s))")
        elif store.exists():
            raise FlavomonInputError(
                f"{ckpt} holds the checkpoint of an unfinished run; continue it with --resume or discard it "
                f"with --restart (nothing was changed)"
            )
        return _run(dist, config, identity, out, ckpt, workers=workers, resume=resume, progress=progress,
                    command=command, checkpoint_every=checkpoint_every)


def _inputs(dist: Distribution, config: QKEConfig) -> tuple[str, ...]:
    """The run's input files (never overwritten by ``out``): the distribution's table and a matter table."""
    m = config.matter_profile
    return (dist.spec,) + ((m.spec,) if m is not None and m.kind == "table" else ())


def _run(dist, config, identity, out, ckpt, *, workers, resume, progress, command, checkpoint_every) -> xr.Dataset:
    """Compute the ensemble (checkpointing to ``ckpt``), build the Dataset, write ``out``."""
    _warn_if_box_misses_bands(dist, config)
    if progress:
        est = qke_seconds(config, workers)
        if est > LONG_RUN_S:
            w = min(config.realizations, workers or os.cpu_count() or 1)
            heads_up(est, f"qke {dist.name}", f"{config.realizations} realization(s) of t = {config.t_end:g} at "
                     f"Nz = {config.Nz}, Nv = {config.Nv} on {config.backend}, {w} worker(s)"
                     + ("; the numba back-end is about 3x faster" if config.backend == "numpy" else ""))
    with SimTimeProgress(config.realizations * config.t_end, desc=f"qke {dist.name}", disable=None if progress else True,
                         realizations=config.realizations) as bar:
        res = _run_qke_numerics(
            dist, config, workers=workers, checkpoint=ckpt, resume=resume, progress=bar if progress else None,
            checkpoint_every=checkpoint_every,
        )
    ds = qke_dataset(res, distribution=dist.spec, command=command)
    ds.attrs["qke_fingerprint"] = fingerprint(identity)
    ds.attrs["qke_identity"] = canonical_json(identity)
    if out is not None:
        write_dataset(ds, out, inputs=_inputs(dist, config))
        if ckpt is not None and res.status == "completed":
            CheckpointStore(ckpt, identity).remove()
    return ds
