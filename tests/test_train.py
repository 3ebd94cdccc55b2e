"""grubptt.train: the toy task, the optimizers, clipping and the training loop."""

from __future__ import annotations

import numpy as np
import pytest

import grubptt
from grubptt import analysis, train


def test_hold_marked_targets():
    task = train.HoldMarked(length=12, mark_by=5)
    x, Y = task.sample(50, 0)
    assert x.shape == (50, 12, 2) and Y.shape == (50, 12, 1)
    for n in range(50):
        (s,) = np.flatnonzero(x[n, :, 1])
        assert 0 <= s < 5
        assert np.all(Y[n, :s, 0] == 0)
        assert np.all(Y[n, s:, 0] == x[n, s, 0])
    x2, _ = task.sample(50, 0)
    np.testing.assert_array_equal(x, x2)


def test_hold_marked_baseline_is_loss_of_zero_answer():
    task = train.HoldMarked(length=20, mark_by=8)
    _, Y = task.sample(200_000, 1)
    assert 0.5 * np.mean(Y**2) == pytest.approx(task.baseline, rel=0.01)


@pytest.mark.parametrize("kw", [{"length": 0}, {"mark_by": 0}, {"length": 5, "mark_by": 6}])
def test_hold_marked_rejects(kw):
    with pytest.raises(ValueError):
        train.HoldMarked(**kw)


def _grads(scale):
    p = analysis.make_gru(3, input_size=2, output_size=1, seed=0)
    return type(p)(**{k: np.full_like(v, scale) for k, v in p.arrays().items()})


def test_clipping_bounds_the_norm_and_keeps_direction():
    g = _grads(5.0)
    n = train.grad_norm(g)
    assert n == pytest.approx(5.0 * np.sqrt(sum(v.size for v in g.arrays().values())))
    c, before = train.clip_by_norm(g, 1.0)
    assert before == n
    assert train.grad_norm(c) == pytest.approx(1.0)
    np.testing.assert_allclose(c.Uz * n, g.Uz)
    small = _grads(1e-3)
    c2, _ = train.clip_by_norm(small, 1.0)
    np.testing.assert_array_equal(c2.Uz, small.Uz)
    assert train.clip_by_norm(g, None)[0] is g
    with pytest.raises(ValueError, match="max_norm"):
        train.clip_by_norm(g, 0.0)


def test_adam_first_step_moves_each_entry_by_lr():
    """After one step m̂ = g and v̂ = g², so every entry moves by lr·sign(g) (up to ε)."""
    p = analysis.make_gru(3, input_size=2, output_size=1, seed=0)
    before = p.copy()
    g = type(p)(**{k: np.random.default_rng(1).standard_normal(v.shape) for k, v in p.arrays().items()})
    train.Adam(0.01).step(p, g)
    for k in p.names:
        np.testing.assert_allclose(getattr(p, k) - getattr(before, k), -0.01 * np.sign(getattr(g, k)),
                                   rtol=1e-6)


def test_gd_step():
    p = analysis.make_rnn(3, input_size=2, output_size=1, seed=0)
    before = p.copy()
    g = p.zeros_like()
    g.U[...] = 2.0
    train.GD(0.1).step(p, g)
    np.testing.assert_allclose(p.U, before.U - 0.2)
    np.testing.assert_array_equal(p.W, before.W)


@pytest.mark.parametrize("model", ["GRU", "SimpleRNN"])
def test_training_reduces_loss_and_reports_progress(model):
    task = train.HoldMarked(length=10, mark_by=3)
    make = analysis.make_gru if model == "GRU" else analysis.make_rnn
    p = make(8, input_size=2, output_size=1, seed=0)
    calls = []
    h = train.train(p, task, steps=120, batch=16, clip=1.0, eval_every=40, eval_size=64,
                    callback=lambda k, n, loss: calls.append((k, n, loss)))
    assert h.model == model
    assert [c[0] for c in calls] == [40, 80, 120] and all(c[1] == 120 for c in calls)
    assert list(h.eval_steps) == [0, 40, 80, 120]
    assert h.loss.shape == h.grad_norm.shape == (120,)
    assert h.final_loss < 0.5 * h.eval_loss[0]
    np.testing.assert_array_equal(p.U, make(8, input_size=2, output_size=1, seed=0).U)  # input untouched
    x, Y = task.sample(64, np.random.default_rng(0))
    assert h.eval_loss[0] == pytest.approx(train.evaluate(p, x, Y))


def test_training_loss_is_grubptt_loss_and_gradient_is_clipped():
    task = train.HoldMarked(length=8, mark_by=2)
    p = analysis.make_gru(4, input_size=2, output_size=1, seed=2)
    h = train.train(p, task, steps=1, batch=4, clip=1e-3, optimizer=train.GD(1.0), eval_size=2)
    rng = np.random.default_rng(0)
    task.sample(2, rng)                                  # the held-out batch comes first
    x, Y = task.sample(4, rng)
    c = grubptt.forward(p, x)
    assert h.loss[0] == pytest.approx(grubptt.loss(c, Y) / Y.size)
    g = grubptt.backward(p, c, Y).params
    assert h.grad_norm[0] == pytest.approx(train.grad_norm(g) / 4)
    step = np.sqrt(sum(np.sum((getattr(h.params, k) - getattr(p, k)) ** 2) for k in p.names))
    assert step == pytest.approx(1e-3)                   # GD(1.0) on a gradient clipped to 1e-3


def test_training_is_deterministic():
    task = train.HoldMarked(length=8, mark_by=2)
    p = analysis.make_rnn(4, input_size=2, output_size=1, seed=2)
    a = train.train(p, task, steps=5, batch=4, eval_size=4)
    b = train.train(p, task, steps=5, batch=4, eval_size=4)
    np.testing.assert_array_equal(a.loss, b.loss)


def test_training_with_its_workspace_equals_fresh_memory():
    # train() reuses one grubptt.Workspace for the GRU's forward and backward: the same steps
    # written out with fresh arrays must give the same history, bit for bit (a cache or grads
    # overwritten too early would change the losses, the norms or the parameters).
    task = train.HoldMarked(length=12, mark_by=3)
    p = analysis.make_gru(6, input_size=2, output_size=1, seed=4)
    h = train.train(p, task, steps=12, batch=5, clip=0.5, eval_every=4, eval_size=3, seed=9)
    rng = np.random.default_rng(9)
    task.sample(3, rng)                                  # the held-out batch comes first
    q, opt, losses, norms = p.copy(), train.Adam(1e-2), [], []
    for _ in range(12):
        x, Y = task.sample(5, rng)
        c = grubptt.forward(q, x)
        losses.append(grubptt.loss(c, Y) * (1.0 / (5 * task.length)))   # as train() scales it
        g = grubptt.backward(q, c, Y, terms=False).params
        g, norm = train.clip_by_norm(type(g)(**{n: v / 5 for n, v in g.arrays().items()}), 0.5)
        norms.append(norm)
        opt.step(q, g)
    np.testing.assert_array_equal(h.loss, losses)
    np.testing.assert_array_equal(h.grad_norm, norms)
    for name in q.names:
        np.testing.assert_array_equal(getattr(h.params, name), getattr(q, name), err_msg=name)


def test_train_rejects_mismatched_sizes():
    with pytest.raises(ValueError, match="D = 2 inputs"):
        train.train(analysis.make_gru(4, input_size=1, output_size=1), train.HoldMarked(8, 2), steps=1)
    with pytest.raises(ValueError, match="steps"):
        train.train(analysis.make_gru(4, input_size=2, output_size=1), train.HoldMarked(8, 2), steps=0)


@pytest.mark.parametrize("make", [lambda: train.GD(0.0), lambda: train.Adam(-1.0),
                                  lambda: train.Adam(beta1=1.0), lambda: train.Adam(eps=np.nan)])
def test_optimizers_reject_bad_settings(make):
    with pytest.raises(ValueError):
        make()
