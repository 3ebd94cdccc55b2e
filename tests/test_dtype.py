"""float32: every array stays float32, and results agree with float64 to ≤ 1e-4 relative.

The float64 run uses the float32 values cast up, so the comparison measures float32 arithmetic
alone, not the rounding of the inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import OUTPUT_NAMES, assert_rel, make_problem

import grubptt

TOL32 = 1e-4
CACHE_ARRAYS = ("x", "a_z", "a_r", "a_h", "z", "r", "hh", "h", "h_prev", "yhat", "y", "h0")


def _as64(pr32):
    return pr32.params.astype(np.float64), pr32.x.astype(np.float64), pr32.h0.astype(np.float64)


def _assert_all_float32(label: str, arrays: dict) -> None:
    wrong = {k: v.dtype for k, v in arrays.items() if np.asarray(v).dtype != np.float32}
    assert not wrong, f"{label}: arrays not float32: {wrong}"


@pytest.mark.parametrize("output", OUTPUT_NAMES)
@pytest.mark.parametrize(("N", "T"), [(None, 0), (None, 20), (3, 12)])
def test_float32_stays_float32_and_matches_float64(N, T, output):
    pr = make_problem(51, N=N, T=T, D=4, H=5, O=3, output=output, dtype=np.float32)
    assert pr.params.dtype == np.float32 and pr.x.dtype == np.float32
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output=output)
    grads = grubptt.backward(pr.params, cache, pr.Y)
    _assert_all_float32("cache", {k: getattr(cache, k) for k in CACHE_ARRAYS}
                        | {k: v for k, v in vars(cache).items() if isinstance(v, np.ndarray)})
    _assert_all_float32("grads.params", grads.params.arrays())
    _assert_all_float32("grads", {"dh": grads.dh, "dh0": grads.dh0, "dx": grads.dx, "Y": grads.Y}
                        | {f"terms[{k!r}]": v for k, v in grads.terms.items()})
    for t in range(-1, cache.T):
        _assert_all_float32(f"step_jacobian(t={t})", {"J": grubptt.step_jacobian(pr.params, cache, t)})

    p64, x64, h064 = _as64(pr)
    c64 = grubptt.forward(p64, x64, h064, output=output)
    g64 = grubptt.backward(p64, c64, pr.Y.astype(np.float64))
    ctx = pr.desc
    assert isinstance(grubptt.loss(cache, pr.Y), float)
    assert_rel("loss", np.array(grubptt.loss(cache, pr.Y)), np.array(grubptt.loss(c64, pr.Y)), TOL32, ctx)
    for k in CACHE_ARRAYS:
        assert_rel(f"cache.{k} float32 vs float64", getattr(cache, k), getattr(c64, k), TOL32, ctx)
    for k in grubptt.PARAM_NAMES:
        assert_rel(f"dL/d{k} float32 vs float64", getattr(grads.params, k), getattr(g64.params, k),
                   TOL32, ctx)
    for k in ("dh", "dh0", "dx"):
        assert_rel(f"{k} float32 vs float64", getattr(grads, k), getattr(g64, k), TOL32, ctx)
    for k in grubptt.TERMS:
        assert_rel(f"terms[{k!r}] float32 vs float64", grads.terms[k], g64.terms[k], TOL32, ctx,
                   allow_zero=(T == 0 and k != "grad_dense"))


def test_float64_inputs_are_computed_in_the_parameters_dtype():
    """x, h0 and Y in float64 with float32 parameters: computation (and every output) is float32."""
    pr = make_problem(52, N=2, T=3, dtype=np.float32)
    x64, h064, Y64 = pr.x.astype(np.float64), pr.h0.astype(np.float64), pr.Y.astype(np.float64)
    cache = grubptt.forward(pr.params, x64, h064)
    grads = grubptt.backward(pr.params, cache, Y64)
    _assert_all_float32("cache", {k: getattr(cache, k) for k in CACHE_ARRAYS})
    _assert_all_float32("grads", {"dh": grads.dh, "dx": grads.dx, "dh0": grads.dh0} | grads.params.arrays())


def test_float32_rnn_and_step_functions():
    rnn = make_problem(53, N=2, T=6, rnn=True, dtype=np.float32, output="sigmoid")
    c = grubptt.rnn_forward(rnn.params, rnn.x, rnn.h0, output="sigmoid")
    g = grubptt.rnn_backward(rnn.params, c, rnn.Y)
    _assert_all_float32("rnn", {"h": c.h, "y": c.y, "a": c.a, "dh": g.dh, "dx": g.dx, "dh0": g.dh0,
                                "J": grubptt.rnn_step_jacobian(rnn.params, c, 0)} | g.params.arrays())
    p64 = rnn.params.astype(np.float64)
    c64 = grubptt.rnn_forward(p64, rnn.x.astype(np.float64), rnn.h0.astype(np.float64), output="sigmoid")
    g64 = grubptt.rnn_backward(p64, c64, rnn.Y)
    for k in ("W", "U", "b", "V", "c"):
        assert_rel(f"rnn dL/d{k} float32 vs float64", getattr(g.params, k), getattr(g64.params, k), TOL32,
                   rnn.desc)
    pr = make_problem(54, T=1, dtype=np.float32)
    s = grubptt.gru_step(pr.params, pr.x[0], pr.h0)
    _assert_all_float32("gru_step", vars(s))


def test_gradcheck_and_term_check_accept_float32_parameters():
    """Both checks work in float64 internally, so float32 parameters still pass the float64 tolerance."""
    pr = make_problem(55, T=2, dtype=np.float32, output="tanh")
    grubptt.gradcheck(pr.params, pr.x, pr.Y, pr.h0, output="tanh").assert_ok(1e-6)
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output="tanh")
    grads = grubptt.backward(pr.params, cache, pr.Y)
    for term in grubptt.TERMS:
        # the analytic side is float32, so the agreement is float32-accurate only
        assert grubptt.term_check(pr.params, cache, grads, term, 0).rel_err <= TOL32, term
