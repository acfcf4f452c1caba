r"""Pure term functions of the QKE box solver (NumPy kernels).

The local (pointwise in z) part of [F2 eq. 4] in vector form (docs §2): with
:math:`\mathbf P_v=(\mathrm{Re}\,\psi_v,\mathrm{Im}\,\psi_v,D_v)` and
:math:`\mathbf H_v=\mathbf P_0-v\mathbf P_1` (moments over the velocity grid),

.. math:: \partial_t\mathbf P_v = (\mathbf H_v-\bar{\mathbf H}_v)\times\mathbf P_v ,

which in components is :math:`\partial_tD_v=\mathrm{Im}[(\psi_0^*-v\psi_1^*)\psi_v]` and
:math:`\partial_t\psi_v=i[(D_0-vD_1)\psi_v-(\psi_0-v\psi_1)D_v]` [F2 eq. 4]; the background
rotation :math:`\bar{\mathbf H}_v=(0,0,\bar D_0-v\bar D_1)` is integrated exactly with the streaming.

Invariants of this local flow at every z: :math:`\mathbf P_0=\sum_vw_v\mathbf P_v` (its rate
:math:`\mathbf P_0\times\mathbf P_0-\mathbf P_1\times\mathbf P_1` vanishes identically on the grid, so any
Runge–Kutta step keeps it — hence box :math:`D_0` — to round-off) and each :math:`|\mathbf P_v|`
(quadratic: kept by RK4 only to O(h^5) per step).
"""

from __future__ import annotations

import numpy as np

__all__ = ["local_rhs", "LocalRK4"]


def local_rhs(P: np.ndarray, v: np.ndarray, w: np.ndarray, Hbar_v: np.ndarray) -> np.ndarray:
    r"""Reference (allocation-heavy) right-hand side :math:`(\mathbf H_v-\bar{\mathbf H}_v)\times\mathbf P_v`  [F2 eq. 4].

    ``P`` has shape (3, Nv, Nz); ``Hbar_v`` (Nv,) is :math:`\bar D_0-v\bar D_1`.
    """
    m0 = np.einsum("v,cvz->cz", w, P)
    m1 = np.einsum("v,cvz->cz", w * v, P)
    H = m0[:, None, :] - v[None, :, None] * m1[:, None, :]
    H[2] -= Hbar_v[:, None]
    return np.cross(H, P, axis=0)


class LocalRK4:
    r"""One classical RK4 step of the local precession, with preallocated buffers.

    ``Hbar_v`` must be linear in v, :math:`\bar D_0-v\bar D_1` (given as ``(D0bar, D1bar)``), so the
    background is removed from the moments (cheap) rather than from every cell.
    Bit-reproducible: only element-wise operations and a fixed-order moment contraction.
    """

    def __init__(self, v: np.ndarray, w: np.ndarray, Dbar: tuple[float, float], Nz: int) -> None:
        Nv = len(v)
        self.W = np.ascontiguousarray(np.stack([w, w * v]))  # (2, Nv)
        self.vc = np.ascontiguousarray(v[:, None])
        self.D0bar, self.D1bar = float(Dbar[0]), float(Dbar[1])
        shape = (3, Nv, Nz)
        self.H = np.empty(shape)
        self.g = np.empty(shape)
        self.acc = np.empty(shape)
        self.tmp = np.empty(shape)
        self.t1 = np.empty((Nv, Nz))
        self.m = np.empty((3, 2, Nz))

    def rhs(self, P: np.ndarray, out: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """``out = scale * (H_v - Hbar_v) x P_v``  [F2 eq. 4]; the scale is applied to the moments."""
        H, t1, m = self.H, self.t1, self.m
        np.einsum("kv,cvz->ckz", self.W, P, out=m)  # moments P_0, P_1 (fixed summation order)
        m[2, 0] -= self.D0bar  # background refraction Hbar_v = D0bar - v D1bar, done exactly in the A-flow
        m[2, 1] -= self.D1bar
        if scale != 1.0:
            m *= scale
        np.multiply(self.vc, m[:, 1, None, :], out=H)
        np.subtract(m[:, 0, None, :], H, out=H)  # H_v = P_0 - v P_1 (minus background)
        # out = H x P
        np.multiply(H[1], P[2], out=out[0]); np.multiply(H[2], P[1], out=t1); out[0] -= t1  # noqa: E702
        np.multiply(H[2], P[0], out=out[1]); np.multiply(H[0], P[2], out=t1); out[1] -= t1  # noqa: E702
        np.multiply(H[0], P[1], out=out[2]); np.multiply(H[1], P[0], out=t1); out[2] -= t1  # noqa: E702
        return out

    def step(self, P: np.ndarray, h: float) -> None:
        r"""Advance ``P`` in place by ``h`` (classical RK4, written as
        :math:`P+\tfrac13[g_1+2g_2+g_3+g_4]` with :math:`g_1=\tfrac h2f_1, g_2=\tfrac h2f_2, g_3=hf_3, g_4=\tfrac h2f_4`)."""
        g, acc, tmp = self.g, self.acc, self.tmp
        self.rhs(P, acc, 0.5 * h)  # g1
        np.add(P, acc, out=tmp)
        self.rhs(tmp, g, 0.5 * h)  # g2
        np.add(P, g, out=tmp)
        acc += g
        acc += g
        self.rhs(tmp, g, h)  # g3
        np.add(P, g, out=tmp)
        acc += g
        self.rhs(tmp, g, 0.5 * h)  # g4
        acc += g
        acc *= 1.0 / 3.0
        P += acc
