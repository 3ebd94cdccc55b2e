"""The quantities the Explore chapters plot (grubptt.analysis), checked against independent routes."""

from __future__ import annotations

import numpy as np
import pytest

import grubptt
from grubptt import analysis

MODELS = ("GRU", "SimpleRNN")


def _problem(model: str, *, T=12, H=6, seed=0, radius=0.9, bz=0.0, output="identity"):
    x, Y = analysis.make_data(T, seed=seed, output=output)
    if model == "GRU":
        p = analysis.make_gru(H, seed=seed, radius=radius, bz=bz)
        return p, grubptt.forward(p, x, output=output), Y
    p = analysis.make_rnn(H, seed=seed, radius=radius)
    return p, grubptt.rnn_forward(p, x, output=output), Y


def _backward(p, c, Y):
    return grubptt.backward(p, c, Y) if isinstance(p, grubptt.GRUParams) else grubptt.rnn_backward(p, c, Y)


def _jacobian(p, c, t):
    if isinstance(p, grubptt.GRUParams):
        return grubptt.step_jacobian(p, c, t)
    return grubptt.rnn_step_jacobian(p, c, t)


def test_make_gru_sets_radius_and_bz():
    p = analysis.make_gru(8, seed=3, radius=0.7, bz=-2.5)
    for U in (p.Uz, p.Ur, p.U):
        np.testing.assert_allclose(np.linalg.svd(U, compute_uv=False), 0.7, rtol=1e-12)
    assert np.all(p.bz == -2.5)
    r = analysis.make_rnn(8, seed=3, radius=1.3)
    np.testing.assert_allclose(np.linalg.svd(r.U, compute_uv=False), 1.3, rtol=1e-12)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_make_rejects_bad_radius(bad):
    with pytest.raises(ValueError, match="radius"):
        analysis.make_gru(4, radius=bad)
    with pytest.raises(ValueError, match="radius"):
        analysis.make_rnn(4, radius=bad)


@pytest.mark.parametrize("output", ["identity", "sigmoid", "tanh"])
def test_make_data_targets_in_range_of_g(output):
    x, Y = analysis.make_data(50, seed=1, output=output, input_size=3, output_size=2)
    assert x.shape == (51, 3) and Y.shape == (51, 2)
    if output == "sigmoid":
        assert Y.min() > 0 and Y.max() < 1
    if output == "tanh":
        assert Y.min() > -1 and Y.max() < 1
    with pytest.raises(ValueError, match="T must"):
        analysis.make_data(-1)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("output", ["identity", "sigmoid", "tanh"])
def test_grad_dense_and_bptt_reproduce_backward(model, output):
    p, c, Y = _problem(model, output=output)
    g = _backward(p, c, Y)
    np.testing.assert_allclose(analysis.grad_dense(p, c, Y), g.grad_dense, rtol=1e-13, atol=1e-15)
    dh, parts = analysis.bptt(p, c, g.grad_dense, terms=True)
    np.testing.assert_allclose(dh, g.dh, rtol=1e-13, atol=1e-15)
    for k, v in parts.items():
        np.testing.assert_allclose(v, g.terms[k], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("model", MODELS)
def test_last_step_gradient_is_product_of_step_jacobians(model):
    """∂L^(T)/∂h^(t) = grad_dense^(T) J^(T−1) J^(T−2) ⋯ J^(t), row-vector form."""
    p, c, Y = _problem(model, T=15, seed=4)
    got = analysis.last_step_gradients(p, c, Y)
    v = _backward(p, c, Y).grad_dense[-1]
    np.testing.assert_allclose(got[-1], v, rtol=1e-14)
    for t in range(c.T - 1, -1, -1):
        v = v @ _jacobian(p, c, t)
        np.testing.assert_allclose(got[t], v, rtol=1e-11, atol=1e-300)
        assert np.linalg.norm(got[t]) == pytest.approx(np.linalg.norm(v), rel=1e-11)


def test_last_step_gradient_is_derivative_of_last_loss():
    """Central differences of L^(T) with respect to h^(t): replace h^(t) and re-run steps t+1..T."""
    p, c, Y = _problem("GRU", T=6, seed=2)
    got = analysis.last_step_gradients(p, c, Y)
    t, eps = 2, 1e-6

    def LT(h_t):
        h = h_t
        for s in range(t + 1, c.T + 1):
            h = grubptt.gru_step(p, c.x[s], h).h
        return 0.5 * np.sum((h @ p.V + p.c - Y[-1]) ** 2)

    num = grubptt.numerical_gradient(LT, np.array(c.h[t]), eps)
    assert grubptt.relative_error(got[t], num) < 1e-8


@pytest.mark.parametrize("model", MODELS)
def test_batched_bptt_equals_per_sequence(model):
    p = analysis.make_gru(5, seed=1) if model == "GRU" else analysis.make_rnn(5, seed=1)
    xs = np.random.default_rng(0).standard_normal((3, 8, 4))
    fwd = grubptt.forward if model == "GRU" else grubptt.rnn_forward
    cb = fwd(p, xs)
    gd = np.random.default_rng(1).standard_normal((3, 8, 5))
    dh = analysis.bptt(p, cb, gd)
    for n in range(3):
        np.testing.assert_allclose(dh[n], analysis.bptt(p, fwd(p, xs[n]), gd[n]), rtol=1e-13)


@pytest.mark.parametrize("model", MODELS)
def test_step_jacobians_match_one_at_a_time(model):
    p, c, Y = _problem(model, T=9)
    ts = np.array([-1, 0, 3, 8])
    Js = analysis.step_jacobians(p, c, ts)
    assert Js.shape == (4, 6, 6)
    for J, t in zip(Js, ts, strict=True):
        np.testing.assert_allclose(J, _jacobian(p, c, int(t)), rtol=1e-13, atol=1e-15)
    sv = analysis.jacobian_singular_values(p, c, ts)
    np.testing.assert_allclose(sv[1], np.linalg.svd(_jacobian(p, c, 0), compute_uv=False), rtol=1e-12)
    assert np.all(np.diff(sv, axis=1) <= 0)
    with pytest.raises(ValueError, match="ts must lie"):
        analysis.step_jacobians(p, c, np.array([c.T]))


@pytest.mark.parametrize("model", MODELS)
def test_gradient_flow_matches_its_parts(model):
    p, c, Y = _problem(model, T=20, seed=5)
    f = analysis.gradient_flow(p, c, Y, max_jacobians=7)
    g = _backward(p, c, Y)
    np.testing.assert_allclose(f.dh_norm, np.linalg.norm(g.dh, axis=1), rtol=1e-12)
    assert list(f.term_norms) == list(g.terms)
    for k, v in g.terms.items():
        np.testing.assert_allclose(f.term_norms[k], np.linalg.norm(v, axis=1), rtol=1e-12, atol=1e-300)
    last = analysis.last_step_gradients(p, c, Y)
    np.testing.assert_allclose(f.last_norm, np.linalg.norm(last, axis=1)[::-1], rtol=1e-12)
    assert f.last_gain[0] == 1.0
    assert len(f.jac_t) == 7 and f.jac_t[0] == 0 and f.jac_t[-1] == c.T - 1
    np.testing.assert_allclose(f.jac_sv, analysis.jacobian_singular_values(p, c, f.jac_t), rtol=1e-12)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("T, H, seed, radius, bz, output", [
    (0, 5, 0, 1.0, 0.0, "identity"), (1, 1, 1, 0.3, -1.0, "tanh"), (37, 16, 2, 1.4, 2.0, "sigmoid"),
    (150, 64, 3, 1.0, -2.0, "identity"), (90, 33, 4, 0.6, -6.0, "tanh"), (102, 64, 5, 0.9, 1.0, "tanh"),
    (600, 64, 6, 1.1, -1.0, "sigmoid")])
def test_gradient_flow_fast_loop_equals_the_books_recursion(model, T, H, seed, radius, bz, output):
    """gradient_flow's own loop (two signals, factors laid out before the loop) against analysis.bptt,
    which runs the package's recursion (grubptt.gru.dh_recursion / rnn_dh_recursion) once per signal.
    Its blocks of steps (51 for the GRU at H = 64, 256 for the SimpleRNN): T = 102 ends on a block's
    edge, T = 150 and 600 do not."""
    p, c, Y = _problem(model, T=T, H=H, seed=seed, radius=radius, bz=bz, output=output)
    f = analysis.gradient_flow(p, c, Y, max_jacobians=0)
    gd = analysis.grad_dense(p, c, Y)
    dh, rec = analysis.bptt(p, c, gd, terms=True)
    np.testing.assert_allclose(f.dh_norm, np.linalg.norm(dh, axis=1), rtol=1e-12)
    want = {"grad_dense": gd, **rec}
    for k in f.term_norms:
        np.testing.assert_allclose(f.term_norms[k], np.linalg.norm(want[k], axis=1), rtol=1e-12, atol=1e-300,
                                   err_msg=k)
    last = np.zeros_like(gd)
    last[-1] = gd[-1]
    np.testing.assert_allclose(f.last_norm, np.linalg.norm(analysis.bptt(p, c, last), axis=1)[::-1],
                               rtol=1e-12, atol=1e-300)


def test_sample_steps():
    np.testing.assert_array_equal(analysis.sample_steps(5), np.arange(5))
    np.testing.assert_array_equal(analysis.sample_steps(5, 10), np.arange(5))
    s = analysis.sample_steps(1000, 40)
    assert len(s) == 40 and s[0] == 0 and s[-1] == 999 and np.all(np.diff(s) > 0)
    assert analysis.sample_steps(1000, 0).size == 0
    with pytest.raises(ValueError, match="max_steps"):
        analysis.sample_steps(10, -1)


def test_gradient_flow_T0_has_no_jacobians():
    p, c, Y = _problem("GRU", T=0)
    f = analysis.gradient_flow(p, c, Y)
    assert f.jac_sv.shape == (0, 6) and f.dh_norm.shape == (1,)


def test_gru_with_closed_update_gate_keeps_gradient_over_distance():
    """b_z → −∞ makes z → 0, J → diag(1 − z) ≈ I: the error of step T reaches step 0 intact."""
    p, c, Y = _problem("GRU", T=200, H=16, bz=-12.0, radius=1.0)
    f = analysis.gradient_flow(p, c, Y)
    assert f.last_gain[-1] > 0.99
    assert np.all(f.jac_sv > 0.99) and np.all(f.jac_sv < 1.01)


def test_gru_with_open_update_gate_loses_more():
    """The same GRU with b_z = 0 (z ≈ ½) keeps far less over the same distance."""
    closed = analysis.gradient_flow(*_problem("GRU", T=200, H=16, bz=-12.0, radius=1.0))
    open_ = analysis.gradient_flow(*_problem("GRU", T=200, H=16, bz=0.0, radius=1.0))
    assert open_.last_gain[-1] < 1e-6 * closed.last_gain[-1]


def test_rnn_with_small_recurrent_weights_loses_gradient():
    """‖J‖ ≤ radius · max f' ≤ 0.5: after d steps at most 0.5^d of the error is left."""
    p, c, Y = _problem("SimpleRNN", T=60, H=16, radius=0.5)
    f = analysis.gradient_flow(p, c, Y)
    assert np.all(f.jac_sv[:, 0] <= 0.5 + 1e-12)
    d = f.distance
    assert np.all(f.last_gain <= 0.5 ** d * (1 + 1e-9))
    assert f.last_gain[-1] < 1e-15


def test_carry_deviation_is_the_three_other_paths():
    p, c, Y = _problem("GRU", T=8, bz=-1.0)
    dev = analysis.carry_deviation(p, c)
    assert dev.shape == (8,)
    for t in range(8):
        rest = sum(grubptt.step_jacobian(p, c, t, path=k) for k in ("update_gate", "candidate", "reset_gate"))
        assert dev[t] == pytest.approx(np.linalg.norm(rest, 2), rel=1e-12)
        carry = grubptt.step_jacobian(p, c, t, path="carry")
        np.testing.assert_allclose(carry, np.diag(1 - c.z[t + 1]), rtol=1e-14)
    with pytest.raises(TypeError, match="GRU"):
        analysis.carry_deviation(*_problem("SimpleRNN")[:2])


def test_bad_inputs():
    p, c, Y = _problem("GRU")
    r, rc, _ = _problem("SimpleRNN")
    with pytest.raises(TypeError, match="cache must be a RNNCache"):
        analysis.gradient_flow(r, c, Y)
    with pytest.raises(ValueError, match="grad_dense must have the shape of h"):
        analysis.bptt(p, c, np.zeros((c.T, 6)))
    with pytest.raises(ValueError, match="Y must have the shape"):
        analysis.grad_dense(p, c, Y[:-1])
    with pytest.raises(TypeError, match="params must be"):
        analysis.model_name(object())
    with pytest.raises(ValueError, match="unbatched"):
        analysis.gradient_flow(p, grubptt.forward(p, np.zeros((2, 3, 4))), np.zeros((2, 3, 4)))


def test_row_norms_do_not_underflow_where_the_entries_do_not():
    """A plain sum of squares is 0 for entries below ~1e-154; the scaled norm keeps them."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 7))
    np.testing.assert_allclose(grubptt.numeric.row_norms(a), np.linalg.norm(a, axis=-1), rtol=1e-14)
    for scale in (1e-200, 1e-300, 1e200):
        np.testing.assert_allclose(grubptt.numeric.row_norms(a * scale),
                                   np.linalg.norm(a, axis=-1) * scale, rtol=1e-13)
    assert np.linalg.norm(a[0] * 1e-200) == 0.0          # what the plain norm would have plotted
    np.testing.assert_array_equal(grubptt.numeric.row_norms(np.zeros((3, 4))), np.zeros(3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_row_norms_rows_of_every_magnitude_in_one_array(dtype):
    """Rows tiny, huge, normal, zero, NaN and mixed within a row, side by side, in float64 and float32."""
    rng = np.random.default_rng(4)
    fi = np.finfo(dtype)
    base = rng.standard_normal((8, 6))
    scales = [1.0, fi.tiny * 1e3, float(fi.max) / 1e3, fi.eps, 1 / fi.eps, 1.0, 1.0, 1.0]
    a = (base * np.array(scales)[:, None]).astype(dtype)
    a[5] = 0.0
    a[6, 0] = fi.tiny * 10                      # one tiny entry next to normal ones: nothing to redo
    a[7, 2] = np.nan
    got = grubptt.numeric.row_norms(a)
    assert got.dtype == dtype and got.shape == (8,)
    want = [np.linalg.norm(row.astype(np.float64) / np.max(np.abs(row))) * float(np.max(np.abs(row)))
            if np.any(row) else 0.0 for row in a[:7].astype(np.float64)]
    np.testing.assert_allclose(got[:7].astype(np.float64), want, rtol=10 * fi.eps)
    assert np.isnan(got[7])
    assert np.all(np.isfinite(got[:7])) and got[1] > 0
    for row in a[:7]:                                   # one row alone, shape (n,) → ()
        one = grubptt.numeric.row_norms(row)
        assert one.shape == () and one == grubptt.numeric.row_norms(row[None])[0]


def test_gradient_flow_follows_a_vanishing_gradient_below_1e_154():
    """SimpleRNN at radius 0.5 over 700 steps: the gain falls through 1e-154 (where a plain sum of
    squares underflows) and is still drawn at 1e-250, as the in-browser explorer draws it."""
    p, c, Y = _problem("SimpleRNN", T=700, H=16, radius=0.5)
    f = analysis.gradient_flow(p, c, Y, max_jacobians=0)
    assert np.any((f.last_gain > 0) & (f.last_gain < 1e-250))
    assert np.all(np.diff(f.last_gain[f.last_gain > 1e-300]) < 0)
