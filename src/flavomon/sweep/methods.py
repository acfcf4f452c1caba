r"""The registry of sweep methods: name -> ``run(distribution, grid, options, command)``.

A method turns one distribution into a *small* summary (:class:`MethodOutput`): the final
box-averaged :math:`D_v` on the sweep's common velocity grid, the largest growth rate, the
final spectrum's peak — not the full time history, which stays with the single-run commands.

Registered methods
------------------
``modes``     linear analysis, the ``flavomon modes`` workflow [docs §3]
              (gamma_max and its K; no final state).
``qlt``       full QLT, the ``flavomon qlt`` workflow [F2 eqs. 10-12, docs §5].
``resonant``  resonant QLT, the same workflow with ``resonant=True`` [F2 eqs. 27-30, docs §6].
``qke``       the QKE box ensemble, the ``flavomon qke`` workflow [F2 eq. 4, docs §4];
              all realizations of one point run serially in one task (``workers=1``), so a
              point is one Dask task and the ensemble is bit-identical to a single-machine
              ``flavomon qke`` run with the same seed and back-end.  The back-end, when not
              given, is the fastest one installed on the client, fixed in the point's options
              (and so in its id) before any task runs.
``signrule``  the naive final-state rule: :math:`D_v` set to zero wherever
              ``sign(D_v) != sign(D_0)`` and unchanged elsewhere (the "grey line" of F2 Fig. 1 read
              from the crossing alone, docs §6).  It needs no dispersion relation, so it is
              the baseline that QLT predictors must beat; it is also the engine's cheap test method.
``gain``      the linear estimate in a matter gradient [docs §11]: the largest ln-gain of a drifting mode,
              :math:`2\int\gamma\,dK/|G|` (:func:`flavomon.linear.max_drift_gain`), against the ln ratio from
              the seed to nonlinear power; ``converts`` = gain above it, and the critical-gradient estimate
              G_c (:func:`flavomon.linear.critical_gradient`).  No final state.
``_probe``    internal, for testing the engine: returns the initial D_v after ``delay_s``
              seconds, or raises if ``fail = true``.

The growth rate ``gamma_max`` (and its K) of every method that solves a dispersion relation
is that of the initial distribution on the sweep's velocity grid, from
:func:`flavomon.linear.growth_rate_max` (refined to the maximum, not read off a K grid).

Adding a method: decorate ``run(dist, grid, options, command) -> MethodOutput`` with
:func:`register_method`, naming the workflow whose keyword options it forwards (so that
:func:`check_options` can validate a config before anything runs).
"""

from __future__ import annotations

import importlib
import inspect
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..distributions import Distribution
from ..errors import FlavomonInputError
from ..grids import VelocityGrid
from ..linear import growth_rate_max
from ..qke import default_backend

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
        workflow that forwards ``**options`` to a config, like ``qlt_to_file`` to ``QLTConfig``).
    options : dict
        For methods without a workflow: the allowed options and their defaults.
    resolve : callable or None
        ``resolve(options) -> options``: fills in machine-dependent defaults on the client
        (e.g. the QKE back-end), so that they are part of the point's id.
    """

    name: str
    run: RunFn
    workflow: str | None = None
    fixed: frozenset[str] = frozenset()
    options: Mapping[str, Any] = field(default_factory=dict)
    config_class: str | None = None
    resolve: Callable[[dict[str, Any]], dict[str, Any]] | None = None


METHODS: dict[str, Method] = {}


def register_method(
    name: str,
    *,
    workflow: str | None = None,
    fixed: tuple[str, ...] = (),
    options: Mapping[str, Any] | None = None,
    config_class: str | None = None,
    resolve: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Callable[[RunFn], RunFn]:
    """Decorator: register ``run`` as sweep method ``name``.

    Parameters
    ----------
    name : str
        The method's name in ``[sweep] methods``.
    workflow : str, optional
        ``"module:function"`` whose keyword arguments are the method's options.
    fixed : tuple of str
        Workflow arguments the sweep sets itself.
    options : mapping, optional
        For a method without a workflow: its options and their defaults.
    config_class : str, optional
        ``"module:Class"`` of a dataclass whose fields are further accepted options.
    resolve : callable, optional
        Fills in machine-dependent defaults of the options on the client.

    Returns
    -------
    callable
        The decorator (it returns ``run`` unchanged).
    """

    def deco(fn: RunFn) -> RunFn:
        METHODS[name] = Method(name, fn, workflow, frozenset(fixed), dict(options or {}), config_class, resolve)
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

    Values are checked for type (and numbers for being finite) only; the workflow checks ranges
    when the point runs, and a bad value there makes that point fail (recorded) rather than the
    sweep.
    """
    m = METHODS[name]
    pre = f"{where}: [methods.{name}]" if where else f"[methods.{name}]"
    for k, v in options.items():
        if isinstance(v, (dict, list)) or v is None:
            raise FlavomonInputError(f"{pre}: option {k} must be a number, string or boolean, got {v!r}")
        if isinstance(v, float) and not math.isfinite(v):
            # TOML has nan and inf; no option means anything with them (a NaN would reach the
            # workflow and fail every point, or switch a feature off), so refuse them here
            raise FlavomonInputError(f"{pre}: option {k} must be a finite number, got {v!r}")
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
            takes_int = "int" in str(params[k].annotation)  # e.g. Nz: int | str ("auto" or a number)
            if isinstance(default, str) and not isinstance(options[k], str) and not (
                    takes_int and isinstance(options[k], int) and not isinstance(options[k], bool)):
                raise FlavomonInputError(f"{pre}: option {k} must be a string, got {options[k]!r}")
    return m.resolve(dict(options)) if m.resolve is not None else dict(options)


# ----------------------------------------------------------------------------------------
# summaries of workflow datasets (variable names of qlt.nc / qke.nc)
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
    """Final D_v and final spectral peak of a qlt.nc / qke.nc dataset."""
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
    if "power" in ds.variables:
        pw = ds["power"].isel(t=-1)
        if "realization" in pw.dims:
            pw = pw.mean("realization")
        p = np.asarray(pw, dtype=float)
        if p.size and np.isfinite(p).any():
            i = int(np.nanargmax(p))
            out.power_peak, out.power_peak_K = float(p[i]), float(np.asarray(pw["K"])[i])
    return out


def _with_gamma_max(out: MethodOutput, dist: Distribution, grid: VelocityGrid) -> MethodOutput:
    """Set ``gamma_max``, ``K_at_gamma_max`` of the initial distribution on the sweep grid [docs §3].

    From :func:`flavomon.linear.growth_rate_max` on the discrete Nv-node system (the one the
    QKE and QLT evolve): the band search with its maximum refined, so no K grid limits it.
    A stable distribution gives gamma_max = 0 and K = NaN.  A band search that fails leaves
    them NaN and records why in ``attrs["gamma_max_error"]``: the point's evolution is still a
    result.
    """
    try:
        g, K_at, _ = growth_rate_max(dist, Nv=grid.Nv)
    except (FlavomonInputError, ArithmeticError, ValueError, np.linalg.LinAlgError) as e:
        out.attrs["gamma_max_error"] = f"{type(e).__name__}: {e}"
        return out
    out.gamma_max, out.K_at_gamma_max = float(g), float(K_at)
    out.attrs["gamma_max_source"] = "flavomon.linear.growth_rate_max on the sweep's velocity grid"
    return out


# ----------------------------------------------------------------------------------------
# the methods
# ----------------------------------------------------------------------------------------
@register_method("modes", workflow="flavomon.workflows.modes:modes_to_file",
                 fixed=("Nv", "out", "plot", "command"))
def _modes(dist: Distribution, grid: VelocityGrid, opts: Mapping[str, Any], command: str) -> MethodOutput:
    fn = _load_workflow(METHODS["modes"])
    ds = fn(dist, Nv=grid.Nv, out=None, plot=None, command=command, **opts)
    return MethodOutput(gamma_max=_scalar(ds, "gamma_max"), K_at_gamma_max=_scalar(ds, "K_at_gamma_max"))


def _qlt_like(resonant: bool) -> RunFn:
    def run(dist: Distribution, grid: VelocityGrid, opts: Mapping[str, Any], command: str) -> MethodOutput:
        fn = _load_workflow(METHODS["resonant" if resonant else "qlt"])
        G = float(opts.get("gradient", 0.0))
        if G != 0.0 and not {"k_min", "k_max", "n_K"} & set(opts):
            # in a gradient with no grid given: one that holds every label entering a band (docs §11)
            from ..qlt.checks import drift_grid

            opts = {**opts, **drift_grid(dist, G, float(opts.get("t_end", 500.0)), Nv=grid.Nv)}
        ds = fn(dist, Nv=grid.Nv, resonant=resonant, out=None, progress=False, command=command, **opts)
        out = _with_gamma_max(_summarise_evolution(ds), dist, grid)
        if resonant:
            # resonant QLT's own gamma is the weak-growth formula [F2 eq. 26], not the exact root
            # (it overshoots near band edges, docs §9 Table E): recorded beside gamma_max
            g0 = np.asarray(ds["gamma"].isel(t=0), dtype=float) if "gamma" in ds.variables else np.array([])
            if np.isfinite(g0).any():
                out.attrs["gamma_max_eq26"] = float(np.nanmax(g0))
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
    register_method(_name, workflow="flavomon.workflows.qlt:qlt_to_file", fixed=_QLT_FIXED,
                    config_class="flavomon.qlt:QLTConfig")(_qlt_like(_res))


def _fastest_backend(opts: dict[str, Any]) -> dict[str, Any]:
    """``backend``, when not given: the fastest QKE back-end installed here (client side)."""
    if opts.get("backend") is None:
        opts["backend"] = default_backend()
    return opts


@register_method("qke", workflow="flavomon.workflows.qke:qke_to_file",
                 fixed=("Nv", "workers", "out", "resume", "restart", "progress", "command"), resolve=_fastest_backend)
def _qke(dist: Distribution, grid: VelocityGrid, opts: Mapping[str, Any], command: str) -> MethodOutput:
    fn = _load_workflow(METHODS["qke"])
    # workers=1: the point is one Dask task on one core; realizations run serially in it
    ds = fn(dist, Nv=grid.Nv, workers=1, out=None, resume=False, progress=False, command=command, **opts)
    return _with_gamma_max(_summarise_evolution(ds), dist, grid)


@register_method("signrule")
def _signrule(dist: Distribution, grid: VelocityGrid, opts: Mapping[str, Any], command: str) -> MethodOutput:
    """D_v -> 0 where sign(D_v) != sign(D_0), unchanged elsewhere [docs §6, "which side is flipped"]."""
    D = dist.on_grid(grid.v)
    D0 = float(np.sum(grid.w * D))
    flipped = np.sign(D) == -np.sign(D0)
    return MethodOutput(D_final=np.where(flipped, 0.0, D), attrs={"n_flipped_nodes": int(flipped.sum())})


@register_method("gain", options={"seed_power": 1e-13, "threshold": 1e-2, "gradient": 0.0})
def _gain(dist: Distribution, grid: VelocityGrid, opts: Mapping[str, Any], command: str) -> MethodOutput:
    """The linear estimate of conversion in a gradient [docs §11], on the sweep's velocity grid."""
    from ..linear.gradient import band_gain, critical_gradient, max_drift_gain

    gain = band_gain(dist, Nv=grid.Nv)
    G = float(opts.get("gradient", 0.0))
    ln_ratio = math.log(float(opts["threshold"]) / float(opts["seed_power"]))
    G_c = critical_gradient(gain, ln_ratio)
    mg = float(max_drift_gain(gain, G)) if G != 0.0 else math.inf
    out = MethodOutput(attrs={"max_gain": mg, "G_c": G_c, "ln_ratio": ln_ratio, "converts": bool(mg > ln_ratio),
                              "int_gamma_dK": float(gain.total)})
    return _with_gamma_max(out, dist, grid)


@register_method("_probe", options={"delay_s": 0.0, "fail": False, "gradient": 0.0})
def _probe(dist: Distribution, grid: VelocityGrid, opts: Mapping[str, Any], command: str) -> MethodOutput:
    """Engine test method: sleeps ``delay_s``, then returns D_initial, or raises if ``fail``."""
    time.sleep(float(opts.get("delay_s", 0.0)))
    if opts.get("fail", False):
        raise RuntimeError(f"_probe asked to fail for {dist.name}")
    return MethodOutput(D_final=dist.on_grid(grid.v))
