"""Provenance of a reproduction: package versions and the machine it ran on (for the report)."""

from __future__ import annotations

import importlib.metadata as _md
import os
import platform
from typing import Any

from ..._version import __version__

__all__ = ["versions", "machine"]


def versions() -> dict[str, str]:
    """Versions of flavomon, Python and the numerical packages that are installed."""
    out = {"flavomon": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "scipy", "xarray", "netCDF4", "matplotlib", "jax"):
        try:
            out[pkg] = _md.version(pkg)
        except _md.PackageNotFoundError:
            pass
    return out


def machine() -> dict[str, Any]:
    """Platform, CPU count and model, and memory of this machine (what is readable)."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    try:
        info["cpus_available"] = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        pass
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    info["memory_GiB"] = round(int(line.split()[1]) / 2**20, 1)
                    break
    except OSError:  # pragma: no cover
        pass
    return info
