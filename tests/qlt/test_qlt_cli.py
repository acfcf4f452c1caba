"""CLI and workflow of ``flavomon qlt`` (the command-line interface): file layout, bad input, no file written."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from flavomon.cli.main import main
from flavomon.errors import FlavomonInputError
from flavomon.workflows.qlt import qlt_to_file


def test_cli_writes_qlt_nc(tmp_path, capsys):
    out = tmp_path / "qlt.nc"
    rc = main(["qlt", "--distribution", "benchmark:a=0.9", "--n-K", "120", "--t-end", "60", "--out", str(out), "--no-progress"])
    assert rc == 0 and out.exists()
    with xr.open_dataset(out) as ds:
        for name in ("w", "D", "power", "gamma"):
            assert name in ds
        assert ds["D"].dims == ("t", "v") and ds["power"].dims == ("t", "K") and ds["gamma"].dims == ("t", "K")
        for attr in ("flavomon_version", "command", "distribution", "created", "config", "power_normalization"):
            assert attr in ds.attrs
        assert ds.sizes["K"] == 120 and ds.sizes["v"] == 100 and float(ds.t[-1]) == 60.0
        assert np.all(ds["power"].values >= 0)


@pytest.mark.parametrize(
    "args, msg",
    [
        (["--distribution", "isotropic:D0=1"], "nothing to evolve"),
        (["--distribution", "benchmark:a=0.9", "--seed-power", "0"], "seed power"),
        (["--distribution", "benchmark:a=0.9", "--seed-power", "-1"], "seed power"),
        (["--distribution", "benchmark:a=0.9", "--k-min", "1", "--k-max", "2"], "misses the unstable band"),
        (["--distribution", "nosuch:a=1"], "unknown distribution"),
    ],
)
def test_cli_bad_input_no_file(tmp_path, capsys, args, msg):
    out = tmp_path / "qlt.nc"
    rc = main(["qlt", *args, "--n-K", "60", "--t-end", "5", "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and msg in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_bad_out_checked_before_computing(tmp_path):
    with pytest.raises(FlavomonInputError, match="does not exist"):
        qlt_to_file("benchmark:a=0.9", out=tmp_path / "nodir" / "q.nc", progress=False)


def test_resonant_on_nonresonant_instability_says_so(tmp_path):
    # a double crossing (D > 0 for -0.5 < v < 0.6): unstable (gamma_max ~ 0.094), but the growing
    # modes resonate only with v < -0.5, the majority (D < 0) side, so the resonant rule flips
    # nothing.  The error must not claim the distribution is stable, and full QLT must run.
    from flavomon import from_callable

    dist = from_callable(lambda v: 0.3 - v**2 + 0.1 * v)
    with pytest.raises(FlavomonInputError, match=r"it is unstable \(gamma_max = 0.09.*leave out --resonant"):
        qlt_to_file(dist, resonant=True, n_K=200, t_end=5, progress=False, out=tmp_path / "r.nc")
    assert not (tmp_path / "r.nc").exists()
    ds = qlt_to_file(dist, n_K=200, t_end=5, progress=False)
    assert float(ds["gamma"].max()) > 0.09


def test_qlt_takes_physical_K_like_modes_and_says_which_grid_it_used(tmp_path, capsys):
    """--K-min/--K-max are the physical K of `flavomon modes`; --k-min/--k-max the shifted k = K + D1.

    The mix-up of the first-hour trial (--k-min -2.5 taken for K, silently K in [-2.88, 0.62]) is now a
    choice of option names, and the final line names both ranges."""
    import xarray as xr

    from flavomon import from_spec
    from flavomon.cli.main import main

    D1 = float(from_spec("benchmark:a=0.9").D1)
    a, b = tmp_path / "a.nc", tmp_path / "b.nc"
    common = ["--distribution", "benchmark:a=0.9", "--t-end", "5", "--n-K", "300", "--no-progress"]
    assert main(["qlt", *common, "--K-min", "-2.5", "--K-max", "1", "--out", str(a)]) == 0
    err = capsys.readouterr().err
    assert "i.e. K in [-2.5, 1]" in err and f"(D1 = {D1:.6g})" in err, err
    assert main(["qlt", *common, "--k-min", repr(-2.5 + D1), "--k-max", repr(1 + D1), "--out", str(b)]) == 0
    with xr.open_dataset(a) as da, xr.open_dataset(b) as db:
        np.testing.assert_array_equal(da["K"].values, db["K"].values)
        np.testing.assert_array_equal(da["D"].values, db["D"].values)
        assert da["K"].values.min() >= -2.5 - 1e-12 and da["K"].values.max() <= 1 + 1e-12
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:  # one range, one meaning: both spellings at once are refused
        main(["qlt", *common, "--k-min", "-2", "--K-min", "-2.5", "--out", str(tmp_path / "c.nc")])
    assert exc.value.code == 2 and "not allowed with argument" in capsys.readouterr().err
