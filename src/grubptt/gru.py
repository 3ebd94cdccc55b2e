"""The fast path: forward (9.17) and BPTT (9.22) of the many-to-many GRU, for every chapter,
the Explore widget and training.

It computes what :mod:`grubptt.reference` computes (tested equal to 1e-12), arranged for
numpy, where each call costs about a microsecond whatever its size:

- GEMMs that do not depend on h are hoisted out of the time loop: the input projections
  x W for all steps before it, the parameter gradients and dx after it, one GEMM each;
- the two gates share one weight matrix [Uz | Ur] (one GEMM per step instead of two) and
  one [z | r] block (one σ pass);
- the step loops write into preallocated arrays (``out=``) instead of making temporaries;
- BPTT computes the factors that do not depend on δ (σ', tanh', ĥ − h, 1 − z) for a block
  of steps at a time, and for small steps (N·H < 4096) the update-gate and reset-gate terms
  of all steps in two GEMMs after the loop.

Index convention, as in :mod:`grubptt.reference`: row t + 1 of ``h`` and ``dh`` holds
time t, row 0 holds h^(-1) (dh^(-1)).  Chapters: ``book/02_forward.ipynb`` to
``book/09_parameter_gradients.ipynb``.
"""

from __future__ import annotations

import numpy as np

from .activations import check_output_name
from .cache import PATHS, TERMS, GRUCache, GRUGrads, caller_layout
from .dense import dense_backward, dense_forward, loss
from .params import GRUParams
from .validation import check_cache, check_h0, check_params, check_sequence

__all__ = ["forward", "backward", "loss", "dh_recursion", "GRUCache", "GRUGrads", "TERMS", "PATHS"]


def _sigmoid(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """σ(a) = 1 / (1 + e^(−a)) into ``out``: four passes, no temporary.

    e^(−a) overflows to inf for a < −709 (float64) and 1/inf = 0 is σ's limit there:
    callers silence the overflow flag.  Agrees with :func:`grubptt.sigmoid` to a few ulp.
    """
    np.negative(a, out=out)
    np.exp(out, out=out)
    out += 1.0
    return np.reciprocal(out, out=out)


def forward(params: GRUParams, x: np.ndarray, h0: np.ndarray | None = None, *,
            output: str = "identity") -> GRUCache:
    """Eq. (9.17) over t = 0..T.

    x: (T+1, D) or batched (N, T+1, D); h0 = h^(-1): (H,) or (N, H), zeros if None;
    output: g, one of "identity", "sigmoid", "tanh".  Computation is in
    ``params.dtype`` (x and h0 are converted to it).
    """
    check_params(params, GRUParams)
    check_output_name(output)
    H, dt = params.hidden_size, params.dtype
    x_tm, batched = check_sequence(x, params.input_size, dt)
    T1, N = x_tm.shape[:2]
    h = np.empty((T1 + 1, N, H), dtype=dt)
    h[0] = check_h0(h0, N, H, batched, dt)
    Wzr, Uzr = np.concatenate([params.Wz, params.Wr], 1), np.concatenate([params.Uz, params.Ur], 1)
    X = x_tm.reshape(T1 * N, -1)
    a_zr = (X @ Wzr).reshape(T1, N, 2 * H)             # x Wz, x Wr of every step: one GEMM
    a_zr += np.concatenate([params.bz, params.br])
    a_h = (X @ params.W).reshape(T1, N, H)
    a_h += params.b
    zr, hh, rh = np.empty_like(a_zr), np.empty_like(a_h), np.empty_like(a_h)
    rec_zr, rec_h = np.empty((N, 2 * H), dtype=dt), np.empty((N, H), dtype=dt)
    U = params.U
    # One step's slices, taken by zip rather than by indexing: at small N·H the loop's time is
    # mostly Python and numpy call overhead, and each index expression costs as much as a pass.
    steps = zip(h[:-1], h[1:], a_zr, zr, zr[..., :H], zr[..., H:], a_h, hh, rh, strict=True)
    with np.errstate(over="ignore"):                   # see _sigmoid
        for h_prev, h_t, a_zr_t, zr_t, z_t, r_t, a_h_t, hh_t, rh_t in steps:
            a_zr_t += np.matmul(h_prev, Uzr, out=rec_zr)                  # [a_z | a_r]
            _sigmoid(a_zr_t, out=zr_t)                                    # [z | r]
            np.multiply(r_t, h_prev, out=rh_t)                            # r ⊙ h^(t-1)
            a_h_t += np.matmul(rh_t, U, out=rec_h)                        # a_h
            np.tanh(a_h_t, out=hh_t)                                      # ĥ
            # h = (1 − z) ⊙ h^(t-1) + z ⊙ ĥ, written as h^(t-1) + z ⊙ (ĥ − h^(t-1)): one product fewer
            np.subtract(hh_t, h_prev, out=h_t)
            h_t *= z_t
            h_t += h_prev
    yhat, y = dense_forward(h[1:], params.V, params.c, output)
    return GRUCache(output, batched, x_tm=x_tm, a_zr_tm=a_zr, a_h_tm=a_h, zr_tm=zr, hh_tm=hh, rh_tm=rh,
                    h_tm=h, yhat_tm=yhat, y_tm=y, params_fingerprint=params.fingerprint())


# Steps per block of δ-free factors: about 32k numbers per (N, H) array, so a block stays in cache.
_BLOCK_ELEMS = 1 << 15
# Below this many numbers per step, a GEMM call costs more in overhead than in arithmetic.
_SMALL_STEP = 4096


def dh_recursion(params: GRUParams, cache: GRUCache, grad_dense: np.ndarray, *, terms: bool = False):
    """The recursion (9.22) for a given grad_dense^(t), time-major (T+1, N, H).

    Returns ``(dh, rec, d_azr, d_ah)``: dh (T+2, N, H) with dh[t + 1] = dh^(t) and
    dh[0] = dh^(-1); rec, the four recurrent terms (dict of (T+2, N, H) arrays indexed
    like dh) when ``terms``, else None; d_azr = [∂L/∂a_z | ∂L/∂a_r] (T+1, N, 2H) and
    d_ah = ∂L/∂a_h (T+1, N, H) of every step.  ``params`` and ``cache`` must be checked.
    """
    H, N, T1 = cache.H, cache.N, cache.T + 1
    dt = grad_dense.dtype
    zr, hh, h = cache.zr_tm, cache.hh_tm, cache.h_tm
    d_azr, d_ah = np.empty_like(zr), np.empty_like(hh)
    d_az, d_ar = d_azr[..., :H], d_azr[..., H:]
    block = max(1, _BLOCK_ELEMS // (N * H))
    one_minus, dsig = np.empty((2, block, N, 2 * H), dtype=dt)    # [1 − z | 1 − r], [σ'(a_z) | σ'(a_r)]
    dtanh, diff = np.empty((2, block, N, H), dtype=dt)             # tanh'(a_h), ĥ − h^(t-1)
    U_T, Uz_T, Ur_T = params.U.T, params.Uz.T, params.Ur.T
    Uzr_T = np.concatenate([params.Uz, params.Ur], axis=1).T        # (2H, H)
    dh = np.empty((T1 + 1, N, H), dtype=dt)
    dh[T1] = grad_dense[T1 - 1]                                     # dh^(T): nothing follows h^(T)
    small = N * H < _SMALL_STEP
    rows = T1 + 1 if terms else 1                                   # without terms: one scratch row
    upd, res, cand, carry_ = np.zeros((4, rows, N, H), dtype=dt)
    d_rh = np.empty((N, H), dtype=dt)                               # ∂L/∂(r ⊙ h^(s-1))
    for s in range(T1 - 1, -1, -1):                                 # δ = dh^(s), gates of step s
        if (T1 - 1 - s) % block == 0:                               # first step of a block, going back
            lo = max(0, s + 1 - block)
            k = s + 1 - lo
            np.subtract(1.0, zr[lo:s + 1], out=one_minus[:k])
            np.multiply(zr[lo:s + 1], one_minus[:k], out=dsig[:k])
            np.multiply(hh[lo:s + 1], hh[lo:s + 1], out=dtanh[:k])
            np.subtract(1.0, dtanh[:k], out=dtanh[:k])
            np.subtract(hh[lo:s + 1], h[lo:s + 1], out=diff[:k])
        j, i = s - lo, (s if terms else 0)
        delta, back, z, r = dh[s + 1], dh[s], zr[s, :, :H], zr[s, :, H:]
        carry = np.multiply(delta, one_minus[j, :, :H], out=carry_[i])          # δ ⊙ (1 − z)
        np.multiply(delta, dtanh[j], out=d_ah[s])
        d_ah[s] *= z                                                            # δ ⊙ z ⊙ tanh'(a_h)
        np.matmul(d_ah[s], U_T, out=d_rh)
        candidate = np.multiply(d_rh, r, out=cand[i])                           # ∂L/∂(r ⊙ h) ⊙ r
        np.multiply(delta, diff[j], out=d_az[s])
        np.multiply(d_rh, h[s], out=d_ar[s])
        d_azr[s] *= dsig[j]                             # [δ ⊙ (ĥ − h) ⊙ σ'(a_z) | ∂L/∂(r ⊙ h) ⊙ h ⊙ σ'(a_r)]
        if terms and not small:
            np.add(np.matmul(d_az[s], Uz_T, out=upd[i]), np.matmul(d_ar[s], Ur_T, out=res[i]), out=back)
        else:                                                                   # both gate terms in one GEMM
            np.matmul(d_azr[s], Uzr_T, out=back)
        back += candidate
        back += carry
        if s > 0:                                                               # no loss reads h^(-1)
            back += grad_dense[s - 1]
    if terms and small:                                 # the two gate terms of every step in two GEMMs
        np.matmul(d_az, Uz_T, out=upd[:T1])
        np.matmul(d_ar, Ur_T, out=res[:T1])
    rec = {"update_gate": upd, "candidate": cand, "reset_gate": res, "carry": carry_} if terms else None
    return dh, rec, d_azr, d_ah


def backward(params: GRUParams, cache: GRUCache, Y: np.ndarray, *, terms: bool = True) -> GRUGrads:
    """BPTT: dL/dθ, dh^(t) of eq. (9.22) with its five terms, dL/dh^(-1) and dL/dx.

    Y: targets shaped like ``cache.y``.  ``terms=False`` skips storing the five terms
    separately (slightly faster; ``grads.terms`` is then None).
    """
    check_params(params, GRUParams, values=False)
    check_cache(params, cache, GRUCache)
    D, H = params.input_size, params.hidden_size
    dense = dense_backward(params, cache, Y)                                 # eq. (9.21)
    dh, rec, d_azr, d_ah = dh_recursion(params, cache, dense.grad_dense, terms=terms)

    # Parameter gradients and dx: every step's contribution in one GEMM per weight block.
    M = (cache.T + 1) * cache.N
    d_azr_2d, d_ah_2d = d_azr.reshape(M, 2 * H), d_ah.reshape(M, H)
    x_T = cache.x_tm.reshape(M, D).T
    dWzr, dUzr = x_T @ d_azr_2d, cache.h_tm[:-1].reshape(M, H).T @ d_azr_2d
    dbzr = d_azr_2d.sum(axis=0)
    dx = d_azr_2d @ np.concatenate([params.Wz, params.Wr], axis=1).T
    dx += d_ah_2d @ params.W.T
    grads = GRUParams(
        Wz=dWzr[:, :H], Uz=dUzr[:, :H], bz=dbzr[:H],
        Wr=dWzr[:, H:], Ur=dUzr[:, H:], br=dbzr[H:],
        W=x_T @ d_ah_2d, U=cache.rh_tm.reshape(M, H).T @ d_ah_2d, b=d_ah_2d.sum(axis=0),
        V=cache.h_tm[1:].reshape(M, H).T @ dense.dyhat, c=dense.dyhat.sum(axis=0),
    )
    b = cache.batched
    term_arrays = None
    if terms:
        term_arrays = {"grad_dense": caller_layout(dense.grad_dense, b)}
        term_arrays |= {k: caller_layout(rec[k][1:], b) for k in PATHS}
        term_arrays = {k: term_arrays[k] for k in TERMS}
    return GRUGrads(params=grads, dh=caller_layout(dh[1:], b), terms=term_arrays,
                    dh0=dh[0] if b else dh[0, 0], dx=caller_layout(dx.reshape(cache.x_tm.shape), b),
                    Y=dense.Y, cache_id=cache.cache_id)
