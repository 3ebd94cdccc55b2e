"""One GRU step: written literally, with its four uses of h^(t) separated, and its Jacobian.

Chapters: ``book/02_forward.ipynb`` (one step), ``book/04``–``07`` (one path of (9.22) at a
time), ``book/08_assembling.ipynb`` (the step Jacobian).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import dsigmoid, dtanh, sigmoid
from .cache import PATHS, GRUCache
from .params import GRUParams
from .validation import as_array, check_cache, check_params, int_in_range

__all__ = ["GRUStep", "gru_step", "gru_step_split", "step_jacobian", "jacobians_from_gates"]


@dataclass
class GRUStep:
    """The intermediates of one step (each (H,) or (N, H))."""

    a_z: np.ndarray
    a_r: np.ndarray
    a_h: np.ndarray
    z: np.ndarray
    r: np.ndarray
    hh: np.ndarray
    h: np.ndarray


def gru_step(params: GRUParams, x_t: np.ndarray, h_prev: np.ndarray) -> GRUStep:
    """One step of (9.17), written literally: x_t (D,) or (N, D), h_prev (H,) or (N, H)."""
    check_params(params, GRUParams)
    x_t = as_array(x_t, "x_t", params.dtype)
    D = params.input_size
    if x_t.shape[-1:] != (D,) or x_t.ndim not in (1, 2):
        raise ValueError(f"x_t must have shape ({D},) or (N, {D}), got {x_t.shape}")
    h_prev = as_array(h_prev, "h_prev", params.dtype)
    want = (params.hidden_size,) if x_t.ndim == 1 else (x_t.shape[0], params.hidden_size)
    if h_prev.shape != want:
        raise ValueError(f"h_prev must have shape {want}, got {h_prev.shape}")
    return gru_step_split(params, x_t, h_prev, h_prev, h_prev, h_prev, full=True)


def gru_step_split(params: GRUParams, x_t: np.ndarray, h_z: np.ndarray, h_r: np.ndarray,
                   h_c: np.ndarray, h_carry: np.ndarray, *, full: bool = False):
    """One GRU step in which each of the four uses of h^(t) is its own argument.

        a_z = x Wz + h_z Uz + bz,  a_r = x Wr + h_r Ur + br,
        a_h = x W + (r ⊙ h_c) U + b,  h = (1 − z) ⊙ h_carry + z ⊙ ĥ.

    With all four equal to h^(t) this is the ordinary step.  The derivative of
    the new h with respect to one argument alone is one recurrent path of
    (9.22): h_z → update gate, h_c → candidate, h_r → reset gate, h_carry → carry
    (see :data:`PATHS`).  Returns the new h, or a :class:`GRUStep` when ``full``.
    """
    check_params(params, GRUParams)
    D, H, dt = params.input_size, params.hidden_size, params.dtype
    x_t = as_array(x_t, "x_t", dt)
    if x_t.shape[-1:] != (D,) or x_t.ndim not in (1, 2):
        raise ValueError(f"x_t must have shape ({D},) or (N, {D}), got {x_t.shape}")
    want = (H,) if x_t.ndim == 1 else (x_t.shape[0], H)
    hs = {}
    for name, v in (("h_z", h_z), ("h_r", h_r), ("h_c", h_c), ("h_carry", h_carry)):
        hs[name] = as_array(v, name, dt)
        if hs[name].shape != want:
            raise ValueError(f"{name} must have shape {want}, got {hs[name].shape}")
    a_z = x_t @ params.Wz + hs["h_z"] @ params.Uz + params.bz
    a_r = x_t @ params.Wr + hs["h_r"] @ params.Ur + params.br
    z, r = sigmoid(a_z), sigmoid(a_r)
    a_h = x_t @ params.W + (r * hs["h_c"]) @ params.U + params.b
    hh = np.tanh(a_h)
    h = (1.0 - z) * hs["h_carry"] + z * hh
    return GRUStep(a_z, a_r, a_h, z, r, hh, h) if full else h


def jacobians_from_gates(params: GRUParams, z: np.ndarray, r: np.ndarray, hh: np.ndarray,
                         h: np.ndarray, path: str | None = None) -> np.ndarray:
    """J = ∂h^(t+1)/∂h^(t) from the gates z, r, ĥ of step t+1 and h = h^(t), each (K, H): (K, H, H).

    The four paths of (9.22) read off as matrices (δ J is the recurrent part of dh^(t) for a row δ):

        J = diag(1 − z) + diag(c) Uzᵀ + diag(a) Uᵀ diag(r) + diag(a) Uᵀ diag(b) Urᵀ

    with a = z ⊙ tanh'(a_h), b = h ⊙ σ'(a_r), c = (ĥ − h) ⊙ σ'(a_z): carry, update gate,
    candidate, reset gate.  ``path`` (a key of :data:`PATHS`) gives that one matrix alone.
    """
    H = h.shape[-1]
    a = z * dtanh(hh)
    idx = np.arange(H)
    J = np.zeros((h.shape[0], H, H), dtype=h.dtype)
    if path in (None, "reset_gate"):
        J += (params.U.T[None] * (h * dsigmoid(r))[:, None, :]) @ params.Ur.T       # Uᵀ diag(b) Urᵀ
    if path in (None, "candidate"):
        J += params.U.T[None] * r[:, None, :]                                       # Uᵀ diag(r)
    J *= a[:, :, None]                                                               # diag(a) (…)
    if path in (None, "update_gate"):
        J += ((hh - h) * dsigmoid(z))[:, :, None] * params.Uz.T[None]               # diag(c) Uzᵀ
    if path in (None, "carry"):
        J[:, idx, idx] += 1.0 - z                                                    # diag(1 − z)
    return J


def step_jacobian(params: GRUParams, cache: GRUCache, t: int, path: str | None = None) -> np.ndarray:
    """J = ∂h^(t+1)/∂h^(t), with J[j, i] = ∂h_j^(t+1)/∂h_i^(t), for −1 ≤ t < T.

    Row-vector form: the recurrent part of (9.22) is dh^(t+1) @ J.  ``path``
    (a key of :data:`PATHS`) gives the Jacobian of that path alone; the four
    add up to J.  Shape (H, H), or (N, H, H) for a batched cache.
    """
    check_params(params, GRUParams, values=False)
    check_cache(params, cache, GRUCache, "step_jacobian")
    t = int_in_range("t", t, -1, cache.T - 1, f" (T = {cache.T}: h^(t+1) must exist)")
    if path is not None and path not in PATHS:
        raise ValueError(f"path must be one of {sorted(PATHS)} or None, got {path!r}")
    s = t + 1                                           # the gates are those of step t+1
    J = jacobians_from_gates(params, cache.z_tm[s], cache.r_tm[s], cache.hh_tm[s], cache.h_tm[s], path)
    return J if cache.batched else J[0]
