"""Checked conversion of user-supplied numbers: one-line :class:`FlavomonInputError` naming the input."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import FlavomonInputError

__all__ = ["as_number", "as_int", "as_nv", "NV_MAX", "machine_memory", "gib"]

NV_MAX = 4000
"""Largest accepted number of velocity nodes (the dense M(K) and the (Nv, Nv) kernels grow like Nv^2)."""


def as_number(name: str, x: Any, *, positive: bool = False, nonneg: bool = False) -> float:
    """``float(x)``, finite, and ``> 0`` (``positive``) or ``>= 0`` (``nonneg``) if asked."""
    if isinstance(x, bool):
        raise FlavomonInputError(f"{name}={x!r} is not a number")
    try:
        y = float(x)
    except (TypeError, ValueError):
        raise FlavomonInputError(f"{name}={x!r} is not a number") from None
    if not math.isfinite(y):
        raise FlavomonInputError(f"{name}={x!r} is not finite")
    if positive and y <= 0:
        raise FlavomonInputError(f"{name} must be > 0, got {x!r}")
    if nonneg and y < 0:
        raise FlavomonInputError(f"{name} must be >= 0, got {x!r}")
    return y


def as_int(name: str, x: Any, *, minimum: int, hint: str = "an integer") -> int:
    """``int(x)`` for a true integer ``x >= minimum`` (``hint`` names what is accepted in the message)."""
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise FlavomonInputError(f"{name} must be {hint}, got {x!r}")
    if x < minimum:
        raise FlavomonInputError(f"{name} must be >= {minimum}, got {x}")
    return int(x)


def as_nv(x: Any, name: str = "Nv") -> int:
    """The number of velocity nodes: a true integer with ``2 <= Nv <= NV_MAX``.

    The one rule for every ``Nv`` in the package (velocity grids, discrete modes, QKE, QLT,
    sweeps): two nodes are the fewest a Gauss–Legendre grid with a non-trivial moment
    :math:`D_1` has, and :data:`NV_MAX` bounds the memory of the dense matrices.
    """
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or not 2 <= x <= NV_MAX:
        raise FlavomonInputError(f"{name} must be an integer in [2, {NV_MAX}], got {x!r}")
    return int(x)


def machine_memory() -> tuple[int, int] | None:
    """``(total, available)`` bytes of this machine's memory (psutil), or None without psutil.

    Runs are refused when they need more than the *total*: the available memory changes from moment
    to moment (other jobs), so it is reported but not used to refuse."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with dask[distributed]
        return None
    vm = psutil.virtual_memory()
    return int(vm.total), int(vm.available)


def gib(n: float) -> str:
    """A byte count in GiB for messages, e.g. ``'4.78e+03 GiB'``."""
    return f"{n / 2**30:.3g} GiB"
