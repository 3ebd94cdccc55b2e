"""The book's diagrams, drawn by code with matplotlib (no image files to go stale).

- :func:`draw_unrolled`: Fig. 9-7, the many-to-many GRU unrolled over time
  (chapter "The forward pass", ``book/02_forward.ipynb``).
- :func:`draw_dense_relation`: Fig. 9-8, how h^(T), h^(T−1) and the dense outputs relate,
  forward and backward (``book/03_loss_grad_dense.ipynb``).
- :func:`draw_step_graph`: the computational graph of one step t → t+1 and the four edges by which
  h^(t) enters it, one per recurrent path of (9.22) (``book/04``–``07``).
- :func:`draw_chain_rule_example`: the small graph of the appendix (``book/appendix_graphs.ipynb``).

Every function takes an optional ``ax`` and returns the :class:`~matplotlib.figure.Figure` it drew
on; none calls ``plt.show``.  Drawings are deterministic.  Each node's text artist carries a ``gid``
``"node:<name>"`` and each edge's arrow a ``gid`` ``"edge:<path or kind>:<from>-><to>"``, so tests
(and curious readers) can find them.  matplotlib is imported lazily: ``import grubptt`` needs numpy only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .cache import PATHS
from .validation import int_in_range

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

__all__ = ["PATH_COLORS", "TERM_COLORS", "FORWARD_COLOR", "BACKWARD_COLOR", "FADED_COLOR",
           "draw_unrolled", "draw_dense_relation", "draw_step_graph", "draw_chain_rule_example"]

#: One colour per recurrent path of (9.22) (Okabe–Ito palette: distinguishable with colour-blindness).
PATH_COLORS: dict[str, str] = {
    "update_gate": "#0072B2",   # blue
    "candidate": "#009E73",     # bluish green
    "reset_gate": "#D55E00",    # vermillion
    "carry": "#CC79A7",         # reddish purple
}
#: The same colours for the five terms of (9.22), plus grad_dense (keys ordered as ``grubptt.TERMS``).
TERM_COLORS: dict[str, str] = {"grad_dense": "#E69F00", **PATH_COLORS}
FORWARD_COLOR = "#222222"
BACKWARD_COLOR = "#C0392B"
FADED_COLOR = "#C8C8C8"

_BOX = {"boxstyle": "round,pad=0.35", "fc": "#F4F6F8", "ec": "#555555", "lw": 1.0}
_CELL = {"boxstyle": "round,pad=0.5", "fc": "#DCEBF7", "ec": "#2F5F8A", "lw": 1.3}
_DENSE = {"boxstyle": "round,pad=0.4", "fc": "#FCEBD5", "ec": "#9A6324", "lw": 1.2}
_LOSS = {"boxstyle": "round,pad=0.3", "fc": "#FBE3E1", "ec": "#A93226", "lw": 1.2}
_PLAIN = {"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none"}


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """A fresh figure of ``size`` inches, or the caller's axes; either way a blank canvas."""
    if ax is None:
        import matplotlib.pyplot as plt  # lazy: only the figures need matplotlib

        fig, ax = plt.subplots(figsize=size)
    else:
        fig = ax.figure
    ax.set_axis_off()
    return fig, ax


def _node(ax: Axes, x: float, y: float, label: str, name: str, box: dict | None = None,
          *, fontsize: float = 12, alpha: float = 1.0) -> Text:
    style = dict(_BOX if box is None else box)
    return ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, bbox=style, zorder=2,
                   gid=f"node:{name}", alpha=alpha)


def _edge(ax: Axes, a: Text, b: Text, gid: str, *, color: str = FORWARD_COLOR, lw: float = 1.3,
          ls: str = "-", rad: float = 0.0, label: str | None = None, label_pos: float = 0.5,
          label_offset: tuple[float, float] = (0.0, 0.0), fontsize: float = 10, zorder: float = 3):
    """An arrow from node ``a`` to node ``b`` that stops at their boxes, optionally labelled.

    Edges sit above the nodes on purpose: a text's box is only positioned when the text is drawn,
    and the arrow is clipped to that box, so the node must be drawn first.
    """
    arrow = ax.annotate(
        "", xy=b.get_position(), xytext=a.get_position(), zorder=zorder,
        arrowprops={"arrowstyle": "-|>", "color": color, "lw": lw, "ls": ls, "mutation_scale": 13,
                    "shrinkA": 2, "shrinkB": 2, "patchA": a.get_bbox_patch(), "patchB": b.get_bbox_patch(),
                    "connectionstyle": f"arc3,rad={rad}"},
    )
    arrow.set_gid(f"edge:{gid}")
    arrow.arrow_patch.set_gid(f"edge:{gid}")
    if label is not None:
        (xa, ya), (xb, yb) = a.get_position(), b.get_position()
        # On a curved (arc3) edge the midpoint moves sideways by rad × length.
        mx = xa + label_pos * (xb - xa) + rad * (yb - ya) * 0.5 + label_offset[0]
        my = ya + label_pos * (yb - ya) - rad * (xb - xa) * 0.5 + label_offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize, color=color, zorder=4,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
                gid=f"label:{gid}")
    return arrow


# ----------------------------------------------------------------------------------------
# Fig. 9-7


def _sup(symbol: str, t: int | str) -> str:
    return rf"${symbol}^{{({t})}}$"


def draw_unrolled(T: int = 3, ax: Axes | None = None) -> Figure:
    """Fig. 9-7: the many-to-many GRU of (9.17) unrolled over t = 0..T.

    Each column is one step: x^(t) enters the GRU cell, whose state h^(t) goes right to the next
    step and up to the dense layer (ŷ = h V + c, y = g(ŷ)); y^(t) and the target Y^(t) give
    L^(t).  h^(−1) enters at the left.  For T ≥ 5 the middle steps are replaced by "…".
    """
    T = int_in_range("T", T, 0, what=" (the last time step)")
    steps: list[int | None] = list(range(T + 1)) if T < 5 else [0, 1, None, T - 1, T]
    dx = 2.6
    fig, ax = _axes(ax, (1.2 + dx * len(steps), 5.6))
    ax.set_xlim(-1.6, dx * len(steps) - 0.4)
    ax.set_ylim(-0.6, 5.0)

    prev = _node(ax, -0.9, 1.4, _sup("h", -1), "h-1", _PLAIN, fontsize=13)
    for i, t in enumerate(steps):
        cx = i * dx + 0.6
        if t is None:
            dots = _node(ax, cx, 1.4, r"$\cdots$", "dots", _PLAIN, fontsize=16)
            _edge(ax, prev, dots, "forward:h->dots")
            prev = dots
            continue
        x = _node(ax, cx, 0.0, _sup("x", t), f"x{t}", _PLAIN, fontsize=13)
        cell = _node(ax, cx, 1.4, "GRU", f"cell{t}", _CELL, fontsize=12)
        dense = _node(ax, cx, 2.75, "Dense\n" + r"$g(hV+c)$", f"dense{t}", _DENSE, fontsize=10)
        y = _node(ax, cx - 0.35, 3.85, _sup("y", t), f"y{t}", _PLAIN, fontsize=12)
        Y = _node(ax, cx + 0.75, 3.85, _sup("Y", t), f"Y{t}", _PLAIN, fontsize=12)
        L = _node(ax, cx, 4.65, _sup("L", t), f"L{t}", _LOSS, fontsize=11)
        _edge(ax, x, cell, f"forward:x{t}->cell{t}")
        _edge(ax, cell, dense, f"forward:cell{t}->dense{t}", label=_sup("h", t), label_offset=(0.32, 0.0),
              fontsize=11)
        _edge(ax, dense, y, f"forward:dense{t}->y{t}")
        _edge(ax, y, L, f"forward:y{t}->L{t}")
        _edge(ax, Y, L, f"forward:Y{t}->L{t}")
        # The recurrent edge into this cell carries h^(t-1).
        prev_t = "h-1" if prev.get_gid() == "node:h-1" else prev.get_gid().removeprefix("node:")
        lab = _sup("h", t - 1) if (i > 0 and prev.get_gid() != "node:dots") else None
        _edge(ax, prev, cell, f"forward:{prev_t}->cell{t}", label=lab, label_offset=(0.0, 0.28), fontsize=11)
        prev = cell
    return fig


# ----------------------------------------------------------------------------------------
# Fig. 9-8


def draw_dense_relation(ax: Axes | None = None) -> Figure:
    """Fig. 9-8: h^(T−1) feeds the step that produces h^(T); each h^(t) feeds its dense layer and L^(t).

    Forward edges are solid and dark.  Backward edges (the gradients of the backward pass, pointing
    from L towards h) are dashed, coloured as in :data:`TERM_COLORS`: grad_dense^(t) from each loss,
    and dh^(T) ∂h^(T)/∂h^(T−1), the recurrent contribution through step T.  dh^(T−1) is their sum.
    """
    fig, ax = _axes(ax, (8.6, 5.6))
    ax.set_xlim(-1.4, 7.6)
    ax.set_ylim(-1.5, 5.2)
    gd, rec = TERM_COLORS["grad_dense"], BACKWARD_COLOR

    hm2 = _node(ax, -0.8, 1.2, r"$\cdots$", "dots", _PLAIN, fontsize=15)
    h1 = _node(ax, 1.4, 1.2, _sup("h", "T-1"), "hT-1", _BOX, fontsize=13)
    cell = _node(ax, 3.6, 1.2, "GRU step $T$", "cellT", _CELL, fontsize=11)
    h2 = _node(ax, 5.8, 1.2, _sup("h", "T"), "hT", _BOX, fontsize=13)
    xT = _node(ax, 3.6, -0.4, _sup("x", "T"), "xT", _PLAIN, fontsize=12)
    _edge(ax, hm2, h1, "forward:dots->hT-1")
    _edge(ax, h1, cell, "forward:hT-1->cellT")
    _edge(ax, cell, h2, "forward:cellT->hT")
    _edge(ax, xT, cell, "forward:xT->cellT")

    for h, t, x in ((h1, "T-1", 1.4), (h2, "T", 5.8)):
        dense = _node(ax, x, 2.7, "Dense\n" + r"$g(hV+c)$", f"dense{t}", _DENSE, fontsize=10)
        y = _node(ax, x, 3.75, _sup("y", t), f"y{t}", _PLAIN, fontsize=12)
        Y = _node(ax, x + 0.9, 3.75, _sup("Y", t), f"Y{t}", _PLAIN, fontsize=12)
        L = _node(ax, x, 4.6, _sup("L", t), f"L{t}", _LOSS, fontsize=11)
        _edge(ax, h, dense, f"forward:h{t}->dense{t}", rad=0.0)
        _edge(ax, dense, y, f"forward:dense{t}->y{t}")
        _edge(ax, y, L, f"forward:y{t}->L{t}")
        _edge(ax, Y, L, f"forward:Y{t}->L{t}")
        # Backward: ∂L^(t)/∂h^(t), drawn beside the forward path on the left.
        _edge(ax, L, h, f"backward:L{t}->h{t}", color=gd, ls="--", lw=1.6, rad=0.5,
              label=r"$\mathrm{grad}_{dense}^{(" + t + r")}$", label_offset=(-0.6, 0.0), fontsize=10)
    _edge(ax, h2, h1, "backward:hT->hT-1", color=rec, ls="--", lw=1.6, rad=0.38,
          label=r"$dh^{(T)}\,\partial h^{(T)}/\partial h^{(T-1)}$", label_offset=(0.0, -0.2), fontsize=10)
    ax.text(-1.3, -1.45, "solid: forward    dashed: backward (gradients)\n"
            r"$dh^{(T)}=\mathrm{grad}_{dense}^{(T)}$;  "
            r"$dh^{(T-1)}=\mathrm{grad}_{dense}^{(T-1)}+dh^{(T)}\,\partial h^{(T)}/\partial h^{(T-1)}$",
            fontsize=9.5, va="bottom", ha="left", color="#333333", gid="legend")
    return fig


# ----------------------------------------------------------------------------------------
# One step t → t+1 and the four paths of (9.22)

# Which edges of the step graph lie on each path from h^(t) to h^(t+1).
_PATH_EDGES: dict[str, tuple[tuple[str, str], ...]] = {
    "update_gate": (("h", "a_z"), ("a_z", "z"), ("z", "hn")),
    "reset_gate": (("h", "a_r"), ("a_r", "r"), ("r", "rh"), ("rh", "a_h"), ("a_h", "hh"), ("hh", "hn")),
    "candidate": (("h", "rh"), ("rh", "a_h"), ("a_h", "hh"), ("hh", "hn")),
    "carry": (("h", "hn"),),
}


def draw_step_graph(highlight: str | None = None, ax: Axes | None = None) -> Figure:
    """The computational graph of one step t → t+1, with the four uses of h^(t) labelled by path.

    h^(t) enters step t+1 by four edges: via Uz into a_z (``update_gate``), via Ur into a_r
    (``reset_gate``), via r ⊙ h into a_h (``candidate``) and via (1 − z) ⊙ h straight into h^(t+1)
    (``carry``).  Each entry edge has its colour in :data:`PATH_COLORS`.  ``highlight``, a key of
    ``grubptt.PATHS`` or None, draws that path's whole route from h^(t) to h^(t+1) strong and fades
    every other edge.  Unknown names raise ValueError.
    """
    if highlight is not None and highlight not in PATHS:
        raise ValueError(f"highlight must be one of {sorted(PATHS)} or None, got {highlight!r}")
    fig, ax = _axes(ax, (10.5, 5.6))
    ax.set_xlim(-0.9, 11.0)
    ax.set_ylim(-1.1, 5.6)
    nodes = {
        "h": _node(ax, 0.0, 2.6, _sup("h", "t"), "h", fontsize=14),
        "a_z": _node(ax, 2.8, 4.1, r"$a_z$", "a_z"),
        "z": _node(ax, 4.8, 4.1, r"$z$", "z"),
        "a_r": _node(ax, 2.4, 0.5, r"$a_r$", "a_r"),
        "r": _node(ax, 3.9, 0.5, r"$r$", "r"),
        "rh": _node(ax, 5.4, 1.45, r"$r\odot h^{(t)}$", "rh"),
        "a_h": _node(ax, 7.0, 0.5, r"$a_h$", "a_h"),
        "hh": _node(ax, 8.5, 0.5, r"$\hat h$", "hh"),
        "hn": _node(ax, 10.2, 2.6, _sup("h", "t+1"), "hn", fontsize=14),
        # x^(t+1) enters each pre-activation together with its bias: stubs, so no edge crosses a path.
        "x_z": _node(ax, 2.8, 5.3, r"$x^{(t+1)}W_z + b_z$", "x_z", _PLAIN, fontsize=10),
        "x_r": _node(ax, 2.4, -0.75, r"$x^{(t+1)}W_r + b_r$", "x_r", _PLAIN, fontsize=10),
        "x_h": _node(ax, 7.0, -0.75, r"$x^{(t+1)}W + b$", "x_h", _PLAIN, fontsize=10),
    }
    on_path = set(_PATH_EDGES[highlight]) if highlight is not None else set()
    entry = {"update_gate": ("h", "a_z"), "reset_gate": ("h", "a_r"), "candidate": ("h", "rh"),
             "carry": ("h", "hn")}
    entry_path = {e: p for p, e in entry.items()}

    def style(a: str, b: str) -> dict:
        if highlight is not None:
            if (a, b) in on_path:
                return {"color": PATH_COLORS[highlight], "lw": 2.6, "zorder": 3.2}
            return {"color": FADED_COLOR, "lw": 1.1}
        if (a, b) in entry_path:
            return {"color": PATH_COLORS[entry_path[(a, b)]], "lw": 2.0}
        return {"color": FORWARD_COLOR, "lw": 1.3}

    edges = [
        # (from, to, label, label offset); the four entry edges are named by their path.
        ("h", "a_z", r"update_gate: $h^{(t)}U_z$", (-0.9, 0.4)),
        ("h", "a_r", r"reset_gate: $h^{(t)}U_r$", (-0.6, -0.45)),
        ("h", "rh", r"candidate: $r\odot h^{(t)}$", (0.3, 0.3)),
        ("h", "hn", r"carry: $(1-z)\odot h^{(t)}$", (2.4, 0.25)),
        ("x_z", "a_z", None, (0.0, 0.0)),
        ("x_r", "a_r", None, (0.0, 0.0)),
        ("x_h", "a_h", None, (0.0, 0.0)),
        ("a_z", "z", r"$\sigma$", (0.0, 0.22)),
        ("a_r", "r", r"$\sigma$", (0.0, 0.22)),
        ("r", "rh", None, (0.0, 0.0)),
        ("rh", "a_h", r"$\cdot\,U$", (0.3, 0.1)),
        ("a_h", "hh", r"$\tanh$", (0.0, 0.25)),
        ("z", "hn", r"$z$", (0.0, 0.25)),
        ("hh", "hn", r"$z\odot\hat h$", (0.45, -0.2)),
    ]
    for a, b, lab, off in edges:
        st = style(a, b)
        _edge(ax, nodes[a], nodes[b], f"{entry_path.get((a, b), 'internal')}:{a}->{b}", color=st["color"],
              lw=st["lw"], label=lab, label_offset=off, zorder=st.get("zorder", 3),
              fontsize=10.5 if (a, b) in entry_path else 10)
    title = "one step $t \\to t+1$" + ("" if highlight is None else f": the {highlight} path")
    ax.set_title(title, fontsize=12)
    return fig


# ----------------------------------------------------------------------------------------
# The appendix's example


def draw_chain_rule_example(ax: Axes | None = None, *, backward: bool = True) -> Figure:
    """The appendix's graph: p = w x, q = tanh(p), s = q + x, L = ½ s².

    x is used twice (in p and in s), so dL/dx is the sum of two paths, the same shape as
    (9.22), where h^(t) is used four times.  With ``backward`` the local derivatives are drawn as
    dashed arrows from L back to x, one colour per path into x.
    """
    fig, ax = _axes(ax, (9.0, 4.6))
    ax.set_xlim(-0.8, 9.2)
    ax.set_ylim(-0.6, 4.0)
    n = {
        "x": _node(ax, 0.0, 1.0, "$x$", "x", fontsize=14),
        "w": _node(ax, 0.0, 3.0, "$w$", "w", fontsize=14),
        "p": _node(ax, 2.4, 3.0, r"$p = w\,x$", "p"),
        "q": _node(ax, 4.8, 3.0, r"$q=\tanh p$", "q"),
        "s": _node(ax, 6.6, 1.0, r"$s = q + x$", "s"),
        "L": _node(ax, 8.6, 1.0, r"$L=\frac{1}{2}s^2$", "L", _LOSS, fontsize=11),
    }
    for a, b in (("w", "p"), ("x", "p"), ("p", "q"), ("q", "s"), ("x", "s"), ("s", "L")):
        _edge(ax, n[a], n[b], f"forward:{a}->{b}")
    if backward:
        via_p, direct = PATH_COLORS["update_gate"], PATH_COLORS["carry"]
        # Each backward edge bows away from its forward twin (arc3 bends to the left of travel
        # for rad > 0) and carries the local derivative that multiplies the incoming gradient.
        bwd = [
            ("L", "s", r"$s$", BACKWARD_COLOR, -0.45, (0.0, -0.15)),
            ("s", "q", r"$1$", via_p, 0.3, (0.15, 0.1)),
            ("q", "p", r"$1-q^2$", via_p, 0.35, (0.0, 0.2)),
            ("p", "x", r"$w$", via_p, 0.3, (-0.2, 0.1)),
            ("s", "x", r"$1$", direct, -0.2, (0.0, -0.15)),
        ]
        for a, b, lab, col, rad, off in bwd:
            _edge(ax, n[a], n[b], f"backward:{a}->{b}", color=col, ls="--", lw=1.5, rad=rad, label=lab,
                  label_offset=off, fontsize=10.5)
        ax.text(-0.7, -0.55, r"$\frac{dL}{dx} = s\cdot 1\cdot(1-q^2)\cdot w \;+\; s\cdot 1$"
                "   (one term per use of $x$; dashed: backward, labelled by local derivative)",
                fontsize=10.5, ha="left", va="bottom", gid="legend")
    return fig
