"""Callables a user actually brings: wrong return types get a one-line error, and a saved result
records the background so it can be recreated."""

import numpy as np
import pytest

import flavomon as fm
from flavomon.errors import FlavomonInputError


@pytest.mark.parametrize(
    "func, words",
    [
        (lambda v: 0.5, "returned a scalar"),
        (lambda v: np.ones(3), "returned shape (3,)"),
        (lambda v: np.where(v > 0.9, np.nan, 1.0), "NaN or inf"),
    ],
)
def test_bad_callable_is_one_line_error(func, words):
    with pytest.raises(FlavomonInputError) as e:
        fm.from_callable(func)
    msg = str(e.value)
    assert words in msg and "\n" not in msg


def test_list_of_right_shape_is_accepted_as_array():
    # a list with one value per v is a legitimate return; it must give the same D as the array form
    d_list = fm.from_callable(lambda v: [1.0 - x**2 for x in np.atleast_1d(v)], name="l")
    d_arr = fm.from_callable(lambda v: 1.0 - np.asarray(v) ** 2, name="a")
    v = np.linspace(-1, 1, 11)
    # the list form is tabulated and fitted by a Legendre series, exact for a quadratic up to rounding
    np.testing.assert_allclose(d_list(v), d_arr(v), atol=1e-12)


def test_modes_file_from_callable_recreates_the_bands(tmp_path):
    dist = fm.from_callable(lambda v: 0.5 - 1.5 * v**2 + v, name="mine")
    r = fm.find_modes(dist)
    p = fm.save(r, tmp_path / "m.nc")
    ds = fm.load(p)
    assert ds.attrs["distribution"] == "callable:mine"
    again = fm.from_table(ds["v_table"].values, ds["D_table"].values)
    r2 = fm.find_modes(again)
    assert len(r2.bands) == len(r.bands) >= 1
    # the 201-point table of a quadratic is fitted exactly (to rounding), so the band edges agree to the
    # root solver's tolerance; 1e-6 is far above it and far below any physical change of the bands
    for b, b2 in zip(r.bands, r2.bands):
        assert abs(b.K_lo - b2.K_lo) < 1e-6 and abs(b.K_hi - b2.K_hi) < 1e-6
