"""Sphinx configuration of the flavomon documentation.

Build (from the repository root)::

    pip install ".[docs]" && sphinx-build -W --keep-going -b html docs docs/_build/html

No network is needed at build time (intersphinx is off); the tutorials in
``docs/tutorials`` are executed by sphinx-gallery on every build.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Headless, single-threaded, quiet: the tutorials run on every build.
os.environ.setdefault("MPLBACKEND", "Agg")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

_ROOT = Path(__file__).resolve().parent.parent
# Prefer the installed package; fall back on the source tree (``pip install -e .`` also works).
try:
    import flavomon  # noqa: F401
except ImportError:  # pragma: no cover - building from an uninstalled checkout
    sys.path.insert(0, str(_ROOT / "src"))
    import flavomon  # noqa: F401

from flavomon import __version__  # noqa: E402

# -- Project -----------------------------------------------------------------
project = "flavomon"
author = "flavomon developers"
copyright = "2026, flavomon developers"
release = __version__
version = ".".join(__version__.split(".")[:2])

# -- Extensions --------------------------------------------------------------
extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "auto_tutorials/*.ipynb",
    "auto_tutorials/*.py",
    "auto_tutorials/*.zip",
    "auto_tutorials/*.md5",
    "auto_tutorials/*.codeobj.json",
    "tutorials/README.txt",
]

# MyST: $...$ / $$...$$ maths and LaTeX environments (align, ...) inside Markdown.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_dmath_double_inline = True
myst_heading_anchors = 3

# No network at build time.
# (sphinx.ext.intersphinx is deliberately not loaded.)

# -- autodoc / autosummary / numpydoc ------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autosummary_ignore_module_all = False
autodoc_default_options = {"members": False}
autodoc_typehints = "none"          # numpydoc's Parameters sections carry the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False  # autosummary lists members; avoids duplicates
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# -- sphinx-gallery: the tutorials, executed on every build ------------------------
sphinx_gallery_conf = {
    "examples_dirs": "tutorials",
    "gallery_dirs": "auto_tutorials",
    "filename_pattern": r"tutorial_",   # execute every tutorial_*.py
    "ignore_pattern": r"__init__\.py|_helpers\.py",
    "abort_on_example_error": True,     # a broken tutorial fails the build
    "run_stale_examples": True,         # execute every tutorial on every build, never reuse old output
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "plot_gallery": "True",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    "capture_repr": ("__repr__",),
    "show_memory": False,
    "show_signature": False,
}

# -- HTML --------------------------------------------------------------------
try:
    import pydata_sphinx_theme  # noqa: F401

    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        "show_toc_level": 2,
        "icon_links": [],
    }
except ImportError:  # pragma: no cover - the docs extra installs it
    html_theme = "alabaster"
html_title = f"flavomon {release}"
html_static_path: list[str] = []
html_show_sourcelink = False


# -- One entry per object --------------------------------------------------------
# The curated top-level names (``flavomon.QLTConfig``) are re-exports of the subpackages'
# objects (``flavomon.qlt.QLTConfig``), and both pages document them.  autodoc marks each
# class with its defining module as ``:canonical:`` (``flavomon.qlt.config.QLTConfig``), so
# two pages would register the same canonical name and Sphinx would report a duplicate.
# The private defining modules are not part of the API: drop the canonical alias.
from sphinx.domains.python import PyClasslike  # noqa: E402


class _PyClassWithoutCanonical(PyClasslike):
    def run(self):
        self.options.pop("canonical", None)
        return super().run()


def setup(app):
    for objtype in ("class", "exception"):
        app.add_directive_to_domain("py", objtype, _PyClassWithoutCanonical, override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
