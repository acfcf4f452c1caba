"""How to cite flavomon and the theory it implements."""

from __future__ import annotations

from ._version import __version__

__all__ = ["citation"]

_F1 = r"""@article{Fiorillo:2025flavomons,
  author        = {Fiorillo, Damiano F. G. and Raffelt, Georg G.},
  title         = {Collective flavor conversions are interactions of neutrinos with quantized flavor waves},
  year          = {2025},
  eprint        = {2502.06935},
  archivePrefix = {arXiv},
  primaryClass  = {hep-ph}
}"""

_F2 = r"""@article{Fiorillo:2026qlt,
  author        = {Fiorillo, Damiano F. G. and Raffelt, Georg G.},
  title         = {Quasi-linear theory of fast flavor instabilities in homogeneous environments},
  year          = {2026},
  eprint        = {2603.28854},
  archivePrefix = {arXiv},
  primaryClass  = {hep-ph}
}"""


def _package() -> str:
    return (
        "@software{flavomon,\n"
        "  author  = {{flavomon developers}},\n"
        "  title   = {flavomon: linear theory, QKE box solver and quasi-linear theory of fast flavor instabilities},\n"
        f"  version = {{{__version__}}},\n"
        "  year    = {2026}\n"
        "}"
    )


def citation() -> str:
    """Return the BibTeX entries to cite when publishing results obtained with flavomon.

    The flavomon picture of collective flavor conversion [F1], the quasi-linear theory and the periodic-box benchmark
    [F2], and the package itself (with the installed version).  Print it, or write it into your ``.bib`` file::

        import flavomon as fm
        print(fm.citation())

    Returns
    -------
    str
        Three BibTeX entries separated by blank lines.
    """
    return "\n\n".join([_F1, _F2, _package()]) + "\n"
