"""Benchmark of the QKE box solver (time per realization and per ensemble).

The F2 benchmark [docs §4]: L = 100, Nz = 700, Nv = 100, a = 0.9, t = 500.

    python benchmarks/bench_qke.py                       # one realization, t = 500, numpy + jax, 3 repeats
    python benchmarks/bench_qke.py --t-end 50            # shorter runs; times scaled to t = 500
    python benchmarks/bench_qke.py --ensemble            # 20 realizations on 2 workers (one run)

Reports the median wall time over repeats (the machine is shared: medians, and back-ends side by
side in the same run), Mcell-updates/s = Nz * Nv * steps / s, and the time scaled to t = 500.
Each single-realization run is single-threaded (thread variables set before numpy is imported).
"""

from __future__ import annotations

import os

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from flavomon.qke import QKEConfig, run_qke, run_realization  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--t-end", type=float, default=500.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--backends", default="numpy,jax")
    ap.add_argument("--stepper", default="bm4")
    ap.add_argument("--dt", type=float, default=None)
    ap.add_argument("--a", type=float, default=0.9)
    ap.add_argument("--ensemble", action="store_true", help="20 realizations on --workers processes instead")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--realizations", type=int, default=20)
    args = ap.parse_args()
    dist = f"benchmark:a={args.a}"
    print(f"# QKE benchmark: L=100 Nz=700 Nv=100 {dist} t_end={args.t_end:g} stepper={args.stepper} dt={args.dt}")
    if args.ensemble:
        for be in args.backends.split(","):
            cfg = QKEConfig(t_end=args.t_end, realizations=args.realizations, backend=be, stepper=args.stepper, dt=args.dt)
            t0 = time.perf_counter()
            r = run_qke(dist, cfg, workers=args.workers)
            wall = time.perf_counter() - t0
            print(f"{be:6s} ensemble {args.realizations} realizations on {args.workers} workers: {wall:.1f} s "
                  f"(scaled to t=500: {wall * 500 / args.t_end:.1f} s), {r.config.Nz * r.config.Nv * r.steps / wall / 1e6:.2f} Mcell-updates/s total")
        return
    res: dict[str, list[float]] = {}
    for be in args.backends.split(","):
        cfg = QKEConfig(t_end=args.t_end, realizations=1, backend=be, stepper=args.stepper, dt=args.dt)
        if be == "jax":  # compile once outside the timing
            run_realization(dist, QKEConfig(t_end=cfg.dt_out, realizations=1, backend=be, stepper=args.stepper, dt=args.dt))
        res[be] = []
    steps = {}
    for _ in range(args.repeats):
        for be in res:  # interleaved: back-ends see the same machine load
            cfg = QKEConfig(t_end=args.t_end, realizations=1, backend=be, stepper=args.stepper, dt=args.dt)
            t0 = time.perf_counter()
            r = run_realization(dist, cfg)
            res[be].append(time.perf_counter() - t0)
            steps[be] = r.steps
    for be, ts in res.items():
        med = statistics.median(ts)
        mc = 700 * 100 * steps[be] / med / 1e6
        print(f"{be:6s} one realization: median {med:.2f} s over {len(ts)} (all: {', '.join(f'{x:.2f}' for x in ts)}); "
              f"scaled to t=500: {med * 500 / args.t_end:.1f} s; {steps[be]} steps of dt={args.t_end / steps[be]:.3g}; "
              f"{mc:.2f} Mcell-updates/s")


if __name__ == "__main__":
    main()
