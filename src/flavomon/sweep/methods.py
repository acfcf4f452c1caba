r"""The registry of sweep methods: name -> ``run(distribution, grid, options, command)``.

A method turns one distribution into a *small* summary (:class:`MethodOutput`): the final
box-averaged :math:`D_v` on the sweep's common velocity grid, the largest growth rate, the
final spectrum's peak — not the full time history, which stays with the single-run commands.

Registered methods
------------------
``modes``     linear analysis, :func:`flavomon.workflows.modes.run_modes` [physics.md §3]
              (gamma_max and its K; no final state).
``qlt``       full QLT, :func:`flavomon.workflows.qlt.run_qlt` [F2 eqs. 10-12, physics.md §5].
``resonant``  resonant QLT, ``run_qlt(..., resonant=True)`` [F2 eqs. 27-30, physics.md §6].
``qke``       the QKE box ensemble, :func:`flavomon.workflows.qke.run_qke` [F2 eq. 4, physics.md §4];
              all realizations of one point run serially in one task (``workers=1``), so a
              point is one Dask task and the ensemble is bit-identical to a single-machine
              ``flavomon qke`` run with the same seed.
``signrule``  the naive final-state rule: :math:`D_v` set to zero wherever
              ``sign(D_v) != sign(D_0)`` and unchanged elsewhere (the "grey line" of F2 Fig. 1 read
              from the crossing alone, physics.md §6).  It needs no dispersion relation, so it is
              the baseline that QLT predictors must beat; it is also the engine's cheap test method.
``_probe``    internal, for testing the engine: returns the initial D_v after ``delay_s``
              seconds, or raises if ``fail = true``.

Adding a method: decorate ``run(dist, grid, options, command) -> MethodOutput`` with
:func:`register_method`, naming the workflow whose keyword options it forwards (so that
:func:`check_options` can validate a config before anything runs).
"""

from __future__ import annotations

import importlib
import inspect
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..distributions import Distribution
from ..errors import FlavomonInputError
from ..grids import VelocityGrid

__all__ = ["Method", "MethodOutput", "METHODS", "register_method", "check_options"]


@dataclass
class MethodOutput:
    """What a method returns for one distribution (everything optional except nothing).

    ``D_final`` is on the sweep's velocity grid (or on ``v`` if given, then interpolated).
    """

    D_final: np.ndarray | None = None
    D_final_std: np.ndarray | None = None
    v: np.ndarray | None = None
    gamma_max: float = float("nan")
    K_at_gamma_max: float = float("nan")
    power_peak: float = float("nan")
    power_peak_K: float = float("nan")
    n_realizations: int = 1
    attrs: dict[str, Any] = field(default_factory=dict)


RunFn = Callable[[Distribution, VelocityGrid, Mapping[str, Any], str], MethodOutput]


@dataclass(frozen=True)
class Method:
    """A registered method.

    Attributes
    ----------
    name : str
    run : callable
        ``run(dist, grid, options, command) -> MethodOutput``; runs on a Dask worker.
    workflow : str or None
        ``"module:function"`` whose keyword arguments are the method's options.
    fixed : frozenset of str
        Workflow arguments the sweep sets itself (not allowed in ``[methods.NAME]``).
    config_class : str or None
        ``"module:Class"`` of a dataclass whose fields are further accepted options (for a
        workflow that forwards ``**options`` to a config, like ``run_qlt`` to ``QLTConfig``).
    options : dict
        For methods without a workflow: the allowed options and their defaults.
    """

    name: str
    run: RunFn
    workflow: str | None = None
    fixed: frozenset[str] = frozenset()
    options: Mapping[str, Any] = field(default_factory=dict)
    config_class: str | None = None


METHODS: dict[str, Method] = {}


def register_method(
    name: str,
    *,
    workflow: str | None = None,
    fixed: tuple[str, ...] = (),
    options: Mapping[str, Any] | None = None,
    config_class: str | None = None,
) -> Callable[[RunFn], RunFn]:
    """Decorator: register ``run`` as sweep method ``name``."""

    def deco(fn: RunFn) -> RunFn:
        METHODS[name] = Method(name, fn, workflow, frozenset(fixed), dict(options or {}), config_class)
        return fn

    return deco


def _load_workflow(method: Method, *, where: str = "") -> Callable[..., Any]:
    assert method.workflow is not None
    modname, _, fname = method.workflow.partition(":")
    try:
        mod = importlib.import_module(modname)
    except ImportError as e:
        raise FlavomonInputError(
            f"{where + ': ' if where else ''}method {method.name!r} is unavailable: "
            f"cannot import {modname} ({type(e).__name__}: {e})"
        ) from None
    try:
        return getattr(mod, fname)
    except AttributeError:
        raise FlavomonInputError(
            f"{where + ': ' if where else ''}method {method.name!r} needs {method.workflow}, "
            "which this flavomon installation does not have"
        ) from None


def check_options(name: str, options: dict[str, Any], *, where: str = "") -> dict[str, Any]:
    """Validate ``[methods.NAME]`` options against the method (names and scalar types).

    Values are checked for type only; the workflow checks ranges when the point runs, and a
    bad value there makes that point fail (recorded) rather than the sweep.
    """
    m = METHODS[name]
    pre = f"{where}: [methods.{name}]" if where else f"[methods.{name}]"
    for k, v in options.items():
        if isinstance(v, (dict, list)) or v is None:
            raise FlavomonInputError(f"{pre}: option {k} must be a number, string or boolean, got {v!r}")
    if m.workflow is None:
        bad = set(options) - set(m.options)
        if bad:
            known = ", ".join(m.options) or "none"
            raise FlavomonInputError(f"{pre}: unknown option(s) {', '.join(sorted(bad))} (known: {known})")
        return {**m.options, **options}
    fn = _load_workflow(m, where=where)
    params = dict(inspect.signature(fn).parameters)
    if m.config_class and any(par.kind == par.VAR_KEYWORD for par in params.values()):
        import dataclasses

        modname, _, cname = m.config_class.partition(":")
        try:
            cls = getattr(importlib.import_module(modname), cname)
        except (ImportError, AttributeError):
            cls = None
        if cls is not None and dataclasses.is_dataclass(cls):
            for f in dataclasses.fields(cls):
                if f.name not in params and f.init:
                    default = f.default if f.default is not dataclasses.MISSING else inspect.Parameter.empty
                    params[f.name] = inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=default)
    allowed = [p for p, par in params.items() if par.kind == par.KEYWORD_ONLY and p not in m.fixed]
    for k in options:
        if k in m.fixed:
            hint = " (set Nv in [sweep]: all methods share one velocity grid)" if k == "Nv" else " (the sweep sets it)"
            raise FlavomonInputError(f"{pre}: option {k} cannot be set per method{hint}")
        if k not in allowed:
            raise FlavomonInputError(f"{pre}: unknown option {k} (known: {', '.join(allowed)})")
        default = params[k].default
        if default is not inspect.Parameter.empty and default is not None:
            if isinstance(default, bool) != isinstance(options[k], bool):
                raise FlavomonInputError(f"{pre}: option {k} must be {type(default).__name__}, got {options[k]!r}")
            if isinstance(default, (int, float)) and not isinstance(options[k], (int, float)):
                raise FlavomonInputError(f"{pre}: option {k} must be a number, got {options[k]!r}")
            if isinstance(default, str) and not isinstance(options[k], str):
                raise FlavomonInputError(f"{pre}: option {k} must be a string, got {options[k]!r}")
    return dict(options)


# ----------------------------------------------------------------------------------------
# summaries of workflow datasets (variable names of INTERFACES.md)
# ----------------------------------------------------------------------------------------
def _scalar(ds: Any, name: str) -> float:
    if name in ds.variables:
        return float(np.asarray(ds[name]).reshape(-1)[0])
    if name in ds.attrs:
        try:
            return float(ds.attrs[name])
        except (TypeError, ValueError):
            return float("nan")
    return float("nan")


def _summarise_evolution(ds: Any) -> MethodOutput:
    """Final D_v, initial gamma_max and final spectral peak of a qlt.nc / qke.nc dataset."""
    out = MethodOutput(v=np.asarray(ds["v"], dtype=float))
    for key in ("status", "saturated", "t_saturation", "diagnostics", "kind"):
        if key in ds.attrs:
            out.attrs[key] = ds.attrs[key]
    if "D_mean" in ds.variables:
        out.D_final = np.asarray(ds["D_mean"].isel(t=-1), dtype=float)
        if "D_std" in ds.variables:
            out.D_final_std = np.asarray(ds["D_std"].isel(t=-1), dtype=float)
    else:
        out.D_final = np.asarray(ds["D"].isel(t=-1), dtype=float)
    if "realization" in ds.sizes:
        out.n_realizations = int(ds.sizes["realization"])
    if "gamma" in ds.variables and "K" in ds["gamma"].dims:
        g0 = np.asarray(ds["gamma"].isel(t=0), dtype=float)
        if np.isfinite(g0).any():
            i = int(np.nanargmax(g0))
            out.gamma_max, out.K_at_gamma_max = float(g0[i]), float(ds["K"][i])
    else:
        out.gamma_max = _scalar(ds, "gamma_max")
        out.K_at_gamma_max = _scalar(ds, "K_at_gamma_max")
    if "power" in ds.variables:
        pw = ds["power"].isel(t=-1)
        if "realization" in pw.dims:
            pw = pw.mean("realization")
        p = np.asarray(pw, dtype=float)
        if p.size and np.isfinite(p).any():
            i = int(np.nanargmax(p))
            out.power_peak, out.power_peak_K = float(p[i]), float(np.asarray(pw["K"])[i])
    return out


def _linear_gamma_max(dist: Distribution, grid: VelocityGrid) -> tuple[float, float]:
    """gamma_max from eig of the discrete linear operator on the sweep grid [physics.md §3].

    A 176-point K grid over [-2.5, 1] (every unstable band of the example families lies there,
    physics.md §9 Table B) — resolution 0.02 in K, so the maximum is good to ~1e-4 relative
    (the maximum is flat).
    """
    from ..linear.discrete import discrete_eigenvalues

    K = np.linspace(-2.5, 1.0, 176)
    g = discrete_eigenvalues(dist.on_grid(grid.v), grid.v, grid.w, K)[:, 0].imag
    i = int(np.argmax(g))
    return float(max(g[i], 0.0)), float(K[i])


# ----------------------------------------------------------------------------------------
# the methods
# ----------------------------------------------------------------------------------------
@register_method("modes", workflow="flavomon.workflows.modes:run_modes",
                 fixed=("Nv", "out", "plot", "command"))
def _modes(dist: Distribution, grid: VelocityGrid, opts: Mapping[str, Any], command: str) -> MethodOutput:
    fn = _load_workflow(METHODS["modes"])
    ds = fn(dist, Nv=grid.Nv, out=None, plot=None, command=command, **opts)
    return MethodOutput(gamma_max=_scalar(ds, "gamma_max"), K_at_gamma_max=_scalar(ds, "K_at_gamma_max"))


def _qlt_like(resonant: bool) -> RunFn:
    def run(dist: Distribution, grid: VelocityGrid, opts: Mapping[str, Any], command: str) -> MethodOutput:
        fn = _load_workflow(METHODS["resonant" if resonant else "qlt"])
        ds = fn(dist, Nv=grid.Nv, resonant=resonant, out=None, progress=False, command=command, **opts)
        out = _summarise_evolution(ds)
        if resonant:
            # resonant QLT's gamma is the weak-growth formula [F2 eq. 26], not the exact root
            # (it overshoots near band edges, physics.md §9 Table E): keep it out of gamma_max
            out.attrs["gamma_max_eq26"] = out.gamma_max
            out.gamma_max = out.K_at_gamma_max = float("nan")
            if "D_final_state" in ds.variables:
                # the predictor is resonant QLT's t -> infinity state (F2 Fig. 1's grey curve),
                # not the dynamics at t_end, which has not finished where the growth is slow
                out.attrs["D_at_t_end_L1_from_final_state"] = float(
                    np.sum(np.asarray(ds["w"]) * np.abs(out.D_final - np.asarray(ds["D_final_state"])))
                )
                out.D_final = np.asarray(ds["D_final_state"], dtype=float)
        return out

    return run


_QLT_FIXED = ("Nv", "resonant", "out", "progress", "command")
for _name, _res in (("qlt", False), ("resonant", True)):
    register_method(_name, workflow="flavomon.workflows.qlt:run_qlt", fixed=_QLT_FIXED,
                    config_class="flavomon.qlt:QLTConfig")(_qlt_like(_res))


@register_method("qke", workflow="flavomon.workflows.qke:run_qke",
                 fixed=("Nv", "workers", "out", "resume", "progress", "command"))
def _qke(dist: Distribution, grid: VelocityGrid, opts: Mapping[str, Any], command: str) -> MethodOutput:
    fn = _load_workflow(METHODS["qke"])
    # workers=1: the point is one Dask task on one core; realizations run serially in it
    ds = fn(dist, Nv=grid.Nv, workers=1, out=None, resume=False, progress=False, command=command, **opts)
    out = _summarise_evolution(ds)
    if not np.isfinite(out.gamma_max):
        out.gamma_max, out.K_at_gamma_max = _linear_gamma_max(dist, grid)
        out.attrs["gamma_max_source"] = "eig of the discrete linear operator (physics.md §3)"
    return out


@register_method("signrule")
def _signrule(dist: Distribution, grid: VelocityGrid, opts: Mapping[str, Any], command: str) -> MethodOutput:
    """D_v -> 0 where sign(D_v) != sign(D_0), unchanged elsewhere [physics.md §6, "which side is flipped"]."""
    D = dist.on_grid(grid.v)
    D0 = float(np.sum(grid.w * D))
    flipped = np.sign(D) == -np.sign(D0)
    return MethodOutput(D_final=np.where(flipped, 0.0, D), attrs={"n_flipped_nodes": int(flipped.sum())})


@register_method("_probe", options={"delay_s": 0.0, "fail": False})
def _probe(dist: Distribution, grid: VelocityGrid, opts: Mapping[str, Any], command: str) -> MethodOutput:
    """Engine test method: sleeps ``delay_s``, then returns D_initial, or raises if ``fail``."""
    time.sleep(float(opts.get("delay_s", 0.0)))
    if opts.get("fail", False):
        raise RuntimeError(f"_probe asked to fail for {dist.name}")
    return MethodOutput(D_final=dist.on_grid(grid.v))
