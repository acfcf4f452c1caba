"""The one output-path check, the one atomic writer, run fingerprints, save/load, and the QKE
configuration that is resolved once."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import socket
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from flavomon.errors import ConfigMismatchError, FlavomonInputError
from flavomon.io import load, save
from flavomon.io.files import (
    atomic_write,
    atomic_write_bytes,
    atomic_write_text,
    check_output_path,
    config_diff,
    fingerprint,
    require_same_config,
)
from flavomon.qke import CheckpointStore, QKEConfig, default_backend, run_qke

SMALL = dict(Nz=32, Nv=8, L=20.0, t_end=4.0, realizations=1, backend="numpy")


# -- check_output_path -----------------------------------------------------------------------
def test_output_path_accepts_new_and_existing_regular_files(tmp_path):
    assert check_output_path(tmp_path / "new.nc") == tmp_path / "new.nc"
    (tmp_path / "old.nc").write_bytes(b"x")
    assert check_output_path(tmp_path / "old.nc") == tmp_path / "old.nc"
    assert not (tmp_path / "new.nc").exists()  # nothing is created


@pytest.mark.parametrize("kind, word", [
    ("empty", "empty"),
    ("dir", "is a directory"),
    ("missing_parent", "does not exist"),
    ("parent_is_file", "is not a directory"),
    ("symlink", "symbolic link"),
    ("dangling_symlink", "symbolic link"),
    ("fifo", "FIFO"),
    ("socket", "socket"),
    ("device", "device node"),
])
def test_output_path_refusals_are_one_line(tmp_path, kind, word):
    target = tmp_path / "real.nc"
    target.write_bytes(b"keep")
    if kind == "empty":
        p = ""
    elif kind == "dir":
        p = tmp_path
    elif kind == "missing_parent":
        p = tmp_path / "nodir" / "x.nc"
    elif kind == "parent_is_file":
        p = target / "x.nc"
    elif kind == "symlink":
        p = tmp_path / "link.nc"
        p.symlink_to(target)
    elif kind == "dangling_symlink":
        p = tmp_path / "dangling.nc"
        p.symlink_to(tmp_path / "elsewhere" / "x.nc")
    elif kind == "fifo":
        p = tmp_path / "fifo"
        os.mkfifo(p)
    elif kind == "socket":
        p = tmp_path / "sock"
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(p))
        s.close()
    else:
        p = Path("/dev/null")
    with pytest.raises(FlavomonInputError, match=word) as e:
        check_output_path(p, what="--out")
    assert "\n" not in str(e.value)
    assert target.read_bytes() == b"keep"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_output_path_in_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(FlavomonInputError, match="not writable"):
            check_output_path(ro / "x.nc")
    finally:
        ro.chmod(0o700)


def test_output_path_refuses_the_runs_own_input(tmp_path):
    table = tmp_path / "d.csv"
    table.write_text("v,D\n-1,0\n1,1\n")
    with pytest.raises(FlavomonInputError, match="input file"):
        check_output_path(table, inputs=[str(table)])
    hard = tmp_path / "hard.csv"
    os.link(table, hard)  # the same file under another name
    with pytest.raises(FlavomonInputError, match="input file"):
        check_output_path(hard, inputs=["benchmark:a=0.9", table])
    # a SPEC that names no file is no input file
    assert check_output_path(tmp_path / "o.nc", inputs=["benchmark:a=0.9"]) == tmp_path / "o.nc"


def test_qke_cli_refuses_to_overwrite_its_distribution_table(tmp_path, capsys):
    from flavomon.cli.main import main

    table = tmp_path / "d.npz"
    v = np.linspace(-1, 1, 40)
    np.savez(table, v=v, D=np.exp(-2 * (1 - v) ** 2) - 0.9)
    before = table.read_bytes()
    rc = main(["qke", "--distribution", str(table), "--Nz", "16", "--Nv", "8", "--t-end", "1", "--no-progress",
               "--backend", "numpy", "--out", str(table)])
    err = capsys.readouterr().err
    assert rc == 2 and "input file" in err and len(err.strip().splitlines()) == 1, err
    assert table.read_bytes() == before


# -- atomic_write ---------------------------------------------------------------------------
def test_atomic_write_replaces_and_follows_the_umask(tmp_path):
    p = tmp_path / "f.txt"
    atomic_write_text(p, "one")
    atomic_write_bytes(p, b"two")
    assert p.read_bytes() == b"two"
    umask = os.umask(0)
    os.umask(umask)
    assert p.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [q.name for q in tmp_path.iterdir()] == ["f.txt"]  # no temporary file left


@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_atomic_write_failure_keeps_the_old_file_and_removes_the_temporary(tmp_path, exc):
    p = tmp_path / "f.nc"
    p.write_bytes(b"old")

    def write(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise exc

    with pytest.raises(type(exc)):
        atomic_write(p, write)
    assert p.read_bytes() == b"old"
    assert sorted(q.name for q in tmp_path.iterdir()) == ["f.nc"]


# -- fingerprints ---------------------------------------------------------------------------
def test_fingerprint_is_canonical_and_exact():
    a = {"L": 100.0, "n": 3, "prof": (0.5, 0.25), "sub": {"x": np.float64(0.1), "y": None}}
    b = {"sub": {"y": None, "x": 0.1}, "prof": [0.5, 0.25], "n": np.int64(3), "L": 100.0}
    assert fingerprint(a) == fingerprint(b) and config_diff(a, b) == []
    c = dict(b, L=np.nextafter(100.0, 200.0))  # one ulp: a different run
    assert fingerprint(a) != fingerprint(c) and config_diff(a, c) == ["L"]
    d = {"L": 100.0, "n": 3, "prof": [0.5, 0.25], "sub": {"x": 0.2, "y": None}, "extra": 1}
    assert config_diff(a, d) == ["extra", "sub.x"]
    with pytest.raises(ConfigMismatchError, match=r"differs in: extra, sub\.x"):
        require_same_config(a, d, what="--resume: x.nc")
    require_same_config(a, b, what="--resume: x.nc")


def test_checkpoint_store_names_the_differing_keys(tmp_path):
    cfg = QKEConfig(**SMALL).resolve("benchmark:a=0.9")
    CheckpointStore(tmp_path / "ck", cfg.identity()).create()
    assert CheckpointStore(tmp_path / "ck", cfg.identity()).check()
    other = QKEConfig(**dict(SMALL, seed=5)).resolve("benchmark:a=0.9")
    with pytest.raises(ConfigMismatchError, match=r"differs in: seed\)"):
        CheckpointStore(tmp_path / "ck", other.identity()).check()
    # another distribution: D_v (and its hash) differ
    third = QKEConfig(**SMALL).resolve("benchmark:a=0.7")
    with pytest.raises(ConfigMismatchError, match=r"D_v, D_v_sha256"):
        CheckpointStore(tmp_path / "ck", third.identity()).check()
    # the back-end does not change the numbers beyond 1e-10 and is no part of the identity
    other_backend = dataclasses.replace(cfg, backend="jax").resolve("benchmark:a=0.9")
    assert other_backend.identity() == cfg.identity()


# -- the QKE configuration, resolved once ---------------------------------------------------
def test_unresolved_dt_never_falls_back_silently():
    cfg = QKEConfig(**SMALL)
    assert cfg.dt is None and not cfg.is_resolved
    for what in ("steps_per_out", "dt_used", "dt_max", "D_v"):
        with pytest.raises(FlavomonInputError, match="resolve"):
            getattr(cfg, what)
    with pytest.raises(FlavomonInputError, match="resolve"):
        cfg.identity()
    r = cfg.resolve("benchmark:a=0.9")
    assert r.is_resolved and r.dt == 0.5 and r.dt_used == 0.5 and r.steps_per_out == 2 and r.dt_max > 0.5
    assert r.resolve("benchmark:a=0.9") is r  # resolving again is free
    assert not dataclasses.replace(r, seed=1).is_resolved  # a changed configuration is resolved anew
    assert r.resolve("benchmark:a=0.7").D_v[0] != r.D_v[0]


def test_run_uses_a_resolved_config_as_it_is(tmp_path):
    cfg = QKEConfig(**SMALL).resolve("benchmark:a=0.9")
    res = run_qke("benchmark:a=0.9", cfg, workers=1)
    assert res.config is cfg and res.dt_max == cfg.dt_max and res.distribution == "benchmark:a=0.9"
    # resolving for one distribution and running another resolves anew, from the dt asked for
    # (None: automatic), never with the dt chosen for the first one
    strong = "benchmark:a=0.9"
    cfg10 = QKEConfig(**SMALL).resolve(lambda v: 10 * (np.exp(-2 * (1 - v) ** 2) - 0.9))
    assert cfg10.dt < 0.5
    res = run_qke(strong, cfg10, workers=1)
    assert res.config is not cfg10 and res.config.dt == 0.5
    assert np.array_equal(res.config.D_v, QKEConfig(**SMALL).resolve(strong).D_v)


def test_default_backend_is_the_fastest_installed():
    have = {m: importlib.util.find_spec(m) is not None for m in ("numba", "ducc0", "jax")}
    # fastest first (benchmarks/bench_qke.py): the fused numba kernel, then JAX, then the NumPy reference
    expect = "numba" if have["numba"] and have["ducc0"] else "jax" if have["jax"] else "numpy"
    assert default_backend() == expect
    assert QKEConfig().backend == expect
    assert QKEConfig(backend="numpy").backend == "numpy"


def test_cli_default_backend_is_recorded(tmp_path):
    import json

    from flavomon.cli.main import main

    out = tmp_path / "q.nc"
    assert main(["qke", "--distribution", "benchmark:a=0.9", "--Nz", "32", "--L", "20", "--Nv", "8", "--t-end", "2",
                 "--realizations", "1", "--no-progress", "--out", str(out)]) == 0
    with xr.open_dataset(out) as ds:
        assert json.loads(ds.attrs["config"])["backend"] == default_backend()


# -- save / load ------------------------------------------------------------------------------
def test_save_and_load_a_qke_result_in_the_qke_nc_layout(tmp_path):
    from flavomon.workflows.qke import qke_to_file

    res = run_qke("benchmark:a=0.9", QKEConfig(**dict(SMALL, realizations=2)), workers=1)
    p = save(res, tmp_path / "r.nc")
    back = load(p)
    np.testing.assert_array_equal(back["D"].values, res.D)
    np.testing.assert_array_equal(back["power"].values, res.power)
    assert back.attrs["distribution"] == "benchmark:a=0.9"
    ref = qke_to_file("benchmark:a=0.9", progress=False, **dict(SMALL, realizations=2, workers=1))
    assert set(back.variables) == set(ref.variables)  # the file of `flavomon qke`
    np.testing.assert_array_equal(back["D_std"].values, ref["D_std"].values)


def test_a_saved_qlt_result_records_its_distribution(tmp_path):
    # the Python path (run_qlt, then save) records what was run, as `flavomon qlt` does, not "unknown"
    from flavomon import QLTConfig, run_qlt

    res = run_qlt("benchmark:a=0.9", QLTConfig(t_end=2.0))
    assert res.distribution == "benchmark:a=0.9"
    assert load(save(res, tmp_path / "q.nc")).attrs["distribution"] == "benchmark:a=0.9"


def test_save_refuses_unknown_objects_and_bad_paths(tmp_path):
    with pytest.raises(FlavomonInputError, match="cannot save"):
        save({"D": 1}, tmp_path / "x.nc")
    with pytest.raises(FlavomonInputError, match="does not exist"):
        save(xr.Dataset(), tmp_path / "no" / "x.nc")
    with pytest.raises(FlavomonInputError, match="does not exist"):
        load(tmp_path / "none.nc")


def test_save_a_modes_result_in_the_modes_nc_layout(tmp_path):
    from flavomon.linear import find_modes

    res = find_modes("benchmark:a=0.9", np.linspace(-2.0, 0.0, 11))
    back = load(save(res, tmp_path / "m.nc", distribution="benchmark:a=0.9"))
    assert back.attrs["distribution"] == "benchmark:a=0.9"
    np.testing.assert_array_equal(back["Omega_real"].values, res.Omega.real)
    np.testing.assert_array_equal(back["Omega_imag"].values, res.Omega.imag)
    assert float(back["gamma_max"]) == res.gamma_max


def test_checkpoint_folder_is_never_a_followed_link(tmp_path):
    cfg = QKEConfig(**SMALL).resolve("benchmark:a=0.9")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "q.nc.ckpt"
    link.symlink_to(elsewhere)
    with pytest.raises(FlavomonInputError, match="symbolic link"):
        run_qke("benchmark:a=0.9", cfg, checkpoint=link, workers=1)
    assert list(elsewhere.iterdir()) == []
    (tmp_path / "f.ckpt").write_text("x")
    with pytest.raises(FlavomonInputError, match="not a folder"):
        CheckpointStore(tmp_path / "f.ckpt", cfg.identity()).create()
