"""Issue 12, cause 8 (CLI parts): negative numbers in exponent form, and every failure of a
sub-command as one line on stderr (never a traceback).

The failures of cause 8 are provoked by replacing a sub-command's ``run`` (the ``func`` the parser
stores) with one that raises, so each test is fast and independent of the numerics; one test runs
the real ``python -m flavomon`` in a subprocess to check the closed-pipe and Ctrl-C paths end to end.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time

import pytest

from flavomon.cli import main as cli_main
from flavomon.cli.main import NEGATIVE_NUMBER, build_parser, main
from flavomon.errors import FlavomonInputError


def _state(path):
    """Bytes and mtime of every file under ``path``: "no existing file changed" compares these."""
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(path.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------------------------
# 1. negative numbers in exponent form are option values
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv,dest,value",
    [
        (["modes", "--distribution", "benchmark:a=0.9", "--K-min", "-1e-3", "--out", "m.nc"], "K_min", -1e-3),
        (["modes", "--distribution", "benchmark:a=0.9", "--K-min=-1E-3", "--out", "m.nc"], "K_min", -1e-3),
        (["modes", "--distribution", "benchmark:a=0.9", "--K-max", "-2.5E+1", "--out", "m.nc"], "K_max", -25.0),
        (["qlt", "--distribution", "benchmark:a=0.9", "--k-min", "-2e0", "--out", "q.nc"], "k_min", -2.0),
        (["qlt", "--distribution", "benchmark:a=0.9", "--k-min", "-.5e1", "--out", "q.nc"], "k_min", -5.0),
        (["qke", "--distribution", "benchmark:a=0.9", "--dt", "-1.e-3", "--out", "k.nc"], "dt", -1e-3),
        (["modes", "--distribution", "benchmark:a=0.9", "--K-min", "-1", "--out", "m.nc"], "K_min", -1.0),
    ],
)
def test_negative_exponent_numbers_parse(argv, dest, value):
    args = build_parser().parse_args(argv)
    assert getattr(args, dest) == value  # exact: a parsed literal, no arithmetic


def test_negative_inf_reaches_the_options_own_check(tmp_path, capsys):
    # "-inf" is a value (refused by the K range check), not "expected one argument"
    rc = main(["modes", "--distribution", "benchmark:a=0.9", "--K-min", "-inf", "--out", str(tmp_path / "m.nc")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and "expected one argument" not in err and "Traceback" not in err
    assert err.splitlines()[-1].startswith("flavomon modes: error:") and "K_min" in err
    assert not (tmp_path / "m.nc").exists()


def test_negative_number_matcher_does_not_swallow_options():
    for opt in ("--K-min", "--out", "-h", "--", "-", "-e3", "-1e", "-1e-", "-x1"):
        assert not NEGATIVE_NUMBER.match(opt), opt
    for num in ("-1", "-1.5", "-.5", "-1e-3", "-1E+3", "-1.e5", "-inf", "-NaN", "-Infinity"):
        assert NEGATIVE_NUMBER.match(num), num


def test_exponent_value_end_to_end(tmp_path, capsys):
    out = tmp_path / "m.nc"
    # [-2, -1] holds the fastest mode (K = -1.473, Table B), so no range warning
    rc = main(["modes", "--distribution", "benchmark:a=0.9", "--K-min", "-2e0", "--K-max", "-1E0",
               "--n-K", "5", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    import xarray as xr

    with xr.open_dataset(out) as ds:
        assert float(ds.K[0]) == -2.0 and float(ds.K[-1]) == -1.0  # the grid ends are the given values


# --------------------------------------------------------------------------------------------
# 3. every failure is one line, exit status 1 (2 for bad input, 130 Ctrl-C)
# --------------------------------------------------------------------------------------------
def _run_raising(monkeypatch, capsys, tmp_path, exc, env_debug=None):
    """Run ``flavomon modes`` with its ``run`` replaced by one that raises ``exc``."""
    (tmp_path / "keep.txt").write_text("existing\n")
    before = _state(tmp_path)
    parser = build_parser()
    real_parse = parser.parse_args

    def raising(args):
        raise exc

    def parse_args(argv=None):
        ns = real_parse(argv)
        ns.func = raising
        return ns

    parser.parse_args = parse_args
    monkeypatch.setattr(cli_main, "build_parser", lambda: parser)
    if env_debug is None:
        monkeypatch.delenv("FLAVOMON_DEBUG", raising=False)
    else:
        monkeypatch.setenv("FLAVOMON_DEBUG", env_debug)
    rc = main(["modes", "--distribution", "benchmark:a=0.9", "--out", str(tmp_path / "m.nc")])
    cap = capsys.readouterr()
    assert _state(tmp_path) == before  # no existing file changed
    return rc, cap.err


def _one_line(err):
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    "exc,words",
    [
        (OSError(errno.ENOSPC, "No space left on device", "/data/m.nc"), ["no space left", "/data/m.nc", "--out"]),
        (PermissionError(errno.EACCES, "Permission denied", "/ro/m.nc"), ["permission denied", "/ro/m.nc"]),
        (OSError(errno.EROFS, "Read-only file system", "/mnt/m.nc"), ["read-only file system", "/mnt/m.nc"]),
        (PermissionError(errno.EPERM, "Operation not permitted", "ck/r0000.npz"), ["not permitted", "ck/r0000.npz"]),
        (UnicodeDecodeError("utf-8", b"\xff\xfe", 0, 1, "invalid start byte"), ["not UTF-8", "byte 0"]),
        (MemoryError(), ["out of memory", "--Nz"]),
        (RuntimeError("bad thing\nsecond line"), ["internal error", "RuntimeError", "bad thing; second line",
                                                  "please report", "FLAVOMON_DEBUG=1"]),
        (KeyError("u"), ["internal error", "KeyError", "please report"]),
        (UserWarning("odd"), ["odd", "warnings filter"]),
        (RuntimeError("NetCDF: HDF error"), ["NetCDF: HDF error", "full disk", "please report"]),
    ],
)
def test_failure_is_one_line_status_1(monkeypatch, capsys, tmp_path, exc, words):
    rc, err = _run_raising(monkeypatch, capsys, tmp_path, exc)
    line = _one_line(err)
    assert rc == 1
    assert line.startswith("flavomon modes: error: ")
    for w in words:
        assert w.lower() in line.lower(), (w, line)


def test_disk_full_end_to_end(tmp_path):
    # a file-size limit makes the write fail as on a full disk (EFBIG; netCDF says "HDF error")
    import resource

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # modes.nc of 41 K points is ~60 kB

    (tmp_path / "keep.txt").write_text("existing\n")
    before = _state(tmp_path)
    p = subprocess.run([sys.executable, "-m", "flavomon", "modes", "--distribution", "benchmark:a=0.9", "--n-K", "41",
                        "--out", str(tmp_path / "m.nc")], capture_output=True, text=True, env=_env(), timeout=60,
                       preexec_fn=limit)
    assert p.returncode == 1
    line = _one_line(p.stderr)
    assert line.startswith("flavomon modes: error:") and "internal error" not in line
    assert _state(tmp_path) == before  # nothing changed, no partial or temporary file left


def test_oserror_wrapped_by_a_library_is_named(monkeypatch, capsys, tmp_path):
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device", "x.nc")
        except OSError as inner:
            raise RuntimeError("NetCDF: HDF error") from inner
    except RuntimeError as e:
        exc = e
    rc, err = _run_raising(monkeypatch, capsys, tmp_path, exc)
    line = _one_line(err)
    assert rc == 1 and "no space left" in line and "internal error" not in line


def test_input_error_keeps_status_2(monkeypatch, capsys, tmp_path):
    rc, err = _run_raising(monkeypatch, capsys, tmp_path, FlavomonInputError("--Nz 0: must be >= 4"))
    assert rc == 2 and _one_line(err) == "flavomon modes: error: --Nz 0: must be >= 4"


def test_keyboard_interrupt_is_one_line_130(monkeypatch, capsys, tmp_path):
    rc, err = _run_raising(monkeypatch, capsys, tmp_path, KeyboardInterrupt())
    assert rc == 130 and _one_line(err) == "flavomon modes: interrupted"


def test_debug_switch_shows_the_traceback(monkeypatch, capsys, tmp_path):
    rc, err = _run_raising(monkeypatch, capsys, tmp_path, RuntimeError("boom"), env_debug="1")
    assert rc == 1 and "Traceback" in err and "RuntimeError: boom" in err
    assert err.strip().splitlines()[-1].startswith("flavomon modes: error: internal error")


def test_debug_switch_documented_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["modes", "--help"])
    assert "FLAVOMON_DEBUG=1" in capsys.readouterr().out


def test_validate_hook_runs_before_run(monkeypatch, capsys, tmp_path):
    calls = []
    parser = build_parser()
    real_parse = parser.parse_args

    def parse_args(argv=None):
        ns = real_parse(argv)
        ns.validate = lambda a: (_ for _ in ()).throw(FlavomonInputError("--n-K 1: need >= 2"))
        ns.func = lambda a: calls.append("run")
        return ns

    parser.parse_args = parse_args
    monkeypatch.setattr(cli_main, "build_parser", lambda: parser)
    rc = main(["modes", "--distribution", "benchmark:a=0.9", "--out", str(tmp_path / "m.nc")])
    assert rc == 2 and calls == [] and _one_line(capsys.readouterr().err).endswith("--n-K 1: need >= 2")


def _env():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env.pop("FLAVOMON_DEBUG", None)
    return env


def test_closed_stdout_pipe_end_to_end(tmp_path):
    # modes prints its summary on stdout; a reader that has gone away must not give a traceback
    out = tmp_path / "m.nc"
    r, w = os.pipe()
    os.close(r)  # nobody reads: the first write raises BrokenPipeError (SIGPIPE is ignored by Python)
    p = subprocess.run([sys.executable, "-m", "flavomon", "modes", "--distribution", "benchmark:a=0.9", "--n-K", "41",
                        "--out", str(out)], stdout=w, stderr=subprocess.PIPE, text=True, env=_env(), timeout=60)
    os.close(w)
    assert p.returncode == 1
    line = _one_line(p.stderr)
    assert line.startswith("flavomon modes: error:") and "pipe" in line
    assert out.is_file()  # the result itself was written before the summary line


def test_ctrl_c_end_to_end(tmp_path):
    # a large K grid keeps modes busy for several seconds; SIGINT must give one line and status 130
    # (n_K = 6000: each vectorised step is short, so the interrupt lands within about a second)
    (tmp_path / "keep.txt").write_text("existing\n")
    before = _state(tmp_path)
    p = subprocess.Popen([sys.executable, "-m", "flavomon", "modes", "--distribution", "benchmark:a=0.9",
                          "--n-K", "6000", "--out", str(tmp_path / "m.nc")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # even if our SIGINT is ignored
    time.sleep(3.0)  # usually past the imports (about 2 s), inside the computation (~10 s on 2 busy cores)
    if p.poll() is not None:
        pytest.skip("modes finished before the signal (a fast machine)")
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    # "flavomon: interrupted" if the signal came while the (loaded) machine was still importing
    assert _one_line(err) in ("flavomon modes: interrupted", "flavomon: interrupted")
    assert _state(tmp_path) == before and not (tmp_path / "m.nc").exists()
