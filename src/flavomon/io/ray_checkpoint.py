"""The checkpoint file of a ray-tracing QLT run (``flavomon qlt`` with a background, docs §12).

One ``.npz`` beside the output, ``OUT.ckpt.npz``, holding the state after an output time
(:func:`flavomon.qlt.raytrace.run_ray_tracing` lists it: every array its loop carries, and the records so far),
sealed with the run's fingerprint (the configuration, the distribution and flavomon's version) and a checksum of
every array; it is saved every minute or so, and when Ctrl-C or SIGTERM stops the run (the state of its last
output).  It is written with :func:`flavomon._files.atomic_write` (temporary name, ``fsync``, ``os.replace``),
so a kill at any moment leaves the previous checkpoint or the new one; a state is only taken at an output time, so
a resumed run repeats the same floating-point operations as an uninterrupted one (bit-identical results, tested).
A file that is not a regular file, does not unzip, belongs to another run or fails its checksum is never used: a
one-line :class:`~flavomon.errors.FlavomonInputError` names it and ``--restart``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from .._files import array_checksum, atomic_write, fingerprint, read_npz
from ..errors import FlavomonInputError

__all__ = ["RayCheckpoint", "checkpoint_path"]

_SEAL = ("_run", "_sha256")


def checkpoint_path(out: str | os.PathLike) -> Path:
    """The checkpoint file of the output ``out``: ``OUT.ckpt.npz``."""
    return Path(str(out) + ".ckpt.npz")


class RayCheckpoint:
    """Resume and checkpoints of one ray-tracing run (the ``checkpoint`` object of
    :func:`flavomon.qlt.run_qlt`).

    Parameters
    ----------
    path : path
        The checkpoint file.
    identity : Mapping
        What makes the run this run (its fingerprint seals the file).
    every : float
        Seconds of wall time between saves (at the next output time); 0 saves at every output.
    now : callable
        The clock (``time.monotonic``; tests pass their own).
    """

    def __init__(self, path: str | os.PathLike, identity: Mapping[str, Any], every: float = 60.0,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self.fingerprint = fingerprint(identity)
        self.every = float(every)
        self._now = now
        self._last = now()
        self._gap = self.every
        self.resume_state: dict[str, Any] | None = None

    def exists(self) -> bool:
        """True if something is at the path; a one-line error if it is neither a file nor a link (a folder, a
        FIFO: not flavomon's, never used or removed)."""
        p = self.path
        if p.exists() and not p.is_symlink() and not p.is_file():
            raise FlavomonInputError(f"checkpoint path {p} is not a file; flavomon uses and removes only its own "
                                     f"files: remove it yourself")
        return p.exists() or p.is_symlink()

    def _damaged(self, why: str) -> FlavomonInputError:
        return FlavomonInputError(f"checkpoint file {self.path} is damaged ({why}); discard it with --restart")

    def load(self) -> dict[str, Any]:
        """The validated state in the file (also kept as :attr:`resume_state`)."""
        p = self.path
        if p.is_symlink() or not p.is_file():
            raise FlavomonInputError(f"checkpoint {p} is a link or not a regular file; links are not followed: "
                                     f"discard it with --restart")
        data, why = read_npz(p)
        if data is None:
            raise self._damaged(why)
        if any(k not in data for k in _SEAL):
            raise self._damaged("no seal")
        if str(data["_run"]) != self.fingerprint:
            raise FlavomonInputError(f"--resume: checkpoint {p} was made by another run (another configuration, "
                                     f"distribution or flavomon version); discard it with --restart")
        if str(data["_sha256"]) != array_checksum({k: v for k, v in data.items() if k != "_sha256"}):
            raise self._damaged("checksum mismatch")
        self.resume_state = {k: v for k, v in data.items() if k not in _SEAL}
        return self.resume_state

    def save(self, state: Mapping[str, Any]) -> None:
        """Write ``state`` atomically, sealed."""
        arrays = {k: np.asarray(v) for k, v in state.items()}
        arrays["_run"] = np.asarray(self.fingerprint)
        arrays["_sha256"] = np.asarray(array_checksum(arrays))

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

        try:
            atomic_write(self.path, write)
        except OSError as e:
            raise FlavomonInputError(f"cannot write checkpoint file {self.path}: {e.strerror or e}") from None

    def at_output(self, i: int, snapshot: Callable[[], Mapping[str, Any]]) -> None:
        """Called by the run after output ``i``: save when :attr:`every` seconds have passed since the last save,
        and at least 10 times as long as that save took (the records grow with the run: saving stays under ~10 %
        of the wall time)."""
        t = self._now()
        if t - self._last >= self._gap:
            self.save(snapshot())
            self._last = self._now()
            self._gap = max(self.every, 10.0 * (self._last - t))

    def on_interrupt(self, snapshot: Callable[[], Mapping[str, Any]]) -> None:
        """Called by the run when Ctrl-C or SIGTERM stops it: save the state of its last output now (nothing computed
        up to there is lost; a kill during the save leaves the previous checkpoint, the write being atomic)."""
        self.save(snapshot())

    def remove(self) -> None:
        """Delete the file (after the output is written, or for ``--restart``); a link is removed, not followed; a
        folder or other non-file at the path is left alone with a one-line error."""
        p = self.path
        if not self.exists():
            return
        try:
            p.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            raise FlavomonInputError(f"cannot remove checkpoint file {p}: {e.strerror or e}") from None
