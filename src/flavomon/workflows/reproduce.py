r"""``flavomon reproduce``: F2's Fig. 1 comparison — QLT against the QKE ensemble — in one call.

For each benchmark distribution :math:`D_v = e^{-2(1-v)^2} - a` [F2 eq. 5] (default
a = 0.9, 0.7, 0.5; box and seed of physics.md §4) this runs, through the public stage
workflows only,

1. the linear analysis (:func:`flavomon.workflows.modes.run_modes`, physics.md §3),
2. the QKE ensemble (:func:`flavomon.workflows.qke.run_qke`, [F2 eq. 4], physics.md §4),
3. full QLT (:func:`flavomon.workflows.qlt.run_qlt`, [F2 eqs. 10–12], physics.md §5),
4. resonant QLT (``run_qlt(..., resonant=True)``, [F2 eqs. 27–30], physics.md §6),

plus the dispersion diagrams of ``shallow:a=0.95`` (F1 Fig. S4 style) and ``isotropic:D0=1``
(F1 Fig. S5), and writes into one folder every netCDF file, ``fig1.png``/``.pdf``,
``modes.png``, ``thermal.png``, ``report.json`` and ``report.md``.

Because every piece is produced by the same function (and options) that the separate
commands ``flavomon modes/qke/qlt`` call, the report's numbers equal those computed from
separate runs (issue 5, Done-when 2).

**Resume.**  Each piece is one file in the folder, written atomically by its workflow.  A
rerun reuses a piece iff its file exists and the run configuration stored in it
(:func:`flavomon.io._netcdf.config_of`) equals the requested one; otherwise it is recomputed.
A QKE ensemble killed mid-run continues from its own checkpoint (``run_qke(resume=True)``).
Figures and the report are rebuilt from the files at the end of every invocation.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import importlib.metadata as _md
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ..errors import FlavomonInputError

__all__ = [
    "ReproduceConfig",
    "Piece",
    "plan_pieces",
    "run_reproduce",
    "QUICK",
    "FULL",
    "DEFAULT",
    "DEFAULT_OUT",
]

DEFAULT_OUT = "flavomon-reproduce"

#: Extra dispersion diagrams: (SPEC, K_min, K_max, n_K).  The shallow mirror image of the
#: benchmark has its bands at -K of the benchmark's [physics.md §2 symmetry, §8.2]; the
#: thermal medium's two real branches are even in K (D_1 = 0), shown for K > 0 as in F1 Fig. S5.
EXTRA_MODES: tuple[tuple[str, str, float, float, int], ...] = (
    ("modes_shallow_a0.95.nc", "shallow:a=0.95", -1.0, 2.5, 351),
    ("modes_isotropic_D0_1.nc", "isotropic:D0=1", 0.01, 2.5, 250),
)

#: Reference numbers of physics.md §9 (Tables A, B) and the issue-4 targets for L1(QKE, QLT).
REFERENCE: dict[float, dict[str, float | None]] = {
    0.9: {"gamma_max": 0.11150931, "K_at_gamma_max": -1.472930, "D0_after_resonant_QLT": -1.18852249,
          "L1_qke_qlt_target": 3e-3},
    0.7: {"gamma_max": 0.26552240, "K_at_gamma_max": -1.055089, "D0_after_resonant_QLT": -0.85481075,
          "L1_qke_qlt_target": 1.5e-2},
    0.5: {"gamma_max": 0.36687674, "K_at_gamma_max": -0.714641, "D0_after_resonant_QLT": -0.55589616,
          "L1_qke_qlt_target": None},
}

#: Option names that change how, not what, a piece is computed; never compared on reuse.
_EXECUTION_KEYS = frozenset({"out", "plot", "progress", "command", "workers", "resume", "checkpoint_every"})


@dataclass(frozen=True)
class ReproduceConfig:
    """What ``flavomon reproduce`` runs.  Defaults = F2's benchmark (physics.md §4, §5).

    Attributes
    ----------
    a_values : tuple of float
        Benchmark parameters a of [F2 eq. 5]; each needs an angular crossing (e^-8 < a < 1).
    realizations, seed : int
        QKE ensemble size and first seed (realization r uses seed + r).
    L, Nz, Nv, t_end, dt_out : box length, z points, velocity nodes, final time, output cadence.
    seed_power : float
        Flat seed power per box mode, :math:`|\\psi_{0,K}(0)|^2` (1e-13, physics.md §4).
    qlt_n_K, k_min, k_max : QLT wavenumber grid in shifted k (600 points in [-2, 2], F2).
    modes_n_K, modes_K_min, modes_K_max : K grid of the linear analysis.
    backend : "numpy" or "jax" for the QKE.
    workers : int or None
        QKE worker processes (execution only: results are identical for any value).
    qke_checkpoint_every : float
        Seconds between QKE checkpoints (execution only; a killed run resumes from the last one).
    """

    a_values: tuple[float, ...] = (0.9, 0.7, 0.5)
    realizations: int = 20
    seed: int = 0
    L: float = 100.0
    Nz: int = 700
    Nv: int = 100
    t_end: float = 500.0
    dt_out: float = 1.0
    seed_power: float = 1e-13
    qlt_n_K: int = 600
    k_min: float = -2.0
    k_max: float = 2.0
    modes_n_K: int = 351
    modes_K_min: float = -2.5
    modes_K_max: float = 1.0
    backend: str = dataclasses.field(default_factory=lambda: _default_backend())
    workers: int | None = field(default=None, compare=False)
    qke_checkpoint_every: float = field(default=60.0, compare=False)

    def __post_init__(self) -> None:
        a_values = tuple(float(a) for a in np.atleast_1d(self.a_values))
        object.__setattr__(self, "a_values", a_values)
        if not a_values:
            raise FlavomonInputError("--a: give at least one benchmark parameter a")
        for a in a_values:
            if not (math.isfinite(a) and math.exp(-8.0) < a < 1.0):
                raise FlavomonInputError(
                    f"--a {a:g}: the benchmark exp(-2(1-v)^2) - a has an angular crossing (and so "
                    f"something to evolve) only for exp(-8) < a < 1"
                )
        if len(set(a_values)) != len(a_values):
            raise FlavomonInputError(f"--a: repeated values in {a_values}")
        for name in ("realizations", "Nz", "Nv", "qlt_n_K", "modes_n_K"):
            val = getattr(self, name)
            if isinstance(val, bool) or not isinstance(val, (int, np.integer)):
                raise FlavomonInputError(f"{name} must be an integer, got {val!r}")
        if self.realizations < 2:
            raise FlavomonInputError(
                f"--realizations {self.realizations}: need >= 2 for an ensemble std and noise floor"
            )
        if self.seed < 0:
            raise FlavomonInputError(f"--seed {self.seed}: must be >= 0")
        for name in ("L", "t_end", "dt_out", "seed_power"):
            val = float(getattr(self, name))
            if not (math.isfinite(val) and val > 0):
                raise FlavomonInputError(f"{name} = {val!r} must be a positive finite number")
        if self.dt_out > self.t_end:
            raise FlavomonInputError(f"dt_out = {self.dt_out:g} exceeds t_end = {self.t_end:g}")
        if not (math.isfinite(self.qke_checkpoint_every) and self.qke_checkpoint_every > 0):
            raise FlavomonInputError(f"--checkpoint-every {self.qke_checkpoint_every!r}: must be > 0 seconds")
        if self.backend not in ("numpy", "jax"):
            raise FlavomonInputError(f"--backend {self.backend!r}: expected numpy or jax")

    def physics_dict(self) -> dict[str, Any]:
        """The configuration without execution-only options (what the report records)."""
        d = dataclasses.asdict(self)
        d.pop("workers")
        d.pop("qke_checkpoint_every")
        d["a_values"] = list(self.a_values)
        return d


def _default_backend() -> str:
    """The QKE back-end of the main job: JAX (2.5x faster on one CPU core, benchmarks/bench_qke.py)
    where it is installed (a core dependency), NumPy otherwise.  The two agree to 1e-10."""
    import importlib.util

    return "jax" if importlib.util.find_spec("jax") is not None else "numpy"


#: Full fidelity: F2's benchmark exactly (20 realizations, Nz = 700, t = 500)  [physics.md §4].
FULL = ReproduceConfig()

#: What ``flavomon reproduce`` runs with no options: F2's set-up with a 4-realization QKE ensemble
#: (the 20-realization ensemble takes longer than the 5-minute target on a 2-core machine; every
#: realization is still the full benchmark, only the ensemble mean is noisier — the report
#: states the noise floor).  ``--full`` gives :data:`FULL`.
DEFAULT = ReproduceConfig(realizations=4)

#: ``--quick``: the smallest ensemble that still has a standard deviation.
QUICK = ReproduceConfig(realizations=2)


# ----------------------------------------------------------------------------------------
# pieces
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    """One file of the reproduction, made by one workflow call.

    ``kwargs`` are passed verbatim to the workflow (``run_<kind>(distribution, **kwargs)``);
    its physics part is the configuration compared on reuse.
    """

    kind: str  # "modes" | "qke" | "qlt" | "qlt_resonant"
    filename: str
    distribution: str
    kwargs: Mapping[str, Any]
    a: float | None = None

    @property
    def label(self) -> str:
        return f"{self.kind} {self.distribution}"

    def requested_config(self) -> dict[str, Any]:
        return {k: v for k, v in self.kwargs.items() if k not in _EXECUTION_KEYS}


def _a_tag(a: float) -> str:
    return f"a{a:.12g}"  # 0.9 -> "a0.9"; distinct a never share a file name


def plan_pieces(cfg: ReproduceConfig) -> list[Piece]:
    """The ordered list of pieces for ``cfg`` (per a: modes, QKE, QLT, resonant QLT; then extras)."""
    pieces: list[Piece] = []
    modes_kw = dict(K_min=cfg.modes_K_min, K_max=cfg.modes_K_max, n_K=cfg.modes_n_K)
    qlt_kw = dict(
        Nv=cfg.Nv, n_K=cfg.qlt_n_K, k_min=cfg.k_min, k_max=cfg.k_max, t_end=cfg.t_end,
        seed_power=cfg.seed_power, L=cfg.L, dt_out=cfg.dt_out,
    )
    qke_kw = dict(
        L=cfg.L, Nz=cfg.Nz, Nv=cfg.Nv, t_end=cfg.t_end, dt_out=cfg.dt_out,
        realizations=cfg.realizations, seed=cfg.seed, seed_power=cfg.seed_power, backend=cfg.backend,
        workers=cfg.workers, checkpoint_every=cfg.qke_checkpoint_every,
    )
    for a in cfg.a_values:
        spec = f"benchmark:a={a!r}"
        tag = _a_tag(a)
        pieces.append(Piece("modes", f"modes_{tag}.nc", spec, dict(modes_kw), a))
        pieces.append(Piece("qke", f"qke_{tag}.nc", spec, dict(qke_kw), a))
        pieces.append(Piece("qlt", f"qlt_{tag}.nc", spec, dict(qlt_kw, resonant=False), a))
        pieces.append(Piece("qlt_resonant", f"qlt_resonant_{tag}.nc", spec, dict(qlt_kw, resonant=True), a))
    if 0.9 not in cfg.a_values:  # modes.png always shows benchmark:a=0.9 (F1 Fig. S4 style)
        pieces.append(Piece("modes", "modes_a0.9.nc", "benchmark:a=0.9", dict(modes_kw), 0.9))
    for fname, spec, kmin, kmax, nk in EXTRA_MODES:
        pieces.append(Piece("modes", fname, spec, dict(K_min=kmin, K_max=kmax, n_K=nk)))
    return pieces


# ----------------------------------------------------------------------------------------
# reuse
# ----------------------------------------------------------------------------------------
def _norm(x: Any) -> Any:
    """JSON round trip, so that tuples/lists and numpy scalars compare as stored."""
    return json.loads(json.dumps(x, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    return a == b


def _same_distribution(stored: Any, requested: str) -> bool:
    from ..distributions import from_spec

    if stored is None:
        return False
    if isinstance(stored, dict):
        stored = stored.get("spec", stored.get("name"))
    if stored == requested:
        return True
    try:
        return from_spec(str(stored)).spec == from_spec(requested).spec
    except FlavomonInputError:
        return False


def stored_config(path: Path) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(config, attrs)`` of a finished piece, or None if the file is missing or unreadable."""
    import xarray as xr

    from ..io._netcdf import config_of

    if not path.is_file():
        return None
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            return config_of(ds), dict(ds.attrs)
    except Exception:  # unreadable / foreign file: recompute it
        return None


def config_mismatch(piece: Piece, path: Path) -> str | None:
    """None if ``path`` holds this piece with the requested configuration, else the reason."""
    got = stored_config(path)
    if got is None:
        return "missing" if not path.exists() else "unreadable"
    cfg, attrs = got
    if attrs.get("status") == "interrupted":
        return "interrupted run"
    dist = cfg.get("distribution", attrs.get("distribution"))
    if not _same_distribution(dist, piece.distribution):
        return f"distribution {dist!r} != {piece.distribution!r}"
    req = _norm(piece.requested_config())
    for key, want in req.items():
        if key not in cfg:
            if want is None:  # an unset option (workflow default) need not be stored
                continue
            return f"config has no {key!r}"
        if not _same_value(_norm(cfg[key]), want):
            return f"{key}: stored {cfg[key]!r}, requested {want!r}"
    return None


# ----------------------------------------------------------------------------------------
# provenance
# ----------------------------------------------------------------------------------------
def _versions() -> dict[str, str]:
    from .._version import __version__

    out = {"flavomon": __version__, "python": platform.python_version()}
    for pkg in ("numpy", "scipy", "xarray", "netCDF4", "matplotlib", "jax"):
        try:
            out[pkg] = _md.version(pkg)
        except _md.PackageNotFoundError:
            pass
    return out


def _machine() -> dict[str, Any]:
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


def _write_json(path: Path, obj: Any) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        json.dump(obj, fh, indent=2)
    os.replace(tmp, path)


def _prepare_out(out: str | os.PathLike) -> Path:
    """Create the output folder (parent must exist) and check it is writable — before any work."""
    d = Path(out)
    if str(out) == "":
        raise FlavomonInputError("--out: empty folder name")
    if d.exists() and not d.is_dir():
        raise FlavomonInputError(f"--out {d}: exists and is not a folder")
    if not d.exists():
        parent = d.parent if str(d.parent) else Path(".")
        if not parent.is_dir():
            raise FlavomonInputError(f"--out {d}: parent folder {parent} does not exist")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise FlavomonInputError(f"--out {d}: parent folder {parent} is not writable")
        d.mkdir()
    if not os.access(d, os.W_OK | os.X_OK):
        raise FlavomonInputError(f"--out {d}: folder is not writable")
    return d


# ----------------------------------------------------------------------------------------
# the stage calls
# ----------------------------------------------------------------------------------------
_STAGES = {
    "modes": ("flavomon.workflows.modes", "run_modes"),
    "qke": ("flavomon.workflows.qke", "run_qke"),
    "qlt": ("flavomon.workflows.qlt", "run_qlt"),
    "plot_modes": ("flavomon.plotting.modes", "plot_modes"),
}


def _stage(name: str) -> Callable[..., Any]:
    """The public stage function ``name`` (imported lazily; the single point tests may replace)."""
    import importlib

    modname, attr = _STAGES[name]
    try:
        return getattr(importlib.import_module(modname), attr)
    except (ImportError, AttributeError) as e:  # pragma: no cover - incomplete installation
        raise RuntimeError(f"flavomon reproduce needs {modname}.{attr}, which is not available: {e}") from e


def _run_piece(piece: Piece, path: Path, *, progress: bool, command: str) -> None:
    """Make one piece by calling its public workflow with ``out=path`` (the file is the result)."""
    kw = dict(piece.kwargs)
    if piece.kind == "modes":
        _stage("modes")(piece.distribution, out=path, command=command, **kw)
    elif piece.kind == "qke":
        # a QKE ensemble killed mid-run left its checkpoint folder <file>.ckpt: continue from it
        # (bit-identical to an uninterrupted run, issue 3); a checkpoint of another configuration
        # is ours to discard.
        from ..errors import ConfigMismatchError

        run_qke = _stage("qke")
        ckpt = Path(str(path) + ".ckpt")
        ds = None
        if ckpt.exists():
            try:
                ds = run_qke(piece.distribution, out=path, resume=True, progress=progress, command=command, **kw)
            except ConfigMismatchError:
                shutil.rmtree(ckpt, ignore_errors=True)
                if path.exists():
                    path.unlink()
        if ds is None:
            ds = run_qke(piece.distribution, out=path, resume=False, progress=progress, command=command, **kw)
        if ds.attrs.get("status", "completed") != "completed":
            raise KeyboardInterrupt  # the ensemble was stopped; keep its checkpoint for the rerun
    elif piece.kind in ("qlt", "qlt_resonant"):
        _stage("qlt")(piece.distribution, out=path, progress=progress, command=command, **kw)
    else:  # pragma: no cover - plan_pieces makes only these
        raise ValueError(piece.kind)


def _log_default(msg: str) -> None:
    print(f"flavomon reproduce: {msg}", file=sys.stderr, flush=True)


def run_reproduce(
    config: ReproduceConfig | None = None,
    *,
    out: str | os.PathLike = DEFAULT_OUT,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    command: str | None = None,
) -> dict[str, Any]:
    """Run (or resume) the whole reproduction into folder ``out``; return the report dictionary.

    Parameters
    ----------
    config : ReproduceConfig, optional
        Default :data:`DEFAULT`.
    out : path
        Output folder; created if missing (its parent must exist).
    progress : bool
        Show the stages' progress bars (simulated time, steps/s, ETA) on stderr.
    log : callable, optional
        Receives one line per step (default: stderr).
    command : str, optional
        Recorded in the files' ``command`` attribute.
    """
    cfg = DEFAULT if config is None else config
    log = log or _log_default
    folder = _prepare_out(out)
    t_start = time.perf_counter()
    if command is None:
        command = "flavomon reproduce"
    pieces = plan_pieces(cfg)

    timings_path = folder / "timings.json"
    try:
        timings: dict[str, Any] = json.loads(timings_path.read_text()) if timings_path.exists() else {}
    except (OSError, ValueError):
        timings = {}

    run_times: dict[str, Any] = {}
    n = len(pieces)
    log(f"{n} pieces into {folder}/ (a = {', '.join(f'{a:g}' for a in cfg.a_values)}; "
        f"{cfg.realizations} realizations, Nz = {cfg.Nz}, Nv = {cfg.Nv}, t_end = {cfg.t_end:g})")
    for i, piece in enumerate(pieces, 1):
        path = folder / piece.filename
        why = config_mismatch(piece, path)
        head = f"[{i}/{n}] {piece.label} -> {piece.filename}"
        if why is None:
            prev = timings.get(piece.filename, {})
            same = _same_value(prev.get("config"), _norm(piece.requested_config()))
            seconds = prev.get("seconds") if same else None
            if seconds is None:  # made by another invocation (e.g. a separate command): its own record
                got = stored_config(path)
                wall = got[1].get("wall_time") if got else None
                seconds = float(wall) if wall is not None else None
            run_times[piece.filename] = {"seconds": seconds, "reused": True}
            log(f"{head}: finished earlier, reused")
            continue
        if why != "missing":
            log(f"{head}: recomputing ({why})")
        else:
            log(f"{head}: running")
        t0 = time.perf_counter()
        _run_piece(piece, path, progress=progress, command=f"{command}  # piece {piece.filename}")
        dt = time.perf_counter() - t0
        timings[piece.filename] = {"seconds": dt, "config": _norm(piece.requested_config())}
        _write_json(timings_path, timings)
        run_times[piece.filename] = {"seconds": dt, "reused": False}
        log(f"{head}: done in {dt:.1f} s")

    # ---- figures and report, always rebuilt from the files -------------------------------
    t0 = time.perf_counter()
    log("figures and report")
    report = build_report(cfg, folder, pieces)
    fig_s = time.perf_counter() - t0
    report["timing"] = {
        "pieces": run_times,
        "figures_and_report_seconds": fig_s,
        "total_seconds": time.perf_counter() - t_start,
        "total_compute_seconds_all_pieces": _sum_or_none(v.get("seconds") for v in run_times.values()),
    }
    from ..report import write_report

    write_report(report, folder)
    log(f"done in {report['timing']['total_seconds']:.1f} s: {folder / 'report.md'}")
    return report


def _sum_or_none(xs) -> float | None:
    xs = list(xs)
    return None if any(x is None for x in xs) else float(sum(xs))


def build_report(cfg: ReproduceConfig, folder: Path, pieces: list[Piece] | None = None) -> dict[str, Any]:
    """Draw the figures and assemble the report dictionary from the finished files in ``folder``."""
    from ..io import read_dataset
    from ..report import comparison_numbers, scalar_of

    pieces = plan_pieces(cfg) if pieces is None else pieces
    ds: dict[str, Any] = {p.filename: read_dataset(folder / p.filename) for p in pieces}

    runs: dict[float, dict[str, Any]] = {}
    results: dict[str, Any] = {}
    for a in cfg.a_values:
        tag = _a_tag(a)
        r = {
            "qke": ds[f"qke_{tag}.nc"],
            "qlt": ds[f"qlt_{tag}.nc"],
            "qlt_resonant": ds[f"qlt_resonant_{tag}.nc"],
        }
        runs[a] = r
        nums = comparison_numbers(modes=ds[f"modes_{tag}.nc"], L=cfg.L, **r)
        nums["distribution"] = f"benchmark:a={a!r}"
        nums["status"] = {k: r[k].attrs.get("status") for k in r}
        if a in REFERENCE:
            nums["reference_physics_md"] = dict(REFERENCE[a])
        nums["files"] = {k: f"{k}_{tag}.nc" for k in ("modes", "qke", "qlt", "qlt_resonant")}
        results[f"{a:.12g}"] = nums
    extra = {}
    for fname, spec, *_ in EXTRA_MODES:
        d = ds[fname]
        g = scalar_of(d, "gamma_max")
        extra[spec] = {
            "file": fname,
            "gamma_max": g if np.isfinite(g) else None,
            "K_at_gamma_max": (lambda x: x if np.isfinite(x) else None)(scalar_of(d, "K_at_gamma_max")),
        }

    _figures(runs, ds, folder, cfg)
    artefacts = sorted({p.filename for p in pieces}) + [
        "fig1.png", "fig1.pdf", "modes.png", "thermal.png", "report.json", "report.md",
    ]
    return {
        "schema": "flavomon-reproduce/1",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "config": cfg.physics_dict(),
        "results": results,
        "modes_extra": extra,
        "seeds": {
            "qke_realization_seeds": [cfg.seed + r for r in range(cfg.realizations)],
            "seed_power_per_box_mode": cfg.seed_power,
        },
        "versions": _versions(),
        "machine": _machine(),
        "artefacts": artefacts,
    }


def _figures(runs: dict[float, dict[str, Any]], ds: dict[str, Any], folder: Path, cfg: ReproduceConfig) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting.fig1 import plot_fig1

    fig = plot_fig1(runs, folder / "fig1.png", L=cfg.L)
    plt.close(fig)
    _modes_figure([ds["modes_a0.9.nc"], ds[EXTRA_MODES[0][0]]],
                  ["benchmark:a=0.9", EXTRA_MODES[0][1]], folder / "modes.png")
    _modes_figure([ds[EXTRA_MODES[1][0]]], [EXTRA_MODES[1][1]], folder / "thermal.png")


def _modes_figure(datasets: list, titles: list[str], path: Path) -> None:
    """F1 Fig. S4-style diagrams side by side (one column each), each drawn by ``plot_modes``."""
    import matplotlib.pyplot as plt

    plot_modes = _stage("plot_modes")
    n = len(datasets)
    fig, axes = plt.subplots(3, n, figsize=(6.0 * n, 8.6), sharex="col", squeeze=False,
                             gridspec_kw=dict(height_ratios=[1.25, 1.0, 0.85]))
    for j, (d, title) in enumerate(zip(datasets, titles)):
        plot_modes(d, None, ax=list(axes[:, j]), title=title)
        gam = np.asarray(d["Omega_imag"].values, dtype=float)
        if np.all(~np.isfinite(gam) | (np.abs(gam) < 1e-10)):
            # only real roots (e.g. the thermal medium, F1 Fig. S5): show Im Omega = 0 on a sensible
            # scale instead of magnified round-off
            axes[1, j].set_ylim(-0.05, 0.05)
            axes[1, j].text(0.02, 0.9, "all roots real (|Im Ω| < 1e-10)", transform=axes[1, j].transAxes,
                            fontsize=8)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)
