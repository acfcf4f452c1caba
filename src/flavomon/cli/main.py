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
import contextlib
import importlib
import signal
import sys
import threading
import warnings
from typing import Iterator, Sequence

from .._version import __version__
from ..errors import FlavomonInputError, PhysicsWarning

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


class Terminated(KeyboardInterrupt):
    """SIGTERM (a batch system's time limit, ``kill``): handled like Ctrl-C, so long runs checkpoint."""


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while a command runs (main thread only; restored after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise Terminated()

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def _one_line_physics_warnings(command: str) -> Iterator[None]:
    """Show :class:`PhysicsWarning` as ``flavomon CMD: warning: ...`` on stderr (no source line)."""
    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, PhysicsWarning):
            print(f"flavomon {command}: warning: {message}", file=sys.stderr if file is None else file)
        else:
            original(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = original


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _sigterm_as_interrupt(), _one_line_physics_warnings(args.command):
            rc = args.func(args)
    except FlavomonInputError as e:
        print(f"flavomon {args.command}: error: {e}", file=sys.stderr)
        return 2
    except Terminated:
        print(f"flavomon {args.command}: terminated (SIGTERM); finished work and checkpoints are kept, "
              f"rerun with --resume where the command has it", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"flavomon {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
