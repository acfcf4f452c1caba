r"""Reuse of finished pieces: a piece is reused iff its file holds the requested configuration.

The configuration a workflow stores in its file's ``config`` attribute is compared with the one
the piece asks for (execution-only options left out, see :data:`~.plan.EXECUTION_KEYS`) by
:func:`flavomon.io.files.config_diff` — the comparison behind every resume decision, exact in
the canonical form that :func:`~flavomon.io.files.fingerprint` hashes.  An interrupted,
unreadable or foreign file is recomputed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...distributions import from_spec
from ...errors import FlavomonInputError
from ...io import config_of
from ...io.files import config_diff
from .plan import Piece

__all__ = ["stored_config", "config_mismatch"]


def _same_distribution(stored: Any, piece: Piece) -> bool:
    if stored is None:
        return False
    if isinstance(stored, dict):
        stored = stored.get("spec", stored.get("name"))
    if stored in (piece.distribution, piece.dist.spec):
        return True
    try:
        return from_spec(str(stored)).spec == piece.dist.spec
    except FlavomonInputError:
        return False


def stored_config(path: Path) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(config, attrs)`` of a finished piece, or None if the file is missing or unreadable."""
    import xarray as xr

    if not path.is_file():
        return None
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return config_of(ds), dict(ds.attrs)
    except Exception:  # unreadable / foreign file: recompute it
        return None


def config_mismatch(piece: Piece, path: Path) -> str | None:
    """None if ``path`` holds this piece with the requested configuration, else the reason."""
    got = stored_config(path)
    if got is None:
        return "missing" if not path.exists() else "unreadable"
    cfg, attrs = got
    if attrs.get("status") == "interrupted":
        return "interrupted run"
    dist = cfg.get("distribution", attrs.get("distribution"))
    if not _same_distribution(dist, piece):
        return f"distribution {dist!r} != {piece.distribution!r}"
    req = {k: v for k, v in piece.requested_config().items() if v is not None or k in cfg}
    # an unset option (None: the workflow's default) need not be stored
    diff = config_diff({k: cfg[k] for k in req if k in cfg}, req)
    if diff:
        return "configuration differs in " + ", ".join(diff)
    return None
