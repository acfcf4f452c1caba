"""Atomic checkpoints of QKE ensembles (one ``.npz`` per realization in a folder).

Layout of a checkpoint folder::

    meta.json        {"fingerprint": ...}  — the physics configuration + D_v; resume refuses a mismatch
    r0000.npz        k (output intervals done), u (internal state at t_k), diagnostics t_0..t_{k-1},
                     done (bool), steps

Every file is written to a temporary name in the same folder and moved into place with
``os.replace``, so a kill at any moment leaves either the previous or the new checkpoint.
A state is only saved at an output boundary, so a resumed run repeats exactly the same
floating-point operations as an uninterrupted one (bit-identical results).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigMismatchError, FlavomonInputError

__all__ = ["CheckpointStore"]


def _atomic_write_bytes(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class CheckpointStore:
    """A checkpoint folder bound to one configuration fingerprint (a JSON-able dict)."""

    def __init__(self, directory: str | os.PathLike, fingerprint: dict[str, Any]) -> None:
        self.dir = Path(directory)
        self.fingerprint = json.loads(json.dumps(fingerprint, sort_keys=True))

    # -- folder lifecycle -------------------------------------------------------------------
    def check(self) -> bool:
        """True if a checkpoint for this configuration exists; ConfigMismatchError if one for another exists."""
        meta = self.dir / "meta.json"
        if not meta.exists():
            return False
        try:
            stored = json.loads(meta.read_text())["fingerprint"]
        except (OSError, ValueError, KeyError) as e:
            raise FlavomonInputError(f"checkpoint {self.dir} is unreadable: {e}") from None
        if stored != self.fingerprint:
            diff = sorted(k for k in set(stored) | set(self.fingerprint) if stored.get(k) != self.fingerprint.get(k))
            raise ConfigMismatchError(
                f"--resume: checkpoint {self.dir} was made with a different configuration (differs in: {', '.join(diff)})"
            )
        return True

    def create(self) -> None:
        """Start a fresh checkpoint folder (removes our own old files in it)."""
        try:
            self.dir.mkdir(parents=False, exist_ok=True)
        except OSError as e:
            raise FlavomonInputError(f"cannot create checkpoint folder {self.dir}: {e}") from None
        for p in self.dir.glob("r*.npz"):
            p.unlink()
        data = json.dumps({"fingerprint": self.fingerprint}, sort_keys=True).encode()
        _atomic_write_bytes(self.dir / "meta.json", lambda fh: fh.write(data))

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
        return self.dir / f"r{r:04d}.npz"

    def save(self, r: int, record: dict[str, Any]) -> None:
        arrays = {k: np.asarray(v) for k, v in record.items()}
        _atomic_write_bytes(self.path(r), lambda fh: np.savez(fh, **arrays))

    def load(self, r: int) -> dict[str, Any] | None:
        p = self.path(r)
        if not p.exists():
            return None
        with np.load(p) as z:
            return {k: z[k] for k in z.files}
