"""The README's 'first hour' Python path runs as written, with public names only, and is the tutorial's code."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _first_hour_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## The first hour"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_first_hour_block_runs_and_writes_its_figures(tmp_path, monkeypatch):
    code = _first_hour_block()
    # only the curated API: no private modules, no io/workflows internals
    imports = re.findall(r"^\s*(?:import|from)\s+([\w.]+)", code, re.M)
    assert set(imports) <= {"numpy", "flavomon"}, imports
    assert "fm._" not in code and "flavomon." not in code.replace("import flavomon as fm", "")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md: the first hour", "exec"), {"__name__": "__first_hour__"})  # noqa: S102
    for name in ("my_modes.png", "my_qlt.png", "my_qlt.nc"):
        assert (tmp_path / name).stat().st_size > 1000, name


def test_the_tutorial_runs_the_same_lines():
    code = [ln for ln in _first_hour_block().splitlines() if ln.strip()]
    tut = [ln for ln in (ROOT / "docs/tutorials/tutorial_01_own_distribution.py").read_text().splitlines() if ln.strip()]
    start = tut.index(code[0])
    i = start
    for ln in code:  # the README lines, in order, contiguous after the first
        i = tut.index(ln, i)
        assert i - start < 40, ln
        i += 1
