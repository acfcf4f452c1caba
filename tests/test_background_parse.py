"""The z-dependent backgrounds of the box [docs §12]: parsing of --matter and --modulate, the modulated D_v(z), the WKB
rule and the cells.  Every bad input is a one-line FlavomonInputError."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import flavomon as fm
from flavomon.background import (
    WKB_MIN_WAVELENGTHS,
    D_of_z,
    Matter,
    Modulation,
    check_cell,
    check_wkb,
    default_cell,
    modulation_samples,
    parse_matter,
    parse_modulate,
)
from flavomon.errors import FlavomonInputError, PhysicsWarning


def _one_line(excinfo) -> str:
    msg = str(excinfo.value)
    assert "\n" not in msg and msg
    return msg


def _table(path, z, lam, header="z,lambda"):
    path.write_text(header + "\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(z, lam)))
    return str(path)


# -- --matter sin -------------------------------------------------------------------------------------------------
def test_sin_profile_values_and_canonical_spec():
    m = parse_matter(" sin: amplitude=0.2 , wavelength=50 ")
    assert isinstance(m, Matter) and m.kind == "sin"
    assert m.spec == "sin:amplitude=0.2,wavelength=50.0"  # canonical: the run identity compares the text
    z = np.linspace(0.0, 100.0, 7)
    np.testing.assert_allclose(m.lam(z), 0.2 * np.sin(2 * np.pi * z / 50), rtol=0, atol=1e-15)
    np.testing.assert_allclose(m.dlam_dz(z), 0.2 * 2 * np.pi / 50 * np.cos(2 * np.pi * z / 50), rtol=0, atol=1e-16)
    assert m.wavelength == 50.0
    assert m.slope_range == pytest.approx((-0.2 * 2 * np.pi / 50, 0.2 * 2 * np.pi / 50))
    m.check_box(100.0)  # 50 divides 100
    m.check_box(150.0 * (1 + 1e-12))  # within the tolerance of the division
    with pytest.raises(FlavomonInputError) as e:
        m.check_box(120.0)
    assert "does not divide the box length" in _one_line(e)


@pytest.mark.parametrize("spec", [None, "", "  ", "none", "NONE"])
def test_no_matter(spec):
    assert parse_matter(spec) is None


@pytest.mark.parametrize("spec, word", [
    ("cos:amplitude=1,wavelength=10", "unknown matter profile"),
    ("sin", "unknown matter profile"),
    ("sin:amplitude=1,wavelength=10,phase=2", "unknown key 'phase'"),
    ("sin:amplitude=1", "missing wavelength"),
    ("sin:wavelength=10", "missing amplitude"),
    ("sin:amplitude=nan,wavelength=10", "not finite"),
    ("sin:amplitude=1,wavelength=inf", "not finite"),
    ("sin:amplitude=1,wavelength=-10", "must be > 0"),
    ("sin:amplitude=x,wavelength=10", "not a number"),
    ("sin:amplitude=1,amplitude=2,wavelength=10", "given twice"),
    ("sin:amplitude", "expected NAME=VALUE"),
])
def test_bad_matter_specs_are_one_line_errors(spec, word):
    with pytest.raises(FlavomonInputError) as e:
        parse_matter(spec)
    assert word in _one_line(e)


# -- --matter PATH.csv ----------------------------------------------------------------------------------------------
def test_table_is_a_periodic_spline_with_its_derivative(tmp_path):
    P = 200.0
    z = np.linspace(0.0, P, 65)
    lam = 0.1 + 0.3 * np.sin(2 * np.pi * z / P) + 0.05 * np.cos(6 * np.pi * z / P)
    m = parse_matter(_table(tmp_path / "lam.csv", z, lam))
    assert m.kind == "table" and m.period == P
    np.testing.assert_allclose(m.lam(z), lam, rtol=0, atol=1e-14)  # through the rows
    zz = np.linspace(-P, 2 * P, 301)  # periodic continuation
    exact = 0.1 + 0.3 * np.sin(2 * np.pi * zz / P) + 0.05 * np.cos(6 * np.pi * zz / P)
    d_exact = 0.3 * 2 * np.pi / P * np.cos(2 * np.pi * zz / P) - 0.05 * 6 * np.pi / P * np.sin(6 * np.pi * zz / P)
    # a periodic cubic spline, h = 200/64: the interpolation bounds 5 h^4 max|f(4)| / 384 = 5.2e-6 for lambda and
    # ~ h^3 max|f(4)| / 24 = 5.3e-6 for lambda' (max|f(4)| = 4.2e-6 here); measured 1.6e-6 and 1.0e-6
    assert np.max(np.abs(m.lam(zz) - exact)) < 5.2e-6
    assert np.max(np.abs(m.dlam_dz(zz) - d_exact)) < 5.3e-6
    # the highest significant harmonic is the third: wavelength = P / 3
    assert m.wavelength == pytest.approx(P / 3)
    lo, hi = m.slope_range
    assert lo == pytest.approx(d_exact.min(), abs=5.3e-6) and hi == pytest.approx(d_exact.max(), abs=5.3e-6)
    m.check_box(400.0)
    with pytest.raises(FlavomonInputError) as e:
        m.check_box(300.0)
    assert "table period" in _one_line(e)


def test_constant_table_has_no_modulation(tmp_path):
    m = parse_matter(_table(tmp_path / "c.csv", np.linspace(0, 50, 5), np.full(5, 0.3)))
    assert m.is_uniform and math.isinf(m.wavelength)
    assert m.slope_range == pytest.approx((0.0, 0.0), abs=1e-15)
    np.testing.assert_array_equal(m.lam(np.linspace(0, 50, 9)), 0.3)


def test_table_digest_follows_its_numbers(tmp_path):
    z = np.linspace(0, 10, 6)
    a = parse_matter(_table(tmp_path / "a.csv", z, np.sin(2 * np.pi * z / 10)))
    b = parse_matter(_table(tmp_path / "a.csv", z, 2 * np.sin(2 * np.pi * z / 10)))  # same path, other numbers
    assert a.sha256 != b.sha256


@pytest.mark.parametrize("case, word", [
    ("header", "header must be 'z,lambda'"),
    ("short", "at least 4 are needed"),
    ("start", "first row must be z = 0"),
    ("order", "not increasing"),
    ("open", "not periodic"),
    ("nan", "not finite"),
    ("text", "not numeric"),
    ("missing", "does not exist"),
])
def test_bad_tables_are_one_line_errors(tmp_path, case, word):
    z = np.linspace(0, 10, 6)
    lam = np.sin(2 * np.pi * z / 10)
    p = tmp_path / "t.csv"
    if case == "header":
        _table(p, z, lam, header="z,lam")
    elif case == "short":
        _table(p, z[:3], np.zeros(3))
    elif case == "start":
        _table(p, z + 1, lam)
    elif case == "order":
        _table(p, z[[0, 2, 1, 3, 4, 5]], lam)
    elif case == "open":
        _table(p, z, lam + z / 10)
    elif case == "nan":
        _table(p, z, np.where(np.arange(6) == 2, np.nan, lam))
    elif case == "text":
        p.write_text("z,lambda\n0,1\nx,2\n")
    with pytest.raises(FlavomonInputError) as e:
        parse_matter(str(p))
    assert word in _one_line(e)
    assert "np.float64" not in str(e.value)  # the numbers as a user wrote them, not NumPy 2's repr


# -- --modulate ---------------------------------------------------------------------------------------------------
def test_modulate_parses_and_checks_the_box():
    m = parse_modulate("a=0.1, wavelength=1000")
    assert m == Modulation("a", 0.1, 1000.0) and m.spec == "a=0.1,wavelength=1000.0"
    assert parse_modulate(None) is None and parse_modulate("none") is None
    m.check_box(3000.0)
    with pytest.raises(FlavomonInputError) as e:
        m.check_box(1500.0)
    assert "does not divide" in _one_line(e)


@pytest.mark.parametrize("text, word", [
    ("a=0.1", "missing wavelength"),
    ("wavelength=10", "exactly one parameter"),
    ("a=0.1,D0=1,wavelength=10", "exactly one parameter"),
    ("a=nan,wavelength=10", "not finite"),
    ("a=0.1,wavelength=0", "must be > 0"),
    ("a=0.1,wavelength=ten", "not a number"),
    ("1a=0.1,wavelength=10", "parameter name"),
])
def test_bad_modulate_are_one_line_errors(text, word):
    with pytest.raises(FlavomonInputError) as e:
        parse_modulate(text)
    assert word in _one_line(e)


# -- D_v(z) ----------------------------------------------------------------------------------------------------------
def test_D_of_z_is_the_family_at_the_local_parameter():
    v = np.polynomial.legendre.leggauss(12)[0]
    z = np.linspace(0.0, 100.0, 9, endpoint=False)
    mod = Modulation("a", 0.1, 50.0)
    D = D_of_z("benchmark:a=0.8", mod, v, z)
    assert D.shape == (z.size, v.size)
    for zi, row in zip(z, D):
        a = float(0.8 + 0.1 * np.sin(2 * np.pi * zi / 50))
        np.testing.assert_array_equal(row, fm.from_spec(f"benchmark:a={a!r}").on_grid(v))
    flat = D_of_z("benchmark:a=0.8", None, v, z)
    assert np.all(flat == fm.from_spec("benchmark:a=0.8").on_grid(v)[None, :])
    iso = D_of_z("isotropic:D0=1", Modulation("D0", 0.5, 100.0), v, z)
    np.testing.assert_allclose(iso[:, 0], 0.5 * (1 + 0.5 * np.sin(2 * np.pi * z / 100)), rtol=0, atol=1e-15)


@pytest.mark.parametrize("dist, mod, word", [
    ("benchmark:a=0.9", Modulation("b", 0.1, 50.0), "has no parameter 'b'"),
    ("isotropic:D0=1e308", Modulation("D0", 1e308, 50.0), "is not finite"),  # D0(z) overflows to inf
])
def test_bad_modulated_distributions_are_one_line_errors(dist, mod, word):
    v = np.polynomial.legendre.leggauss(8)[0]
    with pytest.raises(FlavomonInputError) as e:
        D_of_z(dist, mod, v, np.linspace(0, 100, 64, endpoint=False))
    msg = _one_line(e)
    assert word in msg
    if "finite" in word:
        assert "at z = " in msg  # it names where


def test_only_family_distributions_can_be_modulated(tmp_path):
    v = np.polynomial.legendre.leggauss(16)[0]
    table = fm.from_table(v, np.exp(-2 * (1 - v) ** 2) - 0.9, name="t")
    with pytest.raises(FlavomonInputError) as e:
        D_of_z(table, Modulation("a", 0.1, 10.0), v, np.zeros(3))
    assert "family SPEC" in _one_line(e)


def test_modulation_samples_span_the_range():
    ds = modulation_samples("benchmark:a=0.8", Modulation("a", -0.1, 100.0))
    a = sorted(d.params["a"] for d in ds)
    assert len(a) == 9 and a[0] == pytest.approx(0.7) and a[-1] == pytest.approx(0.9)


# -- WKB and cells ----------------------------------------------------------------------------------------------------
def test_wkb_warning_only_below_the_rule():
    K = -1.47
    need = WKB_MIN_WAVELENGTHS * 2 * np.pi / abs(K)
    short, long_ = Matter(f"sin:amplitude=0.1,wavelength={0.9 * need}"), Modulation("a", 0.1, 1.1 * need)
    with pytest.warns(PhysicsWarning, match="WKB invalid"):
        check_wkb(short, None, K)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_wkb(None, long_, K)
        check_wkb(short, None, float("nan"))  # nothing grows: no scale to compare with
        check_wkb(Matter(f"sin:amplitude=0,wavelength={0.5 * need}"), None, K)  # no modulation at all
    with pytest.warns(PhysicsWarning, match="--modulate wavelength"):
        check_wkb(None, Modulation("a", 0.1, 0.5 * need), K)


def test_default_cell_divides_the_box():
    m = Matter("sin:amplitude=0.1,wavelength=250")
    assert default_cell(1000.0, m, None) == 250.0 / 8  # exactly Lb / 8 when Lb divides L
    assert default_cell(1000.0, m, Modulation("a", 0.1, 100.0)) == 100.0 / 8  # the shortest wavelength
    assert default_cell(100.0, None, None) == 100.0 / 8  # no modulation: L / 8
    for L, lb in ((100.0, 30.0), (77.0, 5.0)):
        ell = default_cell(L, Matter(f"sin:amplitude=1,wavelength={lb}"), None)
        check_cell(ell, L)  # a divisor of L however the wavelength falls
        assert abs(ell - lb / 8) < 0.5 * lb / 8


@pytest.mark.parametrize("ell, word", [(30.0, "does not divide"), (0.0, "must be > 0"), (-5.0, "must be > 0"),
                                        (200.0, "does not divide"), (float("nan"), "not finite")])
def test_bad_cells_are_one_line_errors(ell, word):
    with pytest.raises(FlavomonInputError) as e:
        check_cell(ell, 100.0)
    assert word in _one_line(e)
    check_cell(25.0, 100.0)
    check_cell(100.0 / 3, 100.0)  # within 1e-9
