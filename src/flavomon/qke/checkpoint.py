"""Atomic, self-checking checkpoints of QKE ensembles (one ``.npz`` per realization in a folder).

Layout of a checkpoint folder::

    meta.json        {"fingerprint": sha256, "config": {...}}  — the run identity
                     (:meth:`flavomon.qke.QKEConfig.identity`: physics configuration, step, D_v);
                     resume refuses a mismatch and names the differing keys
    r0000.npz        k (output intervals done), u (internal state at t_k), diagnostics t_0..t_{k-1}
                     (with a z-dependent background also the cell records D_cell, power_cell, docs §12),
                     done (bool), and its own seal: _run (the run fingerprint), _r (the realization
                     index) and _sha256 (checksum of every other array: name, dtype, shape, bytes)

Every file is written with :func:`flavomon._files.atomic_write` (temporary name in the same
folder, ``fsync``, ``os.replace``), so a kill at any moment leaves either the previous or the new
checkpoint.  A state is only saved at an output boundary, so a resumed run repeats exactly the
same floating-point operations as an uninterrupted one (bit-identical results).

Every realization file is validated when it is read (:meth:`CheckpointStore.load`, and all of
them at once by :meth:`CheckpointStore.check`): it must be a regular file, unzip, carry this run's
fingerprint and its own index, match its checksum, and hold values a run can have (``0 <= k <=
n_out``, the state's shape ``(3, Nv, Nz)`` and finite, the diagnostics of the outputs done
finite, a finished record with every output filled).  A file that fails is never used: the
one-line :class:`~flavomon.errors.FlavomonInputError` names it and the way out (``--restart``
discards the checkpoint).  So a realization file of another run, a truncated or bit-flipped file
and a file that unzips but holds impossible values can never be mixed into a result.

Only flavomon's own files are ever deleted (``meta.json``, ``rNNNN.npz`` and their temporary
files); anything else in the folder is left alone, and the folder is removed only when empty.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .._files import (array_checksum, atomic_write, atomic_write_text, canonical, canonical_json, config_diff,
                      fingerprint, read_npz)
from ..errors import ConfigMismatchError, FlavomonInputError
from .state import seeded_modes

__all__ = ["CheckpointStore", "RESTART_HINT"]

RESTART_HINT = "discard the checkpoint with --restart (restart=True) to start afresh"
"""The way out named by every damaged-checkpoint error."""

_RECORD = re.compile(r"^r(\d{4,})\.npz$")
_OWN_TMP = re.compile(r"^\.(meta\.json|r\d{4,}\.npz)\..*\.tmp$")
_SEAL = ("_run", "_r", "_sha256")
_FIELDS = ("k", "u", "D", "power", "pol", "D0", "done")
_CELL_FIELDS = ("D_cell", "power_cell")
"""Records of a run with a z-dependent background (docs §12); its identity names the cells (``n_cell``)."""


class CheckpointStore:
    """A checkpoint folder bound to one run identity.

    Parameters
    ----------
    directory : str or os.PathLike
        The folder (created by :meth:`create`; its parent must exist).
    identity : Mapping
        Everything that determines the numbers (:meth:`flavomon.qke.QKEConfig.identity`); its
        :func:`flavomon._files.fingerprint` is stored in ``meta.json`` and in every
        realization file.

    Notes
    -----
    The store is a small picklable value (folder and identity), so worker processes rebuild
    nothing: the ensemble driver hands the same store to each of them.
    """

    def __init__(self, directory: str | os.PathLike, identity: Mapping[str, Any]) -> None:
        self.dir = Path(directory)
        self.identity = canonical(identity)
        self.fingerprint = fingerprint(self.identity)

    # -- shapes a record of this run must have ------------------------------------------------
    def _shapes(self) -> dict[str, Any] | None:
        ident = self.identity
        try:
            Nz, Nv = int(ident["Nz"]), int(ident["Nv"])
            n_out = int(round(float(ident["t_end"]) / float(ident["dt_out"])))
            R = int(ident["realizations"])
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            return None  # an identity of another shape (tests, callers): check what can be checked
        nt = n_out + 1
        n_modes = int(seeded_modes(Nz).sum())
        shapes = {"n_out": n_out, "R": R, "u": (3, Nv, Nz), "D": (nt, Nv), "power": (nt, n_modes),
                  "pol": (nt, Nv), "D0": (nt,)}
        if "n_cell" in ident:  # a z-dependent background: the cell records (docs §12)
            try:
                n_cell, n_K = int(ident["n_cell"]), int(ident["n_K_cell"])
            except (KeyError, TypeError, ValueError):
                return None
            shapes.update(D_cell=(nt, n_cell, Nv), power_cell=(nt, n_cell, n_K))
        return shapes

    def _fields(self) -> tuple[str, ...]:
        """The arrays every record of this run holds."""
        return _FIELDS + (_CELL_FIELDS if "n_cell" in self.identity else ())

    # -- folder lifecycle -------------------------------------------------------------------
    def _check_folder(self) -> None:
        """The folder is a real folder or absent: never a symbolic link (not followed) or a file."""
        if self.dir.is_symlink():
            raise FlavomonInputError(f"checkpoint folder {self.dir} is a symbolic link; links are not followed")
        if self.dir.exists() and not self.dir.is_dir():
            raise FlavomonInputError(f"checkpoint folder {self.dir} exists and is not a folder")

    def _damaged(self, p: Path, why: str) -> FlavomonInputError:
        return FlavomonInputError(f"checkpoint file {p} is damaged ({why}); {RESTART_HINT}")

    def record_files(self) -> dict[int, Path]:
        """The realization files in the folder, ``{r: path}`` (names ``rNNNN.npz`` only)."""
        if not self.dir.is_dir() or self.dir.is_symlink():
            return {}
        out = {}
        for p in self.dir.iterdir():
            m = _RECORD.match(p.name)
            if m:
                out[int(m.group(1))] = p
        return dict(sorted(out.items()))

    def own_files(self) -> list[Path]:
        """flavomon's own files in the folder: ``meta.json``, ``rNNNN.npz`` and their temporary files."""
        if not self.dir.is_dir() or self.dir.is_symlink():
            return []
        return sorted(p for p in self.dir.iterdir()
                      if p.name == "meta.json" or _RECORD.match(p.name) or _OWN_TMP.match(p.name))

    def exists(self) -> bool:
        """True if the folder holds a checkpoint (``meta.json`` or a realization file), of any run."""
        self._check_folder()
        return (self.dir / "meta.json").exists() or (self.dir / "meta.json").is_symlink() or bool(self.record_files())

    def _regular(self, p: Path) -> None:
        st = os.lstat(p)
        if not stat.S_ISREG(st.st_mode):
            kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a regular file"
            raise self._damaged(p, kind)

    def _read_meta(self) -> dict[str, Any] | None:
        meta = self.dir / "meta.json"
        if not (meta.exists() or meta.is_symlink()):
            return None
        self._regular(meta)
        try:
            stored = json.loads(meta.read_text())
            fp, cfg = stored["fingerprint"], stored["config"]
            if not isinstance(cfg, dict) or fp != fingerprint(cfg):
                raise ValueError("its fingerprint does not match its configuration")
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
            raise self._damaged(meta, f"unreadable: {e}") from None
        return {"fingerprint": fp, "config": cfg}

    def check(self) -> bool:
        """True if a valid checkpoint of this run exists; an error if one of another run or a damaged one does.

        Raises
        ------
        ConfigMismatchError
            ``meta.json`` belongs to another configuration (the message names the differing keys).
        FlavomonInputError
            ``meta.json`` or a realization file is damaged or of another run (see the module
            notes), or realization files lie there without ``meta.json``.
        """
        self._check_folder()
        meta = self._read_meta()
        if meta is None:
            recs = self.record_files()
            if recs:
                first = next(iter(recs.values()))
                raise FlavomonInputError(
                    f"checkpoint folder {self.dir} holds realization files ({first.name}, ...) but no meta.json; "
                    f"{RESTART_HINT}"
                )
            return False
        if meta["fingerprint"] != self.fingerprint:
            diff = config_diff(meta["config"], self.identity)
            if diff:
                raise ConfigMismatchError(
                    f"--resume: checkpoint {self.dir} was made with a different configuration (differs in: "
                    f"{', '.join(diff)}); rerun with those options, or {RESTART_HINT}"
                )
            raise FlavomonInputError(f"checkpoint {self.dir} has an unknown fingerprint; {RESTART_HINT}")
        for r in self.record_files():
            self.load(r)  # every realization file validated before any work
        if not os.access(self.dir, os.W_OK | os.X_OK):  # read-only or immutable: refuse before computing
            raise FlavomonInputError(f"checkpoint folder {self.dir} is not writable; make it writable to --resume")
        return True

    def create(self) -> None:
        """Start a fresh checkpoint folder.

        Refuses (one-line FlavomonInputError) if the folder already holds a checkpoint: a fresh
        run never discards progress silently; :meth:`discard` it first (``--restart``) or resume.
        Files in the folder that are not flavomon's are left alone.
        """
        self._check_folder()
        if self.exists():
            try:
                meta = self._read_meta()
            except FlavomonInputError:
                meta = None
            whose = "of this run" if (meta is not None and meta["fingerprint"] == self.fingerprint) else "of another run"
            raise FlavomonInputError(
                f"checkpoint folder {self.dir} already holds the checkpoint {whose}; continue it with --resume "
                f"(resume=True) or discard it with --restart (restart=True)"
            )
        try:
            self.dir.mkdir(parents=False, exist_ok=True)
        except OSError as e:
            raise FlavomonInputError(f"cannot create checkpoint folder {self.dir}: {e}") from None
        if not os.access(self.dir, os.W_OK | os.X_OK):
            raise FlavomonInputError(f"checkpoint folder {self.dir} is not writable; make it writable or give another --out")
        meta = {"fingerprint": self.fingerprint, "config": self.identity}
        try:
            atomic_write_text(self.dir / "meta.json", canonical_json(meta))
        except OSError as e:
            raise FlavomonInputError(f"cannot write checkpoint {self.dir / 'meta.json'}: {e.strerror or e}") from None

    def discard(self) -> list[Path]:
        """Delete flavomon's own files in the folder (any run's, damaged ones too); return them.

        Files that are not flavomon's stay; the folder is removed only if it is then empty.
        """
        self._check_folder()
        gone = []
        for p in self.own_files():
            try:
                p.unlink()
                gone.append(p)
            except FileNotFoundError:
                pass
            except OSError as e:
                raise FlavomonInputError(f"cannot remove checkpoint file {p}: {e.strerror or e}") from None
        try:
            self.dir.rmdir()
        except OSError:
            pass
        return gone

    def remove(self) -> None:
        """Delete the checkpoint folder after a successful run (only flavomon's own files in it)."""
        try:
            self.discard()
        except FlavomonInputError:
            pass

    # -- per-realization records ---------------------------------------------------------------
    def path(self, r: int) -> Path:
        """The file of realization ``r``."""
        return self.dir / f"r{r:04d}.npz"

    def save(self, r: int, record: dict[str, Any]) -> None:
        """Store the record of realization ``r`` atomically, sealed with the run fingerprint and a checksum."""
        arrays = {k: np.asarray(v) for k, v in record.items()}
        if any(k in arrays for k in _SEAL):
            raise ValueError(f"record keys {_SEAL} are reserved")
        arrays["_run"] = np.asarray(self.fingerprint)
        arrays["_r"] = np.asarray(int(r))
        arrays["_sha256"] = np.asarray(array_checksum(arrays))

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

        try:
            atomic_write(self.path(r), write)
        except OSError as e:
            raise FlavomonInputError(f"cannot write checkpoint file {self.path(r)}: {e.strerror or e}") from None

    def load(self, r: int) -> dict[str, Any] | None:
        """The validated record of realization ``r``, or None if there is none.

        Raises
        ------
        FlavomonInputError
            In one line naming the file and ``--restart``, if it is not a regular file, does not
            unzip, belongs to another run or realization, fails its checksum, or holds values no
            run of this configuration can have.
        """
        p = self.path(r)
        try:
            self._regular(p)
        except FileNotFoundError:
            return None
        data, why = read_npz(p)
        if data is None:
            raise self._damaged(p, why)
        self._validate(p, r, data)
        return {k: data[k] for k in data if k not in _SEAL}

    def _validate(self, p: Path, r: int, data: dict[str, np.ndarray]) -> None:
        missing = [k for k in self._fields() + _SEAL if k not in data]
        if missing:
            raise self._damaged(p, f"missing {', '.join(missing)}")
        try:
            run, rr, sha = str(data["_run"][()]), int(data["_r"][()]), str(data["_sha256"][()])
        except (TypeError, ValueError, IndexError):
            raise self._damaged(p, "unreadable seal") from None
        if sha != array_checksum({k: v for k, v in data.items() if k != "_sha256"}):
            raise self._damaged(p, "checksum mismatch")
        if run != self.fingerprint:
            raise FlavomonInputError(
                f"checkpoint file {p} was written by another run (its fingerprint is not this configuration's); "
                f"it is not used: remove it, or {RESTART_HINT}"
            )
        if rr != r:
            raise self._damaged(p, f"it holds realization {rr}, not {r}")
        shapes = self._shapes()
        k, done = data["k"], data["done"]
        if k.shape != () or k.dtype.kind not in "iu":
            raise self._damaged(p, f"k is not an integer: {k!r}")
        if done.shape != () or done.dtype.kind != "b":
            raise self._damaged(p, "done is not a boolean")
        k, done = int(k), bool(done)
        if shapes is None:
            return
        n_out = shapes["n_out"]
        if not 0 <= r < shapes["R"]:
            raise self._damaged(p, f"realization {r} is not one of this run's {shapes['R']}")
        if not 0 <= k <= n_out:
            raise self._damaged(p, f"k = {k} is outside 0..{n_out}")
        if done and k != n_out:
            raise self._damaged(p, f"marked done at k = {k} < {n_out}")
        diag = ("D", "power", "pol", "D0") + tuple(n for n in _CELL_FIELDS if n in shapes)
        for name in ("u",) + diag:
            a = data[name]
            if a.shape != shapes[name] or a.dtype.kind != "f":
                raise self._damaged(p, f"{name} has shape {a.shape} and type {a.dtype}, expected {shapes[name]} float")
        if not np.all(np.isfinite(data["u"])):
            raise self._damaged(p, "the state u is not finite")
        filled = n_out + 1 if done else k  # outputs t_0..t_{k-1} are done (t_k too when finished)
        for name in diag:
            if not np.all(np.isfinite(data[name][:filled])):
                raise self._damaged(p, f"{name} has non-finite values at outputs already done")
