"""Identities of the velocity and box grids  [physics.md §1]."""

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
    assert box.K[0] == 0 and box.n[350] == -350  # Nyquist mode carries n = -Nz/2 (physics.md §10.8)
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
