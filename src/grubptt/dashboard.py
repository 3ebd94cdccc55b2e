"""The Explore dashboard: one setting → both models' gradient flows → the four plots on one figure.

- :class:`Setting` and :func:`compute`: the numbers (from :mod:`grubptt.analysis`), cached per
  model so that a control change recomputes only what it affects.
- :func:`draw_dashboard`: the four panels as one matplotlib figure (the live widget draws them in
  the browser instead: :mod:`grubptt.widget`).

Chapter: ``book/10_explore.ipynb``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import math
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from . import analysis, forward, rnn_forward
from .activations import OUTPUTS
from .plots import MODEL_COLORS, plot_dh_norms, plot_last_gain, plot_singular_values, plot_term_norms

__all__ = ["Setting", "compute", "clear_cache", "one_blas_thread", "draw_dashboard", "render_png"]


@dataclass(frozen=True)
class Setting:
    """One point of the explorer's control space; ValueError for a setting no model can have."""

    T: int = 200
    hidden_size: int = 32
    seed: int = 0
    radius: float = 1.0
    bz: float = 0.0
    output: str = "identity"
    model: str = "GRU"

    def __post_init__(self):
        def integer(name, lo):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                raise ValueError(f"Setting.{name} must be an integer >= {lo}, got {v!r}")

        integer("T", 0)
        integer("hidden_size", 1)
        integer("seed", 0)
        for name in ("radius", "bz"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(v):
                raise ValueError(f"Setting.{name} must be a finite number, got {v!r}")
        if self.radius < 0:
            raise ValueError(f"Setting.radius must be >= 0, got {self.radius!r}")
        if self.output not in OUTPUTS:
            raise ValueError(f"Setting.output must be one of {list(OUTPUTS)}, got {self.output!r}")
        if self.model not in MODEL_COLORS:
            raise ValueError(f"Setting.model must be one of {list(MODEL_COLORS)}, got {self.model!r}")


@functools.cache
def _blas_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()       # finding the BLAS libraries takes ~1 ms: once, not per update


def one_blas_thread() -> contextlib.AbstractContextManager:
    """Context: BLAS on one thread when threadpoolctl is installed (else a no-op).

    The widget's matrices are tiny (H ≤ 128); on a busy 2-core machine, OpenBLAS threads
    made the stacked Jacobian products 10× slower than one thread.  The one piece of module
    state here: the ThreadpoolController (which BLAS libraries are loaded), found on first use
    and kept for the process (``_blas_controller``); the thread count is restored on exit.
    """
    controller = _blas_controller()
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


def _freeze(flow: analysis.GradientFlow) -> analysis.GradientFlow:
    """Make a cached flow's arrays read-only: every caller of :func:`compute` shares them."""
    for a in (flow.dh_norm, flow.last_norm, flow.jac_t, flow.jac_sv, *flow.term_norms.values()):
        a.setflags(write=False)
    return flow


@functools.lru_cache(maxsize=4)
def _forward(model: str, T: int, hidden_size: int, seed: int, radius: float, bz: float, output: str):
    """(params, forward cache, targets Y) of one model on the setting's sequence.

    Cached because most control changes leave one model as it was: b_z does not touch the
    SimpleRNN, switching the shown model touches neither.  Four entries: ≤ ~40 MB at T = 1000, H = 128.
    """
    x, Y = analysis.make_data(T, seed=seed, output=output)
    if model == "GRU":
        params = analysis.make_gru(hidden_size, seed=seed, radius=radius, bz=bz)
        return params, forward(params, x, output=output), Y
    params = analysis.make_rnn(hidden_size, seed=seed, radius=radius)
    return params, rnn_forward(params, x, output=output), Y


@functools.lru_cache(maxsize=4)
def _run(*key):
    """(params, forward cache, flow without Jacobians) of ``_forward(*key)``: its BPTT (9.22)."""
    params, cache, Y = _forward(*key)
    return params, cache, _freeze(analysis.gradient_flow(params, cache, Y, max_jacobians=0))


@functools.lru_cache(maxsize=8)
def _jacobians(key: tuple, max_jacobians: int) -> tuple[np.ndarray, np.ndarray]:
    """(steps, singular values) of the step Jacobians of ``_forward(*key)``, as in ``gradient_flow``."""
    params, cache, _ = _forward(*key)
    ts = analysis.sample_steps(cache.T, max_jacobians)
    sv = analysis.jacobian_singular_values(params, cache, ts) if ts.size else np.empty((0, cache.H))
    ts.setflags(write=False)
    sv.setflags(write=False)
    return ts, sv


def clear_cache() -> None:
    """Forget every computed setting (benchmarks time uncached updates with it)."""
    for f in (_forward, _run, _jacobians):
        f.cache_clear()


def compute(s: Setting, *, max_jacobians: int = 40) -> dict[str, analysis.GradientFlow]:
    """Gradient flows of a GRU and a SimpleRNN with the same sizes, seed and sequence.

    Both recurrent parts get spectral radius ``s.radius``; ``s.bz`` only exists in the GRU.
    Step-Jacobian singular values (≤ ``max_jacobians`` steps) only for ``s.model``, the one
    whose Jacobians the dashboard shows.  Results are cached per model (a few settings
    back), so a control change recomputes only what it affects; the returned arrays are
    read-only because of that.
    """
    if not isinstance(s, Setting):
        raise ValueError(f"s must be a Setting, got {type(s).__name__}")
    keys = {m: (m, int(s.T), int(s.hidden_size), int(s.seed), float(s.radius),
                float(s.bz) if m == "GRU" else 0.0, s.output) for m in MODEL_COLORS}
    # One thread, BLAS included: in JupyterLab the kernel shares the cores with the browser, the
    # Jupyter server and whatever else runs, and a second thread (the Jacobians beside the BPTT
    # loops) made an update slower there, not faster (benchmarks/README.md, bench_lab).
    with one_blas_thread():
        for m in MODEL_COLORS:
            _run(*keys[m])
        jac = _jacobians(keys[s.model], max_jacobians)
    flows = {}
    for m in MODEL_COLORS:
        flow = _run(*keys[m])[2]
        ts, sv = jac if m == s.model else (flow.jac_t, flow.jac_sv)
        flows[m] = dataclasses.replace(flow, term_norms=dict(flow.term_norms), jac_t=ts, jac_sv=sv)
    return flows


def draw_dashboard(flows: dict[str, analysis.GradientFlow], model: str = "GRU",
                   figsize: tuple[float, float] = (11.0, 6.4)) -> Figure:
    """The four panels of the explorer as one matplotlib figure (the widget's picture before it runs).

    ``flows`` as :func:`compute` gives them; ``model`` is shown in the ‖dh‖, terms and Jacobian
    panels, every flow in the distance panel.  Drawn by the :mod:`grubptt.plots` functions of the
    static figures; the live widget draws the same panels in the browser (``js/dashboard.js``).
    """
    if model not in flows:
        raise ValueError(f"model must be one of {list(flows)}, got {model!r}")
    fig = Figure(figsize=figsize)
    # Fixed margins, with room right of each panel for its legend: constrained layout would measure
    # every log tick label and take ~1.5 s here.
    fig.subplots_adjust(left=0.07, right=0.87, top=0.9, bottom=0.09, hspace=0.4, wspace=0.5)
    a = fig.subplots(2, 2)
    f = flows[model]
    plot_dh_norms(f, a[0, 0])
    plot_term_norms(f, a[0, 1])
    plot_last_gain(list(flows.values()), a[1, 0])
    plot_singular_values(f, a[1, 1])
    fig.suptitle(f"T = {f.T}")
    return fig


def render_png(fig: Figure, dpi: float = 72) -> bytes:
    """The figure as PNG bytes (Agg), without pyplot, so nothing else gets displayed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
