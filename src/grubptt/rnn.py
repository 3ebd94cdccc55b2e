"""The SimpleRNN twin of the textbook's eq. (7.10) / (7.15), same calling pattern as the GRU.

    h^(t) = f(x^(t) W + h^(t-1) U + b),   ŷ = h^(t) V + c,   y = g(ŷ)

with f ∈ {"tanh", "sigmoid"}.  Its BPTT has two terms instead of five:
dh^(t) = grad_dense^(t) + (dh^(t+1) ⊙ f'(a^(t+1))) Uᵀ.  Used by the chapter
comparing GRU and SimpleRNN (``book/11_gru_vs_rnn.ipynb``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import HIDDEN, check_activation_name, check_output_name
from .cache import Grads, caller_layout, new_cache_id
from .dense import dense_backward, dense_forward
from .params import ParamsBase, init_params
from .validation import check_cache, check_h0, check_params, check_sequence, int_in_range

__all__ = ["RNNParams", "RNNCache", "RNNGrads", "init_rnn_params", "rnn_forward", "rnn_backward",
           "RNN_TERMS", "rnn_step_jacobian", "rnn_dh_recursion"]

RNN_TERMS: tuple[str, ...] = ("grad_dense", "recurrent")


@dataclass(eq=False)
class RNNParams(ParamsBase):
    """W: (D, H); U: (H, H); b: (H,); V: (H, O); c: (O,)."""

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray
    V: np.ndarray
    c: np.ndarray

    names = ("W", "U", "b", "V", "c")
    LAYOUT = {"W": ("D", "H"), "U": ("H", "H"), "b": ("H",), "V": ("H", "O"), "c": ("O",)}
    _SIZES = {"D": ("W", 0), "H": ("U", 0), "O": ("V", 1)}


def init_rnn_params(input_size: int, hidden_size: int, output_size: int, *, seed: int | None = None,
                    dtype=np.float64, scale: float | None = None,
                    recurrent_radius: float | None = None) -> RNNParams:
    """Random SimpleRNN parameters, drawn like :func:`grubptt.init_params` draws the GRU's."""
    p = init_params(input_size, hidden_size, output_size, seed=seed, dtype=dtype, scale=scale,
                    recurrent_radius=recurrent_radius)
    return RNNParams(W=p.W, U=p.U, b=p.b, V=p.V, c=p.c)


@dataclass(eq=False)
class RNNCache:
    """Forward intermediates, time-major like :class:`grubptt.GRUCache`; public attributes in the
    caller's layout: ``x a h h_prev yhat y h0``."""

    output: str
    activation: str
    batched: bool
    x_tm: np.ndarray     # (T+1, N, D)
    a_tm: np.ndarray     # (T+1, N, H)
    h_tm: np.ndarray     # (T+2, N, H): h^(-1) .. h^(T)
    yhat_tm: np.ndarray
    y_tm: np.ndarray
    params_fingerprint: bytes = field(repr=False)
    cache_id: int = field(default_factory=new_cache_id, repr=False)

    T = property(lambda s: s.x_tm.shape[0] - 1)
    N = property(lambda s: s.x_tm.shape[1])
    H = property(lambda s: s.h_tm.shape[2])
    D = property(lambda s: s.x_tm.shape[2])
    O = property(lambda s: s.y_tm.shape[2])
    x = property(lambda s: caller_layout(s.x_tm, s.batched))
    a = property(lambda s: caller_layout(s.a_tm, s.batched))
    h = property(lambda s: caller_layout(s.h_tm[1:], s.batched))
    h_prev = property(lambda s: caller_layout(s.h_tm[:-1], s.batched))
    yhat = property(lambda s: caller_layout(s.yhat_tm, s.batched))
    y = property(lambda s: caller_layout(s.y_tm, s.batched))
    h0 = property(lambda s: s.h_tm[0] if s.batched else s.h_tm[0, 0])


def rnn_forward(params: RNNParams, x, h0=None, *, output: str = "identity",
                activation: str = "tanh") -> RNNCache:
    """Eq. (7.10) over t = 0..T; x (T+1, D) or (N, T+1, D), h0 (H,) or (N, H)."""
    check_params(params, RNNParams)
    check_output_name(output)
    f, _ = HIDDEN[check_activation_name(activation)]
    D, H = params.input_size, params.hidden_size
    dt = params.dtype
    x_tm, batched = check_sequence(x, D, dt)
    T1, N = x_tm.shape[:2]
    h_tm = np.empty((T1 + 1, N, H), dtype=dt)
    h_tm[0] = check_h0(h0, N, H, batched, dt)
    a = (x_tm.reshape(T1 * N, D) @ params.W).reshape(T1, N, H) + params.b  # hoisted input GEMM
    rec = np.empty((N, H), dtype=dt)                 # h^(t-1) U, reused: no temporaries per step
    for t in range(T1):
        a[t] += np.dot(h_tm[t], params.U, out=rec)   # np.dot: ~1 µs less per call than matmul at these sizes
        h_tm[t + 1] = f(a[t])
    yhat, y = dense_forward(h_tm[1:], params.V, params.c, output)
    return RNNCache(output, activation, batched, x_tm, a, h_tm, yhat, y, params.fingerprint())


@dataclass(eq=False)
class RNNGrads(Grads):
    """Like :class:`grubptt.GRUGrads`; ``terms`` has keys ``RNN_TERMS``."""

    params: RNNParams


def rnn_dh_recursion(params: RNNParams, cache: RNNCache, grad_dense: np.ndarray, *, terms: bool = False):
    """dh^(t) = grad_dense^(t) + (dh^(t+1) ⊙ f'(a^(t+1))) Uᵀ for a given time-major grad_dense.

    Returns ``(dh, rec, da)`` indexed like :func:`grubptt.gru.dh_recursion`: dh (T+2, N, H) with
    dh[t + 1] = dh^(t); rec = {"recurrent": (T+2, N, H)} (row t + 1: the recurrent term at h^(t))
    or None; da = ∂L/∂a (T+1, N, H).
    """
    _, df = HIDDEN[cache.activation]
    T1 = cache.T + 1
    dh = np.empty((T1 + 1, *grad_dense.shape[1:]), dtype=grad_dense.dtype)
    rec = np.zeros_like(dh)
    dh[T1] = grad_dense[T1 - 1]
    da = df(cache.h_tm[1:])                         # f'(a^(s)) for all s at once; × dh^(s) in the loop
    U_T = params.U.T
    for s in range(T1 - 1, -1, -1):                 # δ = dh^(s)
        da[s] *= dh[s + 1]
        np.dot(da[s], U_T, out=rec[s])
        np.add(rec[s], grad_dense[s - 1] if s > 0 else 0.0, out=dh[s])
    return dh, ({"recurrent": rec} if terms else None), da


def rnn_backward(params: RNNParams, cache: RNNCache, Y) -> RNNGrads:
    """BPTT for the SimpleRNN (the textbook's eq. 7.15 in row form)."""
    check_params(params, RNNParams, values=False)
    check_cache(params, cache, RNNCache, "rnn_backward")
    D, H = params.input_size, params.hidden_size
    M = (cache.T + 1) * cache.N
    dense = dense_backward(params, cache, Y)
    dh, rec, da = rnn_dh_recursion(params, cache, dense.grad_dense, terms=True)
    da_2d = da.reshape(M, H)
    grads = RNNParams(
        W=cache.x_tm.reshape(M, D).T @ da_2d,
        U=cache.h_tm[:-1].reshape(M, H).T @ da_2d,
        b=da_2d.sum(axis=0),
        V=cache.h_tm[1:].reshape(M, H).T @ dense.dyhat,
        c=dense.dyhat.sum(axis=0),
    )
    b = cache.batched
    return RNNGrads(params=grads, dh=caller_layout(dh[1:], b),
                    terms={"grad_dense": caller_layout(dense.grad_dense, b),
                           "recurrent": caller_layout(rec["recurrent"][1:], b)},
                    dh0=dh[0] if b else dh[0, 0],
                    dx=caller_layout((da_2d @ params.W.T).reshape(cache.x_tm.shape), b), Y=dense.Y,
                    cache_id=cache.cache_id)


def rnn_jacobians_from_gates(params: RNNParams, h_next: np.ndarray, activation: str) -> np.ndarray:
    """diag(f'(a^(t+1))) Uᵀ from h^(t+1) = f(a^(t+1)), (K, H) → (K, H, H)."""
    _, df = HIDDEN[activation]
    return df(h_next)[:, :, None] * params.U.T[None]          # row j scaled by f'_j


def rnn_step_jacobian(params: RNNParams, cache: RNNCache, t: int) -> np.ndarray:
    """J = ∂h^(t+1)/∂h^(t) = diag(f'(a^(t+1))) Uᵀ with J[j, i] = ∂h_j^(t+1)/∂h_i^(t), −1 ≤ t < T."""
    check_params(params, RNNParams, values=False)
    check_cache(params, cache, RNNCache, "rnn_step_jacobian")
    t = int_in_range("t", t, -1, cache.T - 1, f" (T = {cache.T}: h^(t+1) must exist)")
    J = rnn_jacobians_from_gates(params, cache.h_tm[t + 2], cache.activation)
    return J if cache.batched else J[0]
