#!/usr/bin/env bash
# QLT by flavomon ray tracing against the QKE box in a sinusoidal matter profile (docs §12), in a few minutes.
#
#   bash examples/ray-tracing.sh [OUT_DIR]
#
# benchmark:a=0.9 in lambda(z) = 0.38 sin(2 pi z / 200): the largest local gradient, 0.38 x 2 pi / 200 = 0.012, is
# twice the linear critical gradient G_c = 6.0e-3 (`flavomon modes` prints it), so the conversion starts where
# |lambda'| is small (near the extrema of lambda) and streaming then spreads it.  Two QKE realizations (the
# benchmark case of docs §12 uses six and a longer box) and the ray tracer on the same cells; then the space-time
# maps side by side.  Docs §12 ("The two benchmark cases") shows where the two agree (the linear phase and the
# onset) and where they part (late times).
set -euo pipefail
out="${1:-ray-tracing}"
mkdir -p "$out"
bg=(--distribution benchmark:a=0.9 --L 200 --matter sin:amplitude=0.38,wavelength=200 --cell 25 --t-end 300)
flavomon qke "${bg[@]}" --realizations 2 --out "$out/qke.nc"
flavomon qlt "${bg[@]}" --out "$out/qlt.nc"
flavomon plot "$out/qke.nc" "$out/qlt.nc" --out "$out/spacetime.png"
python - "$out" <<'PY'
import sys
import numpy as np
import flavomon as fm
from flavomon.plotting.spacetime import local_conversion
q, r = fm.load(f"{sys.argv[1]}/qke.nc"), fm.load(f"{sys.argv[1]}/qlt.nc")
cq, cr = local_conversion(q)[-1], local_conversion(r)[-1]
print("z_cell        ", np.round(q["z_cell"].values, 1))
print("QKE conversion", np.round(cq, 4))
print("QLT conversion", np.round(cr, 4))
print(f"correlation {np.corrcoef(cq, cr)[0, 1]:.3f}, z-averages QKE {cq.mean():.4f} QLT {cr.mean():.4f}")
PY
