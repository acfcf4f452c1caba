r"""Flavomon properties of a root: X_K, Z_K, label, group velocity, seed projection  [physics.md §3].

* :math:`X_K=\int dv\,D_v\,(1-v\Omega/K)^2/(\omega-kv)^2=J_0-2(\Omega/K)J_1+(\Omega/K)^2J_2`
  (Landau-continued), which equals :math:`(1-\Omega\omega/kK)\,\partial_\Omega\varepsilon` at a root;
  :math:`Z_K=1/X_K=K^2/(K^2J_0-2\Omega KJ_1+\Omega^2J_2)` (finite, = 0, at K = 0).
  Flavomon if Re Z > 0, antiflavomon if Re Z < 0 [physics.md §3, F1 Eqs. 7–13].
* group velocity :math:`d\Omega/dK=-\partial_K\mathcal D/\partial_\Omega\mathcal D` with
  :math:`\partial_KI_n=J_{n+1}`, :math:`\partial_\Omega I_n=-J_n`.
* seed projection [F2 eq. 24, physics.md §3]:
  :math:`|I_1/K+\int dv\,g(v)/(\omega-kv)|^2/|\partial_\Omega\varepsilon|^2` with
  :math:`g=\psi_v(0)/\psi_0(0)` (default 1/2, the benchmark seed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .dielectric import Dielectric, _landau_log, gauss_legendre, get_dielectric

__all__ = ["FlavomonProperties", "flavomon_properties", "projection_factor", "landau_integral"]


def _props_arrays(de: Dielectric, Omega: np.ndarray, K: np.ndarray):
    """X, Z, group velocity and |calD| for arrays of roots (vectorised)."""
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


@dataclass(frozen=True)
class FlavomonProperties:
    """Properties of one root [physics.md §3]."""

    Omega: complex
    K: float
    X: complex
    Z: complex
    label: str
    group_velocity: complex
    deps_dOmega: complex
    residual: float


def flavomon_properties(Omega: complex, K: float, dist: Any, *, Nv: int | None = None) -> FlavomonProperties:
    r"""X_K, Z_K = 1/X_K, flavomon/antiflavomon label and group velocity of a root  [physics.md §3].

    ``label`` is ``"flavomon"`` if Re Z > 0, ``"antiflavomon"`` if Re Z < 0 (the energy sign is
    sign(Omega Z), F1).  ``residual`` is |calD| at (Omega, K), to check it is a root.
    """
    de = get_dielectric(dist, Nv=Nv)
    Om = np.array([complex(Omega)])
    Kk = np.array([float(K)])
    X, Z, vg, r = _props_arrays(de, Om, Kk)
    with np.errstate(divide="ignore", invalid="ignore"):
        _, deps = de.epsilon(Om, Kk, True)
    z = complex(Z[0])
    lab = "flavomon" if z.real > 0 else ("antiflavomon" if z.real < 0 else "")
    return FlavomonProperties(complex(Omega), float(K), complex(X[0]), z, lab, complex(vg[0]), complex(deps[0]), float(r[0]))


def landau_integral(g: Callable[[np.ndarray], Any], Omega: Any, K: Any, D0: float, D1: float, n_nodes: int = 96) -> np.ndarray:
    r"""Landau-continued :math:`\int_{-1}^1 dv\,g(v)/(\omega-kv)` for an analytic g  [physics.md §3].

    Same pole-subtraction scheme as :class:`~flavomon.linear.dielectric.Dielectric`; g must
    accept complex v (constants and polynomials do).
    """
    Om, Kk = np.broadcast_arrays(np.asarray(Omega, dtype=complex), np.asarray(K, dtype=float))
    sh = Om.shape
    Om, Kk = Om.ravel(), Kk.ravel()
    out = np.empty(Om.size, dtype=complex)
    for nn in (n_nodes, n_nodes + 1):  # second rule for poles within 2e-4 of a node
        v, w = gauss_legendre(nn)
        gv = np.broadcast_to(np.asarray(g(v), dtype=complex), v.shape)
        om, k = Om + D0, Kk + D1
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = 1.0 / (om[:, None] - k[:, None] * v[None, :])
            val = inv @ (w * gv)
            kz = k == 0
            p = np.where(kz, np.inf, om / np.where(kz, 1.0, k))
            sq = np.sqrt(p - 1.0) * np.sqrt(p + 1.0)
            rho = np.maximum(np.abs(p + sq), np.abs(p - sq))
            near = (~kz) & (rho < np.exp(20.0 / nn))
            strip = (~kz) & (Om.imag < 0) & (np.abs(p.real) < 1.0)
            c = near | strip
            if c.any():
                pc, kc = p[c], k[c]
                gp = np.broadcast_to(np.asarray(g(pc), dtype=complex), pc.shape)
                L = _landau_log(pc, kc, Om.imag[c])
                E = np.where(near[c], L - kc * (inv[c] @ w), -2j * np.pi * np.sign(kc))
                val[c] += gp * E / kc
        if nn == n_nodes:
            out[:] = val
            dmin = np.min(np.abs(p[:, None] - v[None, :]), axis=1)
            redo = near & (dmin < 2e-4)
            if not redo.any():
                break
        else:
            out[redo] = val[redo]
    return out.reshape(sh)


def projection_factor(
    dist: Any,
    Omega: Any,
    K: Any,
    *,
    psi_profile: Callable[[np.ndarray], Any] | None = None,
    Nv: int | None = None,
) -> np.ndarray | float:
    r"""Seed-projection factor of [F2 eq. 24], physics.md §3:

    .. math:: \frac{\big|I_1/K+\int dv\,\frac{\psi_v(0)/\psi_0(0)}{\omega-kv}\big|^2}{|\partial_\Omega\varepsilon|^2}

    so that :math:`|\psi^{QLT}_{0,K}|^2=|\psi^{QKE}_{0,K}(0)|^2\times` this.

    Parameters
    ----------
    Omega, K : root(s) (broadcast)
    psi_profile : callable, optional
        :math:`g(v)=\psi_v(0)/\psi_0(0)`, analytic (evaluated at complex v_p for the Landau
        continuation); default the benchmark seed :math:`g=1/2` [physics.md §4].
    Nv : int, optional
        Use the discrete sums of an Nv-node GL grid (what QLT and QKE on that grid use).
    """
    if psi_profile is None:
        psi_profile = lambda v: np.full(np.shape(v), 0.5, dtype=complex)  # noqa: E731
    de = get_dielectric(dist, Nv=Nv)
    Om, Kk = np.broadcast_arrays(np.asarray(Omega, dtype=complex), np.asarray(K, dtype=float))
    I = de.integrals(Om, Kk, False)
    with np.errstate(divide="ignore", invalid="ignore"):
        _, deps = de.epsilon(Om, Kk, True)
        if Nv is None:
            G = landau_integral(psi_profile, Om, Kk, de.D0, de.D1)
        else:
            v, w = gauss_legendre(int(Nv))
            gv = np.broadcast_to(np.asarray(psi_profile(v), dtype=complex), v.shape)
            G = (1.0 / ((Om + de.D0)[..., None] - (Kk + de.D1)[..., None] * v)) @ (w * gv)
        out = np.abs(I[..., 1] / Kk + G) ** 2 / np.abs(deps) ** 2
    return float(out) if out.ndim == 0 else out
