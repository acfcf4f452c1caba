"""The existing distributions module: SPECs, table validation, Legendre fit, crossing analysis."""

import numpy as np
import pytest

from flavomon.distributions import (
    MIN_TABLE_ROWS,
    benchmark,
    from_callable,
    from_file,
    from_spec,
    from_table,
    isotropic,
    shallow,
)
from flavomon.errors import FlavomonInputError, PhysicsWarning

# docs §9 Table A: D0, D1, D2, v_c, int_{v_c}^1 D dv
TABLE_A = {
    0.9: (-1.1733826254, 0.3767012403, -0.3167282817, 0.7704781975, 0.01513986),
    0.7: (-0.7733826254, 0.3767012403, -0.1833949484, 0.5776997845, 0.08142812),
    0.5: (-0.3733826254, 0.3767012403, -0.0500616150, 0.4112949887, 0.18251354),
}


@pytest.mark.parametrize("a", sorted(TABLE_A))
def test_crossing_info_table_A(a):
    ci = benchmark(a).crossing_info()
    D0, D1, D2, vc, nflip = TABLE_A[a]
    # Table A is printed to 10 decimals (8 for the flipped integral)
    assert ci.D0 == pytest.approx(D0, abs=2e-10)
    assert ci.D1 == pytest.approx(D1, abs=2e-10)
    assert ci.D2 == pytest.approx(D2, abs=2e-10)
    assert ci.crossings == pytest.approx((vc,), abs=2e-10)
    # analytic v_c = 1 - sqrt(-ln a / 2) (docs §8.1)
    assert ci.crossings[0] == pytest.approx(1 - np.sqrt(-np.log(a) / 2), abs=1e-12)
    # D0 < 0: flipped side is v > v_c (docs §6)
    assert len(ci.flipped_intervals) == 1
    assert ci.flipped_intervals[0] == pytest.approx((vc, 1.0), abs=2e-10)
    assert ci.flipped_lepton_number == pytest.approx(nflip, abs=2e-8)


def test_benchmark_moments_closed_form():
    # docs §8.1: D0 = sqrt(pi/8) erf(2 sqrt 2) - 2a, D1 = 0.3767012 for every a
    from math import erf, pi, sqrt

    for a in (0.2, 0.9):
        assert benchmark(a).D0 == pytest.approx(sqrt(pi / 8) * erf(2 * sqrt(2)) - 2 * a, abs=1e-13)
        assert benchmark(a).D1 == pytest.approx(0.3767012403, abs=1e-10)


def test_shallow_is_mirror_and_isotropic_constant():
    v = np.linspace(-1, 1, 7) + 0.1j
    assert np.allclose(shallow(0.9)(v), -benchmark(0.9)(v), atol=1e-15)
    assert np.allclose(isotropic(2.0)(v), 1.0)
    assert not isotropic(1.0).crossing_info().has_crossing


def test_complex_evaluation():
    z = np.array([0.3 + 0.2j, -0.5 - 0.4j])
    assert np.allclose(benchmark(0.7)(z), np.exp(-2 * (1 - z) ** 2) - 0.7)


def test_from_spec_forms_and_errors():
    assert from_spec("benchmark:a=0.7").params == {"a": 0.7}
    assert from_spec("benchmark").params == {"a": 0.9}
    assert from_spec("isotropic:D0=2").params == {"D0": 2.0}
    for bad, word in [
        ("nosuch:a=1", "unknown distribution"),
        ("benchmark:b=1", "unknown parameter"),
        ("benchmark:a", "NAME=VALUE"),
        ("benchmark:a=x", "not a number"),
        ("benchmark:a=nan", "not finite"),
        ("", "non-empty"),
        ("missing.csv", "does not exist"),
    ]:
        with pytest.raises(FlavomonInputError, match=word):
            from_spec(bad)


def _csv(path, rows, header="v,D"):
    path.write_text(header + "\n" + "".join(f"{a},{b}\n" for a, b in rows))
    return path


@pytest.mark.parametrize(
    "rows,word",
    [
        ([(x, 1.0) for x in np.linspace(-1, 1, MIN_TABLE_ROWS - 1)], "at least 8"),
        ([(x, np.nan if i == 3 else 1.0) for i, x in enumerate(np.linspace(-1, 1, 10))], "non-finite"),
        ([(x, np.inf if i == 3 else 1.0) for i, x in enumerate(np.linspace(-1, 1, 10))], "non-finite"),
        ([(x, 1.0) for x in np.linspace(-1, 1.2, 10)], "outside"),
        ([(x, 1.0) for x in np.linspace(1, -1, 10)], "not increasing"),
        ([(x, 1.0) for x in [-1, -0.5, -0.5, 0, 0.2, 0.4, 0.6, 0.8, 1.0]], "duplicated"),
    ],
    ids=["too-few", "nan", "inf", "v>1", "unsorted", "duplicated"],
)
def test_table_validation(tmp_path, rows, word):
    with pytest.raises(FlavomonInputError, match=word) as e:
        from_file(_csv(tmp_path / "t.csv", rows))
    assert "\n" not in str(e.value)  # one-line message


def test_table_header_and_format_errors(tmp_path):
    with pytest.raises(FlavomonInputError, match="header"):
        from_file(_csv(tmp_path / "h.csv", [(0, 1)] * 9, header="x,y"))
    (tmp_path / "t.txt").write_text("v,D\n")
    with pytest.raises(FlavomonInputError, match="unknown format"):
        from_file(tmp_path / "t.txt")


def test_table_fit_reproduces_analytic_family(tmp_path):
    # a smooth table is represented by a Legendre series; the fit is exact to ~1e-10 for 50 rows
    d = benchmark(0.7)
    v = np.linspace(-1, 1, 50)
    t = from_file(_csv(tmp_path / "b.csv", [(repr(float(a)), repr(float(b))) for a, b in zip(v, d.on_grid(v))]))
    assert t.fit_residual < 1e-8
    x = np.linspace(-1, 1, 301)
    assert np.max(np.abs(t.on_grid(x) - d.on_grid(x))) < 1e-7
    # the fit is an entire function: finite at complex v
    assert np.all(np.isfinite(t(np.array([0.5 + 0.3j]))))
    assert t.crossing_info().crossings[0] == pytest.approx(TABLE_A[0.7][3], abs=1e-7)


def test_npz_and_callable(tmp_path):
    v = np.linspace(-1, 1, 20)
    np.savez(tmp_path / "t.npz", v=v, D=v**2 - 0.3)
    t = from_file(tmp_path / "t.npz")
    assert t.fit_residual < 1e-12
    with pytest.warns(PhysicsWarning, match=r"misses the data by up to .* near v = 0"):
        f = from_callable(lambda x: np.abs(x) - 0.5)  # not analytic -> sampled and fitted; the kink rings
    assert f.fit_degree is not None
    with pytest.raises(FlavomonInputError):
        from_table([0, 1], [1, 2])


def test_table_fit_that_misrepresents_the_data_warns():
    import warnings

    v = np.linspace(-1, 1, 50)
    # a step resolved by ~2 rows: the smooth fit rings (residual ~10% of max|D| at the step)
    with pytest.warns(PhysicsWarning) as rec:
        from_table(v, np.tanh(40 * (v - 0.3)))
    assert any("misses the data" in str(r.message) for r in rec)
    # a narrow positive spike between two negative rows: the data change sign twice; a fit of
    # moderate degree cannot follow the spike and crosses zero a different number of times
    D = np.full(v.size, -0.1)
    D[40] = 1.0
    with pytest.warns(PhysicsWarning) as rec:
        from_table(v, D)
    assert any("change sign 2 time(s) but the smooth fit crosses zero 0 time(s)" in str(r.message) for r in rec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a smooth table is represented exactly: no warning
        from_table(v, np.exp(-2 * (1 - v) ** 2) - 0.7)


def test_rate_scale_is_int_abs_D():
    from scipy.integrate import quad

    for a in (0.9, 0.5):
        d = benchmark(a)
        vc = d.crossing_info().crossings[0]
        # quad split at the crossing (the kink of |D|) is exact to ~1e-14
        exact = sum(quad(lambda v: abs(float(d(v))), lo, hi, epsabs=1e-14)[0] for lo, hi in ((-1, vc), (vc, 1)))
        # 200 Gauss-Legendre nodes across a kink converge algebraically: measured 4.5e-6 (a = 0.9) and
        # 2.6e-5 (a = 0.5) relative; the rate scale only sets scales of windows, grids and tolerances
        assert d.rate_scale == pytest.approx(exact, rel=1e-4)
    # without a crossing |D| = +-D, so the rate scale is |D0|
    assert isotropic(-0.5).rate_scale == pytest.approx(0.5, rel=1e-14)


def test_table_that_is_not_a_regular_file_is_refused_without_blocking(tmp_path):
    # a FIFO would block open() forever waiting for a writer; the refusal must come before any read
    import os

    fifo = tmp_path / "t.csv"
    os.mkfifo(fifo)
    with pytest.raises(FlavomonInputError, match="not a regular file") as e:
        from_file(fifo)
    assert "\n" not in str(e.value)


def test_npz_that_is_not_an_archive_is_a_one_line_error(tmp_path):
    bad = tmp_path / "t.npz"
    bad.write_bytes(b"garbage, not a zip archive")
    with pytest.raises(FlavomonInputError, match="not an .npz archive") as e:
        from_file(bad)
    assert "\n" not in str(e.value)
    assert bad.read_bytes() == b"garbage, not a zip archive"
