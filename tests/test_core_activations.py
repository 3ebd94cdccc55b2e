"""Numerical stability: sigmoid at ±1e4 and a forward/backward pass with huge weights raise no warning.

Overflow, invalid operations and division by zero are turned into errors (and every warning too).
Underflow stays at numpy's default (ignored): exp(−|a|) rounding to 0 for |a| ≳ 745 is the
correctly rounded value of σ's tail, not a failure.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from conftest import OUTPUT_NAMES, make_problem

import grubptt


@contextmanager
def strict_floats():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            yield


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_extremes_without_warning(dtype):
    a = np.array([-1e4, -1e3, -750.0, -100.0, 0.0, 100.0, 750.0, 1e3, 1e4], dtype=dtype)
    with strict_floats():
        s = grubptt.sigmoid(a)
    assert s.dtype == dtype
    eps = np.finfo(dtype).eps
    assert s[0] == 0.0 and s[1] == 0.0 and s[2] == 0.0, s[:3]
    assert s[-1] == 1.0 and s[-2] == 1.0 and s[-3] == 1.0, s[-3:]
    assert s[4] == 0.5
    assert abs(s[3]) <= eps and abs(s[5] - 1.0) <= eps
    assert np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))


def test_sigmoid_values_symmetry_and_tail_accuracy():
    a = np.linspace(-60.0, 60.0, 2401)
    with strict_floats():
        s, s_neg = grubptt.sigmoid(a), grubptt.sigmoid(-a)
    # an identity that holds for the logistic function, computed here without exp: σ = ½(1 + tanh(a/2))
    np.testing.assert_allclose(s, 0.5 * (1.0 + np.tanh(0.5 * a)), rtol=0, atol=4.5e-16)  # 2 ulps at 1
    np.testing.assert_allclose(s + s_neg, 1.0, rtol=0, atol=4.5e-16)
    assert np.all(np.diff(s) >= 0), "sigmoid must be non-decreasing"
    # relative accuracy deep in the left tail, where σ(a) = e^a / (1 + e^a) ≈ e^a
    tail = a[a <= -30]
    np.testing.assert_allclose(grubptt.sigmoid(tail), np.exp(tail) / (1.0 + np.exp(tail)), rtol=1e-14)
    assert grubptt.sigmoid(np.array([1, -2])).dtype == np.float64   # integers come back as floats


@pytest.mark.parametrize("output", OUTPUT_NAMES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_backward_with_huge_weights_raise_no_warning(output, dtype):
    pr = make_problem(61, N=2, T=5, D=3, H=4, O=2, output=output, dtype=dtype)
    huge = pr.params.astype(dtype)
    for k in ("Wz", "Uz", "Wr", "Ur", "W", "U"):
        setattr(huge, k, (getattr(huge, k) * 1e4).astype(dtype))   # pre-activations of order ±1e4
    huge.bz = np.full_like(huge.bz, -1e4)
    x = pr.x * 10
    with strict_floats():
        cache = grubptt.forward(huge, x, pr.h0, output=output)
        grads = grubptt.backward(huge, cache, pr.Y)
        grubptt.loss(cache, pr.Y)
        for t in range(-1, cache.T):
            grubptt.step_jacobian(huge, cache, t)
    assert np.max(np.abs(cache.a_r)) > 1e3, "the test must reach saturated pre-activations"
    for name in ("z", "r", "hh", "h", "y"):
        assert np.all(np.isfinite(getattr(cache, name))), name
    # h is a convex combination of h^(t-1) and ĥ ∈ [−1, 1], so it can never leave max(1, |h0|)
    assert np.max(np.abs(cache.h)) <= max(1.0, float(np.max(np.abs(pr.h0)))) * (1 + 1e-6)
    for name, arr in grads.params.arrays().items():
        assert np.all(np.isfinite(arr)), f"dL/d{name} not finite"
    assert np.all(np.isfinite(grads.dh)) and np.all(np.isfinite(grads.dx))


def test_rnn_with_huge_weights_raises_no_warning():
    rnn = make_problem(62, N=2, T=4, rnn=True, output="sigmoid")
    p = rnn.params.copy()
    p.W, p.U = p.W * 1e4, p.U * 1e4
    for activation in ("tanh", "sigmoid"):
        with strict_floats():
            cache = grubptt.rnn_forward(p, rnn.x, rnn.h0, output="sigmoid", activation=activation)
            grads = grubptt.rnn_backward(p, cache, rnn.Y)
        assert np.all(np.isfinite(grads.dh)), activation


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_loop_sigmoid_matches_the_stable_one(dtype):
    """forward's in-place σ = 1/(1 + e^(−a)) agrees with grubptt.sigmoid to a few ulp, tails included,
    and returns σ's limits where e^(−a) overflows (the loop silences that flag, nothing else)."""
    from grubptt.gru import _sigmoid

    tiny = np.finfo(dtype).tiny
    lo = -80.0 if dtype == np.float32 else -700.0                     # e^(−a) stays finite above this
    a = np.concatenate([np.linspace(lo, 60.0, 5001), [-1e4, -1e3, 1e3, 1e4]]).astype(dtype)
    with np.errstate(over="ignore"):
        s = _sigmoid(a, out=np.empty_like(a))
    want = grubptt.sigmoid(a)
    ok = a >= lo
    np.testing.assert_allclose(s[ok], want[ok], rtol=4 * np.finfo(dtype).eps, atol=0)
    assert np.all(np.abs(s[~ok] - want[~ok]) <= tiny), (s[~ok], want[~ok])
