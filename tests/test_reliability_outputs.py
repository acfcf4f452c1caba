"""Issue 12, cause 1: ``--out`` never replaces a special file, never follows a link out, never overwrites an input.

Every command and every output goes through the one path check (:func:`flavomon.io.files.check_output_path`,
:func:`~flavomon.io.files.check_figure_path` for figures) before any computation, and the one atomic writer
refuses once more, just before its ``os.replace``, anything that is not a regular file.  Tests cannot mknod a
device node: a FIFO and a symbolic link stand in for it.  Each refusal is a one-line error (no traceback), exit
status 2, and no existing file changes (bytes and mtime compared).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from flavomon.cli.main import main
from flavomon.errors import FlavomonInputError
from flavomon.io.files import OutputLock, atomic_write_bytes, save_figure

MODES = ["modes", "--distribution", "benchmark:a=0.9", "--n-K", "11", "--K-min", "-2", "--K-max", "-1"]
QKE = ["qke", "--distribution", "benchmark:a=0.9", "--Nz", "32", "--L", "20", "--Nv", "16", "--t-end", "5",
       "--realizations", "2", "--backend", "numpy", "--workers", "1", "--no-progress"]


def _snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry of ``folder``: kind, target or bytes, mtime (links are not followed)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = os.lstat(p)
        if p.is_symlink():
            out[p.name] = ("link", os.readlink(p), st.st_mtime_ns)
        elif p.is_fifo():
            out[p.name] = ("fifo", st.st_mtime_ns)
        elif p.is_file():
            out[p.name] = ("file", p.read_bytes(), st.st_mtime_ns)
        else:
            out[p.name] = ("dir",)
    return out


def _one_line_error(capsys, rc, *words):
    err = capsys.readouterr().err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert rc == 2 and len(lines) == 1 and "Traceback" not in err and "error:" in lines[0], err
    for w in words:
        assert w in lines[0], (w, err)


@pytest.fixture
def place(tmp_path):
    """tmp_path with a table t.csv, a FIFO, and links to a copy of the table (keep.csv)."""
    v = np.linspace(-1, 1, 41)
    text = "v,D\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(v, np.exp(-2 * (1 - v) ** 2) - 0.9))
    (tmp_path / "t.csv").write_text(text)
    (tmp_path / "keep.csv").write_text(text)
    os.mkfifo(tmp_path / "fifo")
    for name in ("link.png", "link.nc"):
        (tmp_path / name).symlink_to("keep.csv")
    (tmp_path / "dangling.nc").symlink_to(tmp_path / "nowhere" / "x.nc")
    return tmp_path


CASES = {
    "modes --out FIFO": (MODES, ["--out", "fifo"], "FIFO"),
    "modes --out link": (MODES, ["--out", "link.nc"], "symbolic link"),
    "modes --out dangling link": (MODES, ["--out", "dangling.nc"], "symbolic link"),
    "modes --out = its input": (["modes", "--distribution", "t.csv", "--n-K", "11"], ["--out", "t.csv"], "input"),
    "modes --plot FIFO": (MODES, ["--out", "m.nc", "--plot", "fifo"], "FIFO"),
    "modes --plot link": (MODES, ["--out", "m.nc", "--plot", "link.png"], "symbolic link"),
    "modes --plot p.xyz": (MODES, ["--out", "m.nc", "--plot", "p.xyz"], "unsupported image format"),
    "modes --plot = --out": (MODES, ["--out", "m.nc", "--plot", "m.nc"], "m.nc"),
    "qke --out FIFO": (QKE, ["--out", "fifo"], "FIFO"),
    "qke --out link": (QKE, ["--out", "link.nc"], "symbolic link"),
    "qke --out = its input": (["qke", "--distribution", "t.csv", *QKE[3:]], ["--out", "t.csv"], "input"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_out_refused_before_any_computation(place, capsys, monkeypatch, case):
    base, extra, word = CASES[case]
    monkeypatch.chdir(place)
    before = _snapshot(place)
    rc = main([*base, *extra])
    _one_line_error(capsys, rc, word)
    assert _snapshot(place) == before  # nothing written (no m.nc before a bad --plot), nothing replaced


@pytest.mark.parametrize("target,word", [("link.png", "symbolic link"), ("fifo", "FIFO"), ("q.xyz", "unsupported"),
                                         ("q.nc", "input")])
def test_plot_out_never_overwrites_what_a_link_points_to(place, capsys, monkeypatch, target, word):
    # the issue: `flavomon plot x.nc --out link.png` overwrote the CSV the link pointed to
    monkeypatch.chdir(place)
    assert main([*QKE, "--out", "q.nc"]) == 0
    capsys.readouterr()
    before = _snapshot(place)
    rc = main(["plot", "q.nc", "--out", target])
    _one_line_error(capsys, rc, word)
    assert _snapshot(place) == before
    assert (place / "keep.csv").read_text().startswith("v,D")


def test_the_one_writer_refuses_special_files_even_after_the_check(place):
    # a path swapped to a FIFO / link after check_output_path accepted it is still never replaced
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = _snapshot(place)
    for name in ("fifo", "link.nc"):
        with pytest.raises(FlavomonInputError, match="refusing to replace it"):
            atomic_write_bytes(place / name, b"x")
    fig = plt.figure()
    try:
        for name in ("fifo", "link.png"):
            with pytest.raises(FlavomonInputError):
                save_figure(fig, place / name)
    finally:
        plt.close(fig)
    assert _snapshot(place) == before and not list(place.glob(".*.tmp"))


def test_reproduce_checks_every_file_of_its_folder_before_any_piece(place, capsys, monkeypatch):
    from flavomon.workflows.reproduce import pipeline

    calls = []
    monkeypatch.setattr(pipeline, "_stage", lambda name: (lambda *a, **k: calls.append(name)))
    rep = place / "rep"
    rep.mkdir()
    os.mkfifo(rep / "fig1.png")  # savefig into it would block forever; replacing it would lose it
    (rep / "report.md").symlink_to(place / "keep.csv")
    before = _snapshot(place)
    rc = main(["reproduce", "--out", str(rep), "--quick", "--a", "0.9", "--no-progress"])
    _one_line_error(capsys, rc)
    assert calls == [] and _snapshot(place) == before


def test_reproduce_folder_in_use_by_another_run_is_refused(place, capsys, monkeypatch):
    from flavomon.workflows.reproduce import pipeline

    calls = []
    monkeypatch.setattr(pipeline, "_stage", lambda name: (lambda *a, **k: calls.append(name)))
    rep = place / "rep"
    rep.mkdir()
    with OutputLock(rep, lock_path=rep / "reproduce.lock"):  # another reproduction holds the folder
        rc = main(["reproduce", "--out", str(rep), "--quick", "--a", "0.9", "--no-progress"])
        _one_line_error(capsys, rc, "reproduce.lock", f"pid {os.getpid()}")
    assert calls == [] and not (rep / "reproduce.lock").exists()


def test_output_folder_that_is_a_link_is_not_followed(place, capsys):
    elsewhere = place / "elsewhere"
    elsewhere.mkdir()
    (place / "rep").symlink_to(elsewhere)
    before = _snapshot(place)
    rc = main(["reproduce", "--out", str(place / "rep"), "--quick", "--a", "0.9", "--no-progress"])
    _one_line_error(capsys, rc, "symbolic link")
    assert _snapshot(place) == before and list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("kind", ["fifo", "link"])
def test_lock_file_that_is_a_special_file_is_refused(place, capsys, monkeypatch, kind):
    monkeypatch.chdir(place)
    if kind == "fifo":
        os.mkfifo(place / "q.nc.lock")
    else:
        (place / "q.nc.lock").symlink_to("keep.csv")
    before = _snapshot(place)
    rc = main([*QKE, "--out", "q.nc"])
    _one_line_error(capsys, rc, "q.nc.lock")
    assert _snapshot(place) == before


def test_stale_lock_of_a_dead_pid_is_taken_over_with_a_note(place, capsys, monkeypatch):
    import subprocess
    import sys

    monkeypatch.chdir(place)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (place / "q.nc.lock").write_text(dead.stdout)  # a run killed with SIGKILL leaves this behind
    assert main([*QKE, "--out", "q.nc"]) == 0
    err = capsys.readouterr().err
    assert "took over the stale lock file q.nc.lock" in err and "Traceback" not in err
    assert (place / "q.nc").is_file() and not (place / "q.nc.lock").exists()


@pytest.mark.parametrize("bad,word", [(["--n-K", "1"], "n_K"), (["--Nz", "0"], "Nz"), (["--Nv", "2"], "stable on Nv = 2")])
def test_reproduce_validates_every_piece_before_running_any(place, capsys, monkeypatch, bad, word):
    # `reproduce --n-K 1` failed only after the first pieces had run (50 s)
    from flavomon.workflows.reproduce import pipeline

    calls = []
    monkeypatch.setattr(pipeline, "_stage", lambda name: (lambda *a, **k: calls.append(name)))
    before = _snapshot(place)
    rc = main(["reproduce", "--out", str(place / "rep"), "--a", "0.9", "--realizations", "2", "--Nz", "32", "--Nv", "16",
               "--t-end", "5", "--modes-n-K", "11", "--n-K", "32", "--backend", "numpy", "--no-progress", *bad])
    _one_line_error(capsys, rc, word)
    assert calls == [] and _snapshot(place) == before  # no piece ran, not even the folder was made
