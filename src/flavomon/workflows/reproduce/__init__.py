r"""``flavomon reproduce``: F2's Fig. 1 comparison — QLT against the QKE ensemble — in one call.

For each benchmark distribution :math:`D_v = e^{-2(1-v)^2} - a` [F2 eq. 5] (default
a = 0.9, 0.7, 0.5; box and seed of docs §4) this runs, through the public stage workflows only,

1. the linear analysis (:mod:`flavomon.workflows.modes`, docs §3),
2. the QKE ensemble (:mod:`flavomon.workflows.qke`, [F2 eq. 4], docs §4),
3. full QLT (:mod:`flavomon.workflows.qlt`, [F2 eqs. 10–12], docs §5),
4. resonant QLT (the same workflow with ``resonant=True``, [F2 eqs. 27–30], docs §6),

plus the dispersion diagrams of ``shallow:a=0.95`` (F1 Fig. S4 style) and ``isotropic:D0=1``
(F1 Fig. S5), and writes into one folder every netCDF file, ``fig1.png``/``.pdf``,
``modes.png``, ``thermal.png``, ``report.json`` and ``report.md``.

Because every piece is produced by the same function (and options) that the separate
commands ``flavomon modes/qke/qlt`` call, the report's numbers equal those computed from
separate runs.

**Resume.**  Each piece is one file in the folder, written atomically by its workflow.  A
rerun reuses a piece iff its file exists and the run configuration stored in it equals the
requested one (:func:`flavomon.io.files.config_diff` names the keys that differ); otherwise it
is recomputed.  A QKE ensemble killed mid-run continues from its own checkpoint; a checkpoint
that cannot be continued (another configuration, or damaged: truncated, bit-flipped, impossible
values) is discarded — flavomon's own files in it only — and the piece recomputed, so rerunning
the same command always recovers.  Figures and the report are rebuilt from the files at the end
of every invocation.

**Safety.**  Every file the run will write into the folder is checked before any work (never a
symbolic link, FIFO, socket, device or folder; figures in a format matplotlib writes; the folder
itself not a link), and one reproduction at a time holds the folder's lock file
``DIR/reproduce.lock`` (its pid inside; a second one stops with a one-line error naming it).

Modules: :mod:`.config` (the frozen :class:`ReproduceConfig`), :mod:`.plan` (the pieces),
:mod:`.reuse` (is a file still valid), :mod:`.provenance` (versions, machine) and
:mod:`.pipeline` (the run itself and the report).
"""

from .config import DEFAULT, DEFAULT_OUT, FULL, QUICK, REFERENCE, ReproduceConfig
from .pipeline import ARTEFACTS, build_report, run_reproduce
from .plan import EXTRA_MODES, Piece, plan_pieces
from .reuse import config_mismatch

__all__ = [
    "ARTEFACTS",
    "DEFAULT",
    "DEFAULT_OUT",
    "EXTRA_MODES",
    "FULL",
    "Piece",
    "QUICK",
    "REFERENCE",
    "ReproduceConfig",
    "build_report",
    "config_mismatch",
    "plan_pieces",
    "run_reproduce",
]
