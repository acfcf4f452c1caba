"""Progress display for long runs (simulated time, steps/s, ETA), built on tqdm.

Used by the workflows (and so by the CLI). Numerics take a plain ``progress(t_done, info)`` callback; this module turns it into a bar.
The bar is written to stderr and disabled when stderr is not a terminal unless forced.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from tqdm import tqdm


class SimTimeProgress:
    """Context manager: ``with SimTimeProgress(t_end, desc) as cb: solver(progress=cb)``.

    ``cb(t, steps=None)`` updates the bar to simulated time ``t``; the postfix shows steps/s.
    """

    def __init__(self, t_end: float, desc: str = "", *, disable: bool | None = None) -> None:
        self.t_end = float(t_end)
        self.desc = desc
        self.disable = (not sys.stderr.isatty()) if disable is None else disable
        self._bar: Any = None
        self._t0 = 0.0
        self._last = 0.0

    def __enter__(self) -> "SimTimeProgress":
        self._bar = tqdm(
            total=self.t_end,
            desc=self.desc,
            unit="t",
            file=sys.stderr,
            disable=self.disable,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| t={n:.1f}/{total:.0f} [{elapsed}<{remaining}{postfix}]",
        )
        self._t0 = time.perf_counter()
        return self

    def __call__(self, t: float, steps: int | None = None, **info: Any) -> None:
        if self._bar is None:
            return
        t = min(float(t), self.t_end)
        self._bar.update(t - self._last)
        self._last = t
        if steps is not None:
            rate = steps / max(time.perf_counter() - self._t0, 1e-9)
            self._bar.set_postfix_str(f"{rate:.0f} steps/s", refresh=False)

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.close()
