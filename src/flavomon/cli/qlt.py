"""``flavomon qlt``: quasi-linear theory of the flavomon spectrum."""

from __future__ import annotations

import argparse
import shlex
import sys

from .qke import GRADIENT_HELP, MATTER_HELP, MODULATE_HELP, cell_arg, gradient_arg


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "qlt",
        help="quasi-linear theory: D_v(t) and the flavomon power spectrum",
        description="Evolve the box-averaged D_v(t) and the power spectrum |psi_{0,K}|^2 with full quasi-linear "
        "theory [F2 eqs. 9-13] (or resonant QLT [F2 eqs. 27-30] with --resonant) and write qlt.nc.",
    )
    p.add_argument("--distribution", required=True, metavar="SPEC", help="benchmark:a=0.9, shallow:a=0.95, isotropic:D0=1, PATH.csv|npz")
    p.add_argument("--Nv", type=int, default=100, help="Gauss-Legendre velocity nodes (default 100)")
    p.add_argument("--n-K", type=int, default=None, help="points of the K grid (default 600; with --gradient and no "
                   "range: the labels of every band over the run at F2's spacing 4/599)")
    lo = p.add_mutually_exclusive_group()
    lo.add_argument("--k-min", type=float, default=None,
                    help="lowest SHIFTED wavenumber k = K + D1 of the QLT grid (default -2); not the box K: "
                         "for physical K, as in `flavomon modes`, use --K-min")
    lo.add_argument("--K-min", dest="K_min", type=float, default=None,
                    help="lowest physical wavenumber K of the QLT grid (the K of `flavomon modes`); sets k = K + D1")
    hi = p.add_mutually_exclusive_group()
    hi.add_argument("--k-max", type=float, default=None, help="highest SHIFTED wavenumber k = K + D1 (default 2)")
    hi.add_argument("--K-max", dest="K_max", type=float, default=None, help="highest physical wavenumber K")
    p.add_argument("--t-end", type=float, default=500.0, help="final time in 1/mu (default 500)")
    p.add_argument("--dt-out", type=float, default=1.0, help="output cadence (default 1)")
    p.add_argument("--seed-power", type=float, default=1e-13, help="|psi_{0,K}(0)|^2 per box mode of the QKE seed (default 1e-13)")
    p.add_argument("--L", type=float, default=100.0, help="box length fixing the per-box-mode normalisation (default 100)")
    p.add_argument("--resonant", action="store_true", help="resonant QLT [F2 eqs. 27-30] instead of full QLT")
    p.add_argument("--gradient", type=gradient_arg, default=0.0, metavar="G",
                   help=GRADIENT_HELP + "; the grid labels K_j(0) must hold every K unstable at some time "
                   "(checked: the error names the range)")
    p.add_argument("--matter", default=None, metavar="SPEC",
                   help=MATTER_HELP + ". With --matter, --modulate or --cell the run is QLT by flavomon ray tracing in "
                   "the box of length --L (docs §12)")
    p.add_argument("--modulate", default=None, metavar="PARAM=AMP,wavelength=Lb", help=MODULATE_HELP)
    p.add_argument("--cell", type=cell_arg, default=None, metavar="ELL",
                   help="width of the ray tracer's cells (docs §12); must divide --L and hold at least one wavelength "
                        "2 pi/|K| of the fastest-growing mode; default L/round(8 L / shortest modulation wavelength), "
                        "widened where needed to hold one")
    p.add_argument("--out", required=True, help="output netCDF file (qlt.nc)")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true",
                       help="ray tracing: continue a killed run from its checkpoint OUT.ckpt.npz (saved about every "
                            "minute at an output time, and on Ctrl-C or SIGTERM; bit-identical to an uninterrupted "
                            "run)")
    again.add_argument("--restart", action="store_true",
                       help="ray tracing: discard the checkpoint OUT.ckpt.npz of an unfinished run and start afresh")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..distributions import from_spec
    from ..workflows.qlt import qlt_to_file

    dist = from_spec(args.distribution)
    D1 = float(dist.D1)  # k = K + D1 [F2 eq. 9; docs §3]
    background = args.matter is not None or args.modulate is not None or args.cell is not None
    if background:  # ray tracing: K = k - (box mean of D1) [docs §12]
        from ..background import parse_modulate
        from ..qlt.raytrace import box_mean_D1

        D1 = box_mean_D1(dist, parse_modulate(args.modulate), args.Nv)
    k_min = args.k_min if args.K_min is None else args.K_min + D1
    k_max = args.k_max if args.K_max is None else args.K_max + D1
    n_K = 600 if args.n_K is None else args.n_K
    if background and k_min is None and k_max is None and args.n_K is None:
        # ray tracing with no grid asked for: the bands of every cell (fixed K), at F2's spacing
        from ..qlt.raytrace import ray_grid

        g = ray_grid(dist, parse_modulate(args.modulate), args.Nv, D1bar=D1)
        k_min, k_max, n_K = g["k_min"], g["k_max"], g["n_K"]
    elif args.gradient != 0.0 and k_min is None and k_max is None and args.n_K is None:
        # in a gradient with no grid asked for: the labels of every band over the run, at F2's spacing
        from ..qlt.checks import drift_grid

        g = drift_grid(dist, args.gradient, args.t_end, Nv=args.Nv)
        k_min, k_max, n_K = g["k_min"], g["k_max"], g["n_K"]
    k_min = -2.0 if k_min is None else k_min
    k_max = 2.0 if k_max is None else k_max
    ds = qlt_to_file(
        dist, Nv=args.Nv, n_K=n_K, k_min=k_min, k_max=k_max, t_end=args.t_end,
        seed_power=args.seed_power, L=args.L, resonant=args.resonant, dt_out=args.dt_out, out=args.out,
        gradient=args.gradient, matter=args.matter, modulate=args.modulate, cell=args.cell,
        progress=not args.no_progress, command="flavomon " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        resume=args.resume, restart=args.restart,
    )
    print(f"wrote {args.out}: status {ds.attrs['status']}, t = 0..{float(ds.t[-1]):g}, "
          f"D0 drift {abs(float(ds.D0[-1]) - float(ds.D0[0])) / max(abs(float(ds.D0[0])), 1e-300):.1e}; "
          f"grid k = K + D1 in [{k_min:.6g}, {k_max:.6g}], i.e. K in [{k_min - D1:.6g}, {k_max - D1:.6g}] "
          f"(D1 = {D1:.6g})", file=sys.stderr)
    return 0
