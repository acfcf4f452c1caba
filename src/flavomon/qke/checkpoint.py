"""Atomic checkpoints of QKE ensembles (one ``.npz`` per realization in a folder).

Layout of a checkpoint folder::

    meta.json        {"fingerprint": sha256, "config": {...}}  — the run identity
                     (:meth:`flavomon.qke.QKEConfig.identity`: physics configuration, step, D_v);
                     resume refuses a mismatch and names the differing keys
    r0000.npz        k (output intervals done), u (internal state at t_k), diagnostics t_0..t_{k-1},
                     done (bool)

Every file is written with :func:`flavomon._files.atomic_write` (temporary name in the same
folder, ``fsync``, ``os.replace``), so a kill at any moment leaves either the previous or the new
checkpoint.  A state is only saved at an output boundary, so a resumed run repeats exactly the
same floating-point operations as an uninterrupted one (bit-identical results).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .._files import atomic_write, atomic_write_text, canonical, canonical_json, fingerprint, require_same_config
from ..errors import FlavomonInputError

__all__ = ["CheckpointStore"]


class CheckpointStore:
    """A checkpoint folder bound to one run identity.

    Parameters
    ----------
    directory : str or os.PathLike
        The folder (created by :meth:`create`; its parent must exist).
    identity : Mapping
        Everything that determines the numbers (:meth:`flavomon.qke.QKEConfig.identity`); its
        :func:`flavomon._files.fingerprint` is stored in ``meta.json``.

    Notes
    -----
    The store is a small picklable value (folder and identity), so worker processes rebuild
    nothing: the ensemble driver hands the same store to each of them.
    """

    def __init__(self, directory: str | os.PathLike, identity: Mapping[str, Any]) -> None:
        self.dir = Path(directory)
        self.identity = canonical(identity)
        self.fingerprint = fingerprint(self.identity)

    # -- folder lifecycle -------------------------------------------------------------------
    def _check_folder(self) -> None:
        """The folder is a real folder or absent: never a symbolic link (not followed) or a file."""
        if self.dir.is_symlink():
            raise FlavomonInputError(f"checkpoint folder {self.dir} is a symbolic link; links are not followed")
        if self.dir.exists() and not self.dir.is_dir():
            raise FlavomonInputError(f"checkpoint folder {self.dir} exists and is not a folder")

    def check(self) -> bool:
        """True if a checkpoint of this run exists; ConfigMismatchError if one of another run exists."""
        self._check_folder()
        meta = self.dir / "meta.json"
        if not meta.exists():
            return False
        try:
            stored = json.loads(meta.read_text())
            fp, cfg = stored["fingerprint"], stored["config"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise FlavomonInputError(f"checkpoint {self.dir} is unreadable: {e}") from None
        if fp != self.fingerprint:
            require_same_config(cfg, self.identity, what=f"--resume: checkpoint {self.dir}")
            # same configuration but another fingerprint: a checkpoint of an older format
            raise FlavomonInputError(f"checkpoint {self.dir} has an unknown fingerprint; remove it to start afresh")
        return True

    def create(self) -> None:
        """Start a fresh checkpoint folder (removes our own old files in it)."""
        self._check_folder()
        try:
            self.dir.mkdir(parents=False, exist_ok=True)
        except OSError as e:
            raise FlavomonInputError(f"cannot create checkpoint folder {self.dir}: {e}") from None
        for p in self.dir.glob("r*.npz"):
            p.unlink()
        meta = {"fingerprint": self.fingerprint, "config": self.identity}
        atomic_write_text(self.dir / "meta.json", canonical_json(meta))

    def remove(self) -> None:
        """Delete the checkpoint folder after a successful run (only the files it made)."""
        for p in list(self.dir.glob("r*.npz")) + [self.dir / "meta.json"]:
            try:
                p.unlink()
            except FileNotFoundError:
                pass
        for p in self.dir.glob(".*.tmp"):
            p.unlink()
        try:
            self.dir.rmdir()
        except OSError:
            pass

    # -- per-realization records ---------------------------------------------------------------
    def path(self, r: int) -> Path:
        """The file of realization ``r``."""
        return self.dir / f"r{r:04d}.npz"

    def save(self, r: int, record: dict[str, Any]) -> None:
        """Store the record of realization ``r`` atomically."""
        arrays = {k: np.asarray(v) for k, v in record.items()}

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

        atomic_write(self.path(r), write)

    def load(self, r: int) -> dict[str, Any] | None:
        """The record of realization ``r``, or None if there is none."""
        p = self.path(r)
        if not p.exists():
            return None
        with np.load(p) as z:
            return {k: z[k] for k in z.files}
