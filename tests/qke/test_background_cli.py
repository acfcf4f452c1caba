"""``flavomon qke --matter / --modulate / --cell`` [docs §12]: the file layout of the z-resolved cells, one-line errors
that touch no file, the WKB warning, and --resume (refused with another background, bit-identical with the same)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import flavomon as fm
from flavomon.cli.main import main
from flavomon.errors import FlavomonInputError

SMALL = ["--L", "100", "--Nz", "64", "--Nv", "12", "--t-end", "4", "--realizations", "2", "--workers", "1",
         "--no-progress"]


def _files(folder):
    return sorted(p.name for p in folder.rglob("*"))


def test_cli_writes_the_cells(tmp_path, capsys):
    out = tmp_path / "bg.nc"
    rc = main(["qke", "--distribution", "benchmark:a=0.8", "--matter", "sin:amplitude=0.2,wavelength=100",
               "--modulate", "a=0.05,wavelength=100", "--out", str(out), *SMALL])
    assert rc == 0, capsys.readouterr().err
    ds = fm.load(out)
    assert ds.sizes["z_cell"] == 8 and ds.sizes["realization"] == 2  # default cell: wavelength 100 / 8
    assert ds["D_cell"].dims == ("realization", "t", "z_cell", "v")
    assert ds["D_cell_mean"].dims == ("t", "z_cell", "v")
    assert ds["power_cell"].dims == ("realization", "t", "z_cell", "K_cell")
    np.testing.assert_allclose(ds["D_cell_mean"].values, ds["D_cell"].values.mean(axis=0), rtol=0, atol=1e-15)
    np.testing.assert_allclose(ds["z_cell"].values, 12.5 * (np.arange(8) + 0.5))
    assert ds.attrs["matter"] == "sin:amplitude=0.2,wavelength=100.0"
    assert ds.attrs["modulate"] == "a=0.05,wavelength=100.0" and ds.attrs["cell"] == 12.5
    # the cells' mean is the box average at every output (trapezoid sums telescope)
    np.testing.assert_allclose(ds["D_cell"].values.mean(axis=2), ds["D"].values, rtol=0, atol=1e-13)
    # the initial cells hold a(z) = 0.8 + 0.05 sin(2 pi z / 100): the forward node's D differs from cell to cell
    assert np.ptp(ds["D_cell"].values[0, 0, :, -1]) > 0.05
    assert not (tmp_path / "bg.nc.ckpt").exists() and not (tmp_path / "bg.nc.lock").exists()

    hom = tmp_path / "hom.nc"  # the homogeneous layout is unchanged
    assert main(["qke", "--distribution", "benchmark:a=0.8", "--out", str(hom), *SMALL]) == 0
    dh = fm.load(hom)
    assert not {"z_cell", "K_cell", "D_cell", "D_cell_mean", "power_cell"} & (set(dh.variables) | set(dh.coords))
    assert not {"matter", "modulate", "cell"} & set(dh.attrs)


@pytest.mark.parametrize("extra, word", [
    (["--matter", "sin:amplitude=0.1,wavelength=30"], "does not divide the box length"),
    (["--matter", "cos:amplitude=0.1,wavelength=50"], "unknown matter profile"),
    (["--matter", "sin:amplitude=0.1"], "missing wavelength"),
    (["--cell", "30"], "--cell 30 does not divide"),
    (["--modulate", "a=0.1,wavelength=30"], "does not divide the box length"),
    (["--modulate", "b=0.1,wavelength=50"], "has no parameter 'b'"),
    (["--modulate", "a=0.1"], "missing wavelength"),
    (["--distribution", "isotropic:D0=1e308", "--modulate", "D0=1e308,wavelength=50"], "is not finite"),
    (["--matter", "TABLE"], "not periodic"),
    # a matter gradient far beyond any instability: the resolution rule's Nz, refused before any grid is built
    (["--Nz", "auto", "--matter", "sin:amplitude=1e20,wavelength=50"], "beyond any machine"),
    (["--Nz", "auto", "--matter", "sin:amplitude=1e308,wavelength=50"], "Nz = inf"),
    (["--cell", "1e-9"], "cells (at most"),
    # a modulation the z grid cannot sample (2 points per wavelength at most): aliased before, refused now
    (["--modulate", "a=0.1,wavelength=0.5"], "cannot sample the --modulate wavelength"),
    (["--Nz", "auto", "--modulate", "a=0.1,wavelength=1e-300"], "11 points per --modulate wavelength"),
    # cells too narrow for a local spectrum (2 of the 64 points here; on 1 point the windowed transform was 0/0 and
    # NaN power was written)
    (["--cell", "2"], "too narrow for the local spectra"),
])
def test_bad_background_is_one_line_and_touches_nothing(tmp_path, capsys, extra, word):
    work = tmp_path / "work"
    work.mkdir()
    if "TABLE" in extra:
        table = tmp_path / "lam.csv"  # lambda(0) = 0 but lambda(100) = 1: not one period
        table.write_text("z,lambda\n0,0\n25,1\n50,0\n75,-1\n100,1\n")
        extra = [str(table) if x == "TABLE" else x for x in extra]
    args = ["qke", "--distribution", "benchmark:a=0.9", *SMALL, "--out", str(work / "q.nc"), *extra]
    rc = main(args)
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1 and word in err, err
    assert _files(work) == []  # no out, no .ckpt, no .lock


def test_short_modulation_warns_and_runs(tmp_path):
    """Lb = 20 < 10 x 2 pi/|K| = 43 of benchmark a = 0.9's fastest mode (K = -1.47): a one-line warning, and the
    run goes on (run as a process: pytest turns warnings into errors).  The default cells, Lb / 8 = 2.5, would hold 2
    of the 64 grid points, too few for a local spectrum: they widen to the narrowest that has one, L / 16 (at least
    4 points: Nz / 4 = 16 cells; the first local K, 2 pi / 6.25 = 1.0, inside the box's reach)."""
    out = tmp_path / "w.nc"
    p = subprocess.run([sys.executable, "-m", "flavomon", "qke", "--distribution", "benchmark:a=0.9", "--matter",
                        "sin:amplitude=0.1,wavelength=20", "--out", str(out), *SMALL], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    warn = [line for line in p.stderr.splitlines() if "WKB invalid" in line]
    assert len(warn) == 1 and warn[0].startswith("flavomon qke: warning: WKB invalid"), p.stderr
    ds = fm.load(out)
    assert ds.sizes["z_cell"] == 16 and np.all(np.isfinite(ds["power_cell"].values))


def test_resume_with_another_background_is_refused_and_the_same_one_is_bit_identical(tmp_path):
    from flavomon.qke import QKEConfig, run_qke
    from flavomon.workflows.qke import checkpoint_dir, qke_to_file

    small = dict(L=100.0, Nz=48, Nv=12, t_end=20.0, realizations=2, backend="numpy", workers=1, progress=False)
    bg = dict(matter="sin:amplitude=0.2,wavelength=100", cell=25.0)
    out = tmp_path / "q.nc"
    cfg = QKEConfig(**{k: v for k, v in small.items() if k not in ("workers", "progress")}, **bg)

    def interrupt_midway(t, steps=None):
        if t >= 30.0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_qke("benchmark:a=0.9", cfg, workers=1, checkpoint=checkpoint_dir(out), checkpoint_every=0,
                progress=interrupt_midway)
    before = {p: p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file()}
    for other in (dict(bg, matter="sin:amplitude=0.3,wavelength=100"), dict(bg, cell=50.0), {}):
        with pytest.raises(FlavomonInputError) as e:
            qke_to_file("benchmark:a=0.9", out=out, resume=True, **small, **other)
        assert "\n" not in str(e.value) and "different configuration" in str(e.value)
        assert {p: p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file()} == before
    ds = qke_to_file("benchmark:a=0.9", out=out, resume=True, **small, **bg)
    full = run_qke("benchmark:a=0.9", cfg, workers=1)
    np.testing.assert_array_equal(ds["D_cell"].values, full.D_cell)  # the checkpoint carried the cell records
    np.testing.assert_array_equal(ds["power_cell"].values, full.power_cell)
    np.testing.assert_array_equal(ds["D"].values, full.D)
