"""backward() against central differences and an independent autograd reference (eq. 9.17, 9.18, 9.22).

Covers: all 11 parameters, h^(-1) and x; unbatched and batched; T = 0; every output activation;
nonzero h0; dL/dh^(t) at every t; batched results equal a loop over sequences; the forward cache.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from autograd_reference import GRU_NAMES, gru_reference, path_term
from conftest import (
    FIXED_SEEDS,
    OUTPUT_NAMES,
    Problem,
    assert_rel,
    central_diff,
    fd_noise_floor,
    make_problem,
    problems,
)
from hypothesis import example, given

import grubptt

FD_TOL = 1e-6      # fourth-order central differences (conftest.central_diff), float64
AD_TOL = 1e-10     # autograd reference: both exact up to rounding


def _run(pr: Problem):
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output=pr.output)
    return cache, grubptt.backward(pr.params, cache, pr.Y)


def _loss_with(pr: Problem, name: str, value: np.ndarray) -> float:
    """L with one array (a parameter, ``h0`` or ``x``) replaced by ``value``."""
    arrays = pr.params.arrays()
    x, h0 = pr.x, pr.h0
    if name == "x":
        x = value
    elif name == "h0":
        h0 = value
    else:
        arrays[name] = value
    cache = grubptt.forward(grubptt.GRUParams(**arrays), x, h0, output=pr.output)
    return grubptt.loss(cache, pr.Y)


def check_central_differences(pr: Problem) -> float:
    cache, grads = _run(pr)
    floor = fd_noise_floor(grubptt.loss(cache, pr.Y))
    analytic = {n: getattr(grads.params, n) for n in GRU_NAMES} | {"h0": grads.dh0, "x": grads.dx}
    inputs = pr.params.arrays() | {"h0": pr.h0, "x": pr.x}
    worst = 0.0
    for name, arr in inputs.items():
        numeric = central_diff(lambda v, name=name: _loss_with(pr, name, v), arr)
        worst = max(worst, assert_rel(f"dL/d{name}", analytic[name], numeric, FD_TOL, pr.desc,
                                      noise_floor=floor))
    return worst


def check_autograd(pr: Problem) -> float:
    cache, grads = _run(pr)
    ref = gru_reference(pr.params.arrays(), pr.x, pr.h0, pr.Y, pr.output)
    worst = assert_rel("loss", np.array(grubptt.loss(cache, pr.Y)), np.array(ref["loss"]), AD_TOL, pr.desc)
    ours = {n: getattr(grads.params, n) for n in GRU_NAMES} | {"h0": grads.dh0, "x": grads.dx, "dh": grads.dh}
    for name, arr in ours.items():
        worst = max(worst, assert_rel(f"dL/d{name}", arr, ref[name], AD_TOL, pr.desc))
    return worst


@given(problems())
# found by hypothesis: dL/dUr ≈ 1e-8 (H = 1, T = 0), below the differences' noise floor for 1e-6 relative
@example(make_problem(203, N=None, T=0, D=5, H=1, O=2, output="sigmoid"))
@example(make_problem(206219, N=None, T=0, D=1, H=1, O=1, output="sigmoid"))
def test_central_differences_random_shapes(pr):
    check_central_differences(pr)


@pytest.mark.parametrize("output", OUTPUT_NAMES)
@pytest.mark.parametrize("N", [None, 3])
@pytest.mark.parametrize("T", [0, 1, 5])
def test_central_differences_fixed(T, N, output):
    for seed in FIXED_SEEDS[:2]:
        check_central_differences(make_problem(seed, N=N, T=T, D=3, H=4, O=2, output=output))


@given(problems())
def test_autograd_reference_random_shapes(pr):
    check_autograd(pr)


@pytest.mark.parametrize(("seed", "N", "T", "output"),
                         list(itertools.product(FIXED_SEEDS, [None, 2], [0, 6], OUTPUT_NAMES)))
def test_autograd_reference_fixed(seed, N, T, output):
    check_autograd(make_problem(seed, N=N, T=T, D=4, H=5, O=3, output=output))


def test_dh_at_T_is_grad_dense_and_dh_recursion_reaches_h0():
    """dL/dh^(T) has no recurrent part; dL/dh^(-1) is the recurrent part of a step before t = 0."""
    pr = make_problem(5, T=4, output="tanh")
    cache, grads = _run(pr)
    ref = gru_reference(pr.params.arrays(), pr.x, pr.h0, pr.Y, pr.output)
    assert_rel("dh[T]", grads.dh[-1], grads.terms["grad_dense"][-1], 0.0, pr.desc)
    assert_rel("dh0", grads.dh0, ref["h0"], AD_TOL, pr.desc)


@pytest.mark.parametrize("output", OUTPUT_NAMES)
def test_batched_equals_loop_over_sequences(output):
    check_batched_equals_loop(make_problem(11, N=3, T=4, D=3, H=4, O=2, output=output))


@given(problems(batched=True))
def test_batched_equals_loop_random_shapes(pr):
    check_batched_equals_loop(pr)


def check_batched_equals_loop(pr: Problem) -> None:
    output = pr.output
    cache, grads = _run(pr)
    singles = []
    for n in range(pr.N):
        c = grubptt.forward(pr.params, pr.x[n], pr.h0[n], output=output)
        singles.append((c, grubptt.backward(pr.params, c, pr.Y[n])))
    ctx = pr.desc
    assert_rel("loss", np.array(grubptt.loss(cache, pr.Y)),
               np.array(sum(grubptt.loss(c, pr.Y[n]) for n, (c, _) in enumerate(singles))), 1e-13, ctx)
    for name in GRU_NAMES:
        assert_rel(f"dL/d{name} (batch vs sum of sequences)", getattr(grads.params, name),
                   sum(getattr(g.params, name) for _, g in singles), 1e-12, ctx)
    stacked = {"dh": grads.dh, "dh0": grads.dh0, "dx": grads.dx}
    for name, arr in stacked.items():
        assert_rel(f"{name} (batch vs stacked sequences)", arr,
                   np.stack([getattr(g, name) for _, g in singles]), 1e-12, ctx)
    for term, arr in grads.terms.items():
        assert_rel(f"terms[{term!r}] (batch vs stacked)", arr,
                   np.stack([g.terms[term] for _, g in singles]), 1e-12, ctx,
                   allow_zero=(cache.T == 0 and term != "grad_dense"))   # T = 0: no recurrence
    for attr in ("a_z", "a_r", "a_h", "z", "r", "hh", "h", "h_prev", "yhat", "y"):
        assert_rel(f"cache.{attr} (batch vs stacked)", getattr(cache, attr),
                   np.stack([getattr(c, attr) for c, _ in singles]), 1e-13, ctx)


def test_terms_flag_does_not_change_gradients():
    pr = make_problem(12, N=2, T=5, output="sigmoid")
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output=pr.output)
    with_terms = grubptt.backward(pr.params, cache, pr.Y, terms=True)
    without = grubptt.backward(pr.params, cache, pr.Y, terms=False)
    assert without.terms is None
    for name in GRU_NAMES:
        assert_rel(f"dL/d{name} (terms=False)", getattr(without.params, name),
                   getattr(with_terms.params, name), 1e-13, pr.desc)
    for name in ("dh", "dh0", "dx"):
        assert_rel(f"{name} (terms=False)", getattr(without, name), getattr(with_terms, name), 1e-13, pr.desc)


@pytest.mark.parametrize("N", [None, 2])
def test_forward_cache_matches_literal_steps(N):
    """The cache's intermediates equal eq. (9.17) applied one step at a time with gru_step."""
    pr = make_problem(13, N=N, T=3, output="tanh")
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output=pr.output)
    p = pr.params
    x_t = (lambda t: pr.x[:, t]) if N else (lambda t: pr.x[t])
    at = (lambda a, t: a[:, t]) if N else (lambda a, t: a[t])
    h = pr.h0
    assert_rel("cache.h0", cache.h0, pr.h0, 0.0, pr.desc)
    for t in range(pr.x.shape[-2]):
        assert_rel(f"cache.h_prev[{t}]", at(cache.h_prev, t), h, 1e-14, pr.desc)
        s = grubptt.gru_step(p, x_t(t), h)
        for attr in ("a_z", "a_r", "a_h", "z", "r", "hh", "h"):
            assert_rel(f"cache.{attr}[{t}]", at(getattr(cache, attr), t), getattr(s, attr), 1e-13, pr.desc)
        # eq. (9.17) spelled out, independent of gru_step
        z = 1.0 / (1.0 + np.exp(-(x_t(t) @ p.Wz + h @ p.Uz + p.bz)))
        r = 1.0 / (1.0 + np.exp(-(x_t(t) @ p.Wr + h @ p.Ur + p.br)))
        hh = np.tanh(x_t(t) @ p.W + (r * h) @ p.U + p.b)
        h = (1.0 - z) * h + z * hh
        assert_rel(f"cache.h[{t}] (literal 9.17)", at(cache.h, t), h, 1e-13, pr.desc)
        assert_rel(f"cache.y[{t}]", at(cache.y, t), np.tanh(h @ p.V + p.c), 1e-13, pr.desc)
    Y = pr.Y
    assert_rel("loss (eq. 9.18)", np.array(grubptt.loss(cache, Y)),
               np.array(0.5 * np.sum((cache.y - Y) ** 2)), 1e-14, pr.desc)


def test_h0_none_means_zero_initial_state():
    pr = make_problem(14, N=2, T=2)
    a = grubptt.forward(pr.params, pr.x, None)
    b = grubptt.forward(pr.params, pr.x, np.zeros_like(pr.h0))
    assert np.array_equal(a.h0, np.zeros_like(pr.h0))
    assert_rel("h (h0=None vs zeros)", a.h, b.h, 0.0, pr.desc)


def test_pre_activations_belong_to_the_params_of_the_forward_pass():
    """a_z, a_r, a_h are recomputed on first access (the loop overwrites them with the gates): from a
    copy of the params forward saw, so a training step that edits params in place cannot change them."""
    pr = make_problem(16, N=3, T=4, output="tanh")
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output=pr.output)
    for name in grubptt.PARAM_NAMES:
        getattr(pr.params, name)[...] *= -2.0                          # an update, in place
    assert_rel("σ(a_z) vs z", grubptt.sigmoid(cache.a_z), cache.z, 1e-14, pr.desc)
    assert_rel("σ(a_r) vs r", grubptt.sigmoid(cache.a_r), cache.r, 1e-14, pr.desc)
    assert_rel("tanh(a_h) vs ĥ", np.tanh(cache.a_h), cache.hh, 1e-14, pr.desc)


@pytest.mark.parametrize("N", [None, 1, 3])
def test_no_call_mutates_its_inputs_or_the_cache(N):
    """forward/backward/step_jacobian/term_check leave params, x, h0, Y and the cache untouched, and the
    cache keeps no view of the caller's x (editing x afterwards must not change it)."""
    pr = make_problem(15, N=N, T=3, output="sigmoid")
    snap = {k: v.copy() for k, v in pr.params.arrays().items()} | {"x": pr.x.copy(), "h0": pr.h0.copy(),
                                                                    "Y": pr.Y.copy()}
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output=pr.output)
    cached = {k: v.copy() for k, v in vars(cache).items() if isinstance(v, np.ndarray)}
    first = grubptt.backward(pr.params, cache, pr.Y)
    second = grubptt.backward(pr.params, cache, pr.Y, terms=False)
    third = grubptt.backward(pr.params, cache, pr.Y)
    for t in range(-1, cache.T):
        grubptt.step_jacobian(pr.params, cache, t)
    if N is None:
        grubptt.term_check(pr.params, cache, first, "reset_gate", 0)
    now = pr.params.arrays() | {"x": pr.x, "h0": pr.h0, "Y": pr.Y}
    for k, v in snap.items():
        assert np.array_equal(now[k], v), f"{k} was modified [{pr.desc}]"
    for k, v in cached.items():
        assert np.array_equal(getattr(cache, k), v), f"cache.{k} was modified by backward [{pr.desc}]"
    for k in ("dh", "dh0", "dx"):
        assert np.array_equal(getattr(first, k), getattr(third, k)), f"{k} differs on a second backward"
        assert_rel(f"{k} (terms=False)", getattr(second, k), getattr(first, k), 1e-13, pr.desc)
    for k in GRU_NAMES:
        assert np.array_equal(getattr(first.params, k), getattr(third.params, k)), f"dL/d{k} differs"
    pr.x[...] += 1.0
    pr.Y[...] += 1.0
    assert np.array_equal(cache.x, snap["x"]), "the cache holds a view of the caller's x"
    assert np.array_equal(first.Y, snap["Y"]), "grads.Y is a view of the caller's Y"


# backward() has two code paths (per-step gate-term GEMMs when N·H >= 4096, one GEMM over all
# steps after the loop otherwise) and precomputes its δ-free factors in blocks of about 32k
# numbers per (N, H) array.  These shapes cross block boundaries on both paths, so a slip at a
# boundary or in either path shows up against the independent reference.
@pytest.mark.parametrize(("N", "T", "H"), [
    (16, 20, 256),      # N·H = 4096: per-step path, blocks of 8 steps
    (None, 600, 64),    # N·H = 64: after-loop path, blocks of 512 steps
    (3, 300, 40),       # batched after-loop path, blocks of 273 steps
])
def test_bptt_code_paths_and_block_boundaries(N, T, H):
    pr = make_problem(7, N=N, T=T, D=3, H=H, O=2, output="tanh")
    # make_problem's unit-scale weights make a wide, long GRU chaotic: rounding differences of
    # 1e-16 then grow past the 1e-10 tolerance by themselves.  1/sqrt(fan-in) weights (as
    # init_params draws them) keep the sequence well conditioned; the biases stay nonzero.
    start = grubptt.init_params(3, H, 2, seed=7)
    pr.params = grubptt.GRUParams(**{k: (v if k.startswith(("b", "c")) else getattr(start, k))
                                     for k, v in pr.params.arrays().items()})
    check_autograd(pr)
    cache, grads = _run(pr)
    arrays = pr.params.arrays()
    seq = 0 if N is not None else None

    def at(a, t):
        return a[seq, t] if seq is not None else a[t]

    # Each term at steps on both sides of a block edge and at the ends, against autograd of the
    # path-split step (the sum of the terms is covered by check_autograd's dh).
    for t in sorted({0, 1, T - 513, T - 512, T - 9, T - 8, T - 1} & set(range(T))):
        for term, arg in grubptt.PATHS.items():
            want = path_term(arrays, at(pr.x, t + 1), at(cache.h, t), at(grads.dh, t + 1), arg)
            assert_rel(f"terms[{term!r}][{t}]", at(grads.terms[term], t), want, AD_TOL, pr.desc)
