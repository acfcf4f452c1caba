r"""The dispersion function of fast flavor waves with the Landau prescription  [F2 eq. 22, docs §3].

For a homogeneous background :math:`D_v` and modes :math:`e^{-i\Omega t + iKz}` (shifted
:math:`\omega=\Omega+D_0`, :math:`k=K+D_1`)

.. math::

    I_n(\Omega,K) = \int_{-1}^{1} dv\,\frac{D_v v^n}{\omega-kv},\qquad
    \varepsilon = 1 - I_0 + I_1\,\Omega/K \quad [\text{F2 eq. 22}],\qquad
    \mathcal D = (1-I_0)(1+I_2)+I_1^2 = \frac{K}{k}\,\varepsilon \quad[\text{docs §3}].

:math:`\mathcal D` has no 1/K pole and does not vanish identically at k = 0, so it is the
function to root-find.

**Numerics.**
The integrals are defined by the v-integral for Im Omega > 0 and continued analytically to
Im Omega <= 0 (Landau).  With :math:`f_n(v)=D(v)v^n` and :math:`v_p=\omega/k`:

* **direct sums** :math:`S_n=\sum_j w_j f_n(v_j)/(\omega-kv_j)` on ``n_nodes`` Gauss–Legendre
  nodes are used as they are where the pole lies outside the Bernstein ellipse of parameter
  ``rho_min`` (quadrature error :math:`\lesssim\rho^{-2N}\approx 10^{-17}`); this includes k = 0;
* otherwise the **pole is subtracted** [docs §3]:

  .. math::

      I_n = S_n + \frac{f_n(v_p)}{k}\Big[L(v_p) - \sum_j\frac{w_j}{v_p-v_j}\Big],\qquad
      L = \mathrm{Log}(v_p+1)-\mathrm{Log}(v_p-1)\ (-2\pi i\,\mathrm{sgn}\,k
      \text{ if Im}\,\Omega<0,\ |\mathrm{Re}\,v_p|<1),

  i.e. the quadrature error of the pole term is replaced by its exact value (this is the
  regular-part-plus-pole-part formula of docs §3 written with the same nodes); on the real
  axis L is the limit from Im Omega > 0 (principal value and :math:`-i\pi\,\mathrm{sgn}\,k`);
* far from the interval but below the real axis in the strip the Landau residue
  :math:`-2\pi i\,\mathrm{sgn}(k) f_n(v_p)/k` is added to the direct sum;
* Omega-derivatives :math:`\partial_\Omega I_n = -J_n`, :math:`J_n=\int dv\,f_n/(\omega-kv)^2`,
  use a second-order subtraction (needs :math:`D'(v_p)`, analytic for the built-in families
  and for Legendre tables, a Cauchy-integral derivative otherwise);
* points whose v_p is within ``2e-4`` of a node (cancellation) are recomputed on an
  (N+1)-node rule, whose nodes interlace the first.

D is evaluated at complex v_p (``Distribution`` accepts complex v).  Accuracy against
``scipy.integrate.quad``: ~1e-13 (tests/linear/test_dielectric.py).
"""

from __future__ import annotations

import math
import weakref
from typing import Any, Callable

import numpy as np
from numpy.polynomial import legendre as _leg

from .._validate import as_nv
from ..distributions import Distribution, from_spec
from ..grids import gauss_legendre, moments_on_grid

__all__ = [
    "DEFAULT_NODES",
    "LandauQuadrature",
    "Dielectric",
    "get_dielectric",
    "landau_integral",
    "landau_log",
    "phase_velocity",
    "I_n",
    "dispersion_function",
    "det_D",
]

DEFAULT_NODES = 64
"""GL nodes of the continuum quadrature (pole-subtracted: agrees with 400 nodes to 3e-12 for the
benchmark; exact for Legendre-table distributions up to degree ~120)."""

_RESCUE_DIST = 2e-4


# ----------------------------------------------------------------------------------------
# D'(v) at complex v
# ----------------------------------------------------------------------------------------
def _cauchy_derivative(func: Callable[[np.ndarray], np.ndarray], r: float = 0.05, m: int = 24):
    """f'(z) by the trapezoidal Cauchy integral on a circle of radius r (exponentially accurate)."""
    theta = 2 * np.pi * np.arange(m) / m
    e = np.exp(1j * theta)

    def dfunc(z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=complex)
        vals = np.asarray(func(z[..., None] + r * e), dtype=complex)
        return np.mean(vals * np.conj(e), axis=-1) / r

    return dfunc


def _derivative_of(dist: Distribution) -> Callable[[np.ndarray], np.ndarray]:
    """A callable for D'(v) at complex v: analytic where the family is known, checked once."""
    spec = str(getattr(dist, "spec", ""))
    cand: Callable[[np.ndarray], np.ndarray] | None = None
    scaled_from = getattr(dist, "scaled_from", None)
    if scaled_from is not None:  # c D(v) (Distribution.scaled): c D'(v), analytic where D' is
        base_d, f = _derivative_of(scaled_from[0]), float(scaled_from[1])
        cand = lambda v: base_d(v) * f  # noqa: E731
    elif spec.startswith("benchmark:"):
        cand = lambda v: 4.0 * (1.0 - v) * np.exp(-2.0 * (1.0 - v) ** 2)  # noqa: E731
    elif spec.startswith("shallow:"):
        cand = lambda v: -4.0 * (1.0 - v) * np.exp(-2.0 * (1.0 - v) ** 2)  # noqa: E731
    elif spec.startswith("isotropic:"):
        cand = lambda v: np.zeros(np.shape(v), dtype=complex)  # noqa: E731
    elif getattr(dist, "coefficients", None) is not None:
        dc = _leg.legder(np.asarray(dist.coefficients))  # type: ignore[attr-defined]
        cand = lambda v: _leg.legval(v, dc)  # noqa: E731
    fallback = _cauchy_derivative(lambda z: dist(z))
    if cand is not None:
        z = np.array([0.31 + 0.17j, -0.62 - 0.05j])
        a, b = np.asarray(cand(z), dtype=complex), fallback(z)
        if np.all(np.abs(a - b) <= 1e-7 * (1.0 + np.abs(b))):
            return cand
    return fallback


# ----------------------------------------------------------------------------------------
# the kernel
# ----------------------------------------------------------------------------------------
class LandauQuadrature:
    r"""Landau-continued :math:`\int_{-1}^1 dv\,f_c(v)/(\omega-kv)` for a few analytic integrands :math:`f_c`  [docs §3].

    The one implementation of the pole-subtracted quadrature and its Landau continuation (see the
    module notes); :class:`Dielectric` (:math:`f_n=D_vv^n`) and :func:`landau_integral` (any
    analytic g) are built on it.  A subclass provides the integrand through
    :meth:`node_weights` (:math:`w_jf_c(v_j)` on the nodes) and :meth:`pole_values`
    (:math:`f_c(v_p)` and, for the Omega-derivative, :math:`f_c'(v_p)` at complex v_p).

    Parameters
    ----------
    D0, D1 : float
        The shifts :math:`\omega=\Omega+D_0`, :math:`k=K+D_1`.
    n_nodes : int
        Gauss–Legendre nodes of the continuum quadrature (a second rule of ``n_nodes + 1``
        nodes, interlacing the first, rescues poles within ``2e-4`` of a node).
    grid : (v, w), optional
        Evaluate plain sums on this grid instead: no pole subtraction, no Landau continuation.
    """

    def __init__(self, D0: float, D1: float, n_nodes: int = DEFAULT_NODES, grid: tuple[np.ndarray, np.ndarray] | None = None):
        self.D0, self.D1 = D0, D1
        self.discrete = grid is not None
        if grid is None:
            v, w = gauss_legendre(int(n_nodes))
        else:
            v, w = (np.asarray(a, dtype=float) for a in grid)
        self._rules = [self._rule(v, w)]
        if grid is None:
            self._rules.append(self._rule(*gauss_legendre(int(n_nodes) + 1)))
            self.rho_min = math.exp(20.0 / int(n_nodes))

    def node_weights(self, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``(N, ncols)`` array :math:`w_jf_c(v_j)`."""
        raise NotImplementedError

    def pole_values(self, p: np.ndarray, derivative: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """``(f_c(p), f_c'(p) or None)``, each ``(m, ncols)``, at complex poles ``p``."""
        raise NotImplementedError

    def _rule(self, v: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
        return {"v": v, "w": w, "W": self.node_weights(v, w)}

    # -- core ------------------------------------------------------------------------------
    def integrals(self, Omega: Any, K: Any, derivative: bool = False):
        r"""``I`` (shape + (ncols,)) and, if ``derivative``, ``J`` with :math:`\partial_\Omega I_c=-J_c`.

        :math:`J_c=\int dv\,f_c/(\omega-kv)^2`; for :class:`Dielectric`, :math:`\partial_K I_n = J_{n+1}`.
        """
        Omega, K = np.broadcast_arrays(np.asarray(Omega, dtype=complex), np.asarray(K, dtype=float))
        shape = Omega.shape
        Om = Omega.ravel()
        Kf = K.ravel()
        nc = self._rules[0]["W"].shape[1]
        I = np.empty((Om.size, nc), dtype=complex)
        J = np.empty((Om.size, nc), dtype=complex) if derivative else None
        if Om.size:
            self._eval(Om, Kf, I, J, 0)
        I = I.reshape(shape + (nc,))
        if derivative:
            return I, J.reshape(shape + (nc,))  # type: ignore[union-attr]
        return I

    def _eval(self, Om: np.ndarray, K: np.ndarray, I: np.ndarray, J: np.ndarray | None, ir: int, idx=None) -> None:
        rule = self._rules[ir]
        v, w, W = rule["v"], rule["w"], rule["W"]
        om = Om + self.D0
        k = K + self.D1
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            inv = 1.0 / (om[:, None] - k[:, None] * v[None, :])  # (M, N)
            Iv = inv @ W
            Jv = (inv * inv) @ W if J is not None else None
            if self.discrete:
                sl = slice(None) if idx is None else idx
                I[sl] = Iv
                if J is not None:
                    J[sl] = Jv
                return
            kz = k == 0.0
            p = np.where(kz, np.inf, om / np.where(kz, 1.0, k))
            # Bernstein-ellipse parameter of the pole: rho = |p + sqrt(p-1) sqrt(p+1)|
            sq = np.sqrt(p - 1.0) * np.sqrt(p + 1.0)
            rho = np.maximum(np.abs(p + sq), np.abs(p - sq))
            near = (~kz) & (rho < self.rho_min)
            strip = (~kz) & (Om.imag < 0) & (np.abs(p.real) < 1.0)
            corr = near | strip
            rescue = np.zeros(Om.size, dtype=bool)
            if corr.any():
                c = np.nonzero(corr)[0]
                pc, kc, nc = p[c], k[c], near[c]
                fp, dfp = self.pole_values(pc, J is not None)
                L = landau_log(pc, kc)
                sum1 = kc * (inv[c] @ w)  # sum_j w_j / (p - v_j)
                E = np.where(nc, L - sum1, -2j * np.pi * np.sign(kc))
                Iv[c] += fp * (E / kc)[:, None]
                if J is not None:
                    sum2 = kc**2 * ((inv[c] ** 2) @ w)
                    E2 = np.where(nc, 2.0 / (pc**2 - 1.0) - sum2, 0.0)
                    Jv[c] += (fp * E2[:, None] - dfp * E[:, None]) / (kc**2)[:, None]  # type: ignore[index]
                if ir + 1 < len(self._rules):
                    dmin = np.min(np.abs(pc[:, None] - v[None, :]), axis=1)
                    rescue[c] = nc & (dmin < _RESCUE_DIST)
        sl = slice(None) if idx is None else idx
        I[sl] = Iv
        if J is not None:
            J[sl] = Jv
        if rescue.any():
            r = np.nonzero(rescue)[0]
            gidx = r if idx is None else np.asarray(idx)[r]
            self._eval(Om[r], K[r], I, J, ir + 1, gidx)


class Dielectric(LandauQuadrature):
    r"""Evaluator of :math:`I_n`, :math:`J_n=-\partial_\Omega I_n` (n = 0..3), ε and :math:`\mathcal D` for one D(v).

    Parameters
    ----------
    dist : Distribution
    n_nodes : int
        Gauss–Legendre nodes of the continuum quadrature.
    grid : (v, w), optional
        If given, the **discrete** dispersion function of that velocity grid is evaluated
        instead: plain grid sums, no pole subtraction, no Landau continuation, and
        :math:`D_0, D_1` are the grid moments (this is exactly what eig(M) solves,
        docs §3).
    """

    def __init__(self, dist: Distribution, n_nodes: int = DEFAULT_NODES, grid: tuple[np.ndarray, np.ndarray] | None = None):
        self.dist = dist
        if grid is None:
            D0, D1, D2 = (float(x) for x in dist.moments(2))
            self.dD = _derivative_of(dist)
        else:
            v, w = (np.asarray(a, dtype=float) for a in grid)
            D0, D1, D2 = (float(x) for x in moments_on_grid(dist.on_grid(v), v, w, 2))
        self.D2 = D2
        super().__init__(D0, D1, n_nodes=n_nodes, grid=grid)

    def node_weights(self, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """:math:`w_jD(v_j)v_j^n`, n = 0..3."""
        Dv = self.dist.on_grid(v)
        return np.stack([w * Dv * v**n for n in range(4)], axis=1)  # (N, 4): n = 0..3

    def pole_values(self, p: np.ndarray, derivative: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """:math:`D(p)p^n` and :math:`(D(p)p^n)'`, n = 0..3."""
        pn = p[:, None] ** np.arange(4)[None, :]  # (m, 4)
        Dp = np.asarray(self.dist(p), dtype=complex)
        fp = Dp[:, None] * pn
        if not derivative:
            return fp, None
        dDp = np.asarray(self.dD(p), dtype=complex)
        n_ = np.arange(4)[None, :]
        pnm1 = np.where(n_ > 0, p[:, None] ** np.maximum(n_ - 1, 0), 0.0)
        return fp, dDp[:, None] * pn + n_ * Dp[:, None] * pnm1

    # -- derived functions -------------------------------------------------------------------
    def det_D(self, Omega: Any, K: Any, derivative: bool = False):
        r""":math:`\mathcal D=(1-I_0)(1+I_2)+I_1^2` [docs §3] and optionally :math:`\partial_\Omega\mathcal D`."""
        if derivative:
            I, J = self.integrals(Omega, K, True)
        else:
            I = self.integrals(Omega, K, False)
        I0, I1, I2 = I[..., 0], I[..., 1], I[..., 2]
        with np.errstate(over="ignore", invalid="ignore"):
            d = (1.0 - I0) * (1.0 + I2) + I1 * I1
            if not derivative:
                return d
            dI0, dI1, dI2 = -J[..., 0], -J[..., 1], -J[..., 2]
            dd = -dI0 * (1.0 + I2) + (1.0 - I0) * dI2 + 2.0 * I1 * dI1
        return d, dd

    def epsilon(self, Omega: Any, K: Any, derivative: bool = False):
        r""":math:`\varepsilon=1-I_0+I_1\Omega/K` [F2 eq. 22] and optionally :math:`\partial_\Omega\varepsilon`."""
        Omega_a, K_a = np.broadcast_arrays(np.asarray(Omega, dtype=complex), np.asarray(K, dtype=float))
        if derivative:
            I, J = self.integrals(Omega_a, K_a, True)
        else:
            I = self.integrals(Omega_a, K_a, False)
        with np.errstate(divide="ignore", invalid="ignore"):
            eps = 1.0 - I[..., 0] + I[..., 1] * Omega_a / K_a
            if not derivative:
                return eps
            deps = J[..., 0] - J[..., 1] * Omega_a / K_a + I[..., 1] / K_a
        return eps, deps


class _FunctionQuadrature(LandauQuadrature):
    """:class:`LandauQuadrature` of one analytic function g (a single column, no derivative)."""

    def __init__(self, g: Callable[[np.ndarray], Any], D0: float, D1: float, n_nodes: int):
        self.g = g
        super().__init__(D0, D1, n_nodes=n_nodes)

    def _g(self, v: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.g(v), dtype=complex), v.shape)

    def node_weights(self, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        return (w * self._g(v))[:, None]

    def pole_values(self, p: np.ndarray, derivative: bool) -> tuple[np.ndarray, np.ndarray | None]:
        if derivative:
            raise NotImplementedError("landau_integral has no Omega-derivative")
        return self._g(p)[:, None], None


def landau_integral(g: Callable[[np.ndarray], Any], Omega: Any, K: Any, D0: float, D1: float,
                    n_nodes: int = 96) -> np.ndarray:
    r"""Landau-continued :math:`\int_{-1}^1 dv\,g(v)/(\omega-kv)` for an analytic g  [docs §3].

    Parameters
    ----------
    g : callable
        :math:`g(v)`, vectorised and valid at complex v (constants and polynomials are).
    Omega, K : array-like
        Frequencies (complex) and wavenumbers (real), broadcast together.
    D0, D1 : float
        Moments of the background: :math:`\omega=\Omega+D_0`, :math:`k=K+D_1`.
    n_nodes : int
        Gauss–Legendre nodes (pole-subtracted, as in :class:`Dielectric`).

    Returns
    -------
    ndarray
        The integral, shape of the broadcast ``(Omega, K)``.
    """
    return _FunctionQuadrature(g, float(D0), float(D1), int(n_nodes)).integrals(Omega, K, False)[..., 0]


def phase_velocity(Omega: Any, K: Any, D0: float, D1: float) -> Any:
    r"""The phase velocity :math:`v_p=\omega/k=(\Omega+D_0)/(K+D_1)` of a mode in the frame where the
    background's refraction is removed  [docs §1, §3]: :math:`|v_p|<1` is the range of the neutrino velocities
    (a real root there is resonant), :math:`|v_p|>1` a superluminal one.  Broadcasts; K = -D1 gives inf/nan."""
    return (Omega + D0) / (K + D1)


def landau_log(p: np.ndarray, k: np.ndarray) -> np.ndarray:
    r"""Landau-continued :math:`L=\int_{-1}^1 dv/(v_p-v)` at the (complex) phase velocity ``p``  [docs §3].

    With :math:`\zeta=v_p` (k > 0) or :math:`\bar v_p` (k < 0), Im ζ has the sign of Im Omega;
    L(ζ) is the principal-branch value for Im ζ > 0, its limit from above on the real axis, and
    its continuation (:math:`-2\pi i` inside the strip :math:`|\mathrm{Re}\,\zeta|<1`) below; then conjugate back.
    """
    neg = k < 0
    zeta = np.where(neg, np.conj(p), p)
    zi = zeta.imag
    zeta = zeta.real + 1j * np.where(zi == 0.0, 0.0, zi)  # +0 imaginary part on the axis
    G = np.log(zeta + 1.0) - np.log(zeta - 1.0)
    G = np.where((zi < 0) & (np.abs(zeta.real) < 1.0), G - 2j * np.pi, G)
    return np.where(neg, np.conj(G), G)


_CACHE: "weakref.WeakKeyDictionary[Distribution, dict]" = weakref.WeakKeyDictionary()


def get_dielectric(dist: Any, n_nodes: int = DEFAULT_NODES, Nv: int | None = None) -> Dielectric:
    """Cached :class:`Dielectric` for ``dist`` (continuum, or the discrete ``Nv``-node GL grid)."""
    dist = from_spec(dist)
    if Nv is not None:
        Nv = as_nv(Nv)
    key = ("grid", Nv) if Nv is not None else ("cont", int(n_nodes))
    try:
        store = _CACHE.setdefault(dist, {})
    except TypeError:  # not weak-referenceable
        store = {}
    if key not in store:
        grid = gauss_legendre(Nv) if Nv is not None else None
        store[key] = Dielectric(dist, n_nodes=n_nodes, grid=grid)
    return store[key]


# ----------------------------------------------------------------------------------------
# public functional API
# ----------------------------------------------------------------------------------------
def I_n(Omega: Any, K: Any, dist: Any, n: int, *, derivative: bool = False, Nv: int | None = None):
    r"""Landau-continued :math:`I_n=\int dv\,D_vv^n/(\omega-kv)` for n = 0..3  [F2 eq. 22, docs §3].

    Parameters
    ----------
    Omega : complex or array
        Mode frequency (units of mu); Im Omega <= 0 gives the analytic continuation.
    K : float or array
        Wavenumber (broadcast with Omega).
    dist : Distribution or SPEC
    n : {0, 1, 2, 3}
    derivative : bool
        Also return :math:`\partial_\Omega I_n`.
    Nv : int, optional
        Use the discrete grid sums of an Nv-node GL grid instead of the continuum.
    """
    if n not in (0, 1, 2, 3):
        raise ValueError(f"n must be 0, 1, 2 or 3, got {n!r}")
    de = get_dielectric(dist, Nv=Nv)
    if derivative:
        I, J = de.integrals(Omega, K, True)
        return _out(I[..., n]), _out(-J[..., n])
    return _out(de.integrals(Omega, K, False)[..., n])


def dispersion_function(Omega: Any, K: Any, dist: Any, *, derivative: bool = False, Nv: int | None = None):
    r"""The dispersion function :math:`\varepsilon(\Omega,K)=1-I_0+I_1\Omega/K`  [F2 eq. 22].

    Landau-continued for Im Omega <= 0 [docs §3]; has a 1/K pole at K = 0 and vanishes
    identically at k = K + D_1 = 0 — root-find on :func:`det_D` instead.  Returns ``eps`` or
    ``(eps, d eps / d Omega)``.
    """
    de = get_dielectric(dist, Nv=Nv)
    r = de.epsilon(Omega, K, derivative)
    return tuple(_out(x) for x in r) if derivative else _out(r)


def det_D(Omega: Any, K: Any, dist: Any, *, derivative: bool = False, Nv: int | None = None):
    r"""The determinant form :math:`\mathcal D=(1-I_0)(1+I_2)+I_1^2=(K/k)\,\varepsilon`  [docs §3].

    Same conventions as :func:`dispersion_function`; finite at K = 0 and k = 0, the function to
    root-find.  Returns ``calD`` or ``(calD, d calD / d Omega)``.
    """
    de = get_dielectric(dist, Nv=Nv)
    r = de.det_D(Omega, K, derivative)
    return tuple(_out(x) for x in r) if derivative else _out(r)


def _out(x: np.ndarray):
    x = np.asarray(x)
    return complex(x) if x.ndim == 0 else x
