"""The loss as a function of one hidden state h^(t): an independent check of dh^(t) in eq. (9.22).

dh^(t) is the total derivative dL/dh^(t): how the loss changes when h^(t) alone is moved
and every later step is recomputed from it, while the steps before t stay as they were.
:func:`loss_from_state` computes exactly that function, so central differences of it
check (9.22) at any t without using the recursion.  t = −1 is the initial state h^(-1),
whose derivative is ``grads.dh0`` (no dense layer reads h^(-1), so no grad_dense there).

Explained in "Assembling (9.22)" (``book/08_assembling.ipynb``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import check_output_name, output_fns
from .cache import TERMS, GRUGrads
from .dense import loss
from .gru import forward
from .numeric import check_eps, numerical_gradient, relative_error, row_norms
from .params import GRUParams
from .validation import as_array, check_params, check_sequence, check_targets, int_in_range

__all__ = ["loss_from_state", "state_gradient", "StateCheck", "state_check", "term_norms"]


def _checked(params: GRUParams, x, Y, t: int, output: str):
    """x, Y as float64 (T+1, D), (T+1, O) arrays, validated; t in −1..T."""
    check_params(params, GRUParams)
    check_output_name(output)
    x_tm, batched = check_sequence(x, params.input_size, np.float64)
    if batched:
        raise ValueError(f"x must have shape (T+1, {params.input_size}) (one sequence), got {np.shape(x)}")
    x = x_tm[:, 0]
    T = x.shape[0] - 1
    Y = check_targets(Y, (T + 1, params.output_size), np.float64)
    return x, Y, int_in_range("t", t, -1, T, f" (T = {T})")


def loss_from_state(params: GRUParams, x: np.ndarray, Y: np.ndarray, t: int, h_t: np.ndarray,
                    *, h0: np.ndarray | None = None, output: str = "identity") -> float:
    """L of eq. (9.18) when the hidden state h^(t) is replaced by ``h_t``.

    x: (T+1, D); Y: (T+1, O); h_t: (H,); −1 ≤ t ≤ T (t = −1 is the initial state).
    The steps before t are run as usual from ``h0`` (h^(-1), zeros if None; they do
    not depend on h^(t)); steps t+1..T are re-run from ``h_t``.  With ``h_t`` equal to
    the true h^(t) the result equals ``loss(forward(params, x, h0, output=output), Y)``.
    Computed in float64.
    """
    x, Y, t = _checked(params, x, Y, t, output)
    p = params.astype(np.float64)
    H = p.hidden_size
    h_t = as_array(h_t, "h_t", np.float64)
    if h_t.shape != (H,):
        raise ValueError(f"h_t must have shape ({H},) (the hidden state h^({t})), got {h_t.shape}")
    if t == -1:
        return loss(forward(p, x, h_t, output=output), Y)
    # Steps 0..t-1 and their losses do not depend on h^(t): compute them from the real start.
    before = loss(forward(p, x[:t], h0, output=output), Y[:t]) if t > 0 else 0.0
    g, _ = output_fns(output)
    e_t = g(h_t @ p.V + p.c) - Y[t]                      # L^(t) reads h^(t) through the dense layer
    at_t = 0.5 * float(e_t @ e_t)
    after = loss(forward(p, x[t + 1:], h_t, output=output), Y[t + 1:]) if t < x.shape[0] - 1 else 0.0
    return before + at_t + after


def state_gradient(params: GRUParams, x: np.ndarray, Y: np.ndarray, t: int, h_t: np.ndarray | None = None,
                   *, h0: np.ndarray | None = None, output: str = "identity",
                   eps: float = 1e-6) -> np.ndarray:
    """dL/dh^(t) by central differences of :func:`loss_from_state`, shape (H,).

    ``h_t`` defaults to the true h^(t) of ``forward(params, x, h0)`` (for t = −1: ``h0``).
    """
    x, Y, t = _checked(params, x, Y, t, output)
    eps = check_eps(eps)
    if h_t is None:
        cache = forward(params.astype(np.float64), x, h0, output=output)
        h_t = cache.h0 if t == -1 else cache.h[t]
    h_var = np.array(h_t, dtype=np.float64)
    return numerical_gradient(lambda h: loss_from_state(params, x, Y, t, h, h0=h0, output=output),
                              h_var, eps)


@dataclass
class StateCheck:
    """dh^(t) from the recursion (9.22) beside central differences of L with respect to h^(t)."""

    t: int
    analytic: np.ndarray
    numeric: np.ndarray
    rel_err: float


def state_check(params: GRUParams, x: np.ndarray, Y: np.ndarray, grads: GRUGrads, t: int,
                *, h0: np.ndarray | None = None, output: str = "identity", eps: float = 1e-6) -> StateCheck:
    """Compare ``grads.dh[t]`` (``grads.dh0`` for t = −1) with :func:`state_gradient`.

    ``grads`` must come from ``backward`` on the unbatched forward of the same x, h0, Y
    and output.
    """
    x, Y, t = _checked(params, x, Y, t, output)
    if not isinstance(grads, GRUGrads):
        raise TypeError(f"grads must be GRUGrads, got {type(grads).__name__}")
    if np.ndim(grads.dh) != 2 or grads.dh.shape != (x.shape[0], params.hidden_size):
        raise ValueError(f"grads.dh must have shape ({x.shape[0]}, {params.hidden_size}) (an unbatched "
                         f"backward of this x), got {np.shape(grads.dh)}")
    analytic = np.asarray(grads.dh0 if t == -1 else grads.dh[t], dtype=np.float64)
    numeric = state_gradient(params, x, Y, t, h0=h0, output=output, eps=eps)
    return StateCheck(t, analytic, numeric, relative_error(analytic, numeric))


def term_norms(grads: GRUGrads) -> dict[str, np.ndarray]:
    """‖term^(t)‖ for each of the five terms of (9.22) and for dh^(t) itself.

    Returns a dict with keys ``TERMS`` and ``"dh"``, each a (T+1,) array; for a batched
    ``grads`` the norm is taken over all sequences together at each t.
    """
    if not isinstance(grads, GRUGrads):
        raise TypeError(f"grads must be GRUGrads, got {type(grads).__name__}")
    if grads.terms is None:
        raise ValueError("grads has no terms: call backward(..., terms=True)")
    batched = np.ndim(grads.dh) == 3

    def per_t(arr: np.ndarray) -> np.ndarray:
        a = np.swapaxes(arr, 0, 1) if batched else arr          # time first
        return row_norms(a.reshape(a.shape[0], -1))

    out = {k: per_t(grads.terms[k]) for k in TERMS}
    out["dh"] = per_t(grads.dh)
    return out
