"""Cases A and B of docs §12 after saturation: what the box does that the ray tracer does not.

Reads the two files that ``study_raytrace.py`` leaves in its output folder (caseX_qke.nc, caseX_qlt.nc) and
measures, against time:

* the conversion beyond free streaming, sum_v w_v |D_v(z_c, t) - D_v^free(z_c, t)| averaged over z, where
  D^free is the initial D_v(z) streamed without any flavour evolution, D_v(z - v t, 0), averaged over each cell as
  the solvers average it (the modulated distribution is known analytically);
  (Case A: D(z, 0) is uniform and does not stream);
* the flavour-wave power of the whole box, sum over box modes of |psi_{0,K}|^2 (QKE: mean over the realizations),
  and the conversion and the local power integrated over K in the cell where the box converts most at t_end
  (the two local powers in their own units: the box's from a Hann window over the cell);
* at t_end, the z-averaged |D_QLT - D_QKE| as a function of v.

Usage::

    python benchmarks/diagnose_late_times.py [--dir benchmarks/results] [--case A|B|both]

Writes DIR/raytrace_caseX_late.json and DIR/raytrace_caseX_late.png.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

import flavomon as fm
from flavomon.background import D_of_z, parse_modulate
from flavomon.qlt.raytrace import CELL_SAMPLES


def free_streaming(dist: str, modulate: str, v: np.ndarray, L: float, n_cell: int, t: float) -> np.ndarray:
    """Cell averages (CELL_SAMPLES midpoints per cell, as the solvers take them) of D_v(z - v t, 0): shape
    (n_cell, Nv)."""
    mod = parse_modulate(modulate)
    ell = L / n_cell
    zs = ell * (np.arange(n_cell * CELL_SAMPLES) + 0.5) / CELL_SAMPLES
    out = np.empty((zs.size, v.size))
    for j, vj in enumerate(v):
        out[:, j] = D_of_z(dist, mod, v[j:j + 1], (zs - vj * t) % L)[:, 0]  # this velocity only
    return out.reshape(n_cell, CELL_SAMPLES, v.size).mean(axis=1)


def late_times(directory: str, case: str) -> dict:
    """The measurements of the module docstring for one case; writes its JSON and figure."""
    q = fm.load(os.path.join(directory, f"case{case}_qke.nc"))
    r = fm.load(os.path.join(directory, f"case{case}_qlt.nc"))
    dist, modulate, L = q.attrs["distribution"], r.attrs["modulate"], float(r.attrs["L"])
    v, w, t = r.v.values, r.w.values, r.t.values
    Dq, Dr = q.D_cell_mean.values, r.D_cell.values
    n_cell = Dr.shape[1]
    times = [float(x) for x in (0, 50, 60, 80, 100, 150, 200, 250, 300, 400, 500) if x <= t[-1]]
    idx = [int(np.argmin(np.abs(t - x))) for x in times]
    conv_qke, conv_qlt, l1 = [], [], []
    for i in idx:
        F = free_streaming(dist, modulate, v, L, n_cell, float(t[i])) if modulate != "none" else Dr[0]
        conv_qke.append(float(np.mean(np.abs(Dq[i] - F) @ w)))
        conv_qlt.append(float(np.mean(np.abs(Dr[i] - F) @ w)))
        l1.append(float(np.mean(np.abs(Dr[i] - Dq[i]) @ w)))
    dK = float(r.K.values[1] - r.K.values[0])
    power_qke = q.power.values.mean(axis=0).sum(axis=-1)  # sum over the box modes
    power_qlt = r.power.values.sum(axis=-1) * dK * L / (2 * np.pi)  # per box mode x (L dK / 2 pi) modes per point
    c = int(np.argmax(np.abs(Dq[-1] - Dq[0]) @ w))  # the cell where the box converts most
    Kc = q.K_cell.values
    cell_power_qke = q.power_cell.values.mean(axis=0)[:, c].sum(axis=-1) * float(Kc[1] - Kc[0])
    cell_power_qlt = r.power_cell.values[:, c].sum(axis=-1) * dK
    dv = np.abs(Dr[-1] - Dq[-1]).mean(axis=0)
    out = {
        "case": case, "distribution": dist, "modulate": modulate, "matter": r.attrs["matter"], "L": L,
        "n_cell": n_cell, "times": times,
        "conversion_beyond_free_streaming_qke": conv_qke, "conversion_beyond_free_streaming_qlt": conv_qlt,
        "L1_qlt_vs_qke": l1,
        "box_power_qke": [float(power_qke[i]) for i in idx], "box_power_qlt": [float(power_qlt[i]) for i in idx],
        "cell_of_largest_conversion_z": float(r.z_cell.values[c]),
        "cell_conversion_qke": [float(np.abs(Dq[i, c] - Dq[0, c]) @ w) for i in idx],
        "cell_conversion_qlt": [float(np.abs(Dr[i, c] - Dr[0, c]) @ w) for i in idx],
        "cell_power_qke_hann": [float(cell_power_qke[i]) for i in idx],
        "cell_power_qlt": [float(cell_power_qlt[i]) for i in idx],
        "v": v.tolist(), "zavg_abs_dD_end_by_v": dv.tolist(),
        "L1_end_from_v_below_0": float((dv * w)[v < 0].sum()), "L1_end_from_v_above_0": float((dv * w)[v > 0].sum()),
    }
    with open(os.path.join(directory, f"raytrace_case{case}_late.json"), "w") as f:
        json.dump(out, f, indent=1)
    _figure(out, t, power_qke, power_qlt, v, dv, os.path.join(directory, f"raytrace_case{case}_late.png"))
    return out


def _figure(out: dict, t, power_qke, power_qlt, v, dv, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = out["times"]
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))
    ax[0].plot(times, out["conversion_beyond_free_streaming_qke"], "o-", label="QKE mean")
    ax[0].plot(times, out["conversion_beyond_free_streaming_qlt"], "s-", label="ray-tracing QLT")
    ax[0].plot(times, out["L1_qlt_vs_qke"], "^:", label="L1(QLT, QKE)")
    ax[0].set_xlabel("t (1/mu)")
    ax[0].set_ylabel(r"$\langle\sum_v w_v|D_v-D_v^{free}|\rangle_z$")
    ax[0].set_title("conversion beyond free streaming", fontsize=9)
    ax[0].legend(fontsize=7)
    ax[1].plot(t, power_qke, label="QKE mean")
    ax[1].plot(t, power_qlt, label="ray-tracing QLT")
    ax[1].set_xlabel("t (1/mu)")
    ax[1].set_ylabel(r"$\sum_K|\psi_{0,K}|^2$ (box modes)")
    ax[1].set_title("flavour-wave power of the box", fontsize=9)
    ax[1].legend(fontsize=7)
    ax[2].plot(v, dv)
    ax[2].set_xlabel("v")
    ax[2].set_ylabel(r"$\langle|D_{QLT}-D_{QKE}|\rangle_z$ at $t_{end}$")
    ax[2].set_title("where in v the two differ", fontsize=9)
    bg = f"--modulate {out['modulate']}" if out["modulate"] != "none" else f"--matter {out['matter']}"
    fig.suptitle(f"Case {out['case']} after saturation: {out['distribution']}, {bg}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", default=os.path.join(os.path.dirname(__file__), "results"))
    p.add_argument("--case", default="both", choices=["A", "B", "both"])
    args = p.parse_args()
    keys = ("times", "conversion_beyond_free_streaming_qke", "conversion_beyond_free_streaming_qlt", "box_power_qke",
            "box_power_qlt", "cell_of_largest_conversion_z", "cell_conversion_qke", "cell_conversion_qlt",
            "cell_power_qke_hann", "cell_power_qlt", "L1_end_from_v_below_0", "L1_end_from_v_above_0")
    for case in ("A", "B"):
        if args.case in (case, "both"):
            out = late_times(args.dir, case)
            print(case, {k: (np.round(out[k], 4).tolist() if isinstance(out[k], list) else out[k]) for k in keys})


if __name__ == "__main__":
    main()
