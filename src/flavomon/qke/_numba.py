r"""Fused CPU back-end of the QKE box solver: the same scheme as :mod:`flavomon.qke.kernel`, compiled.

One composition stage (docs §4, :mod:`flavomon.qke.steppers`) is

* **A** — exact streaming: one complex FFT pair of :math:`\psi_v` and one real FFT pair (``r2c``/``c2r``) of the
  real field :math:`D_v`, with the phases of :class:`~flavomon.qke.kernel.NumpyKernel` factored as
  :math:`e^{-i(vK-\bar H_v)\tau}=e^{-ivK\tau}\,e^{i\bar H_v\tau}`: the K part from one half table shared by
  :math:`\psi` (at :math:`\pm K`) and D, the 1/Nz of the inverse transform folded in; the K-independent
  background phase applied in z as the local step reads the state;
* **B** — the local precession :math:`\partial_t\mathbf P_v=(\mathbf H_v-\bar{\mathbf H}_v)\times\mathbf P_v`
  [F2 eq. 4], one classical RK4 step, as a single compiled loop over blocks of z columns: the moments
  :math:`\mathbf P_0,\mathbf P_1` of a block, its four RK4 stages and the update stay in cache, so the
  state is read and written once per stage instead of some forty times.

FFTs are ``ducc0.fft`` (the successor of the pocketfft library inside SciPy, by the same author: about
2x faster on these batched short transforms, and it writes into preallocated buffers); the local step is
``numba`` (no fast-math: IEEE arithmetic in a fixed order, so a run is bit-reproducible and a resumed run
bit-identical).  The state between stages is kept as complex :math:`\psi_v(z)` and real :math:`D_v(z)`
arrays, so nothing is packed or unpacked between the transforms and the local step.

A matter profile :math:`\lambda(z)` (docs §12) is the exact phase :math:`e^{i\lambda(z)b_jh}` of every z column after
local sub-step j (see :mod:`flavomon.qke.kernel`), applied inside the compiled loop as the step writes its result.

Agreement with the NumPy back-end: 1e-10 through the nonlinear phase (``tests/qke/test_qke_backends.py``).
"""

from __future__ import annotations

import numpy as np

import ducc0
import numba

from .diagnostics import cell_diagnostics
from .kernel import NumpyKernel, diagnostics_from_modes
from .state import QKEConfig

__all__ = ["NumbaKernel", "BLOCK_Z"]

BLOCK_Z = 96
"""z columns per block of the local step: four (3, Nv, BLOCK_Z) float64 work arrays (920 KB at Nv = 100)
stay in the L2 cache of one core.  Measured on the CI machine (AMD EPYC, Nv = 100, medians of 7x100 calls,
Nz = 350-392): 64 columns 450-490 us per local step, 96 columns 330-450 us, 128 columns 460-630 us;
32 columns and fewer are slower still (the vectorised inner loop runs too few iterations)."""


@numba.njit(cache=True, nogil=True)
def _moments(src, m, nb, w, wv):  # pragma: no cover - compiled
    # m[0:3] = P_0 = sum_v w_v P_v, m[3:6] = P_1 = sum_v w_v v P_v  (fixed summation order)
    for c in range(6):
        for j in range(nb):
            m[c, j] = 0.0
    Nv = src.shape[1]
    for i in range(Nv):
        a = w[i]
        b = wv[i]
        for j in range(nb):
            x = src[0, i, j]
            y = src[1, i, j]
            z = src[2, i, j]
            m[0, j] += a * x
            m[1, j] += a * y
            m[2, j] += a * z
            m[3, j] += b * x
            m[4, j] += b * y
            m[5, j] += b * z


@numba.njit(cache=True, nogil=True)
def _stage(src, P, Y, acc, m, nb, v, D0bar, D1bar, c_next, c_acc):  # pragma: no cover - compiled
    # f = (H_v - Hbar_v) x src_v with H_v = P_0 - v P_1, Hbar_v = (0, 0, D0bar - v D1bar)  [F2 eq. 4];
    # acc += c_acc f ;  Y = P + c_next f
    Nv = src.shape[1]
    for i in range(Nv):
        vi = v[i]
        for j in range(nb):
            H0 = m[0, j] - vi * m[3, j]
            H1 = m[1, j] - vi * m[4, j]
            H2 = (m[2, j] - D0bar) - vi * (m[5, j] - D1bar)
            x = src[0, i, j]
            y = src[1, i, j]
            z = src[2, i, j]
            f0 = H1 * z - H2 * y
            f1 = H2 * x - H0 * z
            f2 = H0 * y - H1 * x
            acc[0, i, j] += c_acc * f0
            acc[1, i, j] += c_acc * f1
            acc[2, i, j] += c_acc * f2
            Y[0, i, j] = P[0, i, j] + c_next * f0
            Y[1, i, j] = P[1, i, j] + c_next * f1
            Y[2, i, j] = P[2, i, j] + c_next * f2


@numba.njit(cache=True, nogil=True)
def _mul(a, b):  # pragma: no cover - compiled
    # a *= b for complex (Nv, n) arrays: numpy's complex multiply does not use SIMD; this loop does
    Nv, n = a.shape
    for i in range(Nv):
        for j in range(n):
            x = a[i, j]
            y = b[i, j]
            a[i, j] = complex(x.real * y.real - x.imag * y.imag, x.real * y.imag + x.imag * y.real)


@numba.njit(cache=True, nogil=True)
def _mul_half(ph, dh, H, Nz, inv):  # pragma: no cover - compiled
    # the streaming phases of one stage from the half table H[v, j] = exp(-i v K_j tau) / Nz, K_j = 2 pi j / L,
    # j = 0 .. Nz//2: psi at +K_j (FFT column j) and at -K_j (column Nz - j, the conjugate phase), D at K_j;
    # even Nz: the Nyquist column is psi's mode n = -Nz/2 (K = -pi Nz / L) and is not streamed for D
    Nv = H.shape[0]
    nh = Nz // 2
    top = (Nz + 1) // 2
    for i in range(Nv):
        e = H[i, 0]
        ph[i, 0] = ph[i, 0] * e
        dh[i, 0] = dh[i, 0] * e
        for j in range(1, top):
            e = H[i, j]
            ph[i, j] = ph[i, j] * e
            dh[i, j] = dh[i, j] * e
        for j in range(1, top):
            ph[i, Nz - j] = ph[i, Nz - j] * H[i, j].conjugate()
        if Nz % 2 == 0:
            ph[i, nh] = ph[i, nh] * H[i, nh].conjugate()
            dh[i, nh] = dh[i, nh] * inv


@numba.njit(cache=True, nogil=True)
def _box_averages(psi, D):  # pragma: no cover - compiled
    # z averages of D_v and of D_v^2 + |psi_v|^2, per v
    Nv, Nz = D.shape
    D_v = np.zeros(Nv)
    pol = np.zeros(Nv)
    for i in range(Nv):
        s = 0.0
        p = 0.0
        for j in range(Nz):
            d = D[i, j]
            q = psi[i, j]
            s += d
            p += d * d + q.real * q.real + q.imag * q.imag
        D_v[i] = s / Nz
        pol[i] = p / Nz
    return D_v, pol


@numba.njit(cache=True, nogil=True)
def _weighted_column_sum(wE, X):  # pragma: no cover - compiled
    # out_K = sum_v wE[v, K] X[v, K]
    Nv, n = X.shape
    out = np.zeros(n, dtype=np.complex128)
    for i in range(Nv):
        for j in range(n):
            out[j] += wE[i, j] * X[i, j]
    return out


@numba.njit(cache=True, nogil=True)
def local_rk4(psi, D, v, w, wv, D0bar, D1bar, h, bz, rot):  # pragma: no cover - compiled
    r"""One classical RK4 step of length ``h`` of the local precession, in place on ``psi`` (Nv, Nz) complex
    and ``D`` (Nv, Nz) real  [F2 eq. 4, docs §4]; z in blocks of ``bz`` columns.

    ``psi`` is first multiplied by ``rot`` (Nv,): the background-refraction phase
    :math:`e^{i(\bar D_0-v\bar D_1)\tau}` of the streaming sub-flow before it, which is the same for every K and
    so is applied here, in z, where it costs nothing extra."""
    _local_rk4(psi, D, v, w, wv, D0bar, D1bar, h, bz, rot, np.empty(0, dtype=np.complex128), False)


@numba.njit(cache=True, nogil=True)
def local_rk4_matter(psi, D, v, w, wv, D0bar, D1bar, h, bz, rot, zrot):  # pragma: no cover - compiled
    r""":func:`local_rk4` followed by the exact matter rotation :math:`\psi_v(z)\to e^{i\lambda(z)h}\psi_v(z)`,
    ``zrot`` (Nz,) [docs §12]: the rotation commutes with the local precession, so it is applied as the step writes
    its result."""
    _local_rk4(psi, D, v, w, wv, D0bar, D1bar, h, bz, rot, zrot, True)


@numba.njit(cache=True, nogil=True)
def _local_rk4(psi, D, v, w, wv, D0bar, D1bar, h, bz, rot, zrot, with_z):  # pragma: no cover - compiled
    Nv, Nz = D.shape
    P = np.empty((3, Nv, bz))
    Ya = np.empty((3, Nv, bz))
    Yb = np.empty((3, Nv, bz))  # stage inputs alternate between two buffers: no aliasing in a loop
    acc = np.empty((3, Nv, bz))
    m = np.empty((6, bz))
    ca = (h / 6.0, h / 3.0, h / 3.0, h / 6.0)
    cn = (0.5 * h, 0.5 * h, h, 0.0)
    for z0 in range(0, Nz, bz):
        nb = min(bz, Nz - z0)
        for i in range(Nv):
            for j in range(nb):
                q = psi[i, z0 + j] * rot[i]
                P[0, i, j] = q.real
                P[1, i, j] = q.imag
                P[2, i, j] = D[i, z0 + j]
                acc[0, i, j] = 0.0
                acc[1, i, j] = 0.0
                acc[2, i, j] = 0.0
        _moments(P, m, nb, w, wv)
        _stage(P, P, Ya, acc, m, nb, v, D0bar, D1bar, cn[0], ca[0])
        _moments(Ya, m, nb, w, wv)
        _stage(Ya, P, Yb, acc, m, nb, v, D0bar, D1bar, cn[1], ca[1])
        _moments(Yb, m, nb, w, wv)
        _stage(Yb, P, Ya, acc, m, nb, v, D0bar, D1bar, cn[2], ca[2])
        _moments(Ya, m, nb, w, wv)
        _stage(Ya, P, Yb, acc, m, nb, v, D0bar, D1bar, cn[3], ca[3])  # Yb unused: c_next = 0
        for i in range(Nv):
            for j in range(nb):
                x = P[0, i, j] + acc[0, i, j]
                y = P[1, i, j] + acc[1, i, j]
                if with_z:
                    e = zrot[z0 + j]
                    psi[i, z0 + j] = complex(x * e.real - y * e.imag, x * e.imag + y * e.real)
                else:
                    psi[i, z0 + j] = complex(x, y)
                D[i, z0 + j] = P[2, i, j] + acc[2, i, j]


class NumbaKernel:
    """Same interface and scheme as :class:`~flavomon.qke.kernel.NumpyKernel` (numpy arrays in and out)."""

    def __init__(self, config: QKEConfig, D_v: np.ndarray) -> None:
        ref = NumpyKernel(config, D_v)  # the phase tables and stage coefficients: one implementation
        self.Nz, self.Nv, self.h = ref.Nz, ref.Nv, ref.h
        self.keep, self.w_np = ref.keep, ref.w
        self.v = np.ascontiguousarray(ref.v)
        self.w = np.ascontiguousarray(ref.w)
        self.wv = np.ascontiguousarray(ref.w * ref.v)
        self.D0bar, self.D1bar = ref.D0bar, ref.D1bar
        inv = 1.0 / self.Nz  # the inverse transforms are unnormalised: fold 1/Nz into the phases
        self.inv = inv
        self.hb = [float(b) * ref.h for b in ref.stage_b]
        # stage phases: exp(-i (v K - Hbar_v) tau) = exp(-i v K tau) exp(i Hbar_v tau); the K part is one half table
        # shared by psi (+K and, conjugated, -K) and D, the K-independent part a phase per v applied in z
        Kh = 2 * np.pi * np.arange(self.Nz // 2 + 1) / config.L
        Hbar = ref.D0bar - ref.v * ref.D1bar  # background refraction [F2 eq. 4]
        self.H = [np.ascontiguousarray(np.exp(-1j * ref.v[:, None] * Kh[None, :] * (c * ref.h)) * inv) for c in ref.stage_c]
        self.rot = [np.ascontiguousarray(np.exp(1j * Hbar * (c * ref.h))) for c in ref.stage_c]
        self.Elast = (ref.Elast_psi, ref.Elast_D)
        self.Einit = (ref.Einit_psi * inv, ref.Einit_D * inv)
        nr = self.Nz // 2 + 1
        self._dh = np.empty((self.Nv, nr), dtype=complex)
        self._wE = np.ascontiguousarray(ref.w[:, None] * ref.Elast_psi / self.Nz)  # psi_0,K = sum_v w_v E_v,K psi^u_v,K / Nz
        self._ref = ref  # the drift phases of a matter gradient (docs §11): one implementation
        self.zrot = None if ref.lam_rot is None else [np.ascontiguousarray(r) for r in ref.lam_rot]  # docs §12
        self.cells, self.G = ref.cells, ref.G

    # -- A-flow (the initial and final sub-flows; the stages use advance's fused form) ---------------
    def _stream(self, psi: np.ndarray, D: np.ndarray, E_psi: np.ndarray, E_D: np.ndarray,
                drift: np.ndarray | None = None) -> None:
        if drift is not None:
            E_psi = E_psi * drift[:, None]  # a phase per v commutes with the transform
        dh = self._dh
        ducc0.fft.c2c(psi, axes=(1,), forward=True, out=psi, nthreads=1)  # in place: one buffer less in cache
        _mul(psi, E_psi)
        ducc0.fft.c2c(psi, axes=(1,), forward=False, out=psi, nthreads=1)
        ducc0.fft.r2c(D, axes=(1,), forward=True, out=dh, nthreads=1)
        _mul(dh, E_D)
        ducc0.fft.c2r(dh, axes=(1,), forward=False, lastsize=self.Nz, out=D, nthreads=1)

    @staticmethod
    def _split(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = np.asarray(u, dtype=float)
        return np.ascontiguousarray(u[0] + 1j * u[1]), np.array(u[2], dtype=float, order="C")

    @staticmethod
    def _join(psi: np.ndarray, D: np.ndarray) -> np.ndarray:
        return np.stack([psi.real, psi.imag, D])

    # -- interface ---------------------------------------------------------------------------
    def initial_u(self, P: np.ndarray, t: float = 0.0) -> np.ndarray:
        """Internal variable of the true state ``P`` at time ``t``: undo the pending last streaming sub-flow."""
        psi, D = self._split(P)
        g = self._ref.pending_phase(t)
        self._stream(psi, D, *self.Einit, None if g is None else g.conj())
        return self._join(psi, D)

    def advance(self, u: np.ndarray, nsteps: int, t: float = 0.0) -> np.ndarray:
        """``nsteps`` composition steps from ``u`` (the state at time ``t``; not modified)."""
        psi, D = self._split(u)
        v, w, wv, D0, D1 = self.v, self.w, self.wv, self.D0bar, self.D1bar
        dh, Nz, inv = self._dh, self.Nz, self.inv
        drift = self._ref.drift_phases(t, nsteps)
        zrot = self.zrot
        for n in range(int(nsteps)):
            rots = self.rot if drift is None else [np.ascontiguousarray(r * g) for r, g in zip(self.rot, drift[n])]
            for j, (H, rot, hb) in enumerate(zip(self.H, rots, self.hb)):
                # A: streaming (the K part in Fourier space, the background phase inside the local step)
                ducc0.fft.c2c(psi, axes=(1,), forward=True, out=psi, nthreads=1)
                ducc0.fft.r2c(D, axes=(1,), forward=True, out=dh, nthreads=1)
                _mul_half(psi, dh, H, Nz, inv)
                ducc0.fft.c2c(psi, axes=(1,), forward=False, out=psi, nthreads=1)
                ducc0.fft.c2r(dh, axes=(1,), forward=False, lastsize=Nz, out=D, nthreads=1)
                # B: local precession, one RK4 step (and the exact matter rotation of a lambda(z), docs §12)
                if zrot is None:
                    local_rk4(psi, D, v, w, wv, D0, D1, hb, BLOCK_Z, rot)
                else:
                    local_rk4_matter(psi, D, v, w, wv, D0, D1, hb, BLOCK_Z, rot, zrot[j])
        return self._join(psi, D)

    def diagnose(self, u: np.ndarray, t: float = 0.0) -> dict:
        r"""Box diagnostics of the true state (the quantities of :meth:`NumpyKernel.diagnose`).

        The pending streaming sub-flow is unitary on every (v, K) and leaves K = 0 alone, so the box averages
        ``D_v`` and ``pol_v`` (Parseval) are taken from ``u`` in z; only the power needs the spectrum of
        :math:`\psi_0=\sum_v w_v\psi_v` of the true state, one forward FFT.
        """
        psi, D = self._split(u)
        D_v, pol_v = _box_averages(psi, D)
        ducc0.fft.c2c(psi, axes=(1,), forward=True, out=psi, nthreads=1)
        g = self._ref.pending_phase(t)
        wE = self._wE if g is None else np.ascontiguousarray(self._wE * g[:, None])
        psi0_K = _weighted_column_sum(wE, psi)
        power = (np.abs(psi0_K) ** 2)[self.keep]
        out = {"D_v": D_v, "power": power, "pol_v": pol_v, "D0": float(self.w_np @ D_v)}
        if self.cells is not None:  # cell averages and local spectra of the true state (docs §12)
            dh = np.empty_like(self._dh)
            ducc0.fft.r2c(D, axes=(1,), forward=True, out=dh, nthreads=1)
            D_K = dh * (self.Elast[1] / self.Nz)
            out["D_cell"], out["power_cell"] = cell_diagnostics(psi0_K, D_K, self.cells, G=self.G, t=t)
        return out

    def true_state(self, u: np.ndarray, t: float = 0.0) -> np.ndarray:
        """Fields (3, Nv, Nz) at time ``t`` (for snapshots; with a gradient, the drifting-frame field)."""
        psi, D = self._split(u)
        inv = 1.0 / self.Nz
        self._stream(psi, D, self.Elast[0] * inv, self.Elast[1] * inv, self._ref.pending_phase(t))
        return self._join(psi, D)
