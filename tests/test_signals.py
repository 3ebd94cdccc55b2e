"""The recursions (9.22) and (7.15) with several error signals through one sequence.

``grubptt.gru.dh_recursion`` and ``grubptt.rnn.rnn_dh_recursion`` accept, for a cache of one
sequence, grad_dense of shape (T+1, S, H): S error signals sent back through the same gates at
once (the Explore measurements send two).  Each signal's results must equal a run with that
signal alone, with or without a workspace; any other shape is refused by name.
"""

from __future__ import annotations

import numpy as np
import pytest

import grubptt
from grubptt import analysis, gru, rnn

MODELS = {"GRU": (analysis.make_gru, grubptt.forward, gru.dh_recursion),
          "SimpleRNN": (analysis.make_rnn, grubptt.rnn_forward, rnn.rnn_dh_recursion)}


def _problem(model, T, H, seed):
    make, forward, recursion = MODELS[model]
    x, Y = analysis.make_data(T, seed=seed)
    p = make(H, seed=seed)
    cache = forward(p, x)
    gd = np.random.default_rng(seed + 100).standard_normal((T + 1, 3, H))
    gd[:, 2] = 0.0
    gd[T, 2] = 1.0                                    # a third signal: one error at the last step only
    return p, cache, gd, recursion


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize(("T", "H", "seed"), [(0, 3, 0), (1, 1, 1), (30, 8, 2), (300, 64, 3), (70, 80, 4)])
@pytest.mark.parametrize("use_workspace", [False, True])
def test_signals_equal_one_run_each(model, T, H, seed, use_workspace):
    p, cache, gd, recursion = _problem(model, T, H, seed)
    ws = grubptt.Workspace() if use_workspace else None
    dh, rec, *rest = recursion(p, cache, gd, terms=True, workspace=ws)
    dh, rec, rest = dh.copy(), {k: v.copy() for k, v in rec.items()}, [a.copy() for a in rest]
    for s in range(gd.shape[1]):
        dh1, rec1, *rest1 = recursion(p, cache, gd[:, s:s + 1], terms=True)
        scale = max(np.max(np.abs(dh1)), 1e-300)
        np.testing.assert_allclose(dh[:, s], dh1[:, 0], rtol=0, atol=1e-13 * scale, err_msg=f"dh, signal {s}")
        for k in rec1:
            np.testing.assert_allclose(rec[k][:, s], rec1[k][:, 0], rtol=0, atol=1e-13 * scale,
                                       err_msg=f"{k}, signal {s}")
        for i, (a, b) in enumerate(zip(rest, rest1, strict=True)):
            np.testing.assert_allclose(a[:, s], b[:, 0], rtol=0, atol=1e-13 * max(np.max(np.abs(b)), 1e-300),
                                       err_msg=f"∂L/∂a #{i}, signal {s}")


@pytest.mark.parametrize("model", list(MODELS))
def test_signals_need_a_one_sequence_cache_and_the_right_shape(model):
    make, forward, recursion = MODELS[model]
    p = make(4, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 6, 4))        # N = 2 sequences, T = 5
    cache = forward(p, x)
    recursion(p, cache, np.zeros((6, 2, 4)))                         # one signal per sequence: fine
    for bad in (np.zeros((6, 3, 4)), np.zeros((6, 1, 4)), np.zeros((5, 2, 4)), np.zeros((6, 2, 5)),
                np.zeros((6, 4)), np.zeros((6, 0, 4))):
        with pytest.raises(ValueError, match=r"grad_dense must have shape \(T\+1, N, H\) = \(6, 2, 4\)"):
            recursion(p, cache, bad)
    one = forward(p, x[0])
    with pytest.raises(ValueError, match=r"or \(6, S, 4\)"):
        recursion(p, one, np.zeros((6, 2, 3)))
