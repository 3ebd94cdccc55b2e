"""loss_from_state / state_check: dh^(t) of eq. (9.22) against the loss re-run from a perturbed h^(t)."""

import numpy as np
import pytest

import grubptt
from grubptt import sensitivity


def _instance(seed: int, output: str = "identity", T: int = 5, h0: bool = True):
    params = grubptt.init_params(3, 4, 2, seed=seed)
    rng = np.random.default_rng(seed + 7)
    x = rng.standard_normal((T + 1, 3))
    Y = rng.standard_normal((T + 1, 2))
    h_init = rng.standard_normal(4) if h0 else None
    cache = grubptt.forward(params, x, h_init, output=output)
    return params, x, Y, h_init, cache, grubptt.backward(params, cache, Y)


@pytest.mark.parametrize("output", sorted(grubptt.OUTPUTS))
def test_loss_from_true_state_is_the_loss(output):
    params, x, Y, h0, cache, _ = _instance(1, output)
    L = grubptt.loss(cache, Y)
    for t in range(-1, cache.T + 1):
        h_t = cache.h0 if t == -1 else cache.h[t]
        assert sensitivity.loss_from_state(params, x, Y, t, h_t, h0=h0, output=output) == pytest.approx(
            L, rel=1e-12)


def test_moving_one_state_changes_only_the_later_losses():
    params, x, Y, h0, cache, _ = _instance(2)
    t = 2
    moved = cache.h[t] + 0.5
    L_moved = sensitivity.loss_from_state(params, x, Y, t, moved, h0=h0)
    # independent: run the tail from the moved state by hand, keep the head as it was
    head = grubptt.loss(grubptt.forward(params, x[:t], h0), Y[:t])
    e_t = moved @ params.V + params.c - Y[t]
    tail = grubptt.loss(grubptt.forward(params, x[t + 1:], moved), Y[t + 1:])
    assert L_moved == pytest.approx(head + 0.5 * e_t @ e_t + tail, rel=1e-12)
    assert abs(L_moved - grubptt.loss(cache, Y)) > 1e-3


@pytest.mark.parametrize("output", sorted(grubptt.OUTPUTS))
@pytest.mark.parametrize("seed", [0, 3])
def test_dh_matches_central_differences_at_every_t(seed, output):
    params, x, Y, h0, cache, grads = _instance(seed, output)
    for t in range(-1, cache.T + 1):
        chk = sensitivity.state_check(params, x, Y, grads, t, h0=h0, output=output)
        assert chk.rel_err < 1e-6, (t, chk.rel_err)
    assert np.array_equal(sensitivity.state_check(params, x, Y, grads, -1, h0=h0, output=output).analytic,
                          grads.dh0)


def test_state_check_detects_a_wrong_dh():
    params, x, Y, h0, cache, grads = _instance(4)
    grads.dh = grads.dh.copy()
    grads.dh[1] *= 1.1
    assert sensitivity.state_check(params, x, Y, grads, 1, h0=h0).rel_err > 0.05


def test_term_norms_per_step():
    params, x, Y, h0, cache, grads = _instance(5)
    norms = sensitivity.term_norms(grads)
    assert set(norms) == set(grubptt.TERMS) | {"dh"}
    for k in grubptt.TERMS:
        np.testing.assert_allclose(norms[k], [np.linalg.norm(v) for v in grads.terms[k]])
    assert np.all(norms["carry"][-1] == 0.0)
    # batched: one norm per t over all sequences
    xb = np.stack([x, -x])
    cb = grubptt.forward(params, xb, output="identity")
    gb = grubptt.backward(params, cb, np.stack([Y, Y]))
    nb = sensitivity.term_norms(gb)
    per_t = gb.dh.transpose(1, 0, 2).reshape(x.shape[0], -1)
    np.testing.assert_allclose(nb["dh"], np.linalg.norm(per_t, axis=1))
    with pytest.raises(ValueError, match="terms"):
        sensitivity.term_norms(grubptt.backward(params, cache, Y, terms=False))


def test_bad_arguments_raise_value_error():
    params, x, Y, h0, cache, grads = _instance(6)
    with pytest.raises(ValueError, match="t must"):
        sensitivity.loss_from_state(params, x, Y, cache.T + 1, cache.h[0])
    with pytest.raises(ValueError, match="t must"):
        sensitivity.loss_from_state(params, x, Y, -2, cache.h[0])
    with pytest.raises(ValueError, match="h_t must have shape"):
        sensitivity.loss_from_state(params, x, Y, 0, cache.h[0][:3])
    with pytest.raises(ValueError, match="Y must"):
        sensitivity.loss_from_state(params, x, Y[:-1], 0, cache.h[0])
    with pytest.raises(ValueError, match="one sequence"):
        sensitivity.loss_from_state(params, x[None], Y[None], 0, cache.h[0])
    with pytest.raises(ValueError, match="output"):
        sensitivity.loss_from_state(params, x, Y, 0, cache.h[0], output="relu")
