"""Fixtures for the sweep tests: a real Dask cluster of subprocesses on 127.0.0.1.

``dask scheduler`` and ``dask worker`` are started as separate processes (free ports, their
own session so nothing leaks into pytest's process group), waited for with a bounded time,
and always terminated — by their own pids — when the fixture ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
DASK = str(BIN / "dask")
START_TIMEOUT_S = 60.0  # generous: two cores shared with other jobs; a healthy start takes ~3 s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class LocalDaskProcesses:
    """A scheduler and N single-threaded workers (no nanny, so a SIGKILL really loses a worker)."""

    def __init__(self, n_workers: int, logdir: Path) -> None:
        self.logdir = logdir
        logdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self._start(n_workers)

    def _popen(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.logdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
        p._flavomon_log = log  # type: ignore[attr-defined]
        self.procs.append(p)
        return p

    def _start(self, n_workers: int) -> None:
        self._popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard",
                     "--dashboard-address", ":0"], "scheduler")
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _port_open(self.port):
            if time.monotonic() > deadline or self.procs[0].poll() is not None:
                self.close()
                pytest.fail(f"dask scheduler did not start; log: {(self.logdir / 'scheduler.log').read_text()}")
            time.sleep(0.1)
        for i in range(n_workers):
            self.add_worker(f"w{i}")
        self.wait_for_workers(n_workers, deadline)

    def add_worker(self, name: str) -> subprocess.Popen:
        p = self._popen(
            [DASK, "worker", self.address, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1",
             "--no-dashboard", "--name", name, "--death-timeout", "60",
             "--local-directory", str(self.logdir / name)],
            name,
        )
        self.workers.append(p)
        return p

    def wait_for_workers(self, n: int, deadline: float) -> None:
        """Poll the worker logs for registration (no Dask client in the test process)."""
        while True:
            up = sum(
                b"Registered to" in (self.logdir / f"w{i}.log").read_bytes()
                for i in range(len(self.workers))
                if (self.logdir / f"w{i}.log").exists()
            )
            if up >= n:
                return
            if time.monotonic() > deadline:
                self.close()
                pytest.fail(f"only {up} of {n} dask workers registered within {START_TIMEOUT_S} s")
            time.sleep(0.1)

    def kill_worker(self, i: int) -> None:
        os.kill(self.workers[i].pid, signal.SIGKILL)
        self.workers[i].wait(timeout=10)

    def close(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
            p._flavomon_log.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory):
    """Scheduler + 2 workers shared by the tests of one module."""
    c = LocalDaskProcesses(2, tmp_path_factory.mktemp("dask"))
    try:
        yield c
    finally:
        c.close()


def run_cli(*args: str, timeout: float = 120.0, **kw) -> subprocess.CompletedProcess:
    """``flavomon ARGS`` in a subprocess (the real entry point), bounded in time."""
    return subprocess.run([sys.executable, "-m", "flavomon", *args], capture_output=True, text=True,
                          timeout=timeout, **kw)


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flavomon", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def write_config(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
