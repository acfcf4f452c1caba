"""A callable that accepts complex v but is not analytic (abs, conj, real parts) is not used as its own
continuation: PhysicsWarning, and the Legendre fit of its real values instead [docs §8]."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flavomon as fm


def test_analytic_callable_is_used_directly_and_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = fm.from_callable(lambda v: np.exp(-2 * (1 - v) ** 2) - 0.9)
    z = np.array([0.3 + 0.2j])
    # used as it is: its complex values are the callable's own (a fit would differ in the last digits)
    assert d(z)[0] == np.exp(-2 * (1 - z[0]) ** 2) - 0.9


def test_non_analytic_callable_warns_and_falls_back_to_the_fit():
    f_bad = lambda v: v * np.conj(v) - 0.3  # noqa: E731 - real v: v^2 - 0.3; complex v: |v|^2 - 0.3 (not analytic)
    with pytest.warns(fm.PhysicsWarning, match="not analytic .* Legendre fit"):
        bad = fm.from_callable(f_bad)
    good = fm.from_callable(lambda v: v**2 - 0.3)  # the analytic function with the same real values
    z = np.array([0.3 + 0.2j])
    assert abs(bad(z)[0] - good(z)[0]) < 1e-10  # the fit continues v^2 - 0.3, not |v|^2 - 0.3
    g_bad, g_good = fm.growth_rate_max(bad)[0], fm.growth_rate_max(good)[0]
    assert g_good > 0 and abs(g_bad - g_good) < 1e-8 * g_good
