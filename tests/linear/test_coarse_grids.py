"""Root finding does not depend on how coarse or wide the user's K grid is.

Regression: seeds used to be placed every ~25 grid points regardless of the K span, so a 41-point
grid over a wide range had 3 seeds and lost whole bands (benchmark a = 0.7: gamma_max 0.017
instead of 0.2655, and no roots at all near K = -1).
"""

import warnings

import numpy as np
import pytest

from flavomon import from_callable
from flavomon.errors import PhysicsWarning
from flavomon.linear import find_modes, growth_rate_max, unstable_bands
from flavomon.workflows.modes import default_K_range, modes_to_file

# Shapes unlike the benchmark family: two Gaussians, a double crossing, a cubic, a narrow bump,
# a backward-peaked Gaussian, and a smooth step.
SHAPES = {
    "two_gauss": lambda v: 0.6 * np.exp(-((v - 0.5) ** 2) / 0.1) - 0.4 * np.exp(-((v + 0.3) ** 2) / 0.2),
    "double_cross": lambda v: 0.3 - v**2 + 0.1 * v,
    "cubic": lambda v: v**3 - 0.2 * v + 0.05,
    "narrow_bump": lambda v: -0.2 + 0.5 * np.exp(-((v - 0.9) ** 2) / 0.005),
    "backward": lambda v: np.exp(-2 * (1 + v) ** 2) - 0.5,
    "step": lambda v: np.tanh(20 * (v - 0.3)),
}


def test_wide_coarse_grid_keeps_table_B_band():
    # Table B: a = 0.7 band A, gamma_max = 0.26552240 at K = -1.055089
    r = find_modes("benchmark:a=0.7", np.linspace(-3.25, 2.5, 41))
    assert r.gamma_max == pytest.approx(0.26552240, rel=1e-7)  # refined maximum, Table B's 8 digits
    assert r.K_at_gamma_max == pytest.approx(-1.055089, abs=1e-5)
    i = int(np.argmin(np.abs(r.K + 1.09375)))
    assert np.isfinite(r.Omega[i]).sum() >= 2  # the unstable root and the real branch are both there


@pytest.mark.parametrize("n_K", [41, 351])
def test_table_B_band_count_a07(n_K):
    # Table B, a = 0.7: exactly two bands, A (res .. bp) and B (k -> 0+ .. res).  The root at the
    # first grid point above k = 0 (gamma ~ 0.41 sqrt(k)) is not linked by continuation and used to
    # be listed as a third, zero-width band.
    r = find_modes("benchmark:a=0.7", np.linspace(-3.25, 2.5, n_K))
    assert [(b.edge_lo, b.edge_hi) for b in r.bands] == [("res", "bp"), ("k0", "res")]
    assert r.bands[1].K_lo == pytest.approx(-0.37670, abs=1e-5)  # Table B: k -> 0+ at K = -0.37670


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_coarse_default_grid_finds_the_global_maximum(name):
    dist = from_callable(SHAPES[name])
    g, K, _ = growth_rate_max(dist)  # dense band search (400 K points)
    assert g > 0
    lo, hi = default_K_range(dist)
    coarse = find_modes(dist, np.linspace(lo, hi, 31))
    # the refined band maximum does not depend on the scan grid; 1e-6 relative is the refinement
    # tolerance of the maximiser (bounded Brent on K, xatol 1e-10 in K)
    assert coarse.gamma_max == pytest.approx(g, rel=1e-6)
    assert coarse.K_at_gamma_max == pytest.approx(K, abs=1e-4)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_fastest_growth_matches_discrete_eigenvalues(name):
    # independent route: max Im eig(M_K) [F2 eq. 7] on 300 GL nodes and a 0.01-spaced K grid.  The
    # discrete maximum converges to the continuum one from below as Nv and the K spacing shrink;
    # 2e-3 relative covers both (measured differences 1e-6 - 7e-4 for these shapes).
    from flavomon.grids import VelocityGrid

    f = SHAPES[name]
    g, K, _ = growth_rate_max(from_callable(f))
    vg = VelocityGrid(300)
    v, w = vg.v, vg.w
    D = f(v)
    D0, D1 = w @ D, (w * v) @ D
    C = D[:, None] * w[None, :] * (1 - v[:, None] * v[None, :])
    Ks = np.arange(K - 0.3, K + 0.3, 0.01)
    gd = max(np.linalg.eigvals(np.diag((Kx + D1) * v - D0) + C).imag.max() for Kx in Ks)
    assert gd == pytest.approx(g, rel=2e-3)


def test_modes_default_range_holds_every_band():
    # shallow:a=0.95 has a slower band near K = 0 and its fastest band at K ~ +1.6, outside the old
    # fixed default [-2.5, 1]
    ds = modes_to_file("shallow:a=0.95", n_K=101)
    g, K, _ = growth_rate_max("shallow:a=0.95")
    assert float(ds["gamma_max"]) == pytest.approx(g, rel=1e-6)
    assert float(ds["K_at_gamma_max"]) == pytest.approx(K, abs=1e-4)
    assert len(unstable_bands("shallow:a=0.95")) == 2 and K > 1


def test_modes_range_missing_the_fastest_band_warns():
    with pytest.warns(PhysicsWarning, match=r"misses the fastest unstable mode.*K = 1\.59"):
        ds = modes_to_file("shallow:a=0.95", K_min=-2.5, K_max=1.0, n_K=101)
    import json

    cfg = json.loads(ds.attrs["config"])
    assert cfg["gamma_max_all_K"] > float(ds["gamma_max"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a range holding the fastest band is silent
        modes_to_file("benchmark:a=0.9", K_min=-2.3, K_max=0.5, n_K=57)
