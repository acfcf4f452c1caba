"""The gradient axis of a sweep (docs §11): points per G, homogeneous ids unchanged, the linear estimate method."""

from __future__ import annotations

import math

import numpy as np
import pytest

import flavomon as fm
from flavomon.errors import FlavomonInputError
from flavomon.sweep import execute_point, parse_config

RAW = {
    "sweep": {"methods": ["qlt", "gain"], "Nv": 24, "gradient": [0.0, -0.004, 0.004]},
    "distributions": [{"family": "benchmark", "a": [0.9]}],
    "methods": {"qlt": {"t_end": 50.0}},
}


def test_points_per_gradient_and_homogeneous_ids_unchanged():
    cfg = parse_config(RAW)
    pts = cfg.points
    assert len(pts) == 6 and sorted({p.gradient for p in pts}) == [-0.004, 0.0, 0.004]
    homo = parse_config({**RAW, "sweep": {k: v for k, v in RAW["sweep"].items() if k != "gradient"}})
    # the G = 0 points are the points of the same sweep without a gradient axis (finished ones are reused)
    assert {p.point_id for p in pts if p.gradient == 0.0} == {p.point_id for p in homo.points}
    assert len({p.point_id for p in pts}) == 6


@pytest.mark.parametrize("raw, words", [
    ({**RAW, "sweep": {**RAW["sweep"], "methods": ["qlt", "resonant"]}}, "resonant do(es) not"),
    ({**RAW, "sweep": {**RAW["sweep"], "gradient": [0.0, float("nan")]}}, "gradient"),
    ({**RAW, "sweep": {**RAW["sweep"], "gradient": [0.001, 0.001]}}, "twice"),
    ({**RAW, "methods": {"qlt": {"gradient": 0.01}}}, "axis [sweep] gradient"),
])
def test_bad_gradient_axis_is_a_one_line_error(raw, words):
    with pytest.raises(FlavomonInputError) as e:
        parse_config(raw)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_gain_method_is_the_linear_estimate():
    cfg = parse_config(RAW)
    p = next(p for p in cfg.points if p.method == "gain" and p.gradient == -0.004)
    rec = execute_point(p, "test")
    assert rec["status"] == "ok", rec.get("error")
    g = fm.band_gain("benchmark:a=0.9", Nv=24)
    # the same quadrature: max gain 2 int gamma dK / |G| and G_c = 2 int gamma dK / ln(1e-2 / 1e-13), to round-off
    assert rec["max_gain"] == pytest.approx(2 * g.total / 0.004, rel=1e-12)
    assert rec["G_c"] == pytest.approx(2 * g.total / math.log(1e11), rel=1e-12)
    assert np.all(np.isnan(rec["D_final"]))  # no final state


def test_qlt_point_in_a_gradient_gets_a_grid_holding_every_entering_label():
    cfg = parse_config(RAW)
    p = next(p for p in cfg.points if p.method == "qlt" and p.gradient == 0.004)
    rec = execute_point(p, "test")
    assert rec["status"] == "ok", rec.get("error")
    # F2's default grid would not do: the labels entering band 1 from below are outside it
    with pytest.raises(FlavomonInputError, match="enter an unstable band"):
        fm.run_qlt("benchmark:a=0.9", fm.QLTConfig(Nv=24, t_end=500.0, gradient=0.004))


def test_an_entry_can_carry_its_own_gradient_axis():
    raw = {**RAW, "distributions": [{"family": "benchmark", "a": [0.9]},
                                    {"family": "benchmark", "a": [0.7], "gradient": [0.0, -0.02]}]}
    cfg = parse_config(raw)
    by = {}
    for p in cfg.points:
        by.setdefault(p.distribution.label, set()).add(p.gradient)
    assert by == {"benchmark:a=0.9": {0.0, -0.004, 0.004}, "benchmark:a=0.7": {0.0, -0.02}}
