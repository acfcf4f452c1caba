"""``flavomon sweep CONFIG.toml [--scheduler ADDRESS] --out DIR``.

Thin wrapper over :func:`flavomon.sweep.run_sweep`; see docs/sweep.md.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "sweep",
        help="run a sweep of distributions x methods on Dask",
        description=(
            "Run every (distribution, method) point of CONFIG.toml as a Dask task; results go "
            "to DIR/points/<id>.nc and DIR/sweep.nc. Finished points are skipped on rerun."
        ),
    )
    p.add_argument("config", metavar="CONFIG.toml", help="sweep configuration (see docs/sweep.md)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="address of an existing Dask scheduler (default: a LocalCluster on this machine)")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (created if missing)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="LocalCluster worker processes (default: [sweep] workers, 2); ignored with --scheduler")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..errors import FlavomonInputError
    from ..sweep import load_config, run_sweep

    if args.workers is not None and args.workers < 1:
        raise FlavomonInputError(f"--workers must be >= 1, got {args.workers}")
    cfg = load_config(args.config)
    res = run_sweep(cfg, args.out, scheduler=args.scheduler, workers=args.workers,
                    progress=False if args.no_progress else None)
    n = len(cfg.points)
    print(
        f"sweep {cfg.name}: {n} points; {len(res.skipped)} already done, {len(res.computed)} computed "
        f"({len(res.failed)} failed) in {res.wall_s:.1f} s -> {res.out_dir / 'sweep.nc'}",
        file=sys.stderr,
    )
    return 1 if res.failed else 0
