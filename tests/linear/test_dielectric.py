"""Dispersion function, Landau continuation and the discrete kernels  [docs §3]."""

import numpy as np
import pytest
from scipy.integrate import quad

from flavomon.distributions import benchmark, from_callable, shallow
from flavomon.linear import I_n, det_D, det_D_N, discrete_eigenvalues, dispersion_function, eps_N
from flavomon.linear.dielectric import get_dielectric

A09 = benchmark(0.9)


def _quad_I(dist, Om, K, n, power=1):
    de = get_dielectric(dist)
    om, k = Om + de.D0, K + de.D1
    f = lambda v: dist(np.array(v)) * v**n / (om - k * v) ** power  # noqa: E731
    vr = (om / k).real
    pts = [vr] if -1 < vr < 1 else None  # tell quad where the near-pole is
    re = quad(lambda v: f(v).real, -1, 1, epsabs=1e-12, epsrel=1e-11, limit=400, points=pts)[0]
    im = quad(lambda v: f(v).imag, -1, 1, epsabs=1e-12, epsrel=1e-11, limit=400, points=pts)[0]
    return re + 1j * im


@pytest.mark.parametrize("Om,K", [(0.15 + 0.11j, -1.47), (1.4 + 0.03j, 0.2), (-0.3 + 0.5j, -2.2), (2.0 + 0.01j, 0.9), (0.5 + 1.5j, -0.3)])
def test_I_n_and_derivative_match_quad_upper_half_plane(Om, K):
    # GL with pole subtraction vs adaptive quadrature: agreement limited by quad (asked for 1e-11)
    for n in range(3):
        I, dI = I_n(Om, K, A09, n, derivative=True)
        q = _quad_I(A09, Om, K, n)
        qj = _quad_I(A09, Om, K, n, power=2)
        assert abs(I - q) < 1e-10 * max(1, abs(q)), (n, I, q, I - q)
        assert abs(-dI - qj) < 1e-9 * max(1, abs(qj)), (n, -dI, qj)


@pytest.mark.parametrize("Om,K", [(0.1 - 0.2j, -1.47), (1.3 - 0.05j, 0.2), (-0.2 - 0.1j, -2.2)])
def test_landau_continuation_is_principal_integral_plus_residue(Om, K):
    # docs §3: below the axis inside the light cone, I_n = direct integral - 2 pi i sgn(k) D(v_p) v_p^n / k
    de = get_dielectric(A09)
    k = K + de.D1
    vp = (Om + de.D0) / k
    assert abs(vp.real) < 1
    for n in range(3):
        direct = _quad_I(A09, Om, K, n)
        expect = direct - 2j * np.pi * np.sign(k) * A09(np.array(vp)) * vp**n / k
        got = I_n(Om, K, A09, n)
        assert abs(got - expect) < 1e-10 * max(1, abs(expect)), (n, got, expect)


def test_continuous_across_real_axis_inside_light_cone():
    # the continued function is analytic across Im Omega = 0 for |Re v_p| < 1; differences are O(h)
    K = np.array([-1.5, -0.2, 0.4, -2.0])
    Om = np.array([0.1, 1.35, 1.6, -0.1])
    h = 1e-8
    a = det_D(Om + 1j * h, K, A09)
    b = det_D(Om - 1j * h, K, A09)
    c = det_D(Om + 0j, K, A09)
    _, d = det_D(Om + 0j, K, A09, derivative=True)
    assert np.all(np.abs(a - b) < 3 * h * np.abs(d) + 1e-12)
    assert np.all(np.abs(a - c) < 3 * h * np.abs(d) + 1e-12)


def test_real_axis_imaginary_part_is_minus_i_pi_delta():
    # on the real axis Im I_n = -pi D(v_r) v_r^n / |k|  (P - i pi delta, docs §3)
    de = get_dielectric(A09)
    Om, K = 0.2, -1.4
    k = K + de.D1
    vr = (Om + de.D0) / k
    for n in range(3):
        got = I_n(Om + 0j, K, A09, n).imag
        assert got == pytest.approx(-np.pi * float(A09(np.array(vr))) * vr**n / abs(k), rel=1e-12, abs=1e-14)


def test_det_D_equals_K_over_k_eps_and_derivatives():
    rng = np.random.default_rng(3)
    Om = rng.uniform(-2, 2, 40) + 1j * rng.uniform(-0.4, 0.6, 40)
    K = rng.uniform(-2.5, 1.0, 40)
    de = get_dielectric(A09)
    d, dd = det_D(Om, K, A09, derivative=True)
    e, de_ = dispersion_function(Om, K, A09, derivative=True)
    k = K + de.D1
    # exact identity calD = (K/k) eps (docs §3)
    assert np.max(np.abs(d - K / k * e) / (1 + np.abs(d))) < 1e-12
    # Omega-derivatives vs central differences (analytic => d/dOmega along the real direction), O(h^2)
    h = 1e-5
    fd = (det_D(Om + h, K, A09) - det_D(Om - h, K, A09)) / (2 * h)
    assert np.max(np.abs(dd - fd) / (1 + np.abs(dd))) < 1e-7
    fe = (dispersion_function(Om + h, K, A09) - dispersion_function(Om - h, K, A09)) / (2 * h)
    assert np.max(np.abs(de_ - fe) / (1 + np.abs(de_))) < 1e-7


def test_symmetry_D_to_minus_D():
    # docs §2: D -> -D maps modes (Omega, K) -> (-Omega*, -K); calD(-Omega*, -K; -D) = conj calD(Omega, K; D)
    mirror = shallow(0.9)
    Om = np.array([0.15 + 0.11j, 1.3 + 0.05j, -0.4 + 0.3j])
    K = np.array([-1.47, -0.15, 0.5])
    a = det_D(Om, K, A09)
    b = det_D(-np.conj(Om), -K, mirror)
    assert np.max(np.abs(b - np.conj(a))) < 1e-12


def test_generic_callable_uses_cauchy_derivative():
    # a complex-capable callable without a known derivative: derivative by the Cauchy integral
    f = from_callable(lambda v: np.exp(-2.0 * (1.0 - v) ** 2) - 0.9, name="gauss")
    Om, K = 0.15 + 0.11j, -1.47
    a = det_D(Om, K, f, derivative=True)
    b = det_D(Om, K, A09, derivative=True)
    assert abs(a[0] - b[0]) < 1e-13 and abs(a[1] - b[1]) < 1e-11


def test_discrete_kernels_vanish_at_eigenvalues_of_M():
    # the zeros of the discrete calD_N are the eigenvalues of M (docs §3)
    v, w = np.polynomial.legendre.leggauss(60)
    Dv = A09.on_grid(v)
    K = -1.3
    ev = discrete_eigenvalues(Dv, v, w, K)
    top = ev[ev.imag > 1e-6]
    assert top.size >= 1
    d = det_D_N(top, K, Dv, v, w)
    assert np.max(np.abs(d)) < 1e-9
    e, de_ = eps_N(top[0] + 0.01j, K, Dv, v, w, derivative=True)
    h = 1e-6
    fd = (eps_N(top[0] + 0.01j + h, K, Dv, v, w) - eps_N(top[0] + 0.01j - h, K, Dv, v, w)) / (2 * h)
    assert abs(de_ - fd) < 1e-6 * (1 + abs(de_))
    # broadcast over (n_K, n_Omega)
    E = eps_N(np.array([[0.1 + 0.1j, 0.2 + 0.1j]]), np.array([[-1.0], [-1.5]]), Dv, v, w)
    assert E.shape == (2, 2)
