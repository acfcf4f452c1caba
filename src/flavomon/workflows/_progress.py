"""Progress display for long runs (simulated time, steps/s, ETA).

Used by the workflows (and so by the CLI). Numerics take a plain ``progress(t_done, info)`` callback; this
module turns it into

* a tqdm bar on stderr when stderr is a terminal;
* otherwise (a log file, a batch job, CI) one line every :data:`LINE_EVERY_S` seconds of wall time, e.g.
  ``flavomon: qke benchmark:a=0.9: t = 2400/10000 (24%), 40 s elapsed, about 2 min 6 s left (from the measured
  rate: 60.0 t/s)``.

The time left comes from the rate measured since the first report, so the start-up (worker processes,
compilation) does not enter it, and it is said only once a tenth of the run is done.  For an ensemble the
counter is the simulated time summed over realizations, with the number of realizations finished.  A
caller made of several runs (``flavomon reproduce``) wraps each in :func:`progress_context`, which puts
``[i/N]`` in front of the lines and adds the time left overall.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from tqdm import tqdm

__all__ = ["LINE_EVERY_S", "SimTimeProgress", "format_seconds", "progress_context", "heads_up"]

_CONTEXT: list[tuple[str, Callable[[float | None], float | None] | None]] = []


@contextmanager
def progress_context(prefix: str, overall: Callable[[float | None], float | None] | None = None) -> Iterator[None]:
    """Inside, progress lines start ``flavomon: PREFIX …`` and end with the time left overall.

    ``overall(left)`` maps the current run's time left (None while it is being measured) to the seconds
    left in all (None: not known yet).
    """
    _CONTEXT.append((prefix, overall))
    try:
        yield
    finally:
        _CONTEXT.pop()


def heads_up(seconds: float, what: str, why: str) -> None:
    """One line before a long run: how long it will take and why."""
    print(f"flavomon: {what} will take about {format_seconds(seconds)} ({why}); the progress lines measure "
          f"the real rate once it runs", file=sys.stderr, flush=True)

LINE_EVERY_S = 10.0
"""Wall seconds between two progress lines when stderr is not a terminal (``FLAVOMON_PROGRESS_EVERY`` overrides)."""


def format_seconds(s: float) -> str:
    """``3 h 2 min``, ``2 min 6 s`` or ``40 s``."""
    s = max(0.0, float(s))
    if s >= 3600:
        return f"{int(s // 3600)} h {int(s % 3600 // 60)} min"
    if s >= 60:
        return f"{int(s // 60)} min {int(s % 60)} s"
    return f"{s:.0f} s"


def _line_every() -> float:
    try:
        val = float(os.environ.get("FLAVOMON_PROGRESS_EVERY", LINE_EVERY_S))
    except ValueError:
        return LINE_EVERY_S
    return val if val > 0 else LINE_EVERY_S


class SimTimeProgress:
    """Context manager: ``with SimTimeProgress(t_end, desc) as cb: solver(progress=cb)``.

    ``cb(t, steps=None)`` advances the display to simulated time ``t`` (summed over realizations for an
    ensemble); the bar's postfix shows steps/s.  ``disable=None`` (default): a bar on a terminal, lines
    otherwise; ``True``: nothing.
    """

    def __init__(self, t_end: float, desc: str = "", *, disable: bool | None = None,
                 realizations: int | None = None) -> None:
        self.t_end = float(t_end)
        self.realizations = realizations if realizations and realizations > 1 else None
        self._done: int | None = None
        if _CONTEXT:
            desc = f"{_CONTEXT[-1][0]} {desc}"
        self._overall = _CONTEXT[-1][1] if _CONTEXT else None
        self.desc = desc
        self.off = bool(disable)
        self.lines = (not self.off) and not sys.stderr.isatty()
        self._bar: Any = None
        self._t0 = 0.0
        self._last = 0.0
        self._first: tuple[float, float] | None = None  # (wall, t) of the first report: the rate starts there
        self._next_line = 0.0
        self._every = _line_every()

    def __enter__(self) -> "SimTimeProgress":
        self._t0 = time.perf_counter()
        self._next_line = self._t0 + self._every
        if not self.lines:
            self._bar = tqdm(
                total=self.t_end,
                desc=self.desc,
                unit="t",
                file=sys.stderr,
                disable=self.off,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| t={n:.1f}/{total:.0f} [{elapsed}<{remaining}{postfix}]",
            )
        return self

    def __call__(self, t: float, steps: int | None = None, **info: Any) -> None:
        if self.off:
            return
        t = min(float(t), self.t_end)
        now = time.perf_counter()
        if self._first is None:
            self._first = (now, t)
        if self._bar is not None:
            self._bar.update(t - self._last)
            if steps is not None:
                rate = steps / max(now - self._t0, 1e-9)
                self._bar.set_postfix_str(f"{rate:.0f} steps/s", refresh=False)
        self._last = t
        if self.lines and now >= self._next_line:
            self._next_line = now + self._every
            self._write_line(now, t)

    def set_done(self, n: int) -> None:
        """How many realizations of an ensemble have finished (shown in the progress lines)."""
        self._done = int(n)

    def eta(self, now: float, t: float) -> float | None:
        """Seconds left from the rate measured since the first report; None before a tenth of the run."""
        if self._first is None or t < 0.1 * self.t_end or t <= self._first[1]:
            return None
        rate = (t - self._first[1]) / max(now - self._first[0], 1e-9)
        return (self.t_end - t) / rate

    def _write_line(self, now: float, t: float) -> None:
        pct = 100.0 * t / self.t_end if self.t_end > 0 else 100.0
        if self.realizations:
            done = "" if self._done is None else f", {self._done}/{self.realizations} done"
            msg = (f"flavomon: {self.desc}: {self.realizations} realizations, t = {t:.6g}/{self.t_end:.6g} summed over "
                   f"them ({pct:.0f}%{done}), {format_seconds(now - self._t0)} elapsed")
        else:
            msg = f"flavomon: {self.desc}: t = {t:.6g}/{self.t_end:.6g} ({pct:.0f}%), {format_seconds(now - self._t0)} elapsed"
        eta = self.eta(now, t)
        if eta is not None:
            rate = (t - self._first[1]) / max(now - self._first[0], 1e-9)
            msg += f", about {format_seconds(eta)} left (from the measured rate: {rate:.3g} t/s)"
        else:
            msg += ", time left: measuring"
        if self._overall is not None:
            total = self._overall(eta)
            if total is not None:
                msg += f"; about {format_seconds(total)} left overall"
        print(msg, file=sys.stderr, flush=True)

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.close()
