"""Speed of the all-roots finder (all roots on a 600-point grid).

All roots (unstable, real, Landau-damped) on a 600-point K grid for ``benchmark:a=0.9`` in
<= 1 s median on one core.  BLAS is pinned to one thread *before* NumPy is imported (on a
shared machine multi-threaded OpenBLAS can be 20-50x slower for the small eig problems).

Run:  python benchmarks/bench_modes.py [--repeats 7] [--n-K 600]

Prints the median and min of ``find_modes`` over repeats, and a one-shot breakdown
(seeding: eig(M) + Newton; continuation; band edges / gamma_max refinement; properties),
measured side by side in the same run.
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--n-K", type=int, default=600)
    ap.add_argument("--spec", default="benchmark:a=0.9")
    args = ap.parse_args()

    from flavomon.distributions import from_spec
    from flavomon.linear import find_modes
    from flavomon.linear import bands as _growth
    from flavomon.linear import roots as _roots
    from flavomon.linear.dielectric import get_dielectric

    dist = from_spec(args.spec)
    K = np.linspace(-2.5, 1.0, args.n_K)
    get_dielectric(dist)  # one-off set-up (moments, derivative check) outside the timing
    find_modes(dist, K)  # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        r = find_modes(dist, K)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)

    # breakdown: wrap the stages
    acc: dict[str, float] = {}

    def timed(name, f):
        def g(*a, **k):
            t0 = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                acc[name] = acc.get(name, 0.0) + time.perf_counter() - t0

        return g

    orig = (_roots._seed_roots, _roots._continue_segments, _growth._analyse_bands, _roots._assemble_branches)
    _roots._seed_roots = timed("seeding (eig(M) + Newton)", orig[0])
    _roots._continue_segments = timed("continuation along K", orig[1])
    _growth._analyse_bands = timed("band edges + gamma_max refinement", orig[2])
    _roots._assemble_branches = timed("branch assembly", orig[3])
    t0 = time.perf_counter()
    find_modes(dist, K)
    total = time.perf_counter() - t0
    _roots._seed_roots, _roots._continue_segments, _growth._analyse_bands, _roots._assemble_branches = orig

    n = int(np.isfinite(r.Omega).sum())
    print(f"find_modes({args.spec}, {args.n_K} K points): {r.Omega.shape[1]} branches, {n} roots")
    print(f"  kinds: " + ", ".join(f"{k}={int((r.kind == k).sum())}" for k in ("unstable", "real", "damped")))
    print(f"  gamma_max = {r.gamma_max:.10f} at K = {r.K_at_gamma_max:.6f}")
    print(f"  median {med:.3f} s, min {min(times):.3f} s over {args.repeats} repeats (target <= 1 s)")
    print(f"  breakdown of one run ({total:.3f} s):")
    for k, v in acc.items():
        print(f"    {k:38s} {v:.3f} s ({100 * v / total:.0f}%)")
    print(f"    {'properties (X, Z, v_g) + rest':38s} {total - sum(acc.values()):.3f} s")


if __name__ == "__main__":
    main()
