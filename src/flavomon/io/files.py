"""Writing files safely: the one output-path check, the one atomic writer, run fingerprints.

Every file flavomon writes (netCDF results, checkpoints, reports, sweep records) goes through
:func:`atomic_write` after its path passed :func:`check_output_path`, and every resume or
reuse decision compares configurations with :func:`fingerprint` / :func:`config_diff`.

* :func:`check_output_path` — fail early, in one line, on a path that cannot or must not be
  written (missing or read-only folder, a directory, a symlink, a device node / FIFO / socket,
  one of the run's own input files); :func:`check_figure_path` also refuses an image format
  matplotlib cannot write, so a bad ``--plot p.xyz`` fails before any computation;
* :func:`atomic_write`, :func:`atomic_write_bytes`, :func:`atomic_write_text`,
  :func:`save_figure` — temporary file in the same folder, ``fsync``, ``os.replace``; the
  temporary file is removed on any failure, and a path that is no regular file by then is
  never replaced;
* :class:`OutputLock` — the advisory lock file ``<out>.lock`` (holding the holder's pid) that
  keeps a second run off an output in use;
* :func:`fingerprint` — SHA-256 of the canonical JSON of a configuration (sorted keys, exact
  floats); :func:`config_diff` names the keys in which two configurations differ and
  :func:`require_same_config` raises :class:`~flavomon.errors.ConfigMismatchError` naming them.

The atomic writer and the fingerprint live in the low-level module ``flavomon._files`` (so
that numerics, which never import :mod:`flavomon.io`, can checkpoint); this module is their
public home.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, Iterable

from .._files import (
    OutputInUseError,
    OutputLock,
    atomic_write,
    atomic_write_bytes,
    atomic_write_text,
    canonical,
    canonical_json,
    config_diff,
    fingerprint,
    require_same_config,
)
from ..errors import FlavomonInputError

__all__ = [
    "OutputInUseError",
    "OutputLock",
    "atomic_write",
    "atomic_write_bytes",
    "atomic_write_text",
    "canonical",
    "canonical_json",
    "check_figure_path",
    "check_output_path",
    "config_diff",
    "fingerprint",
    "require_same_config",
    "save_figure",
]


def _input_paths(inputs: Iterable[Any]) -> list[Path]:
    """The entries of ``inputs`` that name existing files (SPEC strings like ``benchmark:a=0.9`` do not)."""
    out = []
    for x in inputs:
        if x is None:
            continue
        if isinstance(x, (str, os.PathLike)):
            s = os.fspath(x)
            if isinstance(s, str) and s.strip() and os.path.exists(s.strip()):
                out.append(Path(s.strip()))
    return out


def check_output_path(path: str | os.PathLike, *, what: str = "--out", inputs: Iterable[Any] = ()) -> Path:
    """Check, before any computation, that ``path`` may be written; return it as a Path.

    Parameters
    ----------
    path : str or os.PathLike
        The file to be written (it may or may not exist).  Nothing is created.
    what : str
        How the path is named in error messages (the command-line option, e.g. ``"--out"``).
    inputs : iterable
        The run's input files (e.g. the table given as ``--distribution``); entries that are
        not existing files (SPEC strings such as ``benchmark:a=0.9``) are ignored.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FlavomonInputError
        In one line, if the path is empty; is a directory; is a symbolic link (never followed:
        a link could point anywhere); exists and is not a regular file (device node, FIFO,
        socket); is an existing file that is not writable; lies in a folder that does not exist,
        is not a folder or is not writable; or is one of ``inputs`` (same file, hard links
        included).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise FlavomonInputError(f"{what}: not a path: {path!r}")
    if os.fspath(path) in ("", b""):
        raise FlavomonInputError(f"{what}: empty output path")
    p = Path(path)
    try:
        st = os.lstat(p)
    except (FileNotFoundError, NotADirectoryError):  # the folder checks below name the problem
        st = None
    except OSError as e:
        raise FlavomonInputError(f"{what} {p}: cannot inspect the path ({e.strerror or e})") from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise FlavomonInputError(f"{what} {p} is a symbolic link; give the real file name (links are not followed)")
        if stat.S_ISDIR(st.st_mode):
            raise FlavomonInputError(f"{what} {p} is a directory, expected a file name")
        if not stat.S_ISREG(st.st_mode):
            kind = (
                "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "a device node" if (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)) else "not a regular file"
            )
            raise FlavomonInputError(f"{what} {p} is {kind}, expected a regular file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise FlavomonInputError(f"{what} {p}: directory {parent} does not exist")
    if not parent.is_dir():
        raise FlavomonInputError(f"{what} {p}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise FlavomonInputError(f"{what} {p}: directory {parent} is not writable")
    if st is not None:
        if not os.access(p, os.W_OK):
            raise FlavomonInputError(f"{what} {p}: file exists and is not writable")
        for q in _input_paths(inputs):
            try:
                same = os.path.samefile(p, q)
            except OSError:
                same = False
            if same:
                raise FlavomonInputError(f"{what} {p} is the input file {q}; refusing to overwrite an input")
    return p


def figure_formats() -> dict[str, str]:
    """The image formats matplotlib can write here: ``{extension: description}``."""
    from matplotlib.backend_bases import FigureCanvasBase

    return dict(FigureCanvasBase.get_supported_filetypes())


def _figure_format(p: Path, fmt: str | None, what: str) -> str:
    """The format of figure file ``p`` (its extension; png without one), checked against matplotlib's."""
    fmt = (fmt or (p.suffix[1:] if p.suffix else "png")).lower()
    formats = figure_formats()
    if fmt not in formats:
        raise FlavomonInputError(
            f"{what} {p}: unsupported image format {fmt!r}; use one of {', '.join(sorted(formats))} (the file's extension)"
        )
    return fmt


def check_figure_path(path: str | os.PathLike, *, what: str = "--plot", inputs: Iterable[Any] = ()) -> Path:
    """:func:`check_output_path` for a figure, and its image format (from the extension) is writable.

    Call it before any computation: a figure path that would fail only when the figure is saved
    (``--plot p.xyz``, a FIFO) is refused in one line while nothing has been written.
    """
    p = check_output_path(path, what=what, inputs=inputs)
    _figure_format(p, None, what)
    return p


def save_figure(fig: Any, path: str | os.PathLike, *, what: str = "figure", inputs: Iterable[Any] = (),
                **savefig_kw: Any) -> Path:
    """Write a matplotlib Figure to ``path`` atomically (:func:`atomic_write`): the one figure writer.

    The path passes :func:`check_output_path` (never a link, FIFO, device or one of ``inputs``)
    and the image format follows the file name's extension (``.png`` when there is none; an
    unsupported one is a one-line :class:`~flavomon.errors.FlavomonInputError`), as with
    ``fig.savefig(path)``; ``savefig_kw`` (``dpi``, ``bbox_inches``, ...) is passed on.
    """
    p = check_output_path(path, what=what, inputs=inputs)
    fmt = _figure_format(p, savefig_kw.pop("format", None), what)
    return atomic_write(p, lambda tmp: fig.savefig(tmp, format=fmt, **savefig_kw))
