"""Before/after table of the numbers a refactor must not move.

Run once per source tree (the CLI and the linear-theory functions are stable interfaces), then compare::

    PYTHONPATH=/path/to/old/src python benchmarks/numbers_before_after.py run OLD_DIR
    python benchmarks/numbers_before_after.py run NEW_DIR
    python benchmarks/numbers_before_after.py compare OLD_DIR NEW_DIR

``run`` writes into DIR: ``linear.json`` (gamma_max and every band edge of the F2 benchmark a = 0.9, 0.7, 0.5 and
two example tables), ``qlt_*.nc`` / ``qlt_res_*.nc`` (full and resonant QLT, a = 0.9, 0.7, 0.5) and
``qke_<backend>.nc`` (one QKE realization of a = 0.9, t = 500, each back-end).  ``compare`` prints a Markdown table:
relative differences of the linear numbers, L1 of the final QLT D_v, and whether the QKE files are bit-identical.
Expect about 5 minutes per ``run`` on 2 cores.
"""

from __future__ import annotations

import json

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
A_VALUES = (0.9, 0.7, 0.5)
TABLES = ("examples/tables/double_bump.csv", "examples/tables/sn_like.csv")


def _specs() -> list[str]:
    return [f"benchmark:a={a}" for a in A_VALUES] + [str(ROOT / t) for t in TABLES]


def _cli(*args: str) -> None:
    cmd = [sys.executable, "-m", "flavomon", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr}")


def run(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    import flavomon.linear as lin

    lin_numbers = {}
    for spec in _specs():
        g, K, Om = lin.growth_rate_max(spec)
        bands = lin.unstable_bands(spec)
        lin_numbers[Path(spec).name] = {
            "gamma_max": g,
            "K_at_max": K,
            "edges": [[b.K_lo, b.K_hi] for b in bands],
            "band_gamma_max": [b.gamma_max for b in bands],
        }
        print(spec, g, [(b.K_lo, b.K_hi) for b in bands], flush=True)
    (out / "linear.json").write_text(json.dumps(lin_numbers, indent=1))
    for a in A_VALUES:
        _cli("qlt", "--distribution", f"benchmark:a={a}", "--out", str(out / f"qlt_{a}.nc"), "--no-progress")
        _cli("qlt", "--distribution", f"benchmark:a={a}", "--resonant", "--out", str(out / f"qlt_res_{a}.nc"),
             "--no-progress")
        print("qlt", a, flush=True)
    for backend in ("numpy", "jax"):
        _cli("qke", "--distribution", "benchmark:a=0.9", "--realizations", "1", "--backend", backend,
             "--out", str(out / f"qke_{backend}.nc"), "--no-progress")
        print("qke", backend, flush=True)


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), 1e-300)


def compare(old: Path, new: Path) -> None:
    import xarray as xr

    lo = json.loads((old / "linear.json").read_text())
    ln = json.loads((new / "linear.json").read_text())
    print("| distribution | gamma_max old | gamma_max new | rel. diff | band edges (old) | max rel. diff of edges |")
    print("|---|---|---|---|---|---|")
    for name, o in lo.items():
        n = ln[name]
        eo, en = np.array(o["edges"]), np.array(n["edges"])
        if eo.shape != en.shape:
            ed = "different number of bands"
        else:
            ed = f"{max((_rel(x, y) for x, y in zip(eo.ravel(), en.ravel())), default=0.0):.1e}"
        print(f"| {name} | {o['gamma_max']:.12g} | {n['gamma_max']:.12g} | {_rel(o['gamma_max'], n['gamma_max']):.1e} "
              f"| {np.round(eo, 8).tolist()} | {ed} |")
    print()
    print("| run | L1 of final D_v (old vs new) | D0 drift old | D0 drift new |")
    print("|---|---|---|---|")
    for a in A_VALUES:
        for tag in ("qlt", "qlt_res"):
            with xr.open_dataset(old / f"{tag}_{a}.nc") as do, xr.open_dataset(new / f"{tag}_{a}.nc") as dn:
                w = do["w"].values
                Do, Dn = do["D"].values[-1], dn["D"].values[-1]
                l1 = float(np.sum(w * np.abs(Do - Dn)))
                d0 = [abs(float(np.sum(w * d["D"].values[-1])) - float(np.sum(w * d["D"].values[0]))) for d in (do, dn)]
                print(f"| {tag} a={a} | {l1:.1e} | {d0[0]:.1e} | {d0[1]:.1e} |")
    print()
    print("| QKE a=0.9, 1 realization, t=500 | D bit-identical | power bit-identical | max abs diff D |")
    print("|---|---|---|---|")
    for backend in ("numpy", "jax"):
        with xr.open_dataset(old / f"qke_{backend}.nc") as do, xr.open_dataset(new / f"qke_{backend}.nc") as dn:
            same_D = np.array_equal(do["D"].values, dn["D"].values)
            same_P = np.array_equal(do["power"].values, dn["power"].values)
            diff = float(np.max(np.abs(do["D"].values - dn["D"].values)))
            print(f"| {backend} | {same_D} | {same_P} | {diff:.1e} |")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "run":
        run(Path(sys.argv[2]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "compare":
        compare(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit(__doc__)

