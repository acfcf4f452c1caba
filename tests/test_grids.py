"""Identities of the velocity and box grids  [docs §1]."""

import numpy as np
import pytest

from flavomon import FlavomonInputError, PeriodicBox, VelocityGrid


@pytest.mark.parametrize("Nv", [2, 7, 100])
def test_gauss_legendre_exact_to_degree_2N_minus_1(Nv):
    g = VelocityGrid(Nv)
    assert np.all(np.diff(g.v) > 0)
    for n in range(2 * Nv):
        exact = (1 - (-1) ** (n + 1)) / (n + 1)  # int_{-1}^{1} v^n dv
        # GL with Nv nodes is exact through degree 2Nv-1; 1e-13 covers round-off of 100-term sums
        assert g.moment(np.ones(Nv), n) == pytest.approx(exact, abs=1e-13), n
    # degree 2Nv is NOT integrated exactly (a test of the test); the error of v^(2N)
    # shrinks like 4^-N, so check it only where it is far above round-off
    if Nv <= 7:
        exact = 2 / (2 * Nv + 1)
        assert abs(g.moment(np.ones(Nv), 2 * Nv) - exact) > 1e-6


def test_velocity_grid_rejects_bad_size():
    for bad in (1, 0, -3, 2.5, True):
        with pytest.raises(FlavomonInputError, match="Nv"):
            VelocityGrid(bad)


def test_box_modes_and_parseval():
    box = PeriodicBox(L=100.0, Nz=700)
    assert box.K[0] == 0 and box.n[350] == -350  # Nyquist mode carries n = -Nz/2 (docs §10.8)
    np.testing.assert_allclose(box.K, 2 * np.pi * box.n / 100.0, rtol=0, atol=1e-15)
    rng = np.random.default_rng(1)
    psi = rng.standard_normal(700) + 1j * rng.standard_normal(700)
    psi_K = box.to_modes(psi)
    # Parseval (1/L) int |psi|^2 dz = sum_K |psi_K|^2; trapezoid = exact for periodic sums
    lhs = np.mean(np.abs(psi) ** 2)
    assert lhs == pytest.approx(np.sum(np.abs(psi_K) ** 2), rel=1e-13)
    np.testing.assert_allclose(box.from_modes(psi_K), psi, atol=1e-13)
    # a single mode e^{iKz} maps to coefficient 1 at that K
    n = 23
    e = np.exp(1j * 2 * np.pi * n / 100.0 * box.z)
    c = box.to_modes(e)
    assert abs(c[n] - 1) < 1e-13 and np.sum(np.abs(c)) == pytest.approx(1, abs=1e-12)


def test_box_rejects_bad_input():
    with pytest.raises(FlavomonInputError, match="Nz"):
        PeriodicBox(100.0, 1)
    with pytest.raises(FlavomonInputError, match="L"):
        PeriodicBox(-1.0, 64)
    with pytest.raises(FlavomonInputError, match="L"):
        PeriodicBox(float("nan"), 64)


def test_gauss_legendre_is_one_cached_read_only_rule():
    from flavomon.grids import gauss_legendre

    v, w = gauss_legendre(37)
    v0, w0 = np.polynomial.legendre.leggauss(37)
    assert np.array_equal(v, v0) and np.array_equal(w, w0)
    assert gauss_legendre(37)[0] is v  # cached: every caller shares the same nodes
    assert not v.flags.writeable and not w.flags.writeable
    g = VelocityGrid(37)
    assert g.v is v and g.w is w  # VelocityGrid is built on the same rule
    with pytest.raises(FlavomonInputError, match="Gauss-Legendre"):
        gauss_legendre(0)


def test_one_Nv_rule():
    from flavomon._validate import NV_MAX, as_nv

    assert as_nv(2) == 2 and as_nv(np.int64(NV_MAX)) == NV_MAX
    for bad in (1, NV_MAX + 1, 2.0, "10", True, None):
        with pytest.raises(FlavomonInputError, match=r"Nv must be an integer in \[2, "):
            as_nv(bad)
        with pytest.raises(FlavomonInputError, match="Nv"):
            VelocityGrid(bad)


def test_moments_and_rate_scale_on_a_grid():
    from flavomon.grids import moments_on_grid, rate_scale

    g = VelocityGrid(20)
    D = 1.0 - 3.0 * g.v**2  # int dv = 0, int v^2 dv = 2/3 - 6/5, int |D| dv = 8/(3 sqrt 3)
    # Gauss-Legendre integrates these polynomials exactly: 1e-14 is round-off of 20-term sums
    np.testing.assert_allclose(moments_on_grid(D, g.v, g.w, 2), [0.0, 0.0, 2 / 3 - 6 / 5], atol=1e-14)
    np.testing.assert_array_equal(g.moments(D, 2), moments_on_grid(D, g.v, g.w, 2))
    # |D| has kinks at v = +-1/sqrt(3), so GL converges only algebraically there (measured: 6e-3 with
    # 20 nodes, 2.4e-5 with 400; the rate scale only sets scales); exact value 8/(3 sqrt 3) = 1.5396
    exact = 8 / (3 * np.sqrt(3))
    assert rate_scale(D, g.w) == pytest.approx(exact, rel=1e-2)
    g4 = VelocityGrid(400)
    assert g4.rate_scale(1.0 - 3.0 * g4.v**2) == pytest.approx(exact, rel=5e-5)
