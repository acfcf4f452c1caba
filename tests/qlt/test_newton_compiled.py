"""The compiled Newton loop of the QLT root tracker equals the NumPy one to round-off [docs §3, §5]."""

from __future__ import annotations

import numpy as np
import pytest

import flavomon as fm
from flavomon.grids import VelocityGrid
from flavomon.linear.discrete import GridState, discrete_eigenvalues
from flavomon.qlt.roots import newton_roots


@pytest.mark.parametrize("spec", ["benchmark:a=0.9", "benchmark:a=0.7", "shallow:a=0.95"])
def test_compiled_newton_equals_numpy(spec):
    vg = VelocityGrid(64)
    D = fm.from_spec(spec).on_grid(vg.v)
    gs = GridState.build(D, vg.v, vg.w)
    K = np.linspace(-2.0, 1.0, 40)
    K = K[np.abs(K) > 1e-3]
    ev = discrete_eigenvalues(D, vg.v, vg.w, K)[:, 0]  # the most unstable eigenvalue at each K
    rng = np.random.default_rng(1)
    start = ev + 1e-3 * (rng.normal(size=ev.size) + 1j * rng.normal(size=ev.size))  # warm starts, as in QLT
    a, ok_a = newton_roots(gs, start, K)
    b, ok_b = newton_roots(gs, start, K, compiled=True)
    assert np.array_equal(ok_a, ok_b) and ok_a.sum() >= 0.8 * K.size  # most converge; both agree on which
    # the same iteration, the grid sums in another order: roots equal to the Newton tolerance 1e-13 (1 + |Omega|)
    assert np.max(np.abs(a[ok_a] - b[ok_a]) / (1 + np.abs(a[ok_a]))) < 1e-12
    # and they are the eigenvalues (the polished roots of the same discrete relation)
    assert np.max(np.abs(a[ok_a] - ev[ok_a]) / (1 + np.abs(ev[ok_a]))) < 1e-9
