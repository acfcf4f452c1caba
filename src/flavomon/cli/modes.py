"""``flavomon modes``: every root Omega(K) of the dispersion relation -> modes.nc."""

from __future__ import annotations

import argparse
import shlex
import sys


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "modes",
        help="all flavor-wave modes Omega(K): unstable, real and Landau-damped (modes.nc)",
        description="Find every root of the dispersion relation [F2 eq. 22] on a K grid and write modes.nc.",
    )
    p.add_argument("--distribution", required=True, metavar="SPEC", help="benchmark:a=0.9 | shallow:a=0.95 | isotropic:D0=1 | PATH.csv | PATH.npz")
    p.add_argument("--K-min", type=float, default=None, dest="K_min",
                   help="smallest K (default: automatic, -D1 - (2A + min(1, A)) with A = int|D|dv, which holds every unstable band)")
    p.add_argument("--K-max", type=float, default=None, dest="K_max",
                   help="largest K (default: automatic, -D1 + (2A + min(1, A)))")
    p.add_argument("--n-K", type=int, default=351, dest="n_K", help="number of K points (default 351)")
    p.add_argument("--Nv", type=int, default=None, help="discrete route on an Nv-node Gauss-Legendre grid (default: continuum)")
    p.add_argument("--out", default=None, help="output netCDF file (modes.nc); may be left out when --plot is given")
    p.add_argument("--plot", default=None, help="also write the F1 Fig. S4-style figure; the format follows the extension (png, pdf, svg, ...), "
                        "checked with OUT before computing")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..errors import FlavomonInputError
    from ..workflows.modes import modes_to_file

    if args.out is None and args.plot is None:
        raise FlavomonInputError("nothing to write: give --out FILE.nc (the roots) and/or --plot FIGURE.png")
    command = " ".join(shlex.quote(a) for a in ["flavomon", *sys.argv[1:]])
    ds = modes_to_file(
        args.distribution,
        K_min=args.K_min,
        K_max=args.K_max,
        n_K=args.n_K,
        Nv=args.Nv,
        out=args.out,
        plot=args.plot,
        command=command,
    )
    g = float(ds["gamma_max"])
    print(
        f"modes: {ds.sizes['K']} K points, {ds.sizes['root']} branches; "
        f"gamma_max = {g:.8g} at K = {float(ds['K_at_gamma_max']):.6g}; wrote "
        + " and ".join(p for p in (args.out, args.plot) if p)
    )
    if "int_gamma_dK_total" in ds.attrs:
        per = ", ".join(f"[{lo:.4g}, {hi:.4g}]: {I:.4g}" for lo, hi, I in
                        zip(ds["band_K_lo"].values, ds["band_K_hi"].values, ds["band_int_gamma_dK"].values))
        print(f"in a matter gradient G (docs §11): int gamma dK per band {per}, total {ds.attrs['int_gamma_dK_total']:.5g}; "
              f"a drifting mode gains at most exp(2 x {ds.attrs['int_gamma_dK_total']:.4g} / |G|); "
              f"critical gradient estimate G_c ~ {ds.attrs['critical_gradient_estimate']:.3g} (seed 1e-13 to 1e-2)")
    return 0
