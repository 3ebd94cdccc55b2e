"""The four gradient-flow plots of the Explore chapter (static figures and the widget's fallback picture).

Each plot is a *panel*: a small object that owns its artists on one matplotlib ``Axes`` and
moves their data on :meth:`~_Panel.show`.  ``plot_*`` draw one panel once (chapters 8, 10-12);
:func:`grubptt.dashboard.draw_dashboard` puts the four on one figure.  (The live widget and the
static explorer draw them in the browser, with ``js/dashboard.js``.)

Log axes: values that underflow float64 (below ``FLOOR`` ≈ 2.2·10⁻³⁰⁸, or exactly 0) are drawn
on a dotted floor line with a note, instead of silently ending the curve.

Chapters: ``book/10_explore.ipynb`` (all four), ``book/11_gru_vs_rnn.ipynb``, ``book/12_training.ipynb``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Polygon

from . import RNN_TERMS, TERMS, analysis
from .figures import TERM_COLORS

__all__ = ["MODEL_COLORS", "FLOOR", "term_colors", "plot_dh_norms", "plot_term_norms", "plot_last_gain",
           "plot_singular_values", "plot_sv_distribution", "DhPanel", "TermsPanel", "GainPanel", "SVPanel"]

MODEL_COLORS = {"GRU": "#1f77b4", "SimpleRNN": "#d62728"}
FLOOR = float(np.finfo(np.float64).tiny)            # smallest normal float64, ≈ 2.2·10⁻³⁰⁸
FLOOR_NOTE = "◀ float64 floor:\nvalues below\n2·10⁻³⁰⁸ underflow\nto 0 and are\ndrawn on it"
# Legends sit right of the plot area, so they never cover a curve.
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0, "fontsize": "small",
          "frameon": False, "handlelength": 1.8}


def term_colors() -> dict[str, str]:
    """Colour of each term of (9.22), as in the derivation chapters' figures, plus the SimpleRNN's."""
    return {**TERM_COLORS, "recurrent": "#9467bd"}


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # pyplot only when the caller wants a new inline figure

    return plt.subplots(figsize=(6, 3.5), layout="constrained")[1]


def on_log_axis(v: np.ndarray) -> tuple[np.ndarray, bool]:
    """(values to plot on a log axis, whether any sits on the floor).

    Finite values ≤ ``FLOOR`` (exact zeros, subnormals) are moved to ``FLOOR``; inf/NaN become
    NaN (a gap).
    """
    v = np.asarray(v, dtype=float)
    low = np.isfinite(v) & (v <= FLOOR)
    return np.where(np.isfinite(v), np.where(low, FLOOR, v), np.nan), bool(low.any())


def log_limits(ys: Sequence[np.ndarray], margin: float = 0.05) -> tuple[float, float]:
    """y limits (lo, hi) of a log axis showing every finite positive value of ``ys``, with a margin."""
    v = np.concatenate([np.asarray(y, dtype=float).ravel() for y in ys] or [np.ones(1)])
    v = np.log10(v[np.isfinite(v) & (v > 0)])
    if not v.size:
        return 0.1, 10.0
    lo, hi = float(v.min()), float(v.max())
    if hi - lo < 0.6:                                 # a flat line: give it some room
        lo, hi = (lo + hi) / 2 - 0.3, (lo + hi) / 2 + 0.3
    d = margin * (hi - lo)
    return 10.0 ** max(lo - d, -308.0), 10.0 ** min(hi + d, 308.0)


class _Panel:
    """Artists of one plot on ``ax``: curves (created on first use, then moved), the floor line and note."""

    def __init__(self, ax: Axes, *, ones: bool = False):
        self.ax = ax
        ax.set_yscale("log")
        self.lines: dict[str, object] = {}
        self.floor = ax.axhline(FLOOR, color="0.35", lw=0.9, ls=(0, (1, 2)), visible=False, zorder=1.5)
        # Outside the plot area, right of the floor line (below the legend): it never covers data.
        self.note = ax.text(1.02, FLOOR, FLOOR_NOTE, transform=ax.get_yaxis_transform(), va="bottom",
                            ha="left", fontsize="x-small", color="0.3", visible=False, clip_on=False)
        self.one = ax.axhline(1.0, color="0.6", lw=0.8, ls=":") if ones else None
        self._legend_keys: tuple = ()

    def curve(self, key: str, x: np.ndarray, y: np.ndarray, **style) -> None:
        """Show ``y`` against ``x`` as the line ``key`` (made on first use), underflow on the floor."""
        y = on_log_axis(y)[0]
        line = self.lines.get(key)
        if line is None:
            line = self.lines[key] = self.ax.plot(x, y, **style)[0]
        else:
            line.set_data(x, y)
            line.set(**{k: v for k, v in style.items() if k != "label"})
        line.set_visible(True)

    def hide_except(self, keys) -> None:
        for k, line in self.lines.items():
            line.set_visible(k in keys)

    def mark_floor(self) -> None:
        """Show the floor line and its note if a visible curve (or the band) touches the floor."""
        floored = any(np.any(np.asarray(ln.get_ydata()) == FLOOR) for ln in self.visible_lines())
        self.floor.set_visible(floored)
        self.note.set_visible(floored)

    def legend(self, keys: Sequence[str]) -> None:
        """Legend of the lines ``keys`` right of the plot; rebuilt only when the keys change."""
        if tuple(keys) != self._legend_keys or self.ax.get_legend() is None:
            self._legend_keys = tuple(keys)
            self.ax.legend(handles=[self.lines[k] for k in keys], **LEGEND)

    def visible_lines(self) -> list:
        return [ln for ln in self.lines.values() if ln.get_visible()]

    def data_limits(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x0, x1), (y0, y1)) of the visible data; the y range includes 1 where a reference line is."""
        shown = self.visible_lines()
        x = np.concatenate([np.asarray(ln.get_xdata(), float) for ln in shown] or [np.zeros(1)])
        x = x[np.isfinite(x)]
        x0, x1 = (float(x.min()), float(x.max())) if x.size else (0.0, 1.0)
        if x1 - x0 < 1:
            x0, x1 = x0 - 0.5, x1 + 0.5
        d = 0.02 * (x1 - x0)
        ys = [ln.get_ydata() for ln in shown] + ([np.ones(1)] if self.one is not None else [])
        return (x0 - d, x1 + d), log_limits(ys)

    def autoscale(self) -> None:
        """Static figures: limits from the data (matplotlib chooses the ticks)."""
        (x0, x1), (y0, y1) = self.data_limits()
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)


class DhPanel(_Panel):
    """‖dh^(t)‖ against t."""

    def __init__(self, ax: Axes):
        super().__init__(ax)
        ax.set_xlabel("t")
        ax.set_ylabel("‖dh(t)‖")

    def show(self, flow: analysis.GradientFlow, *, key: str | None = None, **style) -> None:
        style = {"color": MODEL_COLORS.get(flow.model), "label": flow.model, **style}
        self.curve(key or flow.model, np.arange(flow.T + 1), flow.dh_norm, **style)
        self.mark_floor()
        self.ax.set_title(f"{flow.model}: ‖dh(t)‖ along the sequence")


class TermsPanel(_Panel):
    """The norm of each term of (9.22) (or the SimpleRNN's two) at every t.

    The recurrent terms are drawn for t < T only: at t = T there is no dh^(T+1) and they are 0.
    """

    def __init__(self, ax: Axes):
        super().__init__(ax)
        ax.set_xlabel("t")
        ax.set_ylabel("norm of term")
        self.colors = term_colors()

    def show(self, flow: analysis.GradientFlow) -> None:
        t = np.arange(flow.T + 1)
        for k, v in flow.term_norms.items():
            n = flow.T + 1 if k == "grad_dense" else flow.T
            self.curve(k, t[:n], v[:n], color=self.colors[k], lw=1.2, label=k.replace("_", " "))
        self.hide_except(flow.term_norms)
        self.mark_floor()
        self.legend([k for k in (*TERMS, *RNN_TERMS[1:]) if k in flow.term_norms])
        self.ax.set_title(f"{flow.model}: terms of dh(t), norms")


class GainPanel(_Panel):
    """‖∂L^(T)/∂h^(T−d)‖ / ‖grad_dense^(T)‖ against the distance d, one line per flow."""

    def __init__(self, ax: Axes):
        super().__init__(ax, ones=True)
        ax.set_xlabel("distance d = T − t")
        ax.set_ylabel("fraction left")

    def show(self, flows: Sequence[analysis.GradientFlow], labels: Sequence[str] | None = None) -> None:
        if labels is not None and len(labels) != len(flows):
            raise ValueError(f"labels must have one entry per flow ({len(flows)}), got {len(labels)}")
        keys = []
        for i, f in enumerate(flows):
            if labels is None:        # one line per model, in the model's colour
                key, style = f.model, {"color": MODEL_COLORS.get(f.model), "label": f.model}
            else:                     # settings compared: matplotlib's colours, SimpleRNN dashed
                key, style = labels[i], {"label": labels[i], "ls": "--" if f.model == "SimpleRNN" else "-"}
            self.curve(key, f.distance, f.last_gain, **style)
            keys.append(key)
        self.hide_except(keys)
        self.mark_floor()
        self.legend(keys)
        self.ax.set_title("What is left of the last step's error")


class SVPanel(_Panel):
    """Largest, median and smallest singular value of ∂h^(t+1)/∂h^(t) at the measured steps."""

    def __init__(self, ax: Axes):
        super().__init__(ax, ones=True)
        ax.set_xlabel("t")
        ax.set_ylabel("singular value")
        # Between the smallest and the largest: a polygon whose vertices move (fill_between makes a new one).
        self.band = ax.add_patch(Polygon(np.ones((1, 2)), closed=True, lw=0, alpha=0.2, visible=False))

    def show(self, flow: analysis.GradientFlow) -> None:
        color = MODEL_COLORS.get(flow.model)
        sv = flow.jac_sv if flow.jac_sv.size else np.full((1, 1), np.nan)
        t = flow.jac_t if flow.jac_t.size else np.zeros(1)
        for key, v, ls in (("largest", sv[:, 0], "-"), ("median", np.median(sv, axis=1), "--"),
                           ("smallest", sv[:, -1], ":")):
            self.curve(key, t, v, color=color, ls=ls, label=key)
        lower, upper = on_log_axis(sv[:, -1])[0], on_log_axis(sv[:, 0])[0]
        ok = np.isfinite(lower) & np.isfinite(upper)
        self.band.set_visible(bool(ok.any()))
        if ok.any():
            self.band.set_xy(np.concatenate([np.column_stack([t[ok], lower[ok]]),
                                             np.column_stack([t[ok], upper[ok]])[::-1]]))
        self.band.set_facecolor(color)
        self.mark_floor()
        self.legend(["largest", "median", "smallest"])
        self.ax.set_title(f"{flow.model}: singular values of ∂h(t+1)/∂h(t)")


def plot_dh_norms(flow: analysis.GradientFlow, ax: Axes | None = None, **kw) -> Axes:
    """‖dh^(t)‖ against t on a log axis (call again on the same ``ax`` to add another model)."""
    ax = _axes(ax)
    panel = getattr(ax, "_grubptt_dh", None) or DhPanel(ax)
    ax._grubptt_dh = panel
    panel.show(flow, key=kw.get("label", flow.model), **kw)
    if len(panel.visible_lines()) > 1:
        panel.legend([k for k, ln in panel.lines.items() if ln.get_visible()])
    panel.autoscale()
    return ax


def plot_term_norms(flow: analysis.GradientFlow, ax: Axes | None = None) -> Axes:
    """The norm of each term of (9.22) (or of the SimpleRNN's two) at every t, log axis."""
    panel = TermsPanel(_axes(ax))
    panel.show(flow)
    panel.autoscale()
    return panel.ax


def plot_last_gain(flows: Sequence[analysis.GradientFlow], ax: Axes | None = None,
                   labels: Sequence[str] | None = None) -> Axes:
    """‖∂L^(T)/∂h^(T−d)‖ / ‖grad_dense^(T)‖ against the distance d, one line per flow.

    Without ``labels`` each line is named and coloured by its model; with ``labels``
    (one per flow, for comparing settings) colours follow matplotlib's cycle and the
    SimpleRNN lines are dashed.
    """
    panel = GainPanel(_axes(ax))
    panel.show(flows, labels)
    panel.autoscale()
    return panel.ax


def plot_singular_values(flow: analysis.GradientFlow, ax: Axes | None = None) -> Axes:
    """Largest, median and smallest singular value of ∂h^(t+1)/∂h^(t) at the measured steps."""
    panel = SVPanel(_axes(ax))
    panel.show(flow)
    panel.autoscale()
    return panel.ax


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
    ax.legend(**LEGEND)
    return ax
