"""Bad input → ValueError naming the argument and the expected shape; nothing is silently broadcast.

Every ``match`` pattern checks both the argument's name and the expected shape (or, for a
value error such as NaN, the argument's name and what is wrong), so a vaguer message fails.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import make_problem

import grubptt

D, H, O, T1, N = 3, 4, 2, 5, 2   # T1 = T + 1


def esc(s: str) -> str:
    return re.escape(s)


@pytest.fixture
def pr():
    return make_problem(31, T=T1 - 1, D=D, H=H, O=O)


@pytest.fixture
def prb():
    return make_problem(32, N=N, T=T1 - 1, D=D, H=H, O=O)


def _with(params, **arrays):
    return type(params)(**(params.arrays() | arrays))


# --- parameters --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "bad", "pattern"), [
    ("Wr", np.ones((D + 1, H)), rf"params\.Wr.*{esc(str((D, H)))}.*{esc(str((D + 1, H)))}"),   # D mismatch
    ("W", np.ones((D, H + 1)), rf"params\.W .*{esc(str((D, H)))}"),                            # H mismatch
    ("U", np.ones((H + 1, H + 1)), rf"params\.U .*{esc(str((H, H)))}"),
    ("Ur", np.ones((H, H + 1)), rf"params\.Ur .*{esc(str((H, H)))}"),
    ("bz", np.ones(H + 1), rf"params\.bz .*{esc(str((H,)))}"),
    ("b", np.ones((1, H)), rf"params\.b .*{esc(str((H,)))}"),                                  # no broadcast
    ("V", np.ones((H + 1, O)), rf"params\.V .*{esc(str((H, O)))}"),
    ("c", np.ones(O + 1), rf"params\.c .*{esc(str((O,)))}"),                                   # O mismatch
    ("V", np.ones(H), r"params\.V .*2-D.*\(H, O\).*\(4,\)"),
    ("Wz", np.ones(D), r"params\.Wz .*2-D.*\(D, H\)"),
    ("Uz", np.ones((H, H, 1)), r"params\.Uz .*2-D.*\(H, H\)"),
])
def test_mismatched_parameter_shapes(pr, name, bad, pattern):
    params = _with(pr.params, **{name: bad})
    with pytest.raises(ValueError, match=pattern):
        grubptt.forward(params, pr.x)
    cache = grubptt.forward(pr.params, pr.x)
    with pytest.raises(ValueError, match=pattern):
        grubptt.backward(params, cache, pr.Y)


def test_hidden_size_read_from_Uz_blames_the_disagreeing_array(pr):
    # H is read from Uz, so a larger Uz makes every other H-sized array "wrong": the first is named
    with pytest.raises(ValueError, match=rf"params\.Wz must have shape {esc(str((D, H + 1)))}"):
        grubptt.forward(_with(pr.params, Uz=np.ones((H + 1, H + 1))), pr.x)


@pytest.mark.parametrize("name", grubptt.PARAM_NAMES)
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nonfinite_parameters(pr, name, value):
    bad = np.array(getattr(pr.params, name), copy=True)
    bad.reshape(-1)[-1] = value
    with pytest.raises(ValueError, match=rf"params\.{name} contains NaN or inf .*index"):
        grubptt.forward(_with(pr.params, **{name: bad}), pr.x)


def test_parameter_dtypes(pr):
    with pytest.raises(ValueError, match=r"params\.Wz must be a float array.*int"):
        grubptt.forward(pr.params.astype(np.int64), pr.x)
    mixed = _with(pr.params, c=pr.params.c.astype(np.float32))
    with pytest.raises(ValueError, match=r"params\.c has dtype float32.*float64"):
        grubptt.forward(mixed, pr.x)


def test_backward_with_cache_of_other_sizes(pr):
    cache = grubptt.forward(pr.params, pr.x)
    other = grubptt.init_params(D, H + 1, O, seed=0)
    with pytest.raises(ValueError, match=rf"cache.*H={H + 1}"):
        grubptt.backward(other, cache, pr.Y)


# --- sequences, initial state, targets --------------------------------------------------------

@pytest.mark.parametrize(("shape", "pattern"), [
    ((T1, D + 1), rf"^x must have shape {esc(f'(T+1, {D}) or (N, T+1, {D})')}.*got {esc(str((T1, D + 1)))}"),
    ((N, T1, D - 1), rf"^x must have shape {esc(f'(T+1, {D})')}.*got {esc(str((N, T1, D - 1)))}"),
    ((D,), rf"^x must have shape {esc(f'(T+1, {D}) or (N, T+1, {D})')}, got {esc(str((D,)))}"),  # ndim 1
    ((1, N, T1, D), rf"^x must have shape {esc(f'(T+1, {D})')}.*got"),                          # ndim 4
    ((0, D), rf"^x has no time steps .*T < 0.*{esc(f'(T+1, {D})')}.*got {esc(str((0, D)))}"),   # empty
    ((N, 0, D), rf"^x has no time steps .*T < 0.*{esc(f'(N, T+1, {D})')}"),
    ((0, T1, D), rf"^x holds no sequence .*N = 0.*{esc(f'(N, T+1, {D})')}"),
])
def test_bad_x_shapes(pr, shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        grubptt.forward(pr.params, np.ones(shape))


def test_bad_x_dtype(pr):
    with pytest.raises(ValueError, match=r"^x must be numeric.*<U"):
        grubptt.forward(pr.params, np.full((T1, D), "a"))


@pytest.mark.parametrize(("batched", "shape"), [
    (False, (H + 1,)), (False, (1, H)), (False, (N, H)),         # unbatched: exactly (H,)
    (True, (N + 1, H)), (True, (H,)), (True, (N, H - 1)),       # batched: exactly (N, H), no broadcast
])
def test_bad_h0_shapes(pr, prb, batched, shape):
    p = prb if batched else pr
    want = (N, H) if batched else (H,)
    with pytest.raises(ValueError, match=rf"^h0 must have shape {esc(str(want))}.*got {esc(str(shape))}"):
        grubptt.forward(p.params, p.x, np.ones(shape))


def test_bad_h0_dtype(pr):
    with pytest.raises(ValueError, match=r"^h0 must be numeric"):
        grubptt.forward(pr.params, pr.x, np.full(H, "a"))


@pytest.mark.parametrize(("batched", "shape"), [
    (False, (T1 - 1, O)),                # x and Y of different lengths
    (False, (T1 + 1, O)),
    (False, (T1, O + 1)),
    (False, (N, T1, O)),
    (True, (N + 1, T1, O)),              # wrong batch size
    (True, (N, T1 - 1, O)),
    (True, (T1, O)),                     # unbatched Y for a batch: no broadcast
])
def test_bad_target_shapes(pr, prb, batched, shape):
    p = prb if batched else pr
    want = (N, T1, O) if batched else (T1, O)
    cache = grubptt.forward(p.params, p.x)
    pattern = rf"^Y must have the shape of the outputs y, {esc(str(want))}.*got {esc(str(shape))}"
    for fn in (lambda Y: grubptt.loss(cache, Y), lambda Y: grubptt.backward(p.params, cache, Y)):
        with pytest.raises(ValueError, match=pattern):
            fn(np.ones(shape))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("batched", [False, True])
def test_nonfinite_inputs(pr, prb, value, batched):
    p = prb if batched else pr
    x, h0, Y = p.x.copy(), p.h0.copy(), p.Y.copy()
    x[..., 1, 2] = value
    h0[..., 3] = value
    Y[..., -1, 0] = value
    where_x = (0, 1, 2) if batched else (1, 2)
    with pytest.raises(ValueError, match=rf"^x contains NaN or inf \(first at index {esc(str(where_x))}"):
        grubptt.forward(p.params, x, p.h0)
    with pytest.raises(ValueError, match=r"^h0 contains NaN or inf \(first at index"):
        grubptt.forward(p.params, p.x, h0)
    cache = grubptt.forward(p.params, p.x, p.h0)
    with pytest.raises(ValueError, match=r"^Y contains NaN or inf \(first at index"):
        grubptt.backward(p.params, cache, Y)
    with pytest.raises(ValueError, match=r"^Y contains NaN or inf"):
        grubptt.loss(cache, Y)


# --- names ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["relu", "Sigmoid", "", None, "softmax"])
def test_unknown_output_names(pr, name):
    pattern = r"^output must be one of \['identity', 'sigmoid', 'tanh'\]"
    with pytest.raises(ValueError, match=pattern):
        grubptt.forward(pr.params, pr.x, output=name)
    rnn = make_problem(33, rnn=True)
    with pytest.raises(ValueError, match=pattern):
        grubptt.rnn_forward(rnn.params, rnn.x, output=name)
    with pytest.raises(ValueError, match=pattern):
        grubptt.gradcheck(pr.params, pr.x, pr.Y, output=name)


@pytest.mark.parametrize("name", ["relu", "identity", "Tanh", None])
def test_unknown_rnn_activation(name):
    rnn = make_problem(34, rnn=True)
    with pytest.raises(ValueError, match=r"^activation must be one of \['sigmoid', 'tanh'\]"):
        grubptt.rnn_forward(rnn.params, rnn.x, activation=name)


# --- step functions, Jacobians, term checks ---------------------------------------------------

def test_step_functions_reject_bad_shapes(pr):
    h = np.zeros(H)
    with pytest.raises(ValueError, match=rf"^x_t must have shape {esc(f'({D},) or (N, {D})')}"):
        grubptt.gru_step(pr.params, np.zeros(D + 1), h)
    want = rf"^h_prev must have shape {esc(str((H,)))}, got {esc(str((H + 1,)))}"
    with pytest.raises(ValueError, match=want):
        grubptt.gru_step(pr.params, np.zeros(D), np.zeros(H + 1))
    for arg in ("h_z", "h_r", "h_c", "h_carry"):
        hs = {"h_z": h, "h_r": h, "h_c": h, "h_carry": h, arg: np.zeros((N, H))}
        with pytest.raises(ValueError, match=rf"^{arg} must have shape {esc(str((H,)))}"):
            grubptt.gru_step_split(pr.params, np.zeros(D), **hs)


def test_step_jacobian_and_term_check_reject_bad_arguments(pr, prb):
    cache = grubptt.forward(pr.params, pr.x)
    grads = grubptt.backward(pr.params, cache, pr.Y)
    T = T1 - 1
    for t in (-2, T, T + 3):
        with pytest.raises(ValueError, match=rf"^t must be an integer with -1 <= t <= {T - 1} "
                                             rf"\(T = {T}.*got {t}"):
            grubptt.step_jacobian(pr.params, cache, t)
    with pytest.raises(ValueError, match=r"^path must be one of .*'carry'.*got 'dense'"):
        grubptt.step_jacobian(pr.params, cache, 0, path="dense")
    with pytest.raises(ValueError, match=r"^term must be one of .*'grad_dense'.*got 'reset'"):
        grubptt.term_check(pr.params, cache, grads, "reset", 0)
    for t in (-1, T + 1):
        with pytest.raises(ValueError, match=rf"^t must be an integer with 0 <= t <= {T} \(T = {T}\), "
                                             rf"got {t}"):
            grubptt.term_check(pr.params, cache, grads, "carry", t)
    no_terms = grubptt.backward(pr.params, cache, pr.Y, terms=False)
    with pytest.raises(ValueError, match=r"terms=True"):
        grubptt.term_check(pr.params, cache, no_terms, "carry", 0)
    bcache = grubptt.forward(prb.params, prb.x)
    bgrads = grubptt.backward(prb.params, bcache, prb.Y)
    with pytest.raises(ValueError, match=r"unbatched cache.*\(T\+1, D\)"):
        grubptt.term_check(prb.params, bcache, bgrads, "carry", 0)


def test_rnn_rejects_bad_input():
    rnn = make_problem(35, N=N, T=T1 - 1, D=D, H=H, O=O, rnn=True)
    with pytest.raises(ValueError, match=r"^params\.U must have shape \(H, H\) \(square\), got \(4, 5\)"):
        grubptt.rnn_forward(_with(rnn.params, U=np.ones((H, H + 1))), rnn.x)
    with pytest.raises(ValueError, match=r"^params\.V must be a 2-D array of shape \(H, O\)"):
        grubptt.rnn_forward(_with(rnn.params, V=np.ones(H)), rnn.x)
    with pytest.raises(ValueError, match=rf"^h0 must have shape {esc(str((N, H)))}"):
        grubptt.rnn_forward(rnn.params, rnn.x, np.ones(H))
    with pytest.raises(ValueError, match=r"^x has no time steps .*T < 0"):
        grubptt.rnn_forward(rnn.params, np.ones((N, 0, D)))
    cache = grubptt.rnn_forward(rnn.params, rnn.x)
    with pytest.raises(ValueError, match=rf"^Y must have the shape of the outputs y, {esc(str((N, T1, O)))}"):
        grubptt.rnn_backward(rnn.params, cache, np.ones((N, T1 + 1, O)))
    with pytest.raises(ValueError, match=r"^t must be an integer with -1 <= t <= "):
        grubptt.rnn_step_jacobian(rnn.params, cache, T1 - 1)


# --- constructors and helpers ------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [dict(input_size=0), dict(hidden_size=-1), dict(output_size=2.5),
                                    dict(input_size=True), dict(hidden_size="4")])
def test_init_params_rejects_bad_sizes(kwargs):
    sizes = dict(input_size=D, hidden_size=H, output_size=O) | kwargs
    (name, value), = kwargs.items()
    with pytest.raises(ValueError, match=rf"^{name} must be a positive integer, got {esc(repr(value))}"):
        grubptt.init_params(**sizes)


@pytest.mark.parametrize(("kwargs", "pattern"), [
    (dict(dtype=np.int64), r"^dtype must be a float type.*int64"),
    (dict(recurrent_radius=-0.5), r"^recurrent_radius must be a finite number >= 0.*-0\.5"),
    (dict(recurrent_radius=np.inf), r"^recurrent_radius must be a finite number"),
    (dict(scale=0.0), r"^scale must be a finite number > 0.*0\.0"),
    (dict(scale=np.nan), r"^scale must be a finite number"),
    (dict(bz=np.nan), r"^bz must be a finite number"),
])
def test_init_params_rejects_bad_options(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        grubptt.init_params(D, H, O, **kwargs)
    if "bz" not in kwargs:   # the SimpleRNN draws its parameters the same way
        with pytest.raises(ValueError, match=pattern):
            grubptt.init_rnn_params(D, H, O, **kwargs)


def test_numeric_helpers_reject_bad_input():
    with pytest.raises(ValueError, match=r"^x must be a float array.*int"):
        grubptt.numerical_gradient(lambda a: 0.0, np.arange(3))
    with pytest.raises(ValueError, match=r"^x must be float64 .*got dtype float32"):
        grubptt.numerical_gradient(lambda a: 0.0, np.ones(3, dtype=np.float32))
    with pytest.raises(ValueError, match=r"^x must be contiguous"):
        grubptt.numerical_gradient(lambda a: 0.0, np.ones((4, 4))[:, :2])
    with pytest.raises(ValueError, match=r"^a and b must have the same shape, got \(2,\) and \(3,\)"):
        grubptt.relative_error(np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match=r"^params must be GRUParams or RNNParams, got dict"):
        grubptt.gradcheck({}, np.ones((2, 1)), np.ones((2, 1)))


def test_valid_input_is_accepted_without_copy_surprises(pr):
    """The checks must not reject what is valid: lists, integer x, and a float32 x with float64 params."""
    a = grubptt.forward(pr.params, pr.x.tolist(), pr.h0.tolist())
    b = grubptt.forward(pr.params, pr.x.astype(np.float32).astype(np.float64), pr.h0)
    assert a.h.dtype == np.float64 and b.h.shape == (T1, H)
    assert grubptt.forward(pr.params, np.ones((T1, D), dtype=np.int64)).h.dtype == np.float64
