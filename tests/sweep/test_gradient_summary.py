"""The suppression-curve summary of a gradient sweep (docs §11): half-gradients and the table."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from flavomon.workflows.gradient import gradient_markdown, gradient_table, half_gradient


def test_half_gradient_interpolates_between_the_bracketing_points():
    # change 1 at G = 0, 0.8 at 0.002, 0.2 at 0.004: half (0.5) is reached halfway between 0.002 and 0.004
    assert half_gradient(np.array([-0.002, -0.004]), np.array([0.8, 0.2]), 1.0) == pytest.approx(0.003)
    assert np.isnan(half_gradient(np.array([0.002]), np.array([0.9]), 1.0))  # never falls to half


def _fake_sweep():
    v = np.linspace(-1, 1, 5)
    w = np.full(5, 0.4)
    D0 = np.array([-0.5, -0.3, 0.0, 0.3, 0.5])
    rows = []
    for G, c_qke, c_qlt in ((0.0, 0.1, 0.09), (-0.004, 0.08, 0.05), (-0.008, 0.0, 0.0)):
        for m, c in (("qke", c_qke), ("qlt", c_qlt), ("gain", None)):
            Df = D0 + (np.array([0, 0, 0, 0, -c / 0.4]) if c is not None else np.nan)
            rows.append((m, G, Df))
    n = len(rows)
    ds = xr.Dataset(
        {"w": ("v", w), "D_initial": (("point", "v"), np.tile(D0, (n, 1))),
         "D_final": (("point", "v"), np.stack([r[2] for r in rows])),
         "D_final_std": (("point", "v"), np.full((n, 5), 0.01)),
         "n_realizations": ("point", np.full(n, 4.0)), "status": ("point", ["ok"] * n),
         "max_gain": ("point", [12.0 if r[0] == "gain" else np.nan for r in rows]),
         "G_c": ("point", [0.006 if r[0] == "gain" else np.nan for r in rows])},
        coords={"v": v, "method": ("point", [r[0] for r in rows]), "gradient": ("point", [r[1] for r in rows]),
                "distribution": ("point", ["benchmark:a=0.9"] * n)})
    return ds


def test_gradient_table_reads_the_changes_and_half_gradients():
    tab = gradient_table(_fake_sweep())["benchmark:a=0.9"]
    r0 = next(r for r in tab["rows"] if r["G"] == 0.0)
    assert r0["change_qke"] == pytest.approx(0.1) and r0["change_qlt"] == pytest.approx(0.09)
    assert r0["noise_floor_qke"] == pytest.approx(5 * 0.4 * 0.01 / 2)  # sum w std / sqrt(N), N = 4
    h = tab["G_half_negative"]
    # QKE: 0.1 -> 0.08 at 0.004 -> 0 at 0.008: half (0.05) at 0.004 + 0.03/0.08 x 0.004 = 0.0055
    assert h["qke"] == pytest.approx(0.0055) and h["linear"] == 0.006
    # QLT: 0.09 -> 0.05 at 0.004 (below 0.045? no) -> 0 at 0.008: 0.004 + 0.005/0.05 x 0.004
    assert h["qlt"] == pytest.approx(0.0044)
    md = gradient_markdown(gradient_table(_fake_sweep()))
    assert "G_1/2 from the QKE 0.0055" in md and "| -0.004 |" in md
