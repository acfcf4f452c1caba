r"""Sweep configuration: a TOML file -> a validated, frozen :class:`SweepConfig`.

The file (see ``docs/sweep.md`` and ``examples/sweep-small.toml``) has three parts::

    [sweep]
    Nv = 100                      # the common Gauss-Legendre velocity grid of every method
    methods = ["qlt", "resonant"] # any of flavomon.sweep.METHODS
    retries = 2                   # Dask retries of a point whose worker died
    workers = 2                   # LocalCluster size when no --scheduler is given

    [[distributions]]             # a family grid (lists, or {start, stop, num} = linspace)
    family = "benchmark"
    a = { start = 0.35, stop = 0.95, num = 50 }

    [[distributions]]             # every .csv / .npz table in a folder (relative to this file)
    tables = "tables"

    [[distributions]]             # single distribution SPECs
    specs = ["shallow:a=0.95", "tables/extra.csv"]

    [methods.qlt]                 # keyword options of the method's workflow
    t_end = 500.0

Everything is checked here, before any computation, and every problem is a one-line
:class:`~flavomon.errors.FlavomonInputError` naming the key (and the file) at fault.
Distributions are built once on the client (tables are read and fitted here), so a bad
table fails the sweep before a single task is submitted; the table *data* (not the path)
travels with each task, so workers need no access to the client's files.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..distributions import Distribution, from_file, from_spec
from .._validate import as_nv
from ..errors import FlavomonInputError
from ..io.files import fingerprint
from .methods import METHODS, check_options

__all__ = ["SweepConfig", "DistributionPoint", "SweepPoint", "load_config", "parse_config"]

#: Keys allowed in ``[sweep]`` and their defaults.
SWEEP_DEFAULTS: dict[str, Any] = {
    "name": "sweep",
    "Nv": 100,
    "methods": None,  # required
    "retries": 2,
    "workers": 2,
    "gradient": None,  # a uniform matter gradient axis G (docs §11): every distribution at every G
}

GRADIENT_METHODS = frozenset({"qke", "qlt", "gain", "_probe"})
"""Methods that take a matter gradient (the ``gradient`` option, set per point from ``[sweep] gradient``)."""
_TABLE_SUFFIXES = (".csv", ".npz")
_MAX_POINTS = 100_000  # a typo like num = 1e9 should fail loudly, not hang the client
_MAX_CONFIG_BYTES = 1_000_000  # a real sweep config is a few kB; a large file is the wrong file


@dataclass(frozen=True)
class DistributionPoint:
    """One distribution of the sweep.

    Attributes
    ----------
    label : str
        Human-readable SPEC-like label (``benchmark:a=0.35`` or the table's file name).
    family : str
        ``benchmark``, ``shallow``, ``isotropic`` or ``table``.
    params : dict
        Family parameters (empty for tables).
    spec : str or None
        SPEC string rebuilt on the worker for analytic families.
    table : str
        Table file name ('' for families).
    table_v, table_D : tuple of float
        Table data shipped to the worker (empty for families).
    digest : str
        Content fingerprint (:func:`flavomon.io.files.fingerprint` of the SPEC, or of the
        table's name and data) used in the point id.
    """

    label: str
    family: str
    params: Mapping[str, float]
    spec: str | None
    table: str = ""
    table_path: str = ""
    table_v: tuple[float, ...] = ()
    table_D: tuple[float, ...] = ()
    digest: str = ""
    gradients: tuple[float, ...] | None = None  # this entry's own gradient axis (None: the [sweep] one)


@dataclass(frozen=True)
class SweepPoint:
    """One (distribution, gradient, method) task of the sweep; ``point_id`` names its result file."""

    point_id: str
    distribution: DistributionPoint
    method: str
    options: Mapping[str, Any]
    Nv: int

    @property
    def gradient(self) -> float:
        """The point's matter gradient G (0: homogeneous)."""
        return float(self.options.get("gradient", 0.0))


@dataclass(frozen=True)
class SweepConfig:
    """A validated sweep: distributions x methods, with method options.

    Build it with :func:`load_config` (from a TOML file) or :func:`parse_config` (from a dict).
    """

    name: str
    Nv: int
    methods: tuple[str, ...]
    retries: int
    workers: int
    distributions: tuple[DistributionPoint, ...]
    method_options: Mapping[str, Mapping[str, Any]]
    source: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)
    gradients: tuple[float, ...] = (0.0,)

    @property
    def points(self) -> tuple[SweepPoint, ...]:
        """All points, distribution-major (every gradient and method of the first distribution first).

        A nonzero gradient is the point's ``gradient`` option; G = 0 adds nothing, so a homogeneous point has
        the id it has in a sweep without a gradient axis (and is reused)."""
        out = []
        for d in self.distributions:
            for G in (self.gradients if d.gradients is None else d.gradients):
                for m in self.methods:
                    opts = dict(self.method_options.get(m, {}))
                    if G != 0.0:
                        opts["gradient"] = G
                    out.append(SweepPoint(_point_id(d, m, opts, self.Nv), d, m, opts, self.Nv))
        return tuple(out)

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable record of the configuration (stored in sweep.nc's ``config``)."""
        return {
            "name": self.name,
            "Nv": self.Nv,
            "methods": list(self.methods),
            "retries": self.retries,
            "workers": self.workers,
            "method_options": {k: dict(v) for k, v in self.method_options.items()},
            "distributions": [d.label for d in self.distributions],
            "gradients": list(self.gradients),
            "source": self.source,
        }


# ----------------------------------------------------------------------------------------
def load_config(path: str | Path) -> SweepConfig:
    """Read and validate a sweep TOML file; relative table paths are relative to the file.

    The file must be a regular file (not a FIFO or a device, which could block or never end) of
    at most 1 MB of UTF-8 text (an optional byte-order mark is dropped); anything else, and any
    TOML syntax error, is a one-line :class:`~flavomon.errors.FlavomonInputError`.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise FlavomonInputError(f"sweep config {p} does not exist") from None
    except OSError as e:
        raise FlavomonInputError(f"cannot read sweep config {p}: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise FlavomonInputError(f"sweep config {p} is a directory, expected a .toml file")
    if not stat.S_ISREG(st.st_mode):
        raise FlavomonInputError(f"sweep config {p} is not a regular file (a FIFO, socket or device); "
                                 "give a .toml text file")
    if st.st_size > _MAX_CONFIG_BYTES:
        raise FlavomonInputError(f"sweep config {p} is {st.st_size} bytes, more than a sweep config's "
                                 f"{_MAX_CONFIG_BYTES} (is it the right file?)")
    try:
        with p.open("rb") as fh:
            data = fh.read(_MAX_CONFIG_BYTES + 1)
    except OSError as e:
        raise FlavomonInputError(f"cannot read sweep config {p}: {e.strerror or e}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FlavomonInputError(
            f"sweep config {p} is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); "
            "a sweep config is a TOML text file (see docs/sweep.md)"
        ) from None
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise FlavomonInputError(f"sweep config {p} is not valid TOML: {e}") from None
    except RecursionError:
        raise FlavomonInputError(f"sweep config {p} is not a sweep config: arrays or tables nested too deeply") from None
    return parse_config(raw, base_dir=p.parent, source=str(p))


def parse_config(raw: Mapping[str, Any], *, base_dir: str | Path = ".", source: str = "<dict>") -> SweepConfig:
    """Validate a configuration mapping (the parsed TOML) into a :class:`SweepConfig`."""
    where = source
    if not isinstance(raw, Mapping):
        raise FlavomonInputError(f"{where}: the configuration must be a table")
    unknown = set(raw) - {"sweep", "distributions", "methods"}
    if unknown:
        raise FlavomonInputError(
            f"{where}: unknown top-level key(s) {', '.join(sorted(unknown))} "
            "(allowed: [sweep], [[distributions]], [methods.NAME])"
        )
    sweep = raw.get("sweep")
    if not isinstance(sweep, Mapping):
        raise FlavomonInputError(f"{where}: missing [sweep] table (with at least methods = [...])")
    bad = set(sweep) - set(SWEEP_DEFAULTS)
    if bad:
        raise FlavomonInputError(
            f"{where}: unknown key(s) {', '.join(sorted(bad))} in [sweep] "
            f"(allowed: {', '.join(SWEEP_DEFAULTS)})"
        )
    s = {**SWEEP_DEFAULTS, **sweep}
    name = s["name"]
    if not isinstance(name, str) or not name:
        raise FlavomonInputError(f"{where}: [sweep] name must be a non-empty string")
    try:
        Nv = as_nv(s["Nv"], "[sweep] Nv")
    except FlavomonInputError as e:
        raise FlavomonInputError(f"{where}: {e}") from None
    retries = _int(s["retries"], "[sweep] retries", where, minimum=0)
    workers = _int(s["workers"], "[sweep] workers", where, minimum=1)
    gradients: tuple[float, ...] = (0.0,)
    if s["gradient"] is not None:
        gradients = tuple(_values(s["gradient"], "[sweep] gradient", where))
        if len(set(gradients)) != len(gradients):
            raise FlavomonInputError(f"{where}: [sweep] gradient lists a value twice: {list(gradients)}")

    methods = s["methods"]
    if methods is None:
        raise FlavomonInputError(f"{where}: [sweep] methods is missing (e.g. methods = [\"qlt\"])")
    if isinstance(methods, str):
        methods = [methods]
    if not isinstance(methods, list) or not methods or not all(isinstance(m, str) for m in methods):
        raise FlavomonInputError(f"{where}: [sweep] methods must be a non-empty list of names")
    for m in methods:
        if m not in METHODS:
            known = ", ".join(k for k in METHODS if not k.startswith("_"))
            raise FlavomonInputError(f"{where}: unknown method {m!r} in [sweep] methods (known: {known})")
    if len(set(methods)) != len(methods):
        raise FlavomonInputError(f"{where}: [sweep] methods lists a method twice: {methods}")
    _check_gradient_methods(gradients, methods, where)

    mopts_raw = raw.get("methods", {})
    if not isinstance(mopts_raw, Mapping):
        raise FlavomonInputError(f"{where}: [methods] must be a table of [methods.NAME] tables")
    for m in mopts_raw:
        if m not in methods:
            raise FlavomonInputError(
                f"{where}: [methods.{m}] given but {m!r} is not in [sweep] methods {methods}"
            )
    method_options: dict[str, dict[str, Any]] = {}
    for m in methods:
        opts = mopts_raw.get(m, {})
        if not isinstance(opts, Mapping):
            raise FlavomonInputError(f"{where}: [methods.{m}] must be a table of options")
        if "gradient" in opts:
            raise FlavomonInputError(f"{where}: [methods.{m}] gradient: give the gradient as the axis [sweep] gradient = [...]")
        method_options[m] = check_options(m, dict(opts), where=where)

    dists_raw = raw.get("distributions")
    if not dists_raw:
        raise FlavomonInputError(f"{where}: no [[distributions]] given")
    if not isinstance(dists_raw, list):
        raise FlavomonInputError(f"{where}: distributions must be an array of tables ([[distributions]])")
    dists: list[DistributionPoint] = []
    for i, entry in enumerate(dists_raw, start=1):
        dists.extend(_expand_entry(entry, i, Path(base_dir), where))
        if sum(len(d.gradients or gradients) for d in dists) * len(methods) > _MAX_POINTS:
            raise FlavomonInputError(f"{where}: more than {_MAX_POINTS} points; split the sweep")
    for d in dists:
        if d.gradients is not None:
            _check_gradient_methods(d.gradients, methods, where)
    seen: dict[str, str] = {}
    for d in dists:
        if d.digest in seen:
            raise FlavomonInputError(
                f"{where}: distribution {d.label!r} appears twice (also as {seen[d.digest]!r})"
            )
        seen[d.digest] = d.label
    return SweepConfig(
        name=name,
        Nv=Nv,
        methods=tuple(methods),
        retries=retries,
        workers=workers,
        distributions=tuple(dists),
        method_options=method_options,
        source=source,
        raw=dict(raw),
        gradients=gradients,
    )


# ----------------------------------------------------------------------------------------
def _check_gradient_methods(gradients: tuple[float, ...], methods: list[str], where: str) -> None:
    if any(G != 0.0 for G in gradients):
        no = [m for m in methods if m not in GRADIENT_METHODS]
        if no:
            raise FlavomonInputError(
                f"{where}: a gradient axis needs methods that take a matter gradient "
                f"({', '.join(sorted(GRADIENT_METHODS - {'_probe'}))}); {', '.join(no)} do(es) not: "
                "run them in a sweep without a gradient axis")


def _int(x: Any, what: str, where: str, *, minimum: int) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise FlavomonInputError(f"{where}: {what} must be an integer, got {x!r}")
    if x < minimum:
        raise FlavomonInputError(f"{where}: {what} must be >= {minimum}, got {x}")
    return int(x)


def _values(x: Any, what: str, where: str) -> list[float]:
    """A parameter axis: a number, a list of numbers, or {start, stop, num} (inclusive linspace)."""
    if isinstance(x, Mapping):
        if set(x) != {"start", "stop", "num"}:
            raise FlavomonInputError(
                f"{where}: {what} as a range needs exactly start, stop, num (got {', '.join(sorted(x))})"
            )
        start, stop = (_number(x[k], f"{what}.{k}", where) for k in ("start", "stop"))
        num = _int(x["num"], f"{what}.num", where, minimum=1)
        if num > _MAX_POINTS:
            raise FlavomonInputError(f"{where}: {what}.num = {num} is more than {_MAX_POINTS}")
        return [float(round(v, 12)) for v in np.linspace(start, stop, num)]
    if isinstance(x, list):
        if not x:
            raise FlavomonInputError(f"{where}: {what} is an empty list")
        return [_number(v, what, where) for v in x]
    return [_number(x, what, where)]


def _number(x: Any, what: str, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise FlavomonInputError(f"{where}: {what} must be a number, got {x!r}")
    if not math.isfinite(x):
        raise FlavomonInputError(f"{where}: {what} must be finite, got {x!r}")
    return float(x)


def _spec_label(family: str, params: Mapping[str, float]) -> str:
    return family + ":" + ",".join(f"{k}={v!r}" for k, v in params.items())


def _family_point(spec: str, where: str, ctx: str) -> DistributionPoint:
    try:
        dist = from_spec(spec)
    except FlavomonInputError as e:
        raise FlavomonInputError(f"{where}: {ctx}: {e}") from None
    family = spec.partition(":")[0].strip().lower()
    params = dict(dist.params)
    label = _spec_label(family, params)
    return DistributionPoint(label, family, params, label, digest=fingerprint({"kind": "family", "spec": label}))


def _table_point(path: Path, where: str, ctx: str) -> DistributionPoint:
    try:
        dist: Distribution = from_file(path)
    except FlavomonInputError as e:
        raise FlavomonInputError(f"{where}: {ctx}: {e}") from None
    v, D = dist.table  # type: ignore[attr-defined]
    v_t, D_t = tuple(float(x) for x in v), tuple(float(x) for x in D)
    return DistributionPoint(
        label=path.name,
        family="table",
        params={},
        spec=None,
        table=path.name,
        table_path=str(path),
        table_v=v_t,
        table_D=D_t,
        digest=fingerprint({"kind": "table", "name": path.name, "v": v_t, "D": D_t}),
    )


def _expand_entry(entry: Any, i: int, base: Path, where: str) -> list[DistributionPoint]:
    ctx = f"[[distributions]] entry {i}"
    if not isinstance(entry, Mapping):
        raise FlavomonInputError(f"{where}: {ctx} must be a table")
    if "gradient" in entry:  # the entry's own gradient axis (docs §11), instead of [sweep] gradient
        entry = dict(entry)
        Gs = tuple(_values(entry.pop("gradient"), f"{ctx} gradient", where))
        if len(set(Gs)) != len(Gs):
            raise FlavomonInputError(f"{where}: {ctx} gradient lists a value twice: {list(Gs)}")
        return [dataclasses.replace(d, gradients=Gs) for d in _expand_entry(entry, i, base, where)]
    kinds = [k for k in ("family", "tables", "table", "spec", "specs") if k in entry]
    if len(kinds) != 1:
        raise FlavomonInputError(
            f"{where}: {ctx} needs exactly one of family, tables, table, spec, specs (got {kinds or 'none'})"
        )
    kind = kinds[0]
    if kind == "family":
        family = entry["family"]
        if not isinstance(family, str):
            raise FlavomonInputError(f"{where}: {ctx}: family must be a string")
        axes = {k: _values(v, f"{ctx} {k}", where) for k, v in entry.items() if k != "family"}
        out = []
        names = list(axes)
        for combo in itertools.product(*(axes[n] for n in names)):
            spec = family + (":" + ",".join(f"{n}={v!r}" for n, v in zip(names, combo)) if names else "")
            out.append(_family_point(spec, where, ctx))
        return out
    extra = set(entry) - {kind}
    if extra:
        raise FlavomonInputError(f"{where}: {ctx}: unknown key(s) {', '.join(sorted(extra))} beside {kind!r}")
    val = entry[kind]
    if kind == "tables":
        if not isinstance(val, str):
            raise FlavomonInputError(f"{where}: {ctx}: tables must be a folder name")
        folder = (base / val) if not Path(val).is_absolute() else Path(val)
        if not folder.is_dir():
            raise FlavomonInputError(f"{where}: {ctx}: table folder {folder} does not exist")
        files = sorted(f for f in folder.iterdir() if f.suffix.lower() in _TABLE_SUFFIXES)
        if not files:
            raise FlavomonInputError(f"{where}: {ctx}: no .csv or .npz tables in {folder}")
        return [_table_point(f, where, ctx) for f in files]
    specs = [val] if kind in ("spec", "table") else val
    if not isinstance(specs, list) or not specs or not all(isinstance(s, str) for s in specs):
        raise FlavomonInputError(f"{where}: {ctx}: {kind} must be a string or a non-empty list of strings")
    out = []
    for s in specs:
        if s.strip().lower().endswith(_TABLE_SUFFIXES):
            p = Path(s)
            out.append(_table_point(p if p.is_absolute() else base / p, where, ctx))
        elif kind == "table":
            raise FlavomonInputError(f"{where}: {ctx}: table {s!r} must be a .csv or .npz file")
        else:
            out.append(_family_point(s, where, ctx))
    return out


_SLUG = re.compile(r"[^A-Za-z0-9.=_-]+")


def _point_id(d: DistributionPoint, method: str, options: Mapping[str, Any], Nv: int) -> str:
    """File-safe, content-addressed id: ``<label>--<method>-<hash>``.

    The hash (the first 10 hex digits of :func:`flavomon.io.files.fingerprint`, SHA-256 of the
    canonical JSON) covers the distribution's content (SPEC or table data), the method, its
    options and Nv, so a changed option or an edited table never reuses an old result.
    """
    slug = _SLUG.sub("_", d.label).strip("_")[:60] or "dist"
    h = fingerprint({"distribution": d.digest, "method": method, "options": dict(options), "Nv": Nv})[:10]
    return f"{slug}--{method}-{h}"
