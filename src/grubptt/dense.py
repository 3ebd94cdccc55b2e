"""The dense output layer of eq. (9.17), ŷ = h V + c and y = g(ŷ), the loss (9.18), and the
backward pass through both (9.21).

It does not depend on the recurrent cell, so the GRU and the SimpleRNN share it.
Explained in "Loss and grad_dense" (``book/03_loss_grad_dense.ipynb``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import fast_tanh, output_fns
from .validation import check_targets

__all__ = ["DenseBackward", "dense_forward", "dense_backward", "loss"]


def dense_forward(h_tm: np.ndarray, V: np.ndarray, c: np.ndarray,
                  output: str) -> tuple[np.ndarray, np.ndarray]:
    """ŷ = h V + c and y = g(ŷ) for all steps at once (one GEMM): h_tm (T+1, N, H) → two (T+1, N, O)."""
    g, _ = output_fns(output)
    T1, N, H = h_tm.shape
    yhat = (h_tm.reshape(T1 * N, H) @ V).reshape(T1, N, -1)
    yhat += c
    if output == "tanh":                                  # the fast paths' tanh (activations.fast_tanh)
        with np.errstate(over="ignore"):
            return yhat, fast_tanh(yhat.size)(yhat, np.empty_like(yhat))
    return yhat, g(yhat)


def loss(cache, Y: np.ndarray) -> float:
    """Eq. (9.18): L = Σ_t ½‖y^(t) − Y^(t)‖², summed over steps, outputs and sequences.

    ``cache`` from the forward pass of a GRU or a SimpleRNN; Y has the shape of ``cache.y``.
    Summed in float64 whatever the dtype of the outputs.
    """
    y = getattr(cache, "y", None)
    if not isinstance(y, np.ndarray):
        raise TypeError(f"cache must be a GRUCache or RNNCache (from a forward pass), "
                        f"got {type(cache).__name__}")
    Y = check_targets(Y, y.shape, y.dtype)
    diff = y.astype(np.float64) - Y
    return float(0.5 * np.sum(diff * diff))


@dataclass
class DenseBackward:
    """``Y``: the targets as given (validated); ``dyhat``: ∂L/∂ŷ for every step and sequence,
    (T+1)·N × O; ``grad_dense``: grad_dense^(t) = dyhat Vᵀ of eq. (9.21), time-major (T+1, N, H)."""

    Y: np.ndarray
    dyhat: np.ndarray
    grad_dense: np.ndarray


def dense_backward(params, cache, Y: np.ndarray) -> DenseBackward:
    """Back through L = Σ ½‖y − Y‖² and the dense layer, for a checked (params, cache) pair."""
    T1, N, O = cache.T + 1, cache.N, cache.O
    Y_user = check_targets(Y, cache.y.shape, params.dtype)
    Y_tm = Y_user[:, None] if not cache.batched else np.swapaxes(Y_user, 0, 1)
    _, dg = output_fns(cache.output)
    dyhat = cache.y_tm - Y_tm
    if cache.output != "identity":
        dyhat *= dg(cache.y_tm)                                           # ∂L/∂ŷ = (y − Y) ⊙ g'(ŷ)
    dyhat = dyhat.reshape(T1 * N, O)
    grad_dense = dyhat @ params.V.T
    return DenseBackward(Y_user, dyhat, grad_dense.reshape(T1, N, cache.H))
