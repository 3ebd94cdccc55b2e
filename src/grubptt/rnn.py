"""The SimpleRNN twin of the textbook's eq. (7.10) / (7.15), same calling pattern as the GRU.

    h^(t) = f(x^(t) W + h^(t-1) U + b),   ŷ = h^(t) V + c,   y = g(ŷ)

with f ∈ {"tanh", "sigmoid"}.  Its BPTT has two terms instead of five:
dh^(t) = grad_dense^(t) + (dh^(t+1) ⊙ f'(a^(t+1))) Uᵀ.  Used by the chapter
comparing GRU and SimpleRNN (``book/11_gru_vs_rnn.ipynb``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .activations import check_output_name, sigmoid
from .dense import dense_backward, dense_forward
from .validation import check_h0, check_params, check_sequence, matrix_dim

__all__ = ["RNNParams", "RNNCache", "RNNGrads", "init_rnn_params", "rnn_forward", "rnn_backward",
           "RNN_TERMS", "rnn_step_jacobian"]

RNN_TERMS: tuple[str, ...] = ("grad_dense", "recurrent")
# f and f' through the output a of f
_HIDDEN = {"tanh": (np.tanh, lambda h: 1.0 - h * h), "sigmoid": (sigmoid, lambda h: h * (1.0 - h))}


@dataclass
class RNNParams:
    """W: (D, H); U: (H, H); b: (H,); V: (H, O); c: (O,)."""

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray
    V: np.ndarray
    c: np.ndarray

    names = ("W", "U", "b", "V", "c")

    input_size = property(lambda s: matrix_dim(s.W, 0, "W", "(D, H)"))
    hidden_size = property(lambda s: matrix_dim(s.U, 0, "U", "(H, H)"))
    output_size = property(lambda s: matrix_dim(s.V, 1, "V", "(H, O)"))
    dtype = property(lambda s: np.asarray(s.W).dtype)

    def expected_shapes(self) -> dict[str, tuple[int, ...]]:
        D, H, O = self.input_size, self.hidden_size, self.output_size
        return {"W": (D, H), "U": (H, H), "b": (H,), "V": (H, O), "c": (O,)}

    def arrays(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def copy(self) -> RNNParams:
        return type(self)(**{k: np.array(v, copy=True) for k, v in self.arrays().items()})

    def astype(self, dtype) -> RNNParams:
        return type(self)(**{k: np.asarray(v).astype(dtype) for k, v in self.arrays().items()})

    def zeros_like(self) -> RNNParams:
        return type(self)(**{k: np.zeros_like(v) for k, v in self.arrays().items()})


def init_rnn_params(input_size: int, hidden_size: int, output_size: int, *, seed: int | None = None,
                    dtype=np.float64, scale: float | None = None,
                    recurrent_radius: float | None = None) -> RNNParams:
    """Random SimpleRNN parameters, drawn like :func:`grubptt.init_params` draws the GRU's."""
    from .params import init_params

    p = init_params(input_size, hidden_size, output_size, seed=seed, dtype=dtype, scale=scale,
                    recurrent_radius=recurrent_radius)
    return RNNParams(W=p.W, U=p.U, b=p.b, V=p.V, c=p.c)


def _user(arr, batched):
    return np.swapaxes(arr, 0, 1) if batched else arr[:, 0]


@dataclass
class RNNCache:
    """Forward intermediates; public attributes in the caller's layout like :class:`GRUCache`."""

    output: str
    activation: str
    batched: bool
    x_tm: np.ndarray     # (T+1, N, D)
    a_tm: np.ndarray     # (T+1, N, H)
    h_tm: np.ndarray     # (T+2, N, H): h^(-1) .. h^(T)
    yhat_tm: np.ndarray
    y_tm: np.ndarray

    T = property(lambda s: s.x_tm.shape[0] - 1)
    N = property(lambda s: s.x_tm.shape[1])
    H = property(lambda s: s.h_tm.shape[2])
    x = property(lambda s: _user(s.x_tm, s.batched))
    a = property(lambda s: _user(s.a_tm, s.batched))
    h = property(lambda s: _user(s.h_tm[1:], s.batched))
    h_prev = property(lambda s: _user(s.h_tm[:-1], s.batched))
    yhat = property(lambda s: _user(s.yhat_tm, s.batched))
    y = property(lambda s: _user(s.y_tm, s.batched))
    h0 = property(lambda s: s.h_tm[0] if s.batched else s.h_tm[0, 0])


def _check_activation(activation: str) -> str:
    if not isinstance(activation, str) or activation not in _HIDDEN:
        raise ValueError(f"activation must be one of {sorted(_HIDDEN)}, got {activation!r}")
    return activation


def rnn_forward(params: RNNParams, x, h0=None, *, output: str = "identity",
                activation: str = "tanh") -> RNNCache:
    """Eq. (7.10) over t = 0..T; x (T+1, D) or (N, T+1, D), h0 (H,) or (N, H)."""
    check_params(params, params.expected_shapes())
    check_output_name(output)
    f, _ = _HIDDEN[_check_activation(activation)]
    D, H = params.input_size, params.hidden_size
    dt = params.dtype
    x_tm, batched = check_sequence(x, D, dt)
    T1, N = x_tm.shape[:2]
    h_tm = np.empty((T1 + 1, N, H), dtype=dt)
    h_tm[0] = check_h0(h0, N, H, batched, dt)
    a = (x_tm.reshape(T1 * N, D) @ params.W).reshape(T1, N, H) + params.b  # hoisted input GEMM
    rec = np.empty((N, H), dtype=dt)                 # h^(t-1) U, reused: no temporaries per step
    for t in range(T1):
        a[t] += np.matmul(h_tm[t], params.U, out=rec)
        h_tm[t + 1] = f(a[t])
    yhat, y = dense_forward(h_tm[1:], params.V, params.c, output)
    return RNNCache(output, activation, batched, x_tm, a, h_tm, yhat, y)


@dataclass
class RNNGrads:
    """Like :class:`GRUGrads`; ``terms`` has keys ``RNN_TERMS``."""

    params: RNNParams
    dh: np.ndarray
    terms: dict[str, np.ndarray]
    dh0: np.ndarray
    dx: np.ndarray
    Y: np.ndarray

    @property
    def grad_dense(self) -> np.ndarray:
        return self.terms["grad_dense"]


def _rnn_bptt(params: RNNParams, cache: RNNCache, grad_dense_tm: np.ndarray):
    """dh (T+1, N, H), recurrent term (T+1, N, H), da (T+1, N, H), dh^(-1) (N, H)."""
    _, df = _HIDDEN[cache.activation]
    T1 = cache.T + 1
    dh = np.empty_like(grad_dense_tm)
    rec = np.zeros_like(grad_dense_tm)
    da = np.empty_like(grad_dense_tm)
    dh[T1 - 1] = grad_dense_tm[T1 - 1]
    da[:] = df(cache.h_tm[1:])                      # f'(a^(t)) for all t at once; × dh^(t) in the loop
    dh_init = np.empty_like(dh[0])
    for t in range(T1 - 1, -1, -1):
        da[t] *= dh[t]
        back = np.matmul(da[t], params.U.T, out=rec[t - 1] if t > 0 else dh_init)
        if t > 0:
            np.add(grad_dense_tm[t - 1], back, out=dh[t - 1])
    return dh, rec, da, dh_init


def rnn_backward(params: RNNParams, cache: RNNCache, Y) -> RNNGrads:
    """BPTT for the SimpleRNN (the textbook's eq. 7.15 in row form)."""
    check_params(params, params.expected_shapes())
    D, H = params.input_size, params.hidden_size
    T1, N = cache.T + 1, cache.N
    dense = dense_backward(params, cache, Y)
    Y_user, dyhat, grad_dense = dense.Y, dense.dyhat, dense.grad_dense
    dh, rec, da, dh_init = _rnn_bptt(params, cache, grad_dense)
    da_flat = da.reshape(T1 * N, H)
    grads = RNNParams(
        W=cache.x_tm.reshape(T1 * N, D).T @ da_flat,
        U=cache.h_tm[:-1].reshape(T1 * N, H).T @ da_flat,
        b=da_flat.sum(axis=0),
        V=cache.h_tm[1:].reshape(T1 * N, H).T @ dyhat,
        c=dyhat.sum(axis=0),
    )
    b = cache.batched
    return RNNGrads(params=grads, dh=_user(dh, b),
                    terms={"grad_dense": _user(grad_dense, b), "recurrent": _user(rec, b)},
                    dh0=dh_init if b else dh_init[0],
                    dx=_user((da_flat @ params.W.T).reshape(T1, N, D), b), Y=Y_user)


def rnn_step_jacobian(params: RNNParams, cache: RNNCache, t: int) -> np.ndarray:
    """J = ∂h^(t+1)/∂h^(t) = diag(f'(a^(t+1))) Uᵀ with J[j, i] = ∂h_j^(t+1)/∂h_i^(t), −1 ≤ t < T."""
    if not -1 <= t < cache.T:
        raise ValueError(f"t must satisfy -1 <= t < T = {cache.T}, got {t}")
    _, df = _HIDDEN[cache.activation]
    d = df(cache.h_tm[t + 2])                       # f'(a^(t+1)), (N, H)
    J = d[:, :, None] * params.U.T[None]            # row j scaled by f'_j
    return J if cache.batched else J[0]
