"""The curated public API: the top-level names users' scripts rely on, and one meaning per public name."""

from __future__ import annotations

import importlib
import inspect
import pydoc
import re

import pytest

import flavomon as fm

# The names of the documented Python API (README "Python API" and the docs' API page).
TOP_LEVEL = [
    "from_spec", "from_callable", "from_table", "from_file", "Distribution",
    "find_modes", "ModesResult", "growth_rate_max", "unstable_bands",
    "run_qke", "QKEConfig", "QKEResult",
    "run_qlt", "QLTConfig", "QLTResult", "resonant_final_state",
    "citation", "plot", "save", "load",
    "FlavomonInputError", "PhysicsWarning",
]

SUBPACKAGES = ["flavomon.linear", "flavomon.qke", "flavomon.qlt", "flavomon.io", "flavomon.plotting",
               "flavomon.sweep", "flavomon.distributions", "flavomon.grids"]


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_documented_name_is_exported(name):
    assert name in fm.__all__, f"fm.{name} is documented but not in flavomon.__all__"
    obj = getattr(fm, name)
    doc = inspect.getdoc(obj)
    assert doc and doc.strip().splitlines()[0].strip(), f"fm.{name} has no one-line summary"


def test_all_is_curated():
    # every exported name exists, and nothing private leaks into the surface
    for name in fm.__all__:
        assert hasattr(fm, name), name
        assert not name.startswith("_") or name == "__version__", name


def test_no_public_name_means_two_things():
    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for modname in SUBPACKAGES:
        mod = importlib.import_module(modname)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if name in seen and seen[name][1] is not obj:
                clashes.append(f"{name}: {seen[name][0]} vs {modname}")
            seen.setdefault(name, (modname, obj))
    assert not clashes, "public names with two meanings: " + "; ".join(clashes)


def test_top_level_names_are_the_subpackage_objects():
    # fm.X is the same object as the subpackage's X (one implementation, re-exported)
    import flavomon.linear as lin
    import flavomon.qke as qke
    import flavomon.qlt as qlt

    assert fm.find_modes is lin.find_modes
    assert fm.growth_rate_max is lin.growth_rate_max
    assert fm.run_qke is qke.run_qke and fm.QKEConfig is qke.QKEConfig
    assert fm.run_qlt is qlt.run_qlt and fm.QLTConfig is qlt.QLTConfig


def test_help_lists_the_api_with_summaries():
    text = pydoc.render_doc(fm, renderer=pydoc.plaintext)
    for name in ("find_modes", "run_qlt", "run_qke", "citation", "plot"):
        assert re.search(rf"\b{name}\b", text), name


def test_citation_is_bibtex_of_both_papers_and_the_package():
    bib = fm.citation()
    entries = re.findall(r"@\w+\{([^,]+),", bib)
    assert len(entries) == len(set(entries)) >= 3, entries
    for eprint in ("2502.06935", "2603.28854"):
        assert eprint in bib
    assert fm.__version__ in bib
    # balanced braces: the text parses as BibTeX
    assert bib.count("{") == bib.count("}")
