"""The fast path: forward (9.17) and BPTT (9.22) of the many-to-many GRU, for every chapter,
the Explore widget and training.

It computes what :mod:`grubptt.reference` computes (tested equal to 1e-12), arranged for
numpy, where each call costs about a microsecond whatever its size:

- GEMMs that do not depend on h are hoisted out of the time loop: the input projections
  x W for all steps before it, the parameter gradients and dx after it, one GEMM each;
- in the forward pass the two gates share one weight matrix [Uz | Ur] (one GEMM per step
  instead of two) and one [z | r] block (one σ pass);
- the step loops write into preallocated arrays (``out=``) instead of making temporaries;
- for steps of ≥ 1024 numbers, ĥ = tanh(a_h) is computed through exp
  (:func:`grubptt.activations.tanh_via_exp`: numpy's float64 tanh is ~3× slower than exp);
- BPTT computes the factors that do not depend on δ (σ', tanh', ĥ − h, 1 − z) for a block
  of steps at a time, stacked so that each step multiplies δ by three of them in one call and
  ∂L/∂(r ⊙ h) by the other two in another; for small steps (N·H < 4096) it computes the
  update-gate and reset-gate terms of all steps in two GEMMs after the loop.

Index convention, as in :mod:`grubptt.reference`: row t + 1 of ``h`` and ``dh`` holds
time t, row 0 holds h^(-1) (dh^(-1)).  Chapters: ``book/02_forward.ipynb`` to
``book/09_parameter_gradients.ipynb``.
"""

from __future__ import annotations

import numpy as np

from .activations import check_output_name, fast_tanh
from .cache import PATHS, TERMS, GRUCache, GRUGrads, caller_layout
from .dense import dense_backward, dense_forward, loss
from .params import GRUParams
from .validation import check_cache, check_h0, check_params, check_sequence
from .workspace import Workspace, new_array, stamp

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
            output: str = "identity", workspace: Workspace | None = None) -> GRUCache:
    """Eq. (9.17) over t = 0..T.

    x: (T+1, D) or batched (N, T+1, D); h0 = h^(-1): (H,) or (N, H), zeros if None;
    output: g, one of "identity", "sigmoid", "tanh".  Computation is in
    ``params.dtype`` (x and h0 are converted to it).  workspace: see
    :class:`grubptt.Workspace` (the cache's arrays then live in it until its next forward).
    """
    check_params(params, GRUParams)
    check_output_name(output)
    H, dt = params.hidden_size, params.dtype
    x_tm, batched = check_sequence(x, params.input_size, dt)
    T1, N = x_tm.shape[:2]
    h0 = check_h0(h0, N, H, batched, dt)
    h = new_array(workspace, "h", (T1 + 1, N, H), dt)
    a_zr, zr = (new_array(workspace, name, (T1, N, 2 * H), dt) for name in ("a_zr", "zr"))
    a_h, hh, rh = (new_array(workspace, name, (T1, N, H), dt) for name in ("a_h", "hh", "rh"))
    workspace_stamp = stamp(workspace)                 # before the first write: older caches are stale now
    h[0] = h0
    Wzr, Uzr = np.concatenate([params.Wz, params.Wr], 1), np.concatenate([params.Uz, params.Ur], 1)
    X = x_tm.reshape(T1 * N, -1)
    np.matmul(X, Wzr, out=a_zr.reshape(T1 * N, 2 * H))  # x Wz, x Wr of every step: one GEMM
    a_zr += np.concatenate([params.bz, params.br])
    np.matmul(X, params.W, out=a_h.reshape(T1 * N, H))
    a_h += params.b
    rec_zr, rec_h = np.empty((N, 2 * H), dtype=dt), np.empty((N, H), dtype=dt)
    U = params.U
    tanh = fast_tanh(N * H)
    # One step's slices, taken by zip rather than by indexing: at small N·H the loop's time is
    # mostly Python and numpy call overhead, and each index expression costs as much as a pass.
    steps = zip(h[:-1], h[1:], a_zr, zr, zr[..., :H], zr[..., H:], a_h, hh, rh, strict=True)
    with np.errstate(over="ignore"):                   # see _sigmoid and tanh_via_exp
        for h_prev, h_t, a_zr_t, zr_t, z_t, r_t, a_h_t, hh_t, rh_t in steps:
            a_zr_t += np.dot(h_prev, Uzr, out=rec_zr)    # [a_z | a_r]; np.dot: ~1 µs less than matmul here
            _sigmoid(a_zr_t, out=zr_t)                                    # [z | r]
            np.multiply(r_t, h_prev, out=rh_t)                            # r ⊙ h^(t-1)
            a_h_t += np.dot(rh_t, U, out=rec_h)                           # a_h
            tanh(a_h_t, out=hh_t)                                         # ĥ
            # h = (1 − z) ⊙ h^(t-1) + z ⊙ ĥ, written as h^(t-1) + z ⊙ (ĥ − h^(t-1)): one product fewer
            np.subtract(hh_t, h_prev, out=h_t)
            h_t *= z_t
            h_t += h_prev
    yhat, y = dense_forward(h[1:], params.V, params.c, output)
    return GRUCache(output, batched, x_tm=x_tm, a_zr_tm=a_zr, a_h_tm=a_h, zr_tm=zr, hh_tm=hh, rh_tm=rh,
                    h_tm=h, yhat_tm=yhat, y_tm=y, params_fingerprint=params.fingerprint(),
                    workspace_stamp=workspace_stamp)


# Steps per block of δ-free factors: about 32k numbers per (N, H) array, so a block stays in cache.
_BLOCK_ELEMS = 1 << 15
# Below this many numbers per step, a GEMM call costs more in overhead than in arithmetic.
_SMALL_STEP = 4096
# The δ-products of every step: g[slot, s] with the five slots in this order.  Stacked with the
# δ-free factors in the same order, δ ⊙ [three factors] and ∂L/∂(r ⊙ h) ⊙ [two factors] are one
# broadcast multiply each; every slot of every step is a contiguous (N, H) block (numpy takes
# 2-3× as long per call on strided operands at the widget's sizes), and each slot over all
# steps is one contiguous array for the GEMMs after the loop.
_CARRY, _D_AH, _D_AZ, _D_AR, _CANDIDATE = range(5)


def dh_recursion(params: GRUParams, cache: GRUCache, grad_dense: np.ndarray, *, terms: bool = False,
                 workspace: Workspace | None = None):
    """The recursion (9.22) for a given grad_dense^(t), time-major (T+1, N, H).

    Returns ``(dh, rec, d_az, d_ar, d_ah)``: dh (T+2, N, H) with dh[t + 1] = dh^(t) and
    dh[0] = dh^(-1); rec, the four recurrent terms (dict of (T+2, N, H) arrays indexed
    like dh, the last row 0: nothing follows h^(T)) when ``terms``, else None; ∂L/∂a_z,
    ∂L/∂a_r and ∂L/∂a_h of every step, (T+1, N, H) each.  ``params`` and ``cache`` must
    be checked.  With a ``workspace``, all of these live in it until its next backward.
    """
    H, N, T1 = cache.H, cache.N, cache.T + 1
    dt = grad_dense.dtype
    zr, hh, h = cache.zr_tm, cache.hh_tm, cache.h_tm
    g = new_array(workspace, "g", (5, T1 + 1, N, H), dt)            # g[slot, s]: the slots above
    g[:, T1] = 0.0                                                  # the terms at h^(T): none
    g_steps = g.transpose(1, 0, 2, 3)                               # g_steps[s]: step s's five slots
    block = max(1, _BLOCK_ELEMS // (N * H))
    f_delta = np.empty((block, 3, N, H), dtype=dt)                  # what δ multiplies
    f_rh = np.empty((block, 2, N, H), dtype=dt)                     # what ∂L/∂(r ⊙ h) multiplies
    U_T, Uz_T, Ur_T = params.U.T, params.Uz.T, params.Ur.T
    dh = new_array(workspace, "dh", (T1 + 1, N, H), dt)
    dh[T1] = grad_dense[T1 - 1]                                     # dh^(T): nothing follows h^(T)
    per_step_gates = terms and N * H >= _SMALL_STEP                 # else both gate terms after the loop
    upd, res = _gate_terms(workspace, T1, N, H, dt) if per_step_gates else (None, None)
    d_rh, reset = np.empty((2, N, H), dtype=dt)                     # ∂L/∂(r ⊙ h^(s-1)); a scratch row
    for hi in range(T1, 0, -block):                                 # blocks of steps lo..hi−1, going back
        lo = max(0, hi - block)
        k = hi - lo
        _delta_free_factors(zr[lo:hi], hh[lo:hi], h[lo:hi], H, f_delta[:k], f_rh[:k])
        # Step s = hi−1 down to lo: δ = dh^(s) (row s + 1), written: dh^(s-1) (row s).
        steps = zip(range(hi - 1, lo - 1, -1), dh[lo + 1:hi + 1][::-1], dh[lo:hi][::-1], g_steps[lo:hi][::-1],
                    f_delta[k - 1::-1], f_rh[k - 1::-1], strict=True)
        for s, delta, back, g_s, f_d, f_r in steps:
            np.multiply(delta, f_d, out=g_s[:3])                        # carry, ∂L/∂a_h, ∂L/∂a_z
            np.dot(g_s[_D_AH], U_T, out=d_rh)                           # ∂L/∂(r ⊙ h) = ∂L/∂a_h Uᵀ
            np.multiply(d_rh, f_r, out=g_s[3:])                         # ∂L/∂a_r, candidate
            if upd is None:
                np.dot(g_s[_D_AZ], Uz_T, out=back)                      # update gate
                back += np.dot(g_s[_D_AR], Ur_T, out=reset)             # reset gate
            else:
                np.add(np.dot(g_s[_D_AZ], Uz_T, out=upd[s]), np.dot(g_s[_D_AR], Ur_T, out=res[s]), out=back)
            back += g_s[_CANDIDATE]
            back += g_s[_CARRY]
            if s > 0:                                                   # no loss reads h^(-1)
                back += grad_dense[s - 1]
    d_az, d_ar, d_ah = g[_D_AZ, :T1], g[_D_AR, :T1], g[_D_AH, :T1]
    rec = None
    if terms:
        if upd is None:                                   # every step's gate terms in one GEMM each
            upd, res = _gate_terms(workspace, T1, N, H, dt)
            M = T1 * N
            np.matmul(d_az.reshape(M, H), Uz_T, out=upd[:T1].reshape(M, H))
            np.matmul(d_ar.reshape(M, H), Ur_T, out=res[:T1].reshape(M, H))
        rec = {"update_gate": upd, "candidate": g[_CANDIDATE], "reset_gate": res, "carry": g[_CARRY]}
    return dh, rec, d_az, d_ar, d_ah


def _gate_terms(workspace, T1, N, H, dt) -> np.ndarray:
    """Room for the update-gate and reset-gate terms, (2, T+2, N, H); row T + 1 (at h^(T)) is 0."""
    upd_res = new_array(workspace, "gate_terms", (2, T1 + 1, N, H), dt)
    upd_res[:, T1] = 0.0
    return upd_res


def _delta_free_factors(zr, hh, h_prev, H, f_delta, f_rh) -> None:
    """The factors of (9.22) that do not depend on δ, for a block of K steps ((K, N, ·) in).

    f_delta (K, 3, N, H) ← [1 − z, z ⊙ tanh'(a_h), (ĥ − h^(t-1)) ⊙ σ'(a_z)];
    f_rh (K, 2, N, H) ← [h^(t-1) ⊙ σ'(a_r), r], with σ' = σ(1 − σ) and tanh' = 1 − ĥ²
    (:func:`grubptt.activations.dsigmoid` and :func:`~grubptt.activations.dtanh`, in place here).
    """
    z, r = zr[..., :H], zr[..., H:]
    one_minus_z, z_dtanh, diff_dsig_z = f_delta.transpose(1, 0, 2, 3)
    np.subtract(1.0, z, out=one_minus_z)
    np.multiply(hh, hh, out=z_dtanh)
    np.subtract(1.0, z_dtanh, out=z_dtanh)
    z_dtanh *= z
    np.subtract(hh, h_prev, out=diff_dsig_z)
    diff_dsig_z *= z
    diff_dsig_z *= one_minus_z
    h_dsig_r, r_copy = f_rh.transpose(1, 0, 2, 3)
    np.subtract(1.0, r, out=h_dsig_r)
    h_dsig_r *= r
    h_dsig_r *= h_prev
    r_copy[...] = r


def backward(params: GRUParams, cache: GRUCache, Y: np.ndarray, *, terms: bool = True,
             workspace: Workspace | None = None) -> GRUGrads:
    """BPTT: dL/dθ, dh^(t) of eq. (9.22) with its five terms, dL/dh^(-1) and dL/dx.

    Y: targets shaped like ``cache.y``.  ``terms=False`` skips storing the five terms
    separately (slightly faster; ``grads.terms`` is then None).  workspace: see
    :class:`grubptt.Workspace` (``dh`` and the terms then live in it until its next backward).
    """
    check_params(params, GRUParams, values=False)
    check_cache(params, cache, GRUCache)
    D, H = params.input_size, params.hidden_size
    dense = dense_backward(params, cache, Y)                                 # eq. (9.21)
    dh, rec, d_az, d_ar, d_ah = dh_recursion(params, cache, dense.grad_dense, terms=terms,
                                                workspace=workspace)

    # Parameter gradients and dx: every step's contribution in one GEMM per weight.
    M = (cache.T + 1) * cache.N
    d_az, d_ar, d_ah = (a.reshape(M, H) for a in (d_az, d_ar, d_ah))
    x_T, h_prev_T = cache.x_tm.reshape(M, D).T, cache.h_tm[:-1].reshape(M, H).T
    dx = d_az @ params.Wz.T
    dx += d_ar @ params.Wr.T
    dx += d_ah @ params.W.T
    grads = GRUParams(
        Wz=x_T @ d_az, Uz=h_prev_T @ d_az, bz=d_az.sum(axis=0),
        Wr=x_T @ d_ar, Ur=h_prev_T @ d_ar, br=d_ar.sum(axis=0),
        W=x_T @ d_ah, U=cache.rh_tm.reshape(M, H).T @ d_ah, b=d_ah.sum(axis=0),
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
