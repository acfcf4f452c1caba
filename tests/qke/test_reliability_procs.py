"""The QKE process tree under kills and Ctrl-C, and the step count of resumed runs (orphans, Ctrl-C, resumed step counts).

* cause 7: ``kill -9`` of the ``flavomon qke`` parent used to leave the queue manager, the pool workers
  and the multiprocessing resource tracker alive for ever (they ignore SIGINT/SIGTERM on purpose, so that
  the parent coordinates the checkpoint).  Now they end by themselves (PR_SET_PDEATHSIG + a watchdog).
* cause 9: ``steps`` of a resumed run counted only the resumed steps; a Ctrl-C must never print a
  traceback (of the parent or of a child), whatever the moment.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from flavomon.qke import QKEConfig, run_qke
from flavomon.workflows.qke import checkpoint_dir, qke_to_file

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists() or os.name != "posix", reason="reads /proc")

# L = 20: the 32-point grid holds 4 box modes in the unstable bands of a = 0.9 (no PhysicsWarning)
SMALL = dict(Nz=32, Nv=8, L=20.0, realizations=2, backend="numpy")
ORPHAN_TIMEOUT_S = 10.0
"""How long the children of a SIGKILLed parent may take to end.  PR_SET_PDEATHSIG kills them at once;
the watchdog polls every 0.5 s; the resource tracker ends when the last child holding its pipe has
gone; the rest is slack for a loaded 2-core machine."""


def _cli(out: Path, *extra: str, t_end: float = 2000, workers: int = 2) -> list[str]:
    return [
        sys.executable, "-m", "flavomon", "qke", "--distribution", "benchmark:a=0.9", "--Nz", "32", "--Nv", "8",
        "--L", "20", "--t-end", f"{t_end:g}", "--realizations", "2", "--workers", str(workers), "--backend", "numpy",
        "--checkpoint-every", "0", "--no-progress", "--out", str(out), *extra,
    ]


def _sigint_default() -> None:
    # a test started in the background of a non-interactive shell inherits SIGINT as ignored (then
    # Python installs no KeyboardInterrupt handler): restore the default, as under a terminal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _group(pgid: int) -> list[tuple[int, str]]:
    """Live (non-zombie) processes of process group ``pgid``: (pid, command line)."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
            cmd = Path(f"/proc/{d}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            found.append((int(d), cmd))
    return found


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_for(pred, proc, timeout=60.0, poll=0.01) -> None:
    t0 = time.monotonic()
    while not pred():
        assert proc.poll() is None, "the run ended before the awaited moment"
        assert time.monotonic() - t0 < timeout, "timed out"
        time.sleep(poll)


def _wait_gone(pgid: int, timeout: float) -> list[tuple[int, str]]:
    t0 = time.monotonic()
    while (left := _group(pgid)) and time.monotonic() - t0 < timeout:
        time.sleep(0.1)
    return left


# ------------------------------------------------------------------------------------------------
# cause 7: orphans
# ------------------------------------------------------------------------------------------------
@needs_proc
def test_sigkill_of_the_parent_leaves_no_orphans(tmp_path):
    out = tmp_path / "o.nc"
    with open(tmp_path / "err.txt", "wb") as err:
        proc = subprocess.Popen(_cli(out), stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    pgid = proc.pid  # a new session: the run and all its children form process group proc.pid
    try:
        # both workers write checkpoints, so they (and the manager) are past their start-up
        _wait_for(lambda: len(list(checkpoint_dir(out).glob("r*.npz"))) == 2, proc)
        children = [c for c in _group(pgid) if c[0] != proc.pid]
        assert sum("spawn_main" in cmd for _, cmd in children) >= 3, children  # the manager and 2 workers
        proc.kill()
        proc.wait()
        left = _wait_gone(pgid, ORPHAN_TIMEOUT_S)
        assert not left, f"orphans alive {ORPHAN_TIMEOUT_S} s after kill -9 of the parent: {left}"
        assert not out.exists()
        assert "Traceback" not in (tmp_path / "err.txt").read_text()
    finally:
        _kill_group(pgid)


_MASK_PROBE = """
import multiprocessing as mp, shutil, sys
from flavomon.qke.evolve import _stop_signals_blocked
if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    with _stop_signals_blocked():  # the first spawn of this interpreter: it starts the resource tracker
        procs = [ctx.Process(target=shutil.copyfile, args=("/proc/self/status", f"{sys.argv[1]}{i}")) for i in range(2)]
        for q in procs:
            q.start()
    for q in procs:
        q.join()
"""


@needs_proc
def test_children_start_with_stop_signals_blocked(tmp_path):
    # CPython's resource tracker, started by the first spawn, unblocks SIGINT/SIGTERM in the spawning
    # thread; the children spawned after it then died of a Ctrl-C while importing (a child traceback,
    # an EOFError in the parent).  Every child must start with both blocked (until it ignores them).
    subprocess.run([sys.executable, "-c", _MASK_PROBE, str(tmp_path / "status")], check=True, timeout=120)
    for i in range(2):
        blocked = int(next(ln for ln in (tmp_path / f"status{i}").read_text().splitlines()
                           if ln.startswith("SigBlk:")).split()[1], 16)
        for s in (signal.SIGINT, signal.SIGTERM):
            assert blocked >> (s - 1) & 1, f"child {i}: signal {s.name} not blocked at start"


# ------------------------------------------------------------------------------------------------
# cause 9: steps of a resumed run
# ------------------------------------------------------------------------------------------------
def test_steps_after_resume_count_the_whole_run(tmp_path):
    dist = "benchmark:a=0.9"
    cfg = QKEConfig(t_end=20.0, **SMALL)
    full = run_qke(dist, cfg, workers=1)
    rcfg = full.config  # resolved: dt, steps_per_out
    n_steps = 2 * rcfg.n_out * rcfg.steps_per_out
    assert full.steps == n_steps and full.extra["steps_run"] == n_steps

    out = tmp_path / "q.nc"

    def interrupt_midway(t, steps=None):  # realization 0 done, realization 1 half-way
        if t >= 1.5 * rcfg.t_end:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_qke(dist, cfg, workers=1, checkpoint=checkpoint_dir(out), checkpoint_every=0, progress=interrupt_midway)

    res = run_qke(dist, cfg, workers=1, checkpoint=checkpoint_dir(out), resume=True)
    assert res.steps == n_steps  # the whole run, not only the resumed part
    assert res.extra["steps_run"] == rcfg.n_out * rcfg.steps_per_out // 2  # what this call computed
    np.testing.assert_array_equal(res.D, full.D)  # bit-identical
    np.testing.assert_array_equal(res.power, full.power)

    # the file's record: qke_to_file resuming the same checkpoint
    ds = qke_to_file(dist, t_end=20.0, out=out, resume=True, workers=1, progress=False, **SMALL)
    assert ds.attrs["steps"] == n_steps
    assert xr.load_dataset(out).attrs["steps"] == n_steps
    np.testing.assert_array_equal(xr.load_dataset(out)["D"].values, full.D)


# ------------------------------------------------------------------------------------------------
# cause 9: Ctrl-C never prints a traceback (parent or child) and leaves no process behind
# ------------------------------------------------------------------------------------------------
def _tmp_file_in(folder: Path) -> bool:
    """A realization checkpoint ``.r0000.npz.<random>.tmp`` is being written (flavomon._files.atomic_write)."""
    try:
        return any(p.name.startswith(".r") and p.name.endswith(".tmp") for p in folder.iterdir())
    except FileNotFoundError:
        return False


def _interrupt_and_check(tmp_path, *, workers, moment, target):
    out = tmp_path / "c.nc"
    ck = checkpoint_dir(out)
    proc = subprocess.Popen(_cli(out, workers=workers, t_end=400), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=_sigint_default)
    pgid = proc.pid
    try:
        if moment == "pool start-up":  # a child exists (the manager or a worker, still importing)
            _wait_for(lambda: len(_group(pgid)) > 1, proc, poll=0.002)
        elif moment == "mid-run":
            _wait_for(lambda: len(list(ck.glob("r*.npz"))) == min(workers, 2), proc)
            time.sleep(0.2)
        else:  # "checkpoint write": a temporary checkpoint file is being written
            _wait_for(lambda: _tmp_file_in(ck), proc, poll=0.0005)
        (os.killpg if target == "group" else os.kill)(pgid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        err = err.decode()
        assert proc.returncode == 130, err
        assert "Traceback" not in err, err
        assert err.strip().splitlines()[-1] == "flavomon qke: interrupted", err
        left = _wait_gone(pgid, ORPHAN_TIMEOUT_S)
        assert not left, left
        assert not out.exists()
        assert not any(p.name.endswith(".tmp") for p in ck.iterdir()) if ck.exists() else True
    finally:
        _kill_group(pgid)
    return out


@needs_proc
def test_ctrl_c_during_a_checkpoint_write_is_quiet_and_resumes_bit_identical(tmp_path):
    # one process (--workers 1): the parent itself writes the checkpoints, Ctrl-C lands in a write
    ref = qke_to_file("benchmark:a=0.9", t_end=400, workers=1, progress=False, **SMALL)
    out = _interrupt_and_check(tmp_path, workers=1, moment="checkpoint write", target="parent")
    qke_to_file("benchmark:a=0.9", t_end=400, workers=1, out=out, resume=True, progress=False, **SMALL)
    back = xr.load_dataset(out)
    for name in ("D", "power", "pol", "D0_box"):
        np.testing.assert_array_equal(back[name].values, ref[name].values, err_msg=name)
    assert back.attrs["steps"] == ref.attrs["steps"]  # the whole run


@needs_proc
@pytest.mark.slow
@pytest.mark.parametrize(
    "moment, target",
    [("pool start-up", "group"), ("pool start-up", "parent"), ("mid-run", "group"), ("mid-run", "parent"),
     ("checkpoint write", "group"), ("checkpoint write", "parent")],
)
def test_ctrl_c_of_an_ensemble_prints_no_traceback(tmp_path, moment, target):
    # a terminal's Ctrl-C signals the whole group; `kill -INT` only the parent
    _interrupt_and_check(tmp_path, workers=2, moment=moment, target=target)
