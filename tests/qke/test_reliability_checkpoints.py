"""QKE checkpoints: one lock per output, sealed and validated realization files, nothing discarded silently.

Covered: two runs on one output and a realization file of another run; damaged
checkpoints of each kind (reproduce recomputes a damaged piece); a rerun without --resume over a checkpoint;
``--checkpoint-every nan``.  Every refusal is a one-line error (no traceback), exit status 2, and leaves
every existing file byte-for-byte and mtime unchanged.
"""

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
from flavomon.qke import CheckpointStore, QKEConfig
from flavomon.workflows.qke import checkpoint_dir, lock_file, qke_to_file

# tiny box (COMMON12): L = 20 holds 4 box modes in the unstable bands of a = 0.9 (no PhysicsWarning)
OPTS = dict(Nz=32, L=20.0, Nv=16, t_end=5.0, realizations=2, backend="numpy", workers=1)
CLI = ["qke", "--distribution", "benchmark:a=0.9", "--Nz", "32", "--L", "20", "--Nv", "16", "--t-end", "5",
       "--realizations", "2", "--backend", "numpy", "--workers", "1", "--no-progress"]


def _snapshot(*paths: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file under ``paths`` (folders walked)."""
    out = {}
    for p in paths:
        files = [p] if p.is_file() else sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else []
        for q in files:
            out[str(q)] = (q.read_bytes(), q.stat().st_mtime_ns)
    return out


def _one_line_error(capsys, rc: int, *words: str) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert rc == 2, err
    assert len(lines) == 1 and "Traceback" not in err and "error:" in lines[0], err
    for w in words:
        assert w in lines[0], (w, err)
    return lines[0]


@pytest.fixture
def kept_checkpoint(monkeypatch):
    """Make runs keep their checkpoint folder (as a killed run would), with every record finished."""
    monkeypatch.setattr(CheckpointStore, "remove", lambda self: None)

    def make(out: Path, **kw) -> xr.Dataset:
        return qke_to_file("benchmark:a=0.9", out=out, progress=False, **dict(OPTS, **kw))

    return make


# -- cause 9: --checkpoint-every must be a finite number of seconds >= 0 ------------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1"])
def test_checkpoint_every_nan_inf_negative_is_one_line_error(tmp_path, capsys, value):
    out = tmp_path / "q.nc"
    out.write_bytes(b"old")
    before = _snapshot(tmp_path)
    rc = main([*CLI, "--out", str(out), "--checkpoint-every", value])
    _one_line_error(capsys, rc, "--checkpoint-every")
    assert _snapshot(tmp_path) == before and not checkpoint_dir(out).exists()


# -- cause 2: two runs on one output -------------------------------------------------------------------
def _long_run(out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "flavomon", "qke", "--distribution", "benchmark:a=0.9", "--Nz", "64", "--Nv", "16",
           "--t-end", "400", "--realizations", "2", "--workers", "1", "--backend", "numpy", "--checkpoint-every", "0",
           "--no-progress", "--out", str(out), *extra]
    return subprocess.Popen(cmd, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def test_second_run_on_a_locked_output_is_refused_and_the_mixed_resume_never_happens(tmp_path, capsys):
    # the case: `qke --out c.nc`, 3 s later `qke --out c.nc --seed 5`, both killed, then
    # `--seed 5 --resume` returned 0 with D off by up to 0.13 (a realization file of the seed-0 run)
    out = tmp_path / "c.nc"
    proc = _long_run(out)
    try:
        t0 = time.time()
        while not list(checkpoint_dir(out).glob("r*.npz")):
            assert proc.poll() is None and time.time() - t0 < 60
            time.sleep(0.05)
        assert lock_file(out).read_text().split() == [str(proc.pid)]
        before = _snapshot(lock_file(out))
        rc = main(["qke", "--distribution", "benchmark:a=0.9", "--Nz", "64", "--Nv", "16", "--t-end", "400",
                   "--realizations", "2", "--workers", "1", "--backend", "numpy", "--no-progress", "--seed", "5",
                   "--out", str(out)])
        _one_line_error(capsys, rc, str(lock_file(out)), f"pid {proc.pid}", "in use")
        assert _snapshot(lock_file(out)) == before  # the holder's lock is untouched
        assert proc.poll() is None  # and the holder is still running
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    ck = _snapshot(checkpoint_dir(out))
    # the killed run left its lock (pid dead): the resume takes it over, then refuses the seed-0 checkpoint
    rc = main(["qke", "--distribution", "benchmark:a=0.9", "--Nz", "64", "--Nv", "16", "--t-end", "400",
               "--realizations", "2", "--workers", "1", "--backend", "numpy", "--no-progress", "--seed", "5",
               "--out", str(out), "--resume"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.strip().splitlines() if "error:" in ln]
    assert rc == 2 and len(lines) == 1 and "Traceback" not in err and "differs in: seed" in lines[0], err
    assert "took over the stale lock" in err
    assert _snapshot(checkpoint_dir(out)) == ck and not out.exists() and not lock_file(out).exists()


def test_realization_file_of_another_run_is_never_mixed_in(tmp_path, capsys, kept_checkpoint):
    a, b = tmp_path / "a.nc", tmp_path / "b.nc"
    kept_checkpoint(a, seed=0)
    ref_b = kept_checkpoint(b, seed=5)
    b.unlink()  # as if killed before the final write: the seed-5 checkpoint only
    # a seed-0 realization file slipped into the seed-5 checkpoint (what two unlocked runs did)
    (checkpoint_dir(b) / "r0001.npz").write_bytes((checkpoint_dir(a) / "r0001.npz").read_bytes())
    before = _snapshot(tmp_path)
    rc = main([*CLI, "--seed", "5", "--out", str(b), "--resume"])
    _one_line_error(capsys, rc, "r0001.npz", "another run", "--restart")
    assert _snapshot(tmp_path) == before and not b.exists()
    # a file of this run under another realization's name is refused too
    (checkpoint_dir(b) / "r0001.npz").write_bytes((checkpoint_dir(b) / "r0000.npz").read_bytes())
    rc = main([*CLI, "--seed", "5", "--out", str(b), "--resume"])
    _one_line_error(capsys, rc, "r0001.npz", "realization 0, not 1", "--restart")
    # --restart recovers: the same numbers as the uninterrupted seed-5 run
    assert main([*CLI, "--seed", "5", "--out", str(b), "--restart"]) == 0
    np.testing.assert_array_equal(xr.load_dataset(b)["D"].values, ref_b["D"].values)


# -- cause 4: damaged checkpoints ------------------------------------------------------------------------
def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _flip(p: Path) -> None:
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x10  # one bit inside the state array
    p.write_bytes(bytes(data))


def _garbage(p: Path) -> None:
    p.write_bytes(np.random.default_rng(1).bytes(4096))


def _resealed(change):
    """A file that unzips and carries a valid seal (checksum recomputed) but holds impossible values."""

    def damage(p: Path) -> None:
        ident = QKEConfig(**{k: v for k, v in OPTS.items() if k != "workers"}).resolve("benchmark:a=0.9").identity()
        store = CheckpointStore(p.parent, ident)
        r = int(p.name[1:5])
        rec = store.load(r)
        change(rec)
        store.save(r, rec)

    return damage


def _k_negative(rec):
    rec["k"], rec["done"] = np.asarray(-5), np.asarray(False)


def _nan_state(rec):
    rec["u"] = np.full_like(rec["u"], np.nan)


def _done_unfilled(rec):
    rec["D"] = np.full_like(rec["D"], np.nan)  # marked done, but no diagnostics


DAMAGE = {"truncated": _truncate, "bit-flipped": _flip, "garbage": _garbage, "k=-5": _resealed(_k_negative),
          "NaN state": _resealed(_nan_state), "done, unfilled": _resealed(_done_unfilled)}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_damaged_checkpoint_is_one_line_error_naming_file_and_restart(tmp_path, capsys, kept_checkpoint, kind):
    out = tmp_path / "q.nc"
    ref = kept_checkpoint(out)
    out.unlink()
    bad = checkpoint_dir(out) / "r0001.npz"
    DAMAGE[kind](bad)
    before = _snapshot(tmp_path)
    rc = main([*CLI, "--out", str(out), "--resume"])
    _one_line_error(capsys, rc, str(bad), "--restart")
    assert _snapshot(tmp_path) == before and not out.exists()
    # the way out named in the message works, and gives the uninterrupted numbers
    assert main([*CLI, "--out", str(out), "--restart"]) == 0
    np.testing.assert_array_equal(xr.load_dataset(out)["D"].values, ref["D"].values)


def test_reproduce_recomputes_a_damaged_qke_piece(tmp_path, kept_checkpoint):
    from flavomon.workflows.reproduce import pipeline
    from flavomon.workflows.reproduce.plan import Piece

    path = tmp_path / "qke_a0.9.nc"
    ref = kept_checkpoint(path)
    path.unlink()
    _garbage(checkpoint_dir(path) / "r0000.npz")
    kw = {k: v for k, v in OPTS.items()}
    piece = Piece("qke", path.name, "benchmark:a=0.9", kw, 0.9)
    logged = []
    # the same call every rerun makes: it must recover, not fail the same way again
    pipeline._run_piece(piece, path, progress=False, command="test", log=logged.append)
    np.testing.assert_array_equal(xr.load_dataset(path)["D"].values, ref["D"].values)
    assert any("r0000.npz" in m and "recomputing" in m for m in logged), logged


# -- cause 5: progress is never discarded without a word ---------------------------------------------------
def test_rerun_without_resume_over_a_checkpoint_is_refused_and_restart_keeps_foreign_files(
        tmp_path, capsys, kept_checkpoint, monkeypatch):
    out = tmp_path / "q.nc"
    kept_checkpoint(out)
    out.unlink()
    notes = checkpoint_dir(out) / "notes.txt"  # not flavomon's: never deleted
    notes.write_text("mine")
    before = _snapshot(tmp_path)
    rc = main([*CLI, "--out", str(out)])
    _one_line_error(capsys, rc, str(checkpoint_dir(out)), "--resume", "--restart")
    assert _snapshot(tmp_path) == before
    # --overwrite is the same option as --restart: flavomon's files go, the user's stay
    monkeypatch.undo()  # runs remove their checkpoint again
    assert main([*CLI, "--out", str(out), "--overwrite"]) == 0
    assert out.is_file() and notes.read_text() == "mine"
    assert sorted(p.name for p in checkpoint_dir(out).iterdir()) == ["notes.txt"]
    # --resume and --restart exclude each other (argparse: one line)
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main([*CLI, "--out", str(out), "--resume", "--restart"])
    assert e.value.code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1


def test_library_run_never_deletes_an_existing_checkpoint(tmp_path):
    from flavomon.errors import FlavomonInputError
    from flavomon.qke import run_qke

    cfg = QKEConfig(**{k: v for k, v in OPTS.items() if k != "workers"}).resolve("benchmark:a=0.9")
    store = CheckpointStore(tmp_path / "ck", cfg.identity())
    store.create()
    store.save(0, {"k": 0, "u": np.zeros((3, 16, 32)), "D": np.full((6, 16), np.nan), "power": np.full((6, 32), np.nan),
                   "pol": np.full((6, 16), np.nan), "D0": np.full(6, np.nan), "done": False})
    before = _snapshot(tmp_path)
    with pytest.raises(FlavomonInputError, match="already holds the checkpoint of this run"):
        run_qke("benchmark:a=0.9", cfg, checkpoint=tmp_path / "ck", workers=1)
    assert _snapshot(tmp_path) == before
