"""Is the QKE in a gradient converged in Nz?  Benchmark a = 0.9, G = -0.004, 4 realizations, the same seeds at the
automatic Nz and at F2's 700: the final change against t and L1 between the two final ensemble means (docs §11).

    python benchmarks/study_gradient_nz.py     # -> benchmarks/results/gradient_qke_Nz_convergence_a0.9_G-0.004.json
"""
import numpy as np, flavomon as fm, warnings, json
from flavomon.qke import QKEConfig
warnings.simplefilter("ignore")
if __name__ == "__main__":
    d = fm.from_spec("benchmark:a=0.9"); G = -0.004
    out = {}
    for Nz in ("auto", 700):
        q = fm.run_qke(d, QKEConfig(realizations=4, gradient=G, dt_out=10.0, Nz=Nz), workers=2)
        w = q.w; D0 = q.D[0, 0]
        ch = [float(w @ abs(q.D[:, i].mean(0) - D0)) for i in range(q.t.size)]
        out[str(q.config.Nz)] = {"t": q.t.tolist(), "change": ch, "Dfinal": q.D[:, -1].mean(0).tolist()}
        print(Nz, q.config.Nz, [round(c, 4) for c in ch[::5]], flush=True)
    a, b = (np.array(v["Dfinal"]) for v in out.values())
    print("L1(auto, 700) final:", float(w @ abs(a - b)))
    json.dump(out, open("benchmarks/results/gradient_qke_Nz_convergence_a0.9_G-0.004.json", "w"))
