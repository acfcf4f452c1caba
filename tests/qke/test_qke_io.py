"""qke.nc, CLI, checkpoint/resume (SIGKILL and Ctrl-C) and bad input."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from flavomon.cli.main import main
from flavomon.errors import ConfigMismatchError, FlavomonInputError
from flavomon.qke import QKEConfig, run_realization
from flavomon.workflows.qke import checkpoint_dir, qke_to_file

# L = 20: the 32-point grid reaches |K| = 5 and holds 4 box modes in the unstable bands of a = 0.9
# (fewer would raise flavomon's PhysicsWarning, an error under this suite's filterwarnings)
SMALL = dict(Nz=32, Nv=8, L=20.0, t_end=10.0, realizations=2, progress=False)


def _data_equal(a: xr.Dataset, b: xr.Dataset) -> None:
    for name in ("D", "D_mean", "D_std", "power", "D0_box", "pol", "w"):
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    for c in ("t", "v", "K", "realization"):
        np.testing.assert_array_equal(a[c].values, b[c].values)


def test_qke_nc_layout(tmp_path):
    out = tmp_path / "qke.nc"
    ds = qke_to_file("benchmark:a=0.9", out=out, **SMALL)
    back = xr.open_dataset(out)
    assert set(back.coords) >= {"realization", "t", "v", "K"}
    assert back["D"].dims == ("realization", "t", "v") and back["power"].dims == ("realization", "t", "K")
    assert back["D_mean"].dims == ("t", "v") and back["D_std"].dims == ("t", "v") and back["w"].dims == ("v",)
    assert np.all(np.diff(back["K"].values) > 0)  # sorted increasing
    for a in ("flavomon_version", "command", "distribution", "created", "config"):
        assert a in back.attrs
    np.testing.assert_allclose(back["D_mean"], ds["D"].mean("realization"), rtol=1e-14)
    back.close()
    assert not checkpoint_dir(out).exists()  # removed after success


def _cli(tmp_path, *extra, t_end=400):
    return [
        sys.executable, "-m", "flavomon", "qke", "--distribution", "benchmark:a=0.9", "--Nz", "64", "--Nv", "16",
        "--t-end", str(t_end), "--realizations", "2", "--workers", "1", "--checkpoint-every", "0", "--no-progress", *extra,
    ]


def _sigint_default() -> None:
    # a test run started in the background of a non-interactive shell (nohup, `&`, some CI runners)
    # inherits SIGINT as ignored, and Python then installs no KeyboardInterrupt handler: restore the
    # default in the child so it behaves as under a terminal's Ctrl-C
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_checkpoint(ck: Path, proc, timeout=60.0) -> None:
    t0 = time.time()
    while not list(ck.glob("r*.npz")):
        assert proc.poll() is None, "run finished before a checkpoint appeared"
        assert time.time() - t0 < timeout
        time.sleep(0.05)


def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    ref = qke_to_file("benchmark:a=0.9", Nz=64, Nv=16, t_end=400, realizations=2, workers=1, progress=False)
    out = tmp_path / "k.nc"
    proc = subprocess.Popen(_cli(tmp_path, "--out", str(out), t_end=400), stderr=subprocess.DEVNULL)
    _wait_for_checkpoint(checkpoint_dir(out), proc)
    time.sleep(np.random.default_rng().uniform(0.0, 0.8))  # a random moment of the run
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists(), "the run ended before the kill; make it longer"
    rc = subprocess.run(_cli(tmp_path, "--out", str(out), "--resume", t_end=400), stderr=subprocess.PIPE).returncode
    assert rc == 0
    _data_equal(xr.load_dataset(out), ref)
    assert not checkpoint_dir(out).exists()


def test_ctrl_c_writes_checkpoint_and_resume_completes(tmp_path):
    out = tmp_path / "c.nc"
    proc = subprocess.Popen(_cli(tmp_path, "--out", str(out), t_end=400), stderr=subprocess.PIPE, preexec_fn=_sigint_default)
    _wait_for_checkpoint(checkpoint_dir(out), proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and b"interrupted" in err
    assert not out.exists() and list(checkpoint_dir(out).glob("r*.npz"))
    # resuming with another configuration is refused and leaves the checkpoint untouched
    before = {p.name: p.read_bytes() for p in checkpoint_dir(out).iterdir()}
    with pytest.raises(ConfigMismatchError):
        qke_to_file("benchmark:a=0.9", Nz=64, Nv=16, t_end=400, realizations=2, seed=1, out=out, resume=True, progress=False)
    assert before == {p.name: p.read_bytes() for p in checkpoint_dir(out).iterdir()}
    rc = subprocess.run(_cli(tmp_path, "--out", str(out), "--resume", t_end=400), stderr=subprocess.PIPE).returncode
    assert rc == 0 and out.exists()


def test_resume_of_file_with_other_config_is_refused(tmp_path):
    out = tmp_path / "q.nc"
    qke_to_file("benchmark:a=0.9", out=out, **SMALL)
    data = out.read_bytes()
    with pytest.raises(ConfigMismatchError):
        qke_to_file("benchmark:a=0.7", out=out, resume=True, **SMALL)
    assert main(["qke", "--distribution", "benchmark:a=0.9", "--Nz", "32", "--L", "20", "--Nv", "8", "--t-end", "12",
                 "--realizations", "2", "--out", str(out), "--resume", "--no-progress"]) == 2
    assert out.read_bytes() == data  # untouched
    # same configuration: resume returns the finished file unchanged
    ds = qke_to_file("benchmark:a=0.9", out=out, resume=True, **SMALL)
    assert out.read_bytes() == data and ds.sizes["t"] == 11


BAD = [
    (["--Nz", "1"], "Nz"),
    (["--Nv", "1"], "Nv"),
    (["--t-end", "0"], "t_end"),
    (["--t-end", "-5"], "t_end"),
    (["--dt", "1", "--stepper", "strang"], "stability limit"),  # strang limit ~0.56 for a = 0.9
    (["--dt", "4", "--dt-out", "4"], "stability limit"),  # bm4 limit ~1.3
]


@pytest.mark.parametrize("args,word", BAD)
def test_bad_input_cli(tmp_path, capsys, args, word):
    out = tmp_path / "x.nc"
    out.write_bytes(b"old")
    rc = main(["qke", "--distribution", "benchmark:a=0.9", "--Nz", "32", "--L", "20", "--Nv", "8", "--t-end", "4",
               "--realizations", "1", "--no-progress", "--out", str(out), *args])
    err = capsys.readouterr().err
    assert rc == 2 and word in err and len(err.strip().splitlines()) == 1, err
    assert out.read_bytes() == b"old"  # existing file untouched
    assert not checkpoint_dir(out).exists()


def test_bad_input_nan_distribution_and_unwritable_out(tmp_path, capsys):
    table = tmp_path / "d.csv"
    table.write_text("v,D\n" + "\n".join(f"{v},{'nan' if i == 3 else 0.1 * v}" for i, v in enumerate(np.linspace(-1, 1, 10))))
    rc = main(["qke", "--distribution", str(table), "--Nz", "16", "--Nv", "8", "--t-end", "2", "--no-progress",
               "--out", str(tmp_path / "y.nc")])
    assert rc == 2 and "error" in capsys.readouterr().err
    with pytest.raises(FlavomonInputError, match="not finite"):
        run_realization(np.array([0.1, np.nan, 0.2, 0.3]), QKEConfig(Nz=16, Nv=4, t_end=1, realizations=1))
    rc = main(["qke", "--distribution", "benchmark:a=0.9", "--Nz", "16", "--L", "20", "--Nv", "8", "--t-end", "2",
               "--no-progress", "--out", str(tmp_path / "missing" / "y.nc")])
    assert rc == 2 and "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "y.nc").exists() and not (tmp_path / "missing").exists()


def test_config_validation_messages():
    with pytest.raises(FlavomonInputError, match="multiple of dt_out"):
        QKEConfig(t_end=10.5, dt_out=1.0)
    with pytest.raises(FlavomonInputError, match="backend"):
        QKEConfig(backend="cuda")
    with pytest.raises(FlavomonInputError, match="psi_profile"):
        QKEConfig(Nv=4, psi_profile=(1.0, 2.0))


def test_plot_cli_qke_and_qlt_layout(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from flavomon.plotting.evolution import plot_D_final, plot_spectra

    out = tmp_path / "qke.nc"
    ds = qke_to_file("benchmark:a=0.9", out=out, **SMALL)
    assert main(["plot", str(out)]) == 0 and (tmp_path / "qke.png").stat().st_size > 1000
    # a qlt.nc-like layout (no realization axis)
    qlt = xr.Dataset(
        {"w": ("v", ds.w.values), "D": (("t", "v"), ds.D_mean.values), "power": (("t", "K"), ds.power.mean("realization").values)},
        coords={"t": ds.t.values, "v": ds.v.values, "K": ds.K.values},
    )
    qlt.to_netcdf(tmp_path / "qlt.nc")
    assert main(["plot", str(tmp_path / "qlt.nc"), "--out", str(tmp_path / "q.png")]) == 0
    fig, ax = plt.subplots(1, 2)
    assert len(plot_D_final(qlt, ax[0])) == 2 and len(plot_spectra(ds, ax[1], times=[0, 10])) == 2
    plt.close(fig)


@pytest.mark.parametrize("sig, rc_expected, word", [(signal.SIGINT, 130, b"interrupted"), (signal.SIGTERM, 143, b"terminated")])
def test_signal_to_the_whole_group_checkpoints_and_resume_completes(tmp_path, sig, rc_expected, word):
    # Ctrl-C in a terminal and a batch system's time limit (SIGTERM) signal every process of the
    # job: pool workers and the queue manager ignore it, the parent stops the run with a checkpoint
    # (exit 130 / 143), and --resume finishes it
    import os

    out = tmp_path / "t.nc"
    cmd = _cli(tmp_path, "--out", str(out), t_end=400)
    cmd[cmd.index("--workers") + 1] = "2"
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, start_new_session=True, preexec_fn=_sigint_default)
    _wait_for_checkpoint(checkpoint_dir(out), proc)
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == rc_expected, err
    assert b"Traceback" not in err and word in err
    assert not out.exists() and list(checkpoint_dir(out).glob("r*.npz"))
    rc = subprocess.run(_cli(tmp_path, "--out", str(out), "--resume", t_end=400), stderr=subprocess.PIPE).returncode
    assert rc == 0 and out.exists() and not checkpoint_dir(out).exists()
