"""``flavomon plot FILE.nc``: a figure of a flavomon output file, chosen by its contents.

* qke.nc / qlt.nc (variables ``D`` and ``power``): D_v(t), D_v at start and end, spectra;
* modes.nc (``Omega_real``): the dispersion diagram (Re Omega, Im Omega, Z_R);
* sweep.nc, or one of a sweep's ``points/<id>.nc``: gamma_max and the flipped-side lepton
  number left per distribution and method, and the final D_v of each distribution;
* predictors.nc (written beside sweep.nc when the sweep has a QKE reference): the predictors
  scored against the QKE ensemble (the sweep's predictors.png);
* runs in a z-dependent background (``D_cell``): space-time maps of conversion and power; with several files
  (``flavomon plot qke.nc qlt.nc``) one row each, QKE and QLT side by side.

The choice is :func:`flavomon.plotting.standard.figure_of`, the one ``fm.plot`` makes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "plot", help="plot a flavomon netCDF file (modes.nc, qke.nc, qlt.nc, sweep.nc, points/<id>.nc, predictors.nc)")
    p.add_argument("file", metavar="FILE.nc")
    p.add_argument("more", nargs="*", metavar="MORE.nc",
                   help="further qke.nc/qlt.nc files of runs in a z-dependent background (docs §12): their space-time "
                        "maps of conversion and power are drawn one row each, beside FILE's (e.g. qke.nc qlt.nc)")
    p.add_argument("--out", default=None, help="image file (default: FILE.png)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import check_figure_path, read_dataset, save_figure
    from ..plotting.standard import figure_of

    out = Path(args.out) if args.out else Path(args.file).with_suffix(".png")
    inputs = (args.file, *args.more)
    check_figure_path(out, what="--out", inputs=inputs)  # link, FIFO, device, the input, format: before reading
    ds = read_dataset(args.file)
    if args.more:
        from ..plotting.spacetime import plot_spacetime

        fig = plot_spacetime(ds, *[read_dataset(f) for f in args.more])
    else:
        fig = figure_of(ds, what=str(args.file))
    save_figure(fig, out, what="--out", inputs=inputs, dpi=120)
    plt.close(fig)
    print(f"wrote {out}", file=sys.stderr)
    beside = Path(args.file).with_name("predictors.nc")
    if "point" in ds.dims and "method" in ds.coords and "qke" in set(map(str, ds["method"].values)) and beside.is_file():
        print(f"the predictors scored against the QKE: flavomon plot {beside}", file=sys.stderr)
    return 0
