"""The suppression of fast flavor conversion by a matter gradient: QKE ensemble, QLT and the linear estimate
against G for one distribution (docs §11).  Not a test: a study whose results are committed in
benchmarks/results/gradient_*.json.

    python benchmarks/study_gradient.py benchmark:a=0.9 --G -0.012 -0.008 -0.004 0 0.004 --realizations 6
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

import numpy as np

import flavomon as fm
from flavomon.qke import QKEConfig
from flavomon.qlt import QLTConfig
from flavomon.qlt.checks import drift_grid
from flavomon.report import l1_distance


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("distribution")
    ap.add_argument("--G", type=float, nargs="+", required=True)
    ap.add_argument("--realizations", type=int, default=6)
    ap.add_argument("--t-end", type=float, default=500.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore", fm.PhysicsWarning)
    dist = fm.from_spec(a.distribution)
    rows = []
    for G in a.G:
        t0 = time.perf_counter()
        q = fm.run_qke(dist, QKEConfig(realizations=a.realizations, t_end=a.t_end, gradient=G))
        t_qke = time.perf_counter() - t0
        w = q.w
        D0 = q.D[0, 0]
        Dm = q.D[:, -1].mean(axis=0)
        floor = float(w @ (q.D[:, -1].std(axis=0, ddof=1) / np.sqrt(a.realizations)))
        t0 = time.perf_counter()
        ql = fm.run_qlt(dist, QLTConfig(t_end=a.t_end, gradient=G, **drift_grid(dist, G, a.t_end)))
        t_qlt = time.perf_counter() - t0
        row = {
            "G": G, "Nz": int(q.config.Nz), "realizations": a.realizations,
            "change_qke": l1_distance(w, Dm, D0), "change_qke_each": [l1_distance(w, d[-1], D0) for d in q.D],
            "noise_floor": floor,
            "change_qlt": l1_distance(ql.w, ql.D[-1], ql.D[0]),
            "L1_qlt_qke": l1_distance(w, ql.D[-1], Dm),
            "max_gain": float(fm.linear.max_drift_gain(dist, G)) if G != 0 else float("inf"),
            "seconds_qke": t_qke, "seconds_qlt": t_qlt,
        }
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "change_qke_each"}), flush=True)
        with open(a.out, "w") as f:
            json.dump({"distribution": a.distribution, "t_end": a.t_end, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
