"""``flavomon qke``: the periodic-box QKE ensemble."""

from __future__ import annotations

import argparse
import shlex
import sys


def nz_arg(text: str):
    """``--Nz``: ``auto`` or an integer (the range is checked by QKEConfig, with the one-line message)."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected auto or an integer, got {text!r}") from None


def gradient_arg(text: str) -> float:
    """``--gradient``: a finite number (dλ/dz in units of mu^2; 0 is the homogeneous box)."""
    try:
        G = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number (dlambda/dz in units of mu^2), got {text!r}") from None
    if G != G or G in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r} (0: no gradient)")
    return G


MATTER_HELP = ("a periodic matter profile lambda(z) in units of mu (docs §12): sin:amplitude=A,wavelength=Lb for "
               "lambda = A sin(2 pi z / Lb), Lb must divide --L; or a table PATH.csv with header z,lambda holding one "
               "period (first row z = 0, last row z = period with the first row's lambda), interpolated by a periodic "
               "cubic spline; combines with --gradient; 'none' (default): no matter")
MODULATE_HELP = ("PARAM=AMP,wavelength=Lb: the family parameter PARAM of --distribution varies as "
                 "PARAM + AMP sin(2 pi z / Lb) in the initial D_v(z) (docs §12), e.g. --distribution benchmark:a=0.8 "
                 "--modulate a=0.1,wavelength=1000; Lb must divide --L")
CELL_HELP = ("width of the cells of the z-resolved output D_cell, power_cell (docs §12); must divide --L; default "
             "L/round(8 L / shortest modulation wavelength), about a wavelength / 8, widened where needed to hold a "
             "local spectrum (at least 4 grid points, and 2 pi/cell inside the modes' reach). Any of --matter, "
             "--modulate, --cell switches the cell output on")


def cell_arg(text: str) -> float:
    """``--cell``: a number (the division of L is checked by QKEConfig, with the one-line message)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a cell width in 1/mu, got {text!r}") from None


GRADIENT_HELP = ("uniform matter gradient G = dlambda/dz in units of mu^2 (default 0: the homogeneous box); "
                 "every mode drifts in wavenumber, K_n(t) = K_n + G t (docs §11)")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "qke",
        help="fast-flavor QKE in a periodic box (ensemble of seeded realizations)",
        description="Solve the fast-flavor QKE [F2 eq. 4] in a 1D periodic box for an ensemble of random seeds "
        "and write qke.nc (box-averaged D_v(t), |psi_{0,K}|^2(t), diagnostics). "
        "While it runs, the run holds the lock file OUT.lock (its pid inside; a second run on OUT is refused) and "
        "checkpoints into the folder OUT.ckpt (removed when OUT is written). An existing checkpoint is never "
        "discarded silently: continue it with --resume or discard it with --restart; without either the run is "
        "refused. A damaged checkpoint is refused naming the file; --restart recovers.",
    )
    p.add_argument("--distribution", required=True, metavar="SPEC", help="benchmark:a=0.9, shallow:a=0.95, isotropic:D0=1, PATH.csv|npz")
    p.add_argument("--L", type=float, default=100.0, help="box length in 1/mu (default 100)")
    p.add_argument("--Nz", type=nz_arg, default="auto", metavar="auto|N",
                   help="z grid points: auto (default) picks the smallest FFT-friendly Nz resolving every unstable "
                        "band with the margin of the convergence study (K_Nyquist >= 3 K_band); an explicit N wins, "
                        "with a warning when it is below that rule")
    p.add_argument("--Nv", type=int, default=100, help="Gauss-Legendre velocity nodes (default 100)")
    p.add_argument("--t-end", type=float, default=500.0, help="final time in 1/mu (default 500)")
    p.add_argument("--dt-out", type=float, default=1.0, help="output cadence (default 1)")
    p.add_argument("--realizations", type=int, default=20, help="number of seeds (default 20)")
    p.add_argument("--seed", type=int, default=0, help="realization r uses seed + r (default 0)")
    p.add_argument("--seed-power", type=float, default=1e-13, help="|psi_{0,K}(0)|^2 per box mode (default 1e-13)")
    p.add_argument("--dt", type=float, default=None, help="time step (default: automatic, 0.5 * min(1, 1.25 / int|D|dv) for bm4, i.e. 0.5 for the F2 benchmarks; rounded down to divide --dt-out)")
    p.add_argument("--stepper", default="bm4", choices=["bm4", "strang"], help="time scheme: bm4 (order 4, default) or strang (order 2)")
    p.add_argument("--gradient", type=gradient_arg, default=0.0, metavar="G", help=GRADIENT_HELP)
    p.add_argument("--matter", default=None, metavar="SPEC", help=MATTER_HELP)
    p.add_argument("--modulate", default=None, metavar="PARAM=AMP,wavelength=Lb", help=MODULATE_HELP)
    p.add_argument("--cell", type=cell_arg, default=None, metavar="ELL", help=CELL_HELP)
    p.add_argument("--backend", default=None, choices=["numpy", "jax", "numba"],
                   help="numba (fused CPU kernel), jax (CPU or GPU) or numpy (the reference); default: the fastest "
                        "installed (numba, else jax, else numpy); they agree to 1e-10")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: number of cores)")
    p.add_argument("--checkpoint-every", type=float, default=60.0, metavar="SECONDS",
                   help="wall seconds between checkpoints, a finite number >= 0 (0: at every output; default 60)")
    p.add_argument("--out", required=True, help="output netCDF file (qke.nc); an existing finished file is replaced")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true",
                       help="continue a killed or interrupted run from OUT.ckpt (the same options are required; "
                            "a finished OUT of the same run is returned unchanged)")
    again.add_argument("--restart", "--overwrite", dest="restart", action="store_true",
                       help="discard the checkpoint OUT.ckpt (flavomon's own files in it: meta.json, rNNNN.npz; "
                            "other files stay) and start afresh; --overwrite is the same option")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..workflows.qke import qke_to_file

    ds = qke_to_file(
        args.distribution, L=args.L, Nz=args.Nz, Nv=args.Nv, t_end=args.t_end, dt_out=args.dt_out,
        realizations=args.realizations, seed=args.seed, seed_power=args.seed_power, dt=args.dt,
        backend=args.backend, workers=args.workers, out=args.out, resume=args.resume, restart=args.restart,
        progress=not args.no_progress, command="flavomon " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        checkpoint_every=args.checkpoint_every, stepper=args.stepper, gradient=args.gradient,
        matter=args.matter, modulate=args.modulate, cell=args.cell,
    )
    print(f"wrote {args.out}: {ds.sizes['realization']} realizations, t = 0..{float(ds.t[-1]):g}, dt = {ds.attrs['dt']:g}", file=sys.stderr)
    return 0
