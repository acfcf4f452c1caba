"""The output folder of a multi-file run (``flavomon reproduce``, ``flavomon sweep``), checked once.

Built on the one output-path check, :func:`flavomon.io.files.check_output_path`: the folder's
parent is checked like the folder of an output file, and the folder itself by the files that
will be written into it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import FlavomonInputError
from ..io.files import check_output_path

__all__ = ["prepare_output_folder"]


def prepare_output_folder(out: str | os.PathLike, *, what: str = "--out", probe: str = "report.json",
                          create: bool = True) -> Path:
    """Check (and create) the output folder ``out`` before any work; return it as a Path.

    Parameters
    ----------
    out : str or os.PathLike
        The folder; it may exist (then it must be a writable folder) or not (then its parent
        must exist and be writable).
    what : str
        How the folder is named in error messages.
    probe : str
        A file name that will be written into the folder; checked with
        :func:`~flavomon.io.files.check_output_path` (must not be a folder, link or device).
    create : bool
        Create the folder if it is missing (only its last component; the parent must exist).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FlavomonInputError
        In one line: empty name; a symbolic link (never followed); exists and is not a folder;
        missing or unwritable parent; unwritable folder; ``probe`` inside it cannot be written.
    """
    if not isinstance(out, (str, os.PathLike)) or os.fspath(out) in ("", b""):
        raise FlavomonInputError(f"{what}: empty folder name")
    d = Path(out)
    if d.is_symlink():  # never followed: a link could point anywhere
        raise FlavomonInputError(f"{what} {d} is a symbolic link; give the real folder (links are not followed)")
    if d.exists() and not d.is_dir():
        raise FlavomonInputError(f"{what} {d}: exists and is not a directory")
    if not d.exists():
        check_output_path(d, what=what)  # parent: exists, is a folder, is writable
        if create:
            d.mkdir()
    if d.exists():
        if not os.access(d, os.W_OK | os.X_OK):
            raise FlavomonInputError(f"{what} {d}: folder is not writable")
        check_output_path(d / probe, what=what)
    return d
