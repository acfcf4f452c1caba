r"""The sweep engine: one Dask task per (distribution, method) point.

Flow (client side, :func:`run_sweep`)::

    config --> points --> skip those with DIR/points/<id>.nc --> submit the rest to Dask
           --> as each finishes: write DIR/points/<id>.nc (or <id>.error.json), atomically
           --> combine every point into DIR/sweep.nc  (+ the predictor comparison if the
               sweep has a QKE reference and a predictor)

Design choices (documented in docs/sweep.md):

* **The client writes every file.**  Workers get the table *data* with the task and return a
  small record (the final :math:`D_v`, gamma_max, ...), so a cluster needs no shared file
  system, and a point file exists only once its result is safely on the client's disk.
* **Restart = rerun.**  A point whose ``.nc`` exists is never recomputed (ids are content
  fingerprints of distribution, method, options and Nv, :func:`flavomon.io.files.fingerprint`,
  so a changed option is a new point).  A
  killed client loses only the points that were still running.  Failed points are tried
  again on a rerun.
* **Failures are data.**  A Python exception inside a point is caught on the worker and
  returned as a record (message and traceback) — it is not retried, since it would fail
  again.  A *worker* that dies (OOM, node loss, SIGKILL) is handled by Dask: its tasks are
  rescheduled on the remaining workers, and ``retries`` more times if Dask gives up on them
  (``KilledWorker``).
* **QKE points** run all their realizations serially inside one task with ``workers=1``:
  the ensemble is then bit-identical to ``flavomon qke`` with the same seed, and a sweep has
  many more points than cores, so per-seed splitting would buy nothing but traffic.
  QKE points are submitted with a higher priority so the long tasks start first.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import shlex
import socket
import sys
import time
import traceback
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import xarray as xr

from .._version import __version__
from ..distributions import Distribution, from_spec, from_table
from ..errors import FlavomonInputError
from ..grids import VelocityGrid
from ..io import provenance_attrs, read_dataset, write_dataset
from ..io.files import atomic_write_text
from ..workflows._outdir import prepare_output_folder
from .config import DistributionPoint, SweepConfig, SweepPoint, load_config
from .methods import METHODS

__all__ = ["SweepResult", "run_sweep", "dashboard_url", "max_local_workers", "execute_point", "combine_points", "by_parameter", "point_dataset", "POINTS_DIR"]

POINTS_DIR = "points"
_PRIORITY = {"qke": 10}  # long tasks first (longest-processing-time-first load balance)
_SCALARS = ("gamma_max", "K_at_gamma_max", "power_peak", "power_peak_K", "D0_initial", "D0_final",
            "runtime_s", "n_realizations", "max_gain", "G_c")
# max_gain, G_c: the linear estimate in a gradient (method "gain", docs §11); NaN for the other methods


@dataclass(frozen=True)
class SweepResult:
    """Outcome of :func:`run_sweep`.

    Attributes
    ----------
    out_dir : Path
    dataset : xarray.Dataset
        The combined ``sweep.nc``.
    computed, skipped, failed : tuple of str
        Point ids computed in this run (successfully or not), found finished on disk, and
        failed in this run.
    wall_s : float
        Wall time of this run (connect + compute + combine).
    """

    out_dir: Path
    dataset: xr.Dataset
    computed: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[str, ...]
    wall_s: float


# ----------------------------------------------------------------------------------------
# worker side
# ----------------------------------------------------------------------------------------
def _build_distribution(d: DistributionPoint) -> Distribution:
    if d.family == "table":
        return from_table(np.array(d.table_v), np.array(d.table_D), name=d.table, spec=d.table_path or d.table)
    assert d.spec is not None
    return from_spec(d.spec)


def execute_point(point: SweepPoint, command: str) -> dict[str, Any]:
    """Run one point (on a Dask worker) and return a small, picklable record.

    Never raises for an error of the physics or its input: the record then has
    ``status == "failed"`` with the message and the traceback.
    """
    t0 = time.perf_counter()
    rec: dict[str, Any] = {"point_id": point.point_id, "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            dist = _build_distribution(point.distribution)
            grid = VelocityGrid(point.Nv)
            D_init = dist.on_grid(grid.v)
            out = METHODS[point.method].run(dist, grid, point.options, command)
        D_fin, D_std = out.D_final, out.D_final_std
        if D_fin is not None and out.v is not None and (
            len(out.v) != len(grid.v) or np.max(np.abs(np.asarray(out.v) - grid.v)) > 1e-12
        ):
            # a method on another grid: linear interpolation onto the common grid (recorded)
            D_fin = np.interp(grid.v, out.v, D_fin)
            D_std = None if D_std is None else np.interp(grid.v, out.v, D_std)
            out.attrs["interpolated_from_Nv"] = len(out.v)
        nan_v = np.full(grid.v.shape, np.nan)
        rec.update(
            status="ok",
            v=np.asarray(grid.v),
            w=np.asarray(grid.w),
            D_initial=D_init,
            D_final=nan_v if D_fin is None else np.asarray(D_fin, dtype=float),
            D_final_std=nan_v if D_std is None else np.asarray(D_std, dtype=float),
            D0_initial=float(np.sum(grid.w * D_init)),
            D0_final=float("nan") if D_fin is None else float(np.sum(grid.w * D_fin)),
            gamma_max=float(out.gamma_max),
            K_at_gamma_max=float(out.K_at_gamma_max),
            power_peak=float(out.power_peak),
            power_peak_K=float(out.power_peak_K),
            n_realizations=int(out.n_realizations),
            max_gain=float(out.attrs.get("max_gain", float("nan"))),
            G_c=float(out.attrs.get("G_c", float("nan"))),
            attrs=dict(out.attrs),
            warnings=sorted({f"{w.category.__name__}: {w.message}" for w in caught}),
        )
    except Exception as e:  # noqa: BLE001 - failures are data (one bad point must not stop a sweep)
        msg = str(e).splitlines()[0] if str(e) else ""
        rec.update(status="failed", error=f"{type(e).__name__}: {msg}", traceback=traceback.format_exc())
    rec["runtime_s"] = time.perf_counter() - t0
    return rec


# ----------------------------------------------------------------------------------------
# client side: files
# ----------------------------------------------------------------------------------------
def _point_attrs(point: SweepPoint) -> dict[str, Any]:
    d = point.distribution
    return {
        "point_id": point.point_id,
        "method": point.method,
        "label": d.label,
        "family": d.family,
        "table": d.table,
        "params": json.dumps(dict(d.params), sort_keys=True),
        "options": json.dumps(dict(point.options), sort_keys=True),
    }


def point_dataset(point: SweepPoint, rec: Mapping[str, Any], command: str) -> xr.Dataset:
    """The small per-point dataset ``DIR/points/<id>.nc`` built from a worker's record."""
    v = rec["v"]
    ds = xr.Dataset(
        {
            "w": ("v", rec["w"]),
            "D_initial": ("v", rec["D_initial"]),
            "D_final": ("v", rec["D_final"]),
            "D_final_std": ("v", rec["D_final_std"]),
            **{k: ((), rec[k]) for k in _SCALARS},
        },
        coords={"v": v},
    )
    ds["D_final_std"].attrs["long_name"] = "std over realizations (QKE only)"
    ds["runtime_s"].attrs["units"] = "s (wall time of the task on its worker)"
    ds.attrs.update(
        provenance_attrs(
            distribution=point.distribution.label,
            config={"method": point.method, "options": dict(point.options), "Nv": point.Nv},
            command=command,
        )
    )
    ds.attrs.update(_point_attrs(point))
    ds.attrs["status"] = "ok"
    ds.attrs["worker"] = rec.get("worker", "")
    ds.attrs["warnings"] = json.dumps(rec.get("warnings", []))
    ds.attrs["method_attrs"] = json.dumps(rec.get("attrs", {}), default=str)
    return ds


def _store(point: SweepPoint, rec: Mapping[str, Any], pdir: Path, command: str) -> None:
    nc, err = pdir / f"{point.point_id}.nc", pdir / f"{point.point_id}.error.json"
    if rec.get("status") == "ok":
        write_dataset(point_dataset(point, rec, command), nc)
        with contextlib.suppress(FileNotFoundError):
            err.unlink()
    else:
        info = {
            **_point_attrs(point),
            "error": rec.get("error", "unknown error"),
            "traceback": rec.get("traceback", ""),
            "worker": rec.get("worker", ""),
            "runtime_s": rec.get("runtime_s", float("nan")),
            "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        atomic_write_text(err, json.dumps(info, indent=2) + "\n")


def combine_points(config: SweepConfig, out_dir: str | Path, *, command: str | None = None) -> xr.Dataset:
    """Gather every point of ``config`` from ``DIR/points`` into one dataset (``sweep.nc``).

    Dimension ``point`` (one per distribution x method) with coordinates ``point_id``,
    ``method``, ``distribution`` (label), ``family``, ``table`` and ``param_<name>`` for each
    family parameter (NaN where it does not apply); dimension ``v`` (the common
    Gauss–Legendre grid) with ``w``.  ``status`` is "ok", "failed" or "missing".
    """
    pdir = Path(out_dir) / POINTS_DIR
    points = config.points
    grid = VelocityGrid(config.Nv)
    nP, nv = len(points), config.Nv
    arr = {k: np.full((nP, nv), np.nan) for k in ("D_initial", "D_final", "D_final_std")}
    sca = {k: np.full(nP, np.nan) for k in _SCALARS}
    status, error, warn = [], [], []
    for i, p in enumerate(points):
        nc, ej = pdir / f"{p.point_id}.nc", pdir / f"{p.point_id}.error.json"
        if nc.exists():
            ds = read_dataset(nc)
            for k in arr:
                arr[k][i] = np.asarray(ds[k])
            for k in sca:
                sca[k][i] = float(ds[k]) if k in ds.variables else np.nan  # points stored before a scalar existed
            status.append("ok")
            error.append("")
            warn.append("; ".join(json.loads(ds.attrs.get("warnings", "[]"))))
        elif ej.exists():
            info = json.loads(ej.read_text())
            status.append("failed")
            error.append(str(info.get("error", "")))
            warn.append("")
            sca["runtime_s"][i] = float(info.get("runtime_s", np.nan))
        else:
            status.append("missing")
            error.append("")
            warn.append("")
    D0_ref = np.where(np.abs(sca["D0_initial"]) > 0, np.abs(sca["D0_initial"]), 1.0)
    pnames = sorted({k for d in config.distributions for k in d.params})
    coords: dict[str, Any] = {
        "point": np.arange(nP),
        "point_id": ("point", [p.point_id for p in points]),
        "method": ("point", [p.method for p in points]),
        "distribution": ("point", [p.distribution.label for p in points]),
        "family": ("point", [p.distribution.family for p in points]),
        "table": ("point", [p.distribution.table for p in points]),
        "gradient": ("point", [p.gradient for p in points]),
        "v": grid.v,
    }
    for n in pnames:
        coords[f"param_{n}"] = ("point", [float(p.distribution.params.get(n, np.nan)) for p in points])
    data: dict[str, Any] = {
        "w": ("v", grid.w),
        **{k: (("point", "v"), a) for k, a in arr.items()},
        **{k: ("point", a) for k, a in sca.items()},
        "D0_drift": ("point", (sca["D0_final"] - sca["D0_initial"]) / D0_ref),
        "status": ("point", status),
        "error": ("point", error),
        "warnings": ("point", warn),
    }
    out = xr.Dataset(data, coords=coords)
    out["D_final"].attrs["long_name"] = "final box-averaged D_v (QKE: ensemble mean); NaN for 'modes'"
    out["D0_drift"].attrs["long_name"] = (
        "(D0_final - D0_initial)/|D0_initial|; conserved by QKE and full QLT [F2 eq. 13], "
        "not by resonant QLT or the sign rule (the flipped lepton number goes into flavomons, docs §6)"
    )
    out["gamma_max"].attrs["long_name"] = "largest growth rate of the initial distribution"
    out["runtime_s"].attrs["units"] = "s (per point, on its worker)"
    out.attrs.update(
        provenance_attrs(
            distribution=f"sweep {config.name}: {len(config.distributions)} distributions",
            config=config.as_dict(),
            command=command,
        )
    )
    out.attrs["n_ok"] = int(status.count("ok"))
    out.attrs["n_failed"] = int(status.count("failed"))
    out.attrs["n_missing"] = int(status.count("missing"))
    return out


def by_parameter(ds: xr.Dataset, *, method: str, param: str, family: str | None = None) -> xr.Dataset:
    """The points of one method (and family) re-indexed by a family parameter.

    ``by_parameter(ds, method="qlt", param="a")["D_final"]`` has dims ``(a, v)``.
    """
    sel = ds["method"].values == method
    if family is not None:
        sel &= ds["family"].values == family
    name = f"param_{param}"
    if name not in ds.coords:
        raise FlavomonInputError(f"sweep has no parameter {param!r}")
    sub = ds.isel(point=np.flatnonzero(sel & np.isfinite(ds[name].values)))
    return sub.swap_dims(point=name).rename({name: param}).sortby(param)


# ----------------------------------------------------------------------------------------
# client side: Dask
# ----------------------------------------------------------------------------------------
#: The only HTTP routes a cluster serves when no dashboard is asked for (the scheduler and the
#: workers always run an HTTP server; ``health`` reveals nothing but "ok").
_HEALTH_ONLY = ["distributed.http.health"]
_CLOSE_TIMEOUT_S = 20  # bound on closing the client / the LocalCluster, also after a Ctrl-C


def max_local_workers() -> int:
    """The largest LocalCluster accepted: 4 processes per CPU of this machine (a typo guard)."""
    return 4 * (os.cpu_count() or 1)


def _local_security() -> Any:
    """Security of the default LocalCluster: TLS with a throw-away certificate (``Security.temporary``).

    The certificate exists only in this client's memory (and in the worker processes it
    starts), so no other process, even of the same user on this machine, can connect to the
    scheduler, the nannies or the workers and run code there (``run_on_scheduler``).  Without
    the optional package ``cryptography`` the cluster is plain TCP, still on 127.0.0.1 only.
    """
    from distributed.security import Security

    try:
        return Security.temporary()
    except ImportError:
        return None


@contextlib.contextmanager
def _child_processes_ignore_sigint() -> Iterator[None]:
    """Block SIGINT in this thread while the LocalCluster starts its event loop and workers.

    A terminal's Ctrl-C goes to the whole foreground process group: the worker processes would
    each die with a KeyboardInterrupt traceback while the client shuts them down anyway.  The
    signal mask is inherited by threads created meanwhile (Dask's event-loop thread, which
    spawns the workers, also the ones it restarts later) and by the processes they start, so
    the workers never see a Ctrl-C; the worker preload :mod:`flavomon.sweep._worker_init` also
    ignores it.  The client itself is still interrupted at once (the signal goes to one of its
    threads that does not block it, and Python runs the handler in the main thread).

    multiprocessing's resource tracker is started first, here: starting it later from the
    event-loop thread would *unblock* SIGINT in that thread (``resource_tracker.ensure_running``
    blocks and then unblocks the signals around its spawn).
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    import sys
    from multiprocessing import resource_tracker

    # After a Ctrl-C the tracker unlinks the semaphores of the killed Dask workers itself and says so with a
    # two-line UserWarning on our stderr ("leaked semaphore objects to clean up"); that is its normal clean-up,
    # not a failure, so the tracker process (which takes its -W flags from sys.warnoptions) is started quiet
    # about it.  The option is removed again at once: it affects only that helper process.
    quiet = "ignore:resource_tracker:UserWarning"
    sys.warnoptions.append(quiet)
    try:
        with contextlib.suppress(Exception):  # only an optimisation of the signal handling
            resource_tracker.ensure_running()
    finally:
        sys.warnoptions.remove(quiet)
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def _connect(scheduler: str | None, n_workers: int, *, dashboard: bool = False,
             security: Any = None) -> Iterator[Any]:
    """A Dask client: on ``scheduler``, or on a new LocalCluster bound to 127.0.0.1.

    The LocalCluster (scheduler, nannies, workers, their HTTP servers) listens on the loopback
    interface only, with TLS between its processes when ``security`` is None and
    ``cryptography`` is installed (:func:`_local_security`); ``security=False`` asks for plain
    TCP.  Its HTTP servers answer only the health check unless ``dashboard`` is true (the
    dashboard then is on ``http://127.0.0.1:<free port>/status``).
    """
    import logging

    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s", security=security or None)
        except Exception as e:  # noqa: BLE001 - any failure to connect is the user's address/TLS setup
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            hint = (" (a tls:// scheduler needs its certificates: see docs/sweep.md, 'Network and security')"
                    if scheduler.startswith("tls://") else "")
            raise FlavomonInputError(f"cannot connect to the Dask scheduler at {scheduler}: {msg}{hint}") from None
        try:
            yield client
        finally:
            _quietly(client.close, timeout=_CLOSE_TIMEOUT_S)
        return

    sec = _local_security() if security is None else (security or None)
    routes: dict[str, Any] = {} if dashboard else {
        "distributed.scheduler.http.routes": _HEALTH_ONLY,
        "distributed.worker.http.routes": _HEALTH_ONLY,
    }
    cluster = None
    try:
        with dask.config.set(routes), _child_processes_ignore_sigint():
            try:
                cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",  # scheduler, nannies and workers: loopback only
                    scheduler_port=0,
                    # the scheduler always runs an HTTP server: on loopback, a free port, and
                    # the dashboard pages only when asked
                    dashboard_address="127.0.0.1:0",
                    scheduler_kwargs={"dashboard": bool(dashboard)},
                    worker_dashboard_address=None,  # the workers' HTTP servers bind to their host
                    security=sec,
                    preload=["flavomon.sweep._worker_init"],
                    # Dask's own log lines would be noise on the CLI's stderr (e.g. a heartbeat that
                    # races the shutdown); a point's failure is recorded in its .error.json
                    silence_logs=logging.CRITICAL,
                )
            except Exception as e:  # noqa: BLE001 - e.g. no free port, cannot spawn processes
                msg = str(e).splitlines()[0] if str(e) else ""
                raise FlavomonInputError(
                    f"cannot start a Dask LocalCluster of {n_workers} workers on 127.0.0.1: "
                    f"{type(e).__name__}: {msg}"
                ) from None
        client = Client(cluster, security=sec)
        try:
            yield client
        finally:
            _quietly(client.close, timeout=_CLOSE_TIMEOUT_S)
    finally:
        if cluster is not None:
            _quietly(cluster.close, timeout=_CLOSE_TIMEOUT_S)


def _quietly(close: Callable[..., Any], **kw: Any) -> None:
    """Close a Dask client/cluster; a failure or time-out of the shutdown itself is not the sweep's.

    Every finished point is on disk before this runs, so a shutdown that times out (workers
    being restarted after a signal, a scheduler that went away) must neither hide the sweep's
    result nor turn a successful sweep into an error.  Leftover processes die with the client
    (Dask's parent-alive pipe).
    """
    try:
        close(**kw)
    except Exception:  # noqa: BLE001 - see above
        pass


@contextlib.contextmanager
def _deferred_signals() -> Iterator[Any]:
    """``with guard():`` blocks during which SIGINT/SIGTERM wait until the block is done.

    Used around storing a finished point, so a Ctrl-C never discards a result that has already
    arrived.  Outside such a block the previous handlers act at once (KeyboardInterrupt, or the
    CLI's SIGTERM handler).  Main thread only; elsewhere a no-op.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield contextlib.nullcontext
        return
    state = {"holding": False, "pending": None}
    sigs = [signal.SIGINT, signal.SIGTERM]
    previous = {s: signal.getsignal(s) for s in sigs}

    def deliver(signum: int, frame: Any) -> None:
        prev = previous[signum]
        if callable(prev):
            prev(signum, frame)
        elif prev == signal.SIG_DFL and signum == signal.SIGINT:
            raise KeyboardInterrupt
        elif prev == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    def handler(signum: int, frame: Any) -> None:
        if state["holding"]:
            state["pending"] = state["pending"] or (signum, frame)
        else:
            deliver(signum, frame)

    @contextlib.contextmanager
    def guard() -> Iterator[None]:
        state["holding"] = True
        try:
            yield
        finally:
            state["holding"] = False
            pending, state["pending"] = state["pending"], None
            if pending is not None:
                deliver(*pending)

    mine = [s for s in sigs if previous[s] is not None and previous[s] != signal.SIG_IGN]
    for s in mine:
        signal.signal(s, handler)
    try:
        yield guard
    finally:
        for s in mine:
            signal.signal(s, previous[s])


def _default_command() -> str:
    return " ".join(shlex.quote(a) for a in [Path(sys.argv[0]).name, *sys.argv[1:]])


def dashboard_url(client: Any) -> str:
    """The address of the Dask dashboard of ``client``'s cluster ('' if it has none)."""
    try:
        return str(client.dashboard_link or "")
    except Exception:  # noqa: BLE001 - no HTTP server / no dashboard service
        return ""


def _compute(
    cfg: SweepConfig,
    todo: list[SweepPoint],
    pdir: Path,
    command: str,
    *,
    scheduler: str | None,
    n_workers: int,
    progress: bool | None,
    dashboard: bool,
    security: Any,
    on_client: Callable[[Any], None] | None,
    computed: list[str],
    failed: list[str],
) -> None:
    """Submit ``todo`` to Dask and store each point as it finishes (appending to computed/failed)."""
    from dask.distributed import as_completed
    from tqdm import tqdm

    with _deferred_signals() as hold, _connect(scheduler, n_workers, dashboard=dashboard,
                                                 security=security) as client:
        if on_client is not None:
            on_client(client)
        token = uuid.uuid4().hex[:8]
        futures = {}
        for p in todo:
            f = client.submit(
                execute_point,
                p,
                f"{command} [point {p.point_id}]",
                key=f"flavomon-{p.point_id}-{token}",
                retries=cfg.retries,
                priority=_PRIORITY.get(p.method, 0),
                pure=False,
            )
            futures[f] = p
        disable = (not sys.stderr.isatty()) if progress is None else not progress
        with tqdm(total=len(todo), desc=f"sweep {cfg.name}", unit="pt", file=sys.stderr,
                  disable=disable) as bar:
            for fut in as_completed(futures):
                p = futures[fut]
                with hold():  # a Ctrl-C now waits until this point is on disk
                    try:
                        rec = fut.result()
                    except Exception as e:  # noqa: BLE001 - e.g. KilledWorker after all retries
                        rec = {
                            "status": "failed",
                            "error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
                            "traceback": "".join(traceback.format_exception(e)),
                        }
                    _store(p, rec, pdir, command)
                    computed.append(p.point_id)
                    if rec.get("status") != "ok":
                        failed.append(p.point_id)
                bar.update(1)
                bar.set_postfix_str(f"{len(failed)} failed", refresh=False)
                fut.release()


def run_sweep(
    config: SweepConfig | str | os.PathLike,
    out: str | os.PathLike,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    command: str | None = None,
    predictors: bool = True,
    dashboard: bool = False,
    security: Any = None,
    on_client: Callable[[Any], None] | None = None,
) -> SweepResult:
    """Run a sweep on Dask and write ``DIR/points/*.nc``, ``DIR/sweep.nc`` and ``DIR/runs.jsonl``.

    Parameters
    ----------
    config : SweepConfig or path to a TOML file
    out : path
        Output folder (created; its parent must exist).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); default: a LocalCluster
        of ``workers`` single-threaded processes on this machine.
    workers : int, optional
        LocalCluster size (default: the config's ``[sweep] workers``, 2).
    progress : bool, optional
        Progress bar over points on stderr (default: when stderr is a terminal).
    predictors : bool
        Also run the final-state predictor comparison when the sweep has ``qke`` and at
        least one of ``qlt``, ``resonant``, ``signrule``.
    dashboard : bool
        Serve the Dask dashboard of the LocalCluster (on ``http://127.0.0.1:<free port>/status``;
        :func:`dashboard_url` gives it).  Default: no dashboard pages, only a health check.
    security : distributed.security.Security or False, optional
        TLS settings.  With ``scheduler``: those of that cluster (default: Dask's configuration,
        ``distributed.comm.tls.*``).  For the LocalCluster: default a throw-away certificate
        (TLS between its processes, when ``cryptography`` is installed); ``False``: plain TCP.
    on_client : callable, optional
        ``on_client(client)`` is called once the Dask client is connected, before any task is
        submitted (e.g. to print the dashboard's address).

    Notes
    -----
    The LocalCluster listens on 127.0.0.1 only (scheduler, nannies, workers and their HTTP
    servers).  A ``scheduler`` of someone else's cluster is bound wherever its owner bound it.
    A Ctrl-C (or SIGTERM) stops the sweep: the points already stored are kept (a point whose
    result has arrived is stored first), ``runs.jsonl`` records the interrupted run, and the
    KeyboardInterrupt is re-raised; rerunning computes only the remaining points.
    """
    t_start = time.perf_counter()
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    cfg = config if isinstance(config, SweepConfig) else load_config(config)
    n_workers = workers or cfg.workers
    if not scheduler and n_workers > max_local_workers():
        raise FlavomonInputError(
            f"a LocalCluster of {n_workers} workers is more than 4 per CPU of this machine "
            f"({max_local_workers()}); use fewer (--workers, [sweep] workers) or --scheduler for a bigger cluster"
        )
    out_dir = prepare_output_folder(out, probe="sweep.nc")
    command = command or _default_command()
    pdir = out_dir / POINTS_DIR
    pdir.mkdir(exist_ok=True)

    points = cfg.points
    skipped = [p.point_id for p in points if (pdir / f"{p.point_id}.nc").exists()]
    todo = [p for p in points if p.point_id not in set(skipped)]
    computed: list[str] = []
    failed: list[str] = []
    where = scheduler or f"LocalCluster({n_workers} processes x 1 thread, 127.0.0.1)"

    def log_run(**extra: Any) -> None:
        log = {
            "started": started,
            "wall_s": round(time.perf_counter() - t_start, 3),
            "cluster": where,
            "flavomon_version": __version__,
            "n_points": len(points),
            "computed": computed,
            "skipped": skipped,
            "failed": failed,
            **extra,
        }
        with (out_dir / "runs.jsonl").open("a") as fh:
            fh.write(json.dumps(log) + "\n")

    if todo:
        try:
            _compute(cfg, todo, pdir, command, scheduler=scheduler, n_workers=n_workers, progress=progress,
                     dashboard=dashboard, security=security, on_client=on_client,
                     computed=computed, failed=failed)
        except KeyboardInterrupt:
            # the stored points stay; the next run skips them (recorded for the record)
            with contextlib.suppress(OSError):
                log_run(interrupted=True)
            raise
    ds = combine_points(cfg, out_dir, command=command)
    write_dataset(ds, out_dir / "sweep.nc")
    has_gradient = bool(np.any(ds["gradient"].values != 0.0))
    if predictors and "qke" in cfg.methods and {"qlt", "resonant", "signrule"} & set(cfg.methods):
        from ..workflows.predictors import run_predictors

        homogeneous = ds.isel(point=np.flatnonzero(ds["gradient"].values == 0.0)) if has_gradient else ds
        if homogeneous.sizes["point"]:
            run_predictors(homogeneous, out_dir=out_dir, command=command)
    if has_gradient and "qke" in cfg.methods and ({"qlt", "gain"} & set(cfg.methods)):
        from ..workflows.gradient import run_gradient_summary

        run_gradient_summary(ds, out_dir=out_dir)  # gradient.{json,md,png}: the suppression curves (docs §11)
    wall = time.perf_counter() - t_start
    log_run()
    return SweepResult(out_dir, ds, tuple(computed), tuple(skipped), tuple(failed), wall)
