"""``flavomon plot FILE.nc``: a figure of a flavomon output file, chosen by its contents.

* qke.nc / qlt.nc (variables ``D`` and ``power``): D_v(t), D_v at start and end, spectra;
* modes.nc (``Omega_real``): ``flavomon.plotting.modes.plot_modes`` when available.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import FlavomonInputError


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("plot", help="plot a flavomon netCDF file (qke.nc, qlt.nc, modes.nc)")
    p.add_argument("file", metavar="FILE.nc")
    p.add_argument("--out", default=None, help="image file (default: FILE.png)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import check_figure_path, read_dataset, save_figure

    out = Path(args.out) if args.out else Path(args.file).with_suffix(".png")
    check_figure_path(out, what="--out", inputs=(args.file,))  # link, FIFO, device, the input, format: before reading
    ds = read_dataset(args.file)
    if "Omega_real" in ds:
        try:
            from ..plotting.modes import plot_modes
        except ImportError:
            raise FlavomonInputError(f"{args.file} is a modes file but flavomon.plotting.modes is not available") from None
        fig = plot_modes(ds)  # its own three panels: Re Omega, Im Omega, Re Z
    elif "D" in ds and "power" in ds:
        from ..plotting.evolution import plot_overview

        fig = plot_overview(ds)
    else:
        raise FlavomonInputError(f"{args.file}: not a flavomon qke/qlt/modes file (no D/power or Omega variables)")
    save_figure(fig, out, what="--out", inputs=(args.file,), dpi=120)
    plt.close(fig)
    print(f"wrote {out}", file=sys.stderr)
    return 0
