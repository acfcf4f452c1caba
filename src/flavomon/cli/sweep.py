"""``flavomon sweep CONFIG.toml [--scheduler ADDRESS] --out DIR``.

Thin wrapper over :func:`flavomon.sweep.run_sweep`; see docs/sweep.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "sweep",
        help="run a sweep of distributions x methods on Dask",
        description=(
            "Run every (distribution, method) point of CONFIG.toml as a Dask task; results go "
            "to DIR/points/<id>.nc and DIR/sweep.nc. Finished points are skipped on rerun. "
            "The default LocalCluster listens on 127.0.0.1 only."
        ),
    )
    p.add_argument("config", metavar="CONFIG.toml", help="sweep configuration (see docs/sweep.md)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="address of an existing Dask scheduler, tcp://HOST:PORT or tls://HOST:PORT "
                        "(default: a LocalCluster on 127.0.0.1 of this machine)")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (created if missing)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="LocalCluster worker processes (default: [sweep] workers, 2); ignored with --scheduler")
    p.add_argument("--dashboard", action="store_true",
                   help="serve the LocalCluster's Dask dashboard on 127.0.0.1 and print its address "
                        "(default: none); with --scheduler, print that cluster's dashboard address")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def _show_dashboard(client) -> None:
    from ..sweep import dashboard_url

    url = dashboard_url(client)
    if not url:
        print("flavomon sweep: the Dask cluster serves no dashboard", file=sys.stderr)
        return
    try:
        import bokeh  # noqa: F401 - the dashboard's pages need it
        note = ""
    except ImportError:
        note = " (bokeh is not installed, so the page only says so: pip install bokeh)"
    print(f"flavomon sweep: Dask dashboard at {url}{note}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from ..errors import FlavomonInputError
    from ..sweep import load_config, run_sweep
    from ..sweep.engine import POINTS_DIR
    from .main import Terminated

    if args.workers is not None and args.workers < 1:
        raise FlavomonInputError(f"--workers must be >= 1, got {args.workers}")
    cfg = load_config(args.config)
    n = len(cfg.points)
    try:
        res = run_sweep(cfg, args.out, scheduler=args.scheduler, workers=args.workers,
                        progress=False if args.no_progress else None, dashboard=args.dashboard,
                        on_client=_show_dashboard if args.dashboard else None)
    except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM (the CLI's Terminated)
        pdir = Path(args.out) / POINTS_DIR
        done = sum((pdir / f"{p.point_id}.nc").exists() for p in cfg.points)
        what = "terminated (SIGTERM)" if isinstance(e, Terminated) else "interrupted"
        print(
            f"flavomon sweep: {what}; {done} of {n} points are finished and kept in {pdir}; "
            f"run the same command again to compute the other {n - done}",
            file=sys.stderr,
        )
        return 143 if isinstance(e, Terminated) else 130
    print(
        f"sweep {cfg.name}: {n} points; {len(res.skipped)} already done, {len(res.computed)} computed "
        f"({len(res.failed)} failed) in {res.wall_s:.1f} s -> {res.out_dir / 'sweep.nc'}",
        file=sys.stderr,
    )
    return 1 if res.failed else 0
