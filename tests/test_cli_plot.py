"""`flavomon plot FILE.nc` draws every file type flavomon writes (modes, qlt; qke in tests/qke; sweep.nc,
points/<id>.nc and predictors.nc in tests/test_figures_sweep.py; what each figure shows in tests/test_figures_*.py)."""

from flavomon.cli.main import main


def test_plot_modes_and_qlt_files(tmp_path, capsys):
    m = tmp_path / "m.nc"
    assert main(["modes", "--distribution", "benchmark:a=0.9", "--K-min", "-2", "--K-max", "0",
                 "--n-K", "21", "--out", str(m)]) == 0
    assert main(["plot", str(m), "--out", str(tmp_path / "m.png")]) == 0
    q = tmp_path / "q.nc"
    assert main(["qlt", "--distribution", "benchmark:a=0.9", "--Nv", "24", "--n-K", "150", "--t-end", "20",
                 "--out", str(q), "--no-progress"]) == 0
    assert main(["plot", str(q), "--out", str(tmp_path / "q.png")]) == 0
    # a PNG starts with its 8-byte signature: the figures were really written
    for name in ("m.png", "q.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # not a flavomon file: one-line error, exit 2
    bad = tmp_path / "bad.nc"
    bad.write_bytes(b"not netcdf")
    assert main(["plot", str(bad)]) == 2
    assert "error" in capsys.readouterr().err


def test_plot_refuses_to_overwrite_the_file_it_reads(tmp_path, capsys):
    m = tmp_path / "m.nc"
    assert main(["modes", "--distribution", "benchmark:a=0.9", "--K-min", "-2", "--K-max", "0",
                 "--n-K", "11", "--out", str(m)]) == 0
    before = m.read_bytes()
    capsys.readouterr()
    assert main(["plot", str(m), "--out", str(m)]) == 2
    err = capsys.readouterr().err
    assert "input file" in err and len(err.strip().splitlines()) == 1, err
    assert m.read_bytes() == before
    # the figure appears atomically: no temporary file is left beside it
    assert main(["plot", str(m), "--out", str(tmp_path / "m.png")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.nc", "m.png"]


def test_plot_of_a_fifo_is_refused_without_blocking(tmp_path):
    # reading a FIFO blocks until a writer appears: the input must be refused before it is opened
    import os
    import subprocess
    import sys

    fifo = tmp_path / "f.nc"
    os.mkfifo(fifo)
    r = subprocess.run([sys.executable, "-m", "flavomon", "plot", str(fifo), "--out", str(tmp_path / "p.png")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a regular file" in lines[0] and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "p.png").exists()
