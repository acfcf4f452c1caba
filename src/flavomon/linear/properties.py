r"""Flavomon properties of a root: X_K, Z_K, Z_R, label, group velocity, seed projection  [docs §3].

* :math:`X_K=\int dv\,D_v\,(1-v\Omega/K)^2/(\omega-kv)^2=J_0-2(\Omega/K)J_1+(\Omega/K)^2J_2`
  (Landau-continued), which equals :math:`(1-\Omega\omega/kK)\,\partial_\Omega\varepsilon` at a root;
  :math:`Z_K=1/X_K=K^2/(K^2J_0-2\Omega KJ_1+\Omega^2J_2)` (finite, = 0, at K = 0), at the complex root.
* :math:`Z_R=1/X_R`, the same quantity at the **real part** :math:`\Omega_R` of the root [docs §10.14]:
  :math:`X_R=(1-\Omega_R\omega_R/kK)\,[\partial_\Omega\mathrm{Re}\,\varepsilon]_{\Omega_R}` (the e-vector
  normalisation of :math:`X_K`), i.e. :math:`Z_R=K^2/\big((kK-\Omega_R\omega_R)\,
  \mathrm{Re}\,\partial_\Omega\mathcal D(\Omega_R)\big)` with :math:`\varepsilon=(k/K)\mathcal D`.
  Flavomon if :math:`Z_R>0`, antiflavomon if :math:`Z_R<0` [F1 Eqs. 7–13, docs §3, §10.14]; near the
  light cone the sign of Re Z at the complex root can differ.
* group velocity :math:`d\Omega/dK=-\partial_K\mathcal D/\partial_\Omega\mathcal D` with
  :math:`\partial_KI_n=J_{n+1}`, :math:`\partial_\Omega I_n=-J_n`.
* seed projection [F2 eq. 24, docs §3]:
  :math:`|I_1/K+\int dv\,g(v)/(\omega-kv)|^2/|\partial_\Omega\varepsilon|^2` with
  :math:`g=\psi_v(0)/\psi_0(0)` (default 1/2, the benchmark seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .._validate import as_nv
from ..distributions import from_spec
from ..grids import gauss_legendre
from .dielectric import Dielectric, get_dielectric, landau_integral
from .discrete import GridState, projection_factor

__all__ = [
    "FlavomonProperties",
    "flavomon_properties",
    "seed_projection",
    "root_properties",
    "Z_real_frequency",
    "flavomon_label",
]


def root_properties(de: Dielectric, Omega: np.ndarray, K: np.ndarray):
    r"""``(X, Z, group velocity, |calD|)`` at arrays of roots (vectorised)  [docs §3].

    Parameters
    ----------
    de : Dielectric
    Omega : ndarray, complex
        Roots.
    K : ndarray
        Their wavenumbers (same shape).

    Returns
    -------
    X, Z, vg : ndarray, complex
        :math:`X_K`, :math:`Z_K=1/X_K` and :math:`d\Omega/dK` at the complex root.
    residual : ndarray
        :math:`|\mathcal D|` (to check that they are roots).
    """
    I, J = de.integrals(Omega, K, True)
    I0, I1, I2 = I[..., 0], I[..., 1], I[..., 2]
    J0, J1, J2, J3 = J[..., 0], J[..., 1], J[..., 2], J[..., 3]
    calD = (1.0 - I0) * (1.0 + I2) + I1 * I1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        den = K**2 * J0 - 2.0 * Omega * K * J1 + Omega**2 * J2
        Z = K**2 / den
        X = den / K**2
        dD_dOm = J0 * (1.0 + I2) - (1.0 - I0) * J2 - 2.0 * I1 * J1
        dD_dK = -J1 * (1.0 + I2) + (1.0 - I0) * J3 + 2.0 * I1 * J2
        vg = -dD_dK / dD_dOm
    return X, Z, vg, np.abs(calD)


def Z_real_frequency(de: Dielectric, Omega: np.ndarray, K: np.ndarray) -> np.ndarray:
    r""":math:`Z_R=1/X_R` at the real part :math:`\Omega_R` of each root  [docs §10.14, F1 Eqs. 7–13].

    .. math::

        X_R=\Big(1-\frac{\Omega_R\,\omega_R}{kK}\Big)\big[\partial_\Omega\mathrm{Re}\,\varepsilon\big]_{\Omega_R}
           =\frac{kK-\Omega_R\,\omega_R}{K^2}\,\mathrm{Re}\,\partial_\Omega\mathcal D(\Omega_R,K),

    with ε and :math:`\mathcal D=(K/k)\,\varepsilon` on the real axis (principal value and
    :math:`-i\pi\,\mathrm{sgn}\,k\,\delta`, the limit from Im Omega > 0), so that
    :math:`\mathrm{Re}\,\partial_\Omega\varepsilon` is the derivative of Re ε along the real axis.
    The prefactor is the e-vector normalisation of :math:`X_K` [docs §3], so at a real root
    :math:`Z_R=\mathrm{Re}\,Z_K`.  The second form is finite at K = 0 (where :math:`Z_R=0`, like
    :math:`Z_K`) and at k = 0.

    Parameters
    ----------
    de : Dielectric
    Omega : ndarray, complex
        Roots (only their real parts are used).
    K : ndarray
        Their wavenumbers (same shape).

    Returns
    -------
    ndarray, float
        :math:`Z_R` (NaN where Omega is NaN).
    """
    Om_R = np.real(np.asarray(Omega, dtype=complex)) + 0j
    K = np.asarray(K, dtype=float)
    _, dD = de.det_D(Om_R, K, True)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        den = ((K + de.D1) * K - Om_R.real * (Om_R.real + de.D0)) * np.real(dD)
        return K**2 / den


def flavomon_label(Z_R: Any) -> np.ndarray:
    """``"flavomon"`` where :math:`Z_R>0`, ``"antiflavomon"`` where :math:`Z_R<0`, ``""`` otherwise  [docs §10.14]."""
    Z_R = np.asarray(Z_R, dtype=float)
    out = np.full(Z_R.shape, "", dtype="<U12")
    ok = np.isfinite(Z_R)
    out[ok & (Z_R > 0)] = "flavomon"
    out[ok & (Z_R < 0)] = "antiflavomon"
    return out


@dataclass(frozen=True)
class FlavomonProperties:
    """Properties of one root [docs §3].

    Attributes
    ----------
    Omega : complex
        The root.
    K : float
        Its wavenumber.
    X, Z : complex
        :math:`X_K` and :math:`Z_K=1/X_K` at the complex root.
    Z_R : float
        :math:`Z_R` at the real part of the root [docs §10.14]; its sign is the label.
    label : str
        ``"flavomon"`` (Z_R > 0), ``"antiflavomon"`` (Z_R < 0) or ``""``.
    group_velocity : complex
        :math:`d\\Omega/dK`.
    deps_dOmega : complex
        :math:`\\partial_\\Omega\\varepsilon` at the root.
    residual : float
        :math:`|\\mathcal D|` at the root.
    """

    Omega: complex
    K: float
    X: complex
    Z: complex
    label: str
    group_velocity: complex
    deps_dOmega: complex
    residual: float
    Z_R: float = float("nan")


def flavomon_properties(Omega: complex, K: float, dist: Any, *, Nv: int | None = None) -> FlavomonProperties:
    r"""X_K, Z_K = 1/X_K, Z_R, flavomon/antiflavomon label and group velocity of a root  [docs §3, §10.14].

    Parameters
    ----------
    Omega : complex
        The root.
    K : float
        Its wavenumber.
    dist : Distribution or SPEC
    Nv : int, optional
        Use the discrete sums of an Nv-node Gauss–Legendre grid.

    Returns
    -------
    FlavomonProperties
        ``label`` is ``"flavomon"`` if :math:`Z_R>0`, ``"antiflavomon"`` if :math:`Z_R<0` (F1: Z at the
        real frequency; the energy sign is sign(Omega Z)).  ``residual`` is :math:`|\mathcal D|` at
        (Omega, K), to check that it is a root.
    """
    de = get_dielectric(dist, Nv=Nv)
    Om = np.array([complex(Omega)])
    Kk = np.array([float(K)])
    X, Z, vg, r = root_properties(de, Om, Kk)
    zr = float(Z_real_frequency(de, Om, Kk)[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        _, deps = de.epsilon(Om, Kk, True)
    lab = str(flavomon_label(zr))
    return FlavomonProperties(complex(Omega), float(K), complex(X[0]), complex(Z[0]), lab, complex(vg[0]),
                              complex(deps[0]), float(r[0]), zr)


def seed_projection(
    dist: Any,
    Omega: Any,
    K: Any,
    *,
    psi_profile: Callable[[np.ndarray], Any] | None = None,
    Nv: int | None = None,
) -> np.ndarray | float:
    r"""Seed-projection factor of the continuum dispersion relation  [F2 eq. 24, docs §3].

    .. math:: \frac{\big|I_1/K+\int dv\,\frac{\psi_v(0)/\psi_0(0)}{\omega-kv}\big|^2}{|\partial_\Omega\varepsilon|^2}

    so that :math:`|\psi^{QLT}_{0,K}|^2=|\psi^{QKE}_{0,K}(0)|^2\times` this.

    Parameters
    ----------
    dist : Distribution or SPEC
    Omega, K : array-like
        Root(s) and wavenumber(s) (broadcast).
    psi_profile : callable, optional
        :math:`g(v)=\psi_v(0)/\psi_0(0)`, analytic (evaluated at complex v_p for the Landau
        continuation); default the benchmark seed :math:`g=1/2` [docs §4].
    Nv : int, optional
        Use the discrete sums of an Nv-node GL grid (what QLT and QKE on that grid use):
        :func:`flavomon.linear.discrete.projection_factor` with :math:`w_jg(v_j)`.

    Returns
    -------
    float or ndarray
    """
    if psi_profile is None:
        psi_profile = lambda v: np.full(np.shape(v), 0.5, dtype=complex)  # noqa: E731
    dist = from_spec(dist)
    Om, Kk = np.broadcast_arrays(np.asarray(Omega, dtype=complex), np.asarray(K, dtype=float))
    if Nv is not None:
        # the grid route is the discrete system's own projection (one implementation of the grid sums)
        v, w = gauss_legendre(as_nv(Nv))
        gs = GridState.build(dist.on_grid(v), v, w)
        gv = np.broadcast_to(np.asarray(psi_profile(v), dtype=complex), v.shape)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = projection_factor(gs, Om.ravel(), Kk.ravel(), w * gv).reshape(Om.shape)
        return float(out) if out.ndim == 0 else out
    de = get_dielectric(dist)
    I = de.integrals(Om, Kk, False)
    with np.errstate(divide="ignore", invalid="ignore"):
        _, deps = de.epsilon(Om, Kk, True)
        G = landau_integral(psi_profile, Om, Kk, de.D0, de.D1)
        out = np.abs(I[..., 1] / Kk + G) ** 2 / np.abs(deps) ** 2
    return float(out) if out.ndim == 0 else out

