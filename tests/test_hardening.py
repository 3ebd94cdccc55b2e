"""Issue 14: no silently wrong result and no obscure crash anywhere in the public API.

The catalogue (tests/hardening_cases.py) calls every public function with bad arguments from
each category of the audit; here every case must end in a clear error (naming the argument)
or a result equal to the autograd model, and tests/README.md must hold the current table.
The hypothesis tests draw random problems and random corruptions of the same kinds.
"""

from __future__ import annotations

import numpy as np
import pytest
from autograd_reference import GRU_NAMES, gru_reference
from conftest import make_problem
from hardening_cases import OUTCOMES, Case, markdown, outcome, readme_table, run_all
from hypothesis import given
from hypothesis import strategies as st

import grubptt
from grubptt import analysis, reference


@pytest.fixture(scope="module")
def results():
    return run_all()


def test_no_case_is_silently_wrong_or_an_obscure_crash(results):
    cases, table = results
    bad = [f"{o}: [{c.category}] {c.call}, argument {c.arg!r}: {detail}" for c, o, detail in cases
           if o in ("silently wrong", "obscure crash")]
    assert not bad, f"{len(bad)} of {len(cases)} cases:\n" + "\n".join(bad)
    assert len(cases) >= 481, "at least as many cases as the issue-14 audit"
    totals = {o: sum(t[o] for t in table.values()) for o in ("clear error", "silently correct")}
    assert all(totals.values()), totals


def test_readme_holds_the_current_table(results):
    _, table = results
    assert readme_table() == markdown(table), \
        "tests/README.md is stale: run .venv/bin/python tests/hardening_cases.py --write"


def test_the_classifier_can_tell_each_outcome():
    """The four outcomes are reachable: a classifier that always said 'clear error' would pass above."""
    def raise_(e):
        raise e
    assert outcome(Case("c", "f", "x", lambda: raise_(ValueError("x must be finite"))))[0] == "clear error"
    assert outcome(Case("c", "f", "x", lambda: raise_(ValueError("something else"))))[0] == "obscure crash"
    assert outcome(Case("c", "f", "x", lambda: raise_(IndexError("x"))))[0] == "obscure crash"
    assert outcome(Case("c", "f", "x", lambda: 1.0))[0] == "silently wrong"
    assert outcome(Case("c", "f", "x", lambda: 1.0, lambda r: r == 1.0))[0] == "silently correct"
    assert outcome(Case("c", "f", "x", lambda: 2.0, lambda r: r == 1.0))[0] == "silently wrong"
    assert set(OUTCOMES) == {"clear error", "silently correct", "silently wrong", "obscure crash"}


# --- random corruptions -------------------------------------------------------------------------

def _corrupt(draw, a: np.ndarray, dtype) -> tuple[object, bool]:
    """A corrupted copy of ``a`` and whether it must be accepted (it is the same numbers)."""
    kind = draw(st.sampled_from(["nan", "inf", "overflow", "complex", "masked", "grow", "shrink", "ndim",
                                 "object", "list", "int"]))
    idx = draw(st.integers(0, a.size - 1))
    v = np.array(a, dtype=np.float64)
    if kind in ("nan", "inf"):
        v.reshape(-1)[idx] = np.nan if kind == "nan" else -np.inf * draw(st.sampled_from([1, -1]))
        return v, False
    if kind == "overflow":                        # finite in float64, inf once cast to float32
        v.reshape(-1)[idx] = 1e39
        return v, dtype == np.float64
    if kind == "complex":
        return v + 1j * draw(st.sampled_from([0.0, 1e-3])), False
    if kind == "masked":
        return np.ma.masked_array(v, mask=np.arange(v.size).reshape(v.shape) == idx), False
    axis = draw(st.integers(0, v.ndim - 1))
    if kind == "grow":
        return np.concatenate([v, np.take(v, [0], axis=axis)], axis=axis), False
    if kind == "shrink":
        return np.take(v, range(v.shape[axis] - 1), axis=axis), False
    if kind == "ndim":
        return (v[None, None] if draw(st.booleans()) else v.reshape(-1)), False
    if kind == "object":
        return v.astype(object).astype(str), False
    if kind == "list":
        return v.tolist(), True
    return np.round(v * 4), True                  # integers in a float array: the same numbers


@st.composite
def corrupted_calls(draw):
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    T, H = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    pr = make_problem(draw(st.integers(0, 2**20)), T=T, H=H, D=draw(st.integers(1, 3)), O=2, dtype=dtype)
    arg = draw(st.sampled_from(["x", "h0", "Y"]))
    good = {"x": pr.x, "h0": pr.h0, "Y": pr.Y}[arg]
    bad, accept = _corrupt(draw, good, dtype)
    impl = draw(st.sampled_from(["fast", "reference"]))
    return pr, arg, bad, accept, impl


@given(corrupted_calls())
def test_random_corruptions_raise_naming_the_argument_or_give_the_autograd_answer(call):
    pr, arg, bad, accept, impl = call
    fwd, bwd = {"fast": (grubptt.forward, grubptt.backward),
                "reference": (reference.forward, reference.backward)}[impl]
    inputs = {"x": pr.x, "h0": pr.h0, "Y": pr.Y, arg: bad}
    try:
        cache = fwd(pr.params, inputs["x"], inputs["h0"], output=pr.output)
        grads = bwd(pr.params, cache, inputs["Y"])
    except (ValueError, TypeError) as e:
        assert not accept, f"{arg}: the same numbers were refused: {e}"
        # a sequence of another length is a valid x; the mismatch is then Y's, and named so
        named = str(e).startswith(arg) or (arg == "x" and str(e).startswith("Y must have the shape"))
        assert named, f"the error does not name {arg}: {e}"
        return
    assert accept, f"{arg} = {bad!r} was accepted"
    clean = {k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()}
    p = pr.params.astype(np.float64)
    cast = {k: clean[k].astype(pr.params.dtype).astype(np.float64) for k in clean}
    want = gru_reference(p.arrays(), cast["x"], cast["h0"], cast["Y"], pr.output)
    tol = 1e-9 if pr.params.dtype == np.float64 else 2e-3
    for k in GRU_NAMES:
        got, ref = getattr(grads.params, k), want[k]
        scale = max(1.0, float(np.max(np.abs(ref))))
        assert np.max(np.abs(got - ref)) <= tol * scale, f"dL/d{k} after {arg} corrupted"


@given(st.sampled_from(["backward", "step_jacobian", "gradient_flow", "term_check", "bptt"]),
       st.sampled_from(["other", "mutated"]), st.integers(0, 1000))
def test_a_cache_of_other_parameter_values_is_refused(fn, how, seed):
    pr = make_problem(seed, T=3)
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output=pr.output)
    grads = grubptt.backward(pr.params, cache, pr.Y)
    if how == "other":
        q = make_problem(seed + 1, T=3).params
    else:
        q = pr.params
        name = GRU_NAMES[seed % len(GRU_NAMES)]
        getattr(q, name).reshape(-1)[seed % getattr(q, name).size] *= 1.0 + 1e-12    # the smallest change
    calls = {"backward": lambda: grubptt.backward(q, cache, pr.Y),
             "step_jacobian": lambda: grubptt.step_jacobian(q, cache, 0),
             "gradient_flow": lambda: analysis.gradient_flow(q, cache, pr.Y),
             "term_check": lambda: grubptt.term_check(q, cache, grads, "carry", 0),
             "bptt": lambda: analysis.bptt(q, cache, np.ones_like(cache.h))}
    with pytest.raises(ValueError, match="^cache was computed with other parameter values"):
        calls[fn]()
