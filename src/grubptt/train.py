"""Training the many-to-many GRU (and the SimpleRNN beside it) with grubptt's own BPTT.

Numpy only.  A toy task that needs memory (hold a marked value), Adam and plain gradient
descent written out, gradient-norm clipping (Pascanu et al. 2013), and a loop that
records the loss and the gradient norm at every step.

Chapter: ``book/12_training.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import gru
from .activations import check_output_name
from .dense import loss
from .models import GRU, model_of
from .params import GRUParams
from .rnn import RNNParams
from .validation import check_params, finite_number, positive_int
from .workspace import Workspace

__all__ = ["HoldMarked", "grad_norm", "clip_by_norm", "GD", "Adam", "History", "train", "evaluate"]

Params = GRUParams | RNNParams


@dataclass(frozen=True)
class HoldMarked:
    """Remember the marked value: Y^(t) = v^(s) for every t ≥ s, 0 before.

    Input x^(t) = (v^(t), m^(t)): a value v^(t) uniform in (−1, 1) at every step and a
    marker m^(t) that is 1 at one step s (uniform in 0..``mark_by``−1) and 0 elsewhere.
    Sequences have T+1 = ``length`` steps.  The model must store v^(s) when the marker comes
    and keep it unchanged while a new value arrives at every later step: the gradient of the
    error at step t must reach step s, up to ``length`` − 1 steps back.
    """

    length: int = 40
    mark_by: int = 10

    def __post_init__(self):
        for name in ("length", "mark_by"):
            positive_int(name, getattr(self, name))
        if self.mark_by > self.length:
            raise ValueError(f"mark_by ({self.mark_by}) must be at most length ({self.length})")

    input_size = 2
    output_size = 1

    def sample(self, n: int, rng: np.random.Generator | int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """n sequences: x (n, T+1, 2) = (value, marker), Y (n, T+1, 1)."""
        n = positive_int("n", n)
        rng = np.random.default_rng(rng)
        v = rng.uniform(-1.0, 1.0, (n, self.length))
        s = rng.integers(0, self.mark_by, n)
        x = np.zeros((n, self.length, 2))
        x[:, :, 0] = v
        x[np.arange(n), s, 1] = 1.0
        after = np.arange(self.length)[None, :] >= s[:, None]                  # (n, T+1)
        Y = np.where(after, v[np.arange(n), s][:, None], 0.0)[:, :, None]
        return x, Y

    @property
    def baseline(self) -> float:
        """Mean loss per output of always answering 0: ½ E[v²] = 1/6 on the steps with a target."""
        mean_steps_after = self.length - (self.mark_by - 1) / 2.0             # E[length − s]
        return (1.0 / 6.0) * mean_steps_after / self.length


def _checked_grads(grads: Params) -> Params:
    """``grads`` as returned by a backward pass: GRUParams or RNNParams of float arrays."""
    if not isinstance(grads, (GRUParams, RNNParams)):
        raise TypeError(f"grads must be GRUParams or RNNParams (the .params of a backward pass), "
                        f"got {type(grads).__name__}")
    model = model_of(grads)
    for name, v in grads.arrays().items():
        if not isinstance(v, np.ndarray) or v.dtype.kind != "f":
            raise TypeError(f"grads.{name} must be a float numpy array, got {type(v).__name__}")
    return model


def grad_norm(grads: Params) -> float:
    """‖∇θ‖: the Euclidean norm of all gradient arrays taken together.

    Safe in every dtype: the entries are divided by the largest one before they are squared
    and summed in float64, so entries of 1e20 in float32 (or 1e200 in float64) give their
    true norm, not inf.  NaN if any entry is NaN, inf if any is inf.
    """
    _checked_grads(grads)
    arrays = [np.asarray(g, dtype=np.float64) for g in grads.arrays().values()]
    m = max((float(np.max(np.abs(a), initial=0.0)) for a in arrays), default=0.0)
    if m == 0.0 or not np.isfinite(m):
        return m if not any(np.isnan(a).any() for a in arrays) else float("nan")
    return m * float(np.sqrt(sum(np.sum(np.square(a / m)) for a in arrays)))


def clip_by_norm(grads: Params, max_norm: float | None) -> tuple[Params, float]:
    """Rescale the whole gradient to norm ``max_norm`` if it is longer (Pascanu et al. 2013).

    The direction is kept, only the step length is bounded: an exploding gradient then
    cannot throw the parameters far.  Returns (clipped gradient, norm before clipping);
    ``max_norm=None`` returns the gradient unchanged.  A gradient with NaN or inf entries
    cannot be clipped: ValueError.
    """
    if max_norm is not None:
        max_norm = finite_number("max_norm", max_norm, low=0.0, strict=True)
    norm = grad_norm(grads)
    if max_norm is None:
        return grads, norm
    if not np.isfinite(norm):
        raise ValueError(f"grads contain NaN or inf (norm {norm}): there is no direction to keep")
    if norm <= max_norm:
        return grads, norm
    s = max_norm / norm
    return type(grads)(**{k: v * s for k, v in grads.arrays().items()}), norm


def _positive_float(name: str, v) -> float:
    return finite_number(name, v, low=0.0, strict=True)


class GD:
    """Plain gradient descent: θ ← θ − lr · g."""

    def __init__(self, lr: float = 0.1):
        self.lr = _positive_float("lr", lr)

    def step(self, params: Params, grads: Params) -> None:
        for k, g in grads.arrays().items():
            getattr(params, k)[...] -= self.lr * g


class Adam:
    """Adam (Kingma & Ba 2015): per-entry steps scaled by running moments of the gradient.

    m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − lr · m̂ / (√v̂ + ε) with the
    bias-corrected m̂ = m / (1 − β₁ᵏ), v̂ = v / (1 − β₂ᵏ) at step k.
    """

    def __init__(self, lr: float = 1e-2, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.eps = _positive_float("lr", lr), _positive_float("eps", eps)
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"{name} must lie in [0, 1), got {b!r}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.k = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def step(self, params: Params, grads: Params) -> None:
        self.k += 1
        c1, c2 = 1.0 - self.beta1**self.k, 1.0 - self.beta2**self.k
        for name, g in grads.arrays().items():
            m = self.m.setdefault(name, np.zeros_like(g))
            v = self.v.setdefault(name, np.zeros_like(g))
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            getattr(params, name)[...] -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


@dataclass
class History:
    """What :func:`train` recorded.

    ``loss`` and ``grad_norm`` per training step (``steps``); ``grad_norm`` is taken before
    clipping.  ``eval_loss`` on a fixed held-out batch at ``eval_steps``.  Losses are the
    mean loss per output, L / (N·(T+1)·O), comparable with ``baseline``.
    """

    model: str
    params: Params
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    grad_norm: np.ndarray = field(default_factory=lambda: np.zeros(0))
    eval_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    eval_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    clip: float | None = None
    baseline: float | None = None

    @property
    def final_loss(self) -> float:
        """The last held-out loss."""
        return float(self.eval_loss[-1])


def evaluate(params: Params, x: np.ndarray, Y: np.ndarray, *, output: str = "identity") -> float:
    """Mean loss per output, L / (N·(T+1)·O), of ``params`` on the batch (x, Y)."""
    model = model_of(params)
    check_params(params, model.params_type)
    cache = model.forward(params, x, output=output)
    return loss(cache, Y) / cache.y.size


def train(params: Params, task: HoldMarked, *, steps: int = 500, batch: int = 32, optimizer=None,
          clip: float | None = 1.0, output: str = "identity", seed: int = 0, eval_every: int = 25,
          eval_size: int = 256, callback: Callable[[int, int, float], None] | None = None) -> History:
    """Train ``params`` (a copy; the argument is not changed) on ``task`` with grubptt's BPTT.

    Each step: a fresh batch of ``batch`` sequences, forward, backward (eq. 9.22 for the GRU,
    7.15 for the SimpleRNN), the gradient of the mean per-sequence loss L/N, clipped to norm
    ``clip``, one ``optimizer`` step (default ``Adam(1e-2)``).  ``callback(step, steps,
    eval_loss)`` runs after every evaluation (for a progress bar).  Seeded: same inputs,
    same history.
    """
    for name, v in (("steps", steps), ("batch", batch), ("eval_every", eval_every), ("eval_size", eval_size)):
        positive_int(name, v)
    check_output_name(output)
    model = model_of(params)
    check_params(params, model.params_type)
    if params.dtype.itemsize < 4:
        raise ValueError(f"params.dtype {params.dtype} is too coarse to train: Adam's eps (1e-8) rounds to 0 "
                         "and sums over a batch lose most of their digits; use float32 or float64")
    if not isinstance(task, HoldMarked):
        raise TypeError(f"task must be a HoldMarked task, got {type(task).__name__}")
    if clip is not None:
        clip = _positive_float("clip", clip)
    if optimizer is not None and not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step(params, grads) method, got {type(optimizer).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
    if model is GRU:
        # The loop owns one workspace: each step's cache is used up before the next forward, and
        # without it glibc hands the step's pages back and the next step faults them in again
        # (N = 32, T+1 = 80, H = 16: ~1100 page faults, 9.7 instead of 6.7 ms a step).
        ws = Workspace()

        def fwd(p, x, output):
            return gru.forward(p, x, output=output, workspace=ws)

        def bwd(p, c, Y):
            return gru.backward(p, c, Y, terms=False, workspace=ws)
    else:
        fwd, bwd = model.forward, model.backward
    if params.input_size != task.input_size or params.output_size != task.output_size:
        raise ValueError(f"the task has D = {task.input_size} inputs and O = {task.output_size} outputs "
                         f"per step; params have D = {params.input_size}, O = {params.output_size}")
    params = params.copy()
    opt = optimizer if optimizer is not None else Adam(1e-2)
    rng = np.random.default_rng(seed)
    x_eval, Y_eval = task.sample(eval_size, rng)
    per_output = 1.0 / (batch * task.length)
    losses, norms = [], []
    ev_steps, ev_loss = [0], [evaluate(params, x_eval, Y_eval, output=output)]
    for k in range(steps):
        x, Y = task.sample(batch, rng)
        cache = fwd(params, x, output=output)
        losses.append(loss(cache, Y) * per_output)
        g = bwd(params, cache, Y).params
        g = type(g)(**{n: v / batch for n, v in g.arrays().items()})    # gradient of L / N
        g, norm = clip_by_norm(g, clip)
        norms.append(norm)
        opt.step(params, g)
        if (k + 1) % eval_every == 0 or k + 1 == steps:
            ev_steps.append(k + 1)
            ev_loss.append(evaluate(params, x_eval, Y_eval, output=output))
            if callback is not None:
                callback(k + 1, steps, ev_loss[-1])
    return History(model=model.name, params=params,
                   steps=np.arange(1, steps + 1), loss=np.array(losses), grad_norm=np.array(norms),
                   eval_steps=np.array(ev_steps), eval_loss=np.array(ev_loss), clip=clip,
                   baseline=task.baseline)
