"""The live Explore widget (needs a kernel: JupyterLab, Notebook 7, VS Code).

Controls → :class:`~grubptt.dashboard.Setting` → :func:`~grubptt.dashboard.compute` → the numbers,
sent as binary buffers to :class:`DashboardCanvas`, whose front end draws the four panels on a
canvas in the browser with ``js/dashboard.js``: the drawing code of the book's static explorer, so
a setting gives the same picture in the kernel and on the web page.  Chapter: ``book/10_explore.ipynb``.
"""

from __future__ import annotations

import base64
import functools
import traceback
from importlib.resources import files
from typing import TYPE_CHECKING

import numpy as np

from .activations import OUTPUTS
from .analysis import GradientFlow
from .dashboard import Setting, compute, draw_dashboard, render_png
from .plots import MODEL_COLORS

if TYPE_CHECKING:
    import ipywidgets

__all__ = ["explorer", "frame", "dashboard_canvas"]

H_CHOICES = (4, 8, 16, 32, 64, 128)


def _f64(a: np.ndarray) -> bytes:
    """Little-endian float64 bytes of ``a`` (a binary buffer of the widget message, not JSON)."""
    return np.ascontiguousarray(a, dtype="<f8").tobytes()


def frame(flows: dict[str, GradientFlow], s: Setting) -> dict:
    """What the canvas draws: ``s`` and the numbers of ``flows``, arrays as bytes (see js/widget.js).

    Float64, not float32: the panels show values down to the float64 floor (≈ 2·10⁻³⁰⁸).
    """
    out = {}
    for m, f in flows.items():
        out[m] = {"T": int(f.T), "H": int(s.hidden_size), "dh_norm": _f64(f.dh_norm),
                  "last_gain": _f64(f.last_gain), "jac_t": _f64(f.jac_t), "jac_sv": _f64(f.jac_sv),
                  "term_norms": {k: _f64(v) for k, v in f.term_norms.items()}}
    setting = {"T": int(s.T), "H": int(s.hidden_size), "seed": int(s.seed), "radius": float(s.radius),
               "bz": float(s.bz), "output": s.output, "model": s.model}
    return {"setting": setting, "flows": out}


@functools.cache
def _esm() -> str:
    """The canvas's ES module: the shared drawing code, then the widget's front end."""
    js = files("grubptt") / "js"
    return "\n".join((js / name).read_text(encoding="utf-8") for name in ("dashboard.js", "widget.js"))


@functools.cache
def dashboard_canvas() -> type:
    """The :class:`DashboardCanvas` widget class (made on first use: anywidget is imported only then)."""
    import anywidget
    import traitlets

    class DashboardCanvas(anywidget.AnyWidget):
        """The four panels, drawn in the browser from the numbers in ``frame`` (see :func:`frame`)."""

        _esm = _esm()
        frame = traitlets.Dict().tag(sync=True)

        def show(self, flows: dict[str, GradientFlow], s: Setting) -> None:
            self.frame = frame(flows, s)

    return DashboardCanvas


def _explorer_box():
    import ipywidgets as w

    class Explorer(w.VBox):
        """A VBox that also offers a PNG of its picture, for frontends without its widget state."""

        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs)
            # An unrun notebook on a page without widgets (GitHub, nbviewer) shows this PNG: the same
            # four panels, drawn by matplotlib (grubptt.plots) from the numbers the canvas shows.
            png = render_png(draw_dashboard(self.flows, self.setting.model), dpi=72)
            bundle["image/png"] = base64.b64encode(png).decode("ascii")
            bundle["text/plain"] = "Explore dashboard (run the cell to get the live controls)"
            return bundle

    return Explorer


def explorer(setting: Setting | None = None, *, t_max: int = 1000) -> ipywidgets.VBox:
    """The interactive explorer: controls + the four plots, recomputed on every change.

    Returns an ``ipywidgets.VBox``; display it as a cell's last expression.  Controls: T
    (0..``t_max``), hidden size, seed, spectral radius of the recurrent matrices, b_z, output
    activation g, and GRU vs SimpleRNN.  A ``setting`` outside a control's default range
    widens that range (the explorer always shows the setting it was given).  Sliders update
    on release; ``benchmarks/bench_widget.py`` times an update on your machine.
    """
    import ipywidgets as w

    s = Setting() if setting is None else setting
    if not isinstance(s, Setting):
        raise ValueError(f"setting must be a grubptt.explore.Setting, got {type(s).__name__}")
    if isinstance(t_max, bool) or not isinstance(t_max, int) or t_max < 1:
        raise ValueError(f"t_max must be an integer >= 1, got {t_max!r}")
    style = {"description_width": "initial"}
    slider = {"continuous_update": False, "style": style, "layout": w.Layout(width="330px")}
    controls = {
        "T": w.IntSlider(value=s.T, min=0, max=max(t_max, s.T), description="T", **slider),
        "hidden_size": w.Dropdown(options=sorted({*H_CHOICES, s.hidden_size}), value=s.hidden_size,
                                  description="hidden size H", style=style, layout=w.Layout(width="180px")),
        "seed": w.BoundedIntText(value=s.seed, min=0, max=max(2**31 - 1, s.seed), description="seed",
                                 style=style, layout=w.Layout(width="160px")),
        "radius": w.FloatSlider(value=s.radius, min=min(0.1, s.radius), max=max(2.0, s.radius), step=0.05,
                                readout_format=".4g", description="radius of Uz, Ur, U", **slider),
        "bz": w.FloatSlider(value=s.bz, min=min(-8.0, s.bz), max=max(4.0, s.bz), step=0.25,
                            readout_format=".4g", description="b_z (GRU)", **slider),
        "output": w.Dropdown(options=list(OUTPUTS), value=s.output, description="output g", style=style,
                             layout=w.Layout(width="200px")),
        "model": w.ToggleButtons(options=list(MODEL_COLORS), value=s.model, description="model",
                                 style=style),
    }
    for name, c in controls.items():
        if c.value != getattr(s, name):                     # a guard: never show another setting
            raise ValueError(f"setting.{name} = {getattr(s, name)!r} cannot be shown by its control")
    canvas = dashboard_canvas()(layout=w.Layout(width="100%"))
    errors = w.Output()
    ui = _explorer_box()([w.Box(list(controls.values()), layout=w.Layout(flex_flow="row wrap")),
                          canvas, errors])

    def show(new: Setting) -> None:
        flows = compute(new)
        canvas.show(flows, new)
        ui.flows, ui.setting = flows, new

    def update(change=None):
        try:
            show(Setting(**{k: c.value for k, c in controls.items()}))
        except Exception:                                    # shown under the picture, also outside a kernel
            errors.outputs = ()
            errors.append_stderr(traceback.format_exc())
        else:
            if errors.outputs:
                errors.outputs = ()

    show(s)                                                  # the first picture: errors raise here
    for c in controls.values():
        c.observe(update, names="value")
    ui.controls, ui.canvas = controls, canvas                # for tests and for scripting
    return ui
