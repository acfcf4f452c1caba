"""Benchmark of the QKE box solver: one realization and the 20-realization ensemble, back-ends side by side.

The F2 benchmark [docs §4]: L = 100, Nv = 100, benchmark:a=0.9, t = 500, at the automatic resolution
(``Nz="auto"``, :mod:`flavomon.qke.resolution`) and at F2's Nz = 700.

    python benchmarks/bench_qke.py                           # everything below, 3 repeats (about 15 min)
    python benchmarks/bench_qke.py --parts single --t-end 50 # one realization only, shorter runs
    python benchmarks/bench_qke.py --parts stage             # the per-stage cost against the FFT floor

Parts (``--parts``, comma-separated):

* ``stage`` — one composition stage of the fused kernel split into its pieces (``ducc0`` FFT pair of
  psi + real FFT pair of D = the FFT floor, the phase multiply, the local RK4 step), against
  ``scipy.fft`` doing the same transforms; medians of many calls;
* ``single`` — one realization on one core, every back-end at both resolutions, interleaved (each
  repeat runs every case once, so the cases see the same machine load); median wall time and
  Mcell-updates/s = Nz * Nv * steps / s;
* ``ensemble`` — the 20-realization ensemble on ``--workers`` processes (median of ``--repeats``),
  at the automatic resolution, default back-end, plus one run at Nz = 700.

Every single-realization run is single-threaded (thread variables set before numpy is imported).
The machines this runs on are shared: read medians and the ratios within one run, not absolute times
from different runs.
"""

from __future__ import annotations

import os

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

from flavomon import from_spec  # noqa: E402
from flavomon.qke import QKEConfig, default_backend, run_qke, run_realization, seed_state  # noqa: E402


def _median_us(f, n: int = 200, rounds: int = 7) -> float:
    f()
    ts = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        ts.append((time.perf_counter() - t0) / n)
    return statistics.median(ts) * 1e6


def part_stage(dist, Nzs) -> list[dict]:
    import ducc0
    import scipy.fft as sfft

    from flavomon.qke._numba import BLOCK_Z, NumbaKernel, _mul_half, local_rk4

    rows = []
    for Nz in Nzs:
        cfg = QKEConfig(Nz=Nz, t_end=1.0, realizations=1, backend="numba").resolve(dist)
        k = NumbaKernel(cfg, cfg.D_v)
        u = k.initial_u(seed_state(cfg.D_v, cfg, 0))
        psi, D = k._split(u)
        dh = np.empty((cfg.Nv, Nz // 2 + 1), complex)

        def fft_floor():  # the transforms of one stage and nothing else
            ducc0.fft.c2c(psi, axes=(1,), forward=True, out=psi, nthreads=1)
            ducc0.fft.c2c(psi, axes=(1,), forward=False, out=psi, inorm=2, nthreads=1)
            ducc0.fft.r2c(D, axes=(1,), forward=True, out=dh, nthreads=1)
            ducc0.fft.c2r(dh, axes=(1,), forward=False, lastsize=Nz, out=D, inorm=2, nthreads=1)

        def fft_scipy():
            x = sfft.fft(psi, axis=1, workers=1)
            sfft.ifft(x, axis=1, workers=1, overwrite_x=True)
            y = sfft.rfft(D, axis=1, workers=1)
            sfft.irfft(y, n=Nz, axis=1, workers=1, overwrite_x=True)

        def phases():
            _mul_half(psi, dh, k.H[0], Nz, k.inv)

        def local():
            local_rk4(psi, D, k.v, k.w, k.wv, k.D0bar, k.D1bar, 1e-9, BLOCK_Z, k.rot[0])

        state = [u]

        def stage():  # the whole composition: advance by one step = 6 stages, per stage
            state[0] = k.advance(state[0], 1)

        row = {"Nz": Nz, "Nv": cfg.Nv,
               "fft_floor_ducc0_us": _median_us(fft_floor),
               "fft_scipy_us": _median_us(fft_scipy),
               "phases_us": _median_us(phases),
               "local_rk4_us": _median_us(local),
               "stage_us": _median_us(stage, n=30) / 6}
        row["stage_over_fft_floor"] = row["stage_us"] / row["fft_floor_ducc0_us"]
        rows.append(row)
        print(f"stage Nz={Nz:4d}: FFT floor (ducc0) {row['fft_floor_ducc0_us']:.0f} us (scipy.fft {row['fft_scipy_us']:.0f}); "
              f"phases {row['phases_us']:.0f} us; local RK4 {row['local_rk4_us']:.0f} us; whole stage in advance() "
              f"{row['stage_us']:.0f} us = {row['stage_over_fft_floor']:.2f} x the FFT floor", flush=True)
    return rows


def part_single(dist, spec, Nzs, backends, t_end, repeats) -> list[dict]:
    cases = [(be, Nz) for Nz in Nzs for be in backends]
    for be, Nz in cases:  # compile / load caches outside the timing
        run_realization(dist, QKEConfig(Nz=Nz, t_end=1.0, realizations=1, backend=be))
    times: dict[tuple, list[float]] = {c: [] for c in cases}
    info: dict[tuple, tuple] = {}
    for _ in range(repeats):
        for be, Nz in cases:
            cfg = QKEConfig(Nz=Nz, t_end=t_end, realizations=1, backend=be)
            t0 = time.perf_counter()
            r = run_realization(dist, cfg)
            times[(be, Nz)].append(time.perf_counter() - t0)
            info[(be, Nz)] = (r.config.Nz, r.steps)
    rows = []
    for (be, Nz), ts in times.items():
        nz, steps = info[(be, Nz)]
        med = statistics.median(ts)
        row = {"backend": be, "Nz_asked": Nz, "Nz": nz, "t_end": t_end, "median_s": med, "all_s": ts,
               "scaled_to_t500_s": med * 500.0 / t_end, "Mcell_updates_per_s": nz * 100 * steps / med / 1e6}
        rows.append(row)
        print(f"single {spec} {be:6s} Nz={Nz!s:>4}->{nz:4d}: median {med:.2f} s over {len(ts)} "
              f"({', '.join(f'{x:.2f}' for x in ts)}); t=500: {row['scaled_to_t500_s']:.1f} s; "
              f"{row['Mcell_updates_per_s']:.1f} Mcell-updates/s", flush=True)
    return rows


def part_ensemble(dist, spec, realizations, workers, repeats, t_end) -> list[dict]:
    rows = []
    for Nz, reps in (("auto", repeats), (700, 1)):
        ts = []
        for _ in range(reps):
            cfg = QKEConfig(Nz=Nz, t_end=t_end, realizations=realizations)
            t0 = time.perf_counter()
            r = run_qke(dist, cfg, workers=workers)
            ts.append(time.perf_counter() - t0)
        med = statistics.median(ts)
        row = {"Nz_asked": Nz, "Nz": r.config.Nz, "backend": r.config.backend, "realizations": realizations,
               "workers": workers, "t_end": t_end, "median_s": med, "all_s": ts,
               "Mcell_updates_per_s": r.config.Nz * r.config.Nv * r.steps / med / 1e6}
        rows.append(row)
        print(f"ensemble {spec} {realizations} realizations, {workers} workers, Nz={Nz!s}->{r.config.Nz}, "
              f"{r.config.backend}: median {med:.1f} s over {len(ts)} ({', '.join(f'{x:.1f}' for x in ts)}); "
              f"{row['Mcell_updates_per_s']:.1f} Mcell-updates/s in total", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", default="stage,single,ensemble")
    ap.add_argument("--distribution", default="benchmark:a=0.9")
    ap.add_argument("--t-end", type=float, default=500.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--backends", default="numba,jax,numpy")
    ap.add_argument("--realizations", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=None, help="also write the numbers as JSON")
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # the Nz = 700 rows are above the rule; nothing to warn about here
    dist = from_spec(args.distribution)
    auto = QKEConfig(t_end=1.0, realizations=1).resolve(dist)
    print(f"# QKE benchmark: {args.distribution}, L=100, Nv=100, t_end={args.t_end:g}; automatic Nz = {auto.Nz} "
          f"({auto.nz_rule.describe()}); default back-end {default_backend()}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores", flush=True)
    parts = set(args.parts.split(","))
    out: dict = {"distribution": args.distribution, "Nz_auto": auto.Nz, "rule": auto.nz_rule.describe()}
    if "stage" in parts:
        out["stage"] = part_stage(dist, [auto.Nz, 700])
    if "single" in parts:
        out["single"] = part_single(dist, args.distribution, ["auto", 700], args.backends.split(","), args.t_end, args.repeats)
    if "ensemble" in parts:
        out["ensemble"] = part_ensemble(dist, args.distribution, args.realizations, args.workers, args.repeats, args.t_end)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
