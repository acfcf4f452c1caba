"""``flavomon reproduce [--out DIR]`` — the main job: F2's Fig. 1 comparison and friends.

Runs, for a = 0.9, 0.7, 0.5 of the benchmark [F2 eq. 5], the linear analysis, the
20-realization QKE ensemble, full QLT and resonant QLT, and writes every netCDF file,
``fig1.png``/``.pdf``, ``modes.png``, ``thermal.png``, ``report.md`` and ``report.json`` into
DIR.  A rerun reuses every finished piece whose stored configuration matches.
See :mod:`flavomon.workflows.reproduce`.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from pathlib import Path

from ..errors import FlavomonInputError
from .qke import nz_arg


def _a_list(text: str) -> tuple[float, ...]:
    try:
        vals = tuple(float(x) for x in text.replace(" ", "").split(",") if x)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    if not vals:
        raise argparse.ArgumentTypeError("expected at least one value of a")
    return vals


def add_parser(subparsers) -> argparse.ArgumentParser:
    from ..workflows.reproduce import DEFAULT, DEFAULT_OUT, FULL, QUICK

    p = subparsers.add_parser(
        "reproduce",
        help="the main job: QLT vs the QKE ensemble (F2 Fig. 1), dispersion diagrams, report",
        description=(
            "Run the linear analysis, the QKE ensemble, full QLT and resonant QLT for the benchmark "
            "D_v = exp(-2(1-v)^2) - a (F2 eq. 5) and write all files, figures and a report into DIR. "
            "Resumes: finished pieces with the same configuration are reused, a killed QKE ensemble continues "
            "from its checkpoint, a damaged or foreign checkpoint is discarded and its piece recomputed. "
            "One run per DIR at a time (lock file DIR/reproduce.lock). "
            f"Default: F2's full set-up ({DEFAULT.realizations} realizations, Nv = {DEFAULT.Nv}, t = {DEFAULT.t_end:g}) "
            "at the automatic QKE resolution (--Nz auto: the smallest FFT-friendly Nz that resolves the unstable bands "
            "with the margin of the convergence study; the chosen Nz is in the files and report.json); "
            f"--quick: {QUICK.realizations} realizations for a first look."
        ),
    )
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"output folder, created if missing (default: ./{DEFAULT_OUT})")
    level = p.add_mutually_exclusive_group()
    level.add_argument("--full", action="store_true",
                       help=f"F2's {FULL.realizations}-realization ensemble: the default, kept for old scripts "
                            "(explicit options below override it)")
    level.add_argument("--quick", action="store_true",
                       help=f"a quick look: {QUICK.realizations} realizations (explicit options override it)")
    p.add_argument("--a", type=_a_list, default=None, metavar="A[,A...]",
                   help="benchmark parameters a (default 0.9,0.7,0.5)")
    p.add_argument("--realizations", type=int, default=None, help=f"QKE ensemble size (default {DEFAULT.realizations})")
    p.add_argument("--Nz", type=nz_arg, default=None, metavar="auto|N",
                   help="QKE z points (default auto; F2 used 700, --Nz 700 runs that)")
    p.add_argument("--Nv", type=int, default=None, help=f"velocity nodes (default {DEFAULT.Nv})")
    p.add_argument("--t-end", dest="t_end", type=float, default=None, help=f"final time (default {DEFAULT.t_end:g})")
    p.add_argument("--dt-out", dest="dt_out", type=float, default=None,
                   help=f"output cadence of QKE and QLT (default {DEFAULT.dt_out:g})")
    p.add_argument("--n-K", dest="qlt_n_K", type=int, default=None,
                   help=f"QLT wavenumber points in k = [-2, 2] (default {DEFAULT.qlt_n_K})")
    p.add_argument("--modes-n-K", dest="modes_n_K", type=int, default=None,
                   help=f"K points of the linear analysis (default {DEFAULT.modes_n_K})")
    p.add_argument("--seed", type=int, default=None, help=f"first QKE seed (default {DEFAULT.seed})")
    p.add_argument("--backend", choices=("numpy", "jax", "numba"), default=None,
                   help="QKE back-end (default: the fastest installed, numba, else jax, else numpy)")
    p.add_argument("--workers", type=int, default=None,
                   help="QKE worker processes (default: all cores; results do not depend on it)")
    p.add_argument("--checkpoint-every", dest="qke_checkpoint_every", type=float, default=None, metavar="SECONDS",
                   help="seconds between QKE checkpoints; a killed run resumes from the last (default 60)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="hide progress bars")
    p.set_defaults(func=run)
    return p


def config_from_args(args: argparse.Namespace):
    """The :class:`ReproduceConfig` the options ask for."""
    from ..workflows.reproduce import DEFAULT, FULL, QUICK

    base = QUICK if args.quick else FULL if args.full else DEFAULT
    changes = {}
    if args.a is not None:
        changes["a_values"] = args.a
    for name in ("realizations", "Nz", "Nv", "t_end", "dt_out", "qlt_n_K", "modes_n_K", "seed", "backend",
                 "workers", "qke_checkpoint_every"):
        val = getattr(args, name)
        if val is not None:
            changes[name] = val
    if args.workers is not None and args.workers < 1:
        raise FlavomonInputError(f"--workers {args.workers}: must be >= 1")
    return dataclasses.replace(base, **changes)


def run(args: argparse.Namespace) -> int:
    from ..workflows.reproduce import run_reproduce

    cfg = config_from_args(args)
    command = None
    if sys.argv and Path(sys.argv[0]).name in ("flavomon", "__main__.py") and "reproduce" in sys.argv:
        command = " ".join(shlex.quote(a) for a in ["flavomon", *sys.argv[1:]])
    run_reproduce(cfg, out=args.out, progress=args.progress, command=command)
    return 0
