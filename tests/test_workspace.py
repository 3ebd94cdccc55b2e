"""grubptt.Workspace: forward/backward reusing the caller's arrays give exactly what fresh memory
gives, the aliasing it brings is the documented one, and a stale cache is refused.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Problem, make_problem, problems
from hypothesis import given, settings
from hypothesis import strategies as st

import grubptt


def _run(pr: Problem, workspace=None, terms: bool = True):
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output=pr.output, workspace=workspace)
    return cache, grubptt.backward(pr.params, cache, pr.Y, terms=terms, workspace=workspace)


def _assert_identical(a, b, desc: str) -> None:
    """Same operations on the same numbers: bit-identical, not just close."""
    (ca, ga), (cb, gb) = a, b
    for name in ("a_z", "a_r", "a_h", "z", "r", "hh", "h", "yhat", "y"):
        assert np.array_equal(getattr(ca, name), getattr(cb, name)), f"cache.{name} differs [{desc}]"
    for name in grubptt.PARAM_NAMES:
        assert np.array_equal(getattr(ga.params, name), getattr(gb.params, name)), f"d{name} differs [{desc}]"
    for name in ("dh", "dh0", "dx"):
        assert np.array_equal(getattr(ga, name), getattr(gb, name)), f"{name} differs [{desc}]"
    assert (ga.terms is None) == (gb.terms is None)
    for k in ga.terms or ():
        assert np.array_equal(ga.terms[k], gb.terms[k]), f"terms[{k!r}] differs [{desc}]"


@settings(max_examples=30)
@given(st.lists(problems(), min_size=1, max_size=3), st.booleans())
def test_workspace_gives_what_fresh_memory_gives(prs, terms):
    """One workspace through several problems of different shapes (it re-sizes its arrays)."""
    ws = grubptt.Workspace()
    for pr in prs:
        _assert_identical(_run(pr, ws, terms), _run(pr, None, terms), pr.desc)


@pytest.mark.parametrize("N", [None, 16])
def test_workspace_large_steps(N):
    """N·H ≥ 4096 takes the per-step gate-term GEMMs; the unbatched case the after-loop ones."""
    pr = make_problem(3, N=N, T=5, D=3, H=256, O=2, output="tanh")
    ws = grubptt.Workspace()
    for _ in range(2):                       # the second call reuses every array
        _assert_identical(_run(pr, ws), _run(pr), pr.desc)


def test_arrays_are_reused_and_the_next_call_overwrites_them():
    pr_a, pr_b = make_problem(1, N=2, T=4), make_problem(2, N=2, T=4)
    ws = grubptt.Workspace()
    cache_a, grads_a = _run(pr_a, ws)
    held = ws.nbytes
    h_a, dh_a = cache_a.h.copy(), grads_a.dh.copy()
    cache_b, grads_b = _run(pr_b, ws)
    assert ws.nbytes == held, "same shapes: no new arrays"
    assert np.shares_memory(cache_a.h_tm, cache_b.h_tm) and np.shares_memory(grads_a.dh, grads_b.dh)
    assert not np.array_equal(cache_a.h, h_a) and not np.array_equal(grads_a.dh, dh_a), \
        "the documented aliasing: the first call's arrays now hold the second call's numbers"
    assert "arrays" in repr(ws) and "MB" in repr(ws)


def test_stale_cache_is_refused():
    pr = make_problem(4, N=2, T=3)
    ws = grubptt.Workspace()
    old = grubptt.forward(pr.params, pr.x, output=pr.output, workspace=ws)
    new = grubptt.forward(pr.params, pr.x, output=pr.output, workspace=ws)
    for workspace in (ws, None, grubptt.Workspace()):
        with pytest.raises(ValueError, match=r"^cache is stale"):
            grubptt.backward(pr.params, old, pr.Y, workspace=workspace)
    with pytest.raises(ValueError, match=r"^cache is stale"):
        grubptt.reference.backward(pr.params, old, pr.Y)          # the same check guards the reference
    grubptt.backward(pr.params, new, pr.Y, workspace=ws)          # the current one is fine


def test_workspace_must_be_a_workspace():
    pr = make_problem(5)
    with pytest.raises(TypeError, match=r"^workspace must be a grubptt.Workspace"):
        grubptt.forward(pr.params, pr.x, workspace={})
    cache = grubptt.forward(pr.params, pr.x)
    with pytest.raises(TypeError, match=r"^workspace must be a grubptt.Workspace"):
        grubptt.backward(pr.params, cache, pr.Y, workspace=[])
