r"""
A sweep on a local Dask cluster
===============================

``flavomon sweep CONFIG.toml`` runs distributions × methods as Dask tasks, one task per
*point*; the same is available from Python as :func:`flavomon.sweep.run_sweep`. Without a
scheduler address a ``LocalCluster`` is started on this machine; with one
(``scheduler="tcp://HOST:8786"``) the same sweep runs on any Dask cluster (see the
sweeps page for SLURM).

Here: the F2 benchmark family at four values of :math:`a`, with the linear analysis,
full QLT and the sign rule, on two worker processes. A rerun skips every finished point.
"""

# %%
# The configuration
# -----------------
# The same keys as a TOML file (``examples/sweep-small.toml``), here written from Python.
# All methods share one velocity grid (``Nv``), so their final :math:`D_v` can be compared.
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from flavomon.sweep import by_parameter, run_sweep

CONFIG = """
[sweep]
name = "tiny"
Nv = 60
methods = ["modes", "qlt", "signrule"]
workers = 2

[[distributions]]
family = "benchmark"
a = [0.5, 0.6, 0.7, 0.9]

[methods.modes]
K_min = -2.5
K_max = 1.0
n_K = 71

[methods.qlt]
t_end = 300.0
"""

# %%
# Run it
# ------
# ``run_sweep`` validates the whole file first (unknown keys, bad ranges and options are
# refused before anything is submitted), starts the cluster, and writes one small file per
# finished point plus the combined ``sweep.nc``.
#
# Dask starts its workers as new Python processes, which import the main script again, so
# code that starts a cluster must sit under ``if __name__ == "__main__":``.
if __name__ == "__main__":
    workdir = Path(tempfile.mkdtemp(prefix="flavomon-sweep-"))
    (workdir / "tiny.toml").write_text(CONFIG)
    result = run_sweep(workdir / "tiny.toml", workdir / "out", progress=False)
    print(f"computed {len(result.computed)}, skipped {len(result.skipped)}, "
          f"failed {len(result.failed)} points in {result.wall_s:.1f} s")

# %%
# Rerun = resume: every finished point is found on disk and skipped; after an interruption
# only the missing points are computed.
if __name__ == "__main__":
    again = run_sweep(workdir / "tiny.toml", workdir / "out", progress=False)
    print(f"rerun: computed {len(again.computed)}, skipped {len(again.skipped)}")

# %%
# Results as a function of the family parameter
# ---------------------------------------------
# ``by_parameter`` selects one method from ``sweep.nc`` and indexes it by ``a``.
if __name__ == "__main__":
    ds = result.dataset
    qlt = by_parameter(ds, method="qlt", param="a", family="benchmark")
    rule = by_parameter(ds, method="signrule", param="a", family="benchmark")
    modes = by_parameter(ds, method="modes", param="a", family="benchmark")
    for a, g in zip(modes["a"].values, modes["gamma_max"].values):
        print(f"a = {a:.2f}: gamma_max = {g:.6f}")

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for i, a in enumerate(qlt["a"].values):
        color = f"C{i}"
        ax.plot(qlt["v"], qlt["D_final"].sel(a=a), color=color, label=f"QLT, a = {a:.2f}")
        ax.plot(rule["v"], rule["D_final"].sel(a=a), color=color, ls=":", lw=1)
    ax.set_xlabel(r"$v$")
    ax.set_ylabel(r"final $D_v$")
    ax.set_title("full QLT (solid) and the sign rule (dotted)")
    ax.legend(fontsize="small")
    fig.tight_layout()
