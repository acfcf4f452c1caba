"""Figures of flavomon results and files; they take Datasets or results and never run physics.

* :func:`plot` — the standard figure of a ModesResult, QKEResult, QLTResult or of a
  modes/qke/qlt/sweep/predictors Dataset (what ``flavomon plot`` draws);
* :func:`plot_modes` — dispersion diagram (F1 Fig. S4 style); :func:`plot_modes_panels` —
  several side by side;
* :func:`plot_overview`, :func:`plot_D_final`, :func:`plot_D_time`, :func:`plot_spectra` —
  box-averaged D_v and spectra of a qke/qlt run;
* :func:`plot_fig1` — F2's Fig. 1, QLT against the QKE ensemble;
* :func:`plot_predictors` / :func:`predictors_figure` — the final-state predictor comparison of a
  sweep (predictors.png, predictors.nc);
* :func:`plot_sweep` — the standard figure of a sweep.nc (or one of its point files);
* :func:`plot_spacetime` — space–time maps of runs in a z-dependent background, QKE and QLT side by side.
"""

from .evolution import plot_D_final, plot_D_time, plot_overview, plot_spectra
from .fig1 import plot_fig1
from .modes import plot_modes
from .panels import plot_modes_panels
from .predictors import plot_predictors, predictors_figure
from .spacetime import plot_spacetime
from .standard import plot
from .sweep import plot_sweep

__all__ = [
    "plot",
    "plot_D_final",
    "plot_D_time",
    "plot_fig1",
    "plot_modes",
    "plot_modes_panels",
    "plot_overview",
    "plot_predictors",
    "plot_spacetime",
    "plot_spectra",
    "plot_sweep",
    "predictors_figure",
]
