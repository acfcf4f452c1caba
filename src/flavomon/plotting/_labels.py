"""Words for figure titles: a distribution SPEC as a formula, the kind of run, its size and time.

Only strings are read (the ``distribution`` attribute of a file, its ``config``); nothing is
recomputed, and a file without these attributes still gets a title (with what it has).
"""

from __future__ import annotations

import json
import re
from pathlib import PurePath
from typing import Any, Mapping

import numpy as np

__all__ = ["describe_distribution", "short_distribution", "run_config", "number", "time_range"]

_GAUSS = r"e^{-2(1-v)^2}"
_PARAM = re.compile(r"^\s*([A-Za-z_]+)\s*[:(]\s*(.*?)\s*\)?\s*$")


def number(x: Any) -> str:
    """``x`` with up to 4 significant digits (``0.9``, ``300``, ``1e-13``)."""
    try:
        return f"{float(x):.4g}"
    except (TypeError, ValueError):
        return str(x)


def _params(rest: str) -> dict[str, str]:
    out = {}
    for item in rest.split(","):
        k, eq, v = item.partition("=")
        if eq:
            out[k.strip()] = v.strip()
    return out


def describe_distribution(spec: Any) -> str:
    """The distribution in words, for a title: ``benchmark $D_v = e^{-2(1-v)^2} - 0.9$``.

    Accepts a SPEC (``benchmark:a=0.9``), a Distribution name (``benchmark(a=0.9)``) or a table
    path (``tables/x.csv`` -> ``table x.csv``); anything else is returned unchanged.
    """
    s = "" if spec is None else str(spec).strip()
    if not s:
        return "unnamed distribution"
    if s.lower().endswith((".csv", ".npz")):
        return f"table {PurePath(s).name}"
    m = _PARAM.match(s)
    fam, p = (m.group(1).lower(), _params(m.group(2))) if m else (s.lower(), {})
    if fam == "benchmark":
        a = number(p.get("a", 0.9))
        return rf"benchmark $D_v = {_GAUSS} - {a}$"
    if fam == "shallow":
        a = number(p.get("a", 0.95))
        return rf"shallow $D_v = {a} - {_GAUSS}$"
    if fam == "isotropic":
        d0 = number(p.get("D0", 1.0))
        return rf"isotropic $D_v = D_0/2$, $D_0 = {d0}$"
    return s


def short_distribution(spec: Any) -> str:
    """A short label for a tick or a small panel: ``bm a=0.9``, ``shallow a=0.95``, ``x.csv``."""
    s = str(spec)
    if s.lower().endswith((".csv", ".npz")):
        return PurePath(s).name
    return s.replace("benchmark:", "bm ").replace("shallow:", "shallow ").replace("isotropic:", "iso ")


def run_config(ds: Any) -> dict[str, Any]:
    """The JSON ``config`` attribute of a flavomon file as a dict (empty when absent or unreadable)."""
    attrs: Mapping[str, Any] = getattr(ds, "attrs", {}) or {}
    try:
        cfg = json.loads(attrs.get("config", "{}"))
    except (TypeError, ValueError):
        return {}
    return cfg if isinstance(cfg, dict) else {}


def time_range(t: Any) -> str:
    """``t = 0 – 300`` (in 1/mu) of a time coordinate."""
    t = np.asarray(t, dtype=float)
    if t.size == 0:
        return ""
    if t.size == 1:
        return f"t = {number(t[0])}"
    return f"t = {number(t[0])} – {number(t[-1])}"
