"""Entry point of the ``flavomon`` command.

Each sub-command lives in its own module ``flavomon.cli.<name>`` exposing

* ``add_parser(subparsers) -> argparse.ArgumentParser`` and
* ``run(args) -> int``.

Modules are imported lazily so ``flavomon --help`` is fast.  A module may also set
``validate`` (``p.set_defaults(validate=fn)``, ``fn(args) -> None``): it is called before
``run`` and should check the whole configuration, raising
:class:`~flavomon.errors.FlavomonInputError`, so that bad options fail before anything is computed.

Error reporting (:func:`main`) -- every failure is one line on stderr, never a traceback:

* :class:`~flavomon.errors.FlavomonInputError` -> ``flavomon CMD: error: ...``, exit status 2;
  argparse usage errors are also one line, status 2;
* operating-system errors (``OSError``: no space left, permission denied, read-only file system,
  ...), ``UnicodeDecodeError`` (a binary file given as a text input), ``MemoryError`` and a closed
  output pipe (``BrokenPipeError``) -> one line naming the problem and the way out, status 1;
* Ctrl-C -> ``flavomon CMD: interrupted``, status 130; SIGTERM -> status 143;
* anything else is a bug in flavomon: ``flavomon CMD: internal error: TYPE: message (please
  report ...)``, status 1.

With the environment variable ``FLAVOMON_DEBUG=1`` the traceback is printed as well.

Negative numbers in exponent form (``--K-min -1e-3``) are option values, not options
(:class:`OneLineParser`).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import re
import signal
import sys
import threading
import traceback
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


#: What argparse takes for a negative number (an option value) rather than an option: besides its
#: own ``-1`` and ``-.5``, exponent forms (``-1e-3``, ``-2E+0``, ``-1.e5``) and ``-inf``/``-nan``
#: (so that they reach the option's own check and get its message).  No flavomon option looks like
#: a number, so nothing is lost.
NEGATIVE_NUMBER = re.compile(r"^-(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf|infinity|nan)$", re.IGNORECASE)

DEBUG_ENV = "FLAVOMON_DEBUG"

EPILOG = (f"Errors are one line on stderr (exit status 2: bad input; 1: other failures; 130: interrupted). "
          f"Set {DEBUG_ENV}=1 in the environment to see the Python traceback as well (for developers).")


class OneLineParser(argparse.ArgumentParser):
    """argparse parser whose errors are one line (``flavomon <cmd>: error: ...``) and which reads
    ``-1e-3`` as a negative number (:data:`NEGATIVE_NUMBER`), not as an unknown option."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("epilog", EPILOG)
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = NEGATIVE_NUMBER

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {_one_line(message)}\n")


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


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "no", "false", "off")


def _one_line(text: object, limit: int = 600) -> str:
    """``text`` on one line (line breaks become "; "), at most ``limit`` characters."""
    parts = [t.strip() for t in str(text).splitlines() if t.strip()]
    out = "; ".join(parts)
    return out if len(out) <= limit else out[: limit - 3] + "..."


def _root_cause(e: BaseException, kinds: tuple[type[BaseException], ...]) -> BaseException | None:
    """``e`` or the first exception of its explicit ``raise ... from`` chain that is one of ``kinds``."""
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, kinds):
            return e
        seen.add(id(e))
        e = e.__cause__
    return None


_OS_HINTS = {
    errno.ENOSPC: "no space left on device; free some space or write elsewhere (--out)",
    errno.EDQUOT: "disk quota exceeded; free some space or write elsewhere (--out)",
    errno.EACCES: "permission denied; choose a path you may write (--out) or fix the permissions",
    errno.EPERM: "operation not permitted (an immutable or protected file or folder?); choose another path "
                 "(--out) or fix the attributes",
    errno.EROFS: "read-only file system; write elsewhere (--out)",
    errno.EFBIG: "file too large for this file system or the file-size limit (ulimit -f); write elsewhere (--out)",
    errno.EMFILE: "too many open files; raise the limit (ulimit -n) or use fewer --workers",
    errno.ENAMETOOLONG: "file name too long; choose a shorter --out",
    errno.EISDIR: "is a directory, expected a file",
    errno.ENOTDIR: "a component of the path is not a directory",
    errno.ENOENT: "no such file or directory",
    errno.EIO: "input/output error (a failing disk or network file system?)",
}


def _describe_os_error(e: OSError) -> str:
    hint = _OS_HINTS.get(e.errno) if e.errno is not None else None
    where = " -> ".join(str(f) for f in (e.filename, e.filename2) if f is not None)
    if hint is None:
        return _one_line(str(e)) or type(e).__name__
    detail = e.strerror or str(e)
    extra = "" if detail.lower() in hint.lower() else f" [{detail}]"
    return _one_line(f"{where + ': ' if where else ''}{hint}{extra}")


def describe_failure(e: BaseException) -> tuple[str, int]:
    """The one-line message (after ``error: ``) and exit status for an exception a command raised."""
    if isinstance(e, FlavomonInputError):
        return _one_line(e) or type(e).__name__, 2
    if isinstance(e, MemoryError) or _root_cause(e, (MemoryError,)) is not None:
        return ("out of memory: the problem does not fit in this machine's memory; reduce the grid "
                "(--Nz, --Nv, --n-K) or --realizations / --workers"), 1
    if isinstance(e, UnicodeDecodeError):
        return (f"cannot read a text input: it is not UTF-8 text ({e.reason} at byte {e.start}); "
                f"check that the file given is the right one"), 1
    if isinstance(e, Warning):  # python -W error / PYTHONWARNINGS=error turned a warning into an exception
        return f"{_one_line(e)} (a {type(e).__name__} turned into an error by the warnings filter)", 1
    os_err = _root_cause(e, (OSError,))
    if os_err is not None and not isinstance(os_err, BrokenPipeError):
        return _describe_os_error(os_err), 1  # type: ignore[arg-type]
    if isinstance(e, RuntimeError) and str(e).startswith(("NetCDF:", "HDF")):
        # netCDF4/HDF5 report a full disk, a file-size limit or a damaged file only as "NetCDF: HDF error"
        return (f"the netCDF library failed reading or writing a file ({_one_line(e, 200)}): a full disk, a file-size "
                f"limit (ulimit -f) or a damaged input file; if none applies, please report it "
                f"({DEBUG_ENV}=1 shows the traceback)"), 1
    name = type(e).__module__ + "." + type(e).__qualname__ if type(e).__module__ not in ("builtins",) else type(e).__qualname__
    return (f"internal error: {name}: {_one_line(e, 400)} -- this is a bug in flavomon, please report it; "
            f"{DEBUG_ENV}=1 shows the traceback"), 1


def _say(line: str) -> None:
    """Print one line on stderr, ignoring a closed stderr."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:  # Ctrl-C while the sub-commands load
        _say("flavomon: interrupted")
        return 130
    except Exception as e:  # noqa: BLE001 -- a sub-command module that fails to load
        if _debug():
            traceback.print_exc()
        msg, status = describe_failure(e)
        _say(f"flavomon: error: {msg}")
        return status
    cmd = f"flavomon {args.command}"
    debug = _debug()
    try:
        with _sigterm_as_interrupt(), _one_line_physics_warnings(args.command):
            validate = getattr(args, "validate", None)
            if validate is not None:
                validate(args)
            rc = args.func(args)
            try:
                sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
            except BrokenPipeError:
                raise
            except (OSError, ValueError, AttributeError):
                pass
    except Terminated:
        if debug:
            traceback.print_exc()
        _say(f"{cmd}: terminated (SIGTERM); finished work and checkpoints are kept, "
             f"rerun with --resume where the command has it")
        return 143
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        _say(f"{cmd}: interrupted")
        return 130
    except BrokenPipeError:
        if debug:
            traceback.print_exc()
        _silence_stdout()
        _say(f"{cmd}: error: output pipe closed before the command finished (stdout went to a program "
             f"that exited); files already written are complete")
        return 1
    except Exception as e:  # noqa: BLE001 -- the one place every failure becomes one line
        if debug:
            traceback.print_exc()
        msg, status = describe_failure(e)
        _say(f"{cmd}: error: {msg}")
        return status
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
