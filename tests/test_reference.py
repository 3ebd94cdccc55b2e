"""grubptt.reference, the literal BPTT of the book, and the fast path beside it.

- the fast path (grubptt.forward/backward) equals the reference to 1e-12 in every field of
  GRUCache and GRUGrads, at random shapes, seeds and outputs, batched and unbatched;
- the reference itself agrees with central differences and with the independent autograd
  model (tests/autograd_reference.py), including each of the five terms of (9.22);
- the reference refuses what the fast path refuses (its checks are the same boundary).
"""

from __future__ import annotations

import numpy as np
import pytest
from autograd_reference import GRU_NAMES, gru_reference, path_term
from conftest import OUTPUT_NAMES, Problem, assert_rel, central_diff, fd_noise_floor, make_problem, problems
from hypothesis import given

import grubptt
from grubptt import reference

SAME_TOL = 1e-12   # two float64 implementations of the same formulas, summed in different orders
AD_TOL = 1e-10
FD_TOL = 1e-6
CACHE_FIELDS = ("x", "a_z", "a_r", "a_h", "z", "r", "hh", "h", "h_prev", "yhat", "y", "h0")


def _both(pr: Problem, terms: bool = True):
    fast_c = grubptt.forward(pr.params, pr.x, pr.h0, output=pr.output)
    ref_c = reference.forward(pr.params, pr.x, pr.h0, output=pr.output)
    return (fast_c, grubptt.backward(pr.params, fast_c, pr.Y, terms=terms),
            ref_c, reference.backward(pr.params, ref_c, pr.Y, terms=terms))


def _same(name: str, fast, ref, pr: Problem, scale: float) -> None:
    """Equal to SAME_TOL relative, or, for an array that is tiny next to ``scale`` (a gradient
    that nearly cancels), to SAME_TOL · scale absolute: rounding of the terms that cancelled."""
    fast, ref = np.asarray(fast), np.asarray(ref)
    assert fast.shape == ref.shape, f"{name}: fast {fast.shape}, reference {ref.shape} [{pr.desc}]"
    assert_rel(name, fast, ref, SAME_TOL, pr.desc, allow_zero=True, noise_floor=SAME_TOL * scale)


def check_fast_equals_reference(pr: Problem) -> None:
    fast_c, fast_g, ref_c, ref_g = _both(pr)
    for name in CACHE_FIELDS:
        _same(f"cache.{name}", getattr(fast_c, name), getattr(ref_c, name), pr, 1.0)
    scale = max(1.0, float(np.max(np.abs(ref_g.dh))))
    for name in GRU_NAMES:
        _same(f"dL/d{name}", getattr(fast_g.params, name), getattr(ref_g.params, name), pr,
              scale * max(1.0, float(np.max(np.abs(pr.x)))))
    for name in ("dh", "dh0", "dx", "Y"):
        _same(name, getattr(fast_g, name), getattr(ref_g, name), pr, scale)
    assert list(fast_g.terms) == list(ref_g.terms) == list(grubptt.TERMS)
    for k in grubptt.TERMS:
        _same(f"terms[{k!r}]", fast_g.terms[k], ref_g.terms[k], pr, scale)


@given(problems())
def test_fast_equals_reference_random_shapes(pr):
    check_fast_equals_reference(pr)


@pytest.mark.parametrize("output", OUTPUT_NAMES)
@pytest.mark.parametrize("N, T, H, O", [(4, 4, 256, 2), (16, 4, 64, 2), (None, 4, 1024, 2), (32, 15, 8, 4)])
def test_fast_equals_reference_large_steps(N, T, H, O, output):
    """Steps of ≥ 1024 numbers take ĥ through exp and (N·H ≥ 4096) the per-step gate-term GEMMs;
    ≥ 1024 outputs (the last case) take y = tanh(ŷ) through exp."""
    check_fast_equals_reference(make_problem(7, N=N, T=T, D=3, H=H, O=O, output=output))


def test_tanh_via_exp_is_tanh_to_4e_16():
    from grubptt.activations import tanh_via_exp
    a = np.concatenate([np.linspace(-400.0, 400.0, 200_001), [0.0, 1e-300, -1e-300, 5e-324]])
    with np.errstate(over="ignore"):
        got = tanh_via_exp(a, np.empty_like(a))
    assert np.max(np.abs(got - np.tanh(a))) <= 4e-16
    assert got[0] == -1.0 and got[200_000] == 1.0


@pytest.mark.parametrize("N", [None, 1, 3])
@pytest.mark.parametrize("output", OUTPUT_NAMES)
def test_fast_equals_reference_long_and_wide(N, output):
    """Sizes where the fast path takes its other code paths: blocks of steps, per-step gate GEMMs."""
    for T, H in ((70, 3), (4, 70)):
        check_fast_equals_reference(make_problem(11, N=N, T=T, D=3, H=H, O=2, output=output))


def test_terms_false_gives_the_same_gradients():
    pr = make_problem(5, N=2, T=4, output="tanh")
    _, fast_g, _, ref_g = _both(pr, terms=False)
    assert fast_g.terms is None and ref_g.terms is None
    for name in GRU_NAMES:
        _same(f"dL/d{name}", getattr(fast_g.params, name), getattr(ref_g.params, name), pr, 1.0)


@given(problems())
def test_reference_against_autograd(pr):
    cache = reference.forward(pr.params, pr.x, pr.h0, output=pr.output)
    grads = reference.backward(pr.params, cache, pr.Y)
    ad = gru_reference(pr.params.arrays(), pr.x, pr.h0, pr.Y, pr.output)
    assert_rel("loss", np.array(grubptt.loss(cache, pr.Y)), np.array(ad["loss"]), AD_TOL, pr.desc)
    ours = {n: getattr(grads.params, n) for n in GRU_NAMES} | {"h0": grads.dh0, "x": grads.dx, "dh": grads.dh}
    for name, arr in ours.items():
        assert_rel(f"reference dL/d{name}", arr, ad[name], AD_TOL, pr.desc)
    total = sum(grads.terms[k] for k in grubptt.TERMS)
    assert_rel("Σ terms = dh", total, grads.dh, 1e-14, pr.desc)


@pytest.mark.parametrize("output", OUTPUT_NAMES)
def test_reference_terms_against_autograd_paths(output):
    """Each recurrent term of (9.22) at every t < T, against autograd of the one-path step."""
    pr = make_problem(21, T=4, D=3, H=4, O=2, output=output)
    cache = reference.forward(pr.params, pr.x, pr.h0, output=output)
    grads = reference.backward(pr.params, cache, pr.Y)
    for t in range(cache.T):
        for term, arg in grubptt.PATHS.items():
            want = path_term(pr.params.arrays(), pr.x[t + 1], cache.h[t], grads.dh[t + 1], arg)
            assert_rel(f"{term} at t={t}", grads.terms[term][t], want, AD_TOL, pr.desc)
        assert not np.any([grads.terms[k][cache.T] for k in grubptt.PATHS]), "recurrent terms at t = T"


@pytest.mark.parametrize("N", [None, 2])
@pytest.mark.parametrize("T", [0, 3])
def test_reference_against_central_differences(N, T):
    pr = make_problem(8, N=N, T=T, D=2, H=3, O=2, output="sigmoid")
    cache = reference.forward(pr.params, pr.x, pr.h0, output=pr.output)
    grads = reference.backward(pr.params, cache, pr.Y)
    floor = fd_noise_floor(grubptt.loss(cache, pr.Y))

    def L(name, value):
        arrays = pr.params.arrays()
        x, h0 = (value if name == "x" else pr.x), (value if name == "h0" else pr.h0)
        if name in arrays:
            arrays[name] = value
        return grubptt.loss(reference.forward(grubptt.GRUParams(**arrays), x, h0, output=pr.output), pr.Y)

    analytic = {n: getattr(grads.params, n) for n in GRU_NAMES} | {"h0": grads.dh0, "x": grads.dx}
    for name, arr in (pr.params.arrays() | {"h0": pr.h0, "x": pr.x}).items():
        numeric = central_diff(lambda v, name=name: L(name, v), arr)
        assert_rel(f"reference dL/d{name}", analytic[name], numeric, FD_TOL, pr.desc, noise_floor=floor)


def test_reference_shares_the_boundary_checks():
    pr = make_problem(3, T=2)
    other = make_problem(4, T=2)
    cache = reference.forward(pr.params, pr.x)
    with pytest.raises(ValueError, match="cache was computed with other parameter values"):
        reference.backward(other.params, cache, pr.Y)
    with pytest.raises(TypeError, match="cache must be a GRUCache"):
        reference.backward(pr.params, None, pr.Y)
    with pytest.raises(ValueError, match="x must have shape"):
        reference.forward(pr.params, pr.x[:, :2])
    with pytest.raises(ValueError, match="Y must have the shape"):
        reference.backward(pr.params, cache, pr.Y[:-1])
    # a cache of either implementation works with the other's backward: same type, same contents
    _same("dh", grubptt.backward(pr.params, cache, pr.Y).dh, reference.backward(pr.params, cache, pr.Y).dh,
          pr, 1.0)


def test_backward_reads_top_to_bottom_in_about_sixty_lines():
    """The promise of the module: the book's backward, short enough to read beside the chapter."""
    import ast
    import inspect

    source = inspect.getsource(reference.backward)
    assert len(source.splitlines()) <= 62, len(source.splitlines())
    for term in grubptt.TERMS:
        assert f"{term} = " in source, f"the term {term} is not named in the loop"
    loops = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.For)]
    assert len(loops) == 1, "one loop over t"
