"""The sweep on a real Dask cluster of separate processes.

1. ``--scheduler`` against a ``dask scheduler`` + two ``dask worker`` processes on 127.0.0.1
   gives results equal (bit for bit) to the default LocalCluster run.
2. A worker SIGKILLed mid-sweep: the sweep still completes with every point.
   The client SIGKILLed mid-sweep and rerun: only the unfinished points run.
Plus: a failing point is recorded (message + traceback) and does not stop the sweep.

The methods are the engine's cheap ones (``signrule``: the crossing sign rule;
``_probe``: D_initial after a delay; ``modes`` on a 16-point K grid), so these tests time
the engine, not the physics.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import xarray as xr

from .conftest import run_cli, start_cli, write_config

WAIT_S = 90.0  # bound on any wait for the sweep subprocess (2 shared cores; typical is < 10 s)

SMALL = """
[sweep]
name = "equal"
Nv = 24
methods = ["signrule", "_probe", "modes"]
[[distributions]]
family = "benchmark"
a = {start = 0.35, stop = 0.95, num = 4}
[[distributions]]
specs = ["shallow:a=0.95", "isotropic:D0=1"]
[methods.modes]
K_min = -2.0
K_max = -0.5
n_K = 16
"""


def _probe_config(n: int, delay: float, name: str) -> str:
    return f"""
[sweep]
name = "{name}"
Nv = 16
methods = ["_probe"]
[[distributions]]
family = "benchmark"
a = {{start = 0.4, stop = 0.9, num = {n}}}
[methods._probe]
delay_s = {delay}
"""


def _open(path: Path) -> xr.Dataset:
    with xr.open_dataset(path) as ds:
        return ds.load()


def _wait_points(pdir: Path, n: int, proc) -> list[Path]:
    deadline = time.monotonic() + WAIT_S
    while True:
        done = sorted(pdir.glob("*.nc")) if pdir.exists() else []
        if len(done) >= n:
            return done
        assert proc.poll() is None, f"sweep exited early: {proc.communicate()}"
        assert time.monotonic() < deadline, f"no {n} finished points within {WAIT_S} s"
        time.sleep(0.05)


def test_scheduler_equals_localcluster(dask_cluster, tmp_path):
    """--scheduler on a real external cluster == the default LocalCluster."""
    cfg = write_config(tmp_path / "small.toml", SMALL)
    r_loc = run_cli("sweep", str(cfg), "--out", str(tmp_path / "local"), "--no-progress")
    assert r_loc.returncode == 0, r_loc.stderr
    r_ext = run_cli("sweep", str(cfg), "--scheduler", dask_cluster.address, "--out", str(tmp_path / "ext"),
                    "--no-progress")
    assert r_ext.returncode == 0, r_ext.stderr
    a, b = _open(tmp_path / "local" / "sweep.nc"), _open(tmp_path / "ext" / "sweep.nc")
    assert a.sizes["point"] == b.sizes["point"] == 18
    assert (a.status == "ok").all() and (b.status == "ok").all()
    for name in ("point_id", "method", "distribution", "family"):
        assert list(a[name].values) == list(b[name].values), name
    # deterministic methods on identical inputs: equality is exact (no tolerance)
    for name in ("D_initial", "D_final", "D0_initial", "D0_final", "D0_drift", "gamma_max", "K_at_gamma_max"):
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)
    # the linear analysis really ran: a = 0.35, 0.55, 0.75 are strongly unstable (gamma_max
    # 0.40, 0.35, 0.23; cf. docs §9 Table B); a = 0.95 (gamma 0.06) is left out, since
    # its band is near the edge of what the 24-node grid of this test resolves
    g = a.gamma_max.values[(a.method.values == "modes") & (a.family.values == "benchmark")]
    assert (g[:3] > 0.2).all(), g
    # and the points really ran on the external workers, not in a hidden local cluster
    ids = list(b.point_id.values)
    workers = {_open(tmp_path / "ext" / "points" / f"{i}.nc").attrs["worker"] for i in ids}
    worker_pids = {int(w.rsplit(":", 1)[1]) for w in workers}
    assert worker_pids <= {p.pid for p in dask_cluster.workers}, (worker_pids, dask_cluster.workers)


def test_client_killed_then_rerun_runs_only_unfinished(dask_cluster, tmp_path):
    """SIGKILL the client mid-sweep; the rerun computes exactly the missing points."""
    n = 12
    cfg = write_config(tmp_path / "kill.toml", _probe_config(n, 0.4, "client-kill"))
    out = tmp_path / "out"
    proc = start_cli("sweep", str(cfg), "--scheduler", dask_cluster.address, "--out", str(out), "--no-progress")
    try:
        _wait_points(out / "points", 3, proc)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        proc.communicate()
    before = {p.stem: p.stat().st_mtime_ns for p in (out / "points").glob("*.nc")}
    assert 3 <= len(before) < n, f"kill came too late to test anything: {len(before)} of {n} done"
    assert not (out / "sweep.nc").exists()
    r = run_cli("sweep", str(cfg), "--scheduler", dask_cluster.address, "--out", str(out), "--no-progress")
    assert r.returncode == 0, r.stderr
    log = json.loads((out / "runs.jsonl").read_text().splitlines()[-1])
    assert set(log["skipped"]) == set(before)
    assert len(log["computed"]) == n - len(before)
    assert not set(log["computed"]) & set(before)
    after = {p.stem: p.stat().st_mtime_ns for p in (out / "points").glob("*.nc")}
    assert {k: after[k] for k in before} == before, "a finished point was rewritten"
    ds = _open(out / "sweep.nc")
    assert ds.sizes["point"] == n and (ds.status == "ok").all()


def test_worker_killed_midsweep_completes(tmp_path):
    """SIGKILL one of two workers mid-sweep; every point still completes."""
    from .conftest import LocalDaskProcesses

    cluster = LocalDaskProcesses(2, tmp_path / "dask")
    try:
        n = 10
        cfg = write_config(tmp_path / "wk.toml", _probe_config(n, 0.5, "worker-kill"))
        out = tmp_path / "out"
        proc = start_cli("sweep", str(cfg), "--scheduler", cluster.address, "--out", str(out), "--no-progress")
        try:
            _wait_points(out / "points", 2, proc)
            killed = cluster.workers[0].pid
            cluster.kill_worker(0)  # it is busy: 1 thread, and 8 tasks are still queued
            rc = proc.wait(timeout=WAIT_S)
            stderr = proc.communicate()[1]
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        assert rc == 0, stderr
        ds = _open(out / "sweep.nc")
        assert ds.sizes["point"] == n
        assert (ds.status == "ok").all(), ds.status.values
        pids = [int(_open(out / "points" / f"{i}.nc").attrs["worker"].rsplit(":", 1)[1])
                for i in ds.point_id.values]
        survivor = cluster.workers[1].pid
        # the killed worker finished at most the 2 points seen before the kill (+1 for a result
        # in flight on the client); the survivor did the rest, including the task that was killed
        assert pids.count(survivor) >= n - 3, "the surviving worker should have taken over the rest"
        assert set(pids) <= {killed, survivor}
        np.testing.assert_array_equal(ds.D_final.values, ds.D_initial.values)  # _probe returns D_initial
    finally:
        cluster.close()


def test_failing_point_recorded_and_rerun(dask_cluster, tmp_path):
    """A point that raises is recorded (error + traceback) and the others still finish."""
    cfg = write_config(tmp_path / "fail.toml", """
[sweep]
name = "fail"
Nv = 16
methods = ["signrule", "_probe"]
[[distributions]]
family = "benchmark"
a = [0.5, 0.9]
[methods._probe]
fail = true
""")
    out = tmp_path / "out"
    r = run_cli("sweep", str(cfg), "--scheduler", dask_cluster.address, "--out", str(out), "--no-progress")
    assert r.returncode == 1, "failed points must give a non-zero exit status"
    assert "2 failed" in r.stderr
    ds = _open(out / "sweep.nc")
    st = dict(zip(ds.method.values, ds.status.values))
    assert st == {"signrule": "ok", "_probe": "failed"}
    for i, m in zip(ds.point_id.values, ds.method.values):
        if m == "_probe":
            info = json.loads((out / "points" / f"{i}.error.json").read_text())
            assert info["error"].startswith("RuntimeError: _probe asked to fail")
            assert "Traceback" in info["traceback"] and "_probe" in info["traceback"]
            assert not (out / "points" / f"{i}.nc").exists()
    err = [e for e, m in zip(ds.error.values, ds.method.values) if m == "_probe"]
    assert all("asked to fail" in e for e in err)
    assert np.isnan(ds.D_final.values[ds.method.values == "_probe"]).all()
    # a rerun tries the failed points again, and only those
    r2 = run_cli("sweep", str(cfg), "--scheduler", dask_cluster.address, "--out", str(out), "--no-progress")
    log = json.loads((out / "runs.jsonl").read_text().splitlines()[-1])
    assert r2.returncode == 1
    assert sorted(log["computed"]) == sorted(log["failed"]) == sorted(
        i for i, m in zip(ds.point_id.values, ds.method.values) if m == "_probe")
