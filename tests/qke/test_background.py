"""The QKE box with a z-dependent background [docs §12]: a matter profile lambda(z) (the exact rotation
psi_v(z) -> e^{i lambda(z) h} psi_v(z) after each local sub-step) and a modulated distribution D_v(z), with the
coarse-grained cell output.  Physics checks: a uniform lambda is a phase, lepton number is conserved, a wave packet
in a stable medium moves at the group velocity of linear theory and its wavenumber follows the ray equation
dK/dt = lambda'(z); the back-ends agree; without a background nothing changes, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.interpolate import CubicSpline

from flavomon.linear import discrete_matrix, flavomon_properties
from flavomon.linear.discrete import GridState, X_factor
from flavomon.qke import QKEConfig, run_realization, seed_state
from flavomon.qke.evolve import make_kernel
from flavomon.qke.kernel import NumpyKernel
from flavomon.qke.resolution import fft_size, nz_rule

A07 = "benchmark:a=0.7"
SIN = "sin:amplitude=0.3,wavelength=100"  # long against 10 x 2 pi/|K| = 60 of the fastest mode: WKB holds
MOD = "a=0.05,wavelength=100"
# the same small box everywhere, so that the bands of the sampled local distributions are computed once
BOX = dict(L=100.0, Nz=64, Nv=16, realizations=1, seed=2)

# the physics configuration keys of a homogeneous run, as before backgrounds existed (run identities and
# fingerprints of old runs are built from them: a new key would refuse every --resume of an old run)
OLD_PHYSICS_KEYS = ["L", "Nv", "Nz", "dt", "dt_out", "psi_profile", "realizations", "seed", "seed_K0", "seed_power",
                    "stepper", "t_end"]


# -- no background: the old box -----------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_without_background_the_run_is_the_homogeneous_one_bit_for_bit(backend):
    kw = dict(BOX, t_end=30.0, seed_power=1e-4, backend=backend)
    a = run_realization(A07, QKEConfig(**kw), snapshots=[30.0])
    b = run_realization(A07, QKEConfig(matter=None, modulate=None, cell=None, **kw), snapshots=[30.0])
    c = run_realization(A07, QKEConfig(matter="none", modulate="", **kw), snapshots=[30.0])
    for r in (b, c):
        np.testing.assert_array_equal(r.D, a.D)
        np.testing.assert_array_equal(r.power, a.power)
        np.testing.assert_array_equal(r.extra["snapshots"]["psi"], a.extra["snapshots"]["psi"])
        assert r.z_cell is None and r.D_cell is None and r.power_cell is None
    cfg = QKEConfig(**kw).resolve(A07)
    assert sorted(cfg.physics_dict()) == OLD_PHYSICS_KEYS
    assert sorted(cfg.identity()) == sorted(OLD_PHYSICS_KEYS + ["dt_used", "D_v", "D_v_sha256"])
    assert "matter" not in cfg.as_dict() and not cfg.has_background and cfg.cells is None


def test_a_background_changes_the_identity():
    """--resume compares identities: a run with another background (or with one against none) differs."""
    base = QKEConfig(**BOX, t_end=4.0, backend="numpy")
    ids = [base.resolve(A07).identity()]
    for kw in (dict(matter=SIN), dict(matter="sin:amplitude=0.2,wavelength=100"), dict(cell=25.0), dict(cell=50.0)):
        ids.append(QKEConfig(**BOX, t_end=4.0, backend="numpy", **kw).resolve(A07).identity())
    for i in range(len(ids)):
        for j in range(i):
            assert ids[i] != ids[j]
    assert ids[1]["matter"] == "sin:amplitude=0.3,wavelength=100.0" and ids[1]["n_cell"] == 8


# -- physics --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["numpy", "numba", "jax"])
def test_uniform_lambda_is_only_a_phase(tmp_path, backend):
    """A constant lambda = 0.3 (a table) is removed by psi -> psi e^{i lambda t} [docs §11]: D_v(t) and the box power
    are those of the homogeneous run and psi is multiplied by e^{i 0.3 t}, through the nonlinear phase (D moves by
    0.3).  The two runs differ only by the rounding of the phase products (~1e-16 per sub-step, 480 sub-steps),
    measured 3e-15 in D and 3e-14 in psi, 1e-12 of the largest power: 1e-12 leaves a margin."""
    path = tmp_path / "const.csv"
    z = np.linspace(0.0, 100.0, 11)
    path.write_text("z,lambda\n" + "".join(f"{float(x)!r},0.3\n" for x in z))
    kw = dict(BOX, t_end=40.0, seed_power=1e-3, backend=backend)
    hom = run_realization(A07, QKEConfig(**kw), snapshots=[20.0, 40.0])
    lam = run_realization(A07, QKEConfig(matter=str(path), **kw), snapshots=[20.0, 40.0])
    assert np.max(np.abs(hom.D[0, -1] - hom.D[0, 0])) > 0.1  # nonlinear indeed
    np.testing.assert_allclose(lam.D, hom.D, rtol=0, atol=1e-12)
    np.testing.assert_allclose(lam.power, hom.power, rtol=0, atol=1e-12 * np.max(hom.power))
    s_h, s_l = hom.extra["snapshots"], lam.extra["snapshots"]
    phase = np.exp(1j * 0.3 * s_h["t"])[:, None, None]
    assert np.max(np.abs(s_l["psi"] - s_h["psi"] * phase)) < 1e-12 * np.max(np.abs(s_h["psi"]))
    np.testing.assert_allclose(s_l["D"], s_h["D"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("kw", [dict(matter=SIN), dict(modulate=MOD), dict(matter=SIN, modulate=MOD, gradient=-0.003)],
                         ids=["matter", "modulate", "both+gradient"])
def test_lepton_number_is_conserved(kw):
    """d/dt int dz D_0 = 0 [docs §2]: the rotation leaves D alone and the local RK4 keeps P_0 at every z, so the box
    average of D_0 stays to round-off through the nonlinear phase (1e-10 relative: ~1e-16 per step over 360 steps
    of a quantity of size 0.7).  The cells' mean of D_cell is the box average (the trapezoid sums telescope)."""
    r = run_realization(A07, QKEConfig(**BOX, t_end=60.0, seed_power=1e-4, backend="numba", **kw))
    D0 = r.D0[0]
    assert np.max(np.abs(r.D[0, -1] - r.D[0, 0])) > 1e-2  # D moved: the test sees the nonlinear phase
    assert np.max(np.abs(D0 - D0[0])) < 1e-10 * abs(D0[0])
    np.testing.assert_allclose(r.D_cell[0].mean(axis=1), r.D[0], rtol=0, atol=1e-13)
    if "modulate" in kw:  # the initial cells hold the modulated distribution: a(z) = 0.7 + 0.05 sin(2 pi z / 100)
        assert np.ptp(r.D_cell[0, 0, :, -1]) > 0.05


def test_backends_agree_with_a_background():
    kw = dict(BOX, t_end=40.0, seed_power=1e-4, matter=SIN, modulate=MOD, gradient=-0.003)
    res = {b: run_realization(A07, QKEConfig(backend=b, **kw)) for b in ("numpy", "numba", "jax")}
    ref = res["numpy"]
    assert np.max(np.abs(ref.D[0, -1] - ref.D[0, 0])) > 1e-2  # nonlinear: every term matters
    for b in ("numba", "jax"):
        # the same scheme, operations in another order (FFT library, fused loops): round-off ~1e-15 amplified by
        # the growth, as for the homogeneous box
        r = res[b]
        np.testing.assert_allclose(r.D, ref.D, rtol=0, atol=1e-10)
        np.testing.assert_allclose(r.power, ref.power, rtol=1e-10, atol=1e-16)
        np.testing.assert_allclose(r.D_cell, ref.D_cell, rtol=0, atol=1e-10)
        np.testing.assert_allclose(r.power_cell, ref.power_cell, rtol=1e-10, atol=1e-16)


@pytest.mark.parametrize("Nz", [128, 100])  # 8 cells of 16 points; 8 cells of a 104-point interpolation grid
def test_power_cell_is_power_per_box_mode(Nz):
    """The seed has exactly the power p = seed_power in every box mode, random phases.  power_cell is normalised
    so that its expectation is p [docs §12]: E|psi_c(K_c)|^2 = p sum_n |W(K_n - K_c)|^2 = p (L/ell) mean(W^2) by
    Parseval.  Each value fluctuates like |complex Gaussian|^2 (relative std ~1); 100 realizations x 8 cells x 9 K
    give a standard error of the mean of ~1.5 % (measured from the realizations' means below), so the mean must
    be p within 4 standard errors (and within 6 %)."""
    cfg = QKEConfig(L=100.0, Nz=Nz, Nv=8, t_end=1.0, realizations=1, cell=12.5, seed_power=1e-10,
                    backend="numpy").resolve(A07)
    lay = cfg.cells
    assert lay.n_cell == 8 and lay.K_cell.size == 9 and np.all(np.abs(lay.K_cell) <= cfg.nz_rule.K_reach)
    k = NumpyKernel(cfg, cfg.D_v)
    means = []
    for r in range(100):
        d = k.diagnose(k.initial_u(seed_state(cfg.D_v, cfg, r), 0.0), 0.0)
        means.append(np.mean(d["power_cell"]) / cfg.seed_power)
    means = np.array(means)
    se = means.std(ddof=1) / np.sqrt(means.size)
    assert se < 0.02
    assert abs(means.mean() - 1.0) < min(4 * se, 0.06), (means.mean(), se)


# -- a wave packet in a stable medium --------------------------------------------------------------------------------
NV_P, L_P, NZ_P, K0, S_P = 16, 1200.0, 640, 1.0, 10.0


def _top_branch(D_v, v, w, K):
    """The largest real root of M(K) and its eigenvector (normalised: sum_v w_v |e_v|^2 = 1).  For the isotropic
    D = 1/2 every root is real and W^(1/2) M W^(-1/2) is symmetric (W = diag(w)) [docs §3]."""
    sq = np.sqrt(w)
    S = sq[:, None] * discrete_matrix(D_v, v, w, K) / sq[None, :]
    ev, U = np.linalg.eigh(0.5 * (S + S.T))
    e = U[:, -1] / sq
    return ev[-1], (e if w @ e > 0 else -e)


def _packet_run(matter, t_end=200.0, n_out=8):
    """A Gaussian packet of the top (superluminal) branch of isotropic:D0=1 around K0 = 1 (density width 10),
    amplitude 1e-6 (linear), started at z = L/2; returns the times, the centroid <z> and the mean wavenumber <K> of
    the density sum_v w_v |psi_v|^2, and the cells' spectra."""
    cfg = QKEConfig(L=L_P, Nz=NZ_P, Nv=NV_P, t_end=t_end, dt_out=t_end / n_out, realizations=1, matter=matter,
                    backend="numba").resolve("isotropic:D0=1")
    vg, box = cfg.vgrid(), cfg.box()
    v, w, D_v = vg.v, vg.w, cfg.D_v
    psi_K = np.zeros((NV_P, NZ_P), complex)
    for i, K in enumerate(box.K):
        a = 1e-6 * np.exp(-((K - K0) * S_P) ** 2)  # |a_K|^2 has std 1 / (2 S_P) = 0.05 in K
        if a > 1e-22:
            psi_K[:, i] = a * _top_branch(D_v, v, w, K)[1] * np.exp(-1j * K * L_P / 2)
    psi = np.fft.ifft(psi_K, axis=1) * NZ_P
    P = np.stack([psi.real, psi.imag, np.broadcast_to(D_v[:, None], psi.shape)])
    kern = make_kernel(cfg, D_v)
    u = kern.initial_u(P, 0.0)
    t, zc, Kc, cells, power = [], [], [], [], []
    for n in range(n_out + 1):
        tn = n * cfg.dt_out
        X = kern.true_state(u, tn)
        q = X[0] + 1j * X[1]
        rho_z = w @ np.abs(q) ** 2
        rho_K = w @ np.abs(np.fft.fft(q, axis=1)) ** 2
        t.append(tn)
        zc.append(box.z @ rho_z / rho_z.sum())
        Kc.append(box.K @ rho_K / rho_K.sum())
        cells.append(kern.diagnose(u, tn).get("power_cell"))
        power.append(float(np.sum(np.abs(np.fft.fft(w @ q)) ** 2)))
        if n < n_out:
            u = kern.advance(u, cfg.steps_per_out, tn)
    return cfg, np.array(t), np.array(zc), np.array(Kc), cells, np.array(power)


def test_packet_moves_at_the_group_velocity():
    """lambda = 0: the centroid of a one-branch packet moves at the spectrum-weighted d Omega/dK, which for a narrow
    packet is v_g(K0) of linear theory on the same grid (the correction is sigma_K^2 v_g''/2 ~ 1e-5 here), within
    1 % (measured 5e-5)."""
    cfg, t, zc, Kc, _, _ = _packet_run(None)
    vg = cfg.vgrid()
    Om = _top_branch(cfg.D_v, vg.v, vg.w, K0)[0]
    v_g = flavomon_properties(Om, K0, "isotropic:D0=1", Nv=NV_P).group_velocity.real
    assert 0.4 < v_g < 0.6  # a real, superluminal branch with a clear velocity
    assert zc[-1] - zc[0] > 80  # it travelled many packet widths
    measured = np.polyfit(t, zc, 1)[0]
    assert abs(measured / v_g - 1) < 0.01, (measured, v_g)
    assert np.max(np.abs(Kc - K0)) < 1e-4  # no background: the wavenumber stays


def test_packet_wavenumber_follows_the_ray_equation():
    """lambda(z) = A sin(2 pi z / L) with L = 1200 (200 packet widths): Omega(K, z) = Omega_hom(K) - lambda(z) [docs §11],
    so along the ray dz/dt = v_g(K), dK/dt = -dOmega/dz = lambda'(z).  The packet starts where lambda' = -A 2 pi / L
    and its mean wavenumber falls by 0.30 in t = 200 (while v_g drops from 0.51 to 0.36).  The change of <K> follows
    the ray integrated with v_g(K) of the same discrete linear theory within 1 % (measured 0.15 %: the packet samples
    lambda' over its width, a relative correction (2 pi / L)^2 var(z) / 2 ~ 2e-3)."""
    A = 0.3
    cfg, t, zc, Kc, cells, _ = _packet_run(f"sin:amplitude={A},wavelength={L_P}")
    vg = cfg.vgrid()
    Ks = np.linspace(0.3, 1.6, 261)
    v_g = CubicSpline(Ks, [_top_branch(cfg.D_v, vg.v, vg.w, K)[0] for K in Ks]).derivative()
    kb = 2 * np.pi / L_P
    ray = solve_ivp(lambda _, y: [v_g(y[1]), A * kb * np.cos(kb * y[0])], (0.0, t[-1]), [L_P / 2, K0], t_eval=t,
                    rtol=1e-10, atol=1e-12)
    dK_box, dK_ray = Kc[1:] - K0, ray.y[1][1:] - K0
    assert dK_ray[-1] < -0.25  # a large change: 5 spectral widths
    assert np.max(np.abs(dK_box / dK_ray - 1)) < 0.01, (dK_box, dK_ray)
    assert abs((zc[-1] - zc[0]) / (ray.y[0][-1] - ray.y[0][0]) - 1) < 0.01
    # the coarse-grained output sees it: the local spectrum of the cell holding the packet peaks within one
    # K_cell spacing (2 pi / 150 = 0.042) of <K>
    lay = cfg.cells
    c = int(np.argmin(np.abs(lay.z_cell - zc[-1])))
    assert abs(lay.K_cell[np.argmax(cells[-1][c])] - Kc[-1]) <= 2 * np.pi / lay.ell


def test_packet_keeps_the_action_not_the_power():
    """What a wave keeps along its ray in a stable medium is the action X P (the flavomon number N = X P / 4), not the
    power P of psi_0 [docs §12].  In the sine lambda above <K> falls from 1.0 to 0.70 in t = 200, X of the branch
    falls from 1.26 to 1.11, and sum_K |psi_0,K|^2 rises by 14 %, while X(<K>) sum |psi_0|^2 stays within 2e-3
    (measured 8e-4: X is taken at <K>, not averaged over the packet's width 0.05 in K)."""
    A = 0.3
    cfg, _, _, Kc, _, power = _packet_run(f"sin:amplitude={A},wavelength={L_P}")
    vg = cfg.vgrid()
    X_at = []
    for K in (K0, Kc[-1]):
        Om = _top_branch(cfg.D_v, vg.v, vg.w, K)[0]
        X_at.append(float(X_factor(GridState.build(cfg.D_v, vg.v, vg.w), np.array([Om + 0j]), np.array([K]))[0].real))
    assert power[-1] / power[0] - 1 > 0.1  # the power of psi_0 is not what is kept
    assert abs(X_at[1] * power[-1] / (X_at[0] * power[0]) - 1) < 2e-3, (X_at, power[[0, -1]])


# -- resolution ------------------------------------------------------------------------------------------------------
def test_resolution_holds_the_local_drift():
    """A mode at fixed z acquires the local wavenumber lambda'(z) t [docs §12]: for G = 0 and a periodic lambda the
    box must hold K up to max|K_band| + max|lambda'| t_end (the bands of every sampled local distribution)."""
    t_end = 100.0
    cfg = QKEConfig(L=100.0, Nz="auto", Nv=16, t_end=t_end, matter=SIN, backend="numpy").resolve(A07)
    rule = cfg.nz_rule
    slope = 0.3 * 2 * np.pi / 100
    assert rule.K_reach == pytest.approx(rule.K_band + slope * t_end, rel=1e-12)
    assert cfg.Nz == fft_size(5.5 * rule.K_reach * 100.0 / np.pi)
    rec = cfg.resolution_record()
    assert rec["K_reach"] == rule.K_reach and rec["lambda_slope_max"] == pytest.approx(slope)
    assert rec["n_cell"] == 8 and rec["cell_ell"] == 100.0 / 8
    # a modulated distribution: the bands of a = 0.65 .. 0.75 count (a = 0.65 reaches further than a = 0.7)
    v = cfg.vgrid().v
    from flavomon.background import modulation_samples, parse_modulate

    local = [(d, d.on_grid(v)) for d in modulation_samples(A07, parse_modulate(MOD))]
    base = nz_rule(None, v, cfg.D_v, 100.0, drift_range=(0.0, 0.0))
    wide = nz_rule(None, v, cfg.D_v, 100.0, drift_range=(0.0, 0.0), local=local)
    assert wide.K_band > base.K_band and wide.n_local == 9


def test_resolution_samples_a_modulation_shorter_than_the_bands_scale():
    """A modulation of wavelength 0.5 (far below the WKB rule) is a wavenumber 2 pi / 0.5 = 12.6 that the grid must
    hold at the rule's margin (11 points per wavelength): before, the rule saw only the bands (K_reach ~ 2) and the
    64-point-per-100 grid of such a rule sampled the modulation at arbitrary phases (aliased).  An explicit Nz
    with fewer than 2 points per wavelength is refused in one line."""
    from flavomon.errors import FlavomonInputError, PhysicsWarning

    short = "a=0.05,wavelength=0.5"
    with pytest.warns(PhysicsWarning, match="WKB invalid"):
        cfg = QKEConfig(L=100.0, Nz="auto", Nv=16, t_end=4.0, modulate=short, backend="numpy").resolve(A07)
    rule = cfg.nz_rule
    assert rule.K_reach == pytest.approx(2 * np.pi / 0.5, rel=1e-12) and rule.K_reach > 3 * rule.K_band
    assert cfg.Nz == fft_size(5.5 * rule.K_reach * 100.0 / np.pi)
    assert 100.0 / cfg.Nz <= 0.5 / 11  # at least 11 grid points per modulation wavelength
    with pytest.raises(FlavomonInputError) as e:
        QKEConfig(L=100.0, Nz=256, Nv=16, t_end=4.0, modulate=short, backend="numpy").resolve(A07)
    assert "\n" not in str(e.value) and "cannot sample the --modulate wavelength 0.5" in str(e.value)


def test_infeasible_run_with_a_modulated_background_is_one_line():
    """The step count and memory checks see the z-dependent D_v(z) (its largest |D_v| sets the rate scale)."""
    from flavomon.errors import FlavomonInputError

    with pytest.raises(FlavomonInputError) as e:
        QKEConfig(**BOX, t_end=1e9, dt_out=1e9, dt=1.0, modulate=MOD, backend="numpy").resolve(A07)
    assert "\n" not in str(e.value) and "steps" in str(e.value)
