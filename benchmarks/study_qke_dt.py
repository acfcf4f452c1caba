"""The dt criterion at the automatic resolution: does halving dt move the ensemble mean by less than its error?

For each distribution, the same 20 realizations (same seeds, ``Nz="auto"``) are run with the default step
(dt = 0.5 for the F2 benchmarks) and with half of it.  Reported at t_end:

* ``max_v |dD_v| / SE_v`` — the largest shift of the realization-mean D_v over its standard error
  SE_v = std_v / sqrt(R) (the yardstick of the QKE-vs-QLT comparison);
* ``L1(dt, dt/2)`` = sum_v w_v |dD_v| against the noise floor sum_v w_v SE_v (report.py's definition).

    python benchmarks/study_qke_dt.py                                   # a = 0.9, 0.7, 0.5, 20 realizations
    python benchmarks/study_qke_dt.py --dists benchmark:a=0.9 --realizations 6
"""

from __future__ import annotations

import os

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from flavomon.qke import QKEConfig, run_qke  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dists", default="benchmark:a=0.9,benchmark:a=0.7,benchmark:a=0.5")
    ap.add_argument("--realizations", type=int, default=20)
    ap.add_argument("--t-end", type=float, default=500.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="qke_dt.json")
    args = ap.parse_args()
    rows = []
    for spec in args.dists.split(","):
        base = dict(t_end=args.t_end, realizations=args.realizations)
        t0 = time.perf_counter()
        a = run_qke(spec, QKEConfig(**base), workers=args.workers)
        b = run_qke(spec, QKEConfig(dt=a.config.dt_used / 2, **base), workers=args.workers)
        w = a.w
        dD = b.D_mean[-1] - a.D_mean[-1]
        se = a.D.std(axis=0, ddof=1)[-1] / np.sqrt(a.D.shape[0])
        row = {"dist": spec, "Nz": a.config.Nz, "dt": a.config.dt_used, "dt_half": b.config.dt_used,
               "realizations": args.realizations, "max_shift_over_se": float(np.max(np.abs(dD) / se)),
               "L1_dt_vs_half": float(np.sum(w * np.abs(dD))), "noise_floor": float(np.sum(w * se)),
               "wall_s": time.perf_counter() - t0}
        rows.append(row)
        print(f"{spec}: Nz={row['Nz']} dt={row['dt']:g} vs {row['dt_half']:g}: max_v |dD_v|/SE_v = {row['max_shift_over_se']:.3f}; "
              f"L1 = {row['L1_dt_vs_half']:.2e} against the noise floor {row['noise_floor']:.2e} "
              f"({row['wall_s']:.0f} s)", flush=True)
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
