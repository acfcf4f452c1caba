"""Exceptions and warnings raised by flavomon.

Every user-facing problem is a :class:`FlavomonInputError` whose message names the
offending input in one line; the CLI prints it as ``flavomon: error: <message>``
and exits with status 2.  Violated physics assumptions emit a :class:`PhysicsWarning`
(after PlasmaPy).
"""

from __future__ import annotations

__all__ = ["FlavomonError", "FlavomonInputError", "PhysicsWarning", "ConfigMismatchError"]


class FlavomonError(Exception):
    """Base class of all flavomon errors."""


class FlavomonInputError(FlavomonError, ValueError):
    """Bad user input (a SPEC, a table, a parameter, an output path).

    The message is one line and names the problem.
    """


class ConfigMismatchError(FlavomonInputError):
    """A ``--resume`` of a file or checkpoint made with a different configuration."""


class PhysicsWarning(UserWarning):
    """A physics assumption of the method is violated or doubtful (e.g. QLT with gamma ~ Omega)."""
