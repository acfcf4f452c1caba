"""The dispersion diagram reads at a glance: Z is never drawn across a branch point or a jump,
the title names the distribution as a formula, every labelled line and reference line is in a
legend, the growth rates stay visible, and the legends sit outside the frames."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

from flavomon.cli.main import main  # noqa: E402
from flavomon.plotting._lines import JUMP_FRACTION, bad_segments, broken  # noqa: E402
from flavomon.plotting.modes import DAMPED_VIEW, branch_points, plot_modes  # noqa: E402
from _figure_checks import is_reference as _is_reference, legend_texts as _legend_texts  # noqa: E402




@pytest.fixture(scope="module")
def bm(tmp_path_factory):
    """benchmark a = 0.9 on 141 K points over both unstable bands: two branch points inside."""
    out = tmp_path_factory.mktemp("modes") / "m.nc"
    assert main(["modes", "--distribution", "benchmark:a=0.9", "--K-min", "-2.5", "--K-max", "1",
                 "--n-K", "141", "--out", str(out)]) == 0
    return xr.load_dataset(out)


def test_broken_inserts_nan_inside_flagged_segments():
    x = np.arange(6.0)
    y = np.array([0.0, 0.1, 0.2, 5.0, 0.3, 0.4])
    bad = bad_segments(x, y, span=1.0)  # the rise 0.2 -> 5.0 and the fall 5.0 -> 0.3 exceed 1/4 of 1.0
    assert bad.tolist() == [False, False, True, True, False]
    xb, yb = broken(x, y, bad)
    assert np.isnan(yb).sum() == 2 and xb.size == x.size + 2
    # a break point (branch point at 2.5) removes the segment across it and its neighbours
    bad = bad_segments(x, np.zeros(6), breaks=[2.5])
    assert bad.tolist() == [False, True, True, True, False]
    # an isolated one-sample spike on a flat line (a 0/0 of Z at K = 0): both its segments go
    y = np.array([1.0, 1.0, 1.0, 0.0, 1.0, 1.0])
    assert bad_segments(x, y, span=10.0, spikes=True).tolist() == [False, False, True, True, False]


def test_Z_is_not_drawn_across_branch_points_or_jumps(bm):
    bps = branch_points(bm)
    # the file's band edges: the first band ends at a branch point (K ~ -1.195), the second starts at one
    assert any(abs(b + 1.195) < 0.02 for b in bps) and any(abs(b + 0.26) < 0.02 for b in bps), bps
    # guard against a test that cannot fail: the raw Z of some root does jump across a branch point
    K, Z = bm.K.values, bm.Z_R.values
    step = float(np.median(np.diff(K)))
    raw_cross = [(j, i) for j in range(Z.shape[1]) for i in range(len(K) - 1)
                 if np.isfinite(Z[i:i + 2, j]).all() and any(K[i] <= b <= K[i + 1] for b in bps)]
    assert raw_cross
    fig = plot_modes(bm)
    aZ = fig.axes[2]
    lo, hi = aZ.get_ylim()
    n_nan = 0
    for ln in aZ.get_lines():
        if _is_reference(aZ, ln):
            continue
        x, y = (np.asarray(a, dtype=float) for a in ln.get_data())
        n_nan += int(np.isnan(y).sum())
        for i in range(len(x) - 1):
            if not (np.isfinite(y[i]) and np.isfinite(y[i + 1])):
                continue  # not drawn
            # no drawn segment within one K step of a branch point (there Z ~ (K - K_bp)^(-1/2))
            for b in bps:
                assert not (x[i] - step * (1 + 1e-9) <= b <= x[i + 1] + step * (1 + 1e-9)), (x[i], b)
            # no drawn segment rises by more than JUMP_FRACTION of the panel (the breaking rule itself);
            # 1e-12 relative: round-off of the limits
            assert abs(y[i + 1] - y[i]) <= JUMP_FRACTION * (hi - lo) * (1 + 1e-12), (x[i], y[i], y[i + 1])
    assert n_nan > 0  # the breaks are NaN points in the line data
    plt.close(fig)


def test_title_legends_and_growth_rate_view(bm):
    fig = plot_modes(bm)
    aR, aI, aZ = fig.axes
    title = aR.get_title()
    assert "benchmark" in title and "e^{-2(1-v)^2} - 0.9" in title and "gamma_{max}" in title
    texts = _legend_texts(fig)
    for ax in fig.axes:
        for ln in ax.get_lines():
            lab = ln.get_label()
            if _is_reference(ax, ln):
                assert not lab.startswith("_"), f"unexplained reference line in {ax.get_ylabel()}"
            if not lab.startswith("_"):
                assert lab in texts, lab
    assert any("light cone" in t for t in texts) and any("flavomon" in t for t in texts)
    assert any("gamma_{max}" in t and "K =" in t for t in texts)  # the marked maximum
    # growth rates readable: the damped roots (down to Im Omega ~ -0.4) do not flatten gamma_max = 0.11
    g = float(bm.gamma_max)
    lo, hi = aI.get_ylim()
    assert hi > g and lo >= -DAMPED_VIEW * g * 1.2  # 1.2: the 8% padding below the cut, with room
    assert any("damped roots continue" in t for t in texts)
    # legends beside the frames: no legend box overlaps its axes' frame (tolerance: 1 pixel)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    for ax in fig.axes:
        lb, ab = ax.get_legend().get_window_extent(r), ax.get_window_extent(r)
        assert lb.x0 >= ab.x1 - 1, ax.get_ylabel()
    # y labels do not cross into a neighbouring panel: each label's box stays inside the figure
    fb = fig.bbox
    for ax in fig.axes:
        yb = ax.yaxis.label.get_window_extent(r)
        assert yb.x0 >= fb.x0 - 1 and yb.y0 >= fb.y0 - 1 and yb.y1 <= fb.y1 + 1
    plt.close(fig)


def test_all_real_diagram_shows_no_magnified_round_off():
    # the thermal medium: every root real; Im Omega ~ 1e-17 round-off must not fill the panel
    K = np.linspace(-2, 2, 41)
    Om = np.stack([np.sqrt(K**2 + 1.0), -np.sqrt(K**2 + 1.0)], axis=1)
    ds = xr.Dataset(
        {"Omega_real": (("K", "root"), Om), "Omega_imag": (("K", "root"), 1e-17 * np.sin(7 * Om)),
         "Z_real": (("K", "root"), np.ones_like(Om)), "Z_imag": (("K", "root"), np.zeros_like(Om)),
         "kind": (("K", "root"), np.full(Om.shape, "real"))},
        coords={"K": K, "root": [0, 1]}, attrs={"distribution": "isotropic:D0=1"},
    )
    fig = plot_modes(ds)
    assert fig.axes[1].get_ylim() == (-0.05, 0.05)
    assert any("all roots real" in t for t in _legend_texts(fig))
    assert "isotropic" in fig.axes[0].get_title() and "D_0 = 1" in fig.axes[0].get_title()
    plt.close(fig)
