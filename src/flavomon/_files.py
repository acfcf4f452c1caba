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
  requested one and name the keys that differ.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from .errors import ConfigMismatchError

__all__ = [
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "canonical",
    "canonical_json",
    "config_diff",
    "fingerprint",
    "require_same_config",
]


# ----------------------------------------------------------------------------------------------
# atomic writes
# ----------------------------------------------------------------------------------------------
def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


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
