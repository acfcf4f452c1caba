"""The predictor scores on constructed sweeps whose answers are known exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from flavomon.distributions import benchmark
from flavomon.errors import FlavomonInputError
from flavomon.grids import VelocityGrid
from flavomon.workflows.predictors import compare_predictors, run_predictors


def _fake_sweep(rows):
    """rows: (label, method, D_initial, D_final, D_std, n_real, gamma_max) -> a sweep.nc-like Dataset."""
    g = VelocityGrid(40)
    n = len(rows)
    ds = xr.Dataset(
        {
            "w": ("v", g.w),
            "D_initial": (("point", "v"), np.array([r[2] for r in rows])),
            "D_final": (("point", "v"), np.array([r[3] for r in rows])),
            "D_final_std": (("point", "v"), np.array([r[4] for r in rows])),
            "n_realizations": ("point", np.array([r[5] for r in rows], dtype=float)),
            "gamma_max": ("point", np.array([r[6] for r in rows], dtype=float)),
            "status": ("point", ["ok"] * n),
        },
        coords={
            "v": g.v,
            "point": np.arange(n),
            "method": ("point", [r[1] for r in rows]),
            "distribution": ("point", [r[0] for r in rows]),
            "family": ("point", ["benchmark"] * n),
            "table": ("point", [""] * n),
            "param_a": ("point", [0.7] * n),
        },
    )
    return ds, g


def test_scores_of_known_predictors(tmp_path):
    g = VelocityGrid(40)
    D0 = benchmark(0.7).on_grid(g.v)
    flipped = g.v > 1 - np.sqrt(-np.log(0.7) / 2)  # docs §8.1: v_c; D0 < 0 so v > v_c is flipped
    qke = np.where(flipped, 0.1 * D0, D0 + 0.01)  # "QKE": 90% flipped, beam raised by 0.01
    std = np.full(40, 0.004)
    nan = np.full(40, np.nan)
    rows = [
        ("bm", "qke", D0, qke, std, 16, 0.2655),
        ("bm", "qlt", D0, qke.copy(), nan, 1, 0.2655),  # perfect predictor
        ("bm", "resonant", D0, np.where(flipped, 0.0, D0), nan, 1, 0.2655),
        ("bm", "signrule", D0, D0.copy(), nan, 1, np.nan),  # "no change"
        ("bm2", "qke", D0, qke, std, 16, 0.2655),
        ("bm2", "qlt", D0, qke + 0.003, nan, 1, 0.2655),  # off by 0.003 everywhere
    ]
    ds, _ = _fake_sweep(rows)
    c = compare_predictors(ds)
    assert list(c.predictor.values) == ["qlt", "resonant", "signrule"]
    L1 = c.L1.sel(distribution="bm")
    assert L1.sel(predictor="qlt") == 0.0
    assert float(c.skill.sel(distribution="bm", predictor="qlt")) == 1.0
    assert str(c.verdict.sel(distribution="bm", predictor="qlt").values) == "holds"
    # the no-change predictor scores exactly L1_initial, skill 0 -> fails
    assert float(L1.sel(predictor="signrule")) == pytest.approx(float(c.L1_initial[0]), rel=1e-14)
    assert str(c.verdict.sel(distribution="bm", predictor="signrule").values) == "fails"
    # flipped-side lepton number: exact fractions by construction (same quadrature in both)
    assert float(c.flip_fraction_qke[0]) == pytest.approx(0.1, rel=1e-12)
    assert float(c.flip_fraction.sel(distribution="bm", predictor="resonant")) == 0.0
    # resonant misses only the beam shift (0.01 over v < v_c) and the 10% left: L1 known exactly
    expect = np.sum(g.w[~flipped]) * 0.01 + np.sum(g.w[flipped] * np.abs(0.1 * D0[flipped]))
    assert float(L1.sel(predictor="resonant")) == pytest.approx(expect, rel=1e-12)
    # noise floor = sum w std / sqrt(N) = 2 * 0.004 / 4
    assert float(c.L1_noise[0]) == pytest.approx(0.002, rel=1e-12)
    # bm2: L1 = 2 * 0.003 = 0.006 > 2 x noise (0.004), but it captures > 90% of the change
    c2 = c.sel(distribution="bm2", predictor="qlt")
    assert float(c2.L1) == pytest.approx(0.006, rel=1e-12)
    assert float(c2.skill) > 0.9 and str(c2.verdict.values) == "approximate"
    assert np.isnan(float(c.L1.sel(distribution="bm2", predictor="resonant")))  # no such point

    out = run_predictors(ds, out_dir=tmp_path, command="test")
    assert (tmp_path / "predictors.png").stat().st_size > 10_000
    rows_json = json.loads((tmp_path / "predictors.json").read_text())["rows"]
    assert rows_json[0]["predictors"]["qlt"]["verdict"] == "holds"
    assert "| bm |" in (tmp_path / "predictors.md").read_text()
    assert float(out.L1.sel(distribution="bm", predictor="qlt")) == 0.0


def test_no_evolution_and_missing_reference():
    g = VelocityGrid(40)
    D0 = benchmark(0.999).on_grid(g.v)  # barely unstable: the "QKE" did not move
    std = np.full(40, 1e-3)
    ds, _ = _fake_sweep([("x", "qke", D0, D0 + 1e-5, std, 4, 1e-3), ("x", "qlt", D0, D0, std * np.nan, 1, 1e-3)])
    c = compare_predictors(ds)
    assert str(c.verdict.values[0, 0]) == "no evolution"
    ds2, _ = _fake_sweep([("x", "qlt", D0, D0, std, 1, 1e-3)])
    with pytest.raises(FlavomonInputError, match="no finished 'qke' points"):
        compare_predictors(ds2)
