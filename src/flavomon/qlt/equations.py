r"""Right-hand sides of full QLT: the Lorentzian coupling kernel and the diffusion rate  [F2 eqs. 10–13; docs §5].

The discrete dispersion relation of the velocity grid (grid state, :math:`J_n`,
:math:`\mathcal D_N` and its Newton step, :math:`\varepsilon_N`, the seed projection) lives in
:mod:`flavomon.linear.discrete`; this module holds only what QLT adds to it.

For an unstable root :math:`\Omega=\Omega_R+i\gamma` the diffusion rate of ``D_v`` is
:math:`\Gamma_v=\sum_r \mathcal P_r\,\gamma_r\,\mathcal L_r(v)\,dk` with the Lorentzian kernel

.. math:: \mathcal L_r(v)=\frac{|1-\Omega_r v/K_r|^2}{(\omega_R-kv)^2+\gamma^2}
          =\Big|\frac{1-\Omega_r v/K_r}{\omega_r-k v}\Big|^2 .

At an exact root, :math:`\sum_j w_jD_j\mathcal L_r(v_j)=0` [F2 eq. 13] — proof: with
:math:`a_j=(1-\Omega v_j/K)/(\omega-kv_j)` the eigenmode [F2 eq. 8] gives
:math:`\sum w D a=1`, :math:`\sum wDva=\Omega/K`, and
:math:`(\omega-\omega^*)\sum wD|a|^2=1-|\Omega|^2/K^2-1+|\Omega|^2/K^2=0`.  This identity on
the *discrete* grid is what makes the integrator of :mod:`flavomon.qlt.integrator` conserve
:math:`D_0` to round-off.
"""

from __future__ import annotations

import numpy as np

from ..linear.discrete import GridState, resolvent

__all__ = ["coupling_kernel", "diffusion_rate"]


def coupling_kernel(gs: GridState, Omega: np.ndarray, K: np.ndarray, G: np.ndarray | None = None) -> np.ndarray:
    r"""Lorentzian kernel :math:`\mathcal L_r(v_j)=|1-\Omega_rv_j/K_r|^2/|\omega_r-k_rv_j|^2`  [F2 eq. 11].

    Parameters
    ----------
    gs : GridState
        The distribution whose roots ``Omega`` are.
    Omega, K : ndarray (n,)
        Roots and their wavenumbers.
    G : ndarray (n, Nv), optional
        The resolvent, if already computed.

    Returns
    -------
    ndarray (n, Nv)
        :math:`\Gamma_v=\sum_r dk\,\mathcal P_r\gamma_r\mathcal L_r(v)`.
    """
    if G is None:
        G = resolvent(gs, Omega, K)
    a = (1.0 - (Omega / K)[:, None] * gs.v[None, :]) * G
    return a.real**2 + a.imag**2


def diffusion_rate(gs: GridState, Omega: np.ndarray, K: np.ndarray, P: np.ndarray, dk: float) -> np.ndarray:
    r"""Diffusion rate :math:`\Gamma_v=\sum_r dk\,\mathcal P_r\gamma_r\mathcal L_r(v)`  [F2 eq. 11].

    Parameters
    ----------
    gs : GridState
        The current distribution.
    Omega, K, P : ndarray (n,)
        Unstable roots, their wavenumbers and spectral densities :math:`\mathcal P_r`.
    dk : float
        Spacing of the K grid.

    Returns
    -------
    ndarray (Nv,)
        :math:`\Gamma_v`, so that :math:`\partial_tD_v=-\Gamma_vD_v` [F2 eq. 10].
    """
    return dk * ((P * Omega.imag) @ coupling_kernel(gs, Omega, K))
