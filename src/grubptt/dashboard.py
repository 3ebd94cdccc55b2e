"""The Explore dashboard: one setting → both models' gradient flows → the four plots on one figure.

- :class:`Setting` and :func:`compute`: the numbers (from :mod:`grubptt.analysis`), cached per
  model so that a control change recomputes only what it affects.
- :class:`Dashboard`: the four panels of :mod:`grubptt.plots` on one persistent figure, redrawn
  fast enough for a live widget (:mod:`grubptt.fastdraw` says why that needs help).

Chapter: ``book/10_explore.ipynb``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullLocator

from . import analysis, forward, rnn_forward
from .activations import OUTPUTS
from .fastdraw import Stamp, Ticks, log_ticks, png_rgb, power_label
from .plots import FLOOR, MODEL_COLORS, DhPanel, GainPanel, SVPanel, TermsPanel

__all__ = ["Setting", "compute", "clear_cache", "one_blas_thread", "Dashboard", "draw_dashboard",
           "render_png"]


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
    made the stacked Jacobian products 10× slower than one thread.
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
    other = next(m for m in MODEL_COLORS if m != s.model)
    with one_blas_thread(), ThreadPoolExecutor(max_workers=1) as pool:
        _forward(*keys[s.model])
        # The shown model's Jacobians need only its forward run: they and their SVDs (numpy releases
        # the GIL there) run beside both models' BPTT (Python loops), also when the other model is
        # cached (a b_z move): on two free cores that hides their ~11 ms.
        jacobians = pool.submit(_jacobians, keys[s.model], max_jacobians)
        _run(*keys[s.model])
        _run(*keys[other])
        jac = jacobians.result()
    flows = {}
    for m in MODEL_COLORS:
        flow = _run(*keys[m])[2]
        ts, sv = jac if m == s.model else (flow.jac_t, flow.jac_sv)
        flows[m] = dataclasses.replace(flow, term_norms=dict(flow.term_norms), jac_t=ts, jac_sv=sv)
    return flows


class Dashboard:
    """The four panels of :mod:`grubptt.plots` on one persistent figure, updated in place.

    Re-creating four log-scale axes, or letting matplotlib lay out their tick labels, costs
    several hundred ms per update; here the panels move their lines' data, tick labels come
    from :class:`grubptt.fastdraw.Ticks`, and :meth:`png` redraws only what changed (blitting):
    frames, titles, axis labels and legends are drawn once per model and reused as pixels.
    """

    def __init__(self, figsize: tuple[float, float] = (11.0, 6.4), dpi: float = 80):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 10 <= dpi <= 600:
            raise ValueError(f"dpi must be a number in 10..600, got {dpi!r}")
        self.fig = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self._backgrounds: dict[str, object] = {}          # per model: pixels of everything static
        self.fig.subplots_adjust(left=0.1, right=0.87, top=0.89, bottom=0.1, hspace=0.55, wspace=0.55)
        self.axes = a = self.fig.subplots(2, 2)
        self.panels = (DhPanel(a[0, 0]), TermsPanel(a[0, 1]), GainPanel(a[1, 0]), SVPanel(a[1, 1]))
        self.ticks = []
        for ax in a.flat:
            for axis in (ax.xaxis, ax.yaxis):              # keep the axis label, drop matplotlib's ticks
                axis.set_major_locator(NullLocator())
                axis.set_minor_locator(NullLocator())
            ax.xaxis.set_label_coords(0.5, -0.17)
            ax.yaxis.set_label_coords(-0.19, 0.5)
            ax.title.set_fontsize("medium")
            self.ticks.append((Ticks(ax, "x", 9.5), Ticks(ax, "y", 9.5)))
        for panel in self.panels:                          # the floor note, pasted instead of laid out
            note = panel.note
            panel.note = Stamp(panel.ax, note.get_text(), (1.03, FLOOR), note.get_transform(), 7.5)
            panel.note.set_visible(False)
            note.remove()
        self.suptitle = self.fig.suptitle("", fontsize="large")
        self._model = None

    # Names the tests and readers use for the lines of each panel.
    @property
    def dh(self):
        return self.panels[0].lines[self._model]

    @property
    def terms(self):
        return self.panels[1].lines

    @property
    def gain(self):
        return self.panels[2].lines

    @property
    def sv(self):
        return [self.panels[3].lines[k] for k in ("largest", "median", "smallest")]

    def update(self, flows: dict[str, analysis.GradientFlow], model: str = "GRU") -> Figure:
        """Show ``flows[model]`` in the dh, terms and Jacobian panels, every flow's gain in the third."""
        if model not in flows:
            raise ValueError(f"model must be one of {list(flows)}, got {model!r}")
        f = flows[model]
        dh, terms, gain, sv = self.panels
        dh.show(f, key=model)
        dh.hide_except([model])
        terms.show(f)
        gain.show(list(flows.values()))
        sv.show(f)
        self._model = model
        x_locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=True)
        for panel, (xt, yt) in zip(self.panels, self.ticks, strict=True):
            (x0, x1), (y0, y1) = panel.data_limits()
            panel.ax.set_xlim(x0, x1)
            v = x_locator.tick_values(x0, x1)
            v = v[(v >= x0) & (v <= x1)]
            xt.set_ticks(v, [f"{x:g}" for x in v])
            panel.ax.set_ylim(y0, y1)
            v = log_ticks(y0, y1)
            yt.set_ticks(v, [power_label(y) for y in v])
        self.suptitle.set_text(f"T = {f.T}")
        return self.fig

    def _dynamic(self):
        """The artists that change with every update, in drawing (z) order."""
        for panel, ticks in zip(self.panels, self.ticks, strict=True):
            yield from (a for a in panel.dynamic() if a.get_visible())
            yield from ticks
        yield self.suptitle

    def redraw(self) -> None:
        """Bring the canvas up to date, drawing only what updates change (see :meth:`png`)."""
        dynamic = list(self._dynamic())
        for a in dynamic:
            a.set_animated(True)                     # a full draw now skips them: the background
        try:
            saved = self._backgrounds.get(self._model)
            if saved is None:
                self.canvas.draw()
                saved = self._backgrounds[self._model] = self.canvas.copy_from_bbox(self.fig.bbox)
            else:
                self.canvas.restore_region(saved)
            renderer = self.canvas.get_renderer()
            for a in dynamic:
                a.draw(renderer)
        finally:
            for a in dynamic:
                a.set_animated(False)

    def png(self, *, fast: bool = True) -> bytes:
        """PNG of the current state at the figure's dpi, redrawing only what updates change.

        Gives the same picture as :func:`render_png` of the figure (tested).  ``fast``: light
        compression (the widget's frames are shown once; the static slider's are stored).
        """
        self.redraw()
        return png_rgb(np.asarray(self.canvas.buffer_rgba()), level=1 if fast else 6)


def draw_dashboard(flows: dict[str, analysis.GradientFlow], model: str = "GRU") -> Figure:
    """A new :class:`Dashboard` figure showing ``flows`` (for one-off use; the widget reuses one)."""
    return Dashboard().update(flows, model)


def render_png(fig: Figure, dpi: float = 72, *, fast: bool = False) -> bytes:
    """The figure as PNG bytes (Agg), without pyplot, so nothing else gets displayed.

    ``fast``: light zlib compression (the widget's frames are shown once, speed matters;
    the static slider's are stored in the page, size matters).
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1} if fast else None)
    return buf.getvalue()
