"""The book in code: the forward pass (9.17) and BPTT (9.22), one step at a time.

Written in the chapters' symbols and meant to be read beside them (chapters 8 and 9):
one loop over t, every line carrying the equation it implements, nothing fused or
hoisted.  ``grubptt.forward`` / ``grubptt.backward`` (:mod:`grubptt.gru`) compute the
same numbers faster and are tested equal to these to 1e-12.

Row vectors (x^(t) is 1×D, h^(t) is 1×H); a batch is N rows computed alike.  ``[t]``
indexes time: every array is time-major here, (T+1, N, ·).
"""

from __future__ import annotations

import numpy as np

from .activations import check_output_name, dsigmoid, dtanh, output_fns, sigmoid
from .cache import TERMS, GRUCache, GRUGrads, caller_layout, time_major
from .params import GRUParams
from .validation import check_cache, check_h0, check_params, check_sequence, check_targets

__all__ = ["forward", "backward"]


def forward(params: GRUParams, x: np.ndarray, h0: np.ndarray | None = None, *,
            output: str = "identity") -> GRUCache:
    """Eq. (9.17) for t = 0..T.  x: (T+1, D) or (N, T+1, D); h0 = h^(-1): (H,) or (N, H), zeros if None."""
    check_params(params, GRUParams)
    g, _ = output_fns(check_output_name(output))
    Wz, Uz, bz, Wr, Ur, br, W, U, b, V, c = params.arrays().values()
    x, batched = check_sequence(x, params.input_size, params.dtype)      # (T+1, N, D)
    T1, N, H = x.shape[0], x.shape[1], params.hidden_size
    h = np.empty((T1 + 1, N, H), dtype=params.dtype)                     # h[t + 1] = h^(t)
    h[0] = check_h0(h0, N, H, batched, params.dtype)                     # h^(-1)
    a_z, a_r, a_h, z, r, hh = (np.empty((T1, N, H), dtype=params.dtype) for _ in range(6))
    for t in range(T1):
        h_prev = h[t]                                                    # h^(t-1)
        a_z[t] = x[t] @ Wz + h_prev @ Uz + bz                            # a_z = x Wz + h^(t-1) Uz + bz
        a_r[t] = x[t] @ Wr + h_prev @ Ur + br                            # a_r = x Wr + h^(t-1) Ur + br
        z[t] = sigmoid(a_z[t])                                           # z = σ(a_z)
        r[t] = sigmoid(a_r[t])                                           # r = σ(a_r)
        a_h[t] = x[t] @ W + (r[t] * h_prev) @ U + b                      # a_h = x W + (r ⊙ h^(t-1)) U + b
        hh[t] = np.tanh(a_h[t])                                          # ĥ = tanh(a_h)
        h[t + 1] = (1.0 - z[t]) * h_prev + z[t] * hh[t]                  # h = (1 − z) ⊙ h^(t-1) + z ⊙ ĥ
    yhat = h[1:] @ V + c                                                 # ŷ = h V + c
    y = g(yhat)                                                          # y = g(ŷ)
    return GRUCache.from_steps(params, output, batched, x=x, a_z=a_z, a_r=a_r, a_h=a_h, z=z, r=r,
                               hh=hh, h=h, yhat=yhat, y=y)


def backward(params: GRUParams, cache: GRUCache, Y: np.ndarray, *, terms: bool = True) -> GRUGrads:
    """BPTT: dh^(t) of eq. (9.22) with its five terms, dL/dθ, dL/dh^(-1) and dL/dx.

    Y: targets shaped like ``cache.y``.  Walks the steps backwards; at step s it has
    δ = dh^(s), sends it through step s to the parameters and to x^(s), and assembles
    dh^(s-1) from the five terms, whose gates are those of step s = t + 1.
    """
    check_params(params, GRUParams, values=False)
    check_cache(params, cache, GRUCache)
    Wz, Uz, Wr, Ur, W, U, V = params.Wz, params.Uz, params.Wr, params.Ur, params.W, params.U, params.V
    _, g_prime = output_fns(cache.output)
    Y_given = check_targets(Y, cache.y.shape, params.dtype)
    Y = time_major(Y_given, cache.batched)
    x, z, r, hh, h, y = cache.x_tm, cache.z_tm, cache.r_tm, cache.hh_tm, cache.h_tm, cache.y_tm
    T = cache.T                                                          # h[t + 1] = h^(t), as in forward

    dyhat = (y - Y) * g_prime(y)                                         # ∂L/∂ŷ = (y − Y) ⊙ g'(ŷ)
    grad_dense = dyhat @ V.T                                             # (9.21), every t at once
    d = params.zeros_like()                                              # dL/dθ, summed over steps
    d.V = np.einsum("tnh,tno->ho", h[1:], dyhat)                         # Σ_t h^(t)ᵀ ∂L/∂ŷ^(t)
    d.c = dyhat.sum(axis=(0, 1))
    dh = np.zeros_like(h)                                                # dh[t + 1] = dh^(t)
    term = {k: np.zeros_like(grad_dense) for k in TERMS}                 # term[k][t]: at h^(t)
    dx = np.zeros_like(x)
    dh[T + 1] = term["grad_dense"][T] = grad_dense[T]                    # dh^(T): nothing follows h^(T)
    for s in range(T, -1, -1):                                           # step s maps h^(s-1) to h^(s)
        delta, h_prev = dh[s + 1], h[s]                                  # δ = dh^(s); h^(s-1)
        d_az = delta * (hh[s] - h_prev) * dsigmoid(z[s])                 # ∂L/∂a_z = δ ⊙ (ĥ − h) ⊙ σ'(a_z)
        d_ah = delta * z[s] * dtanh(hh[s])                               # ∂L/∂a_h = δ ⊙ z ⊙ tanh'(a_h)
        d_rh = d_ah @ U.T                                                # ∂L/∂(r ⊙ h) = ∂L/∂a_h Uᵀ
        d_ar = d_rh * h_prev * dsigmoid(r[s])                            # ∂L/∂a_r = ∂L/∂(r ⊙ h) ⊙ h ⊙ σ'(a_r)
        # step s's share of the parameter gradients (chapter 9) and of dL/dx^(s)
        d.Wz += x[s].T @ d_az                                            # ∂a_z/∂Wz: x
        d.Uz += h_prev.T @ d_az                                          # ∂a_z/∂Uz: h^(s-1)
        d.bz += d_az.sum(axis=0)
        d.Wr += x[s].T @ d_ar
        d.Ur += h_prev.T @ d_ar
        d.br += d_ar.sum(axis=0)
        d.W += x[s].T @ d_ah
        d.U += (r[s] * h_prev).T @ d_ah                                  # ∂a_h/∂U: r ⊙ h^(s-1)
        d.b += d_ah.sum(axis=0)
        dx[s] = d_az @ Wz.T + d_ar @ Wr.T + d_ah @ W.T
        # (9.22) at t = s − 1, with δ = dh^(t+1) and the gates of step t + 1 = s
        t = s - 1
        update_gate = d_az @ Uz.T                                        # (δ ⊙ (ĥ − h) ⊙ σ'(a_z)) U_zᵀ
        candidate = d_rh * r[s]                                          # ((δ ⊙ z ⊙ tanh'(a_h)) Uᵀ) ⊙ r
        reset_gate = d_ar @ Ur.T                           # (((δ ⊙ z ⊙ tanh'(a_h)) Uᵀ) ⊙ h ⊙ σ'(a_r)) U_rᵀ
        carry = delta * (1.0 - z[s])                                     # δ ⊙ (1 − z)
        grad_dense_t = grad_dense[t] if t >= 0 else 0.0                  # no loss reads h^(-1)
        dh[s] = grad_dense_t + update_gate + candidate + reset_gate + carry   # (9.22)
        if t >= 0:
            term["grad_dense"][t] = grad_dense_t
            term["update_gate"][t], term["candidate"][t] = update_gate, candidate
            term["reset_gate"][t], term["carry"][t] = reset_gate, carry

    b = cache.batched
    return GRUGrads(params=d, dh=caller_layout(dh[1:], b),
                    terms={k: caller_layout(v, b) for k, v in term.items()} if terms else None,
                    dh0=dh[0] if b else dh[0, 0], dx=caller_layout(dx, b), Y=Y_given, cache_id=cache.cache_id)
