"""One step of the full-QLT integrator on its own: order of accuracy and D0 conservation  [docs §5].

The state is the a = 0.9 benchmark with the roots of its two bands that grow faster than 0.05
(none is lost in the steps below) and a power large enough (3e-3 x the projected seed density
per grid point) that D_v changes by ~20 % within t = 8: the nonlinear regime, where the
predictor (exponential Euler, first order) and the corrector (trapezoid, second order) differ.
The tolerances of the error control are set huge so that every step is accepted: the test
measures the scheme, not the step control.
"""

from __future__ import annotations

import numpy as np
import pytest

from flavomon.distributions import benchmark
from flavomon.grids import VelocityGrid
from flavomon.linear.discrete import GridState, projection_factor
from flavomon.qlt import QLTState, StepParams, step
from flavomon.qlt.roots import find_unstable_roots

H = 8.0  # interval of the convergence study (1/mu)


@pytest.fixture(scope="module")
def setup():
    g = VelocityGrid(100)
    gs = GridState.build(benchmark(0.9).on_grid(g.v), g.v, g.w)
    k = np.linspace(-2.0, 2.0, 120)  # coarse K grid: cost; the scheme does not depend on it
    K = k - gs.D1
    rd = find_unstable_roots(gs, K, 1e-6, stride=4)
    iK = np.array([i for i, zs in rd.items() for _ in zs])
    Om = np.array([z for zs in rd.values() for z in zs], dtype=complex)
    fast = Om.imag > 0.05
    iK, Om = iK[fast], Om[fast]
    P = 3e-3 * projection_factor(gs, Om, K[iK], 0.5 * g.w.astype(complex))
    state = QLTState(t=0.0, gs=gs, iK=iK, K=K[iK], Om=Om, P=P)
    params = StepParams(dk=float(k[1] - k[0]), gamma_stop=1e-6, atol=1e3, rtol=1e3)
    return state, params


def _run(state, params, h_total, n):
    s = state
    for _ in range(n):
        s, rep = step(s, h_total / n, params)
        assert s is not None and rep.accepted, rep.reason
    return s


def test_step_is_second_order(setup):
    state, params = setup
    ref = _run(state, params, H, 128)  # h = 1/16: its own error ~2 % of the finest one below
    change = np.max(np.abs(ref.gs.D_v - state.gs.D_v) / np.abs(state.gs.D_v))
    assert change > 0.1  # the nonlinear regime (otherwise any scheme looks exact)
    hs = np.array([4.0, 2.0, 1.0, 0.5])
    err = np.array([np.max(np.abs(_run(state, params, H, int(H / h)).gs.D_v - ref.gs.D_v)) for h in hs])
    slope = np.polyfit(np.log(hs), np.log(err), 1)[0]
    # global error ~ h^2 for the second-order corrector (measured 2.03-2.08 per halving)
    assert 1.8 < slope < 2.3, (slope, err)


def test_local_error_is_third_order(setup):
    state, params = setup
    hs = np.array([2.0, 1.0, 0.5, 0.25])
    err = np.array([
        np.max(np.abs(_run(state, params, h, 1).gs.D_v - _run(state, params, h, 32).gs.D_v)) for h in hs
    ])
    slope = np.polyfit(np.log(hs), np.log(err), 1)[0]
    # one step: local error ~ h^3 (measured 3.1-3.4 on these h; higher-order terms at h = 2)
    assert 2.7 < slope < 3.7, (slope, err)


def test_each_step_conserves_D0(setup):
    """[F2 eq. 13] on the grid: sum_j w_j D_j L_r(v_j) = 0 at each root, so D0 is exact per step."""
    state, params = setup
    s = state
    scale = float(np.sum(s.gs.w * np.abs(s.gs.D_v)))
    for h in (0.5, 1.0, 2.0, 4.0):
        new, rep = step(s, h, params)
        assert rep.accepted
        assert np.max(np.abs(new.gs.D_v - s.gs.D_v)) > 1e-4  # the step did change D
        # round-off of the sums plus the Newton tolerance (1e-13) of the roots
        assert abs(new.gs.D0 - s.gs.D0) <= 1e-13 * scale, (h, new.gs.D0 - s.gs.D0)
        assert np.all(np.sign(new.gs.D_v) == np.sign(s.gs.D_v))  # |D| decreases, sign kept
        s = new


def test_step_is_pure_and_reports_rejections(setup):
    state, params = setup
    D_before = state.gs.D_v.copy()
    P_before = state.P.copy()
    tight = StepParams(dk=params.dk, gamma_stop=params.gamma_stop, atol=1e-12, rtol=1e-9)
    new, rep = step(state, 4.0, tight)
    assert new is None and not rep.accepted and rep.reason in ("err_D", "err_P")
    assert rep.err > 1 and rep.h_next < 4.0
    np.testing.assert_array_equal(state.gs.D_v, D_before)  # no side effects
    np.testing.assert_array_equal(state.P, P_before)
