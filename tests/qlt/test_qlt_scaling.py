"""Full QLT for weak distributions: the scaling symmetry, and grids too coarse for their bands.

Under D -> cD the QLT equations [F2 eqs. 10-12] map onto themselves with Omega -> c Omega,
K -> c K, t -> t/c and the spectral density P -> c P (so L -> L/c and |psi_0K|^2 -> c^2 |psi_0K|^2
per box mode).  A table normalised differently, or a nearly isotropic gas, is "weak" in this sense.
"""

from __future__ import annotations

import numpy as np
import pytest

from flavomon.distributions import from_callable
from flavomon.errors import FlavomonInputError, PhysicsWarning
from flavomon.qlt import QLTConfig, run_qlt


def _scaled(c: float):
    return from_callable(lambda v: c * (np.exp(-2 * (1 - v) ** 2) - 0.9), name=f"benchmark0.9x{c:g}")


def _scaled_config(c: float, **kw) -> QLTConfig:
    # the F2 set-up mapped by the symmetry; the grid covers Table B's bands of a = 0.9
    # (k in [-1.66, -0.82] and [0.12, 0.46]) with margin, scaled by c
    return QLTConfig(k_min=-1.9 * c, k_max=0.7 * c, n_K=300, t_end=500.0 / c, dt_out=50.0 / c,
                     L=100.0 / c, seed_power=1e-13 * c * c, **kw)


def test_full_qlt_is_scale_free_for_weak_distributions():
    """D(t)/c and c^-2 |psi_0K|^2 are the same functions of (c t, K/c) for c = 1e-2 and 1e-4.

    The old absolute atol = gamma_stop = 1e-6 broke this (c = 1e-4 ended 'saturated', 7e-3
    off).  Both runs have int|D| < 1, so every tolerance scales with c and the two runs are the
    same computation up to round-off and the Newton tolerance 1e-13 (1 + |Omega|): 1e-9.
    """
    runs = {c: run_qlt(_scaled(c), _scaled_config(c)) for c in (1e-2, 1e-4)}
    a, b = runs[1e-2], runs[1e-4]
    assert a.status == b.status == "completed"
    np.testing.assert_allclose(b.D / 1e-4, a.D / 1e-2, rtol=0, atol=1e-9)
    assert np.max(np.abs(a.D[-1] - a.D[0])) / 1e-2 > 0.05  # it relaxes: D(v=1)/c goes 0.1 -> ~0
    pa, pb = a.power / 1e-4, b.power / 1e-8  # |psi_0K|^2 per box mode scales with c^2
    np.testing.assert_allclose(pb, pa, rtol=1e-7, atol=1e-7 * pa.max())


def test_weak_distribution_on_the_default_grid_warns_with_a_working_range():
    """c = 1e-2 on k in [-2, 2] (dk = 0.0067): the bands hold 2 grid points; the warning names the
    bands (Table B scaled) and a range that then runs without warning."""
    c = 1e-2
    cfg = QLTConfig(t_end=500.0 / c, dt_out=50.0 / c, L=100.0 / c, seed_power=1e-13 * c * c)
    with pytest.warns(PhysicsWarning, match=r"only \d point\(s\) of the K grid .* k in \[-0\.016[67], -0\.0081[45]?\]") as rec:
        run_qlt(_scaled(c), cfg)
    msg = str(rec[0].message)
    lo, hi = (float(x) for x in msg.split("use e.g. k in [")[1].split("]")[0].split(","))
    assert lo < -0.0166 and hi > 0.0046  # both scaled bands inside the suggested range
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = run_qlt(_scaled(c), QLTConfig(**{**cfg.as_dict(), "k_min": lo, "k_max": hi}))
    assert res.status == "completed"


def test_grid_between_the_bands_of_a_weak_distribution_is_an_error():
    """c = 1e-3: both bands fall between the default grid points; before, QLT called this
    distribution 'no unstable flavor mode'."""
    c = 1e-3
    cfg = QLTConfig(t_end=500.0 / c, L=100.0 / c, seed_power=1e-13 * c * c)
    with pytest.raises(FlavomonInputError, match=r"misses the unstable band\(s\) k in \[-0\.00167, -0\.000815\]"):
        run_qlt(_scaled(c), cfg)


def test_resonant_qlt_names_the_missed_bands_too():
    """Resonant QLT on the same grid said 'not of the weak resonant kind'; the grid is the problem."""
    c = 1e-3
    cfg = QLTConfig(t_end=500.0 / c, L=100.0 / c, seed_power=1e-13 * c * c, resonant=True)
    with pytest.raises(FlavomonInputError, match=r"misses the unstable band\(s\) k in \[-0\.00167"):
        run_qlt(_scaled(c), cfg)
