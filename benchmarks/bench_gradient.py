"""Cost of a matter gradient (docs §11): one QKE realization and one full-QLT run, G = 0 against G != 0, side by
side in one run (interleaved, medians), benchmark a = 0.9, t = 500.

    python benchmarks/bench_gradient.py [--repeat 3] [--out benchmarks/results/bench_gradient.json] [--qlt-only]

The QKE is compared at the same Nz (the automatic one of the gradient run), so the ratio is the cost of the
drift phases alone; QLT at G = 0 runs on F2's grid, with the gradient on the label grid that holds every
entering label (flavomon.qlt.checks.drift_grid).  ``--qlt-only`` skips the QKE (for iterating on the QLT; the
results file comes from a full run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings

import flavomon as fm
from flavomon.qke import QKEConfig, run_realization
from flavomon.qlt import QLTConfig
from flavomon.qlt.checks import drift_grid


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--G", type=float, default=-0.004)
    ap.add_argument("--backend", default=None)
    ap.add_argument("--out", default=None)
    ap.add_argument("--qlt-only", action="store_true", help="time the QLT runs only (no QKE)")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore", fm.PhysicsWarning)
    dist = fm.from_spec("benchmark:a=0.9")
    Nz = QKEConfig(gradient=a.G, realizations=1).resolve(dist).Nz
    qke = {0.0: [], a.G: []}
    qlt = {0.0: [], a.G: []}
    if not a.qlt_only:
        run_realization(dist, QKEConfig(Nz=Nz, realizations=1, t_end=10.0, gradient=a.G, backend=a.backend))  # warm-up
    fm.run_qlt(dist, QLTConfig(gradient=a.G, t_end=10.0, **drift_grid(dist, a.G, 500.0)))  # warm-up (compiled loops)
    for _ in range(a.repeat):
        for G in () if a.qlt_only else (0.0, a.G):
            t0 = time.perf_counter()
            run_realization(dist, QKEConfig(Nz=Nz, realizations=1, gradient=G, backend=a.backend))
            qke[G].append(time.perf_counter() - t0)
        for G in (0.0, a.G):
            cfg = QLTConfig() if G == 0.0 else QLTConfig(gradient=G, **drift_grid(dist, G, 500.0))
            t0 = time.perf_counter()
            fm.run_qlt(dist, cfg)
            qlt[G].append(time.perf_counter() - t0)
    res = {
        "G": a.G, "Nz": Nz, "backend": a.backend or fm.qke.default_backend(),
        "qke_single_s": {str(k): v for k, v in qke.items()}, "qlt_s": {str(k): v for k, v in qlt.items()},
        "qke_median_ratio": statistics.median(qke[a.G]) / statistics.median(qke[0.0]) if not a.qlt_only else None,
        "qlt_median_s": {str(k): statistics.median(v) for k, v in qlt.items()},
    }
    print(json.dumps(res, indent=1))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
