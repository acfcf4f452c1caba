"""Accuracy against cost of QKE time integrators (why the default is BM4, dt = 0.5).

One realization of the F2 benchmark (L = 100, Nz = 700, Nv = 100, seed 0) per scheme, JAX on one
CPU core.  Each scheme's box-averaged D_v(t_end) is compared with a fine reference (the default
splitting at dt = 1/8); with ``--se-from qke.nc`` (an ensemble of the same set-up) the error is also
given in units of the standard error of a 20-realization mean, the yardstick of the QKE-vs-QLT comparison.

    python benchmarks/study_qke_schemes.py                        # a = 0.9, t = 500, all schemes
    python benchmarks/study_qke_schemes.py --t-end 100 --schemes bm4:0.5,etd-krogstad:0.5

Schemes (``name:dt``):

* ``bm4`` / ``strang`` — the package's splitting (exact streaming in Fourier space, one RK4 step
  per local sub-flow) [flavomon.qke.steppers];
* ``bm4-sub3`` — the same composition with 3 RK4 steps per local sub-flow (local flow ~exact);
* ``lawson-rk4`` — integrating-factor RK4 in Fourier space (streaming + background refraction as
  the linear part);
* ``etd-cm`` / ``etd-krogstad`` — exponential time differencing RK4, Cox & Matthews 2002 and
  Krogstad 2005 [Hochbruck & Ostermann 2010, Acta Numerica 19, 209].

The exponential integrators cost one right-hand side (one FFT pair) per stage instead of one FFT
pair plus a four-stage RK4 per splitting stage, but lose accuracy to the linear coupling
:math:`-iD_v(\\psi_0-v\\psi_1)`, whose interaction-picture frequencies :math:`(v-v')K` are not small.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_k, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from functools import partial  # noqa: E402
from math import factorial  # noqa: E402

import numpy as np  # noqa: E402

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

from flavomon import from_spec  # noqa: E402
from flavomon.qke import QKEConfig  # noqa: E402
from flavomon.qke import _jax as J  # noqa: E402
from flavomon.qke.kernel import NumpyKernel  # noqa: E402
from flavomon.qke.state import seed_state  # noqa: E402


# ---------------------------------------------------------------------------------------------
# splitting (package kernel pieces), with n_sub RK4 steps per local sub-flow
# ---------------------------------------------------------------------------------------------
def splitting(cfg: QKEConfig, D_v: np.ndarray, n_sub: int):
    ref = NumpyKernel(cfg, D_v)
    args = (jnp.asarray(ref.v), jnp.asarray(ref.w), jnp.asarray(ref.w * ref.v), jnp.asarray([ref.D0bar, ref.D1bar]))
    E_psi = jnp.stack([jnp.asarray(e) for e in ref.E_psi])
    E_D = jnp.stack([jnp.asarray(e) for e in ref.E_D])
    hb = tuple(float(b) * ref.h for b in ref.stage_b)
    Elast = (jnp.asarray(ref.Elast_psi), jnp.asarray(ref.Elast_D))

    @partial(jax.jit, static_argnames=("n",))
    def advance(u, n):
        def step(_, Q):
            for j, h in enumerate(hb):
                Q = J._stream(Q, E_psi[j], E_D[j], cfg.Nz)
                for _ in range(n_sub):
                    Q = J._rk4(Q, h / n_sub, args)
            return Q

        return jax.lax.fori_loop(0, n, step, u)

    def D_box(u):
        return np.asarray(J._modes(u, *Elast, Nz=cfg.Nz)[1][:, 0].real)

    return jnp.asarray(ref.initial_u(seed_state(D_v, cfg, 0))), advance, D_box


# ---------------------------------------------------------------------------------------------
# exponential integrators in Fourier space: u = (psi_K, D_K), du/dt = L u + N(u), L diagonal
# ---------------------------------------------------------------------------------------------
def _phi(z: np.ndarray, kmax: int) -> list[np.ndarray]:
    """phi_1..phi_kmax(z), series for |z| < 1 and the recursion phi_{j+1} = (phi_j - 1/j!)/z beyond."""
    small = np.abs(z) < 1.0
    zs = np.where(small, 1.0, z)
    direct, p = [], (np.exp(zs) - 1) / zs
    direct.append(p)
    for j in range(2, kmax + 1):
        p = (p - 1.0 / factorial(j - 1)) / zs
        direct.append(p)
    out = []
    for j in range(1, kmax + 1):
        ser = sum(z**n / factorial(n + j) for n in range(30))
        out.append(np.where(small, ser, direct[j - 1]))
    return out


def exponential(cfg: QKEConfig, D_v: np.ndarray, scheme: str):
    ref = NumpyKernel(cfg, D_v)
    Nz, h = cfg.Nz, cfg.dt_used
    v, w = ref.v, ref.w
    D0b, D1b = ref.D0bar, ref.D1bar
    L = (-1j * ref._omega_psi, -1j * ref._omega_D)  # psi: -i(vK - Hbar_v); D: -i vK (Nyquist of D: 0)

    def coef(Lx):
        z = Lx * h
        p1, p2, p3 = _phi(z, 3)
        q1, q2 = _phi(z / 2, 2)
        E, E2 = np.exp(z), np.exp(z / 2)
        c = dict(E=E, E2=E2, Q=0.5 * h * q1, b1=h * (p1 - 3 * p2 + 4 * p3), b23=2 * h * (p2 - 2 * p3), b4=h * (4 * p3 - p2),
                 k31=h * (0.5 * q1 - q2), k32=h * q2, k41=h * (p1 - 2 * p2), k43=2 * h * p2)
        return {k: jnp.asarray(x) for k, x in c.items()}

    C = [coef(Lx) for Lx in L]
    vj, wj, wvj = jnp.asarray(v), jnp.asarray(w), jnp.asarray(w * v)

    def N(u):  # local refraction (H_v - Hbar_v) x P_v in Fourier space  [F2 eq. 4]
        psi = jnp.fft.ifft(u[0], axis=1)
        D = jnp.fft.irfft(u[1], n=Nz, axis=1)
        Hp = (wj @ psi)[None, :] - vj[:, None] * (wvj @ psi)[None, :]
        Hd = (wj @ D - D0b)[None, :] - vj[:, None] * (wvj @ D - D1b)[None, :]
        return (jnp.fft.fft(1j * (Hd * psi - Hp * D), axis=1), jnp.fft.rfft(jnp.imag(jnp.conj(Hp) * psi), axis=1))

    def comb(f):
        return tuple(f(C[i], i) for i in range(2))

    def step(_, u):
        Nu = N(u)
        if scheme == "lawson-rk4":  # RK4 on e^{-Lt}u
            a = comb(lambda c, i: c["E2"] * (u[i] + 0.5 * h * Nu[i]))
            Na = N(a)
            b = comb(lambda c, i: c["E2"] * u[i] + 0.5 * h * Na[i])
            Nb = N(b)
            cc = comb(lambda c, i: c["E"] * u[i] + h * c["E2"] * Nb[i])
            Nc = N(cc)
            return comb(lambda c, i: c["E"] * (u[i] + h / 6 * Nu[i]) + h / 3 * c["E2"] * (Na[i] + Nb[i]) + h / 6 * Nc[i])
        a = comb(lambda c, i: c["E2"] * u[i] + c["Q"] * Nu[i])
        Na = N(a)
        if scheme == "etd-cm":
            b = comb(lambda c, i: c["E2"] * u[i] + c["Q"] * Na[i])
            Nb = N(b)
            cc = comb(lambda c, i: c["E2"] * a[i] + c["Q"] * (2 * Nb[i] - Nu[i]))
        else:  # etd-krogstad
            b = comb(lambda c, i: c["E2"] * u[i] + c["k31"] * Nu[i] + c["k32"] * Na[i])
            Nb = N(b)
            cc = comb(lambda c, i: c["E"] * u[i] + c["k41"] * Nu[i] + c["k43"] * Nb[i])
        Nc = N(cc)
        return comb(lambda c, i: c["E"] * u[i] + c["b1"] * Nu[i] + c["b23"] * (Na[i] + Nb[i]) + c["b4"] * Nc[i])

    @partial(jax.jit, static_argnames=("n",))
    def advance(u, n):
        return jax.lax.fori_loop(0, n, step, u)

    P = seed_state(D_v, cfg, 0)
    u0 = (jnp.asarray(np.fft.fft(P[0] + 1j * P[1], axis=1)), jnp.asarray(np.fft.rfft(P[2], axis=1)))
    return u0, advance, (lambda u: np.asarray(u[1][:, 0].real) / Nz)


def run(name: str, dt: float, a: float, t_end: float) -> tuple[np.ndarray, float]:
    stepper = "strang" if name == "strang" else "bm4"
    cfg = QKEConfig(t_end=t_end, realizations=1, dt=dt, stepper=stepper)
    D_v = from_spec(f"benchmark:a={a!r}").on_grid(cfg.vgrid().v)
    if name in ("bm4", "strang", "bm4-sub3"):
        u, advance, D_box = splitting(cfg, D_v, 3 if name == "bm4-sub3" else 1)
    else:
        u, advance, D_box = exponential(cfg, D_v, name)
    n = cfg.steps_per_out
    jax.block_until_ready(advance(u, n))  # compile outside the timing
    t0 = time.perf_counter()
    for _ in range(cfg.n_out):
        u = advance(u, n)
    D = D_box(u)
    return D, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", type=float, default=0.9)
    ap.add_argument("--t-end", type=float, default=500.0)
    ap.add_argument("--schemes", default="bm4:0.5,bm4:1,bm4-sub3:1,strang:0.25,lawson-rk4:0.5,etd-cm:0.5,etd-krogstad:0.5,etd-krogstad:0.25")
    ap.add_argument("--reference", default="bm4:0.125")
    ap.add_argument("--se-from", default=None, help="qke.nc of the same set-up: errors also in units of the 20-realization SE")
    args = ap.parse_args()
    rname, rdt = args.reference.split(":")
    print(f"# benchmark:a={args.a} L=100 Nz=700 Nv=100 t_end={args.t_end:g}, seed 0; JAX CPU, one thread")
    D_ref, w_ref = run(rname, float(rdt), args.a, args.t_end)
    print(f"reference {args.reference}: {w_ref:.1f} s")
    se = None
    if args.se_from:
        import xarray as xr

        with xr.open_dataset(args.se_from) as ds:
            se = ds["D"].sel(t=args.t_end).std("realization", ddof=1).values / np.sqrt(20)
    for item in args.schemes.split(","):
        name, dt = item.split(":")
        D, wall = run(name, float(dt), args.a, args.t_end)
        err = np.abs(D - D_ref)
        line = f"{item:18s} wall {wall:7.2f} s ({wall / args.t_end * 1e3:6.2f} ms per unit time)  max|dD_v| {err.max():.2e}"
        if se is not None:
            line += f"  max|dD_v|/SE20 {np.nanmax(err / se):.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
