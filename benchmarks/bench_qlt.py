"""Benchmark: full QLT run (F2 grid: Nv=100, n_K=600, t_end=500) for a = 0.9, 0.7, 0.5 on one core.

Usage::

    python benchmarks/bench_qlt.py [--repeats 5] [--qke-t 20]

Reports the median wall time of ``run_qlt`` over ``--repeats`` runs per a (target
<= 1 s per run), and, side by side in the same run, the cost of the QKE box ensemble it
replaces: one QKE realization is timed to ``t = --qke-t`` and extrapolated linearly to
20 realizations x t = 500 (the full ensemble takes ~30 min per a on one core; pass
``--qke-t 500 --qke-realizations 20 --qke-backend jax --qke-workers 2`` to time the real
ensemble, as ``flavomon reproduce --full`` runs it).  BLAS is pinned to one thread
before numpy is imported.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from flavomon.distributions import benchmark  # noqa: E402
from flavomon.qlt import QLTConfig, run_qlt  # noqa: E402


def time_qke(a: float, t_end: float, realizations: int, backend: str = "numpy", workers: int = 1) -> float | None:
    try:
        from flavomon.qke import QKEConfig, run_qke
    except ImportError:
        return None
    cfg = QKEConfig(t_end=t_end, realizations=realizations, backend=backend)
    t0 = time.perf_counter()
    run_qke(benchmark(a), cfg, workers=workers)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--qke-t", type=float, default=20.0)
    ap.add_argument("--qke-realizations", type=int, default=1)
    ap.add_argument("--qke-backend", choices=("numpy", "jax"), default="numpy")
    ap.add_argument("--qke-workers", type=int, default=1)
    ap.add_argument("--a", default="0.9,0.7,0.5", help="comma-separated a values")
    args = ap.parse_args()
    run_qlt(benchmark(0.9), QLTConfig(t_end=20.0))  # warm-up (imports, caches)
    print(f"{'a':>4} {'QLT median [s]':>15} {'min':>7} {'max':>7} {'steps':>6} {'D0 drift':>9} {'QKE ens. [s]':>13} {'ratio':>8}")
    for a in (float(x) for x in args.a.split(",")):
        ts = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            r = run_qlt(benchmark(a), QLTConfig())
            ts.append(time.perf_counter() - t0)
        med = statistics.median(ts)
        tq = time_qke(a, args.qke_t, args.qke_realizations, args.qke_backend, args.qke_workers)
        if tq is not None:
            tq_full = tq * (500.0 / args.qke_t) * (20 / args.qke_realizations)
            qs, ratio = f"{tq_full:13.0f}", f"{tq_full / med:8.0f}"
        else:
            qs, ratio = f"{'n/a':>13}", f"{'n/a':>8}"
        print(f"{a:4.1f} {med:15.3f} {min(ts):7.3f} {max(ts):7.3f} {r.diagnostics['steps']:6d} {r.D0_drift:9.1e} {qs} {ratio}")


if __name__ == "__main__":
    main()
