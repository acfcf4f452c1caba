r"""Driver of the QKE box solver: realizations, ensembles, checkpoints  [F2 eq. 4, docs §4].

* :func:`run_realization` — one realization (seed ``seed + r``), in this process.
* :func:`run_qke` — the ensemble, realizations ``0 .. realizations-1`` on a pool of worker
  processes (each single-threaded); results are bit-identical whatever the number of workers,
  because realization r depends only on ``seed + r`` and every kernel operation has a fixed order.

Both take a :class:`~flavomon.qke.QKEConfig` and resolve it once (:meth:`QKEConfig.resolve`: the
automatic dt, the stability check); a configuration resolved by the caller is used as it is.

Time loop: outputs at :math:`t_k=k\,\Delta t_{out}`; between outputs ``steps_per_out`` steps of the
composition (:mod:`flavomon.qke.steppers`).  Diagnostics are taken from Fourier coefficients
(:func:`flavomon.qke.kernel.diagnostics_from_modes`).
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.managers import SyncManager
from typing import Any, Callable

import numpy as np

from ..distributions import Distribution, from_spec
from ..errors import FlavomonInputError
from .checkpoint import CheckpointStore
from .kernel import NumpyKernel
from .state import QKEConfig, seed_state, seeded_modes, stability_limit
from .steppers import get_stepper

__all__ = ["QKEResult", "make_kernel", "run_qke", "run_realization", "stability_limit"]

ProgressFn = Callable[..., None]


@dataclass
class QKEResult:
    """Output of a box run; axis names as the xarray dims of qke.nc.

    Attributes
    ----------
    t : (nt,) output times.
    v, w : (Nv,) velocity nodes and weights.
    K : (Nz,) box wavenumbers 2 pi n / L, **sorted increasing** (even Nz: the Nyquist mode is labelled n = -Nz/2).
    realization : (R,) realization indices (seed = config.seed + realization).
    D : (R, nt, Nv) box-averaged D_v.
    power : (R, nt, n_modes) :math:`|\\psi_{0,K}|^2` per box mode (order of ``K``).
    pol : (R, nt, Nv) box average of :math:`D_v^2+|\\psi_v|^2`.
    D0 : (R, nt) box-averaged :math:`D_0`.
    steps : time steps of the whole run, summed over realizations (a resumed run counts the steps
        before the resume too: ``steps_per_out`` per output interval done); the steps computed by
        this call are ``extra["steps_run"]``.
    status : "completed" or "interrupted".
    distribution : the SPEC of the distribution ("" when the run was given ``D_v`` values).
    z_cell : (n_cell,) centres of the output cells, or None (a run without a z-dependent background, docs §12).
    K_cell : (n_Kc,) local wavenumbers 2 pi m / ell of the cells' spectra, sorted, or None.
    D_cell : (R, nt, n_cell, Nv) cell averages of D_v(z), or None.
    power_cell : (R, nt, n_cell, n_Kc) local power spectra of the physical psi_0 per box mode (Hann window over
        each cell, :func:`flavomon.qke.diagnostics.cell_diagnostics`), or None.
    """

    config: QKEConfig
    t: np.ndarray
    v: np.ndarray
    w: np.ndarray
    K: np.ndarray
    realization: np.ndarray
    D: np.ndarray
    power: np.ndarray
    pol: np.ndarray
    D0: np.ndarray
    dt: float
    stepper: str
    order: int
    steps: int
    wall_time: float
    dt_max: float
    status: str = "completed"
    extra: dict[str, Any] = field(default_factory=dict)
    distribution: str = ""
    z_cell: np.ndarray | None = None
    K_cell: np.ndarray | None = None
    D_cell: np.ndarray | None = None
    power_cell: np.ndarray | None = None

    def __repr__(self) -> str:
        c = self.config
        D0 = self.D0.mean(axis=0)
        drift = float(np.max(np.abs(D0 - D0[0])) / max(abs(D0[0]), 1e-300))
        return (f"QKEResult({self.distribution or 'D_v given'}, status={self.status!r}, "
                f"{self.realization.size} realization(s), t in [0, {float(self.t[-1]):g}] ({self.t.size} outputs), "
                f"L={c.L:g}, Nz={c.Nz}, Nv={c.Nv}, dt={self.dt:g} ({self.stepper}), "
                f"max power={float(np.max(self.power)):.3g}, D0 drift={drift:.2g}, wall {self.wall_time:.1f} s; "
                "arrays: t, v, w, K, realization, D, power, pol, D0"
                + (", z_cell, K_cell, D_cell, power_cell)" if self.D_cell is not None else ")"))

    @property
    def D_mean(self) -> np.ndarray:
        """Mean of ``D`` over realizations, shape (nt, Nv)."""
        return self.D.mean(axis=0)

    @property
    def D_cell_mean(self) -> np.ndarray | None:
        """Mean of ``D_cell`` over realizations, shape (nt, n_cell, Nv); None without cells."""
        return None if self.D_cell is None else self.D_cell.mean(axis=0)

    @property
    def D_std(self) -> np.ndarray:
        return self.D.std(axis=0, ddof=1) if self.D.shape[0] > 1 else np.zeros_like(self.D[0])

    @property
    def cell_updates_per_s(self) -> float:
        """Nz * Nv * steps computed by this call / its wall time (summed over realizations and workers)."""
        c = self.config
        return c.Nz * c.Nv * self.extra.get("steps_run", self.steps) / max(self.wall_time, 1e-12)


def make_kernel(config: QKEConfig, D_v: np.ndarray):
    """The time-stepping kernel of ``config.backend`` (NumPy, or JAX imported on demand)."""
    if config.backend == "jax":
        from ._jax import JaxKernel

        return JaxKernel(config, D_v)
    if config.backend == "numba":
        from ._numba import NumbaKernel

        return NumbaKernel(config, D_v)
    return NumpyKernel(config, D_v)


# ----------------------------------------------------------------------------------------------
# one realization (runs in the caller or in a worker)
# ----------------------------------------------------------------------------------------------
def _run_one(
    D_v: np.ndarray,
    config: QKEConfig,
    r: int,
    *,
    psi0_K: np.ndarray | None = None,
    store: CheckpointStore | None = None,
    ckpt_every: float = 60.0,
    resume: bool = False,
    report: Callable[[int, int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    snapshot_k: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """Run realization r of a resolved ``config``; returns arrays (and 'status').  Saves checkpoints in ``store``."""
    t_start = time.perf_counter()
    cells = config.cells  # a z-dependent background (docs §12): cell records too
    rec_names = ("D", "power", "pol", "D0") + (("D_cell", "power_cell") if cells is not None else ())
    # the kernels' background refraction from the box average of D_v(z); the state starts from D_v(z)
    kernel = make_kernel(config, D_v if config.D_vz is None else config.D_box)
    nt = config.n_out + 1
    spo = config.steps_per_out
    rec = store.load(r) if (store is not None and resume) else None
    if rec is not None and bool(rec["done"]):
        return {k: rec[k] for k in rec_names} | {
            "steps": config.n_out * spo, "steps_run": 0, "wall": 0.0, "status": "completed"}
    n_modes = int(seeded_modes(config.Nz).sum())
    Dct = Pct = None
    if rec is not None:
        k0 = int(rec["k"])
        u = np.array(rec["u"])
        Dt, Pt, polt, D0t = (np.array(rec[x]) for x in ("D", "power", "pol", "D0"))
        if cells is not None:
            Dct, Pct = np.array(rec["D_cell"]), np.array(rec["power_cell"])
    else:
        k0 = 0
        P = seed_state(D_v if config.D_vz is None else config.D_vz, config, r, psi0_K=psi0_K)
        u = kernel.initial_u(P, 0.0)
        Dt = np.full((nt, config.Nv), np.nan)
        Pt = np.full((nt, n_modes), np.nan)
        polt = np.full((nt, config.Nv), np.nan)
        D0t = np.full(nt, np.nan)
        if cells is not None:
            Dct = np.full((nt, cells.n_cell, config.Nv), np.nan)
            Pct = np.full((nt, cells.n_cell, cells.K_cell.size), np.nan)

    def save(k: int, u_k: np.ndarray, done: bool) -> None:
        if store is not None:
            record = {"k": k, "u": u_k, "D": Dt, "power": Pt, "pol": polt, "D0": D0t, "done": done}
            if cells is not None:
                record.update(D_cell=Dct, power_cell=Pct)
            store.save(r, record)

    snaps: dict[int, np.ndarray] = {}
    last_ckpt = time.perf_counter()
    status = "completed"
    # (k, u_k): the last completed output boundary, replaced in ONE assignment, so a Ctrl-C at any
    # bytecode saves a consistent pair (a resumed run then repeats exactly the same operations)
    state = (k0, u)
    try:
        while True:
            k, u = state
            d = kernel.diagnose(u, k * config.dt_out)
            Dt[k], Pt[k], polt[k], D0t[k] = d["D_v"], d["power"], d["pol_v"], d["D0"]
            if cells is not None:
                Dct[k], Pct[k] = d["D_cell"], d["power_cell"]
            if k in snapshot_k:
                snaps[k] = kernel.true_state(u, k * config.dt_out)
            if k == config.n_out:
                break
            state = (k + 1, kernel.advance(u, spo, k * config.dt_out))
            k, u = state
            if report is not None:
                report(r, k, spo)
            now = time.perf_counter()
            if store is not None and now - last_ckpt >= ckpt_every:
                save(k, u, False)
                last_ckpt = now
            if should_stop is not None and should_stop():
                save(k, u, False)
                status = "interrupted"
                break
    except KeyboardInterrupt:
        save(*state, False)
        raise
    if status == "completed":
        save(k, u, True)
    out = {"D": Dt, "power": Pt, "pol": polt, "D0": D0t, "steps": k * spo, "steps_run": (k - k0) * spo,
           "wall": time.perf_counter() - t_start, "status": status}
    if cells is not None:
        out.update(D_cell=Dct, power_cell=Pct)
    if snaps:
        ks = sorted(snaps)
        fields = np.stack([snaps[j] for j in ks])
        t_s = np.array(ks) * config.dt_out
        psi = fields[:, 0] + 1j * fields[:, 1]
        if config.gradient != 0.0:  # the physical field psi = phi e^{iGzt} of the drifting-frame state [docs §11]
            psi = psi * np.exp(1j * config.gradient * config.box().z[None, None, :] * t_s[:, None, None])
        out["snapshots"] = {"t": t_s, "psi": psi, "D": fields[:, 2]}
    return out


def _sorted_modes(config: QKEConfig) -> tuple[np.ndarray, np.ndarray]:
    K = config.box().K[seeded_modes(config.Nz)]
    order = np.argsort(K, kind="stable")
    return K[order], order


def _parse(dist: Any) -> Any:
    """A SPEC string or callable parsed once, at the entry point; Distributions and arrays pass through."""
    return dist if isinstance(dist, (Distribution, np.ndarray)) else from_spec(dist)


def _assemble(config, results, reals, wall, status, dist) -> QKEResult:
    vg = config.vgrid()
    K, order = _sorted_modes(config)
    comp = get_stepper(config.stepper)
    cells = config.cells
    cell_kw: dict[str, Any] = {}
    if cells is not None:  # docs §12
        cell_kw = {"z_cell": np.array(cells.z_cell), "K_cell": np.array(cells.K_cell),
                   "D_cell": np.stack([res["D_cell"] for res in results]),
                   "power_cell": np.stack([res["power_cell"] for res in results])}
    return QKEResult(
        config=config,
        t=config.t,
        v=np.array(vg.v),
        w=np.array(vg.w),
        K=K,
        realization=np.asarray(reals, dtype=int),
        D=np.stack([res["D"] for res in results]),
        power=np.stack([res["power"][:, order] for res in results]),
        pol=np.stack([res["pol"] for res in results]),
        D0=np.stack([res["D0"] for res in results]),
        dt=config.dt_used,
        stepper=config.stepper,
        order=min(comp.order, 4),
        steps=int(sum(int(res["steps"]) for res in results)),
        wall_time=wall,
        dt_max=config.dt_max,
        status=status,
        extra={"D0bar_initial": float(vg.w @ config.D_box), "steps_run": int(sum(int(res["steps_run"]) for res in results))},
        distribution=getattr(dist, "spec", ""),
        **cell_kw,
    )


def run_realization(
    dist: Any,
    config: QKEConfig | None = None,
    realization: int = 0,
    *,
    psi0_K: np.ndarray | None = None,
    progress: ProgressFn | None = None,
    snapshots: Any = None,
) -> QKEResult:
    """One realization of the box (seed ``config.seed + realization``), in this process.

    ``dist`` is a Distribution, a SPEC string, a callable or an (Nv,) array of D_v on the grid;
    ``config`` is resolved for it (:meth:`QKEConfig.resolve`) unless it already is;
    ``psi0_K`` optionally replaces the random seed (FFT order, :math:`\\psi_0=\\sum_K\\psi_{0,K}e^{iKz}`).
    ``snapshots``: output times at which the full fields are kept, returned in
    ``result.extra["snapshots"]`` = ``{"t", "psi" (ns, Nv, Nz) complex, "D" (ns, Nv, Nz)}`` on the grid ``config.box().z``.
    """
    dist = _parse(dist)
    config = (config or QKEConfig()).resolve(dist)
    D_v = config.D_v
    t0 = time.perf_counter()
    done = [0]

    def report(r, k, spo):
        done[0] += spo
        if progress is not None:
            progress(k * config.dt_out, steps=done[0])

    snap_k: frozenset[int] = frozenset()
    if snapshots is not None:
        ts = np.atleast_1d(np.asarray(snapshots, dtype=float))
        ks = np.rint(ts / config.dt_out).astype(int)
        if np.any(np.abs(ks * config.dt_out - ts) > 1e-9 * config.dt_out) or np.any((ks < 0) | (ks > config.n_out)):
            raise FlavomonInputError("snapshot times must be output times (multiples of dt_out within [0, t_end])")
        snap_k = frozenset(int(k) for k in ks)
    res = _run_one(D_v, config, realization, psi0_K=psi0_K, report=report, snapshot_k=snap_k)
    result = _assemble(config, [res], [realization], time.perf_counter() - t0, res["status"], dist)
    if "snapshots" in res:
        result.extra["snapshots"] = res["snapshots"]
    return result


# ----------------------------------------------------------------------------------------------
# ensembles
# ----------------------------------------------------------------------------------------------
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


@contextmanager
def _single_threaded_children():
    old = {k: os.environ.get(k) for k in (*_THREAD_VARS, "XLA_FLAGS")}
    for k in _THREAD_VARS:
        os.environ[k] = "1"
    os.environ["XLA_FLAGS"] = (old["XLA_FLAGS"] or "") + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    try:
        yield
    finally:
        for k, val in old.items():
            if val is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = val


# ----------------------------------------------------------------------------------------------
# child processes: they ignore stop signals (the parent coordinates the checkpoint) and die with
# their parent (a parent killed by SIGKILL cannot tell them)
# ----------------------------------------------------------------------------------------------
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_WATCHDOG_POLL_S = 0.5
"""Seconds between two looks of a child's watchdog at its parent (the fallback of PR_SET_PDEATHSIG)."""


def _ignore_stop_signals() -> None:
    for s in _STOP_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by the parent at spawn


@contextmanager
def _stop_signals_blocked():
    """Block Ctrl-C / SIGTERM in this thread (inherited by processes spawned meanwhile); deliver after.

    The multiprocessing resource tracker is started first: its start (at the first spawn) ends
    with ``pthread_sigmask(SIG_UNBLOCK, (SIGINT, SIGTERM))`` in the spawning thread (CPython's
    ``resource_tracker.ensure_running``), which would unblock the signals in the middle of this
    block, so the workers spawned after it could be killed by a Ctrl-C while still importing (a
    child traceback and a broken run).  Once it runs, ``ensure_running`` returns before that.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _parent_gone(parent_pid: int) -> bool:
    if os.name == "posix":
        return os.getppid() != parent_pid  # re-parented to init or a subreaper
    try:  # pragma: no cover - Windows: the parent's handle is signalled when it ends
        return bool(multiprocessing.connection.wait([mp.parent_process().sentinel], timeout=0))
    except (AttributeError, OSError, ValueError):
        return False


def _watch_parent(parent_pid: int) -> None:
    """Daemon thread body: end this process (as SIGKILL would) as soon as the parent is gone."""
    parent = mp.parent_process()
    sentinel = getattr(parent, "sentinel", None)  # the spawn pipe: readable (EOF) once the parent is gone
    while True:
        if sentinel is not None:
            try:
                fired = bool(multiprocessing.connection.wait([sentinel], timeout=_WATCHDOG_POLL_S))
            except (OSError, ValueError):
                fired, sentinel = False, None
            if fired and not _parent_gone(parent_pid):
                sentinel = None  # closed while the parent lives on: poll only
        else:
            time.sleep(_WATCHDOG_POLL_S)
        if _parent_gone(parent_pid):
            os._exit(1)


def _die_with_parent(parent_pid: int) -> None:
    """Make this (spawned) child end when its parent ends, even by SIGKILL.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``.  The kernel sends it when the *thread* that
    spawned the child ends; :func:`run_qke` starts the queue manager and every pool worker from its
    calling thread (``ProcessPoolExecutor.submit`` spawns the workers there, with the ``spawn``
    method, and nothing re-spawns them later), and that thread waits in :func:`run_qke` until they
    are all joined.  A parent that died before the ``prctl`` is caught by comparing
    :func:`os.getppid` with ``parent_pid``.  Everywhere (and as a fallback): a daemon watchdog thread
    that waits on the spawn pipe of the parent and polls :func:`os.getppid`.  The child then ends with
    ``os._exit`` — as if killed; its checkpoints are atomic files, so the last one stays valid.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl: the watchdog remains
            pass
    if _parent_gone(parent_pid):
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="flavomon-parent-watchdog", daemon=True).start()


def _child_init(parent_pid: int) -> None:
    """Initializer of the queue manager and of every pool worker.

    The parent decides (Ctrl-C, or SIGTERM through the CLI): it sets the stop event and every worker
    saves its realization at its next output boundary; so the children ignore stop signals, which
    reach the whole process group from a terminal or a batch system.  And they die with the parent.
    """
    _ignore_stop_signals()
    _die_with_parent(parent_pid)


_IPC_EVERY_S = 0.25
"""Wall seconds between a worker's progress messages and stop checks (each is a round trip to the queue
manager; once per output they cost a few per cent of a small box's run time)."""


def _pool_task(D_v, config, r, store, ckpt_every, resume, queue, stop, psi0_K):
    last = [time.perf_counter(), 0]  # time of the last message, steps not yet reported

    def report(rr, k, spo):
        last[1] += spo
        now = time.perf_counter()
        if now - last[0] >= _IPC_EVERY_S or k == config.n_out:
            queue.put((rr, k, last[1]))
            last[0], last[1] = now, 0

    seen = [time.perf_counter()]

    def should_stop() -> bool:
        now = time.perf_counter()
        if now - seen[0] < _IPC_EVERY_S:
            return False
        seen[0] = now
        return stop.is_set()

    return r, _run_one(
        D_v, config, r, psi0_K=psi0_K, store=store, ckpt_every=ckpt_every, resume=resume,
        report=report, should_stop=should_stop,
    )


@contextmanager
def _stop_requests():
    """While the pool runs, record SIGINT / SIGTERM instead of acting on them; act on them after.

    Yields an Event that is set when one arrives.  The driver then asks the workers to stop at
    their next output boundary and waits for their checkpoints; on leaving, the handler that was
    installed before is run for the first signal received (Python's default turns SIGINT into
    KeyboardInterrupt, the CLI turns SIGTERM into ``Terminated``; SIG_DFL ends the process).  Thus
    no KeyboardInterrupt strikes the parent inside a call to the queue manager or the pool (which
    would leave a half-read reply, a broken pool and tracebacks) and a second Ctrl-C while the
    workers save changes nothing.  Outside the main thread (where Python does not run signal
    handlers) this does nothing.
    """
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    received: list[int] = []

    def handler(signum, frame):  # noqa: ARG001
        received.append(signum)
        flag.set()

    old: dict[int, Any] = {}
    for s in _STOP_SIGNALS:
        prev = signal.getsignal(s)
        if prev is None or prev == signal.SIG_IGN:  # ignored (nohup, a background job) or not Python's: leave it
            continue
        old[s] = prev
        signal.signal(s, handler)
    try:
        yield flag
    finally:
        for s, prev in old.items():
            signal.signal(s, prev)
    if received:
        s = received[0]
        prev = old[s]
        if callable(prev):
            prev(s, None)
        else:  # SIG_DFL
            signal.raise_signal(s)


def _stop_manager(manager: SyncManager) -> None:
    if hasattr(manager, "shutdown"):  # set by start()
        manager.shutdown()
        return
    proc = getattr(manager, "_process", None)  # start() did not finish
    if proc is not None and proc.is_alive():
        proc.kill()
        proc.join(5)


def _run_pool(D_v, config, workers, store, checkpoint_every, resume, psi0_K, note) -> dict[int, dict]:
    """The realizations on ``workers`` spawned processes; ``note(r, k, spo)`` after each output."""
    ctx = mp.get_context("spawn")
    me = os.getpid()
    results: dict[int, dict] = {}
    # Ctrl-C / SIGTERM reach every process of the group (a terminal, a batch system).  The queue
    # manager and the workers ignore them (the parent sets the stop event and every worker saves
    # at its next output boundary); they are started with the signals blocked, so a signal that
    # arrives while they are still importing cannot kill them before they ignore it.
    with _stop_requests() as stop_requested:
        manager = SyncManager(ctx=ctx)
        try:
            with _single_threaded_children(), _stop_signals_blocked():
                manager.start(initializer=_child_init, initargs=(me,))
            queue, stop = manager.Queue(), manager.Event()
            ex = None
            futs: set = set()
            try:
                if not stop_requested.is_set():
                    with _single_threaded_children(), _stop_signals_blocked():
                        ex = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_child_init,
                                                 initargs=(me,))
                        futs = {
                            ex.submit(_pool_task, D_v, config, r, store, checkpoint_every, resume, queue, stop, psi0_K)
                            for r in range(config.realizations)
                        }
                pending = set(futs)
                stopping = False
                while pending:
                    if stop_requested.is_set() and not stopping:
                        stop.set()
                        for f in futs:
                            f.cancel()
                        stopping = True
                    finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    while not queue.empty():
                        note(*queue.get_nowait())
                    for f in finished:
                        if not f.cancelled():
                            r, res = f.result()
                            results[r] = res
            except BaseException:
                # a realization failed (or, outside the main thread, KeyboardInterrupt): the others
                # save at their next output boundary instead of running to the end
                stop.set()
                for f in futs:
                    f.cancel()
                raise
            finally:
                if ex is not None:
                    ex.shutdown(wait=True, cancel_futures=True)
            while not queue.empty():
                note(*queue.get_nowait())
        finally:
            _stop_manager(manager)
    return results


def run_qke(
    dist: Any,
    config: QKEConfig | None = None,
    *,
    checkpoint: str | os.PathLike | None = None,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    resume: bool = False,
    checkpoint_every: float = 60.0,
    psi0_K: np.ndarray | None = None,
) -> QKEResult:
    """Run a QKE box ensemble of ``config.realizations`` realizations (seeds ``seed + r``)  [F2 eq. 4, docs §4].

    Parameters
    ----------
    dist : Distribution, str, callable or ndarray
        The distribution (a SPEC string is parsed once, here), or ``D_v`` on the nodes.
    config : QKEConfig, optional
        The run (default ``QKEConfig()``: the F2 benchmark box).  Resolved once for ``dist``
        (:meth:`QKEConfig.resolve`: automatic dt, stability check) unless the caller did so.
    checkpoint : str or os.PathLike, optional
        Folder for atomic per-realization checkpoints (:class:`~flavomon.qke.checkpoint.CheckpointStore`;
        created, and left for the caller to remove after the final file is written).
    progress : callable, optional
        ``progress(t_done, steps=...)`` with ``t_done`` the simulated time summed over
        realizations (total ``realizations * t_end``); if it has a method ``set_done(n)``, that is
        told the number of finished realizations before each call.
    workers : int, optional
        Processes (default: min(cpu count, realizations)); 1 runs in this process.
    resume : bool
        Continue from ``checkpoint`` (ConfigMismatchError if it was made for another run).
    checkpoint_every : float
        Wall-clock seconds between checkpoints (0: at every output).
    psi0_K : ndarray, optional
        A user-supplied seed :math:`\\psi_{0,K}` (FFT order) instead of the random phases.

    Returns
    -------
    QKEResult

    Notes
    -----
    On Ctrl-C (and SIGTERM, where a handler for it is installed, as the CLI does) every running
    realization saves its state at its last output boundary and then the interrupt is raised
    (KeyboardInterrupt, or what the SIGTERM handler raises).  Workers are started with the ``spawn``
    method (safe with threads and JAX): a script that calls this with ``workers > 1`` needs the usual
    ``if __name__ == "__main__":`` guard.  The worker processes and the queue manager ignore
    SIGINT/SIGTERM (the parent coordinates the checkpoint) and end by themselves when the parent
    process ends, even by SIGKILL (:func:`_die_with_parent`).
    """
    dist = _parse(dist)
    config = (config or QKEConfig()).resolve(dist)
    D_v = config.D_v
    R = config.realizations
    if workers is None:
        workers = min(os.cpu_count() or 1, R)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise FlavomonInputError(f"workers must be a positive integer, got {workers!r}")
    workers = min(workers, R)
    store = None
    if checkpoint is not None:
        store = CheckpointStore(checkpoint, config.identity())
        exists = store.check() if resume else False  # --resume: ConfigMismatchError on a foreign checkpoint
        if not exists:
            store.create()  # a fresh run replaces an old checkpoint
    resume = bool(resume and store is not None)
    t0 = time.perf_counter()
    done_t = np.zeros(R)
    steps_done = [0]

    def note(r, k, spo):
        done_t[r] = k * config.dt_out
        steps_done[0] += spo
        if progress is not None:
            _report(progress, float(done_t.sum()), steps_done[0], done_t, config.t_end)

    if resume and progress is not None:
        for r in range(R):
            rec = store.load(r)
            if rec is not None:
                done_t[r] = int(rec["k"]) * config.dt_out
        _report(progress, float(done_t.sum()), 0, done_t, config.t_end)

    results: dict[int, dict] = {}
    status = "completed"
    if workers == 1:
        for r in range(R):
            results[r] = _run_one(
                D_v, config, r, psi0_K=psi0_K, store=store, ckpt_every=checkpoint_every, resume=resume, report=note,
            )
    else:
        results = _run_pool(D_v, config, workers, store, checkpoint_every, resume, psi0_K, note)
    if any(res["status"] != "completed" for res in results.values()):
        status = "interrupted"
    reals = sorted(results)
    return _assemble(config, [results[r] for r in reals], reals, time.perf_counter() - t0, status, dist)


def _report(progress: ProgressFn, t_sum: float, steps: int, done_t: np.ndarray, t_end: float) -> None:
    """``progress(t_sum, steps=steps)``; a callback with a ``set_done`` method also learns how many
    realizations have finished (the progress display of :mod:`flavomon.workflows` has one)."""
    set_done = getattr(progress, "set_done", None)
    if set_done is not None:
        set_done(int(np.sum(done_t >= t_end * (1 - 1e-12))))
    progress(t_sum, steps=steps)


run_ensemble = run_qke
"""Former name of :func:`run_qke` (kept for scripts)."""
