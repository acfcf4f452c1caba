"""Ray-tracing QLT against the QKE box with a z-dependent background: the two benchmark cases of docs §12.

Case A: ``benchmark:a=0.9`` in lambda(z) = lambda_a sin(2 pi z / L_b), lambda_a such that the largest local
gradient is twice the linear critical gradient G_c (flavomon.critical_gradient).  Measured: the final conversion
profile L1_v(z_c) = sum_v w_v |D(z_c, t_end) - D(z_c, 0)| of QLT against the QKE ensemble mean (correlation and
z-averages), and the cost of the two, side by side in this one run: wall-clock seconds, and CPU seconds (the QKE's
worker processes included: on a machine with more cores its wall time falls, its CPU time does not).

Case B: ``benchmark`` with a(z) = 0.8 + 0.1 sin(2 pi z / L_b): the cell-averaged L1(D_QLT, D_QKE mean) at t_end,
averaged over z, against the homogeneous L1(QLT, QKE) at the local a (homogeneous runs at a few a, interpolated).

Usage::

    python benchmarks/study_raytrace.py [--case A|B|both] [--realizations 6] [--Lb 400] [--cell 25] [--out DIR]

Writes DIR/raytrace_case{A,B}.json and .png (default DIR = benchmarks/results).  The QKE runs use every core.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import time

import numpy as np

import flavomon as fm


class Cost:
    """Wall and CPU seconds of a block: the CPU of this process (every thread) plus that of the worker processes
    it reaped meanwhile (the QKE's realizations run in spawned processes, each single-threaded)."""

    def __enter__(self):
        self.wall0 = time.perf_counter()
        self.cpu0 = time.process_time() + _children_cpu()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() + _children_cpu() - self.cpu0


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _costs(cq: Cost, cr: Cost) -> dict:
    return {"wall_qke_s": cq.wall, "wall_qlt_s": cr.wall, "cost_ratio": cq.wall / cr.wall,
            "cpu_qke_s": cq.cpu, "cpu_qlt_s": cr.cpu, "cpu_cost_ratio": cq.cpu / cr.cpu}


def l1_profile(D_cell: np.ndarray, w: np.ndarray) -> np.ndarray:
    """L1_v(z_c) = sum_v w_v |D(z_c, t_end) - D(z_c, 0)| of a (t, z_cell, v) array."""
    return np.abs(D_cell[-1] - D_cell[0]) @ w


def _drifts(q, r) -> dict:
    """Largest relative change of the box lepton number D_0 in the QLT and in the QKE (every realization)."""
    return {"D0_drift_qlt": float(np.max(np.abs(r.D0 - r.D0[0])) / abs(r.D0[0])),
            "D0_drift_qke": float(np.max(np.abs(q.D0 - q.D0[:, :1])) / np.max(np.abs(q.D0[:, 0])))}


def onset_times(ds, levels=(1e-6, 1e-3)) -> dict:
    """The linear phase, cell by cell: the first time the local power (docs §12, ``local_power``) exceeds each level,
    QKE ensemble mean and QLT, from the two Datasets (qke, qlt) :func:`_save` returns."""
    from flavomon.plotting.spacetime import local_power

    res = {}
    for lev in levels:
        first = []
        for d in ds:
            p, t = local_power(d), d["t"].values
            first.append([float(t[np.argmax(p[:, i] > lev)]) if (p[:, i] > lev).any() else float("nan")
                          for i in range(p.shape[1])])
        res[f"{lev:g}"] = {"qke": first[0], "qlt": first[1],
                           "max_abs_diff": float(np.nanmax(np.abs(np.subtract(first[1], first[0])))),
                           "mean_diff_qlt_minus_qke": float(np.nanmean(np.subtract(first[1], first[0])))}
    return res


def correlation_in_time(q, r, times=(120, 150, 200, 250, 300, 400, 500)) -> dict:
    """Correlation and z-averages of the conversion profiles L1_v(z_c, t) of QLT and QKE mean at several times: where
    the conversion starts, and how the two profiles part later."""
    w = r.w
    Dq = q.D_cell.mean(axis=0)
    res = {}
    for tt in times:
        iq, ir = int(np.argmin(np.abs(q.t - tt))), int(np.argmin(np.abs(r.t - tt)))
        a, b = np.abs(Dq[iq] - Dq[0]) @ w, np.abs(r.D_cell[ir] - r.D_cell[0]) @ w
        res[f"{tt:g}"] = {"correlation": float(np.corrcoef(a, b)[0, 1]), "zavg_qke": float(a.mean()),
                          "zavg_qlt": float(b.mean())}
    return res


def qke_noise_floor(D_cell_end: np.ndarray, w: np.ndarray) -> float:
    """Statistical floor of a z-averaged L1 against the QKE mean of R realizations at t_end: half the z-averaged L1
    between the means of the two halves of the ensemble (each half-mean differs from the full mean by about half
    their difference).  ``D_cell_end``: (R, n_cell, Nv)."""
    R = D_cell_end.shape[0]
    if R < 2:
        return float("nan")
    a, b = D_cell_end[: R // 2].mean(axis=0), D_cell_end[R // 2:].mean(axis=0)
    return float(0.5 * np.mean(np.abs(a - b) @ w))


def _axes():
    """(pyplot, figure, axes) of one 7 x 4 panel, off screen."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    return plt, fig, ax


def _save(q, r, out: str, case: str) -> list:
    """The two runs as files, and their space-time maps side by side (flavomon plot qke.nc qlt.nc); returns the two
    Datasets read back."""
    from flavomon.plotting.spacetime import plot_spacetime

    paths = [os.path.join(out, f"case{case}_{kind}.nc") for kind in ("qke", "qlt")]
    for res, path in zip((q, r), paths):
        fm.save(res, path)
    ds = [fm.load(p) for p in paths]
    fig = plot_spacetime(*ds)
    fig.savefig(os.path.join(out, f"raytrace_case{case}_spacetime.png"), dpi=110)
    return ds


def run_case_A(args) -> dict:
    dist = "benchmark:a=0.9"
    Gc = fm.critical_gradient(dist)
    Lb = args.Lb
    lam_a = 2.0 * Gc * Lb / (2 * math.pi)
    matter = f"sin:amplitude={lam_a:.8g},wavelength={Lb:g}"
    qke_cfg = fm.QKEConfig(L=Lb, matter=matter, cell=args.cell, realizations=args.realizations, t_end=args.t_end)
    from flavomon.qlt.raytrace import box_mean_D1, ray_grid

    with Cost() as cq:
        q = fm.run_qke(dist, qke_cfg, workers=args.workers)
    with Cost() as cr:
        grid = ray_grid(dist, None, 100, D1bar=box_mean_D1(dist, None, 100))
        r = fm.run_qlt(dist, fm.QLTConfig(L=Lb, matter=matter, cell=args.cell, t_end=args.t_end, **grid))
    ds = _save(q, r, args.out, "A")
    w = r.w
    prof_qke = l1_profile(q.D_cell.mean(axis=0), w)
    prof_qlt = l1_profile(r.D_cell, w)
    corr = float(np.corrcoef(prof_qke, prof_qlt)[0, 1])
    out = {
        "case": "A", "distribution": dist, "matter": matter, "G_c_linear": Gc, "max_gradient": lam_a * 2 * math.pi / Lb,
        "L": Lb, "cell": args.cell, "t_end": args.t_end, "realizations": args.realizations, "Nz": int(q.config.Nz),
        "z_cell": r.z_cell.tolist(), "L1_qke_mean": prof_qke.tolist(), "L1_qlt": prof_qlt.tolist(),
        "L1_qke_realizations_std": (np.std([l1_profile(q.D_cell[i], w) for i in range(q.D_cell.shape[0])], axis=0,
                                           ddof=1) if q.D_cell.shape[0] > 1 else np.zeros_like(prof_qke)).tolist(),
        "correlation": corr, "zavg_qke": float(prof_qke.mean()), "zavg_qlt": float(prof_qlt.mean()),
        "zavg_ratio": float(prof_qlt.mean() / prof_qke.mean()),
        "lambda_prime_c": (lam_a * 2 * math.pi / Lb * np.cos(2 * math.pi * r.z_cell / Lb)).tolist(),
        **_costs(cq, cr),
        "onset_times": onset_times(ds), "correlation_in_time": correlation_in_time(q, r),
        "qke_workers": args.workers or os.cpu_count(), "qlt_diagnostics": r.diagnostics,
        **_drifts(q, r),
    }
    _figure_A(out, os.path.join(args.out, "raytrace_caseA.png"))
    return out


def _figure_A(d: dict, path: str) -> None:
    plt, fig, ax = _axes()
    z = np.array(d["z_cell"])
    qke, err = np.array(d["L1_qke_mean"]), np.array(d["L1_qke_realizations_std"]) / math.sqrt(d["realizations"])
    ax.errorbar(z, qke, yerr=err, fmt="o-", label=f"QKE mean of {d['realizations']} (± std. error)")
    ax.plot(z, d["L1_qlt"], "s-", label="ray-tracing QLT")
    ax.set_xlabel("z (1/mu)")
    ax.set_ylabel(r"$\sum_v w_v|D_v(z,t_{end})-D_v(z,0)|$")
    ax2 = ax.twinx()
    ax2.plot(z, np.abs(d["lambda_prime_c"]) / d["G_c_linear"], "k:", label=r"$|\lambda'(z)|/G_c$")
    ax2.axhline(1.0, color="grey", lw=0.5)
    ax2.set_ylabel(r"$|\lambda'(z)|/G_c$")
    fig.legend(loc="upper center", fontsize=8, ncol=3, bbox_to_anchor=(0.5, 1.12))
    ax.set_title(f"Case A: {d['distribution']}, lambda = {d['matter']}; corr {d['correlation']:.3f}, "
                 f"z-avg ratio {d['zavg_ratio']:.3f}", fontsize=8)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def run_case_B(args) -> dict:
    base, amp = 0.8, 0.1
    dist = f"benchmark:a={base}"
    Lb = args.Lb
    modulate = f"a={amp},wavelength={Lb:g}"
    qke_cfg = fm.QKEConfig(L=Lb, modulate=modulate, cell=args.cell, realizations=args.realizations, t_end=args.t_end)
    from flavomon.background import parse_modulate
    from flavomon.qlt.raytrace import box_mean_D1, ray_grid

    with Cost() as cq:
        q = fm.run_qke(dist, qke_cfg, workers=args.workers)
    with Cost() as cr:  # the automatic K grid (the cells' bands) is part of the ray tracer's cost, as in Case A
        mod = parse_modulate(modulate)
        grid = ray_grid(dist, mod, 100, D1bar=box_mean_D1(dist, mod, 100))
        r = fm.run_qlt(dist, fm.QLTConfig(L=Lb, modulate=modulate, cell=args.cell, t_end=args.t_end, **grid))
    ds = _save(q, r, args.out, "B")
    w = r.w
    Dq = q.D_cell.mean(axis=0)
    l1_cells = np.abs(r.D_cell[-1] - Dq[-1]) @ w
    # the homogeneous reference: QLT vs QKE mean at a few a, in the F2 box
    a_ref = np.linspace(base - amp, base + amp, 5)
    hom = []
    for a in a_ref:
        qh = fm.run_qke(f"benchmark:a={a:.6g}", fm.QKEConfig(realizations=args.realizations, t_end=args.t_end),
                        workers=args.workers)
        rh = fm.run_qlt(f"benchmark:a={a:.6g}", fm.QLTConfig(t_end=args.t_end))
        hom.append(float(np.abs(rh.D[-1] - qh.D.mean(axis=0)[-1]) @ w))
    a_cell = base + amp * np.sin(2 * math.pi * r.z_cell / Lb)
    hom_cells = np.interp(a_cell, a_ref, hom)
    out = {
        "case": "B", "distribution": dist, "modulate": modulate, "L": Lb, "cell": args.cell, "t_end": args.t_end,
        "realizations": args.realizations, "Nz": int(q.config.Nz), "z_cell": r.z_cell.tolist(),
        "a_cell": a_cell.tolist(), "L1_qlt_vs_qke_cells": l1_cells.tolist(), "zavg_L1": float(l1_cells.mean()),
        "a_ref": a_ref.tolist(), "L1_homogeneous_ref": hom, "L1_homogeneous_at_local_a_zavg": float(hom_cells.mean()),
        "ratio_to_homogeneous": float(l1_cells.mean() / hom_cells.mean()),
        "L1_change_qke": (np.abs(Dq[-1] - Dq[0]) @ w).tolist(), "L1_change_qlt": l1_profile(r.D_cell, w).tolist(),
        "correlation_of_change": float(np.corrcoef(np.abs(Dq[-1] - Dq[0]) @ w, l1_profile(r.D_cell, w))[0, 1]),
        "qke_noise_floor_zavg_L1": qke_noise_floor(q.D_cell[:, -1], w),
        "onset_times": onset_times(ds),
        **_costs(cq, cr), "qlt_diagnostics": r.diagnostics,
        **_drifts(q, r),
    }
    _figure_B(out, os.path.join(args.out, "raytrace_caseB.png"))
    return out


def _figure_B(d: dict, path: str) -> None:
    plt, fig, ax = _axes()
    z = np.array(d["z_cell"])
    ax.plot(z, d["L1_change_qke"], "o-", label="QKE mean: change of D")
    ax.plot(z, d["L1_change_qlt"], "s-", label="ray-tracing QLT: change of D")
    ax.plot(z, d["L1_qlt_vs_qke_cells"], "^-", label="L1(D_QLT, D_QKE) at t_end")
    ax.plot(z, np.interp(d["a_cell"], d["a_ref"], d["L1_homogeneous_ref"]), "k--",
            label="homogeneous L1(QLT, QKE) at the local a")
    ax.set_xlabel("z (1/mu)")
    ax.set_ylabel("L1 (sum_v w_v |.|)")
    ax.legend(fontsize=7)
    ax.set_title(f"Case B: {d['distribution']}, --modulate {d['modulate']}; ratio {d['ratio_to_homogeneous']:.2f}",
                 fontsize=8)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", default="both", choices=["A", "B", "both"])
    p.add_argument("--realizations", type=int, default=6)
    p.add_argument("--Lb", type=float, default=400.0)
    p.add_argument("--cell", type=float, default=25.0)
    p.add_argument("--t-end", dest="t_end", type=float, default=500.0)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for case, fn in (("A", run_case_A), ("B", run_case_B)):
        if args.case in (case, "both"):
            d = fn(args)
            with open(os.path.join(args.out, f"raytrace_case{case}.json"), "w") as f:
                json.dump(d, f, indent=1, default=float)
            keys = ("correlation", "zavg_ratio", "zavg_L1", "L1_homogeneous_at_local_a_zavg", "ratio_to_homogeneous",
                    "wall_qke_s", "wall_qlt_s", "cost_ratio", "cpu_qke_s", "cpu_qlt_s", "cpu_cost_ratio", "D0_drift_qlt", "D0_drift_qke", "Nz")
            print(case, {k: d[k] for k in keys if k in d})


if __name__ == "__main__":
    main()
