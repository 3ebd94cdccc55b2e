"""``grubptt.explore``: everything the Explore and training chapters draw, under one name.

The code lives in modules by role; this module re-exports them (the chapters use
``grubptt.explore.<name>``).  The static book's kernel-less explorer is JavaScript
(``web/explorer.js``); its four panels are drawn by this package's ``js/dashboard.js``.

- :mod:`grubptt.plots`: the four gradient-flow plots (static figures and the dashboard's panels);
- :mod:`grubptt.dashboard`: :class:`Setting`, :func:`compute`, :func:`draw_dashboard` (one figure);
- :mod:`grubptt.widget`: :func:`explorer`, the live ipywidgets UI (needs a kernel), whose picture is
  drawn in the browser by ``js/dashboard.js``, the drawing code of the static explorer;
- :mod:`grubptt.training_plots`: chapter 12's curves, progress bar, recall and gate plots.

Chapters: ``book/10_explore.ipynb``, ``book/11_gru_vs_rnn.ipynb``, ``book/12_training.ipynb``.
"""

from __future__ import annotations

from .dashboard import Setting, compute, draw_dashboard, one_blas_thread, render_png
from .plots import (
    MODEL_COLORS,
    plot_dh_norms,
    plot_last_gain,
    plot_singular_values,
    plot_sv_distribution,
    plot_term_norms,
    term_colors,
)
from .training_plots import plot_gate, plot_recall, plot_training, progress
from .widget import explorer

__all__ = [
    "term_colors", "MODEL_COLORS", "Setting", "compute", "plot_dh_norms", "plot_term_norms",
    "plot_last_gain", "plot_singular_values", "plot_sv_distribution", "draw_dashboard",
    "render_png", "explorer", "plot_training", "progress", "plot_recall", "plot_gate",
    "one_blas_thread",
]
