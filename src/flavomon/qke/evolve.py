r"""Driver of the QKE box solver: realizations, ensembles, checkpoints  [F2 eq. 4, physics.md §4].

* :func:`run_realization` — one realization (seed ``seed + r``), in this process.
* :func:`run_ensemble` — realizations ``0 .. realizations-1`` on a pool of worker processes
  (each single-threaded); results are bit-identical whatever the number of workers, because
  realization r depends only on ``seed + r`` and every kernel operation has a fixed order.

Time loop: outputs at :math:`t_k=k\,\Delta t_{out}`; between outputs ``steps_per_out`` steps of the
composition (:mod:`flavomon.qke.steppers`).  Diagnostics are taken from Fourier coefficients
(:func:`flavomon.qke.kernel.diagnostics_from_modes`).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import signal
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
from .state import QKEConfig, seed_state, seeded_modes
from .steppers import RK4_IMAG_STABILITY, get_stepper

__all__ = ["QKEResult", "run_realization", "run_ensemble", "stability_limit", "make_kernel", "fingerprint"]

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
    status : "completed" or "interrupted".
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

    @property
    def D_mean(self) -> np.ndarray:
        return self.D.mean(axis=0)

    @property
    def D_std(self) -> np.ndarray:
        return self.D.std(axis=0, ddof=1) if self.D.shape[0] > 1 else np.zeros_like(self.D[0])

    @property
    def cell_updates_per_s(self) -> float:
        """Nz * Nv * steps / wall time (summed over realizations and workers)."""
        c = self.config
        return c.Nz * c.Nv * self.steps / max(self.wall_time, 1e-12)


def stability_limit(D_v: np.ndarray, config: QKEConfig) -> float:
    r"""Largest dt for which every local RK4 sub-step is inside RK4's stability region.

    Sufficient bound: the local Jacobian of :math:`(\mathbf H_v-\bar{\mathbf H}_v)\times\mathbf P_v`
    has norm at most :math:`\Lambda=2\sum_vw_v(1+|v|)|\mathbf P_v|+\max_v|\bar D_0-v\bar D_1|`
    (:math:`|\mathbf P_v|` is conserved along characteristics), so ``b_max * dt * Lambda <= 2 sqrt 2``.
    """
    vg = config.vgrid()
    v, w = vg.v, vg.w
    D_v = np.asarray(D_v, dtype=float)
    prof = np.full(config.Nv, 0.5) if config.psi_profile is None else np.abs(np.asarray(config.psi_profile))
    amp = np.abs(D_v) + prof * math.sqrt(config.seed_power * config.Nz)
    D0, D1 = float(w @ D_v), float((w * v) @ D_v)
    lam = 2.0 * float(np.sum(w * (1 + np.abs(v)) * amp)) + float(np.max(np.abs(D0 - v * D1)))
    return RK4_IMAG_STABILITY / (get_stepper(config.stepper).b_max * max(lam, 1e-300))


def fingerprint(D_v: np.ndarray, config: QKEConfig) -> dict[str, Any]:
    """Everything that determines the numbers of a run (for --resume checks)."""
    d = config.physics_dict()
    d["dt_used"] = config.dt_used
    d["D_v"] = [float(x).hex() for x in np.asarray(D_v, dtype=float)]
    return d


def make_kernel(config: QKEConfig, D_v: np.ndarray):
    if config.backend == "jax":
        from ._jax import JaxKernel

        return JaxKernel(config, D_v)
    from .kernel import NumpyKernel

    return NumpyKernel(config, D_v)


def _prepare(D_v: np.ndarray, config: QKEConfig) -> tuple[QKEConfig, float]:
    """Validate ``D_v``, resolve the automatic dt (:meth:`QKEConfig.with_auto_dt`) and check it
    against :func:`stability_limit`.  Returns the resolved configuration and the limit."""
    if not np.all(np.isfinite(D_v)):
        raise FlavomonInputError("the distribution D(v) is not finite on the velocity grid (NaN or inf)")
    auto = config.dt is None
    config = config.with_auto_dt(D_v)
    dt_max = stability_limit(D_v, config)
    if config.dt_used > dt_max:
        what = "automatic dt" if auto else "dt"
        raise FlavomonInputError(
            f"{what}={config.dt_used:g} exceeds the stability limit dt_max={dt_max:.4g} of the {config.stepper} "
            f"local RK4 sub-step (b_max*dt*Lambda <= 2*sqrt(2)); pass a smaller dt"
        )
    return config, dt_max


def _D_on_grid(dist: Any, config: QKEConfig) -> np.ndarray:
    if isinstance(dist, np.ndarray):
        D_v = np.asarray(dist, dtype=float)
        if D_v.shape != (config.Nv,):
            raise FlavomonInputError(f"D_v array must have Nv={config.Nv} values, got shape {D_v.shape}")
        return D_v
    d = from_spec(dist) if not isinstance(dist, Distribution) else dist
    return d.on_grid(config.vgrid().v)


# ----------------------------------------------------------------------------------------------
# one realization (runs in the caller or in a worker)
# ----------------------------------------------------------------------------------------------
def _run_one(
    D_v: np.ndarray,
    config: QKEConfig,
    r: int,
    *,
    psi0_K: np.ndarray | None = None,
    ckpt_dir: str | None = None,
    fp: dict | None = None,
    ckpt_every: float = 60.0,
    resume: bool = False,
    report: Callable[[int, int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    snapshot_k: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """Run realization r; returns arrays (and 'status'). Saves checkpoints if ``ckpt_dir``."""
    t_start = time.perf_counter()
    store = CheckpointStore(ckpt_dir, fp) if ckpt_dir else None
    kernel = make_kernel(config, D_v)
    nt = config.n_out + 1
    spo = config.steps_per_out
    rec = store.load(r) if (store is not None and resume) else None
    if rec is not None and bool(rec["done"]):
        return {k: rec[k] for k in ("D", "power", "pol", "D0")} | {"steps": 0, "wall": 0.0, "status": "completed"}
    n_modes = int(seeded_modes(config.Nz).sum())
    if rec is not None:
        k0 = int(rec["k"])
        u = np.array(rec["u"])
        Dt, Pt, polt, D0t = (np.array(rec[x]) for x in ("D", "power", "pol", "D0"))
    else:
        k0 = 0
        P = seed_state(D_v, config, r, psi0_K=psi0_K)
        u = kernel.initial_u(P)
        Dt = np.full((nt, config.Nv), np.nan)
        Pt = np.full((nt, n_modes), np.nan)
        polt = np.full((nt, config.Nv), np.nan)
        D0t = np.full(nt, np.nan)

    def save(k: int, u_k: np.ndarray, done: bool) -> None:
        if store is not None:
            store.save(r, {"k": k, "u": u_k, "D": Dt, "power": Pt, "pol": polt, "D0": D0t, "done": done})

    steps = 0
    snaps: dict[int, np.ndarray] = {}
    last_ckpt = time.perf_counter()
    status = "completed"
    k = k0
    try:
        while True:
            d = kernel.diagnose(u)
            Dt[k], Pt[k], polt[k], D0t[k] = d["D_v"], d["power"], d["pol_v"], d["D0"]
            if k in snapshot_k:
                snaps[k] = kernel.true_state(u)
            if k == config.n_out:
                break
            u = kernel.advance(u, spo)
            steps += spo
            k += 1
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
        # u is still the state at the last completed output boundary k
        save(k, u, False)
        raise
    if status == "completed":
        save(k, u, True)
    out = {"D": Dt, "power": Pt, "pol": polt, "D0": D0t, "steps": steps, "wall": time.perf_counter() - t_start, "status": status}
    if snaps:
        ks = sorted(snaps)
        fields = np.stack([snaps[j] for j in ks])
        out["snapshots"] = {"t": np.array(ks) * config.dt_out, "psi": fields[:, 0] + 1j * fields[:, 1], "D": fields[:, 2]}
    return out


def _sorted_modes(config: QKEConfig) -> tuple[np.ndarray, np.ndarray]:
    K = config.box().K[seeded_modes(config.Nz)]
    order = np.argsort(K, kind="stable")
    return K[order], order


def _assemble(config, D_v, results, reals, dt_max, wall, status) -> QKEResult:
    vg = config.vgrid()
    K, order = _sorted_modes(config)
    comp = get_stepper(config.stepper)
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
        steps=int(sum(res["steps"] for res in results)),
        wall_time=wall,
        dt_max=dt_max,
        status=status,
        extra={"D0bar_initial": float(vg.w @ D_v)},
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
    ``psi0_K`` optionally replaces the random seed (FFT order, :math:`\\psi_0=\\sum_K\\psi_{0,K}e^{iKz}`).
    ``snapshots``: output times at which the full fields are kept, returned in
    ``result.extra["snapshots"]`` = ``{"t", "psi" (ns, Nv, Nz) complex, "D" (ns, Nv, Nz)}`` on the grid ``config.box().z``.
    """
    config = config or QKEConfig()
    D_v = _D_on_grid(dist, config)
    config, dt_max = _prepare(D_v, config)
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
    result = _assemble(config, D_v, [res], [realization], dt_max, time.perf_counter() - t0, res["status"])
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


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _ignore_stop_signals() -> None:
    for s in _STOP_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by the parent at spawn


@contextmanager
def _stop_signals_blocked():
    """Block Ctrl-C / SIGTERM in this thread (inherited by processes spawned meanwhile); deliver after."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _worker_init() -> None:
    # the parent decides (Ctrl-C, or SIGTERM through the CLI): it sets the stop event and every
    # worker saves its realization at its next output boundary
    _ignore_stop_signals()


def _pool_task(D_v, config, r, ckpt_dir, fp, ckpt_every, resume, queue, stop, psi0_K):
    def report(rr, k, spo):
        queue.put((rr, k, spo))

    return r, _run_one(
        D_v, config, r, psi0_K=psi0_K, ckpt_dir=ckpt_dir, fp=fp, ckpt_every=ckpt_every, resume=resume,
        report=report, should_stop=stop.is_set,
    )


def run_ensemble(
    dist: Any,
    config: QKEConfig | None = None,
    *,
    workers: int | None = None,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    progress: ProgressFn | None = None,
    checkpoint_every: float = 60.0,
    psi0_K: np.ndarray | None = None,
) -> QKEResult:
    """Realizations ``0 .. config.realizations-1`` (seeds ``seed + r``) [physics.md §4].

    Parameters
    ----------
    workers : processes (default: min(cpu count, realizations)); 1 runs in this process.
    checkpoint : folder for atomic per-realization checkpoints (created; removed by the caller
        after the final file is written, see :class:`CheckpointStore`).
    resume : continue from ``checkpoint`` (ConfigMismatchError if it was made with another config).
    progress : ``progress(t_done, steps=...)`` with ``t_done`` the simulated time summed over
        realizations (total ``realizations * t_end``).
    checkpoint_every : wall-clock seconds between checkpoints (0: at every output).

    On KeyboardInterrupt every running realization saves its state at its last output boundary
    and the interrupt is re-raised.

    Workers are started with the ``spawn`` method (safe with threads and JAX): a script that calls
    this with ``workers > 1`` needs the usual ``if __name__ == "__main__":`` guard.
    """
    config = config or QKEConfig()
    D_v = _D_on_grid(dist, config)
    config, dt_max = _prepare(D_v, config)
    R = config.realizations
    if workers is None:
        workers = min(os.cpu_count() or 1, R)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise FlavomonInputError(f"workers must be a positive integer, got {workers!r}")
    workers = min(workers, R)
    fp = fingerprint(D_v, config)
    ckpt_dir = None
    if checkpoint is not None:
        store = CheckpointStore(checkpoint, fp)
        exists = store.check() if resume else False  # --resume: ConfigMismatchError on a foreign checkpoint
        if not exists:
            store.create()  # a fresh run replaces an old checkpoint
        ckpt_dir = str(checkpoint)
    resume = bool(resume and ckpt_dir is not None)
    t0 = time.perf_counter()
    done_t = np.zeros(R)
    steps_done = [0]

    def note(r, k, spo):
        done_t[r] = k * config.dt_out
        steps_done[0] += spo
        if progress is not None:
            progress(float(done_t.sum()), steps=steps_done[0])

    if resume and progress is not None:
        st = CheckpointStore(ckpt_dir, fp)
        for r in range(R):
            rec = st.load(r)
            if rec is not None:
                done_t[r] = int(rec["k"]) * config.dt_out
        progress(float(done_t.sum()), steps=0)

    results: dict[int, dict] = {}
    status = "completed"
    if workers == 1:
        for r in range(R):
            results[r] = _run_one(
                D_v, config, r, psi0_K=psi0_K, ckpt_dir=ckpt_dir, fp=fp, ckpt_every=checkpoint_every,
                resume=resume, report=note,
            )
    else:
        ctx = mp.get_context("spawn")
        # Ctrl-C / SIGTERM reach every process of the group (a terminal, a batch system).  The queue
        # manager and the workers ignore them (the parent sets the stop event and every worker saves
        # at its next output boundary); they are started with the signals blocked, so a signal that
        # arrives while they are still importing cannot kill them before they ignore it.
        manager = SyncManager(ctx=ctx)
        try:
            with _single_threaded_children(), _stop_signals_blocked():
                manager.start(initializer=_ignore_stop_signals)
            queue, stop = manager.Queue(), manager.Event()
            ex = None
            futs: set = set()
            try:
                with _single_threaded_children(), _stop_signals_blocked():
                    ex = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)
                    futs = {
                        ex.submit(_pool_task, D_v, config, r, ckpt_dir, fp, checkpoint_every, resume, queue, stop, psi0_K)
                        for r in range(R)
                    }
                pending = set(futs)
                while pending:
                    finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    while not queue.empty():
                        note(*queue.get_nowait())
                    for f in finished:
                        r, res = f.result()
                        results[r] = res
            except KeyboardInterrupt:
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
            if hasattr(manager, "shutdown"):  # set by start(); absent if interrupted while starting
                manager.shutdown()
    if any(res["status"] != "completed" for res in results.values()):
        status = "interrupted"
    reals = sorted(results)
    return _assemble(config, D_v, [results[r] for r in reals], reals, dt_max, time.perf_counter() - t0, status)
