"""``flavomon modes``: output layout and bad input."""

import numpy as np
import pytest
import xarray as xr

from flavomon.cli.main import main


def _run(argv, capsys):
    rc = main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_modes_writes_interfaces_layout(tmp_path, capsys):
    out = tmp_path / "modes.nc"
    png = tmp_path / "modes.png"
    rc, so, se = _run(["modes", "--distribution", "benchmark:a=0.9", "--K-min", "-2.3", "--K-max", "0.5", "--n-K", "57", "--out", str(out), "--plot", str(png)], capsys)
    assert rc == 0, se
    assert png.stat().st_size > 10_000
    with xr.open_dataset(out) as ds:
        assert ds.sizes["K"] == 57 and "root" in ds.coords
        for name in ("Omega_real", "Omega_imag", "Z_real", "Z_imag", "Z_R", "kind"):
            assert ds[name].dims == ("K", "root")
        # Z_R (the label's Z, docs §10.14) exists exactly where there is a root
        assert np.array_equal(np.isnan(ds["Z_R"].values), np.isnan(ds["Omega_real"].values))
        kinds = set(np.unique(ds["kind"].values.astype(str))) - {""}
        assert kinds <= {"unstable", "real", "damped"} and "unstable" in kinds and "damped" in kinds
        # NaN exactly where there is no root
        assert np.array_equal(np.isnan(ds["Omega_real"].values), ds["kind"].values.astype(str) == "")
        # Table B: gamma_max of a = 0.9 is in band A
        assert float(ds["gamma_max"]) == pytest.approx(0.11150931, rel=1e-6)
        assert float(ds["K_at_gamma_max"]) == pytest.approx(-1.472930, abs=1e-4)
        for a in ("flavomon_version", "command", "distribution", "created", "config"):
            assert a in ds.attrs
        assert ds.attrs["distribution"] == "benchmark:a=0.9"


def test_modes_discrete_route(tmp_path, capsys):
    out = tmp_path / "m.nc"
    rc, _, se = _run(["modes", "--distribution", "benchmark:a=0.7", "--n-K", "41", "--Nv", "100", "--out", str(out)], capsys)
    assert rc == 0, se
    with xr.open_dataset(out) as ds:
        assert "damped" not in set(ds["kind"].values.astype(str).ravel())
        assert "Nv=100" in ds.attrs["route"]


def _table(path, rows):
    path.write_text("v,D\n" + "".join(f"{a},{b}\n" for a, b in rows))
    return str(path)


GOOD = [(x, np.exp(-2 * (1 - x) ** 2) - 0.7) for x in np.linspace(-1, 1, 12)]


@pytest.mark.parametrize(
    "case,word",
    [
        ("nan", "non-finite"),
        ("inf", "non-finite"),
        ("few", "at least 8"),
        ("vout", "outside"),
        ("unsorted", "not increasing"),
        ("dup", "duplicated"),
        ("unknown-name", "unknown distribution"),
        ("unknown-param", "unknown parameter"),
        ("kmin>kmax", "larger than K_max"),
        ("out-dir-missing", "does not exist"),
        ("out-is-dir", "is a directory"),
        ("plot-dir-missing", "does not exist"),
        ("nK-zero", "n_K"),
        ("K-nan", "not finite"),
    ],
)
def test_modes_bad_input(tmp_path, capsys, case, word):
    out = tmp_path / "modes.nc"
    spec = "benchmark:a=0.9"
    extra: list[str] = []
    rows = list(GOOD)
    if case in ("nan", "inf"):
        rows[4] = (rows[4][0], "nan" if case == "nan" else "inf")
        spec = _table(tmp_path / "t.csv", rows)
    elif case == "few":
        spec = _table(tmp_path / "t.csv", rows[:7])
    elif case == "vout":
        rows[-1] = (1.5, 0.0)
        spec = _table(tmp_path / "t.csv", rows)
    elif case == "unsorted":
        rows[3], rows[4] = rows[4], rows[3]
        spec = _table(tmp_path / "t.csv", rows)
    elif case == "dup":
        rows[4] = (rows[3][0], rows[4][1])
        spec = _table(tmp_path / "t.csv", rows)
    elif case == "unknown-name":
        spec = "gaussian:a=0.9"
    elif case == "unknown-param":
        spec = "benchmark:alpha=0.9"
    elif case == "kmin>kmax":
        extra = ["--K-min", "1.0", "--K-max", "-1.0"]
    elif case == "out-dir-missing":
        out = tmp_path / "nodir" / "modes.nc"
    elif case == "out-is-dir":
        out = tmp_path
    elif case == "plot-dir-missing":
        extra = ["--plot", str(tmp_path / "nodir" / "m.png")]
    elif case == "nK-zero":
        extra = ["--n-K", "0"]
    elif case == "K-nan":
        extra = ["--K-min", "nan"]
    before = set(p.name for p in tmp_path.iterdir())
    rc, so, se = _run(["modes", "--distribution", spec, "--out", str(out), *extra], capsys)
    assert rc != 0
    lines = se.strip().splitlines()
    assert len(lines) == 1 and word in lines[0], se
    after = set(p.name for p in tmp_path.iterdir())
    assert after == before, after - before  # no file written (not even a temporary)


def test_modes_unwritable_out(tmp_path, capsys):
    import os

    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    try:
        if os.access(d, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        rc, _, se = _run(["modes", "--distribution", "benchmark", "--out", str(d / "m.nc")], capsys)
        assert rc != 0 and "not writable" in se and len(se.strip().splitlines()) == 1
        assert list(d.iterdir()) == []
    finally:
        d.chmod(0o700)


def test_physics_warning_is_one_line_on_stderr(tmp_path):
    # a range missing shallow:a=0.95's fastest band (K ~ 1.59): the file is written, exit 0, and the
    # warning is one line naming the command (run as a process: pytest turns warnings into errors)
    import subprocess
    import sys

    out = tmp_path / "m.nc"
    p = subprocess.run([sys.executable, "-m", "flavomon", "modes", "--distribution", "shallow:a=0.95", "--K-min", "-2.5",
                        "--K-max", "1", "--n-K", "51", "--out", str(out)], capture_output=True, text=True)
    assert p.returncode == 0 and out.exists()
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("flavomon modes: warning: the K range [-2.5, 1] misses"), p.stderr


def test_modes_file_and_output_carry_the_gradient_gain(tmp_path):
    """modes.nc holds int gamma dK per band and the critical-gradient estimate (docs §11), the same numbers as
    flavomon.band_gain, and the command prints them."""
    import subprocess
    import sys

    import flavomon as fm

    out = tmp_path / "m.nc"
    res = subprocess.run([sys.executable, "-m", "flavomon", "modes", "--distribution", "benchmark:a=0.9", "--out",
                          str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "int gamma dK per band" in res.stdout and "critical gradient estimate" in res.stdout
    ds = fm.load(out)
    g = fm.band_gain("benchmark:a=0.9")
    # the same quadrature on the same refined bands: equal to round-off (the file uses 64 nodes, the default 128;
    # both are converged to < 1e-15 for this distribution)
    assert abs(ds.attrs["int_gamma_dK_total"] - g.total) < 1e-12
    assert sorted(ds["band_int_gamma_dK"].values) == pytest.approx(sorted(g.int_gamma_dK), abs=1e-12)
    assert ds.attrs["critical_gradient_estimate"] == pytest.approx(g.G_c, rel=1e-10)
