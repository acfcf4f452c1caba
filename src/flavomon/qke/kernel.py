r"""NumPy back-end of the QKE box solver: exact streaming in Fourier space + local RK4.

One step of the composition (see :mod:`flavomon.qke.steppers`) on the internal variable
:math:`u=e^{-a_{s+1}hA}\mathbf P` (the state with the last, merged streaming sub-flow pending):

.. code:: text

    for j in 1..s:   u <- FFT^-1[ E_j * FFT u ]      # A: e^{-i(vK + v D1bar - D0bar) c_j h} on psi,
                                                     #    e^{-i vK c_j h} on D        [F2 eq. 4, l.h.s.]
                     u <- RK4_local(u, b_j h)        # B: (H_v - Hbar_v) x P_v       [F2 eq. 4, r.h.s.]

with :math:`c_1=a_1+a_{s+1}`, :math:`c_j=a_j`.  FFTs are ``scipy.fft`` with ``workers=1`` (complex for psi,
real ``rfft`` for D), float64 throughout.

Nyquist mode of even grids (docs §10.8): psi is complex, so its Nyquist column is streamed
exactly with K = -pi Nz / L (the label of :class:`~flavomon.grids.PeriodicBox`).  The real field D
cannot carry a one-sided phase there; its Nyquist coefficient is not streamed (K_eff = 0, the usual
spectral convention for the Nyquist derivative).  Both choices keep the streaming a group
(``A(s) A(t) = A(s + t)``), so the composition keeps its order (a zeroing filter in every sub-step
would make the scheme first order).  D's Nyquist content is second order in psi.  Matter gradient (docs §11): with ``config.gradient`` = G the state is the drifting-frame field
:math:`\varphi=\psi e^{-iGzt}`, whose mode n streams with :math:`K_n+Gt`.  Over a sub-flow :math:`[t_1,t_2]`
its phase is the homogeneous one times :math:`e^{-ivG(t_2^2-t_1^2)/2}`, the same for every K: a phase per v
(:meth:`NumpyKernel.drift_phases`), applied in z after the transform.  The flows stay exact and commute
with each other, so the composition keeps its order; G = 0 skips it (bit for bit the homogeneous box).
The kernels' methods take the time ``t`` of the state for this; it is ignored for G = 0.

Matter profile (docs §12): with ``config.matter`` the QKE gains :math:`i\lambda(z)\psi_v`, a rotation of every
:math:`\mathbf P_v(z)` about the flavour axis by the same angle :math:`\lambda(z)\,\tau` at each z.  Every term of the
local precession is invariant under a common phase of :math:`\psi` (the :math:`\psi` equation is linear in
:math:`\psi`, the D equation depends on :math:`\psi_u^*\psi_v` only), so this rotation commutes with the local flow
(and with its RK4 step), and the local part of the splitting, precession plus rotation, is solved by the RK4 step
followed by the exact phase :math:`e^{i\lambda(z)b_jh}` (:attr:`NumpyKernel.lam_rot`): the composition keeps its
order.  With a gradient it multiplies the drifting-frame field :math:`\varphi` the same way
(:math:`\lambda_{\rm total}=Gz+\lambda(z)`).  Without ``matter`` nothing is applied (bit for bit the old box).
A run with a background also reports cell averages (:func:`flavomon.qke.diagnostics.cell_diagnostics`).  No dealiasing: the quadratic products are formed
pointwise on the grid (collocation), which keeps the pointwise identities behind the conservation of
:math:`\mathbf P_0` exact; aliasing is a resolution error, checked by the Nz = 700 vs 1400 comparison.
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft

from .diagnostics import cell_diagnostics
from .rhs import LocalRK4
from .state import QKEConfig, seeded_modes
from .steppers import get_stepper

__all__ = ["NumpyKernel", "Diagnostics"]

Diagnostics = dict  # keys: D_v (Nv,), power (n_modes,), pol_v (Nv,), D0 (float); with cells D_cell, power_cell


class NumpyKernel:
    """Precomputed phases and buffers for one configuration; stateless between calls."""

    def __init__(self, config: QKEConfig, D_v: np.ndarray) -> None:
        self.config = config
        box, vg = config.box(), config.vgrid()
        self.v, self.w = vg.v, vg.w
        self.Nz, self.Nv = config.Nz, config.Nv
        self.comp = get_stepper(config.stepper)
        h = config.dt_used
        self.h = h
        D_v = np.asarray(D_v, dtype=float)
        self.D0bar = float(self.w @ D_v)
        self.D1bar = float((self.w * self.v) @ D_v)
        Hbar = self.D0bar - self.v * self.D1bar  # background refraction D0 - v D1  [F2 eq. 4]
        keep = seeded_modes(self.Nz)
        self.keep = keep
        K = box.K
        nr = self.Nz // 2 + 1
        keep_r = np.ones(nr, dtype=bool)
        Kr = 2 * np.pi * np.arange(nr) / config.L
        if self.Nz % 2 == 0:
            Kr[-1] = 0.0  # rfft's last entry is the Nyquist mode of the real field D: not streamed
        # psi: d/dt psi_K = -i(vK - (D0bar - v D1bar)) psi_K ; D: d/dt D_K = -i vK D_K
        self._omega_psi = self.v[:, None] * K[None, :] - Hbar[:, None]
        self._omega_D = self.v[:, None] * Kr[None, :]
        self._keep, self._keep_r = keep, keep_r
        self.stage_c = self.comp.stage_a()
        self.stage_b = self.comp.b
        self.E_psi = [self._phase_psi(c * h) for c in self.stage_c]
        self.E_D = [self._phase_D(c * h) for c in self.stage_c]
        a_last = self.comp.a[-1]
        self.Elast_psi, self.Elast_D = self._phase_psi(a_last * h), self._phase_D(a_last * h)
        self.Einit_psi, self.Einit_D = self._phase_psi(-a_last * h), self._phase_D(-a_last * h)
        self.local = LocalRK4(self.v, self.w, (self.D0bar, self.D1bar), self.Nz)
        self._cbuf = np.empty((self.Nv, self.Nz), dtype=complex)
        self.K_modes = K[keep]
        # drift (docs §11): stage j of the step from t_n streams over [t_n + S_j h, t_n + E_j h]
        self.G = float(config.gradient)
        a = np.asarray(self.comp.a, dtype=float)
        ends = np.cumsum(a[:-1])
        starts = np.concatenate([[-a[-1]], ends[:-1]])
        self._stage_tau = (ends - starts) * h  # = c_j h
        self._stage_mid = 0.5 * (starts + ends) * h
        self._a_last_h = float(a[-1]) * h
        # matter profile lambda(z) (docs §12): the exact rotation e^{i lambda(z) b_j h} after local sub-step j
        matter = config.matter_profile
        self.lam_z = None if matter is None else np.asarray(matter.lam(box.z), dtype=float)
        self.lam_rot = None if self.lam_z is None else [np.exp(1j * self.lam_z * (float(b) * h)) for b in self.stage_b]
        self.cells = config.cells  # the cell layout of a resolved run with a background, else None

    def drift_phases(self, t0: float, nsteps: int) -> np.ndarray | None:
        r"""Per-v drift phases :math:`e^{-ivG\tau_j(t_n+m_j)}` of every stage of ``nsteps`` steps from ``t0``
        (shape (nsteps, stages, Nv)); None for G = 0.  :math:`\tau_j=c_jh`, :math:`m_j` the stage's mid-time
        offset, so the exponent is :math:`-ivG(t_2^2-t_1^2)/2` of its sub-flow [docs §11]."""
        if self.G == 0.0:
            return None
        tn = float(t0) + self.h * np.arange(int(nsteps))
        tmid = tn[:, None] + self._stage_mid[None, :]
        ang = -self.G * (self._stage_tau[None, :] * tmid)[:, :, None] * self.v[None, None, :]
        return np.exp(1j * ang)

    def pending_phase(self, t: float) -> np.ndarray | None:
        """Drift phase (Nv,) of the pending last sub-flow [t - a_last h, t] of a state at time t; None for G = 0."""
        if self.G == 0.0:
            return None
        tau = self._a_last_h
        return np.exp(-1j * self.G * tau * (float(t) - 0.5 * tau) * self.v)

    def _phase_psi(self, tau: float) -> np.ndarray:
        return np.where(self._keep[None, :], np.exp(-1j * self._omega_psi * tau), 0.0)

    def _phase_D(self, tau: float) -> np.ndarray:
        return np.where(self._keep_r[None, :], np.exp(-1j * self._omega_D * tau), 0.0)

    # -- A-flow ---------------------------------------------------------------------------
    def _stream(self, P: np.ndarray, E_psi: np.ndarray, E_D: np.ndarray, drift: np.ndarray | None = None) -> None:
        c = self._cbuf
        c.real = P[0]
        c.imag = P[1]
        ch = sfft.fft(c, axis=1, workers=1)
        ch *= E_psi
        c2 = sfft.ifft(ch, axis=1, workers=1, overwrite_x=True)
        if drift is not None:
            c2 *= drift[:, None]
        P[0] = c2.real
        P[1] = c2.imag
        dh = sfft.rfft(P[2], axis=1, workers=1)
        dh *= E_D
        P[2] = sfft.irfft(dh, n=self.Nz, axis=1, workers=1, overwrite_x=True)

    # -- public kernel interface -----------------------------------------------------------
    def initial_u(self, P: np.ndarray, t: float = 0.0) -> np.ndarray:
        """Internal variable of the true state ``P`` at time ``t``: undo the pending last streaming sub-flow."""
        u = np.array(P, dtype=float, copy=True)
        g = self.pending_phase(t)
        self._stream(u, self.Einit_psi, self.Einit_D, None if g is None else g.conj())
        return u

    def advance(self, u: np.ndarray, nsteps: int, t: float = 0.0) -> np.ndarray:
        """``nsteps`` composition steps on a copy of ``u`` (the state at time ``t``)."""
        P = np.array(u, copy=True)
        rots = self.drift_phases(t, nsteps)
        lam = self.lam_rot
        for n in range(nsteps):
            for j, (E_psi, E_D, b) in enumerate(zip(self.E_psi, self.E_D, self.stage_b)):
                self._stream(P, E_psi, E_D, None if rots is None else rots[n, j])
                self.local.step(P, b * self.h)
                if lam is not None:
                    self._rotate(P, lam[j])
        return P

    def _rotate(self, P: np.ndarray, phase: np.ndarray) -> None:
        """psi_v(z) *= phase(z) in place (the matter rotation, the same for every v; D untouched)."""
        c = self._cbuf
        c.real = P[0]
        c.imag = P[1]
        c *= phase[None, :]
        P[0] = c.real
        P[1] = c.imag

    def diagnose(self, u: np.ndarray, t: float = 0.0) -> Diagnostics:
        """Box diagnostics of the true state ``A(a_{s+1} h) u`` at time ``t``, computed in Fourier space."""
        Nz = self.Nz
        psi_K = sfft.fft(u[0] + 1j * u[1], axis=1, workers=1) / Nz * self.Elast_psi
        g = self.pending_phase(t)
        if g is not None:
            psi_K *= g[:, None]
        D_K = sfft.rfft(u[2], axis=1, workers=1) / Nz * self.Elast_D
        d = diagnostics_from_modes(psi_K, D_K, self.w, Nz, self.keep)
        if self.cells is not None:
            d["D_cell"], d["power_cell"] = cell_diagnostics(self.w @ psi_K, D_K, self.cells, G=self.G, t=t)
        return d

    def true_state(self, u: np.ndarray, t: float = 0.0) -> np.ndarray:
        """Fields (3, Nv, Nz) at time ``t`` (for snapshots; with a gradient, the drifting-frame field)."""
        P = np.array(u, copy=True)
        self._stream(P, self.Elast_psi, self.Elast_D, self.pending_phase(t))
        return P


def diagnostics_from_modes(psi_K, D_K, w, Nz: int, keep) -> Diagnostics:
    """Diagnostics from Fourier coefficients (``psi_K`` full FFT order, ``D_K`` rfft half), /Nz normalised.

    * ``D_v``: box average of D_v (its K = 0 coefficient);
    * ``power``: :math:`|\\psi_{0,K}|^2` per evolved box mode (FFT order of the kept modes);
    * ``pol_v``: box average of :math:`D_v^2+|\\psi_v|^2` by Parseval;
    * ``D0``: box-averaged :math:`D_0=\\sum_v w_vD_v`.
    """
    psi_K = np.asarray(psi_K)
    D_K = np.asarray(D_K)
    D_v = D_K[:, 0].real.copy()
    psi0_K = w @ psi_K
    power = (np.abs(psi0_K) ** 2)[keep]
    aD = np.abs(D_K) ** 2
    # rfft Parseval: interior modes count twice; the Nyquist entry of even grids counts once
    pol = np.sum(np.abs(psi_K) ** 2, axis=1) + aD[:, 0] + 2.0 * np.sum(aD[:, 1 : (Nz + 1) // 2], axis=1)
    if Nz % 2 == 0:
        pol = pol + aD[:, -1]
    return {"D_v": D_v, "power": power, "pol_v": pol, "D0": float(w @ D_v)}
