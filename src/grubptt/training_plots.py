"""Training-chapter plots: loss and gradient-norm curves, a progress bar, one recalled sequence, the gate.

Chapter: ``book/12_training.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes

from .plots import LEGEND, MODEL_COLORS, _axes

if TYPE_CHECKING:
    import ipywidgets

__all__ = ["plot_training", "progress", "plot_recall", "plot_gate"]

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
    a_loss.legend(**LEGEND)
    a_grad.set_yscale("log")
    a_grad.set_xlabel("training step")
    a_grad.set_ylabel(r"$\|\nabla_\theta L\|$ before clipping")
    a_grad.set_title("Gradient norm (dotted: clipping threshold)")
    a_grad.legend(**LEGEND)
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
    ax.legend(**LEGEND)
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
