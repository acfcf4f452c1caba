"""Write examples/tables/*.csv: angular distributions of other shapes for sweeps.

    python examples/make_tables.py            # (re)write the tables
    python examples/make_tables.py --check    # also print crossings, flipped side, D0, gamma_max

Each table has the header ``v,D`` (the table format of ``--distribution PATH.csv``) on 101 equally spaced v in [-1, 1]
(``coarse_benchmark`` on 16, to exercise the table fit).  The shapes cover
single and double crossings, forward- and backward-flipped sides, nu_e- and
anti-nu_e-dominated — in units where the benchmark's D_v = e^{-2(1-v)^2} - a is O(1)
[docs §8].  "Flipped" is the side with sign(D) != sign(D0) [docs §6].

Runtime: < 1 s to write; ``--check`` up to about a minute (discrete eig on 100 nodes at 141 K
values for each table).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def g(v, c, s):
    """Gaussian bump exp(-(v - c)^2 / (2 s^2))."""
    return np.exp(-((v - c) ** 2) / (2 * s**2))


#: name -> (D(v), rows, short description)
SHAPES = {
    # single crossing, forward side flipped, D0 < 0 (anti-nu_e / nu_mu dominated like F2 eq. 5)
    "fwd_narrow": (lambda v: np.exp(-((1 - v) ** 2) / 0.15) - 0.5, 101,
                   "narrow forward nu_e beam over a flat background; D0 < 0, flipped v > v_c"),
    "linear_fwd": (lambda v: -0.4 + 0.6 * v, 101, "linear, crossing at v = 2/3; D0 < 0, flipped forward"),
    "tanh_step": (lambda v: 0.3 * np.tanh((v - 0.4) / 0.15) - 0.12, 101,
                  "smoothed step; D0 < 0, flipped forward"),
    # single crossing, forward side flipped, D0 > 0 (nu_e dominated; SN-like decoupling)
    "sn_like": (lambda v: g(v, 1, 0.7) - 1.3 * g(v, 1, 0.45), 101,
                "nu_e broader than anti-nu_e, anti-nu_e wins forward; D0 > 0, flipped forward"),
    "shallow_fwd": (lambda v: 0.5 - 0.56 * np.exp(-((1 - v) ** 2) / 0.1), 101,
                    "shallow forward crossing; D0 > 0, small flipped forward region"),
    # single crossing, backward side flipped
    "linear_bwd": (lambda v: 0.3 + 0.5 * v, 101, "linear, crossing at v = -0.6; D0 > 0, flipped backward"),
    "bwd_dip": (lambda v: 0.4 + 0.2 * v - 0.9 * np.exp(-((1 + v) ** 2) / 0.3), 101,
                "backward deficit; D0 > 0, flipped backward"),
    "merger_like": (lambda v: 0.5 * g(v, 1, 1.0) - 1.0 * g(v, 1, 0.55), 101,
                    "anti-nu_e dominated and forward peaked; D0 < 0, flipped backward"),
    # double crossings
    "double_dip": (lambda v: 0.45 - 0.8 * np.exp(-((v - 0.2) ** 2) / 0.06), 101,
                   "negative dip mid-angle; D0 > 0, flipped middle interval"),
    "double_bump": (lambda v: -0.35 + 0.7 * np.exp(-((v + 0.1) ** 2) / 0.05), 101,
                    "positive bump mid-angle; D0 < 0, flipped middle interval"),
    "two_ends": (lambda v: 0.3 - 0.8 * v**2, 101, "flipped at both ends (two intervals); D0 > 0"),
    # the benchmark itself, sampled coarsely (tests the Legendre fit of tables)
    "coarse_benchmark": (lambda v: np.exp(-2 * (1 - v) ** 2) - 0.8, 16, "F2 eq. 5 with a = 0.8 on 16 rows"),
}


def write_tables(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, (f, rows, _) in SHAPES.items():
        v = np.linspace(-1.0, 1.0, rows)
        D = f(v)
        p = folder / f"{name}.csv"
        p.write_text("v,D\n" + "".join(f"{x:.17g},{y:.17g}\n" for x, y in zip(v, D)))
        out.append(p)
    return out


def check(paths: list[Path]) -> None:
    from flavomon.distributions import from_file
    from flavomon.grids import VelocityGrid
    from flavomon.linear.discrete import discrete_eigenvalues

    grid = VelocityGrid(100)
    K = np.linspace(-3.0, 3.0, 141)
    print(f"{'table':18s} {'crossings':>22s} {'D0':>8s} {'flipped':>24s} {'N_flip':>8s} {'gamma_max':>9s} {'K*':>6s} fit")
    for p in paths:
        d = from_file(p)
        ci = d.crossing_info()
        gam = discrete_eigenvalues(d.on_grid(grid.v), grid.v, grid.w, K)[:, 0].imag
        i = int(np.argmax(gam))
        cr = ",".join(f"{c:.3f}" for c in ci.crossings)
        fl = ";".join(f"[{a:.2f},{b:.2f}]" for a, b in ci.flipped_intervals)
        print(f"{p.stem:18s} {cr:>22s} {ci.D0:8.3f} {fl:>24s} {ci.flipped_lepton_number:8.4f} "
              f"{gam[i]:9.4f} {K[i]:6.2f} {d.fit_residual:.1e}")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    paths = write_tables(here / "tables")
    print(f"wrote {len(paths)} tables to {here / 'tables'}")
    if "--check" in sys.argv[1:]:
        check(paths)
