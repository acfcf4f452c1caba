"""How close can the ray tracer come to the label QLT of a uniform gradient?  (docs §12 Anchor)

Benchmark a = 0.9, G = -0.004, L = 100, t = 300 on the drift grid of docs §11 (both drivers on the same labels at
t = 0).  The label QLT of docs §11 (:mod:`flavomon.qlt.full`) is run at its defaults and with each of its numerical
and modelling parameters changed in turn (rtol, the K spacing, dt_max, the hand-over gain and the step of the entering
labels' linear evolution); the ray tracer (2 cells of 50) at its defaults, rtol, half the splitting step and half the
K spacing.  Every run is compared with the label QLT at rtol = 1e-7 (sum_v w_v |Delta D_v| at t = 50, 100, 150, 300),
so the spread of the label QLT under its own parameters is the scale against which the ray tracer's difference reads.

    python benchmarks/study_uniform_gradient_limit.py   # ~2 min on 2 cores -> benchmarks/results/uniform_gradient_limit.json
"""

from __future__ import annotations

import json
import time
import warnings

import numpy as np

import flavomon as fm
import flavomon.qlt.entry as entry
import flavomon.qlt.full as full
from flavomon.distributions import benchmark
from flavomon.qlt.checks import drift_grid

G, T, L, DK = -0.004, 300.0, 100.0, 4.0 / 599
TIMES = (50, 100, 150, 300)


def run(cell: float | None = None, dk: float = DK, **kw) -> tuple[np.ndarray, np.ndarray, float]:
    grid = drift_grid(benchmark(0.9), G, T, dk=dk)
    t0 = time.perf_counter()
    r = fm.run_qlt("benchmark:a=0.9", fm.QLTConfig(L=L, gradient=G, t_end=T, cell=cell, **grid, **kw))
    return r.D, r.w, time.perf_counter() - t0


def main() -> None:
    warnings.simplefilter("ignore")
    runs: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
    runs["labels rtol=1e-7 (reference)"] = run(rtol=1e-7, atol=1e-9)
    runs["labels (defaults)"] = run()
    runs["labels rtol=1e-5"] = run(rtol=1e-5)
    runs["labels dk/2"] = run(dk=DK / 2)
    runs["labels dt_max=5"] = run(dt_max=5.0)
    gain = full.HANDOVER_GAIN
    try:
        full.HANDOVER_GAIN = 3.0
        runs["labels hand-over gain 3 (2)"] = run()
    finally:
        full.HANDOVER_GAIN = gain
    step = entry.SEED_STEP
    try:
        entry.SEED_STEP = 0.5
        runs["labels entry step 0.5 (1)"] = run()
    finally:
        entry.SEED_STEP = step
    runs["ray tracer (defaults)"] = run(cell=50.0)
    runs["ray tracer rtol=1e-7"] = run(cell=50.0, rtol=1e-7, atol=1e-9)
    runs["ray tracer dt_max=0.5"] = run(cell=50.0, dt_max=0.5)
    runs["ray tracer dk/2"] = run(cell=50.0, dk=DK / 2)
    D_ref, w, _ = runs["labels rtol=1e-7 (reference)"]
    out = {"case": {"distribution": "benchmark:a=0.9", "gradient": G, "t_end": T, "L": L, "cells": 2},
           "times": list(TIMES), "runs": {}}
    print(f"{'run':32s} " + " ".join(f"L1(t={t})" for t in TIMES) + "   change(t_end)  wall")
    for name, (D, w_, wall) in runs.items():
        l1 = [float(w @ np.abs(D[t] - D_ref[t])) for t in TIMES]
        change = float(w @ np.abs(D[-1] - D[0]))
        out["runs"][name] = {"L1_to_reference": l1, "change": change, "wall_s": wall}
        print(f"{name:32s} " + " ".join(f"{x:9.2e}" for x in l1) + f"   {change:.6f}   {wall:5.1f} s", flush=True)
    with open("benchmarks/results/uniform_gradient_limit.json", "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
