r"""Running ``flavomon reproduce``: make (or reuse) every piece, then the figures and the report.

:func:`run_reproduce` checks the output folder, plans the pieces (:mod:`.plan`), and for each
piece either reuses its file (:mod:`.reuse`) or calls the public workflow that makes it.  The
figures (:mod:`flavomon.plotting`) and the report (:mod:`flavomon.report`) are then rebuilt
from the files alone, so the report's numbers equal those computed from separate
``flavomon modes/qke/qlt`` runs of the same options.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ...errors import FlavomonInputError
from ...io import read_dataset
from ...io.files import OutputInUseError, OutputLock, atomic_write_text, check_figure_path, check_output_path, fingerprint
from ...report import comparison_numbers, scalar_of, write_report
from .._estimate import PIECE_S, qke_seconds
from .._outdir import prepare_output_folder
from .._progress import format_seconds, progress_context
from ..modes import modes_to_file
from ..qke import checkpoint_dir, qke_to_file
from ..qlt import qlt_to_file
from .config import DEFAULT, DEFAULT_OUT, REFERENCE, ReproduceConfig
from .plan import EXTRA_MODES, Piece, a_tag, plan_pieces, validate_pieces
from .provenance import machine, versions
from .reuse import config_mismatch, stored_config

__all__ = ["run_reproduce", "build_report", "ARTEFACTS"]

ARTEFACTS = ("fig1.png", "fig1.pdf", "modes.png", "thermal.png", "report.json", "report.md")
"""The files besides the pieces' netCDF files that every invocation (re)writes."""

_STAGES: dict[str, Callable[..., Any]] = {"modes": modes_to_file, "qke": qke_to_file, "qlt": qlt_to_file}


def _stage(name: str) -> Callable[..., Any]:
    """The public stage workflow ``name`` (the one point tests may replace)."""
    return _STAGES[name]


def _run_piece(piece: Piece, path: Path, *, progress: bool, command: str,
               log: Callable[[str], None] | None = None) -> None:
    """Make one piece by calling its public workflow with ``out=path`` (the file is the result)."""
    kw = dict(piece.kwargs)
    if piece.kind == "modes":
        _stage("modes")(piece.dist, out=path, command=command, **kw)
    elif piece.kind == "qke":
        # a QKE ensemble killed mid-run left its checkpoint folder <file>.ckpt: continue from it
        # (bit-identical to an uninterrupted run).  A checkpoint that cannot be continued — of
        # another configuration, or damaged (truncated, bit-flipped, impossible values) — is
        # discarded (flavomon's own files in it only) and the piece recomputed, so rerunning the
        # same command always recovers.  A piece in use by another run (its lock) is an error.
        qke_job = _stage("qke")
        ckpt = checkpoint_dir(path)
        ds = None
        if ckpt.exists():
            try:
                ds = qke_job(piece.dist, out=path, resume=True, progress=progress, command=command, **kw)
            except OutputInUseError:
                raise  # another run is making this piece: never touch its files
            except FlavomonInputError as e:
                (log or _log_default)(f"{piece.filename}: its checkpoint cannot be continued ({e}); recomputing")
        if ds is None and ckpt.exists():
            ds = qke_job(piece.dist, out=path, restart=True, progress=progress, command=command, **kw)
        elif ds is None:
            ds = qke_job(piece.dist, out=path, resume=False, progress=progress, command=command, **kw)
        if ds.attrs.get("status", "completed") != "completed":
            raise KeyboardInterrupt  # the ensemble was stopped; keep its checkpoint for the rerun
    elif piece.kind in ("qlt", "qlt_resonant"):
        _stage("qlt")(piece.dist, out=path, progress=progress, command=command, **kw)
    else:  # pragma: no cover - plan_pieces makes only these
        raise ValueError(piece.kind)


def check_outputs(folder: Path, pieces: list[Piece]) -> None:
    """Check, before any work, every file the run will write into ``folder`` (one-line errors).

    Each piece's netCDF file and the artefacts must be regular files or new names (never a link,
    FIFO, socket, device or folder; figures in a format matplotlib writes), and a piece's
    checkpoint folder ``<file>.ckpt`` must be a real folder or absent.
    """
    for name in [p.filename for p in pieces] + ["timings.json", "report.json", "report.md"]:
        check_output_path(folder / name, what="--out")
    for name in ARTEFACTS:
        if name.endswith((".png", ".pdf")):
            check_figure_path(folder / name, what="--out")
    for p in pieces:
        if p.kind == "qke":
            ck = checkpoint_dir(folder / p.filename)
            if ck.is_symlink() or (ck.exists() and not ck.is_dir()):
                raise FlavomonInputError(f"--out {folder}: {ck} is not a checkpoint folder (a link or a file); remove it")


def estimate_piece(piece: Piece) -> float:
    """Estimated wall seconds of one piece on the reference machine (:mod:`flavomon.workflows._estimate`)."""
    if piece.kind != "qke":
        return PIECE_S
    from ...qke import QKEConfig

    kw = piece.requested_config()
    return qke_seconds(QKEConfig(**kw).resolve(piece.dist), piece.kwargs.get("workers"))


class _Overall:
    """The time left in all: the running piece's own measured ETA plus the estimates of the pieces after
    it, scaled by measured / estimated of the QKE pieces finished so far (the estimate's constants are
    those of the reference machine; this machine may be faster or slower)."""

    def __init__(self, est: dict[str, float], qke_names: set[str]) -> None:
        self.est = dict(est)
        self._qke_est = {k: v for k, v in est.items() if k in qke_names}
        self.ratio: float | None = None
        self.current: str | None = None

    def finished(self, name: str, seconds: float) -> None:
        self.est.pop(name, None)
        if name in self._qke_est:
            r = seconds / max(self._qke_est[name], 1e-9)
            self.ratio = r if self.ratio is None else 0.5 * (self.ratio + r)

    def after_current(self) -> float:
        r = self.ratio or 1.0
        return sum(v * (r if k in self._qke_est else 1.0) for k, v in self.est.items() if k != self.current)

    def __call__(self, left: float | None) -> float | None:
        return None if left is None else left + self.after_current()


def _log_default(msg: str) -> None:
    print(f"flavomon reproduce: {msg}", file=sys.stderr, flush=True)


def _read_timings(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        return {}


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
        Default :data:`~flavomon.workflows.reproduce.DEFAULT`.
    out : path
        Output folder; created if missing (its parent must exist).
    progress : bool
        Show the stages' progress bars (simulated time, steps/s, ETA) on stderr.
    log : callable, optional
        Receives one line per step (default: stderr).
    command : str, optional
        Recorded in the files' ``command`` attribute.

    Returns
    -------
    dict
        The report (also written as ``report.json`` and ``report.md`` into ``out``).
    """
    cfg = DEFAULT if config is None else config
    log = log or _log_default
    pieces = plan_pieces(cfg)
    validate_pieces(pieces)  # every option of every piece, before the folder is made and any piece runs
    folder = prepare_output_folder(out)
    check_outputs(folder, pieces)  # every file it will write, before any work
    # one reproduction per folder at a time: the lock file DIR/reproduce.lock holds the pid
    with OutputLock(folder, what="--out", lock_path=folder / "reproduce.lock",
                    note=lambda m: log(f"note: {m}")):
        t_start = time.perf_counter()
        if command is None:
            command = "flavomon reproduce"

        timings_path = folder / "timings.json"
        timings = _read_timings(timings_path)
        run_times: dict[str, Any] = {}
        n = len(pieces)
        log(f"{n} pieces into {folder}/ (a = {', '.join(f'{a:g}' for a in cfg.a_values)}; "
            f"{cfg.realizations} realizations, Nz = {cfg.Nz}{' (chosen per a, in qke_*.nc and report.json)' if cfg.Nz == 'auto' else ''}, "
            f"Nv = {cfg.Nv}, t_end = {cfg.t_end:g})")
        todo = {p.filename: estimate_piece(p) for p in pieces if config_mismatch(p, folder / p.filename) is not None}
        overall = _Overall(todo, {p.filename for p in pieces if p.kind == "qke"})
        if todo:
            total = sum(todo.values())
            n_qke = sum(1 for p in pieces if p.kind == "qke" and p.filename in todo)
            backend = next((p.kwargs.get("backend") for p in pieces if p.kind == "qke"), None)
            from ...qke import default_backend

            log(f"{len(todo)} of them to compute: about {format_seconds(total)} on a 2-core machine like the "
                f"reference one, almost all of it the {n_qke} QKE ensemble(s) of {cfg.realizations} realizations on "
                f"{backend or default_backend()} (--quick: 2 realizations)")
        for i, piece in enumerate(pieces, 1):
            path = folder / piece.filename
            why = config_mismatch(piece, path)
            head = f"[{i}/{n}] {piece.label} -> {piece.filename}"
            fp = fingerprint(piece.requested_config())
            if why is None:
                prev = timings.get(piece.filename, {})
                seconds = prev.get("seconds") if prev.get("fingerprint") == fp else None
                if seconds is None:  # made by another invocation (e.g. a separate command): its own record
                    got = stored_config(path)
                    wall = got[1].get("wall_time") if got else None
                    seconds = float(wall) if wall is not None else None
                run_times[piece.filename] = {"seconds": seconds, "reused": True}
                log(f"{head}: finished earlier, reused")
                continue
            log(f"{head}: recomputing ({why})" if why != "missing" else f"{head}: running")
            t0 = time.perf_counter()
            overall.current = piece.filename
            with progress_context(f"reproduce [{i}/{n}]", overall):
                _run_piece(piece, path, progress=progress, command=f"{command}  # piece {piece.filename}", log=log)
            dt = time.perf_counter() - t0
            timings[piece.filename] = {"seconds": dt, "fingerprint": fp}
            atomic_write_text(timings_path, json.dumps(timings, indent=2))
            run_times[piece.filename] = {"seconds": dt, "reused": False}
            overall.finished(piece.filename, dt)
            overall.current = None
            left = overall.after_current()
            log(f"{head}: done in {dt:.1f} s" + (f"; about {format_seconds(left)} left overall" if left > 30 else ""))

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
        write_report(report, folder)
        log(f"done in {report['timing']['total_seconds']:.1f} s: {folder / 'report.md'}")
        return report


def _sum_or_none(xs) -> float | None:
    xs = list(xs)
    return None if any(x is None for x in xs) else float(sum(xs))


def _finite_or_none(x: float) -> float | None:
    return x if np.isfinite(x) else None


def build_report(cfg: ReproduceConfig, folder: Path, pieces: list[Piece] | None = None) -> dict[str, Any]:
    """Draw the figures and assemble the report dictionary from the finished files in ``folder``.

    Parameters
    ----------
    cfg : ReproduceConfig
        The configuration the files were made with.
    folder : Path
        The output folder holding every piece's file.
    pieces : list of Piece, optional
        ``plan_pieces(cfg)`` if not given.

    Returns
    -------
    dict
        The report without its ``timing`` part.
    """
    pieces = plan_pieces(cfg) if pieces is None else pieces
    ds: dict[str, Any] = {p.filename: read_dataset(folder / p.filename) for p in pieces}

    runs: dict[float, dict[str, Any]] = {}
    results: dict[str, Any] = {}
    for a in cfg.a_values:
        tag = a_tag(a)
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
            nums["reference"] = dict(REFERENCE[a])
        nums["files"] = {k: f"{k}_{tag}.nc" for k in ("modes", "qke", "qlt", "qlt_resonant")}
        results[f"{a:.12g}"] = nums
    extra = {}
    for fname, spec, *_ in EXTRA_MODES:
        d = ds[fname]
        extra[spec] = {
            "file": fname,
            "gamma_max": _finite_or_none(scalar_of(d, "gamma_max")),
            "K_at_gamma_max": _finite_or_none(scalar_of(d, "K_at_gamma_max")),
        }

    _figures(runs, ds, folder, cfg)
    artefacts = sorted({p.filename for p in pieces}) + list(ARTEFACTS)
    return {
        "schema": "flavomon-reproduce/2",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "config": cfg.physics_dict(),
        "results": results,
        "modes_extra": extra,
        "seeds": {
            "qke_realization_seeds": [cfg.seed + r for r in range(cfg.realizations)],
            "seed_power_per_box_mode": cfg.seed_power,
        },
        "versions": versions(),
        "machine": machine(),
        "artefacts": artefacts,
    }


def _figures(runs: dict[float, dict[str, Any]], ds: dict[str, Any], folder: Path, cfg: ReproduceConfig) -> None:
    """fig1.png/.pdf (F2 Fig. 1), modes.png (F1 Fig. S4 style) and thermal.png (F1 Fig. S5)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ...plotting.fig1 import plot_fig1
    from ...plotting.panels import plot_modes_panels

    plt.close(plot_fig1(runs, folder / "fig1.png", L=cfg.L))
    (shallow_file, shallow_spec, *_), (thermal_file, thermal_spec, *_) = EXTRA_MODES
    plt.close(plot_modes_panels([ds["modes_a0.9.nc"], ds[shallow_file]], ["benchmark:a=0.9", shallow_spec],
                                folder / "modes.png"))
    plt.close(plot_modes_panels([ds[thermal_file]], [thermal_spec], folder / "thermal.png"))
