"""Forward pass (9.17), loss (9.18) and full BPTT (9.22) of the many-to-many GRU.

Row-vector convention (the textbook mixes row and column forms): x^(t) is 1×D,
h^(t) is 1×H and, for t = 0..T,

    a_z = x Wz + h^(t-1) Uz + bz        z = σ(a_z)
    a_r = x Wr + h^(t-1) Ur + br        r = σ(a_r)
    a_h = x W + (r ⊙ h^(t-1)) U + b     ĥ = tanh(a_h)      (``hh`` in code)
    h^(t) = (1 − z) ⊙ h^(t-1) + z ⊙ ĥ
    ŷ = h^(t) V + c                     y = g(ŷ)           (``yhat``, ``y``)

h^(-1) is the initial state (zeros unless given).  Arrays are stored
time-major, (T+1, N, ·), so that one step is one contiguous slice; the cache
hands them out in the caller's layout, (T+1, ·) or (N, T+1, ·).

Chapters: the forward pass (``book/02_forward.ipynb``); the terms of (9.22)
(``book/04``–``07``); their assembly (``book/08_assembling.ipynb``); parameter
gradients (``book/09_parameter_gradients.ipynb``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import memory
from .activations import check_output_name, output_fns, sigmoid
from .dense import dense_backward, dense_forward
from .numeric import numerical_gradient, relative_error
from .params import GRUParams
from .validation import check_h0, check_params, check_sequence, check_targets

__all__ = [
    "GRUCache", "GRUGrads", "GRUStep", "TERMS", "PATHS", "forward", "loss", "backward",
    "gru_step", "gru_step_split", "step_jacobian", "term_check", "TermCheck",
]

#: The five terms of eq. (9.22), in the order the textbook prints them.
TERMS: tuple[str, ...] = ("grad_dense", "update_gate", "candidate", "reset_gate", "carry")
#: Recurrent path of (9.22) → the argument of :func:`gru_step_split` that carries it.
PATHS: dict[str, str] = {"update_gate": "h_z", "candidate": "h_c", "reset_gate": "h_r", "carry": "h_carry"}


def _user(arr: np.ndarray, batched: bool) -> np.ndarray:
    """Time-major (T+1, N, ·) → (N, T+1, ·) when batched, else (T+1, ·)."""
    return np.swapaxes(arr, 0, 1) if batched else arr[:, 0]


@dataclass
class GRUCache:
    """Everything the forward pass computed, for the backward pass and the chapters.

    Public attributes are in the caller's layout: ``x`` (T+1, D) or (N, T+1, D);
    ``a_z a_r a_h z r hh h h_prev`` (T+1, H) or (N, T+1, H), where ``h_prev[t]``
    is h^(t-1); ``yhat y`` (T+1, O) or (N, T+1, O); ``h0`` (H,) or (N, H).

    The forward loop turns each pre-activation into its gate in place, so the
    pre-activations ``a_z a_r a_h`` are recomputed from x, h^(t-1) and r ⊙ h^(t-1)
    the first time a chapter asks for them (the backward pass never needs them:
    σ' and tanh' are written through z, r and ĥ).
    """

    output: str
    batched: bool
    x1_tm: np.ndarray     # (T+1, N, D+1): x with a column of ones, which carries the biases
    ZR_tm: np.ndarray     # (T+1, N, 2H): [z | r], one contiguous block per step
    HH_tm: np.ndarray     # (T+1, N, H): ĥ
    h_tm: np.ndarray      # (T+2, N, H): h^(-1), h^(0), ..., h^(T)
    rh_tm: np.ndarray     # (T+1, N, H): r^(t) ⊙ h^(t-1), the input of U
    y_tm: np.ndarray      # (T+1, N, O)
    yhat_tm: np.ndarray   # (T+1, N, O)
    _params: GRUParams | None = field(default=None, repr=False)  # a copy, for the pre-activations
    _A: np.ndarray | None = field(default=None, repr=False)      # (T+1, N, 3H), filled on demand

    @property
    def x_tm(self) -> np.ndarray:
        """(T+1, N, D), a view."""
        return self.x1_tm[..., :-1]

    @property
    def T(self) -> int:
        return self.x_tm.shape[0] - 1

    @property
    def N(self) -> int:
        return self.x_tm.shape[1]

    @property
    def H(self) -> int:
        return self.h_tm.shape[2]

    @property
    def A_tm(self) -> np.ndarray:
        """(T+1, N, 3H) = [a_z | a_r | a_h], recomputed once from the stored states."""
        if self._A is None:
            if self._params is None:
                raise ValueError("this cache holds no params, so its pre-activations cannot be recomputed")
            p, H, (T1, N) = self._params, self.H, self.x_tm.shape[:2]
            A = (self.x_tm @ _cat(p.Wz, p.Wr, p.W)).reshape(T1, N, 3 * H)
            A += _cat(p.bz, p.br, p.b, axis=0)
            A[..., :2 * H] += self.h_tm[:-1] @ _cat(p.Uz, p.Ur)
            A[..., 2 * H:] += self.rh_tm @ p.U
            self._A = A
        return self._A

    def _part(self, arr: np.ndarray, k: int) -> np.ndarray:
        H = self.H
        return _user(arr[:, :, k * H:(k + 1) * H], self.batched)

    x = property(lambda s: _user(s.x_tm, s.batched))
    a_z = property(lambda s: s._part(s.A_tm, 0))
    a_r = property(lambda s: s._part(s.A_tm, 1))
    a_h = property(lambda s: s._part(s.A_tm, 2))
    z = property(lambda s: _user(s.ZR_tm[..., :s.H], s.batched))
    r = property(lambda s: _user(s.ZR_tm[..., s.H:], s.batched))
    hh = property(lambda s: _user(s.HH_tm, s.batched))
    h = property(lambda s: _user(s.h_tm[1:], s.batched))
    h_prev = property(lambda s: _user(s.h_tm[:-1], s.batched))
    yhat = property(lambda s: _user(s.yhat_tm, s.batched))
    y = property(lambda s: _user(s.y_tm, s.batched))
    h0 = property(lambda s: s.h_tm[0] if s.batched else s.h_tm[0, 0])


def _cat(*arrays: np.ndarray, axis: int = 1) -> np.ndarray:
    """Gate weights side by side (D×kH or H×kH), biases end to end (axis=0)."""
    return np.concatenate(arrays, axis=axis)


def _sigmoid_(a: np.ndarray) -> np.ndarray:
    """σ(a) = 1 / (1 + e^(−a)) in place, for a contiguous block inside the step loop.

    Four passes and no temporary.  e^(−a) overflows to inf for a < −709 (float64) and
    1/inf = 0 is σ's limit there: callers silence the overflow flag with np.errstate.
    Agrees with :func:`sigmoid` to a few ulp, tails included.
    """
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1.0
    return np.reciprocal(a, out=a)


def forward(params: GRUParams, x: np.ndarray, h0: np.ndarray | None = None, *,
            output: str = "identity") -> GRUCache:
    """Run eq. (9.17) over t = 0..T.

    x: (T+1, D) or batched (N, T+1, D); h0: (H,) or (N, H), zeros if None;
    output: g, one of "identity", "sigmoid", "tanh".  Computation is in
    ``params.dtype`` (x and h0 are converted to it).
    """
    check_params(params, params.expected_shapes())
    check_output_name(output)
    D, H = params.input_size, params.hidden_size
    dt = params.dtype
    x1_tm, batched = check_sequence(x, D, dt, ones_column=True)
    T1, N = x1_tm.shape[:2]
    # Arrays that outlive the call come from memory.empty: a training loop or a slider asks for
    # the same sizes again and again, and fresh pages cost more than the arithmetic here.
    h_tm = memory.empty((T1 + 1, N, H), dt)
    h_tm[0] = check_h0(h0, N, H, batched, dt)

    # The input projections of all steps do not depend on h: one GEMM per gate block for all t,
    # written straight into the arrays that will hold the gates (each step turns its slice
    # from x W + b into σ(a) or tanh(a) in place, so no array of pre-activations is kept).
    # [x | 1] [W; b] = x W + b: the biases ride along in the GEMM instead of a pass per step.
    X1 = x1_tm.reshape(T1 * N, D + 1)
    W1zr = np.concatenate([_cat(params.Wz, params.Wr), _cat(params.bz, params.br, axis=0)[None]])
    W1h = np.concatenate([params.W, params.b[None]])                     # (D+1, H)
    ZR = np.matmul(X1, W1zr, out=memory.empty((T1 * N, 2 * H), dt)).reshape(T1, N, 2 * H)
    HH = np.matmul(X1, W1h, out=memory.empty((T1 * N, H), dt)).reshape(T1, N, H)
    rh = memory.empty((T1, N, H), dt)
    Uzr, U = _cat(params.Uz, params.Ur), params.U
    # Every result of the step loop is written in place (out=): at small N·H allocating a
    # temporary costs as much as the arithmetic, and the loop runs T+1 times.  Gate blocks are
    # contiguous (N, 2H) and (N, H) slices: numpy runs a contiguous pass several times faster.
    rec_zr = np.empty((N, 2 * H), dtype=dt)                              # h^(t-1) [Uz | Ur]
    rec_h = np.empty((N, H), dtype=dt)                                   # (r ⊙ h^(t-1)) U
    with np.errstate(over="ignore"):                                     # see _sigmoid_
        for t in range(T1):
            hp, zr, hh, h = h_tm[t], ZR[t], HH[t], h_tm[t + 1]
            np.matmul(hp, Uzr, out=rec_zr)
            zr += rec_zr                                                 # [a_z | a_r]
            _sigmoid_(zr)                                                # [z | r]
            np.multiply(zr[:, H:], hp, out=rh[t])                        # r ⊙ h^(t-1)
            np.matmul(rh[t], U, out=rec_h)
            hh += rec_h                                                  # a_h
            np.tanh(hh, out=hh)                                          # ĥ
            # h = (1 − z) ⊙ hp + z ⊙ ĥ, written as hp + z ⊙ (ĥ − hp): one product fewer
            np.subtract(hh, hp, out=h)
            h *= zr[:, :H]
            h += hp

    yhat, y = dense_forward(h_tm[1:], params.V, params.c, output)
    return GRUCache(output=output, batched=batched, x1_tm=x1_tm, ZR_tm=ZR, HH_tm=HH, h_tm=h_tm,
                    rh_tm=rh, y_tm=y, yhat_tm=yhat,
                    _params=params.copy())  # a copy: training may update params in place


def loss(cache, Y: np.ndarray) -> float:
    """Eq. (9.18): L = Σ_t ½‖y^(t) − Y^(t)‖², summed over steps, outputs and sequences.

    Works for any cache with a ``y`` attribute (GRU or SimpleRNN).  Y has the shape of y.
    """
    Y = check_targets(Y, cache.y.shape, cache.y.dtype)
    diff = cache.y - Y
    return float(0.5 * np.sum(diff * diff))


@dataclass
class GRUGrads:
    """Result of :func:`backward`.

    ``params``: dL/dθ for the 11 arrays; ``dh``: dL/dh^(t), eq. (9.22), shaped like
    ``cache.h``; ``terms``: the five terms of (9.22) at every t (keys ``TERMS``),
    each shaped like ``dh`` and summing to it, or None if not requested;
    ``dh0``: dL/dh^(-1), shaped like ``cache.h0``; ``dx``: dL/dx, shaped like ``cache.x``.
    """

    params: GRUParams
    dh: np.ndarray
    terms: dict[str, np.ndarray] | None
    dh0: np.ndarray
    dx: np.ndarray
    Y: np.ndarray

    @property
    def grad_dense(self) -> np.ndarray:
        """grad_dense^(t) = ∂L^(t)/∂h^(t) of eq. (9.21), shaped like ``dh``."""
        return self.terms["grad_dense"] if self.terms is not None else self._grad_dense

    _grad_dense: np.ndarray | None = None


def _step_back(delta, z, r, hh, hp, params: GRUParams, split: bool):
    """Back through one step: from δ = dL/dh^(t+1) (gates of step t+1) to h^(t).

    Returns (d_az, d_ar, d_ah, terms) where terms maps each recurrent path of
    (9.22) to its contribution when ``split``; otherwise it is their sum (one
    fused GEMM for the two gates instead of two).
    """
    d_az = delta * (hh - hp) * z * (1.0 - z)          # δ ⊙ (ĥ − h) ⊙ σ'(a_z)
    d_ah = delta * z * (1.0 - hh * hh)                 # δ ⊙ z ⊙ tanh'(a_h)
    g = d_ah @ params.U.T                              # dL/d(r ⊙ h)
    d_ar = g * hp * r * (1.0 - r)                      # ⊙ h ⊙ σ'(a_r)
    carry = delta * (1.0 - z)
    candidate = g * r
    if split:
        return d_az, d_ar, d_ah, {"update_gate": d_az @ params.Uz.T, "candidate": candidate,
                                  "reset_gate": d_ar @ params.Ur.T, "carry": carry}
    gates = np.concatenate([d_az, d_ar], axis=-1) @ np.concatenate([params.Uz, params.Ur], axis=1).T
    return d_az, d_ar, d_ah, carry + candidate + gates


# Steps per block when _bptt precomputes its δ-free factors: about 32k numbers per (N, H)
# array, so a block's slices stay in cache.  Whole-sequence passes were memory-bound at
# (N, T+1, H) = (64, 200, 256) and cost as much as all recurrent GEMMs of the backward.
_BLOCK_ELEMS = 1 << 15
# Below this many numbers in one step's (N, H) slice, a GEMM call costs more in overhead than
# in arithmetic: _bptt then computes the update-gate and reset-gate terms for all steps in two
# GEMMs after the loop (the loop keeps one fused GEMM for their sum) instead of two per step.
_SMALL_STEP = 4096


def _gate_factors(ZR: np.ndarray, HH: np.ndarray, hp: np.ndarray,
                  one_minus: np.ndarray, dsig: np.ndarray, dtanh: np.ndarray, diff: np.ndarray) -> None:
    """The δ-free factors of (9.22)'s gate terms, for a block of k steps.

    ZR (k, N, 2H) = [z | r], HH (k, N, H) = ĥ, hp (k, N, H) = h^(t-1).  Writes
    one_minus = [1 − z | 1 − r], dsig = [σ'(a_z) | σ'(a_r)] (σ' = σ(1 − σ)),
    dtanh = tanh'(a_h) = 1 − ĥ² and diff = ĥ − h^(t-1).  Every pass runs over whole
    contiguous blocks: numpy is several times slower on the z or r half of a row.
    """
    np.subtract(1.0, ZR, out=one_minus)
    np.multiply(ZR, one_minus, out=dsig)
    np.multiply(HH, HH, out=dtanh)
    np.subtract(1.0, dtanh, out=dtanh)
    np.subtract(HH, hp, out=diff)


def _bptt(params: GRUParams, cache: GRUCache, grad_dense_tm: np.ndarray, split: bool):
    """The recursion (9.22) for given grad_dense^(t), (T+1, N, H).

    Returns dh (T+1, N, H), the recurrent terms (dict of (T+1, N, H)) or None,
    dZR (T+1, N, 2H) = [d a_z | d a_r], dAH (T+1, N, H) = d a_h and dh^(-1) (N, H).

    The arithmetic of :func:`_step_back`, arranged for speed: the factors that do not
    depend on δ (:func:`_gate_factors`) are computed a block of steps at a time; the step
    loop keeps only the products with δ and the recurrent GEMMs, all written in place.
    With ``split`` the four recurrent terms are written straight into their arrays: one
    extra GEMM call per step, or, for small steps (N·H < _SMALL_STEP), two GEMMs over all
    steps after the loop.
    """
    H, N = cache.H, cache.N
    T1 = cache.T + 1
    dt = grad_dense_tm.dtype
    ZR, HH, hp = cache.ZR_tm, cache.HH_tm, cache.h_tm[:-1]   # hp[t] = h^(t-1), the state step t reads
    dZR = memory.empty(ZR.shape, dt)                   # [d a_z | d a_r] of every step
    dAH = memory.empty(HH.shape, dt)                   # d a_h of every step
    d_az, d_ar = dZR[..., :H], dZR[..., H:]
    block = max(1, _BLOCK_ELEMS // (N * H))
    one_minus, dsig = np.empty((2, block, N, 2 * H), dtype=dt)
    dtanh, diff = np.empty((2, block, N, H), dtype=dt)

    U_T, Uz_T, Ur_T = params.U.T, params.Uz.T, params.Ur.T
    Uzr_T = _cat(params.Uz, params.Ur).T                                 # (2H, H)
    # Arrays indexed by the step that writes them: row t holds dL/dh^(t-1) (row 0: dh^(-1)),
    # and what step t sends back to h^(t-1) along each path; the last row, t = T+1, is the
    # base case (dh^(T) = grad_dense^(T), nothing comes back from beyond T).
    dh_rows = memory.empty((T1 + 1, N, H), dt)
    dh_rows[T1] = grad_dense_tm[T1 - 1]
    n_rows = T1 + 1 if split else 1                    # without split: one scratch row, reused
    split_in_loop = split and N * H >= _SMALL_STEP
    upd_rows, res_rows, cand_rows, carry_rows = memory.empty((4, n_rows, N, H), dt)
    if split:
        upd_rows[T1] = res_rows[T1] = cand_rows[T1] = carry_rows[T1] = 0.0
    g = np.empty((N, H), dtype=dt)                     # dL/d(r ⊙ h^(t-1))
    for t in range(T1 - 1, -1, -1):                    # δ = dh^(t); gates of step t
        if (T1 - 1 - t) % block == 0:                  # first step of a block, going back
            lo = max(0, t + 1 - block)
            k = t + 1 - lo
            _gate_factors(ZR[lo:t + 1], HH[lo:t + 1], hp[lo:t + 1],
                          one_minus[:k], dsig[:k], dtanh[:k], diff[:k])
        j, i = t - lo, (t if split else 0)
        delta, back, z, r = dh_rows[t + 1], dh_rows[t], ZR[t, :, :H], ZR[t, :, H:]
        carry = np.multiply(delta, one_minus[j, :, :H], out=carry_rows[i])      # δ ⊙ (1 − z)
        np.multiply(delta, dtanh[j], out=dAH[t])
        dAH[t] *= z                                    # δ ⊙ z ⊙ tanh'(a_h)
        np.matmul(dAH[t], U_T, out=g)
        candidate = np.multiply(g, r, out=cand_rows[i])
        np.multiply(delta, diff[j], out=d_az[t])
        np.multiply(g, hp[t], out=d_ar[t])
        dZR[t] *= dsig[j]                              # [δ ⊙ (ĥ − h) ⊙ σ'(a_z) | g ⊙ h ⊙ σ'(a_r)]
        if split_in_loop:
            np.add(np.matmul(d_az[t], Uz_T, out=upd_rows[i]), np.matmul(d_ar[t], Ur_T, out=res_rows[i]),
                   out=back)
        else:                                          # both gate paths in one GEMM
            np.matmul(dZR[t], Uzr_T, out=back)
        back += candidate
        back += carry
        if t > 0:                                      # dL/dh^(-1) has no dense term
            back += grad_dense_tm[t - 1]
    if split and not split_in_loop:                    # steps 1..T at once, as (T·N, H) matrices
        np.matmul(d_az[1:].reshape(-1, H), Uz_T, out=upd_rows[1:T1].reshape(-1, H))
        np.matmul(d_ar[1:].reshape(-1, H), Ur_T, out=res_rows[1:T1].reshape(-1, H))
    terms = None
    if split:   # row t + 1 holds the term at h^(t); the last row (t = T) is zero
        terms = {"update_gate": upd_rows[1:], "candidate": cand_rows[1:],
                 "reset_gate": res_rows[1:], "carry": carry_rows[1:]}
    return dh_rows[1:], terms, dZR, dAH, dh_rows[0]


def backward(params: GRUParams, cache: GRUCache, Y: np.ndarray, *, terms: bool = True) -> GRUGrads:
    """BPTT: dL/dθ, dh^(t) of eq. (9.22) with its five terms, dL/dh^(-1) and dL/dx.

    ``terms=False`` skips storing the five terms separately (slightly faster).
    """
    check_params(params, params.expected_shapes())
    D, H = params.input_size, params.hidden_size
    dense = dense_backward(params, cache, Y)                                 # eq. (9.21)
    T1, N = cache.T + 1, cache.N
    Y_user, dyhat_flat, grad_dense = dense.Y, dense.dyhat, dense.grad_dense

    dh, rec_terms, dZR, dAH, dh_init = _bptt(params, cache, grad_dense, split=terms)

    # Parameter gradients: every step's contribution in one GEMM per weight block.
    M = T1 * N
    dZR_flat, dAH_flat = dZR.reshape(M, 2 * H), dAH.reshape(M, H)
    X1_T = cache.x1_tm.reshape(M, D + 1).T            # [x | 1]ᵀ: the last row of a product is a bias gradient
    dW1zr, dW1 = X1_T @ dZR_flat, X1_T @ dAH_flat                           # (D+1, 2H), (D+1, H)
    dWzr, dbzr, dW, db = dW1zr[:D], dW1zr[D], dW1[:D], dW1[D]
    dUzr = cache.h_tm[:-1].reshape(M, H).T @ dZR_flat                         # (H, 2H)
    dU = cache.rh_tm.reshape(M, H).T @ dAH_flat
    dV = cache.h_tm[1:].reshape(M, H).T @ dyhat_flat
    dx = np.matmul(dZR_flat, _cat(params.Wz, params.Wr).T, out=memory.empty((M, D), dZR.dtype))
    dx += np.matmul(dAH_flat, params.W.T, out=memory.empty((M, D), dZR.dtype))
    dx = dx.reshape(T1, N, D)

    grads = GRUParams(
        Wz=dWzr[:, :H], Uz=dUzr[:, :H], bz=dbzr[:H],
        Wr=dWzr[:, H:], Ur=dUzr[:, H:], br=dbzr[H:],
        W=dW, U=dU, b=db,
        V=dV, c=dyhat_flat.sum(axis=0),
    )
    b = cache.batched
    term_arrays = None
    if terms:
        term_arrays = {"grad_dense": _user(grad_dense, b)}
        term_arrays.update({k: _user(rec_terms[k], b) for k in PATHS})
        term_arrays = {k: term_arrays[k] for k in TERMS}
    return GRUGrads(params=grads, dh=_user(dh, b), terms=term_arrays,
                    dh0=dh_init if b else dh_init[0], dx=_user(dx, b), Y=Y_user,
                    _grad_dense=_user(grad_dense, b))


# ----------------------------------------------------------------------------------------
# One step, and one step with its four uses of h^(t) separated.


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
    s = gru_step_split(params, x_t, h_prev, h_prev, h_prev, h_prev, full=True)
    return s


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
    x_t = np.asarray(x_t)
    D, H = params.input_size, params.hidden_size
    if x_t.shape[-1:] != (D,) or x_t.ndim not in (1, 2):
        raise ValueError(f"x_t must have shape ({D},) or (N, {D}), got {x_t.shape}")
    want = (H,) if x_t.ndim == 1 else (x_t.shape[0], H)
    for name, v in (("h_z", h_z), ("h_r", h_r), ("h_c", h_c), ("h_carry", h_carry)):
        if np.shape(v) != want:
            raise ValueError(f"{name} must have shape {want}, got {np.shape(v)}")
    a_z = x_t @ params.Wz + h_z @ params.Uz + params.bz
    a_r = x_t @ params.Wr + h_r @ params.Ur + params.br
    z, r = sigmoid(a_z), sigmoid(a_r)
    a_h = x_t @ params.W + (r * h_c) @ params.U + params.b
    hh = np.tanh(a_h)
    h = (1.0 - z) * h_carry + z * hh
    return GRUStep(a_z, a_r, a_h, z, r, hh, h) if full else h


def _at(arr: np.ndarray, t: int, batched: bool) -> np.ndarray:
    return arr[:, t] if batched else arr[t]


def step_jacobian(params: GRUParams, cache: GRUCache, t: int, path: str | None = None) -> np.ndarray:
    """J = ∂h^(t+1)/∂h^(t), with J[j, i] = ∂h_j^(t+1)/∂h_i^(t), for −1 ≤ t < T.

    Row-vector form: the recurrent part of (9.22) is dh^(t+1) @ J.  ``path``
    (a key of :data:`PATHS`) gives the Jacobian of that path alone; the four
    add up to J.  Shape (H, H), or (N, H, H) for a batched cache.
    """
    if not -1 <= t < cache.T:
        raise ValueError(f"t must satisfy -1 <= t < T = {cache.T}, got {t}")
    if path is not None and path not in PATHS:
        raise ValueError(f"path must be one of {sorted(PATHS)} or None, got {path!r}")
    H = cache.H
    s = t + 1  # gates are those of step t+1
    zr = cache.ZR_tm[s][:, None, :]                    # (N, 1, 2H): broadcasts over rows
    z, r, hh = zr[..., :H], zr[..., H:], cache.HH_tm[s][:, None, :]
    hp = cache.h_tm[s][:, None, :]
    eye = np.broadcast_to(np.eye(H, dtype=cache.h_tm.dtype), (cache.N, H, H))
    _, _, _, paths = _step_back(eye, z, r, hh, hp, params, split=True)
    J = paths[path] if path is not None else sum(paths.values())
    return J if cache.batched else J[0]


@dataclass
class TermCheck:
    """One term of (9.22) at one t: the formula's value, central differences, their relative error."""

    term: str
    t: int
    analytic: np.ndarray
    numeric: np.ndarray
    rel_err: float


def term_check(params: GRUParams, cache: GRUCache, grads: GRUGrads, term: str, t: int,
               *, eps: float = 1e-6) -> TermCheck:
    """Check one term of (9.22) at step t against central differences.

    grad_dense: differentiate L^(t) = ½‖g(h V + c) − Y^(t)‖² with respect to h^(t).
    A recurrent path: differentiate dh^(t+1) · gru_step_split(...) with respect to
    the one argument that carries the path, all four held at h^(t).  At t = T the
    recurrent terms are zero (nothing follows h^(T)).  Unbatched caches only.
    """
    if cache.batched:
        raise ValueError("term_check takes an unbatched cache (x of shape (T+1, D))")
    if term not in TERMS:
        raise ValueError(f"term must be one of {list(TERMS)}, got {term!r}")
    if not 0 <= t <= cache.T:
        raise ValueError(f"t must satisfy 0 <= t <= T = {cache.T}, got {t}")
    analytic = grads.terms[term][t] if grads.terms is not None else None
    if analytic is None:
        raise ValueError("grads has no terms: call backward(..., terms=True)")
    h_t = np.array(cache.h[t], dtype=np.float64)
    p64 = params.astype(np.float64)
    if term == "grad_dense":
        g, _ = output_fns(cache.output)
        Y_t = np.asarray(grads.Y[t], dtype=np.float64)
        numeric = numerical_gradient(lambda h: 0.5 * np.sum((g(h @ p64.V + p64.c) - Y_t) ** 2), h_t, eps)
    elif t == cache.T:
        numeric = np.zeros_like(h_t)
    else:
        delta = np.asarray(grads.dh[t + 1], dtype=np.float64)
        x_next = np.asarray(cache.x[t + 1], dtype=np.float64)
        arg = PATHS[term]

        def f(h_var):
            hs = {k: (h_var if k == arg else h_t) for k in ("h_z", "h_r", "h_c", "h_carry")}
            return float(delta @ gru_step_split(p64, x_next, **hs))

        numeric = numerical_gradient(f, h_t.copy(), eps)
    return TermCheck(term, t, np.asarray(analytic), numeric, relative_error(analytic, numeric))
