r"""Entry point of quasi-linear theory: full or resonant QLT from one configuration  [F2 eqs. 9–13, 24, 27–30; docs §5, §6]."""

from __future__ import annotations

from typing import Callable

from ..distributions import Distribution, from_spec
from .config import QLTConfig, QLTResult
from .full import run_full_qlt
from .resonant import run_resonant_qlt

__all__ = ["run_qlt"]


def run_qlt(
    dist: Distribution | str,
    config: QLTConfig | None = None,
    *,
    progress: Callable[..., None] | None = None,
) -> QLTResult:
    """Run full QLT, or resonant QLT when ``config.resonant``  [F2 eqs. 10–12, 27–30; docs §5, §6].

    Parameters
    ----------
    dist : Distribution or SPEC string
        Initial angular distribution; a SPEC string is parsed once, here.
    config : QLTConfig, optional
        The run (default: the F2 benchmark grid and seed).
    progress : callable, optional
        ``progress(t, steps=n)`` after every accepted step (full QLT) or output time
        (resonant QLT).

    Returns
    -------
    QLTResult
        For resonant QLT, ``final_state`` holds the t -> infinity prediction.

    Raises
    ------
    FlavomonInputError
        Bad SPEC, or a K grid that misses the unstable band(s).

    Notes
    -----
    Full QLT: :func:`flavomon.qlt.full.run_full_qlt`; resonant QLT:
    :func:`flavomon.qlt.resonant.run_resonant_qlt`.
    """
    config = QLTConfig() if config is None else config
    dist = from_spec(dist)
    if config.resonant:
        return run_resonant_qlt(dist, config, progress=progress)
    return run_full_qlt(dist, config, progress=progress)


def run_qlt_solver(
    dist: Distribution | str,
    config: QLTConfig | None = None,
    *,
    progress: Callable[..., None] | None = None,
) -> QLTResult:
    """Same as :func:`run_qlt` (the older name, kept for existing callers)."""
    return run_qlt(dist, config, progress=progress)
