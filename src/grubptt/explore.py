"""``grubptt.explore``: everything the Explore and training chapters draw, under one name.

The code lives in modules by role; this module re-exports them (the chapters use
``grubptt.explore.<name>``) and holds the static T slider until the in-browser explorer
replaces it.

- :mod:`grubptt.plots`: the four gradient-flow plots (static figures and the dashboard's panels);
- :mod:`grubptt.dashboard`: :class:`Setting`, :func:`compute`, the :class:`Dashboard` figure;
- :mod:`grubptt.widget`: :func:`explorer`, the live ipywidgets UI (needs a kernel);
- :mod:`grubptt.training_plots`: chapter 12's curves, progress bar, recall and gate plots;
- :func:`static_t_slider`: pre-rendered frames behind an HTML range input (no kernel).

Chapters: ``book/10_explore.ipynb``, ``book/11_gru_vs_rnn.ipynb``, ``book/12_training.ipynb``.
"""

from __future__ import annotations

import base64
import html
import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .dashboard import Dashboard, Setting, compute, draw_dashboard, one_blas_thread, render_png
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

if TYPE_CHECKING:
    import IPython.display

__all__ = [
    "term_colors", "MODEL_COLORS", "Setting", "compute", "plot_dh_norms", "plot_term_norms",
    "plot_last_gain", "plot_singular_values", "plot_sv_distribution", "Dashboard", "draw_dashboard",
    "render_png", "explorer", "static_t_slider", "plot_training", "progress", "plot_recall", "plot_gate",
    "one_blas_thread",
]


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
