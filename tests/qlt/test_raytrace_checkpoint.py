"""Checkpoints of ray-tracing QLT (docs §12): a killed run resumes bit for bit; a checkpoint is never overwritten,
mixed into another run or used when damaged."""

from __future__ import annotations

import numpy as np
import pytest

import flavomon as fm
from flavomon.background import parse_modulate
from flavomon.cli.main import main
from flavomon.errors import FlavomonInputError
from flavomon.io.ray_checkpoint import RayCheckpoint, checkpoint_path
from flavomon.qlt.raytrace import box_mean_D1, ray_grid
from flavomon.workflows.qlt import qlt_to_file

DIST = "benchmark:a=0.8"
MOD = "a=0.1,wavelength=100"


class Killed(Exception):
    pass


def _grid():
    m = parse_modulate(MOD)
    return ray_grid(DIST, m, 24, D1bar=box_mean_D1(DIST, m, 24))


KW = dict(Nv=24, L=100.0, t_end=40.0, modulate=MOD, cell=25.0, progress=False)


def test_a_resumed_run_is_the_uninterrupted_one_bit_for_bit():
    # the numerics: a state taken after output 20, the run killed at 23 and resumed from 20.  Everything the loop
    # carries is in the state, so every record and counter is the same (a resume that got one item wrong fails:
    # measured with the order of the z and K transports flipped, which changes D at round-off)
    class CK:
        def __init__(self, resume=None, kill_at=None):
            self.resume_state, self.kill_at, self.saved = resume, kill_at, None

        def at_output(self, i, snap):
            if i % 5 == 0:
                self.saved = snap()
            if self.kill_at is not None and i >= self.kill_at:
                raise Killed

    cfg = fm.QLTConfig(L=100.0, Nv=24, cell=25.0, t_end=40.0, modulate=MOD, **_grid())
    r0 = fm.run_qlt(DIST, cfg)
    ck = CK(kill_at=23)
    with pytest.raises(Killed):
        fm.run_qlt(DIST, cfg, checkpoint=ck)
    assert ck.saved["i_out"] == 20
    r1 = fm.run_qlt(DIST, cfg, checkpoint=CK(resume=ck.saved))
    assert float(np.mean(np.abs(r0.D_cell[-1] - r0.D_cell[0]) @ r0.w)) > 1e-3  # it converted: not two constants
    for name in ("D_cell", "power_cell", "gamma_cell", "D", "D0"):
        assert np.array_equal(getattr(r0, name), getattr(r1, name), equal_nan=True), name
    for key in ("steps", "local_steps", "points_entered", "rescans", "root_refreshes"):
        assert r0.diagnostics[key] == r1.diagnostics[key], key


def test_the_workflow_keeps_the_checkpoint_and_resumes(tmp_path, monkeypatch):
    g = _grid()
    ref = qlt_to_file(DIST, out=tmp_path / "ref.nc", **KW, **g)
    out = tmp_path / "q.nc"
    ck_file = checkpoint_path(out)
    save = RayCheckpoint.at_output

    def killed_at_17(self, i, snap):
        save(self, i, snap)
        if i == 17:
            raise Killed

    monkeypatch.setattr(RayCheckpoint, "at_output", killed_at_17)
    with pytest.raises(Killed):
        qlt_to_file(DIST, out=out, checkpoint_every=0.0, **KW, **g)
    monkeypatch.setattr(RayCheckpoint, "at_output", save)
    assert ck_file.is_file() and not out.exists()
    # never overwritten silently, never mixed into another run
    with pytest.raises(FlavomonInputError, match="continue it with --resume or discard it with --restart"):
        qlt_to_file(DIST, out=out, **KW, **g)
    with pytest.raises(FlavomonInputError, match="made by another run"):
        qlt_to_file(DIST, out=out, resume=True, **{**KW, "t_end": 50.0}, **g)
    good = ck_file.read_bytes()
    # damaged: a flipped byte in the middle, and a truncated file
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF
    for data in (bytes(bad), good[: len(good) // 3]):
        ck_file.write_bytes(data)
        with pytest.raises(FlavomonInputError) as e:
            qlt_to_file(DIST, out=out, resume=True, **KW, **g)
        assert "\n" not in str(e.value) and "--restart" in str(e.value)
    ck_file.write_bytes(good)
    ds = qlt_to_file(DIST, out=out, resume=True, **KW, **g)
    assert not ck_file.exists() and out.exists()
    for name in ("D_cell", "power_cell", "D", "power", "D0"):
        assert np.array_equal(ds[name].values, ref[name].values, equal_nan=True), name
    # --restart discards a checkpoint and runs afresh
    ck_file.write_bytes(good)
    again = qlt_to_file(DIST, out=tmp_path / "q.nc", restart=True, **KW, **g)
    assert not ck_file.exists() and np.array_equal(again["D_cell"].values, ref["D_cell"].values)


def test_resume_of_a_homogeneous_run_is_one_line(tmp_path, capsys):
    rc = main(["qlt", "--distribution", "benchmark:a=0.9", "--t-end", "5", "--no-progress", "--resume",
               "--out", str(tmp_path / "q.nc")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "ray-tracing runs" in err, err
    assert list(tmp_path.iterdir()) == []


def test_saves_are_spaced_by_the_interval_and_by_their_own_cost(tmp_path, monkeypatch):
    # a fake clock: the run's outputs every 10 s, saving (the records grow) takes 30 s from the second save on.
    # Saves come every >= 60 s and at least 10x the last save's time after its end: at 60, then 120 (the first
    # save took 0 s), then 120 + 30 + max(60, 300) = 450
    clock = {"t": 0.0}
    ck = RayCheckpoint(tmp_path / "x.ckpt.npz", {"a": 1}, every=60.0, now=lambda: clock["t"])
    saved = []

    def fake_save(state):
        saved.append(clock["t"])
        clock["t"] += 0.0 if len(saved) == 1 else 30.0

    monkeypatch.setattr(ck, "save", fake_save)
    for i in range(1, 60):
        clock["t"] = max(clock["t"], 10.0 * i)
        ck.at_output(i, lambda: {})
    assert saved[:3] == [60.0, 120.0, 450.0]


def test_a_second_run_on_the_same_output_is_refused(tmp_path):
    # the output and its checkpoint are locked while a run writes them (OUT.lock, as for the QKE); the lock goes with
    # the run, so afterwards the same command runs
    from flavomon.io.files import OutputInUseError, OutputLock

    out = tmp_path / "q.nc"
    with OutputLock(out, lock_path=tmp_path / "q.nc.lock"):
        with pytest.raises(OutputInUseError) as e:
            qlt_to_file(DIST, out=out, **KW, **_grid())
        assert "\n" not in str(e.value) and "in use by another run" in str(e.value)
    assert not out.exists()
    qlt_to_file(DIST, out=out, **KW, **_grid())
    assert out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["q.nc"]


@pytest.mark.parametrize("flag", ["--resume", "--restart", None])
def test_a_folder_where_the_checkpoint_goes_is_one_line_and_left_alone(tmp_path, capsys, flag):
    out = tmp_path / "q.nc"
    folder = checkpoint_path(out)
    folder.mkdir()
    (folder / "mine.txt").write_text("keep")
    args = ["qlt", "--distribution", DIST, "--modulate", MOD, "--L", "100", "--cell", "25", "--Nv", "24",
            "--t-end", "10", "--no-progress", "--out", str(out)] + ([flag] if flag else [])
    rc = main(args)
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1, err
    assert (folder / "mine.txt").read_text() == "keep" and not out.exists()


def test_an_interrupt_mid_step_saves_the_last_output_and_the_resume_is_bit_for_bit(tmp_path, monkeypatch):
    # Ctrl-C (KeyboardInterrupt; the CLI's SIGTERM is a subclass) inside the 90th call of the local QLT step
    # (4 cells, t ~ 22), mid-step and long before the first timed save (every = 1 h): the checkpoint holds the state of
    # the last output, and --resume from it gives the uninterrupted run bit for bit.  An error of the run itself
    # (not an interrupt) saves nothing: a resume would meet it again
    import flavomon.qlt.raytrace as rt

    g = _grid()
    ref = qlt_to_file(DIST, out=tmp_path / "ref.nc", **KW, **g)
    out = tmp_path / "q.nc"
    local, calls = rt._local, {"n": 0}

    def interrupted(*a, **k):
        calls["n"] += 1
        if calls["n"] == 90:
            raise KeyboardInterrupt
        return local(*a, **k)

    monkeypatch.setattr(rt, "_local", interrupted)
    with pytest.raises(KeyboardInterrupt):
        qlt_to_file(DIST, out=out, checkpoint_every=3600.0, **KW, **g)
    monkeypatch.setattr(rt, "_local", local)
    state = np.load(checkpoint_path(out))
    assert 0 < int(state["i_out"]) < 40 and not (tmp_path / "q.nc.lock").exists()
    ds = qlt_to_file(DIST, out=out, resume=True, **KW, **g)
    for name in ("D_cell", "power_cell", "D", "power", "D0"):
        assert np.array_equal(ds[name].values, ref[name].values, equal_nan=True), name

    def broken(*a, **k):
        raise RuntimeError("ray-tracing QLT: the local step collapsed")

    monkeypatch.setattr(rt, "_local", broken)
    with pytest.raises(RuntimeError):
        qlt_to_file(DIST, out=tmp_path / "r.nc", checkpoint_every=3600.0, **KW, **g)
    assert not checkpoint_path(tmp_path / "r.nc").exists()
