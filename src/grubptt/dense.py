"""The dense output layer of eq. (9.17), ŷ = h V + c and y = g(ŷ), and its backward pass.

It does not depend on the recurrent cell, so the GRU and the SimpleRNN share it.
Explained in "Loss and grad_dense" (``book/03_loss_grad_dense.ipynb``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import memory
from .activations import output_fns
from .validation import check_targets

__all__ = ["DenseBackward", "dense_forward", "dense_backward"]


def dense_forward(h_tm: np.ndarray, V: np.ndarray, c: np.ndarray,
                  output: str) -> tuple[np.ndarray, np.ndarray]:
    """ŷ and y for all steps at once (one GEMM): h_tm (T+1, N, H) → two (T+1, N, O) arrays."""
    T1, N, H = h_tm.shape
    O = V.shape[1]
    yhat = np.matmul(h_tm.reshape(T1 * N, H), V, out=memory.empty((T1 * N, O), V.dtype)).reshape(T1, N, O)
    yhat += c
    if output == "tanh":
        return yhat, np.tanh(yhat, out=memory.empty(yhat.shape, yhat.dtype))
    g, _ = output_fns(output)
    return yhat, g(yhat)


@dataclass
class DenseBackward:
    """``Y``: the targets as given (validated); ``dyhat``: ∂L/∂ŷ for every step and sequence,
    (T+1)·N × O; ``grad_dense``: grad_dense^(t) = dyhat Vᵀ of eq. (9.21), time-major (T+1, N, H)."""

    Y: np.ndarray
    dyhat: np.ndarray
    grad_dense: np.ndarray


def dense_backward(params, cache, Y: np.ndarray) -> DenseBackward:
    """Back through L = Σ ½‖y − Y‖² and the dense layer, for a GRU or SimpleRNN cache.

    Checks that ``params`` and ``cache`` have the same sizes and that Y has the shape of y.
    """
    D, H, O = params.input_size, params.hidden_size, params.output_size
    if cache.x_tm.shape[2] != D or cache.H != H or cache.y_tm.shape[2] != O:
        raise ValueError(f"cache was computed with other sizes than params (D={D}, H={H}, O={O})")
    T1, N = cache.T + 1, cache.N
    Y_user = check_targets(Y, cache.y.shape, params.dtype)
    Y_tm = Y_user[:, None] if not cache.batched else np.swapaxes(Y_user, 0, 1)
    _, dg = output_fns(cache.output)
    dyhat = np.subtract(cache.y_tm, Y_tm, out=memory.empty(cache.y_tm.shape, params.dtype))
    if cache.output != "identity":
        dyhat *= dg(cache.y_tm)                                           # ∂L/∂ŷ = (y − Y) ⊙ g'(ŷ)
    dyhat = dyhat.reshape(T1 * N, O)
    grad_dense = np.matmul(dyhat, params.V.T, out=memory.empty((T1 * N, H), params.dtype))
    return DenseBackward(Y_user, dyhat, grad_dense.reshape(T1, N, H))
