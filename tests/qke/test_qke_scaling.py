"""The automatic QKE time step follows the distribution's rate scale (scaling symmetry).

Under D -> cD the QKE [F2 eq. 4] maps onto itself with t -> t/c, z -> z/c and psi -> c psi
(docs §1 units: every rate is proportional to D).  With dt=None the step is
DT_AUTO * min(1, A_REF / int|D|dv), so a stronger distribution is integrated with the scaled step
and gives the same numbers; before, every distribution got dt = 0.5.
"""

from __future__ import annotations

import numpy as np
import pytest

from flavomon.distributions import from_callable
from flavomon.qke import QKEConfig, run_realization
from flavomon.qke.state import A_REF, DT_AUTO


def _scaled(c: float):
    return from_callable(lambda v: c * (np.exp(-2 * (1 - v) ** 2) - 0.9), name=f"benchmark0.9x{c:g}")


def _config(c: float) -> QKEConfig:
    # a small box run into the nonlinear phase (the seed is large so that it saturates by t ~ 100)
    return QKEConfig(L=20 / c, Nz=48, Nv=24, t_end=150 / c, dt_out=5 / c, realizations=1, seed_power=1e-8 * c * c)


def test_scaled_distribution_gives_the_scaled_run():
    """c = 3: D/c agrees with the c = 1 run to round-off (measured 5e-14; 1e-12 allows summation
    order).  With the old fixed dt = 0.5 the c = 3 run used dt = 0.417 (A dt = 1.5 instead of
    0.6) and its final D/c was off by 0.086, more than D's whole change (0.033)."""
    a = run_realization(_scaled(1.0), _config(1.0))
    b = run_realization(_scaled(3.0), _config(3.0))
    assert a.config.dt_used == 0.5 and b.config.dt_used == pytest.approx(0.5 / 3, rel=1e-14)
    Da, Db = a.D[0], b.D[0] / 3.0
    assert np.abs(Da[-1] - Da[0]).max() > 0.02  # the run is nonlinear: D_v has changed
    np.testing.assert_allclose(Db, Da, rtol=0, atol=1e-12)


@pytest.mark.parametrize("a, dt", [(0.9, 0.5), (0.7, 0.5), (0.5, 0.5)])
def test_automatic_dt_of_the_benchmarks_is_unchanged(a, dt):
    """The F2 benchmarks keep the dt at which the QKE convergence was measured (dt = 0.5)."""
    from flavomon.distributions import benchmark
    from flavomon.grids import VelocityGrid

    D_v = benchmark(a).on_grid(VelocityGrid(100).v)
    assert QKEConfig().with_auto_dt(D_v).dt_used == dt


def test_automatic_dt_is_not_raised_for_weak_distributions():
    """int|D| is an upper bound on the rates, not an estimate: the double crossing
    0.3 - v^2 + 0.1 v (int|D| = 0.51) needs dt = 0.5 like the benchmark (module A_REF note)."""
    D_v = from_callable(lambda v: 0.3 - v**2 + 0.1 * v).on_grid(QKEConfig().vgrid().v)
    assert QKEConfig().with_auto_dt(D_v).dt_used == 0.5
    assert QKEConfig().with_auto_dt(0.01 * D_v).dt_used == 0.5


def test_automatic_dt_is_recorded_and_an_explicit_dt_is_kept():
    D_v = _scaled(10.0).on_grid(QKEConfig(Nv=24).vgrid().v)
    cfg = QKEConfig(Nv=24).with_auto_dt(D_v)
    A = float(np.sum(QKEConfig(Nv=24).vgrid().w * np.abs(D_v)))
    assert cfg.dt == pytest.approx(DT_AUTO["bm4"] * A_REF / A)
    assert cfg.dt_used == 0.05  # A = 12.04: target 0.0519, rounded down to divide dt_out = 1
    assert QKEConfig(Nv=24, dt=0.25).with_auto_dt(D_v).dt == 0.25


def test_box_that_cannot_show_the_instability_warns():
    """The bands scale with the distribution, the box modes 2 pi n/L do not.

    c = 0.01 in the F2 box (spacing 0.063): one box mode (K = 0) in bands of width 0.008 and 0.0034.
    c = 1 on 32 points: the band K in [-2.0, -1.2] lies beyond pi Nz/L = 1.0, far below the resolution
    rule (pi Nz/L >= 5.5 K_band: Nz >= 360).
    The F2 box at the automatic resolution stays silent.
    """
    import warnings

    from flavomon.errors import PhysicsWarning
    from flavomon.workflows.qke import _warn_if_box_misses_bands, qke_to_file

    with pytest.warns(PhysicsWarning, match=r"only 1 box mode\(s\) .* L >= 6\.\d+e\+03"):
        qke_to_file(_scaled(0.01), Nz=32, Nv=24, t_end=1.0, realizations=1, progress=False)
    need = QKEConfig(Nv=24, t_end=1.0, realizations=1).resolve(_scaled(1.0)).nz_rule.Nz_required
    with pytest.warns(PhysicsWarning, match=rf"Nz=32 is below the resolution rule .* Nz >= {need} .* K_band = 2\.04"):
        qke_to_file(_scaled(1.0), Nz=32, Nv=24, t_end=1.0, realizations=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cfg = QKEConfig(Nv=24, t_end=1.0, realizations=1).resolve(_scaled(1.0))
        _warn_if_box_misses_bands(_scaled(1.0), cfg)
