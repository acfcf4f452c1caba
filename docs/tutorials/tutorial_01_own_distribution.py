r"""
Your own distribution: modes, growth rate, quasi-linear evolution
=================================================================

A distribution :math:`D_v` given as a plain Python function goes through the whole linear
and quasi-linear chain:

1. ``fm.from_callable(f)`` turns the function into a :class:`flavomon.Distribution`
   (sampled and fitted by a Legendre series so that it can be evaluated at complex
   :math:`v`, which the Landau continuation needs, theory §3);
2. ``fm.find_modes`` finds every root :math:`\Omega(K)` on a grid of :math:`K`,
   ``fm.growth_rate_max`` the fastest growing mode, ``fm.unstable_bands`` the bands;
3. ``fm.run_qlt`` evolves :math:`D_v` with full quasi-linear theory [F2 eqs. 10–12]
   until the instability saturates;
4. a figure compares the initial and the final :math:`D_v`.

Units: :math:`\mu = \sqrt2 G_F n_\nu = 1` (see the units page).
"""

# %%
# The first hour, in a dozen lines
# --------------------------------
# The README's path from a Python function to a figure (the test suite runs the same lines). The
# files go to a temporary folder here; the rest of the page takes the same steps one by one.
import os
import tempfile

here = os.getcwd()
os.chdir(tempfile.mkdtemp(prefix="flavomon-first-hour-"))
import numpy as np
import flavomon as fm

dist = fm.from_callable(lambda v: 0.6 * np.exp(-4 * (1 - v) ** 2) - 0.2, name="my_D")  # your own D(v)
print(fm.unstable_bands(dist))                     # where it is unstable, how fast
modes = fm.find_modes(dist)                        # every branch Omega(K), on an automatic K range
print(modes)                                       # a short summary, not the arrays
qlt = fm.run_qlt(dist, fm.QLTConfig(t_end=300))    # how it relaxes: full quasi-linear theory
print(qlt)
fm.plot(modes, "my_modes.png")                     # the dispersion diagram
fm.plot(qlt, "my_qlt.png")                         # D_v(t) and the spectrum
fm.save(qlt, "my_qlt.nc")                          # the numbers, readable by xarray
os.chdir(here)


# %%
# A distribution as a Python function
# ------------------------------------
# A forward-peaked :math:`\nu_e` excess on a broad :math:`\nu_\mu` background, with one
# angular crossing.  Any callable ``f(v)`` on :math:`[-1, 1]` will do.
import matplotlib.pyplot as plt
import numpy as np

import flavomon as fm


def my_D(v):
    """Lepton-number difference per unit v: a forward nu_e beam minus a broad nu_mu bulk."""
    return 0.9 * np.exp(-((1 - v) ** 2) / 0.18) - 0.35 * np.exp(-((v + 0.2) ** 2) / 0.8)


dist = fm.from_callable(my_D)
print(dist)

# %%
# Modes and the fastest growth rate
# ---------------------------------
# ``find_modes`` returns every root on the grid: unstable, real (neutral) and
# Landau-damped, with the wave-function renormalisation :math:`Z` and the flavomon label.
K = np.linspace(-3.0, 1.5, 181)
modes = fm.find_modes(dist, K)
gamma_max, K_at_max, Omega_at_max = fm.growth_rate_max(dist)
print(f"gamma_max = {gamma_max:.6f} at K = {K_at_max:.5f}, Omega = {Omega_at_max:.5f}")
for band in fm.unstable_bands(dist):
    print(f"band K in [{band.K_lo:.4f} ({band.edge_lo}), {band.K_hi:.4f} ({band.edge_hi})], "
          f"gamma_max = {band.gamma_max:.6f}")

# %%
# The growth rate along :math:`K`: the largest :math:`\operatorname{Im}\Omega` of the roots
# found at each :math:`K`.
im = np.where(np.isfinite(modes.Omega), modes.Omega.imag, -np.inf).max(axis=1)
gamma = np.where(im > 0, im, np.nan)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(K, gamma, color="C3")
ax.axvline(K_at_max, color="0.6", lw=0.8, ls="--")
ax.set_xlabel(r"$K$ [$\mu$]")
ax.set_ylabel(r"$\gamma = \mathrm{Im}\,\Omega$ [$\mu$]")
ax.set_title("unstable modes of my_D")
fig.tight_layout()

# %%
# Quasi-linear theory
# -------------------
# The defaults of :class:`flavomon.QLTConfig` are F2's grid (100 velocity nodes, 600 points
# in :math:`k \in [-2, 2]`) and seed (:math:`10^{-13}` per box mode of a box with
# :math:`L = 100`).  The k range must hold every unstable band; ``find_modes`` above told
# us where they are.
config = fm.QLTConfig(t_end=400.0, k_min=-2.5, k_max=1.5)
result = fm.run_qlt(dist, config)
print(f"status: {result.status}, saturated at t = {result.t_saturation:.1f}")

# %%
# Lepton number :math:`D_0 = \int D_v\,dv` is conserved exactly by full QLT [F2 eq. 13];
# the run shows it to round-off.
D0 = np.asarray(result.D0)
print(f"D0: {D0[0]:.12f} -> {D0[-1]:.12f}  (relative change {abs(D0[-1] - D0[0]) / abs(D0[0]):.1e})")

# %%
# Initial and final :math:`D_v`
# -----------------------------
# The side of the crossing whose sign is opposite to :math:`D_0` is emptied; the rest of the
# distribution absorbs the lepton number that the flavour waves carry (§3, §5).
fig, ax = plt.subplots(figsize=(6, 3.6))
ax.plot(result.v, result.D[0], color="0.3", label="initial")
ax.plot(result.v, result.D[-1], color="C0", label=f"full QLT, t = {result.t[-1]:g}")
ax.axhline(0, color="0.7", lw=0.6)
ax.set_xlabel(r"$v = \cos\theta$")
ax.set_ylabel(r"$D_v$")
ax.legend()
fig.tight_layout()

# %%
# Citing
# ------
# Results obtained this way rest on F1 and F2; ``fm.citation()`` returns their BibTeX and
# the package's.
print(fm.citation())
