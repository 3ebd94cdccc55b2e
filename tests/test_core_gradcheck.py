"""grubptt.gradcheck (two-point central differences, ε = 1e-6): passes on the real backward, and catches
a deliberately wrong gradient in any one array, naming exactly that array."""

from __future__ import annotations

import dataclasses
import importlib
import re

import numpy as np
import pytest
from conftest import OUTPUT_NAMES, assert_rel, central_diff, make_problem

import grubptt
import grubptt.models

# grubptt.gradcheck is the function (re-exported by the package); the module holds the names to patch
gradcheck_module = importlib.import_module("grubptt.gradcheck")
ALL_ROWS = list(grubptt.PARAM_NAMES) + ["h0", "x"]


@pytest.mark.parametrize("output", OUTPUT_NAMES)
@pytest.mark.parametrize("N", [None, 2])
def test_report_passes_and_is_complete(N, output):
    pr = make_problem(71, N=N, T=3, D=3, H=4, O=2, output=output)
    report = grubptt.gradcheck(pr.params, pr.x, pr.Y, pr.h0, output=output)
    assert [r.name for r in report.rows] == ALL_ROWS
    shapes = {r.name: r.shape for r in report.rows}
    want = {k: v.shape for k, v in pr.params.arrays().items()} | {"h0": pr.h0.shape, "x": pr.x.shape}
    assert shapes == want
    report.assert_ok(1e-6)
    assert report.max_rel_err == max(report.as_dict().values()) <= 1e-6
    assert all(0 <= r.max_abs_err < 1e-7 for r in report.rows), report


def test_report_numbers_are_the_relative_errors_of_backward():
    """The table's numbers are what they claim: recompute one row independently."""
    pr = make_problem(72, T=2, output="tanh")
    report = grubptt.gradcheck(pr.params, pr.x, pr.Y, pr.h0, output="tanh")
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output="tanh")
    dU = grubptt.backward(pr.params, cache, pr.Y).params.U

    def L(U):
        p = dataclasses.replace(pr.params, U=U)
        return grubptt.loss(grubptt.forward(p, pr.x, pr.h0, output="tanh"), pr.Y)

    assert_rel("dL/dU", dU, central_diff(L, pr.params.U), 1e-8, pr.desc)
    row = next(r for r in report.rows if r.name == "U")
    assert row.rel_err <= 1e-6 and row.rel_err == report.as_dict()["U"]


@pytest.mark.parametrize("target", ALL_ROWS)
def test_a_wrong_gradient_is_caught_and_named(monkeypatch, target):
    real_backward = grubptt.models.GRU.backward

    def wrong_backward(params, cache, Y, **kw):
        grads = real_backward(params, cache, Y, **kw)
        if target == "h0":
            grads.dh0 = grads.dh0 * (1 + 1e-4)
        elif target == "x":
            grads.dx = grads.dx * (1 + 1e-4)
        else:
            setattr(grads.params, target, getattr(grads.params, target) * (1 + 1e-4))
        return grads

    wrong_model = dataclasses.replace(grubptt.models.GRU, backward=wrong_backward)
    monkeypatch.setattr(gradcheck_module, "model_of", lambda p: wrong_model)
    pr = make_problem(73, T=2, output="sigmoid")
    report = grubptt.gradcheck(pr.params, pr.x, pr.Y, pr.h0, output="sigmoid")
    with pytest.raises(AssertionError) as info:
        report.assert_ok(1e-6)
    message = str(info.value)
    shape = pr.params.arrays()[target].shape if target in grubptt.PARAM_NAMES else getattr(pr, target).shape
    row = rf"^  {target} {re.escape(str(shape))}: rel err \d\.\d\de-0[45]$"
    assert re.search(row, message, re.M), message
    named = re.findall(r"^  (\w+) \(", message, re.M)
    assert named == [target], f"only {target} is wrong, the report names {named}"
    assert report.max_rel_err > 1e-5


def test_a_wrong_rnn_gradient_is_caught(monkeypatch):
    real = grubptt.models.SIMPLE_RNN.backward

    def wrong(params, cache, Y):
        grads = real(params, cache, Y)
        grads.params.U = grads.params.U.T.copy()        # a classic mistake: the transpose
        return grads

    wrong_model = dataclasses.replace(grubptt.models.SIMPLE_RNN, backward=wrong)
    monkeypatch.setattr(gradcheck_module, "model_of", lambda p: wrong_model)
    pr = make_problem(74, T=3, rnn=True)
    with pytest.raises(AssertionError, match=r"^gradient check failed.*\n  U \(4, 4\): rel err"):
        grubptt.gradcheck(pr.params, pr.x, pr.Y, pr.h0).assert_ok()


def test_include_inputs_and_printing():
    pr = make_problem(75, N=2, T=1)
    report = grubptt.gradcheck(pr.params, pr.x, pr.Y, include_inputs=False)
    assert [r.name for r in report.rows] == list(grubptt.PARAM_NAMES)
    text = str(report)
    lines = text.splitlines()
    assert lines[0].split() == ["array", "shape", "rel.", "error", "max", "|diff|"]
    assert [ln.split()[0] for ln in lines[1:]] == list(grubptt.PARAM_NAMES)
    html = report._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == len(report.rows) + 1
    for name in grubptt.PARAM_NAMES:
        assert f"<code>{name}</code>" in html


def test_gradcheck_leaves_its_arguments_untouched():
    pr = make_problem(76, T=2)
    before = {k: v.copy() for k, v in pr.params.arrays().items()} | {"x": pr.x.copy(), "h0": pr.h0.copy()}
    grubptt.gradcheck(pr.params, pr.x, pr.Y, pr.h0)
    after = pr.params.arrays() | {"x": pr.x, "h0": pr.h0}
    for k, v in before.items():
        assert np.array_equal(after[k], v), f"gradcheck modified {k}"


def test_numerical_gradient_and_relative_error():
    """The two helpers every check relies on, against a function with a known gradient."""
    rng = np.random.default_rng(77)
    A = rng.standard_normal((4, 4))
    x = rng.standard_normal((2, 4))
    before = x.copy()
    g = grubptt.numerical_gradient(lambda v: float(np.sum(np.sin(v @ A))), x)
    np.testing.assert_allclose(g, np.cos(x @ A) @ A.T, rtol=1e-8, atol=1e-10)
    assert np.array_equal(x, before), "numerical_gradient must restore x"
    a, b = rng.standard_normal(5), rng.standard_normal(5)
    want = np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b))
    assert grubptt.relative_error(a, b) == pytest.approx(want, rel=1e-14)
    assert grubptt.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert grubptt.relative_error(a, a) == 0.0


def _term_problem():
    pr = make_problem(5, T=4)
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output=pr.output)
    return pr, cache, grubptt.backward(pr.params, cache, pr.Y)


@pytest.mark.parametrize("term", grubptt.TERMS)
def test_term_table_passes_on_backward_and_covers_every_t(term):
    pr, cache, grads = _term_problem()
    table = grubptt.term_table(pr.params, cache, grads, term)
    assert [c.t for c in table.checks] == list(range(cache.T + 1))
    table.assert_ok(1e-6)
    assert str(table).splitlines()[0].startswith("t ")
    assert len(str(table).splitlines()) == cache.T + 2


def test_term_table_names_the_step_where_a_term_is_wrong():
    pr, cache, grads = _term_problem()
    grads.terms["reset_gate"][2] *= 1.001               # a 0.1% slip at one step only
    with pytest.raises(AssertionError, match=r"reset_gate.*\n  t = 2 ") as err:
        grubptt.term_table(pr.params, cache, grads, "reset_gate").assert_ok(1e-6)
    assert "t = 1 " not in str(err.value) and "t = 3 " not in str(err.value)


def test_term_table_requires_a_zero_recurrent_term_at_T():
    pr, cache, grads = _term_problem()
    grads.terms["carry"][cache.T] = 1e-3                # something after h^(T): impossible
    table = grubptt.term_table(pr.params, cache, grads, "carry")
    with pytest.raises(AssertionError, match="carry: the term at t = T = 4 must be zero"):
        table.assert_ok(1.0)                            # even with a tolerance that admits anything else
