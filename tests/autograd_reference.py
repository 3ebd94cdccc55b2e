"""An independent reference for the tests: eq. (9.17)/(9.18) and the SimpleRNN (7.10) under HIPS autograd.

Nothing here imports grubptt.  The model is written again, directly from the textbook's
equations in their COLUMN form, so a shared mistake in a row/column transposition cannot
hide in both implementations:

    z   = σ(W_z x + U_z h + b_z)          r = σ(W_r x + U_r h + b_r)
    ĥ   = tanh(W x + U (r ⊙ h) + b)       h' = (1 − z) ⊙ h + z ⊙ ĥ
    ŷ   = V h' + c                        y = g(ŷ),   L = Σ_t ½ ‖y − Y‖²

Column → row conversion.  grubptt stores the row-form matrices (x is 1×D and the gate is
``x Wz``), so the textbook's H×D matrix ``W_z`` is ``Wz.T``; likewise ``U_z = Uz.T``,
``W_r = Wr.T``, ``U_r = Ur.T``, ``W = W.T``, ``U = U.T`` and the O×H ``V`` is ``V.T``.  The
textbook prints the candidate's product as ``(r ⊙ h) U`` (row style); in column form that is
``U (r ⊙ h)`` with the same transposed U.  A batch of N sequences becomes N columns: h is H×N.

Functions take and return arrays in grubptt's row-form shapes, so results compare directly.
σ is written as ½(tanh(a/2) + 1): exact and overflow-free.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd import grad, jacobian

GRU_NAMES = ("Wz", "Uz", "bz", "Wr", "Ur", "br", "W", "U", "b", "V", "c")
RNN_NAMES = ("W", "U", "b", "V", "c")
SPLIT_ARGS = ("h_z", "h_r", "h_c", "h_carry")


def _sigma(a):
    return 0.5 * (anp.tanh(0.5 * a) + 1.0)


_OUTPUT = {"identity": lambda a: a, "sigmoid": _sigma, "tanh": anp.tanh}
_HIDDEN = {"tanh": anp.tanh, "sigmoid": _sigma}


def _book(rows: dict) -> dict:
    """Row-form arrays (grubptt shapes) → the textbook's column form: matrices transposed, biases H×1."""
    return {k: (v.T if v.ndim == 2 else anp.reshape(v, (-1, 1))) for k, v in rows.items()}


def _col(arr, t: int | None, batched: bool):
    """Step t of a (T+1, K) / (N, T+1, K) array, or an (K,) / (N, K) state when t is None, as K×N columns."""
    if t is None:
        return arr.T if batched else anp.reshape(arr, (-1, 1))
    return arr[:, t, :].T if batched else anp.reshape(arr[t], (-1, 1))


def gru_cell(P: dict, x, h_z, h_r, h_c, h_carry):
    """One step in column form, each use of h^(t) its own argument (all K×N)."""
    z = _sigma(P["Wz"] @ x + P["Uz"] @ h_z + P["bz"])
    r = _sigma(P["Wr"] @ x + P["Ur"] @ h_r + P["br"])
    hh = anp.tanh(P["W"] @ x + P["U"] @ (r * h_c) + P["b"])
    return (1.0 - z) * h_carry + z * hh


def rnn_cell(P: dict, x, h, activation: str):
    return _HIDDEN[activation](P["W"] @ x + P["U"] @ h + P["b"])


def _loss(v: dict, Y, output: str, step) -> float:
    """L of eq. (9.18) with h^(t) ← h^(t) + e^(t): the zero offsets e make dL/dh^(t) a plain gradient."""
    P = _book(v["params"])
    batched = v["x"].ndim == 3
    h = _col(v["h0"], None, batched)
    g = _OUTPUT[output]
    total = 0.0
    for t in range(v["x"].shape[-2]):
        h = step(P, _col(v["x"], t, batched), h) + _col(v["e"], t, batched)
        diff = g(P["V"] @ h + P["c"]) - _col(Y, t, batched)
        total = total + 0.5 * anp.sum(diff * diff)
    return total


def _grads(params: dict, x, h0, Y, output: str, step) -> dict:
    x = np.asarray(x, dtype=np.float64)
    H = params["U"].shape[0]
    v = {"params": {k: np.asarray(a, dtype=np.float64) for k, a in params.items()},
         "x": x, "h0": np.asarray(h0, dtype=np.float64),
         "e": np.zeros(x.shape[:-1] + (H,))}
    Y = np.asarray(Y, dtype=np.float64)
    g = grad(lambda v_: _loss(v_, Y, output, step))(v)
    out = dict(g["params"])
    out.update(h0=g["h0"], x=g["x"], dh=g["e"], loss=float(_loss(v, Y, output, step)))
    return out


def gru_reference(params: dict, x, h0, Y, output: str = "identity") -> dict:
    """Gradients of L for the GRU: the 11 arrays by name, ``h0``, ``x``, ``dh`` (dL/dh^(t), shaped like h)
    and the value ``loss``.  ``params`` maps the names of ``GRU_NAMES`` to row-form arrays."""
    def step(P, x_t, h):
        return gru_cell(P, x_t, h, h, h, h)
    return _grads({k: params[k] for k in GRU_NAMES}, x, h0, Y, output, step)


def rnn_reference(params: dict, x, h0, Y, output: str = "identity", activation: str = "tanh") -> dict:
    """As :func:`gru_reference`, for the SimpleRNN h^(t) = f(W x + U h^(t-1) + b) (column form)."""
    def step(P, x_t, h):
        return rnn_cell(P, x_t, h, activation)
    return _grads({k: params[k] for k in RNN_NAMES}, x, h0, Y, output, step)


def _split_step_rows(params: dict, x_next, hs: dict):
    """The path-split step on 1-D row vectors (x (D,), each h (H,)) → new h (H,)."""
    P = _book({k: np.asarray(params[k], dtype=np.float64) for k in GRU_NAMES})
    cols = {k: anp.reshape(v, (-1, 1)) for k, v in hs.items()}
    h = gru_cell(P, anp.reshape(x_next, (-1, 1)), cols["h_z"], cols["h_r"], cols["h_c"], cols["h_carry"])
    return anp.reshape(h, (-1,))


def path_term(params: dict, x_next, h_t, delta, arg: str) -> np.ndarray:
    """∂/∂(one use of h^(t)) of δ · h^(t+1), all four uses held at h^(t): one recurrent term of (9.22).

    x_next = x^(t+1) (D,), h_t = h^(t) (H,), δ = dL/dh^(t+1) (H,), arg ∈ SPLIT_ARGS.
    """
    if arg not in SPLIT_ARGS:
        raise ValueError(f"arg must be one of {SPLIT_ARGS}, got {arg!r}")
    h_t = np.asarray(h_t, dtype=np.float64)
    delta = np.asarray(delta, dtype=np.float64)

    def f(h_var):
        hs = {k: (h_var if k == arg else h_t) for k in SPLIT_ARGS}
        return anp.sum(delta * _split_step_rows(params, np.asarray(x_next, dtype=np.float64), hs))

    return grad(f)(h_t.copy())


def gru_step_jacobian(params: dict, x_next, h_t, arg: str | None = None) -> np.ndarray:
    """J[j, i] = ∂h_j^(t+1)/∂h_i^(t) through one use of h^(t) (``arg``) or all four (None), (H, H)."""
    h_t = np.asarray(h_t, dtype=np.float64)
    x_next = np.asarray(x_next, dtype=np.float64)

    def f(h_var):
        hs = {k: (h_var if arg is None or k == arg else h_t) for k in SPLIT_ARGS}
        return _split_step_rows(params, x_next, hs)

    return jacobian(f)(h_t.copy())


def rnn_step_jacobian(params: dict, x_next, h_t, activation: str = "tanh") -> np.ndarray:
    """J[j, i] = ∂h_j^(t+1)/∂h_i^(t) for the SimpleRNN, (H, H)."""
    P = _book({k: np.asarray(params[k], dtype=np.float64) for k in RNN_NAMES})
    x_col = np.reshape(np.asarray(x_next, dtype=np.float64), (-1, 1))

    def f(h_var):
        return anp.reshape(rnn_cell(P, x_col, anp.reshape(h_var, (-1, 1)), activation), (-1,))

    return jacobian(f)(np.asarray(h_t, dtype=np.float64).copy())


def grad_dense(params: dict, h_t, Y_t, output: str = "identity") -> np.ndarray:
    """grad_dense^(t) = ∂L^(t)/∂h^(t) of eq. (9.21), L^(t) = ½‖g(V h + c) − Y^(t)‖² (column form), (H,)."""
    V = np.asarray(params["V"], dtype=np.float64).T
    c = np.asarray(params["c"], dtype=np.float64)
    Y_t = np.asarray(Y_t, dtype=np.float64)

    def L_t(h):
        diff = _OUTPUT[output](V @ h + c) - Y_t
        return 0.5 * anp.sum(diff * diff)

    return grad(L_t)(np.asarray(h_t, dtype=np.float64).copy())
