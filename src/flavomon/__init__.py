"""flavomon: fast flavor instabilities in dense neutrino gases.

Linear theory of flavor waves (flavomons), the fast-flavor QKE in a 1D periodic box, and the quasi-linear theory
(QLT) of Fiorillo & Raffelt [F1, F2].  Units: mu = sqrt(2) G_F n_nu = 1; modes go as exp(-i Omega t + i K z) and
gamma = Im Omega [docs §1].

A first session::

    import flavomon as fm
    dist = fm.from_spec("benchmark:a=0.9")           # or fm.from_callable(f), fm.from_table(v, D), fm.from_file(p)
    gamma, K, Omega = fm.growth_rate_max(dist)       # fastest growth rate
    modes = fm.find_modes(dist)                      # every root Omega(K), branches, Z, flavomon labels
    qlt = fm.run_qlt(dist, fm.QLTConfig(t_end=300))  # full QLT; QLTConfig(resonant=True) for resonant QLT
    fm.plot(qlt, "qlt.png"); fm.save(qlt, "qlt.nc")

The curated names below are the stable API; the subpackages :mod:`flavomon.linear`, :mod:`flavomon.qke`,
:mod:`flavomon.qlt`, :mod:`flavomon.io`, :mod:`flavomon.plotting` and :mod:`flavomon.sweep` offer more.

Distributions
    from_spec, from_callable, from_table, from_file, Distribution; the families benchmark, shallow, isotropic
Linear theory
    find_modes, ModesResult, growth_rate_max, unstable_bands, UnstableBand;
    in a matter gradient band_gain, drift_gain, critical_gradient
QKE box solver
    run_qke, QKEConfig, QKEResult
Quasi-linear theory
    run_qlt, QLTConfig, QLTResult, resonant_final_state
Files and figures
    save, load, plot
Errors, warnings, citation
    FlavomonInputError, FlavomonError, PhysicsWarning, citation
"""

import os as _os

# Small dense linear algebra (eig of 100x100 M(K), GL nodes) is 20-50x slower with a
# multi-threaded BLAS on a loaded machine; parallelism in flavomon is across processes
# (realisations, sweep points).  A user's explicit setting wins (setdefault).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")


def _cli_interrupted() -> None:
    """Ctrl-C while the package loads for the ``flavomon`` command: one line and exit 130, like the command itself.

    The console script and ``python -m flavomon`` import this package before any of the command's own code runs,
    so the command cannot catch an interrupt of these imports.  In a library session (a script, a notebook) the
    KeyboardInterrupt propagates as usual.
    """
    import sys

    argv0 = sys.argv[0] if sys.argv else ""
    if argv0 == "-m" or _os.path.basename(argv0) == "flavomon":
        print("flavomon: interrupted", file=sys.stderr)
        raise SystemExit(130) from None


try:
    from ._citation import citation  # noqa: E402
    from ._version import __version__  # noqa: E402
    from .errors import FlavomonError, FlavomonInputError, PhysicsWarning  # noqa: E402
except KeyboardInterrupt:
    _cli_interrupted()
    raise

# The rest of the curated API is imported on first use (PEP 562): ``import flavomon.qke`` in a QKE worker
# process, or the ``flavomon`` command, does not pay for xarray, matplotlib and the QLT (about 1 s per process).
_LAZY = {
    "Distribution": "distributions", "benchmark": "distributions", "from_callable": "distributions",
    "from_file": "distributions", "from_spec": "distributions", "from_table": "distributions",
    "isotropic": "distributions", "shallow": "distributions",
    "PeriodicBox": "grids", "VelocityGrid": "grids",
    "load": "io", "save": "io",
    "ModesResult": "linear", "UnstableBand": "linear", "find_modes": "linear", "growth_rate_max": "linear",
    "unstable_bands": "linear", "band_gain": "linear", "drift_gain": "linear", "critical_gradient": "linear",
    "plot": "plotting",
    "QKEConfig": "qke", "QKEResult": "qke", "run_qke": "qke",
    "QLTConfig": "qlt", "QLTResult": "qlt", "resonant_final_state": "qlt", "run_qlt": "qlt",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'flavomon' has no attribute {name!r}")
    import importlib

    try:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    except KeyboardInterrupt:
        _cli_interrupted()
        raise
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    # distributions
    "Distribution",
    "from_callable",
    "from_file",
    "from_spec",
    "from_table",
    "benchmark",
    "isotropic",
    "shallow",
    # grids
    "PeriodicBox",
    "VelocityGrid",
    # linear theory
    "ModesResult",
    "UnstableBand",
    "find_modes",
    "growth_rate_max",
    "unstable_bands",
    "band_gain",
    "drift_gain",
    "critical_gradient",
    # QKE
    "QKEConfig",
    "QKEResult",
    "run_qke",
    # QLT
    "QLTConfig",
    "QLTResult",
    "resonant_final_state",
    "run_qlt",
    # files and figures
    "load",
    "plot",
    "save",
    # errors, warnings, citation
    "FlavomonError",
    "FlavomonInputError",
    "PhysicsWarning",
    "citation",
]
