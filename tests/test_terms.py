"""The five terms of eq. (9.22), one by one, at every t.

Each recurrent term must equal the derivative of the path-split step (``gru_step_split``) with
respect to the one argument that carries it, checked two ways: grubptt's ``term_check``
(central differences) and autograd applied to the tests' own column-form split step.
The terms sum to ``dh``; at t = T only grad_dense survives; ``step_jacobian`` agrees with both.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from autograd_reference import grad_dense, gru_reference, gru_step_jacobian, path_term
from conftest import FIXED_SEEDS, OUTPUT_NAMES, assert_rel, make_problem, problems
from hypothesis import given

import grubptt
from grubptt import PATHS, TERMS

RECURRENT = tuple(PATHS)       # update_gate, candidate, reset_gate, carry
AD_TOL = 1e-10
FD_TOL = 1e-6


def _run(pr):
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output=pr.output)
    return cache, grubptt.backward(pr.params, cache, pr.Y)


def _sequences(pr, cache, grads):
    """(n, x, Y, h, terms) for each sequence, so unbatched and batched runs share one check."""
    if not cache.batched:
        yield None, pr.x, pr.Y, cache.h, grads.terms
        return
    for n in range(cache.N):
        yield (n, pr.x[n], pr.Y[n], cache.h[n],
               {k: v[n] for k, v in grads.terms.items()})


def check_terms_against_autograd(pr) -> float:
    cache, grads = _run(pr)
    ref = gru_reference(pr.params.arrays(), pr.x, pr.h0, pr.Y, pr.output)
    ref_dh = ref["dh"]
    arrays = pr.params.arrays()
    worst = 0.0
    for n, x, Y, h, terms in _sequences(pr, cache, grads):
        T = x.shape[0] - 1
        r_dh = ref_dh if n is None else ref_dh[n]
        for t in range(T + 1):
            ctx = f"{pr.desc}, sequence {n}, t={t}"
            worst = max(worst, assert_rel(f"terms['grad_dense'][{t}]", terms["grad_dense"][t],
                                          grad_dense(arrays, h[t], Y[t], pr.output), AD_TOL, ctx))
            for term in RECURRENT:
                got = terms[term][t]
                if t == T:
                    assert np.all(got == 0), f"terms[{term!r}][T={T}] must be exactly 0, got {got} [{ctx}]"
                    continue
                # δ = dh^(t+1) from the autograd reference, so nothing of grubptt's BPTT enters the target
                want = path_term(arrays, x[t + 1], h[t], r_dh[t + 1], PATHS[term])
                worst = max(worst, assert_rel(f"terms[{term!r}][{t}]", got, want, AD_TOL, ctx,
                                              allow_zero=True))
    return worst


@given(problems())
def test_terms_match_autograd_path_split_random(pr):
    check_terms_against_autograd(pr)


@pytest.mark.parametrize("output", OUTPUT_NAMES)
@pytest.mark.parametrize("seed", FIXED_SEEDS)
def test_terms_match_autograd_path_split_fixed(seed, output):
    check_terms_against_autograd(make_problem(seed, N=None, T=5, D=3, H=4, O=3, output=output))
    check_terms_against_autograd(make_problem(seed, N=2, T=3, D=2, H=5, O=2, output=output))


@pytest.mark.parametrize("output", OUTPUT_NAMES)
@pytest.mark.parametrize("T", [0, 1, 5])
def test_term_check_passes_for_every_term_at_every_t(T, output):
    pr = make_problem(21, T=T, D=3, H=4, O=2, output=output)
    cache, grads = _run(pr)
    for t in range(T + 1):
        for term in TERMS:
            tc = grubptt.term_check(pr.params, cache, grads, term, t)
            assert (tc.term, tc.t) == (term, t)
            assert np.array_equal(tc.analytic, grads.terms[term][t]), f"term_check({term!r}, {t}).analytic"
            assert_rel(f"term_check({term!r}, t={t}) numeric", tc.analytic, tc.numeric, FD_TOL, pr.desc,
                       allow_zero=(t == T and term != "grad_dense"))
            assert tc.rel_err <= FD_TOL, f"{term} t={t}: term_check rel_err {tc.rel_err:.2e} [{pr.desc}]"


def test_term_check_catches_a_wrong_term():
    pr = make_problem(22, T=3, output="sigmoid")
    cache, grads = _run(pr)
    for term in TERMS:
        bad_terms = {k: v.copy() for k, v in grads.terms.items()}
        bad_terms[term][1] *= 1.01          # a 1% error in one term at one step
        bad = dataclasses.replace(grads, terms=bad_terms)
        assert grubptt.term_check(pr.params, cache, bad, term, 1).rel_err > 1e-3, term
        assert grubptt.term_check(pr.params, cache, bad, term, 2).rel_err <= FD_TOL, term


@given(problems())
def test_terms_sum_to_dh_and_only_grad_dense_at_T(pr):
    _, grads = _run(pr)
    total = sum(grads.terms[k] for k in TERMS)
    assert_rel("sum of the five terms vs dh", total, grads.dh, 1e-14, pr.desc)
    last = (slice(None), -1) if pr.N else (-1,)
    assert np.array_equal(grads.dh[last], grads.terms["grad_dense"][last]), \
        f"dh[T] != grad_dense[T] [{pr.desc}]"
    for k in RECURRENT:
        assert np.all(grads.terms[k][last] == 0), f"terms[{k!r}] nonzero at t = T [{pr.desc}]"
    assert tuple(grads.terms) == TERMS
    for k, v in grads.terms.items():
        assert v.shape == grads.dh.shape, f"terms[{k!r}] shape {v.shape} != dh shape {grads.dh.shape}"


@pytest.mark.parametrize("output", OUTPUT_NAMES)
def test_step_jacobian_consistent_with_terms_and_autograd(output):
    pr = make_problem(23, T=4, D=3, H=4, O=2, output=output)
    cache, grads = _run(pr)
    arrays = pr.params.arrays()
    H = pr.params.hidden_size
    for t in range(-1, cache.T):
        ctx = f"{pr.desc}, t={t}"
        h_t = pr.h0 if t == -1 else cache.h[t]
        J = grubptt.step_jacobian(pr.params, cache, t)
        assert J.shape == (H, H)
        assert_rel(f"step_jacobian(t={t})", J, gru_step_jacobian(arrays, pr.x[t + 1], h_t), AD_TOL, ctx)
        parts = {p: grubptt.step_jacobian(pr.params, cache, t, path=p) for p in RECURRENT}
        assert_rel(f"sum of path Jacobians (t={t})", sum(parts.values()), J, 1e-14, ctx)
        for p, Jp in parts.items():
            assert_rel(f"step_jacobian(t={t}, path={p!r})", Jp,
                       gru_step_jacobian(arrays, pr.x[t + 1], h_t, PATHS[p]), AD_TOL, ctx, allow_zero=True)
            if t >= 0:
                # the row-vector form of (9.22): term^(t) = dh^(t+1) @ J_path
                assert_rel(f"dh[{t + 1}] @ J_{p} vs terms[{p!r}][{t}]", grads.dh[t + 1] @ Jp,
                           grads.terms[p][t], 1e-12, ctx, allow_zero=True)
        want = grads.dh0 if t == -1 else grads.dh[t] - grads.terms["grad_dense"][t]
        assert_rel(f"dh[{t + 1}] @ J (recurrent part of dh[{t}])", grads.dh[t + 1] @ J, want, 1e-12, ctx)


def test_step_jacobian_batched_equals_per_sequence():
    pr = make_problem(24, N=3, T=3, output="tanh")
    cache, _ = _run(pr)
    for t in range(-1, cache.T):
        for path in (None, *RECURRENT):
            Jb = grubptt.step_jacobian(pr.params, cache, t, path=path)
            assert Jb.shape == (3, 4, 4)
            for n in range(3):
                single = grubptt.forward(pr.params, pr.x[n], pr.h0[n], output=pr.output)
                assert_rel(f"step_jacobian(t={t}, path={path!r})[{n}]", Jb[n],
                           grubptt.step_jacobian(pr.params, single, t, path=path), 1e-13, pr.desc,
                           allow_zero=True)


def test_split_step_with_equal_arguments_is_the_step():
    pr = make_problem(25, T=1)
    h = pr.h0
    s = grubptt.gru_step(pr.params, pr.x[0], h)
    assert_rel("gru_step_split(h, h, h, h)", grubptt.gru_step_split(pr.params, pr.x[0], h, h, h, h), s.h,
               0.0, pr.desc)
    cache = grubptt.forward(pr.params, pr.x, h)
    assert_rel("gru_step vs forward h[0]", s.h, cache.h[0], 1e-14, pr.desc)
