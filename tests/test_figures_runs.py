"""The qke.nc / qlt.nc overview and F2 Fig. 1 read at a glance: titles name the run, the
distribution, the ensemble size and the time; spectra span the physical range (never down to the
bottom of the float range); every labelled line and reference line is in a legend; no panel's
labels or legend run into another panel."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

from flavomon.cli.main import main  # noqa: E402
from flavomon.grids import VelocityGrid  # noqa: E402
from flavomon.plotting.evolution import SEED_FLOOR_FRACTION, plot_overview  # noqa: E402
from flavomon.plotting.fig1 import plot_fig1  # noqa: E402
from _figure_checks import check_legends as _check_legends, is_reference as _is_reference, legend_texts as _legend_texts  # noqa: E402

SEED = 1e-13





def _check_no_overlap(fig) -> None:
    """No axes' labels, ticks, title or legend cover another axes' frame (1 pixel of slack)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [(ax.get_tightbbox(r), ax.get_window_extent(r)) for ax in fig.axes]
    for i, (tight, _) in enumerate(boxes):
        for j, (_, frame) in enumerate(boxes):
            if i == j:
                continue
            ox = min(tight.x1, frame.x1) - max(tight.x0, frame.x0)
            oy = min(tight.y1, frame.y1) - max(tight.y0, frame.y0)
            assert ox <= 1 or oy <= 1, f"axes {i} runs into axes {j}"


def _qke(a=0.9, N=3, Nz=32, Nv=12, t_end=10.0):
    g = VelocityGrid(Nv)
    t = np.arange(0.0, t_end + 1e-9, 1.0)
    K = 2 * np.pi * np.fft.fftshift(np.fft.fftfreq(Nz, d=100.0 / Nz))
    rng = np.random.default_rng(1)
    D0 = np.exp(-2 * (1 - g.v) ** 2) - a
    D = D0 + 1e-3 * (t / t_end)[None, :, None] * rng.standard_normal((N, t.size, Nv))
    gam = 0.11 * np.exp(-(((K + 1.45) / 0.3) ** 2)) - 0.02
    power = SEED * np.exp(2 * gam[None, None, :] * t[None, :, None]) * (1 + rng.random((N, t.size, Nz)))
    cfg = {"L": 100.0, "Nz": Nz, "Nv": Nv, "realizations": N, "seed_power": SEED, "t_end": t_end}
    return xr.Dataset(
        {"w": ("v", g.w), "D": (("realization", "t", "v"), D), "D_mean": (("t", "v"), D.mean(0)),
         "D_std": (("t", "v"), D.std(0, ddof=1)), "power": (("realization", "t", "K"), power)},
        coords={"realization": np.arange(N), "t": t, "v": g.v, "K": K},
        attrs={"distribution": f"benchmark:a={a}", "kind": "qke", "config": json.dumps(cfg)},
    )


def _qlt(a=0.9, Nv=12, n_K=60, t_end=10.0, resonant=False):
    g = VelocityGrid(Nv)
    t = np.arange(0.0, t_end + 1e-9, 1.0)
    K = np.linspace(-2.4, 1.6, n_K)
    gam = 0.11 * np.exp(-(((K + 1.45) / 0.3) ** 2))
    P = SEED * np.exp(2 * gam * t[:, None])
    P[:, gam < 0.01] = 0.0  # no power outside the unstable band (QLT)
    P[:, np.argmax(gam < 0.01)] = 5e-324  # one denormal: the 1e-314 an axis must not reach down to
    D0 = np.exp(-2 * (1 - g.v) ** 2) - a
    cfg = {"L": 100.0, "Nv": Nv, "n_K": n_K, "seed_power": SEED, "t_end": t_end, "resonant": resonant}
    return xr.Dataset(
        {"w": ("v", g.w), "D": (("t", "v"), D0[None, :] * (1 - 0.01 * (t / t_end)[:, None])),
         "power": (("t", "K"), P)},
        coords={"t": t, "v": g.v, "K": K},
        attrs={"distribution": f"benchmark:a={a}", "kind": "qlt", "resonant": int(resonant),
               "config": json.dumps(cfg), "L": 100.0},
    )


def test_overview_of_a_qke_ensemble_names_what_is_shown():
    fig = plot_overview(_qke(N=3))
    title = fig.get_suptitle()
    assert "QKE" in title and "benchmark" in title and "- 0.9" in title
    assert "ensemble mean of 3 realizations" in title and "t = 0 – 10" in title
    _check_legends(fig)
    _check_no_overlap(fig)
    plt.close(fig)


@pytest.mark.parametrize("resonant", [False, True])
def test_qlt_spectrum_spans_the_physical_range(resonant):
    fig = plot_overview(_qlt(resonant=resonant))
    title = fig.get_suptitle()
    assert ("resonant QLT" if resonant else "full QLT") in title and "benchmark" in title
    spec = fig.axes[2]
    lo, hi = spec.get_ylim()
    # the floor is a hundredth of the seed (SEED_FLOOR_FRACTION), far above the 5e-324 in the data;
    # 1e-9 relative: round-off of the axis limits
    assert lo >= SEED_FLOOR_FRACTION * SEED * (1 - 1e-9) and lo > 1e-30
    for ln in spec.get_lines():
        if _is_reference(spec, ln):
            continue
        y = np.asarray(ln.get_ydata(), dtype=float)
        assert np.all(np.isnan(y) | (y >= lo * (1 - 1e-9)))  # nothing drawn below the axis: masked
        assert np.isnan(y).any()  # outside the band: masked, not drawn at the bottom
    assert any("seed level" in t for t in _legend_texts(fig))
    _check_legends(fig)
    _check_no_overlap(fig)
    plt.close(fig)


def test_plot_of_a_real_qlt_file(tmp_path):
    q = tmp_path / "q.nc"
    assert main(["qlt", "--distribution", "benchmark:a=0.9", "--Nv", "24", "--n-K", "150", "--t-end", "20",
                 "--out", str(q), "--no-progress"]) == 0
    fig = plot_overview(xr.load_dataset(q))
    assert fig.axes[2].get_ylim()[0] >= SEED_FLOOR_FRACTION * SEED * (1 - 1e-9)  # 1e-9: round-off of limits
    assert "full QLT" in fig.get_suptitle() and "t = 0 – 20" in fig.get_suptitle()
    _check_legends(fig)
    plt.close(fig)


def test_fig1_titles_legends_and_spectrum_range(tmp_path):
    runs = {a: {"qke": _qke(a=a, N=3, Nz=64, t_end=100.0), "qlt": _qlt(a=a, t_end=100.0),
                "qlt_resonant": _qlt(a=a, t_end=60.0, resonant=True)} for a in (0.9, 0.5)}
    fig = plot_fig1(runs, tmp_path / "fig1.png")
    top = fig.axes[0]
    assert "benchmark" in top.get_title() and "- 0.9" in top.get_title()
    assert "mean of 3 realizations" in top.get_title() and "t = 100" in top.get_title()
    bottom = fig.axes[2]
    assert bottom.get_ylim()[0] > 1e-30
    assert "snapshot" in bottom.get_legend().get_title().get_text()  # the dotted level line, explained
    _check_legends(fig)
    _check_no_overlap(fig)
    plt.close(fig)
