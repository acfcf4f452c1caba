r"""Angular distributions D(v) of the lepton-number difference  [docs §1, §8].

A :class:`Distribution` is a callable ``D(v)`` that accepts **complex** ``v``: the Landau
continuation of the dispersion relation needs ``D(v_p)`` at complex phase velocities
[docs §3].  Analytic families are entire functions; tabulated data are turned into a
Legendre series (an entire function) whose fit residual is recorded.

**Constructors:**

* :func:`benchmark` — :math:`D_v = e^{-2(1-v)^2} - a`  [F2 eq. 5]
* :func:`shallow` — the mirror image :math:`a - e^{-2(1-v)^2}` (stand-in for F1 S55)
* :func:`isotropic` — :math:`D_v = D_0/2`  (thermal isotropic medium, F1 Fig. S5)
* :func:`from_table` / :func:`from_file` — tabulated ``v, D`` (CSV with header ``v,D`` or NPZ)
* :func:`from_callable` — any Python function of v
* :func:`from_spec` — the SPEC strings of the command-line interface (``benchmark:a=0.9``, ``PATH.csv``, ...)
"""

from __future__ import annotations

import csv
import math
import os
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
from numpy.polynomial import legendre as _leg
from scipy.optimize import brentq

from ._validate import as_number
from .errors import FlavomonInputError, PhysicsWarning
from .grids import gauss_legendre, moments_on_grid, rate_scale

__all__ = [
    "Distribution",
    "CrossingInfo",
    "benchmark",
    "shallow",
    "isotropic",
    "from_table",
    "from_file",
    "from_callable",
    "from_spec",
    "MIN_TABLE_ROWS",
]

MIN_TABLE_ROWS = 8
_QUAD_NODES = 400  # GL nodes for moments of analytic D(v); exact to ~1e-15 for entire D of modest degree
RATE_SCALE_NODES = 200
"""Gauss–Legendre nodes of :attr:`Distribution.rate_scale` (a scale for windows, grids and tolerances,
so the quadrature error at the kinks of |D| at the crossings does not matter)."""


@dataclass(frozen=True)
class CrossingInfo:
    """Angular-crossing analysis of a distribution  [docs §6].

    Attributes
    ----------
    crossings : tuple of float
        Velocities in (-1, 1) where D changes sign (increasing).
    D0, D1, D2 : float
        Moments :math:`\\int dv\\,v^n D_v`.
    flipped_intervals : tuple of (float, float)
        Velocity intervals where ``sign(D) != sign(D0)``; in resonant QLT these are the
        candidates for flipping (docs §6: "the side whose sign is opposite to D_0").
        The flipped set actually predicted by resonant QLT comes from the dispersion relation.
    flipped_lepton_number : float
        :math:`\\int` of D over the flipped intervals.
    """

    crossings: tuple[float, ...]
    D0: float
    D1: float
    D2: float
    flipped_intervals: tuple[tuple[float, float], ...]
    flipped_lepton_number: float

    @property
    def has_crossing(self) -> bool:
        return len(self.crossings) > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "crossings": list(self.crossings),
            "D0": self.D0,
            "D1": self.D1,
            "D2": self.D2,
            "flipped_intervals": [list(iv) for iv in self.flipped_intervals],
            "flipped_lepton_number": self.flipped_lepton_number,
        }


class Distribution:
    """An axisymmetric angular distribution D(v), evaluable at complex v.

    Parameters
    ----------
    func : callable
        ``func(v) -> D`` vectorised over numpy arrays, valid for complex ``v``.
    name : str
        Short human-readable name (``"benchmark(a=0.9)"``).
    spec : str
        The SPEC string that recreates it (for provenance); callables get ``"callable:<name>"``.
    params : dict, optional
        Family parameters.
    fit_residual : float, optional
        For tabulated/fitted distributions: :math:`\\max|D_{fit}-D_{data}|` over the data points.
    fit_degree : int, optional
        Degree of the Legendre series for fitted distributions.
    """

    def __init__(
        self,
        func: Callable[[np.ndarray], np.ndarray],
        *,
        name: str,
        spec: str,
        params: dict[str, float] | None = None,
        fit_residual: float | None = None,
        fit_degree: int | None = None,
    ) -> None:
        self._func = func
        self.name = name
        self.spec = spec
        self.params = dict(params or {})
        self.fit_residual = fit_residual
        self.fit_degree = fit_degree
        self._crossing: CrossingInfo | None = None
        self._rate_scale: float | None = None

    # -- evaluation ---------------------------------------------------------------------
    def __call__(self, v: Any) -> np.ndarray:
        """D(v) for real or complex ``v`` (array-like)."""
        v = np.asarray(v)
        out = np.asarray(self._func(v))
        if out.shape != v.shape:
            out = np.broadcast_to(out, v.shape).copy()
        if not np.iscomplexobj(v):
            out = out.real if np.iscomplexobj(out) else out
            out = out.astype(float, copy=False)
        return out

    def on_grid(self, v: np.ndarray) -> np.ndarray:
        """Real D_v on velocity nodes ``v`` (e.g. ``VelocityGrid.v``)."""
        return np.asarray(self(np.asarray(v, dtype=float)), dtype=float)

    # -- moments and crossings -----------------------------------------------------------
    def moments(self, nmax: int = 2) -> np.ndarray:
        """Moments ``[D0, D1, ..., D_nmax]`` with :math:`D_n=\\int_{-1}^1 dv\\,v^nD_v`."""
        v, w = gauss_legendre(_QUAD_NODES)
        return moments_on_grid(self.on_grid(v), v, w, nmax)

    @property
    def D0(self) -> float:
        """:math:`D_0=\\int dv\\,D_v`."""
        return float(self.moments(0)[0])

    @property
    def D1(self) -> float:
        """:math:`D_1=\\int dv\\,v\\,D_v`."""
        return float(self.moments(1)[1])

    @property
    def rate_scale(self) -> float:
        """:math:`A=\\int dv\\,|D_v|`, the natural rate scale [docs §3] (:func:`flavomon.grids.rate_scale`).

        Computed once on ``RATE_SCALE_NODES`` Gauss–Legendre nodes and cached.
        """
        if self._rate_scale is None:
            v, w = gauss_legendre(RATE_SCALE_NODES)
            self._rate_scale = rate_scale(self.on_grid(v), w)
        return self._rate_scale

    def crossing_info(self) -> CrossingInfo:
        """Crossing points, moments and the flipped side  [docs §6, §8]."""
        if self._crossing is None:
            self._crossing = _analyse_crossings(self)
        return self._crossing

    def scaled(self, factor: float) -> "Distribution":
        r"""The distribution :math:`c\,D(v)` with ``c = factor`` (a power of 2 keeps it exact)  [docs §3].

        Under :math:`D\to cD` the modes map to :math:`(c\Omega, cK)` and times to :math:`t/c`; the
        linear solvers use this to work in units where :math:`\int|D|dv\approx1`.  The result keeps a
        reference to this distribution (``scaled_from = (self, factor)``), and a Legendre-table
        distribution keeps its (scaled) coefficients, so derivatives stay analytic.
        """
        f = float(factor)
        if not (math.isfinite(f) and f != 0.0):
            raise FlavomonInputError(f"scale factor must be finite and non-zero, got {factor!r}")
        base = self
        out = Distribution(
            lambda v: base(v) * f,
            name=f"{self.name}*{f:g}",
            spec=f"scaled:{f!r}:{self.spec}",
            params=dict(self.params),
            fit_residual=None if self.fit_residual is None else self.fit_residual * abs(f),
            fit_degree=self.fit_degree,
        )
        out.scaled_from = (self, f)  # type: ignore[attr-defined]
        c = getattr(self, "coefficients", None)
        if c is not None:
            cs = np.asarray(c) * f
            cs.setflags(write=False)
            out.coefficients = cs  # type: ignore[attr-defined]
        if self._rate_scale is not None:
            out._rate_scale = self._rate_scale * abs(f)
        return out

    def describe(self) -> dict[str, Any]:
        """Provenance record (JSON-serialisable)."""
        d: dict[str, Any] = {"name": self.name, "spec": self.spec, "params": self.params}
        if self.fit_residual is not None:
            d["fit_residual"] = self.fit_residual
            d["fit_degree"] = self.fit_degree
        return d

    def __repr__(self) -> str:
        return f"Distribution({self.name!r})"


# ----------------------------------------------------------------------------------------
# analytic families
# ----------------------------------------------------------------------------------------
def _check_param(name: str, value: Any, *, positive: bool = False) -> float:
    return as_number(f"parameter {name}", value, positive=positive)


def benchmark(a: float = 0.9) -> Distribution:
    """The F2 benchmark :math:`D_v = e^{-2(1-v)^2} - a`  [F2 eq. 5, docs §8.1].

    Has an angular crossing for :math:`e^{-8} < a < 1` at :math:`v_c = 1-\\sqrt{-\\ln a/2}`.
    """
    a = _check_param("a", a)
    return Distribution(
        lambda v: np.exp(-2.0 * (1.0 - v) ** 2) - a,
        name=f"benchmark(a={a:g})",
        spec=f"benchmark:a={a!r}",
        params={"a": a},
    )


def shallow(a: float = 0.95) -> Distribution:
    """Mirror image of the benchmark, :math:`D_v = a - e^{-2(1-v)^2}`  [docs §8.2].

    nu_e-dominated with a shallow crossing for a close to 1: the stand-in for F1 S55–S56.
    By the symmetry D -> -D (docs §2) its growth rates equal the benchmark's.
    """
    a = _check_param("a", a)
    return Distribution(
        lambda v: a - np.exp(-2.0 * (1.0 - v) ** 2),
        name=f"shallow(a={a:g})",
        spec=f"shallow:a={a!r}",
        params={"a": a},
    )


def isotropic(D0: float = 1.0) -> Distribution:
    """Thermal isotropic nu_e/nu_mu medium, :math:`D_v = D_0/2`  [docs §8.3, F1 Fig. S5]."""
    D0 = _check_param("D0", D0)
    return Distribution(
        lambda v: np.full(np.shape(v), D0 / 2.0, dtype=np.result_type(v, float)),
        name=f"isotropic(D0={D0:g})",
        spec=f"isotropic:D0={D0!r}",
        params={"D0": D0},
    )


_FAMILIES: dict[str, tuple[Callable[..., Distribution], dict[str, float]]] = {
    "benchmark": (benchmark, {"a": 0.9}),
    "shallow": (shallow, {"a": 0.95}),
    "isotropic": (isotropic, {"D0": 1.0}),
}


# ----------------------------------------------------------------------------------------
# tables
# ----------------------------------------------------------------------------------------
def _real_part(x: Any, what: str, source: str) -> Any:
    """``x`` itself, or its real part if it is complex with an imaginary part exactly zero; else a one-line error."""
    a = np.asarray(x)
    if np.iscomplexobj(a):
        im = np.abs(a.imag)
        if np.any(im != 0):
            i = int(np.argmax(im.ravel() != 0))
            raise FlavomonInputError(
                f"{source}: {what} is complex (entry {i + 1} has imaginary part {float(a.ravel()[i].imag)!r}); "
                f"D(v) must be real"
            )
        return a.real
    return x


def _validate_table(v: np.ndarray, D: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    v = _real_part(v, "v", source)
    D = _real_part(D, "D", source)
    try:
        v = np.asarray(v, dtype=float).ravel()
        D = np.asarray(D, dtype=float).ravel()
    except (TypeError, ValueError):
        raise FlavomonInputError(f"{source}: v and D must be numeric") from None
    if v.shape != D.shape:
        raise FlavomonInputError(f"{source}: v has {v.size} entries but D has {D.size}")
    if v.size < MIN_TABLE_ROWS:
        raise FlavomonInputError(
            f"{source}: table has {v.size} rows; at least {MIN_TABLE_ROWS} are needed"
        )
    bad = ~np.isfinite(v) | ~np.isfinite(D)
    if bad.any():
        i = int(np.argmax(bad))
        raise FlavomonInputError(
            f"{source}: non-finite value (NaN or inf) in row {i + 1} (v={v[i]!r}, D={D[i]!r})"
        )
    if v.min() < -1.0 or v.max() > 1.0:
        i = int(np.argmax((v < -1.0) | (v > 1.0)))
        raise FlavomonInputError(f"{source}: v={v[i]!r} in row {i + 1} lies outside [-1, 1]")
    dv = np.diff(v)
    if (dv == 0).any():
        i = int(np.argmax(dv == 0))
        raise FlavomonInputError(f"{source}: duplicated v={v[i]!r} in rows {i + 1} and {i + 2}")
    if (dv < 0).any():
        i = int(np.argmax(dv < 0))
        raise FlavomonInputError(
            f"{source}: v is not increasing (row {i + 1}: {v[i]!r}, row {i + 2}: {v[i + 1]!r})"
        )
    return v, D


def _fit_legendre(v: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, int, float]:
    """Least-squares Legendre series with the degree chosen by leave-one-out cross-validation.

    The degree is capped at ``min(n - 1, 3 sqrt(n), 60)``: least squares on roughly
    equispaced data is stable for degrees up to O(sqrt(n)) (no Runge oscillation).
    Returns ``(coefficients, degree, max residual)``.
    """
    n = v.size
    dmax = int(min(n - 1, max(3, math.floor(3 * math.sqrt(n))), 60))
    # The fit is linear in D, but its cross-validation squares residuals: fit a table far from unit size in units of a
    # power of 2 near max|D| (exact, no rounding) so that 1e-200 or 1e200 tables neither underflow nor overflow.
    peak = float(np.max(np.abs(D)))
    scale = 1.0
    if peak > 0 and not 2.0**-20 <= peak <= 2.0**20:
        scale = 2.0 ** round(math.log2(peak))
    fit = _fit_legendre_large if n > FAST_FIT_ROWS else _fit_legendre_qr
    c, deg, resid = fit(v, D / scale, dmax)
    return c * scale, deg, resid * scale


def _fit_legendre_qr(v: np.ndarray, D: np.ndarray, dmax: int) -> tuple[np.ndarray, int, float]:
    """:func:`_fit_legendre` by one QR factorisation per degree 0..dmax (tables of up to FAST_FIT_ROWS rows)."""
    n = v.size
    best: tuple[float, int, np.ndarray] | None = None
    for d in range(dmax + 1):
        V = _leg.legvander(v, d)
        Q, R = np.linalg.qr(V)
        c = np.linalg.solve(R, Q.T @ D)
        r = D - V @ c
        h = np.sum(Q**2, axis=1)
        if d + 1 >= n:  # interpolation: LOOCV undefined; judge by the residual only
            score = float(np.mean(r**2))
        else:
            score = float(np.mean((r / np.maximum(1.0 - h, 1e-12)) ** 2))
        if best is None or score < best[0] * (1 - 1e-9):
            best = (score, d, c)
    assert best is not None
    _, d, c = best
    resid = float(np.max(np.abs(D - _leg.legval(v, c))))
    return c, d, resid


FAST_FIT_ROWS = 200
"""Tables with more rows are fitted by :func:`_fit_legendre_large` (all degrees from one factorisation,
in row chunks: the same least-squares fits and LOOCV, coefficients equal to ~1e-15).  Measured on the
shared 2-core machine: 1000 rows 5.6 s -> 0.04 s, 1e6 rows minutes -> 8 s (fit 5 s + crossing scan).
Tables up to this size (the example tables have 101 rows, sampled callables 129) keep the per-degree
QR fit, so their numbers are unchanged bit for bit.  For noise-free data resolved to round-off, the
LOOCV scores of the highest degrees tie at the 1e-30 level and the two routes may pick different
degrees of the same (round-off accurate) fit."""

_FIT_CHUNK = 32768


def _fit_legendre_large(v: np.ndarray, D: np.ndarray, dmax: int) -> tuple[np.ndarray, int, float]:
    """:func:`_fit_legendre` for many rows: every degree 0..dmax from one Cholesky factor of the Gram matrix.

    The Cholesky factor of the Legendre Gram matrix :math:`G=V^TV` is nested (its leading
    (d+1) x (d+1) block factors the degree-d problem), so :math:`Q=VL^{-T}` has the orthonormal bases of
    every degree as its leading columns; fits, residuals and leverages (hence the LOOCV scores) of all
    degrees follow from cumulative sums over those columns, one chunk of rows at a time.  Legendre
    columns on [-1, 1] are nearly orthogonal for spread-out v (cond(G) ~ dmax), so the normal
    equations lose nothing measurable against QR.
    """
    from scipy.linalg import cholesky, solve_triangular

    m = dmax + 1
    G = np.zeros((m, m))
    VtD = np.zeros(m)
    for i in range(0, v.size, _FIT_CHUNK):
        V = _leg.legvander(v[i : i + _FIT_CHUNK], dmax)
        G += V.T @ V
        VtD += V.T @ D[i : i + _FIT_CHUNK]
    try:
        L = cholesky(G, lower=True)
    except np.linalg.LinAlgError:
        L = None
    if L is None or np.min(np.abs(np.diag(L))) < 1e-6 * np.max(np.abs(np.diag(L))):
        # rows bunched in a small part of [-1, 1]: the Gram matrix is ill-conditioned; take the QR route
        return _fit_legendre_qr(v, D, dmax)
    b = solve_triangular(L, VtD, lower=True)  # Q^T D
    score = np.zeros(m)
    for i in range(0, v.size, _FIT_CHUNK):
        V = _leg.legvander(v[i : i + _FIT_CHUNK], dmax)
        Q = solve_triangular(L, V.T, lower=True).T  # (rows, m), orthonormal columns over all rows
        fit = np.cumsum(Q * b[None, :], axis=1)  # column d: the degree-d least-squares fit
        h = np.cumsum(Q**2, axis=1)  # leverages of degree d
        r = D[i : i + _FIT_CHUNK, None] - fit
        score += np.sum((r / np.maximum(1.0 - h, 1e-12)) ** 2, axis=0)
    score /= v.size
    best_d, best_s = 0, score[0]
    for d in range(1, m):
        if score[d] < best_s * (1 - 1e-9):
            best_d, best_s = d, score[d]
    c = solve_triangular(L[: best_d + 1, : best_d + 1].T, b[: best_d + 1], lower=False)
    resid = float(np.max(np.abs(D - _leg.legval(v, c))))
    return c, best_d, resid


def from_table(v: Any, D: Any, *, name: str = "table", spec: str | None = None) -> Distribution:
    """Distribution from tabulated values, represented by a Legendre series.

    The series (an entire function, hence evaluable at complex v for the Landau
    continuation) is fitted by least squares with the degree chosen by leave-one-out
    cross-validation; the max residual at the data is stored in ``fit_residual``.

    Raises
    ------
    FlavomonInputError
        NaN/inf, fewer than 8 rows, v outside [-1, 1], unsorted or duplicated v.
    """
    v, D = _validate_table(v, D, name)
    c, deg, resid = _fit_legendre(v, D)
    c.setflags(write=False)
    dist = Distribution(
        lambda x: _leg.legval(x, c),
        name=name,
        spec=spec if spec is not None else f"table:{name}",
        fit_residual=resid,
        fit_degree=deg,
    )
    dist.coefficients = c  # type: ignore[attr-defined]
    dist.table = (v.copy(), D.copy())  # type: ignore[attr-defined]
    _warn_if_fit_misrepresents(dist, v, D)
    return dist


FIT_RESIDUAL_WARN = 0.02
"""A table fit missing its data by more than this fraction of max|D| gets a PhysicsWarning."""


def _warn_if_fit_misrepresents(dist: Distribution, v: np.ndarray, D: np.ndarray) -> None:
    """Warn when the smooth fit is not the table: a large residual, or a different set of crossings.

    Sharp features (steps, kinks, narrow peaks resolved by a few rows) cannot be followed by a
    smooth series of moderate degree; the fit rings.  A ringing fit that crosses zero where the
    data do not creates an angular crossing, hence an instability, that is not in the table.
    """
    scale = float(np.max(np.abs(D)))
    if scale == 0.0:
        return
    resid = float(dist.fit_residual or 0.0)
    if resid > FIT_RESIDUAL_WARN * scale:
        j = int(np.argmax(np.abs(D - dist(v).real)))
        warnings.warn(
            f"{dist.name}: the smooth Legendre fit (degree {dist.fit_degree}) misses the data by up to "
            f"{resid:.3g} ({100 * resid / scale:.1f}% of max|D|) near v = {v[j]:.3g}; sharp features are "
            f"smoothed out (more rows or a smoother table help)",
            PhysicsWarning,
            stacklevel=3,
        )
    nz = D[D != 0.0]
    n_data = int(np.count_nonzero(np.sign(nz[1:]) != np.sign(nz[:-1])))
    crossings = dist.crossing_info().crossings
    n_fit = len(crossings)
    if n_fit != n_data:
        warnings.warn(
            f"{dist.name}: the data change sign {n_data} time(s) but the smooth fit crosses zero "
            f"{n_fit} time(s) (at v = {', '.join(f'{x:.3g}' for x in crossings) or 'none'}); "
            f"crossings decide the instability, so check the table near them",
            PhysicsWarning,
            stacklevel=3,
        )


def read_two_columns(path: Path, header: tuple[str, str], what: str) -> tuple[np.ndarray, np.ndarray]:
    """The two numeric columns of a CSV table with the header ``header`` (blank lines skipped); one-line
    :class:`FlavomonInputError` naming ``what`` and the line for an unreadable file, a wrong header, a row that is
    not two numbers.  The one CSV reader of distribution and background tables."""
    try:
        with path.open(newline="") as fh:
            rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    except OSError as e:
        raise FlavomonInputError(f"cannot read {what} {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise FlavomonInputError(f"{what} {path} is not a text CSV file") from None
    if not rows:
        raise FlavomonInputError(f"{what} {path} is empty")
    got = [c.strip() for c in rows[0]]
    if got != list(header):
        raise FlavomonInputError(f"{what} {path}: header must be '{','.join(header)}', got {','.join(got)!r}")
    a, b = [], []
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != 2:
            raise FlavomonInputError(f"{what} {path}: line {i} has {len(r)} columns, expected 2")
        try:
            a.append(float(r[0]))
            b.append(float(r[1]))
        except ValueError:
            raise FlavomonInputError(f"{what} {path}: line {i} is not numeric: {','.join(r)!r}") from None
    return np.array(a), np.array(b)


def _read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    return read_two_columns(path, ("v", "D"), "table")


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not zipfile.is_zipfile(path):
        raise FlavomonInputError(f"table {path} is not an .npz archive (numpy.savez of arrays 'v' and 'D')")
    try:
        with np.load(path, allow_pickle=False) as z:
            if "v" not in z or "D" not in z:
                raise FlavomonInputError(f"table {path} must contain arrays 'v' and 'D'")
            return np.asarray(z["v"]), np.asarray(z["D"])
    except FlavomonInputError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise FlavomonInputError(f"cannot read table {path}: not a valid .npz file ({type(e).__name__}: {e})") from None


# a table is a small text or .npz file; anything far larger is not a table of D(v)
TABLE_MAX_BYTES = 1 << 30


def from_file(path: str | Path) -> Distribution:
    """Distribution from a ``.csv`` (header ``v,D``) or ``.npz`` (arrays ``v``, ``D``) file."""
    p = Path(path)
    if not p.exists():
        raise FlavomonInputError(f"table file {p} does not exist")
    # a FIFO, socket or device would block or stream forever: a table must be a regular file
    if not p.is_file():
        raise FlavomonInputError(f"table {p} is not a regular file (give a .csv or .npz file)")
    if p.stat().st_size > TABLE_MAX_BYTES:
        raise FlavomonInputError(f"table {p} is {p.stat().st_size / 2**30:.1f} GiB; a table of D(v) is at most "
                                 f"{TABLE_MAX_BYTES / 2**30:.0f} GiB")
    if p.suffix.lower() == ".csv":
        v, D = _read_csv(p)
    elif p.suffix.lower() == ".npz":
        v, D = _read_npz(p)
    else:
        raise FlavomonInputError(f"table {p}: unknown format {p.suffix!r} (use .csv or .npz)")
    return from_table(v, D, name=p.name, spec=str(p))


def from_callable(func: Callable[[np.ndarray], Any], *, name: str | None = None) -> Distribution:
    """Distribution from a Python callable ``func(v)``.

    If ``func`` accepts complex arrays it is used as it is (it must then be analytic for
    the Landau continuation to be meaningful).  Otherwise it is sampled on 129
    Gauss–Legendre nodes and represented by a Legendre series, like a table.
    """
    if not callable(func):
        raise FlavomonInputError(f"distribution must be callable, got {type(func).__name__}")
    name = name or getattr(func, "__name__", "callable")
    probe = np.array([-0.3 + 0.2j, 0.5 - 0.1j])
    try:
        val = np.asarray(func(probe))
        ok = val.shape == probe.shape and np.all(np.isfinite(val)) and np.iscomplexobj(val)
    except Exception:  # noqa: BLE001 - any failure means: not complex-capable
        ok = False
    real_probe = np.linspace(-1, 1, 17)
    try:
        rv = np.asarray(func(real_probe), dtype=float)
    except Exception as e:  # noqa: BLE001
        raise FlavomonInputError(f"distribution {name!r} failed on real v: {e}") from None
    if rv.shape != real_probe.shape:
        got = "a scalar" if rv.ndim == 0 else f"shape {rv.shape}"
        raise FlavomonInputError(f"distribution {name!r} returned {got} for v of shape {real_probe.shape}: it must "
                                 f"return one value per v (write a constant as c + 0 * v)")
    if not np.all(np.isfinite(rv)):
        raise FlavomonInputError(f"distribution {name!r} returned NaN or inf on [-1, 1]: it must be finite there")
    if ok and not _is_analytic(func, rv):
        warnings.warn(
            f"distribution {name!r} accepts complex v but is not analytic there (Cauchy-Riemann fails: e.g. "
            f"abs, conj, real parts): its complex values are not the Landau continuation, so flavomon uses a "
            f"Legendre fit of its real values instead (write D with analytic operations to use it directly)",
            PhysicsWarning, stacklevel=2)
        ok = False
    if ok:
        return Distribution(func, name=name, spec=f"callable:{name}")
    v = gauss_legendre(129)[0]
    return from_table(v, np.asarray(func(v), dtype=float), name=name, spec=f"callable:{name}")


def _is_analytic(func: Callable[[np.ndarray], Any], scale_values: np.ndarray) -> bool:
    r"""Cauchy–Riemann check of a complex-capable callable at a few real points x.

    For an analytic f that is real on the real axis, :math:`\mathrm{Im}\,f(x+i\epsilon)/\epsilon=f'(x)+O(\epsilon^2)`
    (the complex-step derivative, free of cancellation); with :math:`\epsilon=10^{-6}` it is compared with a
    central difference of step :math:`h=10^{-5}` (error :math:`\sim h^2 f^{(3)}`).  ``abs``, ``conj`` or ``real``
    give :math:`\mathrm{Im}\,f(x+i\epsilon)\approx0` instead.  Tolerance: :math:`10^{-4}` of the largest
    :math:`|f'|` on the points plus :math:`10^{-8}` of the function's scale (a bump of width 0.05 has
    :math:`h^2|f^{(3)}|/|f'|\sim10^{-6}`).
    """
    x = np.linspace(-0.9, 0.9, 13)
    eps, h = 1e-6, 1e-5
    try:
        im = np.asarray(func(x + 1j * eps), dtype=complex).imag / eps
        d = (np.asarray(func((x + h).astype(complex)), dtype=complex).real
             - np.asarray(func((x - h).astype(complex)), dtype=complex).real) / (2 * h)
    except Exception:  # noqa: BLE001 - it evaluated on the probe before; any failure here: not usable as analytic
        return False
    scale = max(float(np.max(np.abs(scale_values))), 1e-300)
    tol = 1e-4 * float(np.max(np.abs(d))) + 1e-8 * scale
    return bool(np.all(np.isfinite(im)) and np.all(np.isfinite(d)) and np.max(np.abs(im - d)) <= tol)


def from_spec(spec: str | Distribution | Callable[[np.ndarray], Any]) -> Distribution:
    """Parse a distribution SPEC, as the command-line interface accepts it.

    Accepted: ``benchmark:a=0.9``, ``shallow:a=0.95``, ``isotropic:D0=1`` (parameters
    optional, defaults as shown), a path (str or path-like) to ``.csv``/``.npz``, an existing
    :class:`Distribution` or a callable.
    """
    if isinstance(spec, Distribution):
        return spec
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    if callable(spec):
        return from_callable(spec)
    if not isinstance(spec, str) or not spec.strip():
        raise FlavomonInputError(f"distribution SPEC must be a non-empty string, got {spec!r}")
    s = spec.strip()
    if s.lower().endswith((".csv", ".npz")):
        return from_file(s)
    family, _, rest = s.partition(":")
    family = family.strip().lower()
    if family not in _FAMILIES:
        known = ", ".join(sorted(_FAMILIES))
        raise FlavomonInputError(
            f"unknown distribution {family!r} in SPEC {spec!r} (known: {known}, or a .csv/.npz table)"
        )
    ctor, defaults = _FAMILIES[family]
    params = dict(defaults)
    seen: set[str] = set()
    if rest.strip():
        for item in rest.split(","):
            key, eq, val = item.partition("=")
            key = key.strip()
            if not eq:
                raise FlavomonInputError(f"SPEC {spec!r}: expected NAME=VALUE, got {item!r}")
            if key in seen:
                raise FlavomonInputError(f"SPEC {spec!r}: parameter {key!r} is given twice; give it once")
            seen.add(key)
            if key not in defaults:
                raise FlavomonInputError(
                    f"SPEC {spec!r}: unknown parameter {key!r} for {family} "
                    f"(known: {', '.join(defaults)})"
                )
            params[key] = _check_param(key, val.strip())
    return ctor(**params)


# ----------------------------------------------------------------------------------------
# crossing analysis
# ----------------------------------------------------------------------------------------
def _analyse_crossings(dist: Distribution) -> CrossingInfo:
    D0, D1, D2 = (float(x) for x in dist.moments(2))
    # dense scan for sign changes, then Brent; 4001 points resolve crossings 5e-4 apart
    vs = np.linspace(-1.0, 1.0, 4001)
    Ds = dist.on_grid(vs)
    f = lambda x: float(dist.on_grid(np.array([x]))[0])  # noqa: E731
    scale = max(float(np.max(np.abs(Ds))), 1e-300)
    sgn = np.sign(np.where(np.abs(Ds) <= 1e-14 * scale, 0.0, Ds))
    crossings: list[float] = []
    last_sign, last_v = 0.0, -1.0
    for x, s in zip(vs, sgn):
        if s == 0:
            continue
        if last_sign != 0 and s != last_sign:
            crossings.append(brentq(f, last_v, x, xtol=1e-14, rtol=4 * np.finfo(float).eps))
        last_sign, last_v = s, x
    crossings = [c for c in crossings if -1.0 < c < 1.0]
    # flipped side: where sign(D) != sign(D0) [docs §6]
    edges = [-1.0, *crossings, 1.0]
    ref = np.sign(D0)
    flipped: list[tuple[float, float]] = []
    vq, wq = gauss_legendre(64)
    nflip = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mid = 0.5 * (lo + hi)
        if ref != 0 and np.sign(f(mid)) == -ref and crossings:
            flipped.append((lo, hi))
            x = 0.5 * (hi - lo) * vq + mid
            nflip += 0.5 * (hi - lo) * float(np.sum(wq * dist.on_grid(x)))
    return CrossingInfo(tuple(crossings), D0, D1, D2, tuple(flipped), nflip)
