"""`flavomon plot` reads every file a sweep writes — sweep.nc, points/<id>.nc, predictors.nc —
and draws the sweep's standard figure, which names the sweep and explains its reference lines.

The sweep is built from real points without a Dask cluster (execute_point, the worker's own
function, then combine_points, the client's), so the files have exactly the sweep's layout."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

from flavomon.cli.main import main  # noqa: E402
from flavomon.io import read_dataset, write_dataset  # noqa: E402
from flavomon.plotting import plot  # noqa: E402
from flavomon.sweep import combine_points, execute_point, parse_config  # noqa: E402
from flavomon.sweep.engine import POINTS_DIR, point_dataset  # noqa: E402
from flavomon.workflows.predictors import run_predictors  # noqa: E402
from _figure_checks import check_legends as _check_legends, legend_texts as _legend_texts  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"




def _build_sweep(out, raw):
    cfg = parse_config(raw, source="test")
    pdir = out / POINTS_DIR
    pdir.mkdir(parents=True)
    for p in cfg.points:
        rec = execute_point(p, "test")
        if rec["status"] == "ok":
            write_dataset(point_dataset(p, rec, "test"), pdir / f"{p.point_id}.nc")
        else:
            (pdir / f"{p.point_id}.error.json").write_text(json.dumps({"error": rec["error"], "runtime_s": 0.0}))
    ds = combine_points(cfg, out, command="test")
    write_dataset(ds, out / "sweep.nc")
    return ds


@pytest.fixture(scope="module")
def qlt_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    raw = {
        "sweep": {"name": "fig-test", "Nv": 24, "methods": ["qlt", "signrule", "_probe"]},
        "distributions": [{"family": "benchmark", "a": [0.7, 0.9]}, {"specs": ["shallow:a=0.95"]}],
        "methods": {"qlt": {"t_end": 60.0, "n_K": 80}, "_probe": {"fail": True}},
    }
    return out, _build_sweep(out, raw)


def test_plot_cli_draws_sweep_nc_and_a_point_file(qlt_sweep, tmp_path, capsys):
    out, ds = qlt_sweep
    assert main(["plot", str(out / "sweep.nc"), "--out", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").read_bytes()[:8] == PNG
    point = sorted((out / POINTS_DIR).glob("*qlt*.nc"))[0]
    assert main(["plot", str(point), "--out", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").read_bytes()[:8] == PNG


def test_sweep_figure_names_the_sweep_and_explains_its_lines(qlt_sweep):
    _, ds = qlt_sweep
    fig = plot(ds)
    title = fig.get_suptitle()
    assert "fig-test" in title and "3 distributions" in title and "full QLT" in title and "Nv = 24" in title
    assert "t_end = 60" in title
    assert "3 points failed" in title  # the failing probe of each distribution is reported, not hidden
    _check_legends(fig)
    texts = _legend_texts(fig)
    assert "0: flipped side emptied" in texts and "1: flipped side unchanged" in texts
    # one D_v panel per distribution, below the two summary panels
    assert len(fig.axes) == 2 + 3
    # the sign rule empties the flipped side exactly: its fraction left is 0 (round-off 1e-12)
    flip = fig.axes[1]
    (sign,) = [ln for ln in flip.get_lines() if ln.get_label() == "sign rule"]
    assert np.nanmax(np.abs(np.asarray(sign.get_ydata(), dtype=float))) < 1e-12
    plt.close(fig)


def test_predictors_nc_of_a_sweep_with_a_qke_reference(tmp_path, capsys):
    out = tmp_path / "sw"
    raw = {
        "sweep": {"name": "pred-test", "Nv": 16, "methods": ["qke", "signrule"]},
        "distributions": [{"family": "benchmark", "a": [0.9]}],
        # a tiny ensemble in a small box: only the file layout matters here
        "methods": {"qke": {"L": 20.0, "realizations": 2, "t_end": 20.0, "dt_out": 10.0}},
    }
    ds = _build_sweep(out, raw)
    run_predictors(ds, out_dir=out, command="test", plot=False)
    assert main(["plot", str(out / "predictors.nc"), "--out", str(tmp_path / "pr.png")]) == 0
    assert (tmp_path / "pr.png").read_bytes()[:8] == PNG
    fig = plot(read_dataset(out / "predictors.nc"))
    title = fig.get_suptitle()
    assert "pred-test" in title and "mean of 2 realizations" in title and "t_end = 20" in title
    _check_legends(fig)
    plt.close(fig)
    # sweep.nc itself: the sweep figure, and a pointer to the predictor comparison beside it
    capsys.readouterr()
    assert main(["plot", str(out / "sweep.nc"), "--out", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").read_bytes()[:8] == PNG
    assert f"flavomon plot {out / 'predictors.nc'}" in capsys.readouterr().err


def test_a_file_that_is_no_flavomon_output_is_refused(tmp_path, capsys):
    f = tmp_path / "x.nc"
    xr.Dataset({"x": ("t", [1.0])}).to_netcdf(f)
    assert main(["plot", str(f)]) == 2
    err = capsys.readouterr().err
    assert "not a flavomon file" in err and "sweep.nc" in err and len(err.strip().splitlines()) == 1
