"""Does the box convert on waves that are moved off their band?  (docs §12, Case A.)

A homogeneous F2 box (benchmark a = 0.9, the default QKEConfig) is run to saturation at t = 300.  Then every
transverse field is moved in K by dK = 2 pi m / L at once, psi_v(z) -> psi_v(z) e^{i dK z} (the impulse of a matter
gradient: the drift of Case A, in one go), and the box runs on to t = 700.  m = 0 is the box without the kick (the
same state continued).  Measured per realization: sum_v w_v |D_v - D_v(0)| and |D_v - D_v(300)| (box averages) at
t = 350, 400, 500, 700, and the box power.

Usage::

    python benchmarks/kick_after_saturation.py [--realizations 4] [--m 0 4 16]

Writes benchmarks/results/kick_after_saturation.json.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

import flavomon as fm
from flavomon.grids import VelocityGrid
from flavomon.qke.evolve import make_kernel
from flavomon.qke.state import seed_state

T_SAT, T_END, TIMES = 300, 700, (350, 400, 500, 700)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--realizations", type=int, default=4)
    p.add_argument("--m", type=int, nargs="+", default=[0, 4, 16])
    args = p.parse_args()
    dist = fm.from_spec("benchmark:a=0.9")
    cfg = fm.QKEConfig(t_end=T_END).resolve(dist)
    z, w = cfg.box().z, VelocityGrid(cfg.Nv).w
    spo, dt = cfg.steps_per_out, cfg.dt_out
    runs: dict[int, list] = {m: [] for m in args.m}
    sat = []
    for r in range(args.realizations):
        ker = make_kernel(cfg, cfg.D_v)
        u = ker.initial_u(seed_state(cfg.D_v, cfg, r))
        D0 = ker.diagnose(u, 0.0)["D_v"]
        for k in range(T_SAT):
            u = ker.advance(u, spo, k * dt)
        Dsat = ker.diagnose(u, T_SAT * dt)["D_v"]
        sat.append(float(w @ np.abs(Dsat - D0)))
        P_sat = ker.true_state(u, T_SAT * dt)
        for m in args.m:
            P = P_sat.copy()
            psi = (P[0] + 1j * P[1]) * np.exp(1j * (2 * np.pi * m / cfg.L) * z)[None, :]
            P[0], P[1] = psi.real, psi.imag
            uu = ker.initial_u(P, T_SAT * dt)
            rec = []
            for k in range(T_SAT, T_END):
                uu = ker.advance(uu, spo, k * dt)
                if k + 1 in TIMES:
                    d = ker.diagnose(uu, (k + 1) * dt)
                    rec.append({"t": k + 1, "L1_from_initial": float(w @ np.abs(d["D_v"] - D0)),
                                "L1_from_saturation": float(w @ np.abs(d["D_v"] - Dsat)),
                                "power": float(np.sum(d["power"]))})
            runs[m].append(rec)
            print(f"realization {r}, m = {m}: " + ", ".join(
                f"t={x['t']}: {x['L1_from_initial']:.4f} / {x['L1_from_saturation']:.4f}" for x in rec), flush=True)
    summary = {m: {"dK": 2 * np.pi * m / cfg.L,
                   "mean_L1_from_initial_at_t_end": float(np.mean([rr[-1]["L1_from_initial"] for rr in runs[m]])),
                   "mean_L1_from_saturation_at_t_end": float(np.mean([rr[-1]["L1_from_saturation"] for rr in runs[m]]))}
               for m in args.m}
    out = {"distribution": "benchmark:a=0.9", "L": cfg.L, "Nz": cfg.Nz, "t_saturation": T_SAT, "t_end": T_END,
           "realizations": args.realizations, "L1_saturation_from_initial": sat,
           "mean_L1_saturation_from_initial": float(np.mean(sat)), "runs": {str(m): v for m, v in runs.items()},
           "summary": {str(m): v for m, v in summary.items()}}
    path = os.path.join(os.path.dirname(__file__), "results", "kick_after_saturation.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("saturation", round(out["mean_L1_saturation_from_initial"], 4), {m: {k: round(x, 4) for k, x in v.items()}
                                                                           for m, v in summary.items()})


if __name__ == "__main__":
    main()
