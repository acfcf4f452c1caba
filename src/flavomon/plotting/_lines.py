"""Curves drawn with gaps where they are not curves: jumps between grid points and branch points.

A line through the samples of a diverging quantity (the renormalisation Z at a branch point, a
root re-labelled by the tracker) draws a vertical stroke across the panel that is not in the
data.  :func:`broken` inserts a NaN between two samples wherever the segment joining them would
be such a stroke, so matplotlib leaves a gap there.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

__all__ = ["JUMP_FRACTION", "SPIKE_RATIO", "SPIKE_FLOOR", "bad_segments", "broken"]

JUMP_FRACTION = 0.25
"""A segment is left out where one grid step moves the curve by more than this fraction of the
panel's height: a curve resolved by the grid does not (n_K >= ~50 points per panel width put a
slope-1 curve at ~2% per step), a pole or a re-labelled root does."""


SPIKE_RATIO = 5.0
"""A sample is an isolated spike when it departs from the mean of its two neighbours by more than
this many times their difference: on a resolved curve the departure is ~ curvature * h^2, far
below the neighbours' difference ~ 2 slope * h (a 0/0 of Z at K = 0 exactly, a lone sample
173 between -0.3 and 0.7, are not)."""

SPIKE_FLOOR = 0.02
"""... and by more than this fraction of the panel's height (a flat line's round-off is no spike)."""


def bad_segments(x: np.ndarray, y: np.ndarray, *, span: float | None = None,
                 breaks: Iterable[float] = (), spikes: bool = False) -> np.ndarray:
    """Boolean per segment ``(i, i+1)``: True where it must not be drawn.

    Not drawn: a segment with a non-finite end, one whose rise exceeds ``JUMP_FRACTION * span``
    (when ``span`` is given), and every segment within one grid step of a point of ``breaks``
    (branch points in K: the segment across it and its neighbours, since there
    Z ~ (K - K_bp)^(-1/2) and the sample next to the branch point is a spike the grid does not
    resolve).  With ``spikes``, also the two segments at an isolated one-sample spike
    (``SPIKE_RATIO``, ``SPIKE_FLOOR``; needs ``span``).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size < 2:
        return np.zeros(0, dtype=bool)
    bad = ~(np.isfinite(y[:-1]) & np.isfinite(y[1:]))
    if span is not None and np.isfinite(span) and span > 0:
        with np.errstate(invalid="ignore"):
            bad |= np.abs(np.diff(y)) > JUMP_FRACTION * span
    if spikes and span is not None and np.isfinite(span) and span > 0 and y.size >= 3:
        with np.errstate(invalid="ignore"):
            dev = np.abs(y[1:-1] - 0.5 * (y[:-2] + y[2:]))
            spike = (dev > SPIKE_RATIO * np.abs(y[2:] - y[:-2])) & (dev > SPIKE_FLOOR * span)
        i = np.flatnonzero(spike) + 1  # sample index; its segments are i-1 and i
        bad[i - 1] = True
        bad[i] = True
    lo, hi = np.minimum(x[:-1], x[1:]), np.maximum(x[:-1], x[1:])
    step = float(np.median(hi - lo))
    for b in breaks:
        if np.isfinite(b):
            bad |= (lo <= b + step) & (hi >= b - step)
    return bad


def broken(x: np.ndarray, y: np.ndarray, bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x, y`` with a NaN point inserted inside every segment flagged in ``bad``."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    idx = np.flatnonzero(bad)
    if idx.size == 0:
        return x, y
    xm = 0.5 * (x[idx] + x[idx + 1])
    return np.insert(x, idx + 1, xm), np.insert(y, idx + 1, np.nan)
