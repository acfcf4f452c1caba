r"""Units and glossary.  [physics.md §1]

All quantities are dimensionless in units of the neutrino-neutrino interaction strength
:math:`\mu = \sqrt2 G_F n_\nu = 1`: times and lengths in :math:`1/\mu`, frequencies and
wavenumbers in :math:`\mu`, lepton-number densities normalised by :math:`n_\nu`.

Glossary (symbol — code name — meaning — source)

=============  ==============  ===============================================  ==============
symbol         code            meaning                                          source
=============  ==============  ===============================================  ==============
v              ``v``           velocity along z, ``cos(theta)`` in [-1, 1]      [F2 2]
w_v            ``w``           Gauss-Legendre weight of node v                  --
D_v            ``D_v``         lepton-number difference per velocity            [F2 2]
psi_v          ``psi_v``       flavour coherence                                [F2 2]
D_n            ``D0, D1, D2``  moments  int dv v^n D_v                          [physics.md §1]
Omega          ``Omega``       complex frequency of a mode e^{-i Omega t+iKz}   [F2 7]
K              ``K``           wavenumber                                       [F2 7]
gamma          ``gamma``       growth rate Im Omega                             --
omega, k       ``omega, k``    shifted variables Omega + D0, K + D1             [physics.md §1]
epsilon        ``epsilon``     dispersion function 1 - I0 + I1 Omega/K          [F2 22]
calD           ``det_D``       determinant form (1-I0)(1+I2)+I1^2 = K/k eps     [physics.md §3]
X_K, Z_K       ``X, Z``        e.d(eps)/dOmega.e and Z = 1/X                    [physics.md §3]
P(K)           ``P``           spectral power density (L/2pi)|psi_{0,K}|^2      [physics.md §1]
|psi_{0,K}|^2  ``power``       power per box mode                               [physics.md §4]
=============  ==============  ===============================================  ==============
"""

MU = 1.0
"""The interaction strength sqrt(2) G_F n_nu; the unit of frequency."""
