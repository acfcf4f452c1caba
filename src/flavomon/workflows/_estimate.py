"""How long a run will take, estimated before it starts (for the heads-up line and reproduce's overall ETA).

The QKE cost is proportional to realizations x steps x stages x Nv x Nz (the FFT's log factor changes
the constant by < 10 % between Nz = 360 and 700).  The constants are the measured wall seconds per
(BM4 step x Nv x Nz) of one realization on the reference machine (2 cores of an AMD EPYC with
AVX-512, ``benchmarks/results/bench_qke.json``): numba 1.45e-7, JAX 2.3e-7, NumPy 4.6e-7.  A
realization runs on one core, so ``workers`` of them run side by side (with ~12 % overhead for the
pool, measured: 20 realizations on 2 workers 55.7 s against 20 x 4.96 s / 2 = 49.6 s).

An estimate, not a promise: the progress lines replace it by the measured rate once the run is going.
"""

from __future__ import annotations

import math
import os

from ..qke.steppers import get_stepper

__all__ = ["SECONDS_PER_POINT_STEP", "STARTUP_S", "qke_seconds", "PIECE_S", "LONG_RUN_S"]

SECONDS_PER_POINT_STEP = {"numba": 1.45e-7, "jax": 2.3e-7, "numpy": 4.6e-7}
"""Wall seconds per BM4 step per (v, z) grid point of one realization, reference machine."""

POOL_OVERHEAD = 1.12
"""Measured ratio of an ensemble on a process pool to the ideal realizations x single / workers."""

STARTUP_S = 5.0
"""Measured start-up of an ensemble (spawning the worker processes, importing and compiling the
kernel): ``flavomon reproduce --quick`` QKE pieces take ~10 s for ~5 s of stepping."""

PIECE_S = 1.0
"""A modes or QLT run on the reference machine (measured 0.6–1.3 s each in ``flavomon reproduce``): never long."""

LONG_RUN_S = 120.0
"""Runs estimated longer than this get a one-line heads-up before they start."""


def qke_seconds(config, workers: int | None = None) -> float:
    """Estimated wall seconds of a resolved :class:`~flavomon.qke.QKEConfig` ensemble on ``workers`` processes."""
    stages = get_stepper(config.stepper).stages / get_stepper("bm4").stages
    steps = config.t_end / config.dt_used
    one = SECONDS_PER_POINT_STEP.get(config.backend, SECONDS_PER_POINT_STEP["numpy"]) * steps * stages * config.Nv * config.Nz
    R = int(config.realizations)
    w = min(R, workers if workers else (os.cpu_count() or 1))
    if w <= 1:
        return STARTUP_S + one * R
    return STARTUP_S + one * math.ceil(R / w) * POOL_OVERHEAD
