"""Entry point of the ``flavomon`` command.

Each sub-command lives in its own module ``flavomon.cli.<name>`` exposing

* ``add_parser(subparsers) -> argparse.ArgumentParser`` and
* ``run(args) -> int``.

Modules are imported lazily so ``flavomon --help`` is fast.  Any
:class:`~flavomon.errors.FlavomonInputError` becomes a one-line message on stderr and exit
status 2; argparse usage errors are also reported in one line.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from .._version import __version__
from ..errors import FlavomonInputError

COMMANDS = {
    "modes": "flavomon.cli.modes",
    "qke": "flavomon.cli.qke",
    "qlt": "flavomon.cli.qlt",
    "plot": "flavomon.cli.plot",
    "reproduce": "flavomon.cli.reproduce",
    "sweep": "flavomon.cli.sweep",
}


class OneLineParser(argparse.ArgumentParser):
    """argparse parser whose errors are one line: ``flavomon <cmd>: error: ...``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="flavomon",
        description="Fast flavor instabilities: linear theory, QKE box solver and quasi-linear theory.",
    )
    parser.add_argument("--version", action="version", version=f"flavomon {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name, modname in COMMANDS.items():
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as e:
            if e.name == modname:  # command not implemented yet
                continue
            raise
        mod.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        rc = args.func(args)
    except FlavomonInputError as e:
        print(f"flavomon {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"flavomon {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
