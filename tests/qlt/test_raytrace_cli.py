"""``flavomon qlt --matter / --modulate / --cell`` (ray tracing, docs §12): the file layout, the automatic grid,
one-line errors that touch no file, the WKB warning, and the space-time figure of QKE and QLT side by side."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import flavomon as fm
from flavomon.cli.main import main

SMALL = ["--Nv", "24", "--t-end", "30", "--no-progress"]


def _files(folder):
    return sorted(p.name for p in folder.rglob("*"))


def test_cli_writes_the_cells_and_picks_the_grid(tmp_path, capsys):
    out = tmp_path / "rt.nc"
    rc = main(["qlt", "--distribution", "benchmark:a=0.8", "--L", "200", "--matter", "sin:amplitude=0.2,wavelength=200",
               "--modulate", "a=0.05,wavelength=100", "--cell", "25", "--out", str(out), *SMALL])
    err = capsys.readouterr().err
    assert rc == 0, err
    ds = fm.load(out)
    assert ds.sizes["z_cell"] == 8 and ds["D_cell"].dims == ("t", "z_cell", "v")
    assert ds["power_cell"].dims == ("t", "z_cell", "K") and ds["gamma_cell"].dims == ("t", "z_cell", "K")
    assert ds.attrs["matter"] == "sin:amplitude=0.2,wavelength=200" and ds.attrs["cell"] == 25.0
    np.testing.assert_allclose(ds["D"].values, ds["D_cell"].values.mean(axis=1), rtol=0, atol=1e-15)
    # the automatic grid holds the bands of every local a in 0.75 .. 0.85 (the band edges lie inside, padded)
    K = ds["K"].values
    g0 = ds["gamma_cell"].values[0]
    assert g0[:, 0].max() == 0.0 and g0[:, -1].max() == 0.0 and g0.max() > 0.05
    # the initial cells hold a(z): the forward node's D differs from cell to cell
    assert np.ptp(ds["D_cell"].values[0, :, -1]) > 0.05
    assert "grid k = K + D1" in err and K.size > 100


@pytest.mark.parametrize("extra, word", [
    (["--matter", "sin:amplitude=0.1,wavelength=30"], "does not divide the box length"),
    (["--cell", "30"], "--cell 30 does not divide"),
    (["--modulate", "b=0.1,wavelength=50"], "has no parameter 'b'"),
    (["--resonant", "--matter", "sin:amplitude=0.1,wavelength=50"], "resonant QLT with a z-dependent background"),
    (["--distribution", "isotropic:D0=1e308", "--modulate", "D0=1e308,wavelength=50"], "is not finite"),
    (["--cell", "50", "--k-min", "-1", "--k-max", "1"], "misses unstable K"),
    # K drifts across the grid millions of times per unit time: refused before the (endless) run
    (["--matter", "sin:amplitude=1e6,wavelength=50"], "transport steps"),
    (["--matter", "sin:amplitude=1e308,wavelength=50"], "transport steps"),
    (["--cell", "1e-9"], "cells (at most"),
    # a modulation 1000 times shorter than the cell: its cell averages would need 8000 points per cell
    (["--cell", "50", "--modulate", "a=0.1,wavelength=0.05"], "times shorter than the cell"),
    # cells narrower than a wavelength of the fastest mode have no local spectrum (the 800 default cells of a
    # modulation with Lb = 2 in a box of 200 ran for ever; the default now widens, test below)
    (["--cell", "2"], "narrower than one wavelength"),
    # a K grid with no point in the bands: the check of full QLT, per local distribution (before: ran, nothing grew)
    (["--cell", "50", "--n-K", "2"], "misses the unstable band(s)"),
    # ray tracing does not rescale: a rate scale far from 1, in the base or a local distribution, is refused
    (["--modulate", "a=1e300,wavelength=50"], "int|D|dv"),
    (["--distribution", "isotropic:D0=1e-12", "--matter", "sin:amplitude=1e-14,wavelength=50"], "int|D|dv"),
])
def test_bad_background_is_one_line_and_touches_nothing(tmp_path, capsys, extra, word):
    work = tmp_path / "work"
    work.mkdir()
    args = ["qlt", "--distribution", "benchmark:a=0.9", "--L", "100", *SMALL, "--out", str(work / "q.nc")]
    rc = main(args + extra)
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1 and word in err, err
    assert _files(work) == []


def test_short_modulation_warns_and_runs(tmp_path):
    """Lb = 20 < 10 x 2 pi/|K| = 43 of benchmark a = 0.9's fastest mode: one warning line, and the run goes on
    (run as a process: pytest turns warnings into errors)."""
    out = tmp_path / "w.nc"
    p = subprocess.run([sys.executable, "-m", "flavomon", "qlt", "--distribution", "benchmark:a=0.9", "--matter",
                        "sin:amplitude=0.05,wavelength=20", "--L", "100", "--cell", "50", "--Nv", "24", "--t-end", "10",
                        "--no-progress", "--out", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    warn = [line for line in p.stderr.splitlines() if "WKB invalid" in line]
    assert len(warn) == 1 and warn[0].startswith("flavomon qlt: warning: WKB invalid"), p.stderr
    assert out.exists()


def test_default_cells_are_never_narrower_than_a_wavelength(tmp_path):
    """--modulate with Lb = 2: the default Lb / 8 = 0.25 would cut L = 100 into 400 cells of 1/17 of a wavelength of
    the fastest mode; they widen to L / n with n = floor(L |K_fast| / 2 pi), the most cells that each hold one."""
    from flavomon.background import parse_modulate
    from flavomon.qlt.raytrace import band_range

    out = tmp_path / "w.nc"
    p = subprocess.run([sys.executable, "-m", "flavomon", "qlt", "--distribution", "benchmark:a=0.9", "--modulate",
                        "a=0.1,wavelength=2", "--L", "100", *SMALL, "--t-end", "5", "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    _, K_fast = band_range("benchmark:a=0.9", parse_modulate("a=0.1,wavelength=2"), 24)
    n = int(np.floor(100 * abs(K_fast) / (2 * np.pi)))
    ds = fm.load(out)
    assert 10 <= n < 400 and ds.sizes["z_cell"] == n
    assert ds["z_cell"].values[1] - ds["z_cell"].values[0] >= 2 * np.pi / abs(K_fast)


def test_plot_draws_qke_and_qlt_side_by_side(tmp_path, capsys):
    bg = ["--distribution", "benchmark:a=0.9", "--L", "100", "--matter", "sin:amplitude=0.1,wavelength=100",
          "--cell", "25", "--Nv", "24", "--t-end", "20", "--no-progress"]
    qke, qlt, png = tmp_path / "qke.nc", tmp_path / "qlt.nc", tmp_path / "both.png"
    assert main(["qke", *bg, "--Nz", "96", "--realizations", "2", "--workers", "1", "--out", str(qke)]) == 0
    assert main(["qlt", *bg, "--out", str(qlt)]) == 0
    assert main(["plot", str(qke), str(qlt), "--out", str(png)]) == 0, capsys.readouterr().err
    assert png.stat().st_size > 10_000
    from flavomon.plotting.spacetime import local_power

    # the two methods' local power is on one scale: at t = 0 the QKE sums its flat seed over the window |K| <= 2.0
    # (width 4.0), QLT its seed over its grid (width 2.2: the F2 projection inside the bands, 1/|X| outside, with
    # the |X| of the real branches that continue the bands across the gap between them):
    # measured ratio 0.355; at t = 20, after growth, 0.85.  The bounds (a factor 1.6 around them) catch a lost
    # 2 pi, L or box-mode count in either normalisation.
    for i, (lo, hi) in ((0, (0.22, 0.57)), (-1, (0.53, 1.36))):
        ratio = float(local_power(fm.load(qlt))[i].mean()) / float(local_power(fm.load(qke))[i].mean())
        assert lo < ratio < hi, (i, ratio)
