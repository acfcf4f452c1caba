r"""Planning ``flavomon reproduce``: the ordered list of pieces, one output file each.

Per benchmark parameter a: the linear analysis (modes), the QKE ensemble, full QLT and
resonant QLT; then the extra dispersion diagrams of :data:`EXTRA_MODES`.  Each SPEC is parsed
once here into a :class:`~flavomon.distributions.Distribution` that travels with its piece.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ...distributions import Distribution, from_spec
from ...errors import FlavomonInputError
from .config import ReproduceConfig

__all__ = ["Piece", "plan_pieces", "validate_pieces", "EXTRA_MODES", "EXECUTION_KEYS", "a_tag"]

EXTRA_MODES: tuple[tuple[str, str, float, float, int], ...] = (
    ("modes_shallow_a0.95.nc", "shallow:a=0.95", -1.0, 2.5, 351),
    ("modes_isotropic_D0_1.nc", "isotropic:D0=1", 0.01, 2.5, 250),
)
"""Extra dispersion diagrams: (file, SPEC, K_min, K_max, n_K).

The shallow mirror image of the benchmark has its bands at -K of the benchmark's [docs §2
symmetry, §8.2]; the thermal medium's two real branches are even in K (D_1 = 0), shown for
K > 0 as in F1 Fig. S5.
"""

EXECUTION_KEYS = frozenset({"out", "plot", "progress", "command", "workers", "resume", "checkpoint_every"})
"""Option names that change how, not what, a piece is computed; never compared on reuse."""


@dataclass(frozen=True)
class Piece:
    """One file of the reproduction, made by one workflow call.

    Attributes
    ----------
    kind : str
        ``"modes"``, ``"qke"``, ``"qlt"`` or ``"qlt_resonant"``.
    filename : str
        File name inside the output folder.
    distribution : str
        The SPEC as requested (what the report and the log show).
    kwargs : mapping
        Passed verbatim to the workflow; its physics part (:meth:`requested_config`) is the
        configuration compared on reuse.
    a : float or None
        Benchmark parameter, for the benchmark pieces.
    dist : Distribution
        ``distribution`` parsed once (built from the SPEC when not given).
    """

    kind: str
    filename: str
    distribution: str
    kwargs: Mapping[str, Any]
    a: float | None = None
    dist: Distribution = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.dist is None:
            object.__setattr__(self, "dist", from_spec(self.distribution))

    @property
    def label(self) -> str:
        """``"<kind> <SPEC>"`` for log lines."""
        return f"{self.kind} {self.distribution}"

    def requested_config(self) -> dict[str, Any]:
        """The workflow options that decide the result (execution-only options left out)."""
        return {k: v for k, v in self.kwargs.items() if k not in EXECUTION_KEYS}


def a_tag(a: float) -> str:
    """File-name tag of a benchmark parameter: 0.9 -> ``"a0.9"`` (distinct a never share a name)."""
    return f"a{a:.12g}"


def plan_pieces(cfg: ReproduceConfig) -> list[Piece]:
    """The ordered list of pieces for ``cfg`` (per a: modes, QKE, QLT, resonant QLT; then extras)."""
    pieces: list[Piece] = []
    modes_kw = dict(K_min=cfg.modes_K_min, K_max=cfg.modes_K_max, n_K=cfg.modes_n_K)
    qlt_kw = dict(
        Nv=cfg.Nv, n_K=cfg.qlt_n_K, k_min=cfg.k_min, k_max=cfg.k_max, t_end=cfg.t_end,
        seed_power=cfg.seed_power, L=cfg.L, dt_out=cfg.dt_out,
    )
    qke_kw = dict(
        L=cfg.L, Nz=cfg.Nz, Nv=cfg.Nv, t_end=cfg.t_end, dt_out=cfg.dt_out,
        realizations=cfg.realizations, seed=cfg.seed, seed_power=cfg.seed_power, backend=cfg.backend,
        workers=cfg.workers, checkpoint_every=cfg.qke_checkpoint_every,
    )
    for a in cfg.a_values:
        spec = f"benchmark:a={a!r}"
        dist = from_spec(spec)
        tag = a_tag(a)
        pieces.append(Piece("modes", f"modes_{tag}.nc", spec, dict(modes_kw), a, dist))
        pieces.append(Piece("qke", f"qke_{tag}.nc", spec, dict(qke_kw), a, dist))
        pieces.append(Piece("qlt", f"qlt_{tag}.nc", spec, dict(qlt_kw, resonant=False), a, dist))
        pieces.append(Piece("qlt_resonant", f"qlt_resonant_{tag}.nc", spec, dict(qlt_kw, resonant=True), a, dist))
    if 0.9 not in cfg.a_values:  # modes.png always shows benchmark:a=0.9 (F1 Fig. S4 style)
        pieces.append(Piece("modes", "modes_a0.9.nc", "benchmark:a=0.9", dict(modes_kw), 0.9))
    for fname, spec, kmin, kmax, nk in EXTRA_MODES:
        pieces.append(Piece("modes", fname, spec, dict(K_min=kmin, K_max=kmax, n_K=nk)))
    return pieces


def validate_pieces(pieces: list[Piece]) -> None:
    """Check every piece's options before any piece runs (one-line FlavomonInputError naming the problem).

    Each piece's configuration is built exactly as its workflow builds it — the modes K grid
    (:func:`flavomon.workflows.modes.validate_modes_args`), the QKE run (:class:`flavomon.qke.QKEConfig`,
    resolved for its distribution: automatic dt, stability limit), the QLT run
    (:class:`flavomon.qlt.QLTConfig`) — and a QLT piece whose distribution is stable on its
    velocity grid (nothing to evolve, :func:`flavomon.linear.growth_rate_max` = 0) is refused too,
    so a bad option fails in seconds, not after the first pieces ran.
    """
    from ...linear import growth_rate_max
    from ...qke import QKEConfig
    from ...qlt import QLTConfig
    from ..modes import validate_modes_args

    stable_checked: dict[tuple[str, int], float] = {}
    for p in pieces:
        kw = p.requested_config()
        if p.kind == "modes":
            validate_modes_args(kw.get("K_min"), kw.get("K_max"), kw.get("n_K", 351), kw.get("Nv"))
        elif p.kind == "qke":
            QKEConfig(**kw).resolve(p.dist)
        elif p.kind in ("qlt", "qlt_resonant"):
            QLTConfig(**kw)
            key = (p.dist.spec, int(kw["Nv"]))
            if key not in stable_checked:
                stable_checked[key] = float(growth_rate_max(p.dist, Nv=key[1])[0])
            if not stable_checked[key] > 0:
                raise FlavomonInputError(
                    f"{p.distribution} is stable on Nv = {key[1]} velocity nodes (no flavor mode grows): QLT has "
                    f"nothing to evolve; use more nodes (--Nv)"
                )
