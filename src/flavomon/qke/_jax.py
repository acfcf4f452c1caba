r"""JAX back-end of the QKE box solver: the same scheme as :mod:`flavomon.qke.kernel`, jit-compiled.

The step loop runs in ``lax.fori_loop`` inside one jitted function per output interval; float64
(``jax_enable_x64`` is switched on when this module is imported).  Runs on CPU or GPU.
A matter profile :math:`\lambda(z)` (docs §12) multiplies :math:`\psi_v(z)` by the exact phase :math:`e^{i\lambda(z)b_jh}`
after local sub-step j (see :mod:`flavomon.qke.kernel`).
Agreement with the NumPy back-end: 1e-10 (``tests/qke/test_qke_backends.py``).
"""

from __future__ import annotations

from functools import partial

import numpy as np

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

from .diagnostics import cell_diagnostics  # noqa: E402
from .kernel import NumpyKernel, diagnostics_from_modes  # noqa: E402
from .state import QKEConfig  # noqa: E402

__all__ = ["JaxKernel"]


def _stream(P, E_psi, E_D, Nz):
    c = P[0] + 1j * P[1]
    c = jnp.fft.ifft(jnp.fft.fft(c, axis=1) * E_psi, axis=1)
    D = jnp.fft.irfft(jnp.fft.rfft(P[2], axis=1) * E_D, n=Nz, axis=1)
    return jnp.stack([c.real, c.imag, D])


def _rhs(P, v, w, wv, Dbar):
    # (H_v - Hbar_v) x P_v with H_v = P_0 - v P_1 and Hbar_v = D0bar - v D1bar  [F2 eq. 4]
    m0 = jnp.einsum("v,cvz->cz", w, P)
    m1 = jnp.einsum("v,cvz->cz", wv, P)
    m0 = m0.at[2].add(-Dbar[0])
    m1 = m1.at[2].add(-Dbar[1])
    H = m0[:, None, :] - v[None, :, None] * m1[:, None, :]
    return jnp.stack([H[1] * P[2] - H[2] * P[1], H[2] * P[0] - H[0] * P[2], H[0] * P[1] - H[1] * P[0]])


def _rk4(P, h, args):
    k1 = _rhs(P, *args)
    k2 = _rhs(P + 0.5 * h * k1, *args)
    k3 = _rhs(P + 0.5 * h * k2, *args)
    k4 = _rhs(P + h * k3, *args)
    return P + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


@partial(jax.jit, static_argnames=("nsteps", "hb", "Nz"))
def _advance(P, E_psi, E_D, v, w, wv, Dbar, *, nsteps, hb, Nz):
    args = (v, w, wv, Dbar)

    def step(i, Q):
        for j, hbj in enumerate(hb):
            Q = _stream(Q, E_psi[j], E_D[j], Nz)
            Q = _rk4(Q, hbj, args)
        return Q

    return jax.lax.fori_loop(0, nsteps, step, P)


@partial(jax.jit, static_argnames=("nsteps", "hb", "Nz"))
def _advance_drift(P, E_psi, E_D, rots, v, w, wv, Dbar, *, nsteps, hb, Nz):
    # as _advance, with the per-v drift phase rots[n, j] of a matter gradient after each streaming (docs §11)
    args = (v, w, wv, Dbar)

    def step(i, Q):
        for j, hbj in enumerate(hb):
            Q = _stream(Q, E_psi[j] * rots[i, j][:, None], E_D[j], Nz)
            Q = _rk4(Q, hbj, args)
        return Q

    return jax.lax.fori_loop(0, nsteps, step, P)


def _rotate(Q, zrot):
    # psi_v(z) *= exp(i lambda(z) b_j h): the exact matter rotation after a local sub-step (docs §12)
    c = (Q[0] + 1j * Q[1]) * zrot[None, :]
    return jnp.stack([c.real, c.imag, Q[2]])


@partial(jax.jit, static_argnames=("nsteps", "hb", "Nz"))
def _advance_matter(P, E_psi, E_D, zrot, v, w, wv, Dbar, *, nsteps, hb, Nz):
    # as _advance, with the matter rotation zrot[j] (Nz,) after each local sub-step (docs §12)
    args = (v, w, wv, Dbar)

    def step(i, Q):
        for j, hbj in enumerate(hb):
            Q = _stream(Q, E_psi[j], E_D[j], Nz)
            Q = _rotate(_rk4(Q, hbj, args), zrot[j])
        return Q

    return jax.lax.fori_loop(0, nsteps, step, P)


@partial(jax.jit, static_argnames=("nsteps", "hb", "Nz"))
def _advance_drift_matter(P, E_psi, E_D, rots, zrot, v, w, wv, Dbar, *, nsteps, hb, Nz):
    # a gradient's drift phases (docs §11) and the matter rotation of a lambda(z) (docs §12)
    args = (v, w, wv, Dbar)

    def step(i, Q):
        for j, hbj in enumerate(hb):
            Q = _stream(Q, E_psi[j] * rots[i, j][:, None], E_D[j], Nz)
            Q = _rotate(_rk4(Q, hbj, args), zrot[j])
        return Q

    return jax.lax.fori_loop(0, nsteps, step, P)


_stream_jit = jax.jit(_stream, static_argnames=("Nz",))


@partial(jax.jit, static_argnames=("Nz",))
def _modes(u, E_psi, E_D, Nz):
    psi_K = jnp.fft.fft(u[0] + 1j * u[1], axis=1) / Nz * E_psi
    D_K = jnp.fft.rfft(u[2], axis=1) / Nz * E_D
    return psi_K, D_K


class JaxKernel:
    """Same interface as :class:`~flavomon.qke.kernel.NumpyKernel` (numpy arrays in and out).

    Jitted functions are module-level and compiled once per array shape and step pattern.
    """

    def __init__(self, config: QKEConfig, D_v: np.ndarray) -> None:
        ref = NumpyKernel(config, D_v)  # reuse the phase tables
        self.Nz, self.h = ref.Nz, ref.h
        self.keep, self.w_np = ref.keep, ref.w
        self.args = (
            jnp.asarray(ref.v), jnp.asarray(ref.w), jnp.asarray(ref.w * ref.v),
            jnp.asarray([ref.D0bar, ref.D1bar]),
        )
        self.E_psi = jnp.stack([jnp.asarray(e) for e in ref.E_psi])
        self.E_D = jnp.stack([jnp.asarray(e) for e in ref.E_D])
        self.hb = tuple(float(b) * ref.h for b in ref.stage_b)
        self.Elast = (jnp.asarray(ref.Elast_psi), jnp.asarray(ref.Elast_D))
        self.Einit = (jnp.asarray(ref.Einit_psi), jnp.asarray(ref.Einit_D))
        self._ref = ref  # the drift phases of a matter gradient (docs §11): one implementation
        self.zrot = None if ref.lam_rot is None else jnp.stack([jnp.asarray(r) for r in ref.lam_rot])  # docs §12
        self.cells, self.G = ref.cells, ref.G

    def _last(self, E: tuple, t: float, conj: bool = False) -> tuple:
        g = self._ref.pending_phase(t)
        if g is None:
            return E
        return (E[0] * jnp.asarray(g.conj() if conj else g)[:, None], E[1])

    # -- interface ---------------------------------------------------------------------------
    def initial_u(self, P: np.ndarray, t: float = 0.0) -> np.ndarray:
        return np.asarray(_stream_jit(jnp.asarray(P), *self._last(self.Einit, t, conj=True), Nz=self.Nz))

    def advance(self, u: np.ndarray, nsteps: int, t: float = 0.0) -> np.ndarray:
        drift = self._ref.drift_phases(t, nsteps)
        kw = dict(nsteps=int(nsteps), hb=self.hb, Nz=self.Nz)
        if self.zrot is not None:
            if drift is None:
                out = _advance_matter(jnp.asarray(u), self.E_psi, self.E_D, self.zrot, *self.args, **kw)
            else:
                out = _advance_drift_matter(jnp.asarray(u), self.E_psi, self.E_D, jnp.asarray(drift), self.zrot,
                                            *self.args, **kw)
        elif drift is None:
            out = _advance(jnp.asarray(u), self.E_psi, self.E_D, *self.args, **kw)
        else:
            out = _advance_drift(jnp.asarray(u), self.E_psi, self.E_D, jnp.asarray(drift), *self.args, **kw)
        return np.asarray(out)

    def diagnose(self, u: np.ndarray, t: float = 0.0) -> dict:
        psi_K, D_K = _modes(jnp.asarray(u), *self._last(self.Elast, t), Nz=self.Nz)
        psi_K, D_K = np.asarray(psi_K), np.asarray(D_K)
        d = diagnostics_from_modes(psi_K, D_K, self.w_np, self.Nz, self.keep)
        if self.cells is not None:  # cell averages and local spectra (docs §12)
            d["D_cell"], d["power_cell"] = cell_diagnostics(self.w_np @ psi_K, D_K, self.cells, G=self.G, t=t)
        return d

    def true_state(self, u: np.ndarray, t: float = 0.0) -> np.ndarray:
        return np.asarray(_stream_jit(jnp.asarray(u), *self._last(self.Elast, t), Nz=self.Nz))
