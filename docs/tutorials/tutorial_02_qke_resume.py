r"""
A QKE ensemble, interrupted and resumed
=======================================

The quantum kinetic equation [F2 eq. 4] in a periodic box (theory §2 and §4), solved for a
small ensemble of randomly seeded realizations. Long runs write atomic checkpoints; when a
run is interrupted (Ctrl-C, a batch system's time limit) every realization keeps its state
at its last output time, and the same call with ``resume=True`` continues from there.

This tutorial interrupts a run on purpose and shows that the resumed ensemble is
*bit-identical* to an uninterrupted one. The box is much smaller than F2's benchmark
(:math:`L = 100`, :math:`N_v = 100`, :math:`t = 500`) so that the page builds in seconds. The number of
z points is left to flavomon (``Nz="auto"``, theory §4): the smallest FFT-friendly size whose box resolves
the unstable bands with the margin of the convergence study.
"""

# %%
# A small box
# -----------
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import flavomon as fm

dist = fm.from_spec("benchmark:a=0.5")          # F2 eq. 5, the fastest of F2's three cases
config = fm.QKEConfig(L=40.0, Nv=32, t_end=60.0, dt_out=2.0, realizations=2, seed=7)

# %%
# The reference: one uninterrupted run
# ------------------------------------
# ``workers=1`` runs the realizations in this process (a script that uses several worker
# processes needs the usual ``if __name__ == "__main__":`` guard).
reference = fm.run_qke(dist, config, workers=1)
print(f"{reference.D.shape[0]} realizations, {reference.t.size} outputs, dt = {reference.dt:g}, "
      f"Nz = {reference.config.Nz} (automatic)")

# %%
# An interrupted run
# ------------------
# A progress callback raises ``KeyboardInterrupt`` — exactly what Ctrl-C does — once three
# quarters of the simulated time are done: realization 0 has finished, realization 1 is
# halfway. ``checkpoint_every=0`` writes a checkpoint at every output
# time, so nothing is lost.
workdir = Path(tempfile.mkdtemp(prefix="flavomon-tutorial-"))
checkpoint = workdir / "qke.ckpt"
total = config.realizations * config.t_end


def interrupt_at_three_quarters(t_done, steps=0):
    if t_done >= 0.75 * total:
        raise KeyboardInterrupt


try:
    fm.run_qke(dist, config, workers=1, checkpoint=checkpoint, checkpoint_every=0.0,
               progress=interrupt_at_three_quarters)
except KeyboardInterrupt:
    print("interrupted; checkpoint files:", sorted(p.name for p in checkpoint.iterdir()))

# %%
# Resume
# ------
# The same configuration and ``resume=True``: finished realizations are loaded, the
# interrupted one continues from its last output. A checkpoint made for another
# configuration is refused, never silently reused.
resumed = fm.run_qke(dist, config, workers=1, checkpoint=checkpoint, resume=True)

identical = np.array_equal(resumed.D, reference.D) and np.array_equal(resumed.power, reference.power)
print("resumed == uninterrupted, bit for bit:", identical)
assert identical

# %%
# What the ensemble did
# ---------------------
# The box-averaged :math:`D_v` of the ensemble at the start and at the end, and the growth
# of the total power :math:`\sum_K |\psi_{0,K}|^2` from the :math:`10^{-13}`-per-mode seed.
# Lepton number :math:`\bar D_0` is conserved exactly by the QKE (theory §2).
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4))
ax1.plot(resumed.v, resumed.D[:, 0].mean(axis=0), color="0.3", label="t = 0")
ax1.plot(resumed.v, resumed.D[:, -1].mean(axis=0), color="C0", label=f"t = {resumed.t[-1]:g}")
ax1.set_xlabel(r"$v$")
ax1.set_ylabel(r"$\langle D_v\rangle$")
ax1.legend()
ax2.semilogy(resumed.t, resumed.power.sum(axis=-1).T, color="C3", lw=1)
ax2.set_xlabel(r"$t$ [$1/\mu$]")
ax2.set_ylabel(r"$\sum_K|\psi_{0,K}|^2$")
fig.tight_layout()

D0 = np.asarray(resumed.D0)
print(f"max |D0(t) - D0(0)| over the ensemble: {np.max(np.abs(D0 - D0[..., :1])):.1e}")
