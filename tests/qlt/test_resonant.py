"""Resonant QLT: seed profile, genuine resonances, one selection per run  [F2 eqs. 24–30; docs §6, §7]."""

from __future__ import annotations

import numpy as np
import pytest

from flavomon.distributions import benchmark
from flavomon.grids import VelocityGrid
from flavomon.linear import unstable_bands
from flavomon.qlt import QLTConfig, growing_resonances, resonant_branch, resonant_final_state, run_kinetic, run_qlt
from flavomon.qlt.branch import _pv_integral

A09 = benchmark(0.9)


def _tilted(v):
    return 1.0 + 0.8 * np.asarray(v)  # psi_v(0)/psi_0(0) up to normalisation; positive on [-1, 1]


def test_pv_integral_of_a_linear_profile():
    # PV int_{-1}^{1} v/(vp - v) dv = -2 + vp ln((1+vp)/(1-vp)) (elementary)
    vp = np.array([-0.7, 0.1, 0.93])
    got = _pv_integral(lambda x: np.asarray(x, dtype=complex), vp)
    exact = -2 + vp * np.log((1 + vp) / (1 - vp))
    np.testing.assert_allclose(got.real, exact, atol=1e-12)  # pole subtraction, 400 GL nodes: ~1e-14
    assert np.all(got.imag == 0)


def test_constant_profile_is_the_default_seed():
    g = VelocityGrid(100)
    ref = resonant_branch(A09, g.v, k_min=-2, k_max=2)
    const = resonant_branch(A09, g.v, k_min=-2, k_max=2, psi_profile=lambda v: np.full_like(v, 3.0), w_nodes=g.w)
    nodes = resonant_branch(A09, g.v, k_min=-2, k_max=2, psi_profile=tuple(np.full(100, 0.5)), w_nodes=g.w)
    # p = const normalised with sum w p = 1 is p = 1/2 up to the round-off of sum w = 2
    np.testing.assert_allclose(const.proj, ref.proj, rtol=1e-12)
    np.testing.assert_allclose(nodes.proj, ref.proj, rtol=1e-12)


def test_profile_moves_the_seed_not_the_flipped_set():
    base = resonant_final_state(A09)
    tilt = resonant_final_state(A09, psi_profile=_tilted)
    np.testing.assert_array_equal(tilt.flipped, base.flipped)  # the seed does not choose the modes
    np.testing.assert_array_equal(tilt.D_final, base.D_final)  # D -> 0 on the flipped side
    ratio = tilt.P0 / base.P0
    assert np.ptp(ratio) > 0.05  # a tilted seed weights the resonances differently
    assert tilt.invariant_error <= 1e-6 and tilt.DLN_error <= 1e-6  # exact by construction


def test_kinetic_equations_honour_the_profile():
    """docs §7: with N = X P / 4 the kinetic equations are resonant QLT, for any seed profile."""
    cfg = QLTConfig(resonant=True, t_end=150.0, dt_out=5.0, psi_profile=_tilted)
    r = run_qlt(A09, cfg)
    kr = run_kinetic(A09, t_end=150.0, dt_out=5.0, psi_profile=_tilted)
    assert np.max(np.abs(kr.D - r.D)) < 1e-7  # two integrations at rtol 1e-10
    r0 = run_qlt(A09, QLTConfig(resonant=True, t_end=150.0, dt_out=5.0))
    assert np.max(np.abs(r.D - r0.D)) > 1e-4  # the seed profile changes the dynamics


@pytest.mark.parametrize("a", [0.9, 0.7, 0.5])
def test_selected_resonances_lie_in_unstable_bands(a):
    """A resonance counts only with a true unstable root nearby: its K lies in an unstable band.

    The principal-value quadratic alone has growing 'resonances' far outside the bands (at
    a = 0.9 on the majority side with F2 eq. 26 rates up to ~2).
    """
    dist = benchmark(a)
    g = VelocityGrid(100)
    sel = growing_resonances(dist, g.v, g.w, k_min=-2.0, k_max=2.0, n_K=600)
    bands = [(b.K_lo, b.K_hi) for b in unstable_bands(dist, Nv=100)]
    # two K spacings (0.0134) + 0.02: the selection's tolerance for the grid's band-edge resolution
    pad = 2 * 4 / 599 + 0.02 + 1e-9
    inside = np.array([any(lo - pad <= K <= hi + pad for lo, hi in bands) for K in sel.branch.K])
    assert sel.branch.j.size > 0 and inside.all(), sel.branch.K[~inside]
    assert np.all(sel.flipped[sel.branch.j])
    assert sel.info["n_spurious_pairs"] > 0
    br = resonant_branch(dist, g.v, k_min=-2.0, k_max=2.0)
    D = dist.on_grid(g.v)
    growing = br.A * D[br.j] > 0
    outside = np.array([not any(lo - pad <= K <= hi + pad for lo, hi in bands) for K in br.K])
    assert np.any(growing & outside)  # the quadratic does give out-of-band growing pairs
    if a == 0.9:
        assert np.max(br.gamma0[growing & outside]) > 1.5  # e.g. ~2 on the majority side


def test_run_qlt_resonant_reuses_the_selection():
    r = run_qlt("benchmark:a=0.9", QLTConfig(resonant=True, t_end=50.0))
    fs = resonant_final_state(A09)
    assert r.final_state is not None
    np.testing.assert_array_equal(r.final_state.flipped, fs.flipped)
    np.testing.assert_array_equal(r.final_state.D_final, fs.D_final)
    np.testing.assert_array_equal(r.final_state.power_final, fs.power_final)
    assert r.diagnostics["n_resonant_pairs"] == fs.branch.j.size


def test_resonance_in_the_unresolved_edge_tail_of_a_band_counts():
    # examples/tables/double_dip.csv: one weak band (gamma_max = 0.042, continuum edges K = 0.216 and 1.362) whose
    # phase velocity is almost constant; the flipped node v = 0.0156 resonates at K_b = 1.361, inside the continuum
    # band but 0.07 beyond the last unstable K that the 100-node grid resolves (1.288; docs §5: the grid loses the
    # slowest growth next to resonant edges).  That pair is genuine: resonant QLT must keep it.
    from pathlib import Path

    from flavomon import from_file

    table = Path(__file__).resolve().parents[2] / "examples" / "tables" / "double_dip.csv"
    dist = from_file(table)
    grid = VelocityGrid(100)
    sel = growing_resonances(dist, grid.v, grid.w, k_min=-2.0, k_max=2.0, n_K=600)
    flipped = np.flatnonzero(sel.flipped)
    assert flipped.size == 1 and abs(grid.v[flipped[0]] - 0.0156) < 1e-3, grid.v[flipped]
    assert sel.branch.j.size >= 1 and set(sel.branch.j) == set(flipped), (sel.branch.j, flipped)
    # the kept resonance lies inside the continuum band, beyond the grid-resolved unstable K
    band = unstable_bands(dist)[0]
    assert np.all((sel.branch.K > band.K_lo - 0.02) & (sel.branch.K < band.K_hi + 0.02)), sel.branch.K
