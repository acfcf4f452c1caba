"""Figure of all modes Omega(K) in the manner of F1 Fig. S4 (reads a modes.nc Dataset only).

Panels: Re Omega vs K with the light cone :math:`\\Omega=-D_0\\pm(K+D_1)` (i.e. omega = +-k),
Im Omega vs K, and :math:`Z_R` (Z at the real part of the root, whose sign is the flavomon /
anti-flavomon label, docs §10.14; Re Z_K for files without ``Z_R``) below.  Growing parts red,
Landau-damped parts blue (dashed), real roots black; the maximum growth rate is marked.

Read at a glance: the title names the distribution as a formula; every reference line is in a
legend beside its panel (outside the frame, so no curve is hidden); the Im Omega axis shows the
growth rates (damped roots far below are cut, with a note how far they go); Z, which diverges at
branch points, is drawn with gaps there and wherever one K step jumps across the panel
(:mod:`flavomon.plotting._lines`), never as a vertical stroke.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..io.files import check_figure_path, save_figure
from ._labels import describe_distribution, number
from ._lines import bad_segments, broken

__all__ = ["plot_modes", "KIND_STYLE", "REAL_ONLY_TOL", "DAMPED_VIEW", "branch_points"]

KIND_STYLE = {
    "unstable": dict(color="tab:red", ls="-", lw=1.8),
    "real": dict(color="black", ls="-", lw=1.1),
    "damped": dict(color="tab:blue", ls="--", lw=1.1),
}
KIND_LABEL = {
    "unstable": r"unstable (Im $\Omega>0$)",
    "real": "real",
    "damped": r"Landau-damped (Im $\Omega<0$)",
}

REAL_ONLY_TOL = 1e-10
"""|Im Omega| below which every root of a diagram counts as real (round-off of the root finder)."""

DAMPED_VIEW = 3.0
"""The Im Omega axis reaches down to -DAMPED_VIEW * gamma_max when damped roots go deeper: the
growth rates stay readable (a damped branch at -0.7 would flatten a gamma_max of 0.015 to a line);
the legend says how deep the damped roots go."""

_REF = dict(color="0.6", lw=0.8, ls=":")
_LEGEND = dict(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)


def _runs(kind: np.ndarray):
    """Contiguous runs of equal non-empty kind: (start, stop_inclusive, kind)."""
    out = []
    i, n = 0, len(kind)
    while i < n:
        if kind[i] == "":
            i += 1
            continue
        j = i
        while j + 1 < n and kind[j + 1] == kind[i]:
            j += 1
        out.append((i, j, str(kind[i])))
        i = j + 1
    return out


def branch_points(ds: xr.Dataset) -> list[float]:
    """K where two roots merge (square-root edges, where Z diverges), from a modes.nc.

    The band edges of kind ``bp`` (superluminal branch point), ``k0`` (the k -> 0 edge) and
    ``end`` (a branch lost between two K points, an unrefined branch point), and every K step
    where a root column turns from real to unstable or back (a complex pair born from two real
    roots).
    """
    edges: list[float] = []
    for side in ("lo", "hi"):
        kk, ee = f"band_K_{side}", f"band_edge_{side}"
        if kk in ds and ee in ds:
            for K, e in zip(np.atleast_1d(ds[kk].values), np.atleast_1d(ds[ee].values)):
                if str(e) in ("bp", "k0", "end") and np.isfinite(K):
                    edges.append(float(K))
    K = np.asarray(ds["K"].values, dtype=float)
    kind = ds["kind"].values.astype(str)
    step = float(np.median(np.abs(np.diff(K)))) if len(K) > 1 else 0.0
    pair = {("real", "unstable"), ("unstable", "real")}
    out = sorted(edges)
    for j in range(kind.shape[1]):
        for i in range(len(K) - 1):
            if (kind[i, j], kind[i + 1, j]) in pair:
                b = float(0.5 * (K[i] + K[i + 1]))
                # one entry per branch point: a recorded (refined) edge wins over the kind change beside it
                if all(abs(b - e) > step for e in out):
                    out.append(b)
                    out.sort()
    return out


def _span(lim: tuple[float, float]) -> float:
    return float(lim[1] - lim[0])


def _note(handles: list, labels: list, text: str) -> None:
    """A legend line without a symbol: an explanation beside the panel."""
    import matplotlib.patches as mpatches

    handles.append(mpatches.Patch(color="none"))
    labels.append(text)


def plot_modes(ds: xr.Dataset, path: str | Path | None = None, ax: Any = None, *, title: str | None = None):
    """Plot a modes.nc Dataset; returns the Figure (written to ``path`` if given).

    ``ax``: optional sequence of three Axes (Re Omega, Im Omega, Z_R); else a new figure.
    ``title``: the top panel's title (default: the distribution as a formula, the route and
    gamma_max).
    """
    if path is not None:
        check_figure_path(path, what="path")  # before drawing: never a link, FIFO or device; a known format
    own = ax is None
    if own:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(3, 1, figsize=(8.6, 8.6), sharex=True,
                                 gridspec_kw=dict(height_ratios=[1.25, 1.0, 0.85]))
    else:
        axes = list(ax)
        fig = axes[0].figure
    K = np.asarray(ds["K"].values, dtype=float)
    Om = ds["Omega_real"].values + 1j * ds["Omega_imag"].values
    has_ZR = "Z_R" in ds and np.isfinite(ds["Z_R"].values).any()
    Z = np.asarray(ds["Z_R"].values if has_ZR else ds["Z_real"].values, dtype=float)
    kind = ds["kind"].values.astype(str)
    D0 = float(ds.attrs.get("D0", 0.0))
    D1 = float(ds.attrs.get("D1", 0.0))
    aR, aI, aZ = axes
    g = float(ds["gamma_max"]) if "gamma_max" in ds else np.nan

    # ---- the view of each panel first: line breaks are measured against it -------------
    fin = np.isfinite(Om.real)
    lim_R = (-1.0, 1.0)
    if fin.any():
        lo, hi = float(np.nanmin(Om.real)), float(np.nanmax(Om.real))
        pad = 0.08 * (hi - lo) if hi > lo else 0.5
        lim_R = (lo - pad, hi + pad)
    gam = np.asarray(Om.imag, dtype=float)
    all_real = bool(np.all(~np.isfinite(gam) | (np.abs(gam) < REAL_ONLY_TOL)))
    damped_note = None
    if all_real:
        lim_I = (-0.05, 0.05)
    else:
        lo, hi = float(np.nanmin(gam)), float(np.nanmax(gam))
        top = max(hi, 0.0)
        if np.isfinite(g) and g > 0 and lo < -DAMPED_VIEW * g:
            damped_note = lo
            lo = -DAMPED_VIEW * g
        lo = min(lo, 0.0)
        pad = 0.08 * (top - lo) if top > lo else 0.05
        lim_I = (lo - pad, top + 2 * pad)
    # the Z scale is set by the growing and real roots (whose sign is the flavomon label); damped
    # branches may leave the frame
    zi = Z[np.isfinite(Z) & (kind != "damped")]
    if zi.size == 0:
        zi = Z[np.isfinite(Z)]
    lim_Z = (-1.0, 1.0)
    if zi.size:
        zlo, zhi = np.percentile(zi, [2, 98])  # robust: the poles of Z at branch points do not set the scale
        zpad = 0.15 * (zhi - zlo + 1e-9)
        lim_Z = (min(zlo - zpad, -0.05), max(zhi + zpad, 0.05))
    bps = branch_points(ds)

    # ---- reference lines ------------------------------------------------------------------
    for s in (+1, -1):  # light cone omega = +-k  ->  Omega = -D0 +- (K + D1)
        aR.plot(K, -D0 + s * (K + D1), zorder=0, label=r"light cone $\omega=\pm k$" if s > 0 else "_cone", **_REF)
    aI.axhline(0.0, label=r"Im $\Omega = 0$ (growth / damping boundary)", **_REF)
    aZ.axhline(0.0, label=(r"$Z_R = 0$: flavomon above, anti-flavomon below" if has_ZR else r"Re $Z_K = 0$"), **_REF)

    # ---- the roots, run by run of equal kind ------------------------------------------------
    bad_R = [bad_segments(K, Om[:, j].real, span=_span(lim_R)) for j in range(Om.shape[1])]
    bad_I = [bad_segments(K, Om[:, j].imag, span=_span(lim_I)) for j in range(Om.shape[1])]
    bad_Z = [bad_segments(K, Z[:, j], span=_span(lim_Z), breaks=bps, spikes=True) for j in range(Om.shape[1])]
    seen: set[str] = set()
    n_bp_gaps = n_jumps = 0
    for j in range(Om.shape[1]):
        for i0, i1, kd in _runs(kind[:, j]):
            a, b = max(i0 - 1, 0), i1 + 1  # overlap one point so a branch is drawn continuously
            if i0 > 0 and kind[i0 - 1, j] == "":
                a = i0
            sl = slice(a, b)
            seg = slice(a, max(b - 1, a))  # the segments (i, i+1) inside the slice
            st = KIND_STYLE.get(kd, dict(color="gray"))
            lab = KIND_LABEL.get(kd, kd) if kd not in seen else "_" + kd
            seen.add(kd)
            aR.plot(*broken(K[sl], Om[sl, j].real, bad_R[j][seg]), label=lab, **st)
            aI.plot(*broken(K[sl], Om[sl, j].imag, bad_I[j][seg]), label="_" + kd, **st)
            bz = bad_Z[j][seg]
            drawn_ends = np.isfinite(Z[a:b - 1, j]) & np.isfinite(Z[a + 1:b, j])
            jumps = bad_segments(K[sl], Z[sl, j], span=_span(lim_Z), spikes=True) & drawn_ends
            n_jumps += int(np.count_nonzero(jumps))
            n_bp_gaps += int(np.count_nonzero(bz & drawn_ends & ~jumps))
            aZ.plot(*broken(K[sl], Z[sl, j], bz), label="_" + kd, **st)

    # ---- axes, notes, legends -------------------------------------------------------------------
    hI, lI = aI.get_legend_handles_labels()
    if np.isfinite(g):
        Kg = float(ds["K_at_gamma_max"])
        (mk,) = aI.plot([Kg], [g], "o", color="tab:red", ms=4,
                        label=rf"$\gamma_{{max}}$ = {g:.4g} at K = {Kg:.4g}")
        hI.append(mk)
        lI.append(mk.get_label())
    if all_real:
        _note(hI, lI, rf"all roots real (|Im $\Omega$| < {REAL_ONLY_TOL:g})")
    if damped_note is not None:
        _note(hI, lI, rf"damped roots continue below," "\n" rf"down to Im $\Omega$ = {damped_note:.3g}")
    hZ, lZ = aZ.get_legend_handles_labels()
    gaps = []
    if bps:
        gaps.append(f"Z diverges at the branch points\nK = {', '.join(number(b) for b in bps)}")
    if n_jumps:
        gaps.append("Z jumps by > 1/4 of the panel, or one\nsample spikes, between neighbouring K points")
    if gaps:
        _note(hZ, lZ, "gaps in the lines: " + ";\nor ".join(gaps))
    aR.set_ylim(*lim_R)
    aI.set_ylim(*lim_I)
    aZ.set_ylim(*lim_Z)
    aR.set_ylabel(r"Re $\Omega$")
    aI.set_ylabel(r"Im $\Omega$ (growth rate)")
    aZ.set_ylabel(r"$Z_R$ ($>0$ flavomon)" if has_ZR else r"Re $Z_K$")
    aZ.set_xlabel(r"$K$")
    aR.legend(**_LEGEND)
    aI.legend(hI, lI, **_LEGEND)
    aZ.legend(hZ, lZ, **_LEGEND)
    if title is None:
        route = str(ds.attrs.get("route", "")).strip()
        title = f"Dispersion relation of {describe_distribution(ds.attrs.get('distribution', ''))}"
        sub = [s for s in (f"route: {route}" if route else "",
                           rf"$\gamma_{{max}}$ = {g:.4g}" if np.isfinite(g) else "no unstable root") if s]
        title += "\n" + "; ".join(sub)
    aR.set_title(title, fontsize=9)
    if own:
        fig.tight_layout()  # legends beside the panels are inside the layout
    if path is not None:
        save_figure(fig, path, what="path", dpi=130)  # the one atomic figure writer
    return fig
