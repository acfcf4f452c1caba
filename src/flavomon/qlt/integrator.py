r"""One step of the full-QLT integrator: predictor, corrector, error estimate  [F2 eqs. 10–13; docs §5].

The state is the distribution :math:`D_v` on the velocity grid (a
:class:`~flavomon.linear.discrete.GridState`) and the tracked unstable roots ``r``: their
K-grid index, :math:`\Omega_r` (roots of :math:`\mathcal D_N` for the current ``D_v``) and
spectral density :math:`\mathcal P_r`.  :func:`step` advances it from ``t`` to ``t + h``
without side effects; the driver (:func:`flavomon.qlt.full.run_full_qlt`) adds step control,
dense output, repair of lost roots and the scans for new ones.

The scheme (our design), with :math:`\mathcal L^0_r` the kernel of [F2 eq. 11] at the roots
:math:`\Omega^0_r` of :math:`D^0`:

1. predictor (exponential Euler with frozen roots, exact in the linear phase):
   :math:`\mathcal P^1=\mathcal P^0e^{2\gamma^0h}`,
   :math:`D^1=D^0\exp[-\tfrac12\sum_r dk\,\Delta\mathcal P^1_r\mathcal L^0_r]` (since
   :math:`\int\gamma\mathcal P\,dt=\Delta\mathcal P/2`);
2. roots :math:`\Omega^1_r` of :math:`D^1` by warm-started Newton;
3. corrector: :math:`c_r=(\gamma^0_r+\gamma^1_r)h`, :math:`\mathcal P^2=\mathcal P^0e^{c}`,
   :math:`D^2=D^0-\tfrac12\sum_r dk\,\Delta\mathcal P_r\,[(1-\theta_r)D^0\mathcal L^0_r+\theta_rD^1\mathcal L^1_r]`
   with :math:`\theta(c)=1/(1-e^{-c})-1/c` the centroid of the exponential growth in the step;
4. roots :math:`\Omega^2_r` of :math:`D^2` by Newton from :math:`\Omega^1_r`.

The corrector is second order and **conserves** :math:`D_0=\sum_jw_jD_j` **exactly** (to
round-off and the Newton tolerance), because :math:`\sum_jw_jD_j\mathcal L_r(v_j)=0` holds
at an exact root of the *discrete* relation [F2 eq. 13] and each term pairs a ``D`` with the
kernel of its own roots.  :math:`|D_v|` can only decrease (:math:`\Gamma_v\ge0`); a step that
would flip a sign is rejected, so the sign of every ``D_v`` is kept.  The local error is the
predictor–corrector difference, :math:`\max_v|D^2-D^1|/(atol+rtol|D^0|)` together with
:math:`\max_r|\gamma^1_r-\gamma^0_r|h/(10\,rtol)` for :math:`\ln\mathcal P`; the next step is
``h * clip(0.8 err^{-1/2}, 0.2, 2.5)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..linear.discrete import GridState, X_factor
from .equations import coupling_kernel
from .roots import newton_roots

__all__ = ["QLTState", "StepParams", "StepReport", "step", "theta"]


@dataclass(frozen=True)
class StepParams:
    """Constants of the integrator.

    Attributes
    ----------
    dk : float
        Spacing of the K grid (the measure of the K integral of [F2 eq. 11]).
    gamma_stop : float
        Growth rate below which a root counts as stable (absolute, 1/mu).
    atol, rtol : float
        Local error tolerances on ``D_v`` (absolute, relative to :math:`|D^0|`).
    """

    dk: float
    gamma_stop: float
    atol: float
    rtol: float


@dataclass(frozen=True)
class QLTState:
    """State of full QLT at time ``t``.

    Attributes
    ----------
    t : float
        Time (1/mu).
    gs : GridState
        :math:`D_v(t)` on the velocity grid with its moments.
    iK : ndarray (n,) int
        K-grid index of each tracked root.
    K : ndarray (n,)
        Its wavenumber.
    Om : ndarray (n,) complex
        The root :math:`\\Omega_r` of :math:`\\mathcal D_N` for ``gs``.
    P : ndarray (n,)
        Spectral density :math:`\\mathcal P_r` of the root.
    """

    t: float
    gs: GridState
    iK: np.ndarray
    K: np.ndarray
    Om: np.ndarray
    P: np.ndarray

    @property
    def n(self) -> int:
        """Number of tracked roots."""
        return int(self.iK.size)

    @cached_property
    def L(self) -> np.ndarray:
        """Coupling kernel :math:`\\mathcal L_r(v_j)` [F2 eq. 11] of the roots, shape ``(n, Nv)``."""
        if self.n == 0:
            return np.zeros((0, self.gs.v.size))
        return coupling_kernel(self.gs, self.Om, self.K)


@dataclass(frozen=True)
class StepReport:
    """Error estimate and by-products of one :func:`step`.

    Attributes
    ----------
    accepted : bool
        Whether the step is accepted (``err <= 1`` and no forced rejection).
    reason : str
        ``"accepted"``, ``"lost"`` (a root was lost with a large ``gamma h``), ``"sign"``
        (a ``D_v`` would change sign), ``"err_D"`` or ``"err_P"`` (the larger error part).
    err : float
        Local error in units of the tolerance (inf for a forced rejection).
    h_next : float
        Step to use next (the retry step after a rejection).
    g0, g1 : ndarray (n,)
        Growth rates at the start and (predicted) end of the step; None when rejected early.
    dP : ndarray (n,)
        :math:`\\mathcal P^2-\\mathcal P^0`; None when rejected early.
    ok : ndarray (n,) bool
        Newton converged at the new state (accepted steps).
    lost : ndarray (n,) bool
        Roots lost at the predictor (integrated with their initial rate).
    """

    accepted: bool
    reason: str
    err: float
    h_next: float
    g0: np.ndarray | None = None
    g1: np.ndarray | None = None
    dP: np.ndarray | None = None
    ok: np.ndarray | None = None
    lost: np.ndarray | None = None


LOST_GAIN_DRIFT = 0.05
"""In a gradient, the largest gamma h of a root lost in a step (integrated with its initial rate).  Roots leave
the bands there all the time, at "bp" edges with gamma ~ 0.01 one grid point inside; the homogeneous bound
0.01 then caps the step at ~0.5 for the whole run.  The ln P error of the root that left is at most half of it
(2.5 %); measured on benchmark a = 0.9, G = +-0.004: the final D changes by < 1e-4 in L1 against 0.01."""


def drift_action_factor(gs: GridState, Om: np.ndarray, K0: np.ndarray, K1: np.ndarray, keep: np.ndarray) -> np.ndarray:
    r""":math:`|X(\Omega,K_0)|/|X(\Omega',K_1)|` of each root drifted from :math:`K_0` to :math:`K_1` with :math:`D` fixed
    (1 where ``keep`` is False or the root is lost)  [docs §11].

    When a mode drifts in K it is :math:`|X|\,|\psi_{0,K}|^2` (the flavomon number, up to a constant) that grows as
    :math:`e^{2\int\gamma dt}`, not :math:`|\psi_{0,K}|^2`: measured on the exact linear evolution of a drifting
    label (a = 0.9, G = +-0.004), :math:`\ln|X|P` follows :math:`\int2\gamma\,dt` to 0.005 over 21 e-folds in band 1
    and to 0.3 across K = 0 in band 2, where :math:`|X|` grows 40-fold and :math:`\ln P` misses by 4.  (With D changing
    at fixed K it is :math:`|\psi_{0,K}|^2` that is kept, docs §10.15, so only the K part of the change enters.)
    """
    out = np.ones(Om.shape)
    if not keep.any():
        return out
    Om1, ok = newton_roots(gs, Om[keep], K1[keep], max_jump=0.05 + 0.5 * np.abs(Om[keep].imag), compiled=True)
    X0 = np.abs(X_factor(gs, Om[keep], K0[keep]))
    X1 = np.abs(X_factor(gs, Om1, K1[keep]))
    f = np.where(ok & np.isfinite(X0) & np.isfinite(X1) & (X1 > 0), X0 / np.where(X1 > 0, X1, 1.0), 1.0)
    out[keep] = f
    return out


def theta(c: np.ndarray) -> np.ndarray:
    """Centroid of e^{cs} on s in [0, 1]: 1/(1-e^{-c}) - 1/c (-> 1/2 + c/12 for small c)."""
    c = np.asarray(c, dtype=float)
    small = np.abs(c) < 1e-3
    cs = np.where(small, 1.0, c)
    th = 1.0 / (-np.expm1(-cs)) - 1.0 / cs
    return np.where(small, 0.5 + c / 12.0, th)


def step(state: QLTState, h: float, params: StepParams, dK: float = 0.0, *,
         compiled: bool | None = None) -> tuple[QLTState | None, StepReport]:
    r"""Advance full QLT by one step ``h``: predictor, corrector, error estimate  [F2 eqs. 10–13].

    See the module docstring for the scheme.  No side effects.

    Parameters
    ----------
    state : QLTState
        State at ``t`` with at least one root.
    h : float
        Step.
    params : StepParams
        Grid spacing, growth-rate floor and tolerances.
    dK : float
        Drift of every root's wavenumber over the step, :math:`Gh` in a uniform matter gradient
        (docs §11): the roots at ``t + h`` are those at ``K + dK``.  0 (default) is the homogeneous case.
    compiled : bool or None
        Newton by the compiled loop (:func:`flavomon.qlt.roots.newton_roots`, equal to round-off); None (default):
        in a gradient only, so that the homogeneous step stays bit for bit.

    Returns
    -------
    new_state : QLTState or None
        The state at ``t + h`` (None when the step is rejected).  Roots where Newton did not
        converge keep their starting value; ``report.ok`` marks them.
    report : StepReport
        Error estimate, the next step and what the driver needs for dense output and repair.
    """
    gs, Om, Kr, P = state.gs, state.Om, state.K, state.P
    v, w = gs.v, gs.w
    dk, gstop, atol, rtol = params.dk, params.gamma_stop, params.atol, params.rtol
    L0 = state.L
    D = gs.D_v
    g0 = Om.imag
    # ---- predictor: exponential Euler with frozen roots -----------------------------------
    c0 = 2.0 * g0 * h
    dP1 = P * np.expm1(c0)
    x0 = 0.5 * dk * (dP1 @ L0)
    D1 = D * np.exp(-x0)
    gs1 = GridState.build(D1, v, w)
    K1 = Kr + dK if dK != 0.0 else Kr  # the roots at the end of the step sit at the drifted K [docs §11]
    # in a gradient (and for the ray tracer) the compiled Newton (round-off level); the homogeneous step stays bit for bit
    fast = dK != 0.0 if compiled is None else bool(compiled)
    Om1, ok1 = newton_roots(gs1, Om, K1, max_jump=0.05 + 0.5 * np.abs(Om.imag), compiled=fast)
    lost = ~ok1 | (Om1.imag <= gstop)
    # a root lost in the step (went stable or Newton failed) is integrated with its
    # initial rate only (theta = 0 keeps D0 exact); allowed while 2 gamma h stays small
    judged = lost & (P > 0) if dK != 0.0 else lost  # in a gradient, held roots (zero power) carry no ln P
    cap = LOST_GAIN_DRIFT if dK != 0.0 else 0.01
    if judged.any() and h > 1e-6 and float(np.max(g0[judged])) * h > cap:
        return None, StepReport(False, "lost", math.inf, min(0.3 * h, 0.9 * cap / float(np.max(g0[judged]))))
    g1 = np.where(lost, g0, Om1.imag)
    # ---- corrector: conservative trapezoid ----------------------------------------------
    c = (g0 + g1) * h
    th = np.where(lost, 0.0, theta(c))
    dP = P * np.expm1(c)
    inc = (0.5 * dk) * (((dP * (1 - th)) @ L0) * D)
    keep1 = ~lost
    if keep1.any():
        L1 = coupling_kernel(gs1, Om1[keep1], K1[keep1])
        inc += (0.5 * dk) * (((dP * th)[keep1] @ L1) * D1)
    D2 = D - inc
    if np.any(D2 * D <= 0) and np.any(D != 0):
        return None, StepReport(False, "sign", math.inf, h * 0.25, g0=g0, g1=g1, dP=dP, lost=lost)
    # ---- error estimate: predictor - corrector ------------------------------------------
    err_D = float(np.max(np.abs(D2 - D1) / (atol + rtol * np.abs(D))))
    if dK != 0.0:
        # in a gradient, roots held at zero power (labels entering a band, flavomon.qlt.entry) carry no ln P to err
        live = P > 0
        err_P = float(np.max(np.abs(g1 - g0)[live] * h)) / (10 * rtol) if live.any() else 0.0
    else:
        err_P = float(np.max(np.abs(g1 - g0) * h)) / (10 * rtol) if state.n else 0.0
    err = max(err_D, err_P)
    if err > 1.0:
        reason = "err_D" if err_D > err_P else "err_P"
        return None, StepReport(False, reason, err, h * max(0.2, 0.9 / math.sqrt(err)), g0=g0, g1=g1, dP=dP, lost=lost)
    # ---- accept: roots of the new D -----------------------------------------------------
    P2 = P * np.exp(c)
    if dK != 0.0:
        P2 = P2 * drift_action_factor(gs, Om, Kr, K1, keep=~lost & (P > 0))
    gs2 = GridState.build(D2, v, w)
    start = np.where(lost, Om, Om1)
    Om2, ok2 = newton_roots(gs2, start, K1, max_jump=0.05 + 0.5 * np.abs(start.imag), compiled=fast)
    Om2 = np.where(ok2, Om2, start)
    new = QLTState(t=state.t + h, gs=gs2, iK=state.iK, K=K1, Om=Om2, P=P2)
    h_next = h * min(2.5, max(0.2, 0.8 / math.sqrt(max(err, 1e-10))))
    return new, StepReport(True, "accepted", err, h_next, g0=g0, g1=g1, dP=dP, ok=ok2, lost=lost)
