"""Convergence of the QKE box in Nz: where the automatic resolution rule (``--Nz auto``) comes from.

For each distribution, the same realizations (same seeds: box mode n has the same random phase at
every Nz) are run at several Nz and at the F2 resolution Nz = 700, with everything else as in F2
(L = 100, Nv = 100, t = 500, default dt).  Reported per Nz:

* ``m`` — the margin K_Nyquist / K_band = (pi Nz / L) / max|K| over the unstable bands;
* ``L1`` — sum_v w_v |<D_v>(Nz) - <D_v>(700)| of the realization-mean D_v at t_end;
* ``spec`` — the largest relative difference of the realization-mean power |psi_{0,K}|^2 at t_end
  on the box modes both grids hold, over the modes where the Nz = 700 power exceeds 1e-8 (box
  normalisation of qke.nc; the F2 normalisation L^2 |psi_{0,K}|^2 is 1e4 times larger) — and the same
  with the threshold 1e-8 on L^2 |psi_{0,K}|^2 (``spec_F2``);
* ``s/real`` — wall seconds per realization (the study runs on ``--workers`` processes).

    python benchmarks/study_qke_resolution.py                                   # the committed study
    python benchmarks/study_qke_resolution.py --realizations 2 --Nz 128,256 --dists benchmark:a=0.9
    python benchmarks/study_qke_resolution.py --realizations 20 --Nz auto     # the default against Nz = 700

The result (``--out``, JSON) is what ``benchmarks/results/qke_resolution.md`` quotes and what the
margin :data:`flavomon.qke.resolution.NZ_MARGIN` is chosen from (docs §4, "Resolution").
"""

from __future__ import annotations

import os

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from flavomon import from_spec, unstable_bands  # noqa: E402
from flavomon.qke import QKEConfig, run_qke  # noqa: E402
from flavomon.qke.resolution import band_K_max  # noqa: E402

DISTS = ("benchmark:a=0.9,benchmark:a=0.7,benchmark:a=0.5,"
         "examples/tables/sn_like.csv,examples/tables/merger_like.csv,examples/tables/bwd_dip.csv")


def compare(ref, res) -> dict:
    w = ref.w
    L1 = float(np.sum(w * np.abs(res.D_mean[-1] - ref.D_mean[-1])))
    common = {float(k): i for i, k in enumerate(np.round(ref.K, 12))}
    idx = [(common[float(k)], j) for j, k in enumerate(np.round(res.K, 12)) if float(k) in common]
    i_ref = np.array([a for a, _ in idx])
    i_res = np.array([b for _, b in idx])
    p_ref = ref.power[:, -1, i_ref].mean(axis=0)
    p_res = res.power[:, -1, i_res].mean(axis=0)
    L = ref.config.L
    out = {"L1": L1}
    for key, thr in (("spec", 1e-8), ("spec_F2", 1e-8 / L**2)):
        sel = p_ref > thr
        out[key] = float(np.max(np.abs(p_res[sel] - p_ref[sel]) / p_ref[sel])) if sel.any() else 0.0
        out[key + "_modes"] = int(sel.sum())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dists", default=DISTS)
    ap.add_argument("--Nz", default="96,128,160,192,256,350")
    ap.add_argument("--Nz-ref", type=int, default=700)
    ap.add_argument("--realizations", type=int, default=4)
    ap.add_argument("--t-end", type=float, default=500.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--backend", default=None)
    ap.add_argument("--out", default="qke_resolution.json")
    args = ap.parse_args()
    import warnings

    warnings.simplefilter("ignore")  # the under-resolved rows are the point of the study
    rows = []
    for spec in args.dists.split(","):
        dist = from_spec(spec)
        Kb = band_K_max(unstable_bands(dist))
        base = dict(t_end=args.t_end, realizations=args.realizations, backend=args.backend)
        t0 = time.perf_counter()
        ref = run_qke(dist, QKEConfig(Nz=args.Nz_ref, **base), workers=args.workers)
        t_ref = (time.perf_counter() - t0) * args.workers / args.realizations
        print(f"# {spec}: K_band = {Kb:.4f}; Nz_ref = {args.Nz_ref} ({t_ref:.1f} s/realization)", flush=True)
        for Nz in (x if x == "auto" else int(x) for x in args.Nz.split(",")):
            t0 = time.perf_counter()
            res = run_qke(dist, QKEConfig(Nz=Nz, **base), workers=args.workers)
            Nz = res.config.Nz
            sec = (time.perf_counter() - t0) * args.workers / args.realizations
            m = np.pi * Nz / ref.config.L / Kb
            row = {"dist": spec, "K_band": Kb, "Nz": Nz, "auto": res.config.Nz_auto, "m": m, "s_per_realization": sec,
                   "realizations": args.realizations, "t_end": args.t_end} | compare(ref, res)
            rows.append(row)
            print(f"  Nz={Nz:4d} m={m:5.2f}  L1={row['L1']:.2e}  spec={row['spec']:.2e} ({row['spec_modes']} modes)  "
                  f"spec_F2={row['spec_F2']:.2e} ({row['spec_F2_modes']} modes)  {sec:.1f} s/real", flush=True)
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
