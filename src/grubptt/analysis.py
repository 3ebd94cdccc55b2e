"""Gradient-flow measurements for the "Explore" chapters: where the gradient of (9.22) goes.

Numpy only (the plots live in :mod:`grubptt.explore`).  For a GRU or a SimpleRNN and one
sequence this module measures

- ‖dh^(t)‖ at every t, and the norm of each of the five terms of (9.22) at every t;
- ‖∂L^(T)/∂h^(t)‖ against the distance T − t: only grad_dense^(T) is sent back through the
  recursion, so the curve shows how much of one late error signal survives d steps
  (vanishing or exploding gradients, Pascanu et al. 2013);
- the singular values of the step Jacobian J^(t) = ∂h^(t+1)/∂h^(t) along the sequence
  (the gradient d steps back is the last error times a product of d such Jacobians).

Chapters: ``book/10_explore.ipynb`` (all four measurements, widgets) and
``book/11_gru_vs_rnn.ipynb`` (why the carry path keeps J close to diag(1 − z)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import check_output_name
from .cache import GRUCache, caller_layout, time_major
from .dense import dense_backward
from .models import GRU, check_pair, model_of
from .numeric import row_norms
from .params import GRUParams, init_params
from .rnn import HIDDEN, RNNCache, RNNParams, init_rnn_params
from .validation import as_array, finite_number, int_in_range, positive_int

__all__ = [
    "make_gru", "make_rnn", "make_data", "grad_dense", "bptt", "last_step_gradients",
    "step_jacobians", "sample_steps", "jacobian_singular_values", "GradientFlow", "gradient_flow",
    "model_name", "carry_deviation",
]

Params = GRUParams | RNNParams
Cache = GRUCache | RNNCache


def make_gru(hidden_size: int = 32, *, input_size: int = 4, output_size: int = 4, seed: int = 0,
             radius: float = 1.0, bz: float = 0.0, dtype=np.float64) -> GRUParams:
    """A GRU whose recurrent matrices Uz, Ur, U are orthogonal times ``radius``.

    ``radius`` is then the spectral radius (and every singular value) of each of them;
    ``bz`` fills the update-gate bias (very negative: z → 0, the GRU copies h forward).
    Input/output weights: Gaussian, std 1/sqrt(fan_in).  Shapes as in :class:`GRUParams`.
    """
    radius = finite_number("radius", radius, low=0.0)
    return init_params(input_size, hidden_size, output_size, seed=seed, dtype=dtype,
                       recurrent_radius=float(radius), bz=float(bz))


def make_rnn(hidden_size: int = 32, *, input_size: int = 4, output_size: int = 4, seed: int = 0,
             radius: float = 1.0, dtype=np.float64) -> RNNParams:
    """A SimpleRNN (eq. 7.10) whose U is orthogonal times ``radius``; otherwise like :func:`make_gru`."""
    radius = finite_number("radius", radius, low=0.0)
    return init_rnn_params(input_size, hidden_size, output_size, seed=seed, dtype=dtype,
                           recurrent_radius=float(radius))


def make_data(T: int, *, input_size: int = 4, output_size: int = 4, seed: int = 0,
              output: str = "identity") -> tuple[np.ndarray, np.ndarray]:
    """A random sequence and random targets: x (T+1, D) standard normal; Y (T+1, O) in the range of g.

    Targets are uniform in (0, 1) for g = sigmoid, in (−1, 1) for tanh, standard normal for identity:
    the Explore chapters only need *some* error signal at every step, not a task.
    """
    T = int_in_range("T", T, 0)
    D = positive_int("input_size", input_size)
    O = positive_int("output_size", output_size)
    check_output_name(output)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T + 1, D))
    if output == "sigmoid":
        Y = rng.uniform(0.0, 1.0, (T + 1, O))
    elif output == "tanh":
        Y = rng.uniform(-1.0, 1.0, (T + 1, O))
    else:
        Y = rng.standard_normal((T + 1, O))
    return x, Y


def model_name(params: Params) -> str:
    """"GRU" or "SimpleRNN"; TypeError for anything else."""
    return model_of(params).name


def _time_major(arr, cache, name: str) -> np.ndarray:
    """An array shaped like ``cache.h`` ((T+1, H) or (N, T+1, H)) → time-major (T+1, N, H)."""
    arr = as_array(arr, name, cache.h_tm.dtype)
    want = cache.h.shape
    if arr.shape != want:
        raise ValueError(f"{name} must have the shape of h, {want} ((N,) T+1, H), got {arr.shape}")
    return np.ascontiguousarray(time_major(arr, cache.batched))


def grad_dense(params: Params, cache: Cache, Y: np.ndarray) -> np.ndarray:
    """grad_dense^(t) = ∂L^(t)/∂h^(t) of eq. (9.21) for every t, shaped like ``cache.h``.

    The same for GRU and SimpleRNN: it only involves the dense layer ŷ = h V + c, y = g(ŷ).
    """
    check_pair(params, cache, "grad_dense")
    return caller_layout(dense_backward(params, cache, Y).grad_dense, cache.batched)


def bptt(params: Params, cache: Cache, grad_dense: np.ndarray, *,
         terms: bool = False) -> np.ndarray | tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run the recursion (9.22) (GRU) or (7.15) (SimpleRNN) for an arbitrary grad_dense.

    ``grad_dense``, shaped like ``cache.h``, replaces ∂L^(t)/∂h^(t): send in any error
    signal and get back dh^(t) = its total effect on h^(t).  Returns dh shaped like
    ``cache.h``; with ``terms`` also a dict of the recurrent terms (the GRU's four paths,
    or the SimpleRNN's "recurrent"), each shaped like dh.
    """
    model = check_pair(params, cache, "bptt")
    gd = _time_major(grad_dense, cache, "grad_dense")
    b = cache.batched
    dh, rec, *_ = model.dh_recursion(params, cache, gd, terms=terms)
    if not terms:
        return caller_layout(dh[1:], b)
    return caller_layout(dh[1:], b), {k: caller_layout(v[1:], b) for k, v in rec.items()}


def last_step_gradients(params: Params, cache: Cache, Y: np.ndarray) -> np.ndarray:
    """∂L^(T)/∂h^(t) for t = 0..T, shaped like ``cache.h``: only the last step's loss sent back.

    Row t is the error of step T after travelling T − t steps back through the recursion.
    """
    gd = grad_dense(params, cache, Y)
    only_last = np.zeros_like(gd)
    only_last[..., -1, :] = gd[..., -1, :]
    return bptt(params, cache, only_last)


def sample_steps(T: int, max_steps: int | None = None) -> np.ndarray:
    """Steps t in 0..T−1 at which to look at J^(t) = ∂h^(t+1)/∂h^(t): all, or ≤ max_steps evenly spread.

    The first (0) and last (T−1) step are always among them when max_steps ≥ 2.
    """
    T = int_in_range("T", T, 0)
    if max_steps is None:
        return np.arange(T)
    max_steps = int_in_range("max_steps", max_steps, 0)
    if T <= max_steps:
        return np.arange(T)
    if max_steps == 0:
        return np.arange(0)
    return np.unique(np.linspace(0, T - 1, max_steps).round().astype(int))


def step_jacobians(params: Params, cache: Cache, ts=None) -> np.ndarray:
    """J^(t) = ∂h^(t+1)/∂h^(t), J[j, i] = ∂h_j^(t+1)/∂h_i^(t), for every t in ``ts`` at once.

    The same matrices as :func:`grubptt.step_jacobian` / :func:`grubptt.rnn_step_jacobian`
    (one t at a time), batched over t because the Explore widget needs dozens per update.
    ``ts``: steps in −1..T−1 (default 0..T−1).  Unbatched caches only.  Shape (len(ts), H, H).
    """
    model = check_pair(params, cache, "step_jacobians")
    if cache.batched:
        raise ValueError("step_jacobians takes an unbatched cache (x of shape (T+1, D))")
    if isinstance(ts, np.ma.MaskedArray):
        raise ValueError("ts must be a plain array of integer steps; a masked array's mask would be ignored")
    ts = np.arange(cache.T) if ts is None else np.asarray(ts)
    if ts.ndim != 1 or ts.dtype.kind not in "iu":
        raise ValueError(f"ts must be a 1-D array of integer steps, got {ts!r}")
    if ts.size and (ts.min() < -1 or ts.max() >= cache.T):
        raise ValueError(f"ts must lie in -1 <= t < T = {cache.T}, got {ts.min()}..{ts.max()}")
    return model.jacobians(params, cache, ts + 1)       # J^(t) uses the gates of step t+1


def jacobian_singular_values(params: Params, cache: Cache, ts=None) -> np.ndarray:
    """Singular values of J^(t) for each t in ``ts`` (default all 0..T−1), descending: (len(ts), H).

    All of them ≈ 1: the step neither shrinks nor stretches the gradient;
    all < 1: every step shrinks it (vanishing); some > 1: it can grow (exploding).
    """
    return np.linalg.svd(step_jacobians(params, cache, ts), compute_uv=False)


def carry_deviation(params: GRUParams, cache: GRUCache, ts=None) -> np.ndarray:
    """‖J^(t) − diag(1 − z^(t+1))‖₂ for t in ``ts`` (default 0..T−1): J's distance from its carry part.

    The difference is the sum of the update-gate, candidate and reset-gate paths; each has a
    factor z^(t+1) on its rows, so it vanishes as z → 0 (``book/11_gru_vs_rnn.ipynb``).
    Spectral norms, shape (len(ts),).  Unbatched GRU caches only.
    """
    if not isinstance(params, GRUParams):
        raise TypeError(f"params must be GRUParams (carry_deviation is defined for a GRU), "
                        f"got {type(params).__name__}")
    J = step_jacobians(params, cache, ts)
    ts = np.arange(cache.T) if ts is None else np.asarray(ts)
    keep = 1.0 - cache.z_tm[ts + 1, 0]                      # 1 − z^(t+1), (K, H)
    idx = np.arange(cache.H)
    J[:, idx, idx] -= keep
    return np.linalg.norm(J, 2, axis=(1, 2))


@dataclass
class GradientFlow:
    """The four measurements of one model on one sequence (arrays over t or distance).

    ``dh_norm`` (T+1,): ‖dh^(t)‖; ``term_norms``: term name → (T+1,) norms (GRU: the five
    terms of (9.22); SimpleRNN: grad_dense and recurrent); ``last_norm`` (T+1,):
    ‖∂L^(T)/∂h^(T−d)‖ at index d = 0..T (by distance, not by t); ``jac_t`` (K,): steps
    where the step Jacobian was measured; ``jac_sv`` (K, H): its singular values.
    """

    model: str
    T: int
    dh_norm: np.ndarray
    term_norms: dict[str, np.ndarray]
    last_norm: np.ndarray
    jac_t: np.ndarray
    jac_sv: np.ndarray

    @property
    def distance(self) -> np.ndarray:
        """0..T, the x axis of ``last_norm``."""
        return np.arange(self.T + 1)

    @property
    def last_gain(self) -> np.ndarray:
        """``last_norm`` divided by ‖grad_dense^(T)‖: what fraction of the last error survives d steps."""
        if self.last_norm[0] > 0:
            return self.last_norm / self.last_norm[0]
        return np.full_like(self.last_norm, np.nan)


# Steps per block of the loops below: the block's factors and products, ~32k numbers each, stay in
# the core's cache and are reused block after block, instead of ~10 MB of fresh pages per update.
_FLOW_BLOCK_ELEMS = 1 << 15


def _gru_flow(params: GRUParams, cache: GRUCache, gd: np.ndarray):
    """(9.22) for two error signals at once: the Explore widget's inner loop, arranged for speed.

    Signal 0 is ``gd`` (T+1, H), grad_dense^(t) of every step; signal 1 is grad_dense^(T) alone.
    Returns dh (T+1, 2, H), dh[t] = dh^(t) of each signal, and signal 0's four recurrent terms at
    h^(t) as (T+1, H) arrays (row T is 0: nothing follows h^(T)).  The same sums as
    :func:`grubptt.gru.dh_recursion` (tests/test_analysis.py compares them), arranged for this
    size (H ≤ 128, two rows), where numpy's per-call cost is most of the time: the δ-free
    factors of a block of steps are computed before its loop, already laid out like their
    products (a ufunc on equal, contiguous shapes costs a third of one that broadcasts into a
    strided slice); the update- and reset-gate terms of signal 0 are two GEMMs per block.
    dh^(-1) (no loss reads h^(-1), nothing plots it) is not computed.
    """
    T1, H, dt = cache.T + 1, cache.H, gd.dtype
    z, r = cache.zr_tm[:, :, :H], cache.zr_tm[:, :, H:]                        # (T+1, 1, H)
    hh, h_prev = cache.hh_tm, cache.h_tm[:-1]
    U_T, Uz_T, Ur_T = (np.ascontiguousarray(m.T) for m in (params.U, params.Uz, params.Ur))
    dh = np.empty((T1 + 1, 2, H), dtype=dt)                                     # dh[s] = dh^(s-1)
    dh[T1] = gd[T1 - 1]
    terms = np.zeros((4, T1, H), dtype=dt)                                      # row T stays 0
    block = max(1, _FLOW_BLOCK_ELEMS // (10 * H))
    # f[i] (5, 2, H), the same for both signals: δ times f[i, 0:3] gives ∂L/∂a_h, the carry and
    # ∂L/∂a_z; ∂L/∂(r ⊙ h^(s-1)) times f[i, 3:5] gives ∂L/∂a_r and the candidate term.  g[i]: the
    # products, slot by slot.
    f, g = np.empty((2, block, 5, 2, H), dtype=dt)
    d_rh, reset = np.empty((2, 2, H), dtype=dt)                                 # ∂L/∂(r ⊙ h^(s-1)); scratch
    for hi in range(T1, 1, -block):                                             # steps lo..hi−1, going back
        lo = max(1, hi - block)
        k = hi - lo
        zb, rb = z[lo:hi], r[lo:hi]
        f[:k, 0] = np.subtract(1.0, hh[lo:hi] ** 2) * zb                       # z ⊙ tanh'(a_h)
        f[:k, 1] = 1.0 - zb                                                     # 1 − z
        f[:k, 2] = (hh[lo:hi] - h_prev[lo:hi]) * zb * (1.0 - zb)                # (ĥ − h^(s-1)) ⊙ σ'(a_z)
        f[:k, 3] = (1.0 - rb) * rb * h_prev[lo:hi]                              # h^(s-1) ⊙ σ'(a_r)
        f[:k, 4] = rb
        steps = zip(dh[lo + 1:hi + 1][::-1], f[:k, 0:3][::-1], f[:k, 3:5][::-1], g[:k][::-1],
                    dh[lo:hi][::-1], gd[lo - 1:hi - 1][::-1], strict=True)
        for delta, f_d, f_r, g_s, back, gd_prev in steps:                       # s = hi−1 .. lo
            np.multiply(delta, f_d, out=g_s[0:3])
            np.dot(g_s[0], U_T, out=d_rh)
            np.multiply(d_rh, f_r, out=g_s[3:5])
            np.dot(g_s[2], Uz_T, out=back)                                      # update gate
            back += np.dot(g_s[3], Ur_T, out=reset)                             # reset gate
            back += g_s[1]                                                      # carry
            back += g_s[4]                                                      # candidate
            back[0] += gd_prev
        at = slice(lo - 1, hi - 1)                                              # the terms at h^(s-1)
        np.matmul(g[:k, 2, 0], Uz_T, out=terms[0, at])
        terms[1, at] = g[:k, 4, 0]
        np.matmul(g[:k, 3, 0], Ur_T, out=terms[2, at])
        terms[3, at] = g[:k, 1, 0]
    return dh[1:], dict(zip(("update_gate", "candidate", "reset_gate", "carry"), terms, strict=True))


def _rnn_flow(params: RNNParams, cache: RNNCache, gd: np.ndarray):
    """(7.15) for the same two error signals as :func:`_gru_flow`, arranged the same way.

    dh^(s-1) = (dh^(s) ⊙ f'(a^(s))) Uᵀ + grad_dense^(s-1); the recurrent term of signal 0 is one
    GEMM per block.  Returns dh (T+1, 2, H) and {"recurrent": (T+1, H)} (row T is 0).
    """
    T1, H, dt = cache.T + 1, cache.H, gd.dtype
    _, df = HIDDEN[cache.activation]
    U_T = np.ascontiguousarray(params.U.T)
    dh = np.empty((T1 + 1, 2, H), dtype=dt)                                     # dh[s] = dh^(s-1)
    dh[T1] = gd[T1 - 1]
    rec = np.zeros((T1, H), dtype=dt)
    block = max(1, _FLOW_BLOCK_ELEMS // (2 * H))
    fprime, da = np.empty((2, block, 2, H), dtype=dt)       # f'(a^(s)) for both signals; ∂L/∂a^(s)
    for hi in range(T1, 1, -block):                                             # steps lo..hi−1, going back
        lo = max(1, hi - block)
        k = hi - lo
        fprime[:k] = df(cache.h_tm[lo + 1:hi + 1])
        steps = zip(dh[lo + 1:hi + 1][::-1], fprime[:k][::-1], da[:k][::-1], dh[lo:hi][::-1],
                    gd[lo - 1:hi - 1][::-1], strict=True)
        for delta, fp, da_s, back, gd_prev in steps:                            # s = hi−1 .. lo
            np.multiply(delta, fp, out=da_s)
            np.dot(da_s, U_T, out=back)
            back[0] += gd_prev
        np.matmul(da[:k, 0], U_T, out=rec[lo - 1:hi - 1])                       # the terms at h^(s-1)
    return dh[1:], {"recurrent": rec}


def gradient_flow(params: Params, cache: Cache, Y: np.ndarray, *,
                  max_jacobians: int | None = 40) -> GradientFlow:
    """All four Explore measurements for one sequence, from one BPTT pass.

    The full grad_dense (giving dh and its terms) and grad_dense^(T) alone (giving
    ∂L^(T)/∂h^(t)) travel back together, as two rows of one recursion, which costs
    about one pass when H is small (the loop: ``_gru_flow`` / ``_rnn_flow``).  Singular values
    of J^(t) at ≤ ``max_jacobians`` evenly spread steps (None: all).  Unbatched caches only.
    """
    model = check_pair(params, cache, "gradient_flow")
    if cache.batched:
        raise ValueError("gradient_flow takes an unbatched cache (x of shape (T+1, D))")
    gd = dense_backward(params, cache, Y).grad_dense[:, 0]             # (T+1, H)
    dh, rec = (_gru_flow if model is GRU else _rnn_flow)(params, cache, gd)
    parts = {"grad_dense": gd, **rec}
    keys, name = model.terms, model.name
    ts = sample_steps(cache.T, max_jacobians)
    return GradientFlow(
        model=name, T=cache.T,
        dh_norm=row_norms(dh[:, 0]),
        term_norms={k: row_norms(parts[k]) for k in keys},
        last_norm=row_norms(dh[::-1, 1]),                        # reversed: index = distance T − t
        jac_t=ts,
        jac_sv=jacobian_singular_values(params, cache, ts) if ts.size else np.empty((0, cache.H)),
    )
