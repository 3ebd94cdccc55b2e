"""The live Explore widget (needs a kernel: JupyterLab, Notebook 7, VS Code).

Controls → :class:`~grubptt.dashboard.Setting` → :func:`~grubptt.dashboard.compute` →
:class:`~grubptt.dashboard.Dashboard` → a PNG in an ``ipywidgets.Image`` (sent as a binary
message, no base64, no output area to clear).  Chapter: ``book/10_explore.ipynb``.
"""

from __future__ import annotations

import base64
import traceback
from typing import TYPE_CHECKING

from .activations import OUTPUTS
from .dashboard import Dashboard, Setting, compute
from .plots import MODEL_COLORS

if TYPE_CHECKING:
    import ipywidgets

__all__ = ["explorer"]

H_CHOICES = (4, 8, 16, 32, 64, 128)


def _explorer_box():
    import ipywidgets as w

    class Explorer(w.VBox):
        """A VBox that also offers a PNG of its first picture, for frontends without its widget state."""

        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs)
            # An unrun or untrusted notebook shows this PNG (base64, as in a notebook file).
            bundle["image/png"] = base64.b64encode(self.picture.value).decode("ascii")
            bundle["text/plain"] = "Explore dashboard (run the cell to get the live controls)"
            return bundle

    return Explorer


def explorer(setting: Setting | None = None, *, dpi: float = 80, t_max: int = 1000) -> ipywidgets.VBox:
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
    board = Dashboard(dpi=dpi)
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
    picture = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
    errors = w.Output()

    def update(change=None):
        try:
            board.update(compute(Setting(**{k: c.value for k, c in controls.items()})),
                         controls["model"].value)
            picture.value = board.png(fast=True)
        except Exception:                                    # shown under the picture, also outside a kernel
            errors.outputs = ()
            errors.append_stderr(traceback.format_exc())
        else:
            if errors.outputs:
                errors.outputs = ()

    # Draw the other model's static background now, so its first toggle is as quick as the rest.
    other = next(m for m in MODEL_COLORS if m != s.model)
    board.update(compute(Setting(**{**s.__dict__, "model": other})), other)
    board.redraw()
    board.update(compute(s), s.model)                       # the first picture: errors raise here
    picture.value = board.png(fast=True)
    for c in controls.values():
        c.observe(update, names="value")
    ui = _explorer_box()([w.Box(list(controls.values()), layout=w.Layout(flex_flow="row wrap")),
                          picture, errors])
    ui.controls, ui.dashboard, ui.picture = controls, board, picture    # for tests and for scripting
    return ui
