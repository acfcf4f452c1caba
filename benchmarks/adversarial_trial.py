"""Adversarial trial of the ``flavomon`` command line (issue 12, "Done when" 3).

Runs a table of hostile cases against the CLI, each in its own temporary folder, and gives each a
verdict:

* **handled well** -- exit status 0 with a sane result (the output exists, is a regular file that
  opens, holds finite numbers, and every case-specific check holds; no pre-existing file other than
  the intended output changed), or a non-zero exit with exactly one error line on stderr
  (``flavomon CMD: error: ...``; ``interrupted``/``terminated`` after a signal), every other
  stderr line one of flavomon's own one-line status or warning lines (``flavomon CMD: ...``: nothing
  foreign such as a traceback, a Dask log or a child's output), not an "internal error", and no
  pre-existing file changed (bytes, mtime, type, link target);
* **bad** -- anything else: a traceback, several lines, a hang (time limit), a changed input, a
  silently accepted input that must be refused (``must_fail``), a slow refusal of an option that
  can be checked up front (``fail_within``), an orphaned process, a wrong resume.

Usage::

    python benchmarks/adversarial_trial.py [--only CLASS[,CLASS]] [--bad-md PATH] [--keep DIR] [-v]

It prints the Markdown table (case class, cases, handled well, bad) and then every bad case with
its command and outcome; ``--bad-md`` also writes that list to a file. The grids are tiny
(``--Nz 32 --L 20 --Nv 16 --t-end 5``, the numpy back-end, one worker): a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1")
ENV.pop("FLAVOMON_DEBUG", None)
FLAVOMON = [sys.executable, "-m", "flavomon"]

QKE = ["--Nz", "32", "--L", "20", "--Nv", "16", "--t-end", "5", "--realizations", "2", "--workers", "1",
       "--backend", "numpy", "--no-progress"]
QKE_LONG = ["--Nz", "32", "--L", "20", "--Nv", "16", "--t-end", "600", "--realizations", "2", "--workers", "1",
            "--backend", "numpy", "--no-progress", "--checkpoint-every", "0.3"]
QLT = ["--Nv", "16", "--n-K", "48", "--k-min", "-1.75", "--k-max", "0.625", "--t-end", "5", "--no-progress"]
MODES = ["--n-K", "21"]
REPRO = ["--a", "0.9", "--realizations", "2", "--Nz", "32", "--Nv", "16", "--t-end", "5", "--modes-n-K", "11",
         "--n-K", "32", "--backend", "numpy", "--workers", "1", "--no-progress"]
BENCH = "benchmark:a=0.9"


# ---------------------------------------------------------------------------------------------
# running and judging
# ---------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    rc: int | None
    out: str
    err: str
    wall: float
    timed_out: bool = False


def _child_setup(extra: Callable[[], None] | None = None) -> Callable[[], None]:
    """Children get the default SIGINT even when the trial runs in the background (where the shell
    ignores SIGINT and Python would then never raise KeyboardInterrupt)."""
    def pre():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if extra is not None:
            extra()
    return pre


def run_cli(argv: list[str], cwd: Path, timeout: float = 60.0, env: dict | None = None,
            preexec: Callable[[], None] | None = None, stdout=subprocess.PIPE) -> Outcome:
    t0 = time.monotonic()
    p = subprocess.Popen(FLAVOMON + argv, cwd=cwd, env=env or ENV, stdin=subprocess.DEVNULL,
                         stdout=stdout, stderr=subprocess.PIPE, text=True, errors="replace",
                         start_new_session=True, preexec_fn=_child_setup(preexec))
    try:
        out, err = p.communicate(timeout=timeout)
        return Outcome(p.returncode, out, err, time.monotonic() - t0)
    except subprocess.TimeoutExpired:
        _kill_group(p.pid)
        out, err = p.communicate()
        return Outcome(None, out, err, time.monotonic() - t0, timed_out=True)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> list[int]:
    """Pids still alive in process group ``pgid`` (read from /proc)."""
    alive = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive.append(int(d.name))
        except (OSError, IndexError, ValueError):
            continue
    return alive


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` (links not followed): type, bytes hash, mtime, link target."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            try:
                st = os.lstat(p)
            except OSError:
                continue
            rel = str(p.relative_to(root))
            if stat.S_ISREG(st.st_mode):
                try:
                    h = hashlib.sha256(p.read_bytes()).hexdigest()
                except OSError:
                    h = "unreadable"
                snap[rel] = ("file", h, st.st_mtime_ns)
            elif stat.S_ISLNK(st.st_mode):
                snap[rel] = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                snap[rel] = ("dir",)
            else:
                snap[rel] = ("special", stat.S_IFMT(st.st_mode))
    return snap


def changed(before: dict, after: dict, allowed: set[str]) -> list[str]:
    bad = []
    for k, v in before.items():
        if k in allowed or any(k.startswith(a.rstrip("/") + "/") for a in allowed if a.endswith("/")):
            continue
        if v[0] == "dir":
            if k not in after:
                bad.append(f"{k} (folder removed)")
            continue
        if k not in after:
            bad.append(f"{k} (removed)")
        elif after[k] != v:
            bad.append(f"{k} ({'type changed' if after[k][0] != v[0] else 'changed'})")
    return bad


_FINAL = re.compile(r"^flavomon [\w-]+: (error: |interrupted|terminated)")


def stderr_problem(err: str) -> str | None:
    """None if stderr holds exactly one error line (``flavomon CMD: error: ...``, or ``interrupted`` /
    ``terminated`` after a signal) and every other line is a flavomon status or warning line."""
    lines = [ln.strip() for ln in err.splitlines() if ln.strip()]
    foreign = [ln for ln in lines if not ln.startswith("flavomon ")]
    if foreign:
        return f"{len(foreign)} stderr line(s) not from flavomon's reporting (first: {foreign[0][:120]!r})"
    final = [ln for ln in lines if _FINAL.match(ln)]
    if len(final) != 1:
        return f"{len(final)} error lines on stderr (expected one)"
    if "internal error" in final[0]:
        return "internal error (a bug, reported as such)"
    return None


def nc_sane(path: Path, need: tuple[str, ...] = ()) -> str | None:
    """None if ``path`` is a regular netCDF file whose D and power (QKE/QLT) are finite; else the problem."""
    if path.is_symlink() or not path.is_file():
        return f"{path.name} missing or not a regular file"
    try:
        import xarray as xr

        with xr.open_dataset(path) as ds:
            for v in need:
                if v not in ds:
                    return f"{path.name} lacks {v}"
            for name in ("D", "power"):  # gamma_max is NaN by convention when nothing is unstable
                if name in ds:
                    a = np.asarray(ds[name].values)
                    if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
                        return f"{path.name}: {name} has non-finite values"
    except Exception as e:  # noqa: BLE001
        return f"{path.name} does not open: {type(e).__name__}: {e}"
    return None


def load(path: Path, name: str) -> np.ndarray:
    import xarray as xr

    with xr.open_dataset(path) as ds:
        return np.asarray(ds[name].values)


@dataclass
class Case:
    cls: str
    name: str
    argv: list[str] | None = None                       # a single CLI call (None: custom `body`)
    setup: Callable[[Path], None] | None = None          # prepare the folder
    check: Callable[[Path, Outcome], str | None] | None = None  # extra sanity check of an rc-0 result
    must_fail: bool = False                              # accepting it silently is bad
    may_change: tuple[str, ...] = ()                     # pre-existing paths the run may rewrite
    timeout: float = 60.0
    fail_within: float | None = None                     # a refusal slower than this is bad
    body: Callable[[Path], tuple[str, str]] | None = None  # custom: returns (verdict problem or "", outcome text)
    preexec: Callable[[], None] | None = None            # run in the child before exec (resource limits)
    no_leftovers: bool = False                           # a refusal must not leave new files either
    outputs: tuple[str, ...] | None = None               # rc-0 outputs to check (default: --out / --plot)
    check_fail: Callable[[Path, Outcome], str | None] | None = None  # extra check of a refusal


def _outputs(case: Case) -> list[str]:
    if case.outputs is not None:
        return list(case.outputs)
    outs = []
    a = case.argv or []
    for i, x in enumerate(a):
        if x in ("--out", "--plot") and i + 1 < len(a):
            outs.append(a[i + 1])
        elif x.startswith("--out=") or x.startswith("--plot="):
            outs.append(x.split("=", 1)[1])
    return outs


def judge(case: Case, d: Path) -> tuple[str, str, str]:
    """(problem or "", command, outcome) of one case run in folder ``d``."""
    if case.setup:
        case.setup(d)
    if case.body is not None:
        problem, outcome = case.body(d)
        return problem, "(scripted, see benchmarks/adversarial_trial.py: " + case.name + ")", outcome
    before = snapshot(d)
    o = run_cli(case.argv, d, timeout=case.timeout, preexec=case.preexec)
    cmd = "flavomon " + " ".join(shlex.quote(a) for a in case.argv)
    after = snapshot(d)
    outcome = (f"rc={'timeout' if o.timed_out else o.rc} after {o.wall:.1f}s; stderr: "
               + (" | ".join(ln.strip() for ln in o.err.splitlines() if ln.strip())[-600:] or "(empty)"))
    if o.timed_out:
        return f"no answer within {case.timeout:g} s", cmd, outcome
    if "Traceback" in o.err or "Traceback" in o.out:
        return "traceback", cmd, outcome
    if o.rc == 0:
        outs = _outputs(case)
        allowed = set(outs) | set(case.may_change) | {x + ".ckpt/" for x in outs} | {x + ".lock" for x in outs}
        ch = changed(before, after, allowed)
        if ch:
            return "pre-existing file changed: " + ", ".join(ch), cmd, outcome
        if case.must_fail:
            return "accepted silently (must be refused)", cmd, outcome
        for x in outs:
            p = d / x
            if x.endswith(".nc"):
                prob = nc_sane(p)
            else:
                prob = None if (p.is_file() and not p.is_symlink() and p.stat().st_size > 0) else f"{x} missing/empty"
            if prob:
                return "rc 0 but " + prob, cmd, outcome
        if case.check:
            prob = case.check(d, o)
            if prob:
                return "rc 0 but " + prob, cmd, outcome
        return "", cmd, outcome
    if o.rc is not None and o.rc < 0:
        return f"killed by signal {-o.rc}", cmd, outcome
    prob = stderr_problem(o.err)
    if prob:
        return prob, cmd, outcome
    ch = changed(before, after, set(case.may_change))
    if ch:
        return "pre-existing file changed: " + ", ".join(ch), cmd, outcome
    if case.fail_within is not None and o.wall > case.fail_within:
        return f"refused only after {o.wall:.0f} s (validate before computing)", cmd, outcome
    if case.no_leftovers:
        new = sorted(set(after) - set(before))
        if new:
            return "refusal left new files: " + ", ".join(new[:5]), cmd, outcome
    if case.check_fail:
        prob = case.check_fail(d, o)
        if prob:
            return prob, cmd, outcome
    return "", cmd, outcome


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------
def bench_D(v, a=0.9):
    return np.exp(-2 * (1 - v) ** 2) - a


def write_csv(path: Path, v, D, header="v,D") -> None:
    path.write_text(header + "\n" + "".join(f"{float(x)!r},{float(y)!r}\n" for x, y in zip(v, D)))


def table(name="t.csv", n=41, scale=1.0, a=0.9, mutate=None):
    def setup(d: Path):
        v = np.linspace(-1, 1, n)
        D = scale * bench_D(v, a)
        if mutate:
            v, D = mutate(v.copy(), D.copy())
        write_csv(d / name, v, D)
    return setup


def write(name, data: bytes | str):
    def setup(d: Path):
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            p.write_text(data)
        else:
            p.write_bytes(data)
    return setup


def chain(*fns):
    def setup(d: Path):
        for f in fns:
            f(d)
    return setup


def fifo(name):
    return lambda d: os.mkfifo(d / name)


def symlink(name, target):
    return lambda d: os.symlink(target, d / name)


def npz(name, **arrays):
    def setup(d: Path):
        with open(d / name, "wb") as f:
            np.savez(f, **arrays)
    return setup


def pickled_npz(name):
    """An .npz whose arrays are pickled objects (loading it must not unpickle)."""
    def setup(d: Path):
        with open(d / name, "wb") as f:
            np.savez(f, v=np.array([{"v": 1}], dtype=object), D=np.array([None], dtype=object))
    return setup


def immutable(name):
    def setup(d: Path):
        (d / name).mkdir(exist_ok=True)
        subprocess.run(["chattr", "+i", str(d / name)], check=False, capture_output=True)
    return setup


def gamma_scaled(c: float, ref_table="t1.csv"):
    """Check: gamma_max of the table x c equals c * gamma_max of the unscaled table (to 1e-6)."""
    def check(d: Path, o: Outcome):
        ref = d / "ref.nc"
        r = run_cli(["modes", "--distribution", ref_table, *MODES, "--out", "ref.nc"], d)
        if r.rc != 0:
            return "reference run failed: " + r.err.strip()[-200:]
        g1 = float(load(ref, "gamma_max"))
        gc = float(load(d / "m.nc", "gamma_max"))
        rel = abs(gc / c - g1) / abs(g1)
        # scale invariance D -> cD, Omega -> c Omega [docs: scale-free physics]; 1e-6 per issue 12
        return None if rel < 1e-6 else f"gamma_max/c = {gc / c:.8g} vs {g1:.8g} unscaled (rel {rel:.1e})"
    return check


def nothing_computed(folder: str):
    """Check of a refusal: no result file was made in ``folder`` (the options were checked first)."""
    def check(d: Path, o: Outcome):
        made = sorted(p.name for p in (d / folder).rglob("*.nc")) if (d / folder).is_dir() else []
        return f"refused only after computing {', '.join(made)} (validate the whole configuration first)" if made else None
    return check


def t_end_reached(t_end: float):
    def check(d: Path, o: Outcome):
        t = load(d / "q.nc", "t")
        return None if abs(float(t[-1]) - t_end) < 1e-9 * max(1.0, t_end) else f"t ends at {float(t[-1]):g}, not {t_end:g}"
    return check


# ---------------------------------------------------------------------------------------------
# scripted cases (checkpoints, concurrency, signals)
# ---------------------------------------------------------------------------------------------
def _start(argv, d: Path):
    return subprocess.Popen(FLAVOMON + argv, cwd=d, env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True,
                            preexec_fn=_child_setup())


def _wait_for(pred, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return True
        time.sleep(0.1)
    return False


def _ckpt_files(d: Path, out="k.nc"):
    c = d / (out + ".ckpt")
    return sorted(c.glob("r*.npz")) if c.is_dir() else []


def killed_run(d: Path, argv, out="k.nc", sig=signal.SIGKILL, min_files=2, timeout=40.0):
    """Start a long QKE, wait for ``min_files`` realization checkpoints, send ``sig`` to the group."""
    p = _start(argv, d)
    ok = _wait_for(lambda: len(_ckpt_files(d, out)) >= min_files or p.poll() is not None, timeout)
    time.sleep(0.5)
    if sig == signal.SIGKILL:
        _kill_group(p.pid)
    else:
        os.kill(p.pid, sig)
    try:
        o, e = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        _kill_group(p.pid)
        o, e = p.communicate()
    time.sleep(0.3)
    return ok, p.returncode, e


_BASE_CKPT: dict[str, Path] = {}


def base_checkpoint(cache: Path) -> Path:
    """A folder holding the checkpoint of a killed long QKE (made once, copied per case)."""
    if "k" not in _BASE_CKPT:
        d = cache / "base_ckpt"
        d.mkdir(parents=True, exist_ok=True)
        killed_run(d, ["qke", "--distribution", BENCH, *QKE_LONG, "--out", "k.nc"])
        _BASE_CKPT["k"] = d
    return _BASE_CKPT["k"]


def damaged_ckpt_case(kind: str, cache_ref: list):
    def body(d: Path):
        base = base_checkpoint(cache_ref[0])
        if not (base / "k.nc.ckpt").is_dir() or not _ckpt_files(base):
            return "could not make a checkpoint to damage (killed run left none)", ""
        shutil.copytree(base / "k.nc.ckpt", d / "k.nc.ckpt", symlinks=True)
        files = _ckpt_files(d)
        f = files[-1]  # the realization the kill interrupted
        raw = f.read_bytes()
        if kind == "truncated":
            f.write_bytes(raw[: len(raw) // 2])
        elif kind == "bitflip":
            b = bytearray(raw)
            b[len(b) // 2] ^= 0x10
            f.write_bytes(bytes(b))
        elif kind == "garbage":
            f.write_bytes(os.urandom(len(raw)))
        elif kind == "empty":
            f.write_bytes(b"")
        elif kind in ("k_negative", "nan_state", "done_unfilled", "missing_key"):
            with np.load(f, allow_pickle=False) as z:
                arrs = {k: z[k] for k in z.files}
            if kind == "k_negative":
                arrs["k"] = np.asarray(-5, dtype=np.asarray(arrs.get("k", 0)).dtype)
            elif kind == "nan_state":
                u = np.array(arrs["u"], copy=True)
                u.flat[: max(1, u.size // 3)] = np.nan
                arrs["u"] = u
            elif kind == "done_unfilled":
                arrs["done"] = np.asarray(True)
            elif kind == "missing_key":
                arrs.pop("u", None)
            with open(f, "wb") as fh:
                np.savez(fh, **arrs)
        elif kind == "meta_garbage":
            (d / "k.nc.ckpt" / "meta.json").write_text("{not json")
        elif kind == "meta_missing":
            (d / "k.nc.ckpt" / "meta.json").unlink()
        elif kind == "ckpt_is_file":
            shutil.rmtree(d / "k.nc.ckpt")
            (d / "k.nc.ckpt").write_text("not a folder")
        elif kind == "ckpt_symlink":
            shutil.move(str(d / "k.nc.ckpt"), str(d / "elsewhere"))
            os.symlink("elsewhere", d / "k.nc.ckpt")
        elif kind == "immutable":
            subprocess.run(["chattr", "+i", str(d / "k.nc.ckpt")], check=False, capture_output=True)
        elif kind == "pickle_npz":
            with open(f, "wb") as fh:
                np.savez(fh, k=np.array([object()], dtype=object), u=np.zeros(3))
        before = snapshot(d)
        argv = ["qke", "--distribution", BENCH, *QKE_LONG, "--out", "k.nc", "--resume"]
        o = run_cli(argv, d, timeout=90)
        after = snapshot(d)
        subprocess.run(["chattr", "-i", str(d / "k.nc.ckpt")], check=False, capture_output=True)
        outcome = f"rc={'timeout' if o.timed_out else o.rc} after {o.wall:.1f}s; stderr: " + (
            " | ".join(ln.strip() for ln in o.err.splitlines() if ln.strip())[-500:] or "(empty)")
        if o.timed_out:
            return "no answer in 90 s", outcome
        if "Traceback" in o.err:
            return "traceback", outcome
        if o.rc == 0:
            if kind in ("truncated", "bitflip", "garbage", "empty", "k_negative", "nan_state", "done_unfilled",
                        "missing_key", "pickle_npz"):
                prob = nc_sane(d / "k.nc")
                if prob:
                    return "rc 0 but " + prob, outcome
                # a damaged realization may only be used if it was recomputed: compare with a clean run
                ref = d / "ref"
                ref.mkdir()
                r = run_cli(["qke", "--distribution", BENCH, *QKE_LONG, "--out", "k.nc"], ref, timeout=120)
                if r.rc != 0:
                    return "reference run failed", outcome
                if not np.array_equal(load(d / "k.nc", "D"), load(ref / "k.nc", "D")):
                    return "rc 0 but D differs from an undamaged run (damaged checkpoint used)", outcome
            return "", outcome
        prob = stderr_problem(o.err)
        if prob:
            return prob, outcome
        ch = changed(before, after, set())
        if ch and kind not in ():
            return "pre-existing file changed: " + ", ".join(ch[:4]), outcome
        return "", outcome
    return body


def rerun_without_resume(cache_ref):
    def body(d: Path):
        base = base_checkpoint(cache_ref[0])
        shutil.copytree(base / "k.nc.ckpt", d / "k.nc.ckpt", symlinks=True)
        before = snapshot(d)
        o = run_cli(["qke", "--distribution", BENCH, *QKE_LONG, "--t-end", "5", "--out", "k.nc"], d, timeout=60)
        after = snapshot(d)
        outcome = f"rc={o.rc} after {o.wall:.1f}s; stderr: {' | '.join(o.err.strip().splitlines())[-400:]}"
        ch = changed(before, after, set())
        if ch:
            return "existing checkpoint changed or deleted: " + ", ".join(ch[:4]), outcome
        if o.rc == 0:
            return "", outcome  # ran elsewhere / kept the checkpoint untouched
        if "Traceback" in o.err or stderr_problem(o.err):
            return "not a one-line error", outcome
        return "", outcome
    return body


def foreign_file_in_ckpt(d: Path):
    (d / "k.nc.ckpt").mkdir()
    (d / "k.nc.ckpt" / "notes.txt").write_text("my notes\n")
    (d / "k.nc.ckpt" / "r0000.npz").write_bytes(b"user data, not a checkpoint")
    before = snapshot(d)
    o = run_cli(["qke", "--distribution", BENCH, *QKE, "--out", "k.nc"], d, timeout=60)
    after = snapshot(d)
    outcome = f"rc={o.rc} after {o.wall:.1f}s; stderr: {' | '.join(o.err.strip().splitlines())[-400:]}"
    ch = changed(before, after, {"k.nc"})
    if ch:
        return "files the run did not create were changed/deleted: " + ", ".join(ch), outcome
    if o.rc != 0 and ("Traceback" in o.err or stderr_problem(o.err)):
        return "not a one-line error", outcome
    return "", outcome


def resume_changed_option(cache_ref):
    def body(d: Path):
        base = base_checkpoint(cache_ref[0])
        shutil.copytree(base / "k.nc.ckpt", d / "k.nc.ckpt", symlinks=True)
        before = snapshot(d)
        argv = ["qke", "--distribution", BENCH, *QKE_LONG, "--seed", "7", "--out", "k.nc", "--resume"]
        o = run_cli(argv, d, timeout=60)
        after = snapshot(d)
        outcome = f"rc={o.rc} after {o.wall:.1f}s; stderr: {' | '.join(o.err.strip().splitlines())[-400:]}"
        if o.rc == 0:
            return "resume with a changed --seed accepted", outcome
        if "Traceback" in o.err or stderr_problem(o.err):
            return "not a one-line error", outcome
        ch = changed(before, after, set())
        return ("checkpoint changed: " + ", ".join(ch)) if ch else "", outcome
    return body


def concurrent_same_out(d: Path):
    """Two identical QKE runs on one --out at once: both succeed with the same result, or one is refused."""
    argv = ["qke", "--distribution", BENCH, *QKE_LONG, "--t-end", "300", "--out", "k.nc"]
    p1 = _start(argv, d)
    time.sleep(1.5)
    p2 = _start(argv, d)
    try:
        o1, e1 = p1.communicate(timeout=120)
        o2, e2 = p2.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        _kill_group(p1.pid), _kill_group(p2.pid)
        return "no answer in 120 s", ""
    outcome = f"rc1={p1.returncode} rc2={p2.returncode}; stderr1: {e1.strip()[-200:]} | stderr2: {e2.strip()[-300:]}"
    if "Traceback" in e1 + e2:
        return "traceback", outcome
    for rc, e in ((p1.returncode, e1), (p2.returncode, e2)):
        if rc != 0 and stderr_problem(e):
            return "not a one-line error", outcome
    if p1.returncode != 0 and p2.returncode != 0:
        return "both runs failed", outcome
    prob = nc_sane(d / "k.nc")
    return (prob or ""), outcome


def concurrent_mixed_resume(d: Path):
    """Issue 12 cause 2: run A (seed 0) and B (seed 5) on one output, both killed; B --resume must be
    refused or equal a clean seed-5 run."""
    a = ["qke", "--distribution", BENCH, *QKE_LONG, "--out", "k.nc"]
    b = a + ["--seed", "5"]
    pa = _start(a, d)
    _wait_for(lambda: len(_ckpt_files(d)) >= 1 or pa.poll() is not None, 30)
    time.sleep(1.0)
    pb = _start(b, d)
    time.sleep(3.0)
    _kill_group(pa.pid), _kill_group(pb.pid)
    ea = pa.communicate()[1]
    eb = pb.communicate()[1]
    o = run_cli(b + ["--resume"], d, timeout=120)
    outcome = (f"A rc={pa.returncode}, B rc={pb.returncode} ({eb.strip()[-200:]}); resume rc={o.rc}: "
               f"{o.err.strip()[-300:]}")
    if "Traceback" in o.err:
        return "traceback on resume", outcome
    if o.rc != 0:
        return (stderr_problem(o.err) or ""), outcome
    ref = d / "ref"
    ref.mkdir()
    r = run_cli(b, ref, timeout=120)
    if r.rc != 0:
        return "reference run failed", outcome
    if not np.array_equal(load(d / "k.nc", "D"), load(ref / "k.nc", "D")):
        diff = float(np.nanmax(np.abs(load(d / "k.nc", "D") - load(ref / "k.nc", "D"))))
        return f"resume returned 0 with D off by {diff:.3g} from a clean seed-5 run", outcome
    return "", outcome


def concurrent_modes(d: Path):
    argv = ["modes", "--distribution", BENCH, *MODES, "--out", "m.nc"]
    ps = [_start(argv, d) for _ in range(3)]
    res = [(p.communicate(timeout=60), p.returncode) for p in ps]
    outcome = "; ".join(f"rc={rc}: {e.strip()[-150:]}" for (o, e), rc in res)
    if any("Traceback" in e for (o, e), rc in res):
        return "traceback", outcome
    if any(rc != 0 and stderr_problem(e) for (o, e), rc in res):
        return "not a one-line error", outcome
    if all(rc != 0 for _, rc in res):
        return "all failed", outcome
    leftovers = [p.name for p in d.iterdir() if p.name not in ("m.nc", "m.nc.lock")]
    if leftovers:
        return f"left temporary files {leftovers}", outcome
    return (nc_sane(d / "m.nc") or ""), outcome


def signal_case(sig, argv_fn, expect_rc, then_resume=False, compare=False):
    def body(d: Path):
        argv = argv_fn()
        p = _start(argv, d)
        if argv[0] == "qke":
            _wait_for(lambda: len(_ckpt_files(d)) >= 1 or p.poll() is not None, 40)
            time.sleep(0.7)
        else:
            time.sleep(4.0)
        if p.poll() is not None:
            return "finished before the signal (case too short)", ""
        os.kill(p.pid, sig)
        try:
            o, e = p.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            _kill_group(p.pid)
            o, e = p.communicate()
            return f"still running 40 s after signal {sig}", e.strip()[-300:]
        time.sleep(1.0)
        alive = _group_alive(p.pid)
        _kill_group(p.pid)
        outcome = f"rc={p.returncode}; stderr: {' | '.join(e.strip().splitlines())[-400:]}"
        if "Traceback" in e or "Traceback" in o:
            return "traceback after the signal", outcome
        if alive:
            return f"{len(alive)} child process(es) left alive after the signal", outcome
        if p.returncode != expect_rc:
            return f"exit status {p.returncode}, expected {expect_rc}", outcome
        if stderr_problem(e):
            return stderr_problem(e), outcome
        if then_resume:
            r = run_cli(argv + ["--resume"], d, timeout=150)
            outcome += f"; resume rc={r.rc}"
            if r.rc != 0:
                return "resume failed: " + r.err.strip()[-200:], outcome
            if compare:
                ref = d / "ref"
                ref.mkdir()
                rr = run_cli(argv, ref, timeout=150)
                if rr.rc != 0 or not np.array_equal(load(d / "k.nc", "D"), load(ref / "k.nc", "D")):
                    return "resumed result differs from an uninterrupted run", outcome
        return "", outcome
    return body


def sigkill_orphans(d: Path):
    """kill -9 of the qke parent only: its workers must not outlive it."""
    argv = ["qke", "--distribution", BENCH, *QKE_LONG, "--workers", "2", "--realizations", "4", "--out", "k.nc"]
    argv = [a for a in argv]
    # the later --workers/--realizations win in argparse
    p = _start(argv, d)
    _wait_for(lambda: len(_ckpt_files(d)) >= 1 or p.poll() is not None, 40)
    time.sleep(0.5)
    os.kill(p.pid, signal.SIGKILL)
    p.communicate()
    time.sleep(5.0)
    alive = _group_alive(p.pid)
    _kill_group(p.pid)
    outcome = f"parent killed; {len(alive)} process(es) of its group alive 5 s later"
    return (f"orphans: {len(alive)} process(es) alive 5 s after kill -9 of the parent" if alive else ""), outcome


REPRO_LONG = [*REPRO[: REPRO.index("--t-end")], "--t-end", "600", *REPRO[REPRO.index("--t-end") + 2:],
              "--checkpoint-every", "0.3"]


def reproduce_damaged_piece(d: Path):
    """A reproduce killed inside its QKE piece, the piece's checkpoint damaged: the same command
    again must recover (recompute the piece) -- at worst after one one-line refusal."""
    argv = ["reproduce", "--out", "rep", *REPRO_LONG]
    p = _start(argv, d)
    ok = _wait_for(lambda: any((d / "rep").glob("*.ckpt/r*.npz")) or p.poll() is not None, 90)
    _kill_group(p.pid)
    p.communicate()
    files = sorted((d / "rep").glob("*.ckpt/r*.npz"))
    if not files:
        return "could not kill reproduce inside its QKE piece (no checkpoint)", f"waited ok={ok}"
    files[-1].write_bytes(files[-1].read_bytes()[:100])  # truncated
    outs = []
    for attempt in (1, 2):
        o = run_cli(argv, d, timeout=180)
        outs.append(o)
        if o.rc == 0:
            break
    outcome = "; ".join(f"rerun {i + 1}: rc={o.rc} {o.err.strip().splitlines()[-1][:200] if o.err.strip() else ''}"
                        for i, o in enumerate(outs))
    if any("Traceback" in o.err for o in outs):
        return "traceback", outcome
    if outs[-1].rc != 0:
        return "the same command never recovers from the damaged piece checkpoint", outcome
    if len(outs) == 2 and stderr_problem(outs[0].err):
        return "first rerun: " + stderr_problem(outs[0].err), outcome
    return (nc_sane(d / "rep" / "qke_a0.9.nc") or ""), outcome


def reproduce_rerun_identical(d: Path):
    """Done-when 4: a reproduce rerun reuses every piece and leaves every result file unchanged."""
    argv = ["reproduce", "--out", "rep", *REPRO]
    o1 = run_cli(argv, d, timeout=180)
    if o1.rc != 0:
        return "first run failed: " + o1.err.strip()[-200:], ""
    before = {k: v for k, v in snapshot(d / "rep").items() if k.endswith(".nc")}
    o2 = run_cli(argv, d, timeout=180)
    after = {k: v for k, v in snapshot(d / "rep").items() if k.endswith(".nc")}
    outcome = f"run 1 {o1.wall:.0f} s, rerun rc={o2.rc} {o2.wall:.0f} s"
    if o2.rc != 0:
        return "rerun failed: " + o2.err.strip()[-200:], outcome
    ch = changed(before, after, set())
    return (("rerun rewrote " + ", ".join(ch)) if ch else ""), outcome


def file_size_limit(nbytes: int):
    """Child set-up: files may not grow past ``nbytes`` (writes then fail with EFBIG, as on a full disk)."""
    def pre():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return pre


def closed_stdout_pipe(d: Path):
    r, w = os.pipe()
    os.close(r)
    try:
        o = run_cli(["modes", "--distribution", BENCH, *MODES, "--out", "m.nc"], d, stdout=w)
    finally:
        os.close(w)
    outcome = f"rc={o.rc}; stderr: {o.err.strip()[-300:]}"
    if "Traceback" in o.err or "Exception ignored" in o.err:
        return "traceback on a closed stdout pipe", outcome
    if o.rc != 0 and stderr_problem(o.err):
        return stderr_problem(o.err), outcome
    return (nc_sane(d / "m.nc") or ""), outcome


SWEEP_TOML = """[sweep]
name = "trial"
Nv = 16
methods = ["qke", "modes"]
workers = 1

[[distributions]]
family = "benchmark"
a = [0.9, 0.8]

[methods.qke]
Nz = 32
L = 20.0
t_end = {t_end}
realizations = 2
backend = "numpy"

[methods.modes]
n_K = 21
"""


def sweep_rerun_identical(d: Path):
    """Done-when 4: a sweep rerun skips every finished point and leaves the point files unchanged."""
    (d / "s.toml").write_text(SWEEP_TOML.format(t_end=20.0))
    argv = ["sweep", "s.toml", "--out", "out", "--no-progress"]
    o1 = run_cli(argv, d, timeout=180)
    if o1.rc != 0:
        return "first sweep failed: " + o1.err.strip()[-200:], ""
    before = snapshot(d / "out" / "points")
    o2 = run_cli(argv, d, timeout=180)
    after = snapshot(d / "out" / "points")
    outcome = f"run 1 rc=0 {o1.wall:.0f} s; rerun rc={o2.rc} {o2.wall:.0f} s: {o2.err.strip()[-200:]}"
    if o2.rc != 0:
        return "rerun failed", outcome
    ch = changed(before, after, set())
    return (("rerun rewrote " + ", ".join(ch)) if ch else (nc_sane(d / "out" / "sweep.nc") or "")), outcome


def sweep_sigint(d: Path):
    """Ctrl-C of a running sweep: one line, no Dask or worker tracebacks, no process left behind;
    the rerun finishes."""
    (d / "s.toml").write_text(SWEEP_TOML.format(t_end=3000.0))
    argv = ["sweep", "s.toml", "--out", "out", "--no-progress"]
    p = _start(argv, d)
    time.sleep(12.0)  # past the cluster start, inside the QKE points
    if p.poll() is not None:
        return "sweep finished or failed before the signal", p.communicate()[1].strip()[-300:]
    os.kill(p.pid, signal.SIGINT)
    try:
        o, e = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        _kill_group(p.pid)
        return "still running 60 s after SIGINT", ""
    time.sleep(2.0)
    alive = _group_alive(p.pid)
    _kill_group(p.pid)
    outcome = f"rc={p.returncode}; stderr: {' | '.join(e.strip().splitlines())[-500:]}"
    if "Traceback" in e:
        return "traceback after Ctrl-C", outcome
    if alive:
        return f"{len(alive)} process(es) alive 2 s after the sweep exited", outcome
    if p.returncode != 130:
        return f"exit status {p.returncode}, expected 130", outcome
    return (stderr_problem(e) or ""), outcome


def fifo_input_timeout(d: Path):
    os.mkfifo(d / "t.csv")
    o = run_cli(["modes", "--distribution", "t.csv", *MODES, "--out", "m.nc"], d, timeout=20)
    outcome = f"rc={'timeout' if o.timed_out else o.rc}; stderr: {o.err.strip()[-300:]}"
    if o.timed_out:
        return "hangs reading a FIFO given as the table", outcome
    if o.rc == 0 or "Traceback" in o.err or stderr_problem(o.err):
        return "not a one-line refusal", outcome
    return "", outcome


# ---------------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------------
def build_cases(cache_ref: list) -> list[Case]:
    C: list[Case] = []
    M = lambda spec, *extra, **kw: Case(argv=["modes", "--distribution", spec, *MODES, *extra, "--out", "m.nc"], **kw)  # noqa: E731

    # --- bad SPECs ------------------------------------------------------------------------
    for name, spec in [("junk value", "benchmark:a=abc"), ("unknown key", "benchmark:b=0.9"),
                       ("no params", "benchmark:"), ("unknown family", "nosuch:a=1"), ("a=nan", "benchmark:a=nan"),
                       ("a=inf", "benchmark:a=inf"), ("a=1e400", "benchmark:a=1e400"), ("empty SPEC", ""),
                       ("shell chars", "benchmark:a=0.9;rm -rf x"), ("unicode digits", "benchmark:a=\uff10.\uff19"),
                       ("spaces", " benchmark : a = 0.9 "), ("isotropic D0=0 (all zero)", "isotropic:D0=0"),
                       ("missing file", "nosuch.csv"), ("a=-1e3", "benchmark:a=-1e3")]:
        C.append(M(spec, cls="bad SPECs", name=name))

    # --- bad tables -----------------------------------------------------------------------
    nanrow = lambda v, D: (v, np.where(np.arange(D.size) == 5, np.nan, D))  # noqa: E731
    unsorted = lambda v, D: (v[::-1].copy() if False else np.r_[v[1::2], v[::2]], np.r_[D[1::2], D[::2]])  # noqa: E731
    outside = lambda v, D: (v * 1.5, D)  # noqa: E731
    for name, setup in [
        ("NaN row", table(mutate=nanrow)), ("empty file", write("t.csv", "")), ("header only", write("t.csv", "v,D\n")),
        ("unsorted v", table(mutate=unsorted)), ("v outside [-1,1]", table(mutate=outside)),
        ("one row", write("t.csv", "v,D\n0.5,0.1\n")), ("text in numbers", write("t.csv", "v,D\n-1,x\n0,1\n1,2\n")),
        ("binary garbage", write("t.csv", os.urandom(2000))), ("latin-1 header", write("t.csv", "v,D\xe9\n".encode("latin-1") + b"-1,0.1\n1,0.2\n")),
        ("three columns", write("t.csv", "v,D,x\n-1,0.1,3\n0,0.2,3\n1,-0.1,3\n")),
        ("all-zero D", table(scale=0.0)), ("inf D", table(mutate=lambda v, D: (v, np.where(v > 0.9, np.inf, D)))),
        ("directory as table", lambda d: (d / "t.csv").mkdir()),
        ("symlink to /etc/passwd", symlink("t.csv", "/etc/passwd")),
    ]:
        C.append(M("t.csv", cls="bad tables", name=name, setup=setup))
    C.append(M("t.npz", cls="bad tables", name="npz complex D", must_fail=True,
               setup=npz("t.npz", v=np.linspace(-1, 1, 41), D=bench_D(np.linspace(-1, 1, 41)) * (1 + 0.3j))))
    C.append(M("t.npz", cls="bad tables", name="npz missing D", setup=npz("t.npz", v=np.linspace(-1, 1, 5))))
    C.append(M("t.npz", cls="bad tables", name="npz not a zip", setup=write("t.npz", b"PK\x03\x04garbage" * 30)))
    C.append(M("t.npz", cls="bad tables", name="npz with pickled object arrays", setup=pickled_npz("t.npz")))
    C.append(Case(cls="bad tables", name="FIFO as table (must not hang)", body=lambda d: fifo_input_timeout(d)))
    C.append(M("t.csv", cls="bad tables", name="200k-row table", timeout=60,
               setup=table(n=200_000)))

    # --- duplicates -----------------------------------------------------------------------
    C.append(M("benchmark:a=0.9,a=0.5", cls="duplicates", name="duplicate SPEC key", must_fail=True))
    C.append(M("shallow:a=0.95,a=0.95", cls="duplicates", name="duplicate SPEC key, same value", must_fail=True))
    C.append(M("t.csv", cls="duplicates", name="duplicate v rows", setup=table(mutate=lambda v, D: (np.r_[v[:5], v[4:]], np.r_[D[:5], D[4:]]))))
    C.append(Case(cls="duplicates", name="option given twice (last wins)",
                  argv=["modes", "--distribution", BENCH, "--n-K", "5", "--n-K", "21", "--out", "m.nc"],
                  check=lambda d, o: None if load(d / "m.nc", "K").size == 21 else "n-K not the last value"))
    C.append(Case(cls="duplicates", name="reproduce --a 0.9,0.9", timeout=120,
                  argv=["reproduce", "--out", "rep", *REPRO[:0], "--a", "0.9,0.9", *REPRO[2:]], outputs=()))

    # --- extreme options ------------------------------------------------------------------
    K = lambda *extra, **kw: Case(argv=["qke", "--distribution", BENCH, *QKE, *extra, "--out", "k.nc"], **kw)  # noqa: E731
    Q = lambda *extra, **kw: Case(argv=["qlt", "--distribution", BENCH, *QLT, *extra, "--out", "q.nc"], **kw)  # noqa: E731
    for name, extra in [("Nz 0", ["--Nz", "0"]), ("Nz -5", ["--Nz", "-5"]), ("Nz 1e3 (float)", ["--Nz", "1e3"]),
                        ("realizations 0", ["--realizations", "0"]), ("realizations -1", ["--realizations", "-1"]),
                        ("t-end 0", ["--t-end", "0"]), ("t-end -5", ["--t-end", "-5"]), ("t-end nan", ["--t-end", "nan"]),
                        ("t-end inf", ["--t-end", "inf"]), ("dt-out 0", ["--dt-out", "0"]), ("dt-out -1e-3", ["--dt-out", "-1e-3"]),
                        ("dt 0", ["--dt", "0"]), ("dt -1e-3", ["--dt", "-1e-3"]), ("dt 100", ["--dt", "100"]),
                        ("L 0", ["--L", "0"]), ("L -20", ["--L", "-20"]), ("seed -1", ["--seed", "-1"]),
                        ("seed-power 0", ["--seed-power", "0"]), ("seed-power 1e10", ["--seed-power", "1e10"]),
                        ("seed-power nan", ["--seed-power", "nan"]), ("workers 0", ["--workers", "0"]),
                        ("checkpoint-every -1", ["--checkpoint-every", "-1"]), ("Nv 1", ["--Nv", "1"])]:
        C.append(K(*extra, cls="extreme options", name="qke " + name))
    C.append(K("--checkpoint-every", "nan", cls="extreme options", name="qke checkpoint-every nan", must_fail=True))
    for name, extra, kw in [("n-K 1", ["--n-K", "1"], {}), ("k-min > k-max", ["--k-min", "2", "--k-max", "-2"], {}),
                            ("Nv 0", ["--Nv", "0"], {}), ("t-end -1e1", ["--t-end", "-1e1"], {}),
                            ("dt-out 3 with t-end 5", ["--dt-out", "3"], {"check": t_end_reached(5.0)}),
                            ("L nan", ["--L", "nan"], {}), ("k-min -1e300", ["--k-min", "-1e300"], {})]:
        C.append(Q(*extra, cls="extreme options", name="qlt " + name, **kw))
    for name, extra in [("K-min -1e-3 (exponent form)", ["--K-min", "-1e-3", "--K-max", "0.5"]),
                        ("K-min=-1E-3", ["--K-min=-1E-3", "--K-max", "0.5"]),
                        ("K-min > K-max", ["--K-min", "1", "--K-max", "-1"]), ("K-min = K-max", ["--K-min", "0", "--K-max", "0"]),
                        ("n-K 1", ["--n-K", "1"]), ("n-K 0", ["--n-K", "0"]), ("K-min -inf", ["--K-min", "-inf"]),
                        ("Nv 0", ["--Nv", "0"]), ("Nv -3", ["--Nv", "-3"])]:
        C.append(M(BENCH, *extra, cls="extreme options", name="modes " + name))
    C.append(Case(cls="extreme options", name="qlt k-min -2e0 (exponent form)",
                  argv=["qlt", "--distribution", BENCH, *QLT, "--k-min", "-2e0", "--out", "q.nc"]))
    C.append(Case(cls="extreme options", name="reproduce --n-K 1 (refuse before computing)", fail_within=15, timeout=120,
                  argv=["reproduce", "--out", "rep", *REPRO, "--n-K", "1"], outputs=(), check_fail=nothing_computed("rep")))
    C.append(Case(cls="extreme options", name="reproduce --Nz 0 (refuse before computing)", fail_within=15, timeout=120,
                  argv=["reproduce", "--out", "rep", *REPRO, "--Nz", "0"], outputs=(), check_fail=nothing_computed("rep")))
    for name, extra in [("--modes-n-K 1", ["--modes-n-K", "1"]), ("--dt-out 0", ["--dt-out", "0"]),
                        ("--realizations 0", ["--realizations", "0"]), ("--Nv 2", ["--Nv", "2"])]:
        C.append(Case(cls="extreme options", name=f"reproduce {name} (refuse before computing)", fail_within=15,
                      timeout=120, argv=["reproduce", "--out", "rep", *REPRO, *extra], outputs=(),
                      check_fail=nothing_computed("rep")))
    C.append(Case(cls="extreme options", name="reproduce --t-end -1 (refuse before computing)", fail_within=15, timeout=120,
                  argv=["reproduce", "--out", "rep", *REPRO, "--t-end", "-1"], outputs=(), check_fail=nothing_computed("rep")))

    # --- infeasible sizes -----------------------------------------------------------------
    for name, argv in [("qke Nz 1e8", ["qke", "--distribution", BENCH, *QKE, "--Nz", "100000000", "--out", "k.nc"]),
                       ("qke Nv 1e5", ["qke", "--distribution", BENCH, *QKE, "--Nv", "100000", "--out", "k.nc"]),
                       ("qke realizations 1e8", ["qke", "--distribution", BENCH, *QKE, "--realizations", "100000000", "--out", "k.nc"]),
                       ("qke t-end 1e12", ["qke", "--distribution", BENCH, *QKE, "--t-end", "1e12", "--out", "k.nc"]),
                       ("modes n-K 1e9", ["modes", "--distribution", BENCH, "--n-K", "1000000000", "--out", "m.nc"]),
                       ("qlt n-K 1e8", ["qlt", "--distribution", BENCH, *QLT, "--n-K", "100000000", "--out", "q.nc"]),
                       ("qlt Nv 1e6", ["qlt", "--distribution", BENCH, *QLT, "--Nv", "1000000", "--out", "q.nc"])]:
        C.append(Case(cls="infeasible sizes", name=name, argv=argv, timeout=45, fail_within=20,
                      check=lambda d, o: None))

    # --- scale extremes -------------------------------------------------------------------
    for c in (1e-12, 1e12):
        C.append(Case(cls="scale extremes", name=f"modes table x {c:g}",
                      setup=chain(table("t.csv", scale=c), table("t1.csv")),
                      argv=["modes", "--distribution", "t.csv", *MODES, "--out", "m.nc"], check=gamma_scaled(c)))
    C.append(Case(cls="scale extremes", name="qke table x 1e30 (automatic dt)", setup=table("t.csv", scale=1e30), timeout=45,
                  argv=["qke", "--distribution", "t.csv", *QKE, "--out", "k.nc"]))
    C.append(Case(cls="scale extremes", name="qlt table x 1e-12", setup=table("t.csv", scale=1e-12), timeout=45,
                  argv=["qlt", "--distribution", "t.csv", *QLT, "--out", "q.nc"]))
    C.append(Case(cls="scale extremes", name="modes isotropic:D0=1e300", argv=["modes", "--distribution", "isotropic:D0=1e300", *MODES, "--out", "m.nc"]))
    C.append(Case(cls="scale extremes", name="modes table x 1e-300", setup=chain(table("t.csv", scale=1e-300), table("t1.csv")),
                  argv=["modes", "--distribution", "t.csv", *MODES, "--out", "m.nc"], check=gamma_scaled(1e-300)))

    # --- hostile output paths -------------------------------------------------------------
    H = "hostile output paths"
    C.append(M(BENCH, cls=H, name="modes --out FIFO", setup=fifo("m.nc"), timeout=20))
    C.append(Case(cls=H, name="qke --out FIFO", setup=fifo("k.nc"), timeout=30,
                  argv=["qke", "--distribution", BENCH, *QKE, "--out", "k.nc"]))
    C.append(Case(cls=H, name="qlt --out FIFO", setup=fifo("q.nc"), timeout=30,
                  argv=["qlt", "--distribution", BENCH, *QLT, "--out", "q.nc"]))
    C.append(M(BENCH, cls=H, name="modes --out symlink to a file", setup=chain(write("data.csv", "precious\n"), symlink("m.nc", "data.csv"))))
    C.append(M(BENCH, cls=H, name="modes --out dangling symlink", setup=symlink("m.nc", "nowhere/x.nc")))
    C.append(M(BENCH, cls=H, name="modes --out symlink to /dev/null", setup=symlink("m.nc", "/dev/null")))
    C.append(Case(cls=H, name="modes --out = its input table", setup=table("t.csv"),
                  argv=["modes", "--distribution", "t.csv", *MODES, "--out", "t.csv"]))
    C.append(Case(cls=H, name="modes --out = hard link of the input", setup=chain(table("t.csv"), lambda d: os.link(d / "t.csv", d / "m.nc")),
                  argv=["modes", "--distribution", "t.csv", *MODES, "--out", "m.nc"]))
    C.append(M(BENCH, cls=H, name="modes --out a directory", setup=lambda d: (d / "m.nc").mkdir()))
    C.append(Case(cls=H, name="modes --out missing folder", argv=["modes", "--distribution", BENCH, *MODES, "--out", "no/such/m.nc"]))
    C.append(Case(cls=H, name="modes --out empty", argv=["modes", "--distribution", BENCH, *MODES, "--out", ""]))
    C.append(Case(cls=H, name="modes --out trailing slash", argv=["modes", "--distribution", BENCH, *MODES, "--out", "m.nc/"]))
    C.append(Case(cls=H, name="modes --out in an immutable folder", setup=immutable("ro"),
                  argv=["modes", "--distribution", BENCH, *MODES, "--out", "ro/m.nc"]))
    C.append(Case(cls=H, name="qke --out in an immutable folder", setup=immutable("ro"),
                  argv=["qke", "--distribution", BENCH, *QKE, "--out", "ro/k.nc"]))
    C.append(Case(cls=H, name="modes --out over an existing result (rerun)", setup=write("m.nc", b"old"), may_change=("m.nc",),
                  argv=["modes", "--distribution", BENCH, *MODES, "--out", "m.nc"]))
    C.append(Case(cls=H, name="modes --plot FIFO", setup=fifo("p.png"), timeout=30,
                  argv=["modes", "--distribution", BENCH, *MODES, "--out", "m.nc", "--plot", "p.png"]))
    C.append(Case(cls=H, name="modes --plot = --out", argv=["modes", "--distribution", BENCH, *MODES, "--out", "m.nc", "--plot", "m.nc"],
                  must_fail=True))
    C.append(Case(cls=H, name="plot --out symlink to the input's neighbour",
                  setup=chain(write("data.csv", "precious\n"), symlink("link.png", "data.csv"), lambda d: run_cli(["modes", "--distribution", BENCH, *MODES, "--out", "m.nc"], d)),
                  argv=["plot", "m.nc", "--out", "link.png"], may_change=()))
    C.append(Case(cls=H, name="plot --out = its input", setup=lambda d: run_cli(["modes", "--distribution", BENCH, *MODES, "--out", "m.nc"], d),
                  argv=["plot", "m.nc", "--out", "m.nc"]))
    C.append(Case(cls=H, name="plot --out FIFO", setup=chain(fifo("p.png"), lambda d: run_cli(["modes", "--distribution", BENCH, *MODES, "--out", "m.nc"], d)),
                  argv=["plot", "m.nc", "--out", "p.png"], timeout=30))
    C.append(Case(cls=H, name="reproduce --out is a file", setup=write("rep", "a file\n"), timeout=60,
                  argv=["reproduce", "--out", "rep", *REPRO], outputs=()))
    C.append(Case(cls=H, name="reproduce --out is a symlink", setup=lambda d: ((d / "real").mkdir(), os.symlink("real", d / "rep")), timeout=60,
                  argv=["reproduce", "--out", "rep", *REPRO], outputs=()))
    C.append(Case(cls=H, name="sweep --out is a file", setup=chain(write("s", "x"), write("c.toml", '[sweep]\nmethods=["modes"]\nNv=16\n[[distributions]]\nspecs=["benchmark:a=0.9"]\n')),
                  argv=["sweep", "c.toml", "--out", "s", "--no-progress"], timeout=90, outputs=()))

    C.append(Case(cls=H, name="modes --out, disk full (file size limit 20 kB)", preexec=file_size_limit(20_000), no_leftovers=True,
                  argv=["modes", "--distribution", BENCH, *MODES, "--out", "m.nc"]))
    # (the finished ensemble's checkpoint is kept on purpose: --resume after freeing space costs nothing)
    C.append(Case(cls=H, name="qke --out, disk full (file size limit 20 kB)", preexec=file_size_limit(20_000),
                  argv=["qke", "--distribution", BENCH, *QKE, "--out", "k.nc"]))
    C.append(Case(cls=H, name="modes --out name too long", argv=["modes", "--distribution", BENCH, *MODES, "--out", "m" * 300 + ".nc"]))
    C.append(Case(cls=H, name="modes with stdout a closed pipe", body=closed_stdout_pipe))

    # --- formats ----------------------------------------------------------------------------
    F = "formats"
    C.append(Case(cls=F, name="modes --plot p.xyz", argv=["modes", "--distribution", BENCH, *MODES, "--out", "m.nc", "--plot", "p.xyz"],
                  fail_within=10))
    C.append(Case(cls=F, name="modes --plot without extension", argv=["modes", "--distribution", BENCH, *MODES, "--out", "m.nc", "--plot", "p"]))
    C.append(Case(cls=F, name="modes --plot p.PDF", argv=["modes", "--distribution", BENCH, *MODES, "--out", "m.nc", "--plot", "p.PDF"]))
    C.append(Case(cls=F, name="plot --out q.xyz", setup=lambda d: run_cli(["modes", "--distribution", BENCH, *MODES, "--out", "m.nc"], d),
                  argv=["plot", "m.nc", "--out", "q.xyz"]))
    C.append(Case(cls=F, name="plot of a CSV", setup=table("t.csv"), argv=["plot", "t.csv", "--out", "p.png"]))
    C.append(Case(cls=F, name="plot of garbage .nc", setup=write("g.nc", os.urandom(3000)), argv=["plot", "g.nc", "--out", "p.png"]))
    C.append(Case(cls=F, name="plot of a truncated .nc",
                  setup=lambda d: (run_cli(["modes", "--distribution", BENCH, *MODES, "--out", "m.nc"], d),
                                   (d / "m.nc").write_bytes((d / "m.nc").read_bytes()[:2000])),
                  argv=["plot", "m.nc", "--out", "p.png"]))
    C.append(Case(cls=F, name="plot of a missing file", argv=["plot", "nosuch.nc", "--out", "p.png"]))
    C.append(Case(cls=F, name="plot of a FIFO", setup=fifo("f.nc"), argv=["plot", "f.nc", "--out", "p.png"], timeout=20))
    C.append(Case(cls=F, name="sweep binary TOML", setup=write("c.toml", os.urandom(500)), argv=["sweep", "c.toml", "--out", "s"], outputs=()))
    C.append(Case(cls=F, name="sweep TOML syntax error", setup=write("c.toml", "[sweep\nname=\n"), argv=["sweep", "c.toml", "--out", "s"], outputs=()))
    C.append(Case(cls=F, name="sweep TOML unknown method", setup=write("c.toml", '[sweep]\nmethods=["magic"]\n[[distributions]]\nspecs=["benchmark:a=0.9"]\n'),
                  argv=["sweep", "c.toml", "--out", "s"], outputs=()))
    C.append(Case(cls=F, name="sweep TOML is a directory", setup=lambda d: (d / "c.toml").mkdir(), argv=["sweep", "c.toml", "--out", "s"], outputs=()))
    C.append(Case(cls=F, name="sweep TOML duplicate key", setup=write("c.toml", '[sweep]\nNv=16\nNv=32\nmethods=["modes"]\n[[distributions]]\nspecs=["benchmark:a=0.9"]\n'),
                  argv=["sweep", "c.toml", "--out", "s"], outputs=()))

    # --- damaged checkpoints --------------------------------------------------------------
    for kind in ("truncated", "bitflip", "garbage", "empty", "k_negative", "nan_state", "done_unfilled", "missing_key",
                 "pickle_npz", "meta_garbage", "meta_missing", "ckpt_is_file", "ckpt_symlink", "immutable"):
        C.append(Case(cls="damaged checkpoints", name=kind, body=damaged_ckpt_case(kind, cache_ref)))

    # --- reruns without --resume ----------------------------------------------------------
    C.append(Case(cls="reruns without --resume", name="qke rerun over a killed run's checkpoint", body=rerun_without_resume(cache_ref)))
    C.append(Case(cls="reruns without --resume", name="qke with foreign files in OUT.ckpt", body=foreign_file_in_ckpt))
    C.append(Case(cls="reruns without --resume", name="qke --resume with a changed --seed", body=resume_changed_option(cache_ref)))
    C.append(Case(cls="reruns without --resume", name="reproduce rerun reuses all, files unchanged", body=reproduce_rerun_identical))
    C.append(Case(cls="damaged checkpoints", name="reproduce piece checkpoint truncated, rerun", body=reproduce_damaged_piece))
    C.append(Case(cls="reruns without --resume", name="sweep rerun skips all, point files unchanged", body=sweep_rerun_identical))
    C.append(Case(cls="reruns without --resume", name="qke --resume with no checkpoint",
                  argv=["qke", "--distribution", BENCH, *QKE, "--out", "k.nc", "--resume"]))

    # --- concurrent runs ------------------------------------------------------------------
    C.append(Case(cls="concurrent runs", name="two identical qke on one --out", body=concurrent_same_out))
    C.append(Case(cls="concurrent runs", name="seed 0 and seed 5 on one --out, killed, resume", body=concurrent_mixed_resume))
    C.append(Case(cls="concurrent runs", name="three modes on one --out", body=concurrent_modes))

    # --- signals --------------------------------------------------------------------------
    long_qke = lambda: ["qke", "--distribution", BENCH, *QKE_LONG, "--out", "k.nc"]  # noqa: E731
    C.append(Case(cls="signals", name="qke SIGINT, then --resume bit-identical",
                  body=signal_case(signal.SIGINT, long_qke, 130, then_resume=True, compare=True)))
    C.append(Case(cls="signals", name="sweep SIGINT", body=sweep_sigint))
    C.append(Case(cls="signals", name="qke SIGTERM", body=signal_case(signal.SIGTERM, long_qke, 143)))
    C.append(Case(cls="signals", name="qke kill -9 of the parent (orphans)", body=sigkill_orphans))
    C.append(Case(cls="signals", name="qlt SIGINT", body=signal_case(
        signal.SIGINT, lambda: ["qlt", "--distribution", BENCH, "--Nv", "200", "--n-K", "6000", "--t-end", "500", "--no-progress", "--out", "q.nc"], 130)))
    C.append(Case(cls="signals", name="modes SIGINT", body=signal_case(
        signal.SIGINT, lambda: ["modes", "--distribution", BENCH, "--n-K", "6000", "--out", "m.nc"], 130)))
    return C


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=None, help="comma-separated case classes (substring match)")
    ap.add_argument("--name", default=None, help="run only cases whose name contains this")
    ap.add_argument("--bad-md", default=None, help="also write the table and the bad cases to this Markdown file")
    ap.add_argument("--keep", default=None, help="keep the case folders under this directory")
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args(argv)

    root = Path(opts.keep or tempfile.mkdtemp(prefix="flavomon-trial-"))
    root.mkdir(parents=True, exist_ok=True)
    cache_ref = [root / "_cache"]
    cases = build_cases(cache_ref)
    if opts.only:
        keys = [k.strip() for k in opts.only.split(",")]
        cases = [c for c in cases if any(k in c.cls for k in keys)]
    if opts.name:
        cases = [c for c in cases if opts.name in c.name]
    t0 = time.monotonic()
    results = []
    for i, c in enumerate(cases):
        d = root / f"{i:03d}"
        d.mkdir(parents=True, exist_ok=True)
        t1 = time.monotonic()
        try:
            problem, cmd, outcome = judge(c, d)
        except Exception as e:  # noqa: BLE001 -- a broken case is reported, not fatal
            problem, cmd, outcome = f"trial harness error: {type(e).__name__}: {e}", c.name, ""
        finally:
            subprocess.run(["chattr", "-R", "-i", str(d)], check=False, capture_output=True)
        results.append((c, problem, cmd, outcome))
        if opts.verbose:
            print(f"[{i + 1}/{len(cases)} {time.monotonic() - t1:5.1f}s] {'BAD ' if problem else 'ok  '} {c.cls}: {c.name}"
                  + (f" -- {problem}" if problem else "") + f"\n        {outcome[:400]}", file=sys.stderr, flush=True)

    classes: dict[str, list[int]] = {}
    for c, problem, _, _ in results:
        s = classes.setdefault(c.cls, [0, 0, 0])
        s[0] += 1
        s[1 if not problem else 2] += 1
    lines = ["| case class | cases | handled well | bad |", "|---|---:|---:|---:|"]
    tot = [0, 0, 0]
    for k, (n, good, bad) in classes.items():
        lines.append(f"| {k} | {n} | {good} | {bad} |")
        tot = [tot[0] + n, tot[1] + good, tot[2] + bad]
    lines.append(f"| **total** | **{tot[0]}** | **{tot[1]}** | **{tot[2]}** |")
    table_md = "\n".join(lines)
    bad_md = [f"\n## Bad cases ({tot[2]})\n"]
    for c, problem, cmd, outcome in results:
        if problem:
            bad_md.append(f"- **{c.cls} / {c.name}**: {problem}\n  - command: `{cmd}`\n  - outcome: {outcome}")
    text = (f"# flavomon adversarial trial ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{time.monotonic() - t0:.0f} s)\n\n{table_md}\n" + "\n".join(bad_md) + "\n")
    print(text)
    if opts.bad_md:
        Path(opts.bad_md).write_text(text)
    if not opts.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if tot[2] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
