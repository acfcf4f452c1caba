"""Low-level file primitives shared by numerics and io: atomic writes and run fingerprints.

This module depends on nothing inside flavomon except :mod:`flavomon.errors`, so both the
numerics (the QKE checkpoint store) and :mod:`flavomon.io` may use it without breaking the
layering.  The public home of these names is :mod:`flavomon.io.files`, which re-exports them.

* :func:`atomic_write` — a file appears under its final name complete or not at all
  (temporary file in the same folder, ``fsync``, ``os.replace``; the temporary file is
  removed on any failure, Ctrl-C included);
* :func:`fingerprint` — the identity of a run configuration: SHA-256 of its canonical JSON
  (sorted keys, floats written exactly by ``repr``);
* :func:`config_diff` / :func:`require_same_config` — compare a stored configuration with a
  requested one and name the keys that differ;
* :class:`OutputLock` — the advisory lock file ``<out>.lock`` that keeps two runs off one output.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from .errors import ConfigMismatchError, FlavomonInputError

__all__ = [
    "OutputInUseError",
    "OutputLock",
    "array_checksum",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "canonical",
    "canonical_json",
    "config_diff",
    "fingerprint",
    "read_npz",
    "require_same_config",
]


# ----------------------------------------------------------------------------------------------
# atomic writes
# ----------------------------------------------------------------------------------------------
def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def _refuse_non_regular(p: Path) -> None:
    """FlavomonInputError if ``p`` exists and is not a regular file (links are not followed)."""
    try:
        st = os.lstat(p)
    except (FileNotFoundError, NotADirectoryError):
        return
    if not stat.S_ISREG(st.st_mode):
        kind = ("a symbolic link" if stat.S_ISLNK(st.st_mode) else "a directory" if stat.S_ISDIR(st.st_mode)
                else "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "a device node" if (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)) else "not a regular file")
        raise FlavomonInputError(f"{p} is {kind}; refusing to replace it (give the name of a regular file or a new one)")


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Create ``path`` atomically: ``write(tmp)`` fills a temporary file, which then replaces ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Final file name.  Its folder must exist (callers check it first with
        :func:`flavomon.io.files.check_output_path`).
    write : callable
        ``write(tmp)`` writes the complete contents to the file ``tmp`` (a :class:`~pathlib.Path`
        in the same folder as ``path``; it exists, empty, and may be reopened or replaced).

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    The temporary file is named ``.<name>.<random>.tmp`` in the folder of ``path``, is flushed to
    disk with ``fsync`` and moved into place with ``os.replace`` (atomic on POSIX), so a crash
    or a kill at any moment leaves either the previous file or the new one, never a partial
    file under the final name.  On any exception (``KeyboardInterrupt`` included) the
    temporary file is removed and the exception re-raised.  The final file gets the usual
    permissions ``0666 & ~umask`` (``mkstemp`` would leave ``0600``).
    """
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        _refuse_non_regular(p)
        os.replace(tmp, p)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    return p


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding=encoding))


# ----------------------------------------------------------------------------------------------
# fingerprints
# ----------------------------------------------------------------------------------------------
def canonical(x: Any, *, strict: bool = True) -> Any:
    """A JSON-ready copy of ``x`` with one spelling per value.

    Mappings get string keys; tuples become lists; NumPy scalars and arrays become Python
    numbers and lists; complex numbers ``[re, im]``; paths strings; dataclasses their fields.
    Floats are kept as floats, which :func:`canonical_json` writes exactly (``repr`` round-trips).
    Any other object raises TypeError, or with ``strict=False`` (descriptive metadata such as
    provenance attributes, never identities) becomes its ``repr``.
    """
    if isinstance(x, Mapping):
        return {str(k): canonical(v, strict=strict) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [canonical(v, strict=strict) for v in x]
    if isinstance(x, np.ndarray):
        return canonical(x.tolist(), strict=strict)
    if isinstance(x, np.generic):
        return canonical(x.item(), strict=strict)
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return float(x)
    if isinstance(x, complex):
        return [float(x.real), float(x.imag)]
    if isinstance(x, os.PathLike):
        return os.fspath(x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return canonical(dataclasses.asdict(x), strict=strict)
    if not strict:
        return repr(x)
    raise TypeError(f"cannot fingerprint a {type(x).__name__}: {x!r}")


def canonical_json(obj: Any) -> str:
    """Canonical JSON of ``obj``: :func:`canonical` form, sorted keys, no spaces, exact floats.

    Non-finite floats are written as ``NaN``/``Infinity`` (Python's JSON extension), so every
    float survives a round trip bit for bit.
    """
    return json.dumps(canonical(obj), sort_keys=True, separators=(",", ":"), allow_nan=True)


def fingerprint(obj: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a run configuration.

    Two configurations get the same fingerprint exactly when their canonical forms are equal:
    key order does not matter, ``(1, 2)`` equals ``[1, 2]``, ``np.float64(x)`` equals ``x``,
    and floats compare bit for bit (``0.1`` and ``0.1 + 1e-17`` differ only if their ``repr``
    does).
    """
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def array_checksum(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over the arrays (sorted by name; name, dtype, shape and bytes of each): the seal of a checkpoint."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode())
        h.update(a.dtype.str.encode())
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def read_npz(path: str | os.PathLike) -> tuple[dict[str, np.ndarray] | None, str]:
    """The arrays of the ``.npz`` at ``path`` (no pickles), or ``(None, why)`` when it cannot be read: the reason
    for a one-line "damaged" error (a checkpoint's reader names the file and the way out)."""
    try:
        with open(path, "rb") as fh:  # ours to close, whatever np.load raises
            z = np.load(fh, allow_pickle=False)
            if not hasattr(z, "files"):
                raise ValueError("not an .npz archive")
            with z:
                return {k: z[k] for k in z.files}, ""
    except Exception as e:  # BadZipFile, EOFError, zlib/CRC errors, ValueError, KeyError, OSError ...
        return None, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else 'unreadable'}"


def config_diff(stored: Mapping[str, Any], requested: Mapping[str, Any], *, prefix: str = "") -> list[str]:
    """Keys whose values differ between two configurations (sorted; nested keys dotted).

    A key present on one side only counts as differing.  Values are compared in their
    :func:`canonical` form, so the result is empty exactly when both have the same
    :func:`fingerprint`.
    """
    a, b = canonical(stored), canonical(requested)
    out: list[str] = []
    for k in sorted(set(a) | set(b)):
        name = f"{prefix}{k}"
        if k not in a or k not in b:
            out.append(name)
        elif isinstance(a[k], dict) and isinstance(b[k], dict):
            out.extend(config_diff(a[k], b[k], prefix=name + "."))
        elif canonical_json(a[k]) != canonical_json(b[k]):
            out.append(name)
    return out


def require_same_config(stored: Mapping[str, Any], requested: Mapping[str, Any], *, what: str) -> None:
    """Raise :class:`~flavomon.errors.ConfigMismatchError` if the configurations differ.

    The one-line message is ``"<what> was made with a different configuration (differs in: a, b)"``.
    """
    diff = config_diff(stored, requested)
    if diff:
        raise ConfigMismatchError(f"{what} was made with a different configuration (differs in: {', '.join(diff)})")


# ----------------------------------------------------------------------------------------------
# the advisory lock of an output
# ----------------------------------------------------------------------------------------------
def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    except OSError:
        return False
    return True


def _try_flock(fd: int) -> bool | None:
    """True: locked; False: another process holds it; None: the file system has no flock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as e:
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        return None  # ENOLCK, EINVAL, ENOTSUP: no flock here, fall back on the pid
    return True


def _read_pid(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 64).decode("ascii", "replace").split()
        return int(text[0]) if text else None
    except (OSError, ValueError):
        return None


class OutputInUseError(FlavomonInputError):
    """An output is locked by another run that is still alive (:class:`OutputLock`)."""


class OutputLock:
    """The advisory lock ``<target>.lock`` of one output: two runs never write the same output.

    Parameters
    ----------
    target : str or os.PathLike
        The output (file or folder) being protected; the lock file is ``<target>.lock`` (or
        ``lock_path`` if given).
    what : str
        How the output is named in error messages (``"--out"``).
    note : callable, optional
        Receives a one-line note when a stale lock (its holder is dead) is taken over.
    lock_path : str or os.PathLike, optional
        Another name for the lock file.

    Notes
    -----
    The lock file holds the holder's pid.  It is created atomically and complete: the pid is
    written to a temporary file (created with ``O_CREAT | O_EXCL``), which is locked with
    ``flock`` and then hard-linked to the lock name (``link`` fails if the name exists, so
    exactly one run gets it; where hard links are not supported the lock name itself is created
    with ``O_CREAT | O_EXCL``).  A second run finds the file and its ``flock`` held and stops with
    a one-line :class:`OutputInUseError` (a FlavomonInputError) naming the lock file and the pid.  A
    run killed with SIGKILL leaves the file behind but not the ``flock`` (the kernel releases
    it): the next run takes the stale lock over with a note.  Where ``flock`` is not available
    the pid decides (a lock whose pid is not running is stale).  The lock is released (the file
    removed) by :meth:`release` or on leaving the ``with`` block.
    """

    def __init__(self, target: str | os.PathLike, *, what: str = "--out",
                 note: Callable[[str], None] | None = None, lock_path: str | os.PathLike | None = None) -> None:
        self.target = Path(target)
        self.path = Path(lock_path) if lock_path is not None else Path(os.fspath(target) + ".lock")
        self.what = what
        self.note = note
        self._fd: int | None = None

    # -- helpers -------------------------------------------------------------------------------
    def _busy(self, pid: int | None) -> OutputInUseError:
        who = f"pid {pid}" if pid is not None else "a process of unknown pid"
        return OutputInUseError(
            f"{self.what} {self.target} is in use by another run ({who}, lock file {self.path}); wait for it "
            f"to finish, or remove {self.path} if no such run exists"
        )

    def _bad(self, why: str) -> FlavomonInputError:
        return FlavomonInputError(f"{self.what} {self.target}: lock file {self.path} {why}; remove it and rerun")

    def _create(self) -> int | None:
        """Create the lock file holding our pid, locked; None if it exists already."""
        data = f"{os.getpid()}\n".encode()
        folder = self.path.parent if str(self.path.parent) else Path(".")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        tmp = folder / f".{self.path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            fd = os.open(tmp, flags, 0o644)
        except OSError as e:
            raise self._bad(f"cannot be created ({e.strerror or e})") from None
        try:
            os.write(fd, data)
            _try_flock(fd)
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                os.close(fd)
                return None
            except OSError as e:
                if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    os.close(fd)
                    raise self._bad(f"cannot be created ({e.strerror or e})") from None
                # no hard links here: create the name itself exclusively
                os.close(fd)
                try:
                    fd = os.open(self.path, flags, 0o644)
                except FileExistsError:
                    return None
                os.write(fd, data)
                _try_flock(fd)
            return fd
        finally:
            try:
                os.unlink(tmp)
            except OSError:
                pass

    # -- public --------------------------------------------------------------------------------
    def acquire(self) -> "OutputLock":
        """Take the lock (FlavomonInputError if another live run holds it)."""
        if self._fd is not None:
            return self
        for _ in range(50):
            fd = self._create()
            if fd is not None:
                self._fd = fd
                return self
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
            except FileNotFoundError:
                continue  # released meanwhile: try again
            except OSError as e:
                if e.errno == errno.ELOOP:
                    raise self._bad("is a symbolic link") from None
                raise self._bad(f"cannot be opened ({e.strerror or e})") from None
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    raise self._bad("is not a regular file")
                got = _try_flock(fd)
                pid = _read_pid(fd)
                if got is False:
                    raise self._busy(pid)
                try:
                    same = os.lstat(self.path).st_ino == st.st_ino
                except FileNotFoundError:
                    same = False
                if not same:  # released and made anew while we looked: try again
                    os.close(fd)
                    fd = -1
                    continue
                if got is None and pid is not None and pid != os.getpid() and _pid_alive(pid):
                    raise self._busy(pid)
                # the holder is gone (flock free / pid dead): take the stale lock over
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd, fd = fd, -1
                if self.note is not None:
                    self.note(f"took over the stale lock file {self.path} of pid {pid if pid is not None else '?'} "
                              f"(that run is no longer running)")
                return self
            finally:
                if fd >= 0:
                    os.close(fd)
        raise self._bad("keeps changing (another run is starting?)")

    def release(self) -> None:
        """Give the lock back: remove the lock file (if it is still ours) and close it."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if os.lstat(self.path).st_ino == os.fstat(fd).st_ino:
                os.unlink(self.path)
        except OSError:
            pass
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()
