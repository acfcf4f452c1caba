"""Issue 12, the sweep's parts: no open port (cause 3), one-line errors for malformed sweep TOMLs
(cause 8), a clean Ctrl-C (cause 9).

* During a sweep on the default LocalCluster, nothing in the process tree (client, nannies,
  workers) listens on a non-loopback address; no port serves the dashboard unless
  ``--dashboard``; and a process without the sweep's throw-away TLS certificate cannot connect
  to the scheduler (the ``Client(addr).run_on_scheduler`` of the trial).
* A binary, non-UTF-8, FIFO, deeply nested, oversized or NaN-option sweep TOML is a one-line
  error, exit 2, and writes nothing.
* SIGINT to the whole process group (a terminal's Ctrl-C) mid-sweep: one line on stderr, exit
  130, the finished points kept and skipped by the rerun.
"""

from __future__ import annotations

import ipaddress
import json
import os
import select
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from flavomon.cli.main import main
from flavomon.sweep import load_config, parse_config, run_sweep

from .conftest import run_cli, start_cli, write_config

WAIT_S = 90.0  # bound on any wait for a sweep subprocess (2 shared cores; typical is < 15 s)


def _probe_toml(n: int, delay: float, name: str = "robust") -> str:
    return f"""
[sweep]
name = "{name}"
Nv = 16
methods = ["_probe"]
workers = 2
[[distributions]]
family = "benchmark"
a = {{start = 0.4, stop = 0.9, num = {n}}}
[methods._probe]
delay_s = {delay}
"""


def _listening(root: psutil.Process) -> dict[int, list[tuple[str, int]]]:
    """Listening inet sockets of ``root`` and all its descendants: {pid: [(ip, port), ...]}."""
    out: dict[int, list[tuple[str, int]]] = {}
    for p in [root, *root.children(recursive=True)]:
        try:
            socks = [(c.laddr.ip, c.laddr.port) for c in p.net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN]
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if socks:
            out[p.pid] = socks
    return out


def _http_status(port: int, path: str) -> int | None:
    """HTTP status of GET http://127.0.0.1:port/path, or None if the port does not speak HTTP."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as r:  # noqa: S310 - loopback
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, ValueError):  # a TLS/comm port: not HTTP
        return None


def _snapshot(pt: list[Path]) -> dict[str, tuple[int, int, bytes]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns, p.read_bytes()) for p in pt if p.is_file()}


# ------------------------------------------------------------------------------------------
# cause 3: the LocalCluster's ports
# ------------------------------------------------------------------------------------------


def _reap(proc) -> None:
    """Kill the sweep's process group if it is still running, and close its pipes."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    proc.stdout.close()
    proc.stderr.close()


def test_local_cluster_is_asked_for_loopback_and_no_dashboard(monkeypatch):
    """Fast check of what the engine asks Dask for (the real sockets: the slow test below)."""
    import distributed

    from flavomon.sweep import engine

    asked: dict = {}

    class Stop(Exception):
        pass

    def fake_cluster(**kw):
        asked.update(kw)
        raise Stop

    monkeypatch.setattr(distributed, "LocalCluster", fake_cluster)
    for dashboard in (False, True):
        asked.clear()
        with pytest.raises(engine.FlavomonInputError, match="cannot start a Dask LocalCluster"):
            with engine._connect(None, 2, dashboard=dashboard, security=False):
                pass
        assert asked["host"] == "127.0.0.1" and asked["processes"] is True
        assert asked["dashboard_address"].startswith("127.0.0.1:")
        assert asked["worker_dashboard_address"] is None  # the workers' HTTP servers bind to host
        assert asked["scheduler_kwargs"] == {"dashboard": dashboard}
        assert "flavomon.sweep._worker_init" in asked["preload"]


@pytest.mark.slow  # starts a LocalCluster with TLS in this process: ~5-15 s on 2 shared cores
def test_local_cluster_listens_on_loopback_only_and_serves_no_dashboard(tmp_path):
    """Read the listening sockets of the sweep's process tree while the cluster is up."""
    cfg = parse_config({
        "sweep": {"methods": ["_probe"], "Nv": 8, "workers": 2},
        "distributions": [{"family": "benchmark", "a": [0.5, 0.9]}],
    })
    seen: dict = {}

    def on_client(client):
        me = psutil.Process()
        seen["listen"] = _listening(me)
        seen["scheduler"] = client.scheduler.address
        seen["workers"] = sorted(client.scheduler_info()["workers"])
        # a port serves the dashboard if GET /status answers 200 (the bokeh page, or the page
        # saying bokeh is missing); the scheduler's HTTP server answers only /health
        seen["status"] = {port: _http_status(port, "/status") for _, port in seen["listen"].get(me.pid, [])}
        seen["health"] = {port: _http_status(port, "/health") for _, port in seen["listen"].get(me.pid, [])}
        seen["stranger"] = _stranger_connects(client.scheduler.address)

    res = run_sweep(cfg, tmp_path / "out", progress=False, on_client=on_client)
    assert res.failed == () and len(res.computed) == 2

    listen = seen["listen"]
    me = os.getpid()
    # the client process hosts the scheduler and the 2 nannies; 2 worker processes beside it
    assert me in listen and len(listen) >= 3, listen
    bad = {pid: s for pid, s in listen.items() for ip, _ in s if not ipaddress.ip_address(ip).is_loopback}
    assert not bad, f"listening on a non-loopback address: {bad}"
    assert "://127.0.0.1:" in seen["scheduler"], seen["scheduler"]
    assert len(seen["workers"]) == 2 and all("://127.0.0.1:" in w for w in seen["workers"]), seen["workers"]
    assert 200 not in seen["status"].values(), f"a port serves the dashboard: {seen['status']}"
    assert 200 in seen["health"].values(), "the scheduler's HTTP server (health check) was not found"
    # the trial's exploit: a separate process connecting to the scheduler to run code in it
    assert seen["stranger"] == [], f"a client without the sweep's certificate connected: {seen['stranger']}"


def _stranger_connects(address: str) -> list[str]:
    """Try to connect to ``address`` as an outsider: plain TCP, and TLS with another certificate."""
    from distributed import Client
    from distributed.security import Security

    if not address.startswith("tls://"):  # no `cryptography`: loopback TCP is all we promise
        pytest.importorskip("cryptography")
    port = address.rsplit(":", 1)[1]
    connected = []
    attempts = [("tcp", f"tcp://127.0.0.1:{port}", None), ("tls-other-cert", address, Security.temporary())]
    for what, addr, sec in attempts:
        try:
            c = Client(addr, timeout="3s", security=sec, set_as_default=False)
        except Exception:  # noqa: BLE001 - refused, timed out, handshake failed: all "not connected"
            continue
        connected.append(what)
        c.close()
    return connected


@pytest.mark.slow  # a CLI subprocess with a LocalCluster: ~10-20 s on 2 shared cores
def test_cli_dashboard_only_when_asked_and_on_loopback(tmp_path):
    cfg = write_config(tmp_path / "d.toml", _probe_toml(4, 1.0, "dash"))
    proc = start_cli("sweep", str(cfg), "--out", str(tmp_path / "out"), "--no-progress", "--dashboard")
    try:
        url, buf, deadline = None, "", time.monotonic() + WAIT_S
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            if select.select([proc.stderr], [], [], 0.5)[0]:
                line = proc.stderr.readline()
                buf += line
                if "dashboard at " in line:
                    url = line.split("dashboard at ", 1)[1].split()[0]
        assert url, f"no dashboard address printed: {buf!r}"
        assert url.startswith("http://127.0.0.1:") and url.endswith("/status"), url
        with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - loopback
            assert r.status == 200
        bad = {pid: s for pid, s in _listening(psutil.Process(proc.pid)).items()
               for ip, _ in s if not ipaddress.ip_address(ip).is_loopback}
        assert not bad, bad
        rc = proc.wait(timeout=WAIT_S)
        err = buf + proc.stderr.read()
    finally:
        _reap(proc)
    assert rc == 0, err
    assert "Traceback" not in err and err.count("\n") == 2, err  # the address and the summary


# ------------------------------------------------------------------------------------------
# cause 8: malformed sweep TOMLs
# ------------------------------------------------------------------------------------------
GOOD = '[sweep]\nmethods = ["signrule"]\nNv = 8\n[[distributions]]\nspecs = ["benchmark:a=0.9"]\n'


def _bad_configs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    d = tmp_path / "cfg"
    d.mkdir()
    cases: dict[str, tuple[Path, str]] = {}

    def put(name: str, data: bytes, match: str) -> None:
        (d / name).write_bytes(data)
        cases[name] = (d / name, match)

    put("random.toml", bytes(range(256)) * 4, "is not UTF-8 text")
    put("latin1.toml", GOOD.replace("signrule", "sign\xe9").encode("latin-1"), "not UTF-8 text (byte 0xe9")
    put("utf16.toml", GOOD.encode("utf-16"), "is not UTF-8 text")
    put("nul.toml", GOOD.encode() + b"\x00\n", "not valid TOML")
    put("nested.toml", b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply")
    put("big.toml", b"# padding\n" * 200_000, "more than a sweep config's")
    put("nan.toml", (GOOD.replace('"signrule"', '"modes"') + "[methods.modes]\nK_min = nan\n").encode(),
        "option K_min must be a finite number")
    put("inf.toml", (GOOD.replace('"signrule"', '"_probe"') + "[methods._probe]\ndelay_s = inf\n").encode(),
        "option delay_s must be a finite number")
    put("workers.toml", GOOD.replace("Nv = 8", "Nv = 8\nworkers = 100000").encode(), "more than 4 per CPU")
    fifo = d / "fifo.toml"
    os.mkfifo(fifo)  # a reader would block forever on it
    cases["fifo.toml"] = (fifo, "not a regular file")
    return cases


def test_malformed_sweep_toml_one_line_error_writes_nothing(tmp_path, capsys):
    cases = _bad_configs(tmp_path)
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "x.txt").write_text("untouched")
    files = [p for p, _ in cases.values() if p.is_file()] + [tmp_path / "keep" / "x.txt"]
    before = _snapshot(files)
    for name, (path, match) in cases.items():
        out = tmp_path / f"out-{name}"
        rc = main(["sweep", str(path), "--out", str(out), "--no-progress"])
        err = capsys.readouterr().err
        assert rc == 2, (name, err)
        assert err.startswith("flavomon sweep: error: ") and err.count("\n") == 1, (name, err)
        assert "Traceback" not in err and match in err, (name, err)
        assert not out.exists(), f"{name}: the refused sweep created {out}"
    assert _snapshot(files) == before, "a refused sweep changed an existing file"


def test_binary_sweep_toml_via_the_real_entry_point(tmp_path):
    """The trial's case as found: a binary file as CONFIG.toml (was a UnicodeDecodeError traceback)."""
    cfg = tmp_path / "binary.toml"
    cfg.write_bytes(bytes(range(256)))
    before = cfg.read_bytes()
    r = run_cli("sweep", str(cfg), "--out", str(tmp_path / "out"))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("flavomon sweep: error: sweep config") and r.stderr.count("\n") == 1, r.stderr
    assert "not UTF-8 text" in r.stderr and "Traceback" not in r.stderr
    assert cfg.read_bytes() == before and not (tmp_path / "out").exists()


def test_bom_is_accepted(tmp_path):
    cfg = tmp_path / "bom.toml"
    cfg.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_config(cfg).methods == ("signrule",)


# ------------------------------------------------------------------------------------------
# cause 9: Ctrl-C
# ------------------------------------------------------------------------------------------
@pytest.mark.slow  # a CLI subprocess with a LocalCluster, then its rerun: ~20-40 s on 2 shared cores
def test_ctrl_c_one_line_exit_130_finished_points_kept(tmp_path):
    n = 12
    cfg = write_config(tmp_path / "int.toml", _probe_toml(n, 0.5, "ctrl-c"))
    out = tmp_path / "out"
    pdir = out / "points"
    proc = start_cli("sweep", str(cfg), "--out", str(out), "--no-progress")
    try:
        deadline = time.monotonic() + WAIT_S
        while len(list(pdir.glob("*.nc")) if pdir.exists() else []) < 3:
            assert proc.poll() is None, f"sweep exited early: {proc.communicate()}"
            assert time.monotonic() < deadline, "no 3 finished points in time"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
        rc = proc.wait(timeout=WAIT_S)
        err = proc.stderr.read()
    finally:
        _reap(proc)
    assert rc == 130, err
    assert err.count("\n") == 1 and err.startswith("flavomon sweep: interrupted; "), err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    kept = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in pdir.glob("*.nc")}
    assert 3 <= len(kept) < n, f"the interrupt came too late to test anything: {len(kept)} of {n}"
    assert f"{len(kept)} of {n} points are finished and kept" in err, err
    assert not list(pdir.glob(".*.tmp")), "a half-written point file was left"
    assert not (out / "sweep.nc").exists()
    log = json.loads((out / "runs.jsonl").read_text().splitlines()[-1])
    assert log["interrupted"] is True and set(log["computed"]) >= {Path(k).stem for k in kept}
    # no process of the interrupted sweep is left (the workers die with their cluster)
    time.sleep(0.5)
    left = [p for p in psutil.process_iter(["pid"]) if _in_group(p, proc.pid)]
    assert not left, f"processes of the interrupted sweep still alive: {left}"

    r = run_cli("sweep", str(cfg), "--out", str(out), "--no-progress", timeout=WAIT_S)
    assert r.returncode == 0, r.stderr
    log = json.loads((out / "runs.jsonl").read_text().splitlines()[-1])
    assert set(log["skipped"]) == {Path(k).stem for k in kept}
    assert len(log["computed"]) == n - len(kept)
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in pdir.glob("*.nc")}
    assert {k: after[k] for k in kept} == kept, "a finished point was rewritten by the rerun"


def _in_group(p: psutil.Process, pgid: int) -> bool:
    try:
        return os.getpgid(p.pid) == pgid and p.status() != psutil.STATUS_ZOMBIE
    except (ProcessLookupError, psutil.Error, OSError):
        return False


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
