"""The package's import graph: no cycles, and numerics never reach up into files, figures or the CLI.

Every ``import`` statement of every module under ``src/flavomon`` is read with :mod:`ast`, including imports inside
functions (a cycle hidden in a function body is still a cycle: the two modules cannot be understood, tested or
changed apart).  Only imports of flavomon's own modules form edges; an import of a package ``flavomon.x`` is an edge
to ``flavomon.x`` (its ``__init__``), and ``from flavomon.x import y`` is an edge to ``flavomon.x.y`` when ``y`` is a
submodule.  A submodule's implicit import of its parent package is not an edge (Python runs the parent's
``__init__`` first, but the parent importing its children is what a package is).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "flavomon"

# Numerics: the physics kernels and the objects they are built on.  They must run without files, figures or a CLI.
NUMERICS = ("flavomon.linear", "flavomon.qke", "flavomon.qlt", "flavomon.grids", "flavomon.distributions")
UPPER = ("flavomon.io", "flavomon.plotting", "flavomon.workflows", "flavomon.sweep", "flavomon.cli",
         "flavomon.report")


def _modules() -> dict[str, Path]:
    mods = {}
    for p in PKG.rglob("*.py"):
        parts = list(p.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = p
    return mods


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def _resolve(mod: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = mod.split(".") if _is_package(mod) else mod.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _edges(mod: str, path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(mod, node)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for t in targets:
            # the longest flavomon module that the dotted name starts with
            while t and t not in MODULES:
                t = t.rpartition(".")[0]
            if t.startswith("flavomon") and t != mod:
                out.add(t)
    return out


GRAPH = {m: _edges(m, p) for m, p in MODULES.items()}


def _sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_graph_was_read():
    # guards against a test that cannot fail: the walker must see the package's real structure
    assert "flavomon.linear.roots" in GRAPH and "flavomon.distributions" in GRAPH["flavomon.linear.roots"]
    assert _sccs({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    cycles = _sccs(GRAPH)
    assert not cycles, "import cycles (imports inside functions included): " + "; ".join(
        " <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if m.startswith(NUMERICS)))
def test_numerics_do_not_import_upper_layers(mod):
    bad = sorted(t for t in GRAPH[mod] if t.startswith(UPPER))
    assert not bad, f"{mod} (numerics) imports {bad}; pass data in and let the workflow layer write files"
