"""QKE against full QLT in a gradient over time (benchmark a = 0.9, G = -0.002, 4 realizations): the final change
sum w|D - D(0)| at every output and the label spectra at t = 130, 300, 500 (docs §11).  Writes
benchmarks/results/gradient_spectra_a0.9_G-0.002.{npz,png}; prints the change of QKE, QLT and their L1 against t.

    python benchmarks/study_gradient_spectra.py
"""
import numpy as np, flavomon as fm, warnings, json
from flavomon.qke import QKEConfig
from flavomon.qlt import QLTConfig
from flavomon.qlt.checks import drift_grid
warnings.simplefilter("ignore")
if __name__ == "__main__":
    d = fm.from_spec("benchmark:a=0.9"); G = -0.002
    q = fm.run_qke(d, QKEConfig(realizations=4, gradient=G, dt_out=10.0))
    ql = fm.run_qlt(d, QLTConfig(gradient=G, dt_out=10.0, **drift_grid(d, G, 500)))
    w = q.w; D0 = q.D[0, 0]
    out = {}
    for it, t in enumerate(q.t):
        Dm = q.D[:, it].mean(0); j = int(np.argmin(abs(ql.t - t)))
        out[float(t)] = (float(w @ abs(Dm - D0)), float(w @ abs(ql.D[j] - D0)), float(w @ abs(ql.D[j] - Dm)))
    for t, v in out.items(): print(t, ["%.4f" % x for x in v])
    np.savez("benchmarks/results/gradient_spectra_a0.9_G-0.002.npz", qD=q.D, qt=q.t, qlD=ql.D, qlt=ql.t, w=w, v=q.v, qP=q.power, qK=q.K, qlP=ql.power, qlK=ql.K)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    for t in (130, 200, 500):
        i, j = int(np.argmin(abs(q.t - t))), int(np.argmin(abs(ql.t - t)))
        ax[0].plot(q.v, q.D[:, i].mean(0) - D0, label=f"QKE t={t}")
        ax[0].plot(q.v, ql.D[j] - D0, "--", label=f"QLT t={t}")
    ax[0].legend(); ax[0].set_xlabel("v"); ax[0].set_ylabel("D - D(0)"); ax[0].set_title(f"a=0.9 G={G}")
    for t in (130, 300, 500):
        i, j = int(np.argmin(abs(q.t - t))), int(np.argmin(abs(ql.t - t)))
        ax[1].semilogy(q.K, q.power[:, i].mean(0), label=f"QKE t={t}")
        ax[1].semilogy(ql.K, ql.power[j], "--", label=f"QLT t={t}")
    ax[1].set_ylim(1e-14, 1); ax[1].set_xlim(-3, 2.5); ax[1].legend(fontsize=7); ax[1].set_xlabel("label K_n(0)")
    fig.savefig("docs/theory/figures/s11-spectra.png", dpi=80)
