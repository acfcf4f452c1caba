"""The flavomon / anti-flavomon label follows F1: the sign of Z at the real frequency, Z_R  [docs §3, §10.14]."""

import numpy as np
import pytest
from scipy.optimize import brentq

from flavomon import from_spec
from flavomon.linear import find_modes, flavomon_properties
from flavomon.linear.dielectric import get_dielectric
from flavomon.linear.properties import flavomon_label
from flavomon.linear.roots import newton_det_D

SHALLOW = "shallow:a=0.99"


def _root(de, K, guess):
    Om, ok, _ = newton_det_D(de, np.array([guess]), np.array([K]), max_step=0.01)
    assert ok[0]
    return complex(Om[0])


def test_Z_R_reproduces_the_shallow_example():
    # docs §10.14: shallow:a=0.99 at v_ph = Re(omega)/k = 1.0016 has Z_R = -3.3e-5 but Z(Omega) = +2.4e-4.
    # The unstable root just outside the light cone of the band near K ~ 0.08 (seeded from a coarse look at it).
    d = from_spec(SHALLOW)
    de = get_dielectric(d)
    guess = -1.653 + 0.0063j

    def vph_minus(K):
        z = _root(de, K, guess)
        return (z.real + de.D0) / (K + de.D1) - 1.0016

    K = brentq(vph_minus, 0.0774, 0.0789, xtol=1e-13)
    Om = _root(de, K, guess)
    assert Om.imag > 0  # a growing root
    p = flavomon_properties(Om, K, d)
    # the two numbers are printed to 2 significant digits: half a unit of the last digit
    assert p.Z_R == pytest.approx(-3.3e-5, abs=0.05e-5)
    assert p.Z.real == pytest.approx(2.4e-4, abs=0.05e-4)
    assert p.label == "antiflavomon"  # F1: superluminal, Z_R < 0, although Re Z > 0


def test_label_changes_where_Z_R_changes_sign_along_a_branch():
    # the growing branch of the shallow example crosses the light cone (v_ph = 1) near K ~ 0.077
    # (K = 0 left out: Z = Z_R = 0 there, no label)
    r = find_modes(SHALLOW, np.linspace(0.005, 0.0895, 60))
    # the label is the sign of Z_R everywhere
    assert np.array_equal(r.label, flavomon_label(r.Z_R))
    fin = np.isfinite(r.Omega)
    assert np.all(r.label[fin & (r.Z_R > 0)] == "flavomon")
    assert np.all(r.label[fin & (r.Z_R < 0)] == "antiflavomon")
    # the unstable branch that reaches v_ph > 1
    Kb = np.broadcast_to(r.K[:, None], r.Omega.shape)
    vph = (r.Omega.real + r.D0) / (Kb + r.D1)
    cols = [j for j in range(r.Omega.shape[1]) if np.any((r.kind[:, j] == "unstable") & (vph[:, j] > 1.0))]
    assert len(cols) == 1
    j = cols[0]
    on = np.nonzero(r.kind[:, j] == "unstable")[0]
    assert np.all(np.diff(on) == 1)  # one contiguous unstable run
    zr, lab, v = r.Z_R[on, j], r.label[on, j], vph[on, j]
    flips_zr = np.nonzero(np.sign(zr[1:]) != np.sign(zr[:-1]))[0]
    flips_lab = np.nonzero(lab[1:] != lab[:-1])[0]
    assert flips_zr.size == 1 and np.array_equal(flips_lab, flips_zr)
    i = int(flips_zr[0])
    assert lab[i] == "flavomon" and lab[i + 1] == "antiflavomon"
    # Z_R -> 0 where the mode turns superluminal (F1 Supp. D): the flip is bracketed by v_ph = 1
    assert v[i] < 1.0 < v[i + 1]
    # the complex Z keeps Re Z > 0 across it: a label by Re Z would not change here
    assert np.all(r.Z[on, j].real > 0)


@pytest.mark.parametrize("spec", [SHALLOW, "isotropic:D0=1", "benchmark:a=0.9"])
def test_Z_R_equals_Re_Z_at_real_roots(spec):
    # at a real root Omega_R = Omega, and X_K = (1 - Omega omega / kK) d eps/d Omega is an identity at a root
    # [docs §3]; both forms lose digits where kK ~ Omega omega (small K, both ~ K^2), observed <= 1.2e-9
    # relative, so 1e-8 (a wrong normalisation or derivative would differ at O(1))
    r = find_modes(spec)
    real = r.kind == "real"
    assert real.sum() > 100
    np.testing.assert_allclose(r.Z_R[real], r.Z[real].real, rtol=1e-8, atol=0)
    assert np.all(np.abs(r.Z[real].imag) <= 1e-12 * np.abs(r.Z[real].real) + 1e-300)


# docs §9 Table F (thermal isotropic medium, D0 = 1): K -> (upper Omega, Z), (lower Omega, Z)
TABLE_F = {
    0.1: ((0.00250031, 0.99812), (-1.34374812, 0.00179926)),
    0.5: ((0.06269205, 0.95190), (-1.55611322, 0.0195894)),
    1.0: ((0.25285032, 0.79289), (-2.00541417, 0.0114823)),
    2.0: ((1.00930062, 0.14370), (-3.00000333, 5.3e-5)),
}


def test_Z_R_and_label_of_the_thermal_medium_table_F():
    K = np.array(sorted(TABLE_F))
    r = find_modes("isotropic:D0=1", K)
    for i, Kv in enumerate(K):
        fin = np.isfinite(r.Omega[i])
        roots, zr, lab = r.Omega[i][fin], r.Z_R[i][fin], r.label[i][fin]
        assert roots.size == 2
        o = np.argsort(-roots.real)
        for (Om_ref, Z_ref), z in zip(TABLE_F[Kv], zr[o]):
            # Z printed to 3-6 significant digits (5.3e-5 to 2)
            assert z == pytest.approx(Z_ref, rel=5e-4 if Z_ref > 1e-4 else 2e-2)
        assert np.all(lab == "flavomon")  # both branches are flavomons (F1 Fig. S5)
