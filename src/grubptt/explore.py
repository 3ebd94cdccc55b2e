"""Plots and widgets of the "Explore" chapters: watch (9.22) move the gradient back in time.

Matplotlib and ipywidgets live here only; the numbers come from :mod:`grubptt.analysis`.

- Four plots of a :class:`~grubptt.analysis.GradientFlow`: ‖dh^(t)‖, the five terms' norms,
  ‖∂L^(T)/∂h^(t)‖ against T − t (GRU beside SimpleRNN), singular values of ∂h^(t+1)/∂h^(t).
- :func:`explorer`: the live ipywidgets UI (needs a kernel: JupyterLab, Notebook 7, VS Code).
- :func:`static_t_slider`: pre-rendered frames behind an HTML range input, for the online book
  where there is no kernel.  Self-contained: images are inlined, no script file, no network.

Chapters: ``book/10_explore.ipynb``, ``book/11_gru_vs_rnn.ipynb``, ``book/12_training.ipynb``.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import html
import io
import itertools
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from . import analysis

if TYPE_CHECKING:                 # imported lazily at run time: plotting alone needs neither
    import IPython.display
    import ipywidgets
from .activations import OUTPUTS
from .gru import TERMS, forward
from .rnn import RNN_TERMS, rnn_forward

__all__ = [
    "term_colors", "MODEL_COLORS", "Setting", "compute", "plot_dh_norms", "plot_term_norms",
    "plot_last_gain", "plot_singular_values", "plot_sv_distribution", "Dashboard", "draw_dashboard",
    "render_png", "explorer", "static_t_slider", "plot_training", "progress", "plot_recall", "plot_gate",
]

# Used only until grubptt.figures (the derivation chapters' colours) provides PATH_COLORS.
_OWN_COLORS = {"grad_dense": "#444444", "update_gate": "#1f77b4", "candidate": "#2ca02c",
               "reset_gate": "#d62728", "carry": "#ff7f0e", "recurrent": "#9467bd"}
MODEL_COLORS = {"GRU": "#1f77b4", "SimpleRNN": "#d62728"}


def term_colors() -> dict[str, str]:
    """Colour of each term of (9.22); the same as the derivation chapters' figures when available."""
    try:
        from .figures import TERM_COLORS
    except ImportError:
        return dict(_OWN_COLORS)
    return {**_OWN_COLORS, **dict(TERM_COLORS)}


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # pyplot only when the caller wants a new inline figure

    return plt.subplots(figsize=(6, 3.5))[1]


def _positive(a: np.ndarray) -> np.ndarray:
    """Zeros → NaN so that a log axis shows a gap instead of warning."""
    a = np.asarray(a, dtype=float)
    return np.where(a > 0, a, np.nan)


def plot_dh_norms(flow: analysis.GradientFlow, ax: Axes | None = None, **kw) -> Axes:
    """‖dh^(t)‖ against t on a log axis."""
    ax = _axes(ax)
    t = np.arange(flow.T + 1)
    ax.plot(t, _positive(flow.dh_norm), color=kw.pop("color", MODEL_COLORS.get(flow.model)),
            label=kw.pop("label", flow.model), **kw)
    ax.set_yscale("log")
    ax.set_xlabel("t")
    ax.set_ylabel(r"$\|dh^{(t)}\|$")
    ax.set_title(rf"$\|dh^{{(t)}}\|$ along the sequence ({flow.model})")
    return ax


def plot_term_norms(flow: analysis.GradientFlow, ax: Axes | None = None) -> Axes:
    """The norm of each term of (9.22) (or of the SimpleRNN's two) at every t, log axis."""
    ax = _axes(ax)
    colors = term_colors()
    t = np.arange(flow.T + 1)
    for k, v in flow.term_norms.items():
        ax.plot(t, _positive(v), color=colors[k], label=k.replace("_", " "), lw=1.2)
    ax.set_yscale("log")
    ax.set_xlabel("t")
    ax.set_ylabel("norm of term")
    ax.set_title(f"Which path carries the gradient ({flow.model})")
    ax.legend(fontsize="small", ncol=2)
    return ax


def plot_last_gain(flows: Sequence[analysis.GradientFlow], ax: Axes | None = None,
                   labels: Sequence[str] | None = None) -> Axes:
    """‖∂L^(T)/∂h^(T−d)‖ / ‖grad_dense^(T)‖ against the distance d, one line per flow.

    Without ``labels`` each line is named and coloured by its model; with ``labels``
    (one per flow, for comparing settings) colours follow matplotlib's cycle and the
    SimpleRNN lines are dashed.
    """
    ax = _axes(ax)
    if labels is not None and len(labels) != len(flows):
        raise ValueError(f"labels must have one entry per flow ({len(flows)}), got {len(labels)}")
    for i, f in enumerate(flows):
        if labels is None:
            style = {"color": MODEL_COLORS.get(f.model), "label": f.model}
        else:
            style = {"label": labels[i], "ls": "--" if f.model == "SimpleRNN" else "-"}
        ax.plot(f.distance, _positive(f.last_gain), **style)
    ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("distance T − t")
    ax.set_ylabel(r"$\|\partial L^{(T)}/\partial h^{(t)}\|\,/\,\|grad_{dense}^{(T)}\|$")
    ax.set_title("What is left of the last step's error")
    ax.legend(fontsize="small")
    return ax


def plot_singular_values(flow: analysis.GradientFlow, ax: Axes | None = None) -> Axes:
    """Largest, median and smallest singular value of ∂h^(t+1)/∂h^(t) at the measured steps."""
    ax = _axes(ax)
    color = MODEL_COLORS.get(flow.model)
    sv = flow.jac_sv
    if sv.size:
        ax.fill_between(flow.jac_t, _positive(sv[:, -1]), _positive(sv[:, 0]), color=color, alpha=0.2)
        ax.plot(flow.jac_t, _positive(sv[:, 0]), color=color, label="largest")
        ax.plot(flow.jac_t, _positive(np.median(sv, axis=1)), color=color, ls="--", label="median")
        ax.plot(flow.jac_t, _positive(sv[:, -1]), color=color, ls=":", label="smallest")
        ax.legend(fontsize="small")
    ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("t")
    ax.set_ylabel("singular value")
    ax.set_title(rf"Singular values of $\partial h^{{(t+1)}}/\partial h^{{(t)}}$ ({flow.model})")
    return ax


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


def plot_sv_distribution(flows: Sequence[analysis.GradientFlow], labels: Sequence[str],
                         ax: Axes | None = None, bins: int = 60) -> Axes:
    """Histogram of all singular values of all measured step Jacobians, one per flow (log x axis)."""
    ax = _axes(ax)
    if len(labels) != len(flows):
        raise ValueError(f"labels must have one entry per flow ({len(flows)}), got {len(labels)}")
    sv = [f.jac_sv[f.jac_sv > 0].ravel() for f in flows]
    lo = min(v.min() for v in sv if v.size)
    hi = max(v.max() for v in sv if v.size)
    edges = np.geomspace(lo, hi, bins + 1)
    by_model = len({f.model for f in flows}) == len(flows)       # one flow per model: model colours
    for f, v, lab in zip(flows, sv, labels, strict=True):
        ax.hist(v, bins=edges, histtype="step", lw=1.5, label=lab,
                color=MODEL_COLORS.get(f.model) if by_model else None)
    ax.axvline(1.0, color="0.6", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel("singular value of a step Jacobian")
    ax.set_ylabel("count (all steps, all H values)")
    ax.legend(fontsize="small")
    return ax


@dataclass(frozen=True)
class Setting:
    """One point of the explorer's control space."""

    T: int = 200
    hidden_size: int = 32
    seed: int = 0
    radius: float = 1.0
    bz: float = 0.0
    output: str = "identity"
    model: str = "GRU"


def _freeze(flow: analysis.GradientFlow) -> analysis.GradientFlow:
    """Make a cached flow's arrays read-only: every caller of :func:`compute` shares them."""
    for a in (flow.dh_norm, flow.last_norm, flow.jac_t, flow.jac_sv, *flow.term_norms.values()):
        a.setflags(write=False)
    return flow


@functools.lru_cache(maxsize=4)
def _run(model: str, T: int, hidden_size: int, seed: int, radius: float, bz: float, output: str):
    """(params, forward cache, flow without Jacobians) of one model on the setting's sequence.

    Cached because most control changes leave one model as it was: b_z does not touch the
    SimpleRNN, switching the shown model touches neither.  Four entries: ≤ ~40 MB at T = 1000, H = 128.
    """
    x, Y = analysis.make_data(T, seed=seed, output=output)
    if model == "GRU":
        params = analysis.make_gru(hidden_size, seed=seed, radius=radius, bz=bz)
        cache = forward(params, x, output=output)
    else:
        params = analysis.make_rnn(hidden_size, seed=seed, radius=radius)
        cache = rnn_forward(params, x, output=output)
    return params, cache, _freeze(analysis.gradient_flow(params, cache, Y, max_jacobians=0))


@functools.lru_cache(maxsize=8)
def _jacobians(key: tuple, max_jacobians: int) -> tuple[np.ndarray, np.ndarray]:
    """(steps, singular values) of the step Jacobians of ``_run(*key)``, as in ``gradient_flow``."""
    params, cache, _ = _run(*key)
    ts = analysis.sample_steps(cache.T, max_jacobians)
    sv = analysis.jacobian_singular_values(params, cache, ts) if ts.size else np.empty((0, cache.H))
    ts.setflags(write=False)
    sv.setflags(write=False)
    return ts, sv


def compute(s: Setting, *, max_jacobians: int = 40) -> dict[str, analysis.GradientFlow]:
    """Gradient flows of a GRU and a SimpleRNN with the same sizes, seed and sequence.

    Both recurrent parts get spectral radius ``s.radius``; ``s.bz`` only exists in the GRU.
    Step-Jacobian singular values (≤ ``max_jacobians`` steps) only for ``s.model``, the one
    whose Jacobians the dashboard shows.  Results are cached per model (a few settings
    back), so a control change recomputes only what it affects; the returned arrays are
    read-only because of that.
    """
    if s.model not in MODEL_COLORS:
        raise ValueError(f"model must be one of {list(MODEL_COLORS)}, got {s.model!r}")
    flows = {}
    with one_blas_thread():
        for m in MODEL_COLORS:
            key = (m, s.T, s.hidden_size, s.seed, s.radius, s.bz if m == "GRU" else 0.0, s.output)
            flow = _run(*key)[2]
            jac = _jacobians(key, max_jacobians) if m == s.model else (flow.jac_t, flow.jac_sv)
            flows[m] = dataclasses.replace(flow, term_norms=dict(flow.term_norms),
                                           jac_t=jac[0], jac_sv=jac[1])
    return flows


# Tick labels are a small vocabulary (0, 200, 10⁻³, 2·10⁻⁵, …): each is rasterized once per
# (text, size, dpi) and pasted afterwards.  A few hundred entries at most.
_LABEL_IMAGES: dict[tuple[str, float, float], tuple[np.ndarray, int]] = {}


def _label_image(text: str, size: float, dpi: float) -> tuple[np.ndarray, int]:
    """``text`` rendered by matplotlib (Agg) at ``size`` points: (RGBA (h, w, 4) uint8, baseline row).

    The image spans the whole line height (same h for every text of this size), cropped
    left and right to the ink; the baseline lies ``base`` rows above its bottom edge.
    """
    key = (text, float(size), float(dpi))
    hit = _LABEL_IMAGES.get(key)
    if hit is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        px = size * dpi / 72.0
        h, base = int(np.ceil(1.9 * px)), int(np.ceil(0.45 * px))   # room for superscripts and descenders
        w = int(np.ceil((len(text) + 2) * px))
        fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi)
        canvas = FigureCanvasAgg(fig)
        fig.patch.set_visible(False)                 # transparent: the label is blended onto the plot
        fig.text(0.5 * px / w, base / h, text, fontsize=size, va="baseline", ha="left")
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        cols = np.flatnonzero(rgba[..., 3].any(axis=0))
        img = rgba[:, cols[0]:cols[-1] + 1] if cols.size else rgba[:, :0]
        # draw_image wants the bottom row first (canvas buffers are top row first).
        hit = _LABEL_IMAGES[key] = (np.ascontiguousarray(img[::-1]), base)
    return hit


def _padded(v: np.ndarray, log: bool, margin: float = 0.05) -> tuple[float, float]:
    """(lo, hi) of ``v`` widened by ``margin`` of the range on each side, as matplotlib's autoscale does.

    For a log axis ``v`` holds log10 of the data; the result is too.  No data: (0, 1).
    """
    if not v.size:
        return 0.0, 1.0
    lo, hi = float(v.min()), float(v.max())
    if hi - lo < (0.3 if log else 1e-12):                 # a flat line: give it some room
        mid, half = (lo + hi) / 2, (0.3 if log else max(0.5, abs(lo) * 0.05))
        lo, hi = mid - half, mid + half
    d = margin * (hi - lo)
    lo, hi = lo - d, hi + d
    if log:                                               # stay inside float64 (10^-308 .. 10^308)
        lo, hi = max(lo, -300.0), min(hi, 300.0)
    return lo, hi


def _log_ticks(lo: float, hi: float) -> np.ndarray:
    """Tick values for a log axis from lo to hi, 3 to 6 of them where possible.

    Up to 6 decades: the coarsest of 10ⁿ, then 1, 2, 5 × 10ⁿ, then 1..9 × 10ⁿ that gives at
    least 3 ticks without passing 6.  Wider: powers of ten with a round stride in the exponent
    (10⁻⁵⁰, 10⁻¹⁰⁰, …).
    """
    from matplotlib.ticker import MaxNLocator

    if not 0 < lo < hi < np.inf:
        return np.empty(0)
    a, b = np.log10(lo), np.log10(hi)
    if b - a > 6:
        e = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], integer=True).tick_values(a, b)
        v = 10.0 ** e
        return v[(v >= lo * (1 - 1e-9)) & (v <= hi * (1 + 1e-9))]
    decades = 10.0 ** np.arange(np.floor(a), np.ceil(b) + 1)
    v = np.empty(0)
    for subs in ((1.0,), (1.0, 2.0, 5.0), tuple(np.arange(1.0, 10.0))):
        w = np.outer(decades, subs).ravel()
        w = w[(w >= lo * (1 - 1e-9)) & (w <= hi * (1 + 1e-9))]
        if len(w) > 6 and len(v):
            break
        v = w
        if len(v) >= 3:
            break
    return v


class _Ticks(Artist):
    """Tick marks and labels of one axis of a :class:`Dashboard` panel, labels pasted from bitmaps.

    Matplotlib's own ``Axis.draw`` lays out every label's text and measures the neighbouring
    axes' labels on every draw: that was ~90 % of a dashboard redraw.  Here a label is
    rasterized once (:func:`_label_image`) and each draw only blends it in.
    """

    def __init__(self, ax: Axes, axis: str, fontsize: float):
        from matplotlib.lines import TICKDOWN, TICKLEFT, Line2D

        super().__init__()
        self.axis, self.fontsize = axis, fontsize
        self.values, self.labels = np.empty(0), []
        self.set_zorder(3)
        self.set_clip_on(False)
        tr = ax.get_xaxis_transform() if axis == "x" else ax.get_yaxis_transform()
        self.marks = Line2D([], [], transform=tr, ls="none", color="black", clip_on=False,
                            marker=TICKDOWN if axis == "x" else TICKLEFT, markersize=3.5, markeredgewidth=0.8)
        ax.add_artist(self)
        self.marks.set_figure(self.get_figure())

    def set_ticks(self, values: np.ndarray, labels: Sequence[str]) -> None:
        self.values, self.labels = np.asarray(values, dtype=float), list(labels)
        zero = np.zeros(len(self.values))
        self.marks.set_data((self.values, zero) if self.axis == "x" else (zero, self.values))
        self.stale = True

    def draw(self, renderer) -> None:
        if not self.get_visible() or not self.labels:
            return
        self.marks.draw(renderer)
        dpi = self.get_figure().dpi
        px = self.fontsize * dpi / 72.0
        pad = (3.5 + 3.0) * dpi / 72.0                         # tick length + gap, in pixels
        zero = np.zeros(len(self.values))
        xy = np.column_stack((self.values, zero) if self.axis == "x" else (zero, self.values))
        gc = renderer.new_gc()
        for (x, y), text in zip(self.marks.get_transform().transform(xy), self.labels, strict=True):
            img, base = _label_image(text, self.fontsize, dpi)
            if self.axis == "x":                               # centred under the tick, digits' top at pad
                left, baseline = x - img.shape[1] / 2, y - pad - 0.73 * px
            else:                                              # right of the label at pad, digits centred
                left, baseline = x - pad - img.shape[1], y - 0.36 * px
            renderer.draw_image(gc, round(left), round(baseline) - base, img)
        gc.restore()
        self.stale = False


class Dashboard:
    """The four plots on one persistent figure whose artists are updated, not re-created.

    Re-creating four log-scale axes costs several hundred ms in matplotlib; moving the
    data of existing lines is much cheaper.  Hence also: fixed title positions, plain-text
    labels (no mathtext), and tick marks and labels drawn by :class:`_Ticks` from cached
    bitmaps instead of matplotlib's axes.  :meth:`png` goes one step further (blitting):
    titles, frames, legends and background are drawn once per model and reused as pixels;
    each update draws only the data, the ticks and the T label.

    ``figsize`` is small for its pixel count on purpose: text comes out about 10 px high at
    the explorer's dpi 72.
    """

    def __init__(self, figsize: tuple[float, float] = (8.0, 5.2), dpi: float = 72):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        # Per model: pixels of everything static (frames, titles, legends) and of the legends alone.
        self._backgrounds: dict[str, tuple] = {}
        self.fig.subplots_adjust(left=0.085, right=0.985, top=0.895, bottom=0.075, hspace=0.45, wspace=0.2)
        self.axes = a = self.fig.subplots(2, 2)
        self.ticks = []
        for ax in a.flat:
            ax.set_yscale("log")
            ax.xaxis.set_visible(False)               # replaced by _Ticks (and not drawn at all)
            ax.yaxis.set_visible(False)
            self.ticks.append((_Ticks(ax, "x", 9.0), _Ticks(ax, "y", 9.0)))
        colors = term_colors()
        nan = np.array([np.nan])
        self.dh = a[0, 0].plot(nan, nan)[0]
        self.terms = {k: a[0, 1].plot(nan, nan, color=colors[k], lw=1.2, label=k.replace("_", " "))[0]
                      for k in (*TERMS, *RNN_TERMS[1:])}
        self.gain = {m: a[1, 0].plot(nan, nan, color=c, label=m)[0] for m, c in MODEL_COLORS.items()}
        a[1, 0].legend(loc="lower left", fontsize="small", framealpha=1.0)
        self.sv = [a[1, 1].plot(nan, nan, ls=ls, label=lab)[0]
                   for ls, lab in (("-", "largest"), ("--", "median"), (":", "smallest"))]
        # Between the smallest and the largest singular value; a polygon whose vertices are
        # replaced on update (a new fill_between each time cost ~3 ms).
        self.band = a[1, 1].add_patch(Polygon(np.ones((1, 2)), closed=True, lw=0, alpha=0.2))
        for ax in a[1]:
            ax.axhline(1.0, color="0.6", lw=0.8, ls=":")
        self.suptitle = self.fig.suptitle("", fontsize="large")
        self._model = None

    def update(self, flows: dict[str, analysis.GradientFlow], model: str = "GRU") -> Figure:
        """Show ``flows[model]`` in the dh, terms and Jacobian panels, every flow's gain in the third."""
        from matplotlib.ticker import MaxNLocator

        a = self.axes
        f = flows[model]
        color = MODEL_COLORS[model]
        t = np.arange(f.T + 1)
        self.dh.set_data(t, _positive(f.dh_norm))
        self.dh.set_color(color)
        for k, line in self.terms.items():
            line.set_visible(k in f.term_norms)
            if k in f.term_norms:
                line.set_data(t, _positive(f.term_norms[k]))
        for m, line in self.gain.items():
            line.set_visible(m in flows)
            if m in flows:
                line.set_data(flows[m].distance, _positive(flows[m].last_gain))
        sv = f.jac_sv if f.jac_sv.size else np.full((1, 1), np.nan)
        jt = f.jac_t if f.jac_t.size else np.zeros(1)
        for line, v in zip(self.sv, (sv[:, 0], np.median(sv, axis=1), sv[:, -1]), strict=True):
            line.set_data(jt, _positive(v))
            line.set_color(color)
        lower, upper = _positive(sv[:, -1]), _positive(sv[:, 0])
        ok = np.isfinite(lower) & np.isfinite(upper)
        self.band.set_visible(bool(ok.any()))
        self.band.set_xy(np.concatenate([np.column_stack([jt[ok], lower[ok]]),
                                         np.column_stack([jt[ok], upper[ok]])[::-1]]) if ok.any()
                         else np.ones((1, 2)))
        self.band.set_facecolor(color)
        if model != self._model:                     # titles and legend only change with the model
            self._model = model
            titles = (f"{model}: ‖dh(t)‖ against t", f"{model}: terms of dh(t), norms",
                      "‖∂L(T)/∂h(t)‖ / ‖grad_dense(T)‖ against T − t",
                      f"{model}: singular values of ∂h(t+1)/∂h(t)")
            for ax, title in zip(a.flat, titles, strict=True):
                ax.set_title(title, y=1.0, pad=4, fontsize="medium")
            compact = {"fontsize": "small", "loc": "lower left", "framealpha": 1.0, "ncol": 3,
                       "handlelength": 1.6, "columnspacing": 1.0}        # fits the panel at any dpi
            a[0, 1].legend(handles=[ln for k, ln in self.terms.items() if k in f.term_norms], **compact)
            a[1, 1].legend(**compact)                                   # copies the lines' colours
        x_locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=True)
        # Fraction of the log range added below the data, where the legend sits (terms: two rows).
        rooms = (0.0, 0.35, 0.0, 0.15)
        panels = ([self.dh], list(self.terms.values()), list(self.gain.values()), self.sv)
        for ax, (xt, yt), room, lines in zip(a.flat, self.ticks, rooms, panels, strict=True):
            # Limits from the data directly: relim + autoscale_view cost ~5 ms on these lines.
            shown = [ln for ln in lines if ln.get_visible()]
            x = np.concatenate([ln.get_xdata() for ln in shown])
            y = np.concatenate([ln.get_ydata() for ln in shown] + ([np.ones(1)] if ax in a[1] else []))
            lo, hi = _padded(x[np.isfinite(x)], log=False)
            ax.set_xlim(lo, hi)
            v = x_locator.tick_values(lo, hi)
            v = v[(v >= lo) & (v <= hi)]
            xt.set_ticks(v, [f"{x:g}" for x in v])
            lo, hi = _padded(np.log10(y[np.isfinite(y)]), log=True)
            lo -= room * (hi - lo)                       # free the bottom of the panel for the legend
            ax.set_ylim(10.0 ** lo, 10.0 ** hi)
            v = _log_ticks(10.0 ** lo, 10.0 ** hi)
            yt.set_ticks(v, [_power_label(y) for y in v])
        self.suptitle.set_text(f"T = {f.T}")
        return self.fig

    def _dynamic(self):
        """The artists that change with every update, in drawing (z) order."""
        for ax, ticks in zip(self.axes.flat, self.ticks, strict=True):
            yield from (p for p in ax.patches if p.get_visible())
            yield from (ln for ln in ax.lines if ln.get_visible())
            yield from ticks
        yield self.suptitle

    def redraw(self) -> None:
        """Bring the canvas up to date, drawing only what updates change (see :meth:`png`)."""
        dynamic = list(self._dynamic())
        for a in dynamic:
            a.set_animated(True)                     # a full draw now skips them: the background
        try:
            renderer = self.canvas.get_renderer()
            saved = self._backgrounds.get(self._model)
            if saved is None:
                self.canvas.draw()
                # Legends (opaque) do not change between updates: keep their pixels and paste
                # them over the new lines instead of laying out their text again.
                saved = self._backgrounds[self._model] = (
                    self.canvas.copy_from_bbox(self.fig.bbox),
                    [self.canvas.copy_from_bbox(ax.get_legend().get_window_extent(renderer))
                     for ax in self.axes.flat if ax.get_legend() is not None])
            else:
                self.canvas.restore_region(saved[0])
            for a in dynamic:
                a.draw(renderer)
            for region in saved[1]:
                self.canvas.restore_region(region)
        finally:
            for a in dynamic:
                a.set_animated(False)

    def png(self, *, fast: bool = True) -> bytes:
        """PNG of the current state at the figure's dpi, redrawing only what updates change.

        Gives the same picture as :func:`render_png` of the figure (tested).  ``fast``: light
        compression (the widget's frames are shown once; the static slider's are stored).
        """
        self.redraw()
        return _png_rgb(np.asarray(self.canvas.buffer_rgba()), level=1 if fast else 6)


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def _png_rgb(rgba: np.ndarray, level: int = 1) -> bytes:
    """A PNG (8-bit RGB, no row filters) of an (h, w, 4) uint8 image; its alpha is dropped.

    Pillow tries every PNG row filter on every row; on these plots (mostly white, thin lines)
    unfiltered rows compress as well and the whole encoding takes ~3 ms instead of ~9.
    """
    h, w = rgba.shape[:2]
    raw = np.empty((h, 1 + 3 * w), dtype=np.uint8)
    raw[:, 0] = 0                                              # filter type "None" on every row
    raw[:, 1:] = rgba[..., :3].reshape(h, 3 * w)
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))   # 8 bit, RGB
            + _png_chunk(b"IDAT", zlib.compress(raw.tobytes(), level))
            + _png_chunk(b"IEND", b""))


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


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_label(y: float, _pos=None) -> str:
    """Log-axis tick label as plain text (10⁻³, 2·10⁻³): mathtext labels cost a parse per draw."""
    if not np.isfinite(y) or y <= 0:
        return ""
    e = int(np.floor(np.log10(y) + 1e-9))
    if -1 <= e <= 2:                                  # 0.5, 1, 20, 100 read better than powers
        return f"{y:.3g}"
    m = y / 10.0**e
    if abs(m - round(m)) > 1e-6:                      # not a multiple of a power of ten
        return f"{y:.2g}"
    return (f"{round(m)}·" if round(m) != 1 else "") + "10" + str(e).translate(_SUPERSCRIPT)


# ----------------------------------------------------------------------------------------
# Live widget (needs a kernel)


def explorer(setting: Setting | None = None, *, dpi: float = 72, t_max: int = 1000) -> ipywidgets.VBox:
    """The interactive explorer: controls + the four plots, recomputed on every change.

    Returns an ``ipywidgets.VBox``; display it as a cell's last expression.  Controls: T
    (1..``t_max``), hidden size, seed, spectral radius of the recurrent matrices, b_z, output
    activation g, and GRU vs SimpleRNN.  Sliders update on release (a T = 1000, H = 64 update
    takes ~75 ms on a 2-core machine, see ``benchmarks/bench_widget.py``).
    """
    import ipywidgets as w
    from IPython.display import Image, display

    s = setting or Setting()
    style = {"description_width": "initial"}
    controls = {
        "T": w.IntSlider(value=s.T, min=1, max=t_max, description="T", continuous_update=False),
        "hidden_size": w.Dropdown(options=[4, 8, 16, 32, 64, 128], value=s.hidden_size,
                                  description="hidden size H", style=style),
        "seed": w.BoundedIntText(value=s.seed, min=0, max=2**31 - 1, description="seed"),
        "radius": w.FloatSlider(value=s.radius, min=0.1, max=2.0, step=0.05, continuous_update=False,
                                description="radius of Uz, Ur, U", style=style),
        "bz": w.FloatSlider(value=s.bz, min=-8.0, max=4.0, step=0.25, continuous_update=False,
                            description="b_z (GRU)", style=style),
        "output": w.Dropdown(options=list(OUTPUTS), value=s.output, description="output g"),
        "model": w.ToggleButtons(options=list(MODEL_COLORS), value=s.model, description="model",
                                  style=style),
    }
    board = Dashboard(dpi=dpi)

    def update(**kw):
        board.update(compute(Setting(**kw)), kw["model"])
        display(Image(data=board.png(fast=True)))

    out = w.interactive_output(update, controls)
    ui = w.VBox([w.Box(list(controls.values()), layout=w.Layout(flex_flow="row wrap")), out])
    ui.controls, ui.dashboard = controls, board          # for tests and for readers who want to script it
    return ui


# ----------------------------------------------------------------------------------------
# Static T slider (no kernel): frames rendered now, switched by the browser.

_ids = itertools.count()


def static_t_slider(Ts: Sequence[int] = (5, 10, 20, 50, 100, 200, 350, 500), setting: Setting | None = None,
                    *, dpi: float = 62, start: int | None = None) -> IPython.display.HTML:
    """A self-contained HTML T slider: one pre-rendered dashboard per T in ``Ts``.

    Each frame is an inline PNG (data: URI); an ``<input type="range">`` whose ``oninput``
    handler shows the chosen frame and label.  No <script> element, no external URL: it works
    in the static book without a kernel, offline.  Returns ``IPython.display.HTML``; the
    markup has class ``grubptt-tslider`` and one ``img.grubptt-frame`` per T (``data-t``).
    """
    from IPython.display import HTML

    Ts = [int(t) for t in Ts]
    if not Ts or any(t < 1 for t in Ts) or sorted(set(Ts)) != Ts:
        raise ValueError(f"Ts must be a non-empty increasing sequence of distinct T >= 1, got {Ts}")
    s = setting or Setting()
    start_i = Ts.index(start) if start is not None else len(Ts) // 2
    uid = f"grubptt-tslider-{next(_ids)}"
    board = Dashboard(dpi=dpi)
    imgs = []
    for i, T in enumerate(Ts):
        board.update(compute(Setting(**{**s.__dict__, "T": T})), s.model)
        png = board.png(fast=False)
        src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        shown = "" if i == start_i else "display:none;"
        imgs.append(f'<img class="grubptt-frame" data-t="{T}" alt="gradient flow at T = {T}" '
                    f'src="{src}" style="{shown}max-width:100%">')
    # The handler finds its own frames through the enclosing div: several sliders can share a page.
    js = ("var d=this.closest('.grubptt-tslider'),f=d.querySelectorAll('img.grubptt-frame'),i=+this.value;"
          "for(var k=0;k<f.length;k++)f[k].style.display=(k===i?'':'none');"
          "d.querySelector('.grubptt-tvalue').textContent=f[i].getAttribute('data-t');")
    desc = html.escape(f"H = {s.hidden_size}, seed = {s.seed}, radius = {s.radius}, b_z = {s.bz}, "
                       f"g = {s.output}, model = {s.model}")
    markup = (
        f'<div class="grubptt-tslider" id="{uid}">'
        f'<label style="font-family:sans-serif">T = <b class="grubptt-tvalue">{Ts[start_i]}</b> '
        f'<input type="range" min="0" max="{len(Ts) - 1}" step="1" value="{start_i}" '
        f'aria-label="sequence length T" style="width:320px" oninput="{html.escape(js)}">'
        f'</label> <span style="font-family:sans-serif;font-size:small;color:#555">({desc}; '
        f'T ∈ {{{", ".join(map(str, Ts))}}})</span><br>'
        + "".join(imgs) + "</div>"
    )
    return HTML(markup)


# ----------------------------------------------------------------------------------------
# Training curves (book/12_training.ipynb)


def plot_training(histories: dict, axes: Sequence[Axes] | None = None) -> Sequence[Axes]:
    """Loss per step and gradient norm (before clipping) over training, one line per model.

    ``histories``: model name → :class:`grubptt.train.History`.
    """
    if axes is None:
        import matplotlib.pyplot as plt

        axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")[1]
    a_loss, a_grad = axes
    for name, h in histories.items():
        c = MODEL_COLORS.get(name)
        a_loss.plot(h.steps, h.loss, color=c, lw=0.8, alpha=0.5)
        a_loss.plot(h.eval_steps, h.eval_loss, color=c, lw=2, label=f"{name} (held-out)")
        a_grad.plot(h.steps, h.grad_norm, color=c, lw=0.8, label=name)
        if h.clip is not None:
            a_grad.axhline(h.clip, color="0.5", ls=":", lw=1)
    if histories and next(iter(histories.values())).baseline is not None:
        a_loss.axhline(next(iter(histories.values())).baseline, color="0.4", ls="--", lw=1,
                       label="always predict 0")
    a_loss.set_yscale("log")
    a_loss.set_xlabel("training step")
    a_loss.set_ylabel("mean loss per output")
    a_loss.set_title("Loss")
    a_loss.legend(fontsize="small")
    a_grad.set_yscale("log")
    a_grad.set_xlabel("training step")
    a_grad.set_ylabel(r"$\|\nabla_\theta L\|$ before clipping")
    a_grad.set_title("Gradient norm (dotted: clipping threshold)")
    a_grad.legend(fontsize="small")
    return axes


def progress(description: str, total: int) -> tuple[ipywidgets.HBox, Callable[[int, int, float], None]]:
    """A progress bar for :func:`grubptt.train.train`: returns (widget, callback).

    Display the widget, pass the callback as ``train(..., callback=...)``; it moves the bar
    and shows the latest held-out loss.
    """
    import ipywidgets as w

    bar = w.IntProgress(value=0, min=0, max=int(total), description=description)
    label = w.Label(value="")

    def callback(step: int, steps: int, eval_loss: float) -> None:
        bar.value = step
        label.value = f"step {step}/{steps}, held-out loss {eval_loss:.4f}"

    return w.HBox([bar, label]), callback


def plot_recall(x: np.ndarray, Y: np.ndarray, outputs: dict[str, np.ndarray], ax: Axes | None = None) -> Axes:
    """One sequence of the hold-the-marked-value task: inputs, marker, target and each model's output.

    x: (T+1, 2) = (value, marker); Y and each output: (T+1, 1).
    """
    ax = _axes(ax)
    t = np.arange(len(x))
    ax.plot(t, x[:, 0], ".", color="0.6", label="input value v(t)")
    for s in np.flatnonzero(x[:, 1]):
        ax.axvline(s, color="0.3", ls=":", lw=1)
        ax.annotate("marker", (s, 1.02), xycoords=("data", "axes fraction"), ha="center", fontsize="small")
    ax.plot(t, Y[:, 0], color="black", lw=2.5, alpha=0.35, label="target Y(t)")
    for name, y in outputs.items():
        ax.plot(t, y[:, 0], color=MODEL_COLORS.get(name), label=f"{name} output y(t)")
    ax.set_xlabel("t")
    ax.legend(fontsize="small", ncol=2, loc="lower left")
    return ax


def plot_gate(z: np.ndarray, ax: Axes | None = None, marker: int | None = None) -> Axes:
    """The update gate z^(t) of every unit (rows) at every step (columns), 0 = keep, 1 = overwrite."""
    ax = _axes(ax)
    im = ax.imshow(np.asarray(z).T, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    ax.figure.colorbar(im, ax=ax, label="z")
    if marker is not None:
        ax.axvline(marker, color="white", ls=":", lw=1.2)
    ax.set_xlabel("t")
    ax.set_ylabel("hidden unit")
    return ax
