r"""Inhomogeneous, periodic backgrounds of the box: a matter profile :math:`\lambda(z)` and a distribution
:math:`D_v(z)` whose family parameter varies in z  [docs §11, §12].

* :class:`Matter` / :func:`parse_matter` — the matter potential :math:`\lambda(z)` (units of :math:`\mu`), periodic:

  - ``sin:amplitude=A,wavelength=Lb``: :math:`\lambda(z)=A\sin(2\pi z/L_b)`;
  - ``PATH.csv`` with the header ``z,lambda``: one period, the first row at z = 0 and the last row at the
    period P (normally the box length L) with the same :math:`\lambda` as the first row (within
    :math:`10^{-9}\max|\lambda|`), z increasing; it is interpolated by a periodic cubic spline (so
    :math:`\lambda` and :math:`\lambda'` are continuous), and P must divide the box length.

* :class:`Modulation` / :func:`parse_modulate` — ``PARAM=AMP,wavelength=Lb``: a family parameter of the
  distribution varies as :math:`\mathrm{PARAM}(z)=\mathrm{PARAM}+\mathrm{AMP}\sin(2\pi z/L_b)`;
  :func:`D_of_z` evaluates :math:`D(v;\mathrm{PARAM}(z))` on a (z, v) grid.
* The rules of the box: every modulation must be periodic in the box (:meth:`Matter.check_box`,
  :meth:`Modulation.check_box`); the WKB (ray-tracing) picture of docs §12 needs modulation lengths of at least
  :data:`WKB_MIN_WAVELENGTHS` wavelengths :math:`2\pi/|K|` of the fastest mode (:func:`check_wkb`, a
  :class:`~flavomon.errors.PhysicsWarning` otherwise: the box itself stays exact); z-resolved output is averaged
  over cells of width :math:`\ell` that divide the box (:func:`default_cell`, :func:`check_cell`).

Nothing here evaluates user text: SPECs are split at ``,`` and ``=`` and numbers read with :func:`float`.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._validate import as_number
from .distributions import Distribution, benchmark, from_spec, isotropic, read_two_columns, shallow
from .errors import FlavomonInputError, PhysicsWarning

__all__ = [
    "WKB_MIN_WAVELENGTHS",
    "CELLS_PER_WAVELENGTH",
    "MODULATION_SAMPLES",
    "Matter",
    "Modulation",
    "parse_matter",
    "parse_modulate",
    "D_of_z",
    "modulation_samples",
    "check_wkb",
    "default_cell",
    "check_cell",
]

WKB_MIN_WAVELENGTHS = 10
r"""A modulation wavelength must be at least this many wavelengths :math:`2\pi/|K|` of the fastest-growing mode
for the local (WKB) picture of docs §12 to hold; shorter ones get a PhysicsWarning "WKB invalid"."""

CELLS_PER_WAVELENGTH = 8
"""The default cell width is about the shortest modulation wavelength / this (:func:`default_cell`)."""

MODULATION_SAMPLES = 9
"""Values of a modulated parameter (evenly spaced over PARAM - |AMP| .. PARAM + |AMP|) whose unstable bands the
automatic resolution of the box takes into account (:func:`modulation_samples`)."""

PERIOD_RTOL = 1e-9
"""Relative tolerance of "Lb divides L", "ell divides L" and of the closure of a periodic table."""

HARMONIC_SIGNIFICANCE = 1e-2
"""A harmonic of a tabulated lambda(z) is significant (sets :attr:`Matter.wavelength`) when its amplitude is at
least this fraction of the strongest harmonic's."""

MIN_TABLE_ROWS = 4
"""Fewest rows of a lambda(z) table (a periodic cubic spline through them)."""

_FAMILIES = {"benchmark": benchmark, "shallow": shallow, "isotropic": isotropic}


def _items(text: str, what: str) -> dict[str, str]:
    """``key=value,key=value`` as a dict (one-line errors for a missing '=', an empty or a repeated key)."""
    out: dict[str, str] = {}
    for item in text.split(","):
        key, eq, val = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise FlavomonInputError(f"{what}: expected NAME=VALUE items separated by commas, got {item.strip()!r}")
        if key in out:
            raise FlavomonInputError(f"{what}: {key!r} is given twice; give it once")
        out[key] = val.strip()
    return out


def _divides(period: float, L: float) -> bool:
    """Whether ``L / period`` is a positive integer (within :data:`PERIOD_RTOL`)."""
    n = L / period
    return round(n) >= 1 and abs(n - round(n)) <= PERIOD_RTOL * max(1.0, n)


def _divisor_hint(period: float, L: float) -> str:
    n = max(1, round(L / period))
    return f"e.g. {L / n:.6g} (= L/{n}) or a box length L = {n * period:.6g}"


# ----------------------------------------------------------------------------------------------
# matter profile lambda(z)
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Matter:
    r"""A periodic matter potential :math:`\lambda(z)` (units of :math:`\mu`) parsed from its SPEC  [docs §12].

    Parameters
    ----------
    spec : str
        ``sin:amplitude=A,wavelength=Lb`` or the path of a ``z,lambda`` CSV table (see the module notes).

    Attributes
    ----------
    kind : str
        ``"sin"`` or ``"table"``.
    amplitude : float
        A of the sine (for a table: :math:`\max|\lambda-\bar\lambda|`).
    period : float
        The period: Lb of the sine, P = the last z of a table.
    sha256 : str
        A digest of the profile (the table's numbers, or the canonical sine SPEC) for run identities.
    """

    spec: str
    kind: str = field(init=False)
    amplitude: float = field(init=False)
    period: float = field(init=False)
    sha256: str = field(init=False, repr=False)
    _spline: Any = field(init=False, repr=False, compare=False, default=None)
    _wavelength: float = field(init=False, repr=False, compare=False, default=math.inf)
    _slope_range: tuple[float, float] = field(init=False, repr=False, compare=False, default=(0.0, 0.0))

    def __post_init__(self) -> None:
        s = object.__setattr__
        if not isinstance(self.spec, str) or not self.spec.strip():
            raise FlavomonInputError(f"--matter SPEC must be a non-empty string, got {self.spec!r}")
        spec = self.spec.strip()
        kind, colon, rest = spec.partition(":")
        if spec.lower().endswith(".csv"):
            s(self, "spec", spec)
            self._from_table(Path(spec))
            return
        if kind.strip().lower() != "sin" or not colon:
            raise FlavomonInputError(
                f"--matter {spec!r}: unknown matter profile (known: sin:amplitude=A,wavelength=Lb, or a PATH.csv "
                f"table with header z,lambda)")
        items = _items(rest, f"--matter {spec!r}")
        unknown = sorted(set(items) - {"amplitude", "wavelength"})
        if unknown:
            raise FlavomonInputError(f"--matter {spec!r}: unknown key {unknown[0]!r} (known: amplitude, wavelength)")
        missing = [k for k in ("amplitude", "wavelength") if k not in items]
        if missing:
            raise FlavomonInputError(f"--matter {spec!r}: missing {missing[0]}= (give sin:amplitude=A,wavelength=Lb)")
        A = as_number("--matter amplitude", items["amplitude"])
        Lb = as_number("--matter wavelength", items["wavelength"], positive=True)
        canonical = f"sin:amplitude={A!r},wavelength={Lb!r}"
        s(self, "spec", canonical)
        s(self, "kind", "sin")
        s(self, "amplitude", A)
        s(self, "period", Lb)
        s(self, "sha256", hashlib.sha256(canonical.encode()).hexdigest())
        s(self, "_wavelength", Lb)
        k = 2.0 * math.pi / Lb
        s(self, "_slope_range", (-abs(A) * k, abs(A) * k))

    def _from_table(self, path: Path) -> None:
        s = object.__setattr__
        z, lam = _read_matter_table(path)
        scale = float(np.max(np.abs(lam)))
        if abs(lam[-1] - lam[0]) > PERIOD_RTOL * scale:
            raise FlavomonInputError(
                f"--matter {path}: not periodic: lambda = {float(lam[0])!r} in the first row (z = 0) but "
                f"{float(lam[-1])!r} in the last (z = {float(z[-1])!r}); the table must hold one period, its last row "
                f"at z = period (the box length) with the first row's lambda")
        from scipy.interpolate import CubicSpline

        y = lam.copy()
        y[-1] = y[0]  # exactly periodic for the spline
        spline = CubicSpline(z, y, bc_type="periodic")
        P = float(z[-1])
        # the profile's Fourier series on a fine uniform grid: the highest significant harmonic sets the wavelength
        n = 1 << max(10, int(math.ceil(math.log2(16 * z.size))))
        zs = P * np.arange(n) / n
        c = np.abs(np.fft.rfft(spline(zs)) / n)[1:]
        harm = c[: n // 2 - 1]
        top = float(np.max(harm)) if harm.size else 0.0
        if top <= 1e-12 * max(scale, 1e-300):
            wavelength = math.inf  # constant: no modulation
        else:
            n_max = int(np.nonzero(harm >= HARMONIC_SIGNIFICANCE * top)[0][-1]) + 1
            wavelength = P / n_max
        dz = spline(np.concatenate([zs, z]), 1)
        s(self, "kind", "table")
        s(self, "period", P)
        s(self, "amplitude", float(np.max(np.abs(spline(zs) - np.mean(spline(zs))))))
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(z, dtype="<f8").tobytes())
        h.update(np.ascontiguousarray(lam, dtype="<f8").tobytes())
        s(self, "sha256", h.hexdigest())
        s(self, "_spline", spline)
        s(self, "_wavelength", float(wavelength))
        s(self, "_slope_range", (float(np.min(dz)), float(np.max(dz))))

    # -- evaluation ----------------------------------------------------------------------------
    def lam(self, z: Any) -> np.ndarray:
        r""":math:`\lambda(z)` (units of :math:`\mu`) at the points ``z`` (periodic continuation)."""
        z = np.asarray(z, dtype=float)
        if self.kind == "sin":
            return self.amplitude * np.sin(2.0 * np.pi * z / self.period)
        return np.asarray(self._spline(np.mod(z, self.period)), dtype=float)

    def dlam_dz(self, z: Any) -> np.ndarray:
        r""":math:`d\lambda/dz` (units of :math:`\mu^2`) at the points ``z``."""
        z = np.asarray(z, dtype=float)
        if self.kind == "sin":
            k = 2.0 * np.pi / self.period
            return self.amplitude * k * np.cos(k * z)
        return np.asarray(self._spline(np.mod(z, self.period), 1), dtype=float)

    @property
    def wavelength(self) -> float:
        r"""The shortest modulation length scale: Lb of the sine; for a table the period divided by its highest
        significant harmonic (amplitude at least :data:`HARMONIC_SIGNIFICANCE` of the strongest one), ``inf`` for a
        constant table."""
        return self._wavelength

    @property
    def slope_range(self) -> tuple[float, float]:
        r"""``(min, max)`` of :math:`\lambda'(z)` over a period (the local drift rates of wavenumbers, docs §12)."""
        return self._slope_range

    @property
    def is_uniform(self) -> bool:
        """True for a profile without modulation (a sine of amplitude 0, a constant table)."""
        return not math.isfinite(self._wavelength) or self.amplitude == 0.0

    def check_box(self, L: float) -> None:
        """One-line FlavomonInputError unless the profile is periodic in the box [0, L) (its period divides L)."""
        if not _divides(self.period, float(L)):
            what = "wavelength" if self.kind == "sin" else "table period (its last z)"
            raise FlavomonInputError(
                f"--matter {self.spec}: the {what} {self.period:.6g} does not divide the box length L = {float(L):.6g}, "
                f"so lambda(z) is not periodic in the box; use a period L/n ({_divisor_hint(self.period, float(L))})")


def _read_matter_table(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(z, lambda)`` of a CSV table with header ``z,lambda``; one-line errors for every defect."""
    if not path.exists():
        raise FlavomonInputError(f"--matter table {path} does not exist")
    if not path.is_file():
        raise FlavomonInputError(f"--matter table {path} is not a regular file")
    z, lam = read_two_columns(path, ("z", "lambda"), "--matter table")
    bad = ~(np.isfinite(z) & np.isfinite(lam))
    if bad.any():
        i = int(np.argmax(bad))
        raise FlavomonInputError(f"--matter table {path}: line {i + 2} is not finite: {float(z[i])!r},{float(lam[i])!r}")
    if z.size < MIN_TABLE_ROWS:
        raise FlavomonInputError(f"--matter table {path}: {z.size} rows; at least {MIN_TABLE_ROWS} are needed")
    if z[0] != 0.0:
        raise FlavomonInputError(
            f"--matter table {path}: the first row must be z = 0 (one period [0, P]), got z = {float(z[0])!r}")
    dz = np.diff(z)
    if np.any(dz <= 0):
        i = int(np.argmax(dz <= 0))
        raise FlavomonInputError(
            f"--matter table {path}: z is not increasing (line {i + 2}: {float(z[i])!r}, "
            f"line {i + 3}: {float(z[i + 1])!r})")
    return z, lam


def parse_matter(spec: str | None) -> Matter | None:
    """The :class:`Matter` profile of a ``--matter`` SPEC; ``None``, ``""`` or ``"none"`` (no matter) give None."""
    if spec is None or isinstance(spec, Matter):
        return spec
    if not isinstance(spec, str):
        raise FlavomonInputError(f"--matter SPEC must be a string, got {spec!r}")
    if spec.strip().lower() in ("", "none"):
        return None
    return Matter(spec)


# ----------------------------------------------------------------------------------------------
# modulated distribution D_v(z)
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Modulation:
    r"""A family parameter varying in z: :math:`\mathrm{PARAM}(z)=\mathrm{PARAM}+\mathrm{AMP}\sin(2\pi z/L_b)`  [docs §12].

    Attributes
    ----------
    param : str
        The parameter's name (``a`` of ``benchmark``/``shallow``, ``D0`` of ``isotropic``).
    amplitude : float
        AMP.
    wavelength : float
        Lb (must divide the box length: :meth:`check_box`).
    """

    param: str
    amplitude: float
    wavelength: float

    def __post_init__(self) -> None:
        if not isinstance(self.param, str) or not self.param.strip() or not self.param.strip().isidentifier():
            raise FlavomonInputError(f"--modulate: the parameter name must be a name like a or D0, got {self.param!r}")
        object.__setattr__(self, "param", self.param.strip())
        object.__setattr__(self, "amplitude", as_number(f"--modulate {self.param}", self.amplitude))
        object.__setattr__(self, "wavelength", as_number("--modulate wavelength", self.wavelength, positive=True))

    @property
    def spec(self) -> str:
        """The canonical text ``PARAM=AMP,wavelength=Lb``."""
        return f"{self.param}={self.amplitude!r},wavelength={self.wavelength!r}"

    def values(self, base: float, z: Any) -> np.ndarray:
        """PARAM(z) = base + AMP sin(2 pi z / Lb) at the points ``z`` (overflow gives inf, caught by :func:`D_of_z`)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return base + self.amplitude * np.sin(2.0 * np.pi * np.asarray(z, dtype=float) / self.wavelength)

    def check_box(self, L: float) -> None:
        """One-line FlavomonInputError unless the wavelength divides the box length L."""
        if not _divides(self.wavelength, float(L)):
            raise FlavomonInputError(
                f"--modulate {self.spec}: the wavelength {self.wavelength:.6g} does not divide the box length "
                f"L = {float(L):.6g}, so {self.param}(z) is not periodic in the box; use a wavelength L/n "
                f"({_divisor_hint(self.wavelength, float(L))})")


def parse_modulate(text: str | None) -> Modulation | None:
    """The :class:`Modulation` of a ``--modulate PARAM=AMP,wavelength=Lb`` text; None, "" or "none" give None."""
    if text is None or isinstance(text, Modulation):
        return text
    if not isinstance(text, str):
        raise FlavomonInputError(f"--modulate must be a string PARAM=AMP,wavelength=Lb, got {text!r}")
    if text.strip().lower() in ("", "none"):
        return None
    items = _items(text.strip(), f"--modulate {text.strip()!r}")
    if "wavelength" not in items:
        raise FlavomonInputError(f"--modulate {text.strip()!r}: missing wavelength= (give PARAM=AMP,wavelength=Lb)")
    params = [k for k in items if k != "wavelength"]
    if len(params) != 1:
        raise FlavomonInputError(
            f"--modulate {text.strip()!r}: give exactly one parameter and its amplitude, PARAM=AMP,wavelength=Lb "
            f"(got {len(params)}: {', '.join(params) or 'none'})")
    p = params[0]
    return Modulation(p, as_number(f"--modulate {p}", items[p]), as_number("--modulate wavelength", items["wavelength"],
                                                                           positive=True))


def _family(dist: Distribution | str, modulation: Modulation) -> tuple[Any, dict[str, float], str]:
    """(constructor, parameters, family name) of a family distribution that ``modulation`` can vary."""
    d = from_spec(dist)
    family = d.spec.partition(":")[0].strip().lower()
    if family not in _FAMILIES or not d.params:
        raise FlavomonInputError(
            f"--modulate {modulation.spec}: the distribution must be a family SPEC ({', '.join(f'{f}:...' for f in _FAMILIES)}) "
            f"whose parameter varies, got {d.spec!r}")
    if modulation.param not in d.params:
        raise FlavomonInputError(
            f"--modulate {modulation.spec}: {family} has no parameter {modulation.param!r} (known: {', '.join(d.params)})")
    return _FAMILIES[family], dict(d.params), family


def modulation_samples(dist: Distribution | str, modulation: Modulation, n: int = MODULATION_SAMPLES) -> list[Distribution]:
    """The distributions at ``n`` values of the modulated parameter, evenly spaced over PARAM -|AMP| .. PARAM + |AMP|
    (for the resolution rule: the unstable bands of every local distribution).  A value, or a D(v), that is not
    finite is a one-line FlavomonInputError naming a z where the modulation takes it."""
    ctor, params, family = _family(dist, modulation)
    base, A, Lb = params[modulation.param], modulation.amplitude, modulation.wavelength
    out = []
    s = np.linspace(-1.0, 1.0, int(n))  # sin(2 pi z / Lb) of the samples
    with np.errstate(over="ignore", invalid="ignore"):
        vals = base + abs(A) * s
    for si, x in zip(s, vals):
        z = (Lb * math.asin(float(np.sign(A)) * si) / (2.0 * math.pi)) % Lb  # where PARAM(z) takes this value
        if not math.isfinite(float(x)):
            raise FlavomonInputError(
                f"--modulate {modulation.spec}: {modulation.param}(z) = {float(x)!r} at z = {z:.6g} is not finite")
        d = ctor(**{**params, modulation.param: float(x)})
        with np.errstate(all="ignore"):
            probe = d.on_grid(np.linspace(-1.0, 1.0, 65))
        if not np.all(np.isfinite(probe)):
            raise FlavomonInputError(
                f"--modulate {modulation.spec}: D(v) of {family} with {modulation.param} = {float(x):.6g} is not finite "
                f"(NaN or inf) at z = {z:.6g}; use a smaller amplitude")
        if all(o.params[modulation.param] != d.params[modulation.param] for o in out):
            out.append(d)
    return out


def D_of_z(dist_spec: Distribution | str, modulation: Modulation | None, v: Any, z: Any) -> np.ndarray:
    r""":math:`D(v;\mathrm{PARAM}(z))` on a grid: shape ``(len(z), len(v))``  [docs §12].

    Without ``modulation`` the same :math:`D_v` at every z.  With one, ``dist_spec`` must be a family SPEC
    (``benchmark:a=0.8``, ``shallow:a=...``, ``isotropic:D0=...``) that has the parameter ``modulation.param``.

    Raises
    ------
    FlavomonInputError
        One line: not a family SPEC, no such parameter, or a value (parameter or :math:`D_v`) that is NaN or inf,
        naming the first z where it happens.
    """
    v = np.asarray(v, dtype=float).ravel()
    z = np.asarray(z, dtype=float).ravel()
    if modulation is None:
        D = from_spec(dist_spec).on_grid(v)
        if not np.all(np.isfinite(D)):
            raise FlavomonInputError("the distribution D(v) is not finite on the velocity grid (NaN or inf) at every z")
        return np.broadcast_to(D, (z.size, v.size)).copy()
    ctor, params, family = _family(dist_spec, modulation)
    p = modulation.values(params[modulation.param], z)
    out = np.empty((z.size, v.size))
    cache: dict[float, np.ndarray] = {}
    for i, (zi, pi) in enumerate(zip(z, p)):
        pi = float(pi)
        row = cache.get(pi)
        if row is None:
            if not math.isfinite(pi):
                raise FlavomonInputError(
                    f"--modulate {modulation.spec}: {modulation.param}(z) = {pi!r} at z = {zi:.6g} is not finite")
            with np.errstate(all="ignore"):
                row = ctor(**{**params, modulation.param: pi}).on_grid(v)
            if not np.all(np.isfinite(row)):
                raise FlavomonInputError(
                    f"--modulate {modulation.spec}: D(v) of {family} with {modulation.param} = {pi:.6g} is not finite "
                    f"(NaN or inf) at z = {zi:.6g}; use a smaller amplitude")
            cache[pi] = row
        out[i] = row
    return out


# ----------------------------------------------------------------------------------------------
# rules of the box: WKB, cells
# ----------------------------------------------------------------------------------------------
def _wavelengths(matter: Matter | None, modulation: Modulation | None) -> list[tuple[str, float]]:
    """(what, wavelength) of every modulation that is there (zero amplitude or a constant table: none)."""
    out = []
    if matter is not None and not matter.is_uniform:
        out.append(("--matter", float(matter.wavelength)))
    if modulation is not None and modulation.amplitude != 0.0:
        out.append(("--modulate", float(modulation.wavelength)))
    return out


def shortest_wavelength(matter: Matter | None, modulation: Modulation | None) -> tuple[str, float] | None:
    """(what, wavelength) of the shortest modulation that is there (:func:`_wavelengths`), None when there is none:
    the length a grid in z must resolve (the QKE box's Nz, the cell averages of the ray tracer)  [docs §12]."""
    found = [(lb, what) for what, lb in _wavelengths(matter, modulation) if math.isfinite(lb)]
    if not found:
        return None
    lb, what = min(found)
    return what, lb


def check_wkb(matter: Matter | None, modulation: Modulation | None, K_fastest: float, *, stacklevel: int = 2) -> None:
    r"""PhysicsWarning "WKB invalid" when a modulation wavelength is shorter than
    :data:`WKB_MIN_WAVELENGTHS` :math:`\times2\pi/|K|` of the fastest-growing mode (``K_fastest``)  [docs §12].

    The box integrates the QKE exactly whatever the wavelength; the warning says that the local picture (local
    dispersion relation, rays, local QLT) does not describe it.  Nothing is checked when ``K_fastest`` is 0 or not
    finite (no unstable mode: no scale to compare with).  ``stacklevel`` as for :func:`warnings.warn`, counted from
    the caller of this function.
    """
    try:
        K = abs(float(K_fastest))
    except (TypeError, ValueError):
        return
    if not math.isfinite(K) or K == 0.0:
        return
    need = WKB_MIN_WAVELENGTHS * 2.0 * math.pi / K
    for what, lb in _wavelengths(matter, modulation):
        if lb < need:
            warnings.warn(
                f"WKB invalid: the {what} wavelength {lb:.4g} is shorter than {WKB_MIN_WAVELENGTHS} x 2 pi/|K| = "
                f"{need:.4g} of the fastest-growing mode (K = {float(K_fastest):.4g}); the box stays exact, but the "
                f"local (ray-tracing) picture of docs §12 does not apply",
                PhysicsWarning, stacklevel=stacklevel + 1)


def default_cell(L: float, matter: Matter | None, modulation: Modulation | None) -> float:
    r"""The default cell width :math:`\ell` of z-resolved output: :math:`\ell=L/n` with
    :math:`n=\max(1,\mathrm{round}(8L/\lambda_{\min}))`, :math:`\lambda_{\min}` the shortest modulation wavelength
    (:attr:`Matter.wavelength`, the modulation's Lb; L when there is none)  [docs §12].

    So :math:`\ell` divides L, and it is exactly :math:`L_b/8` when :math:`L_b` divides L.
    """
    L = as_number("L", L, positive=True)
    shortest = min([lb for _, lb in _wavelengths(matter, modulation)] + [L])
    n = max(1, int(round(CELLS_PER_WAVELENGTH * L / shortest)))
    return L / n


MAX_CELLS = 100_000
"""Most cells a box may be cut into: every cell carries a local spectrum (QKE) or a row of the phase-space grid
(ray tracing) at every output time; a cell is meant to hold many flavour wavelengths (docs §12)."""


def check_cell(ell: float, L: float) -> None:
    """One-line FlavomonInputError unless ``ell > 0`` divides L (an integer number of cells, within 1e-9) into at
    most :data:`MAX_CELLS` cells."""
    ell = as_number("--cell", ell, positive=True)
    L = as_number("L", L, positive=True)
    if L / ell > MAX_CELLS:
        raise FlavomonInputError(
            f"--cell {ell:g} cuts the box L = {L:g} into {L / ell:.3g} cells (at most {MAX_CELLS}); a cell holds the "
            f"local spectrum of many flavour wavelengths: use --cell of a few wavelengths or more (e.g. L/8 = "
            f"{L / 8:g})")
    if not _divides(ell, L):
        raise FlavomonInputError(
            f"--cell {ell:g} does not divide the box length L = {L:g} into an integer number of cells; use L/n "
            f"({_divisor_hint(ell, L)})")
