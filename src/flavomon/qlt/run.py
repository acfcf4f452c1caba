r"""Entry point of quasi-linear theory: full or resonant QLT from one configuration  [F2 eqs. 9–13, 24, 27–30; docs §5, §6]."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from typing import Any, Callable

from ..distributions import Distribution, from_spec
from ..errors import FlavomonInputError, PhysicsWarning
from .config import QLT_SCALE_FREE_RANGE, QLTConfig, QLTResult, output_times
from .full import run_full_qlt
from .raytrace import run_raytrace_qlt
from .resonant import run_resonant_qlt

__all__ = ["run_qlt"]


def run_qlt(
    dist: Distribution | str,
    config: QLTConfig | None = None,
    *,
    progress: Callable[..., None] | None = None,
    checkpoint: Any = None,
) -> QLTResult:
    """Run full QLT, or resonant QLT when ``config.resonant``  [F2 eqs. 10–12, 27–30; docs §5, §6].

    Parameters
    ----------
    dist : Distribution or SPEC string
        Initial angular distribution; a SPEC string is parsed once, here.
    config : QLTConfig, optional
        The run (default: the F2 benchmark grid and seed).
    progress : callable, optional
        ``progress(t, steps=n)`` after every accepted step (full QLT) or output time
        (resonant QLT).
    checkpoint : object, optional
        Ray tracing only (a background, docs §12): resume and checkpoints, see
        :func:`flavomon.qlt.raytrace.run_ray_tracing` (the workflow ``flavomon qlt`` keeps them in a file).

    Returns
    -------
    QLTResult
        For resonant QLT, ``final_state`` holds the t -> infinity prediction.

    Raises
    ------
    FlavomonInputError
        Bad SPEC, or a K grid that misses the unstable band(s).

    Notes
    -----
    Full QLT: :func:`flavomon.qlt.full.run_full_qlt`; resonant QLT:
    :func:`flavomon.qlt.resonant.run_resonant_qlt`.
    """
    config = QLTConfig() if config is None else config
    dist = from_spec(dist)
    if checkpoint is not None and not config.has_background:
        raise FlavomonInputError("checkpoints are kept for ray-tracing runs only (--matter, --modulate or --cell); "
                                 "a homogeneous QLT run takes seconds: run it again")
    A = float(dist.rate_scale)
    lo, hi = QLT_SCALE_FREE_RANGE
    if A > 0 and math.isfinite(A) and not lo <= A <= hi and not config.has_background:
        r = _run_scaled(dist, config, A, progress)
    else:
        r = _run(dist, config, progress, checkpoint)
    return replace(r, distribution=dist.spec)


def _run(dist: Distribution, config: QLTConfig, progress: Callable[..., None] | None,
         checkpoint: Any = None) -> QLTResult:
    if config.has_background:
        return run_raytrace_qlt(dist, config, progress, checkpoint=checkpoint)
    if config.resonant:
        return run_resonant_qlt(dist, config, progress=progress)
    return run_full_qlt(dist, config, progress=progress)


def _run_scaled(dist: Distribution, config: QLTConfig, A: float, progress: Callable[..., None] | None) -> QLTResult:
    c = math.ldexp(1.0, round(math.log2(A)))
    cfg = replace(config, k_min=float(config.k_min) / c, k_max=float(config.k_max) / c,
                  t_end=float(config.t_end) * c, dt_out=float(config.dt_out) * c, L=float(config.L) * c,
                  seed_power=float(config.seed_power) / (c * c))
    note = f" [k, K, Omega, gamma in this message are for D/c, c = {c:g}: multiply them by c]"
    prog = None if progress is None else (lambda t, **kw: progress(t / c, **kw))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            r = _run(dist.scaled(1.0 / c), cfg, prog)
        except FlavomonInputError as e:
            raise FlavomonInputError(f"{e}{note}") from None
    for w in caught:
        msg = w.message
        if isinstance(msg, Warning) and issubclass(w.category, PhysicsWarning):
            msg = w.category(f"{msg}{note}")
        warnings.warn_explicit(msg, w.category, w.filename, w.lineno)
    diag = dict(r.diagnostics)
    for key in ("initial_gamma_max", "initial_K_at_gamma_max"):
        if key in diag:
            diag[key] = diag[key] * c
    diag["scaled_by"] = c
    fs = r.final_state
    if fs is not None:
        fs = replace(fs, D_initial=fs.D_initial * c, D_final=fs.D_final * c, K=fs.K * c, k=fs.k * c,
                     P_final=fs.P_final * c, power_final=fs.power_final * (c * c), P0=fs.P0 * c,
                     P_branch_final=fs.P_branch_final * c, D0_initial=fs.D0_initial * c, D0_final=fs.D0_final * c,
                     N_initial=fs.N_initial * c, N_final=fs.N_final * c,
                     info={**fs.info, "branch_scaled_by": c})
    return replace(
        r, t=output_times(config), K=r.K * c, k=r.k * c, D=r.D * c, power=r.power * (c * c), P=r.P * c,
        gamma=r.gamma * c, Omega_R=r.Omega_R * c, D0=r.D0 * c,
        t_saturation=None if r.t_saturation is None else r.t_saturation / c,
        config=config, diagnostics=diag, final_state=fs,
    )


def run_qlt_solver(
    dist: Distribution | str,
    config: QLTConfig | None = None,
    *,
    progress: Callable[..., None] | None = None,
) -> QLTResult:
    """Same as :func:`run_qlt` (the older name, kept for existing callers)."""
    return run_qlt(dist, config, progress=progress)
