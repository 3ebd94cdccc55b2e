"""The SimpleRNN twin (eq. 7.10): gradients, its two-term dh, step Jacobian, and the GRU's calling pattern."""

from __future__ import annotations

import numpy as np
import pytest
from autograd_reference import RNN_NAMES, rnn_reference, rnn_step_jacobian
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
from hypothesis import given

import grubptt

FD_TOL = 1e-6
AD_TOL = 1e-10
ACTIVATIONS = ("tanh", "sigmoid")


def _run(pr: Problem):
    cache = grubptt.rnn_forward(pr.params, pr.x, pr.h0, output=pr.output, activation=pr.activation)
    return cache, grubptt.rnn_backward(pr.params, cache, pr.Y)


def _loss_with(pr: Problem, name: str, value) -> float:
    arrays = pr.params.arrays()
    x, h0 = pr.x, pr.h0
    if name == "x":
        x = value
    elif name == "h0":
        h0 = value
    else:
        arrays[name] = value
    cache = grubptt.rnn_forward(grubptt.RNNParams(**arrays), x, h0, output=pr.output,
                                activation=pr.activation)
    return grubptt.loss(cache, pr.Y)


def check_rnn(pr: Problem, *, numeric: bool = True) -> None:
    cache, grads = _run(pr)
    ours = {n: getattr(grads.params, n) for n in RNN_NAMES} | {"h0": grads.dh0, "x": grads.dx}
    ref = rnn_reference(pr.params.arrays(), pr.x, pr.h0, pr.Y, pr.output, pr.activation)
    assert_rel("loss", np.array(grubptt.loss(cache, pr.Y)), np.array(ref["loss"]), AD_TOL, pr.desc)
    for name, arr in (ours | {"dh": grads.dh}).items():
        assert_rel(f"dL/d{name} (autograd)", arr, ref[name], AD_TOL, pr.desc)
    if numeric:
        inputs = pr.params.arrays() | {"h0": pr.h0, "x": pr.x}
        for name, arr in inputs.items():
            fd = central_diff(lambda v, name=name: _loss_with(pr, name, v), arr)
            assert_rel(f"dL/d{name} (central differences)", ours[name], fd, FD_TOL, pr.desc,
                       noise_floor=fd_noise_floor(ref["loss"]))


@given(problems(rnn=True))
def test_rnn_gradients_random_shapes(pr):
    check_rnn(pr)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output", OUTPUT_NAMES)
@pytest.mark.parametrize(("N", "T"), [(None, 0), (None, 6), (3, 0), (3, 4)])
def test_rnn_gradients_fixed(N, T, output, activation):
    for seed in FIXED_SEEDS[:2]:
        check_rnn(make_problem(seed, N=N, T=T, D=3, H=4, O=2, output=output, rnn=True, activation=activation))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_rnn_gradients_many_outputs(activation):
    """≥ 1024 outputs: y = tanh(ŷ) goes through exp (grubptt.activations.tanh_via_exp)."""
    check_rnn(make_problem(11, N=32, T=15, D=2, H=3, O=4, output="tanh", rnn=True, activation=activation),
              numeric=False)


@given(problems(rnn=True))
def test_rnn_terms_sum_to_dh_and_recurrent_is_dh_next_times_jacobian(pr):
    cache, grads = _run(pr)
    assert tuple(grads.terms) == grubptt.RNN_TERMS
    assert_rel("grad_dense + recurrent vs dh", grads.terms["grad_dense"] + grads.terms["recurrent"],
               grads.dh, 1e-14, pr.desc)
    at = (lambda a, t: a[:, t]) if pr.N else (lambda a, t: a[t])
    T = cache.T
    assert np.all(at(grads.terms["recurrent"], T) == 0), f"recurrent term nonzero at t = T [{pr.desc}]"
    for t in range(-1, T):
        J = grubptt.rnn_step_jacobian(pr.params, cache, t)
        rec = grads.dh0 if t == -1 else at(grads.terms["recurrent"], t)
        # row-vector form: dh^(t+1) @ J, batched as one matrix-vector product per sequence
        back = np.einsum("...j,...ji->...i", at(grads.dh, t + 1), J)
        assert_rel(f"dh[{t + 1}] @ J(t={t})", back, rec, 1e-12, pr.desc, allow_zero=True)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_rnn_step_jacobian_vs_autograd(activation):
    pr = make_problem(41, N=2, T=4, D=3, H=5, O=2, rnn=True, activation=activation)
    cache, _ = _run(pr)
    for n in range(2):
        single = grubptt.rnn_forward(pr.params, pr.x[n], pr.h0[n], activation=activation)
        for t in range(-1, cache.T):
            h_t = pr.h0[n] if t == -1 else single.h[t]
            want = rnn_step_jacobian(pr.params.arrays(), pr.x[n, t + 1], h_t, activation)
            J = grubptt.rnn_step_jacobian(pr.params, single, t)
            assert J.shape == (5, 5)
            assert_rel(f"rnn_step_jacobian(t={t}), sequence {n}", J, want, AD_TOL, pr.desc)
            Jb = grubptt.rnn_step_jacobian(pr.params, cache, t)
            assert_rel(f"batched rnn_step_jacobian(t={t})[{n}]", Jb[n], J, 1e-14, pr.desc)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_rnn_batched_equals_loop(activation):
    pr = make_problem(42, N=3, T=3, rnn=True, activation=activation, output="sigmoid")
    cache, grads = _run(pr)
    singles = []
    for n in range(3):
        c = grubptt.rnn_forward(pr.params, pr.x[n], pr.h0[n], output=pr.output, activation=activation)
        singles.append((c, grubptt.rnn_backward(pr.params, c, pr.Y[n])))
    for name in RNN_NAMES:
        assert_rel(f"dL/d{name} (batch vs sum)", getattr(grads.params, name),
                   sum(getattr(g.params, name) for _, g in singles), 1e-12, pr.desc)
    for name in ("dh", "dh0", "dx"):
        assert_rel(f"{name} (batch vs stacked)", getattr(grads, name),
                   np.stack([getattr(g, name) for _, g in singles]), 1e-12, pr.desc)
    for attr in ("a", "h", "h_prev", "yhat", "y"):
        assert_rel(f"cache.{attr} (batch vs stacked)", getattr(cache, attr),
                   np.stack([getattr(c, attr) for c, _ in singles]), 1e-13, pr.desc)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_rnn_forward_is_eq_7_10(activation):
    pr = make_problem(43, T=3, rnn=True, activation=activation, output="tanh")
    cache, _ = _run(pr)
    p = pr.params
    f = np.tanh if activation == "tanh" else (lambda a: 1.0 / (1.0 + np.exp(-a)))
    h = pr.h0
    for t in range(4):
        h = f(pr.x[t] @ p.W + h @ p.U + p.b)
        assert_rel(f"cache.h[{t}]", cache.h[t], h, 1e-14, pr.desc)
        assert_rel(f"cache.y[{t}]", cache.y[t], np.tanh(h @ p.V + p.c), 1e-14, pr.desc)


def test_rnn_has_the_gru_calling_pattern():
    """Same call shapes and the same public attribute names where the two models share a concept."""
    gru = make_problem(44, N=2, T=3)
    rnn = make_problem(44, N=2, T=3, rnn=True)
    gc = grubptt.forward(gru.params, gru.x, gru.h0, output="tanh")
    rc = grubptt.rnn_forward(rnn.params, rnn.x, rnn.h0, output="tanh")
    for attr in ("x", "h", "h_prev", "yhat", "y", "h0", "T", "N", "H", "batched", "output"):
        g, r = getattr(gc, attr), getattr(rc, attr)
        assert np.shape(g) == np.shape(r), f"cache.{attr}: GRU {np.shape(g)} vs RNN {np.shape(r)}"
    gg = grubptt.backward(gru.params, gc, gru.Y)
    rg = grubptt.rnn_backward(rnn.params, rc, rnn.Y)
    for attr in ("dh", "dh0", "dx", "Y", "grad_dense"):
        assert np.shape(getattr(gg, attr)) == np.shape(getattr(rg, attr)), attr
    assert isinstance(rg.params, grubptt.RNNParams)
    assert_rel("loss(rnn cache)", np.array(grubptt.loss(rc, rnn.Y)),
               np.array(0.5 * np.sum((rc.y - rnn.Y) ** 2)), 1e-15, rnn.desc)
    p = grubptt.init_rnn_params(3, 4, 2, seed=7, recurrent_radius=0.9)
    assert {k: v.shape for k, v in p.arrays().items()} == {"W": (3, 4), "U": (4, 4), "b": (4,), "V": (4, 2),
                                                          "c": (2,)}
    np.testing.assert_allclose(np.linalg.svd(p.U, compute_uv=False), 0.9, rtol=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradcheck_report_for_rnn(activation):
    pr = make_problem(45, T=3, rnn=True, activation=activation, output="sigmoid")
    report = grubptt.gradcheck(pr.params, pr.x, pr.Y, pr.h0, output=pr.output, activation=activation)
    assert [r.name for r in report.rows] == list(RNN_NAMES) + ["h0", "x"]
    report.assert_ok(1e-6)
