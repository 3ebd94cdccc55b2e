"""grubptt.paths: the factor-by-factor Jacobians of the four recurrent paths of (9.22)."""

from __future__ import annotations

import numpy as np
import pytest

import grubptt
from grubptt import paths

SEEDS = range(6)


def problem(seed: int, *, dtype=np.float64, h0: bool = True, sizes: tuple[int, int, int] | None = None):
    """A random GRU, sequence, targets and its forward/backward; sizes (D, H, O) drawn from the seed."""
    rng = np.random.default_rng(seed)
    D, H, O = (int(v) for v in rng.integers(1, 6, size=3))
    if sizes is not None:
        D, H, O = sizes
    T = int(rng.integers(1, 5))
    output = ("identity", "sigmoid", "tanh")[seed % 3]
    p = grubptt.init_params(D, H, O, seed=seed, dtype=dtype, scale=0.9)
    # Nonzero biases so no gate sits exactly at σ(0) = ½ and every diag factor differs.
    for name in ("bz", "br", "b"):
        setattr(p, name, (0.5 * rng.standard_normal(H)).astype(dtype))
    x = rng.standard_normal((T + 1, D))
    Y = rng.standard_normal((T + 1, O))
    init = rng.standard_normal(H) if h0 else None
    cache = grubptt.forward(p, x, init, output=output)
    grads = grubptt.backward(p, cache, Y)
    return p, cache, grads


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("path", sorted(grubptt.PATHS))
def test_product_of_factors_is_the_step_jacobian(seed, path):
    p, cache, _ = problem(seed)
    for t in range(-1, cache.T):  # t = −1 is the step from h^(-1) to h^(0)
        J = paths.path_product(paths.path_factors(p, cache, t, path))
        np.testing.assert_allclose(J, grubptt.step_jacobian(p, cache, t, path), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_four_paths_add_up_to_the_full_jacobian(seed):
    p, cache, _ = problem(seed)
    for t in range(-1, cache.T):
        total = sum(paths.path_product(paths.path_factors(p, cache, t, k)) for k in grubptt.PATHS)
        np.testing.assert_allclose(total, grubptt.step_jacobian(p, cache, t), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("path", sorted(grubptt.PATHS))
def test_delta_times_product_is_the_backward_term(seed, path):
    p, cache, grads = problem(seed)
    for t in range(cache.T):
        J = paths.path_product(paths.path_factors(p, cache, t, path))
        np.testing.assert_allclose(grads.dh[t + 1] @ J, grads.terms[path][t], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("path", sorted(grubptt.PATHS))
def test_every_factor_matches_central_differences(seed, path):
    p, cache, _ = problem(seed)
    for t in range(-1, cache.T):
        for f in paths.path_factors(p, cache, t, path):
            c = f.check()
            assert c.rel_err < 1e-7, (path, t, f.name, c.rel_err)
            assert c.value_err < 1e-12, (path, t, f.name, c.value_err)
            assert c.numeric.shape == f.shape == (cache.H, cache.H)


@pytest.mark.parametrize("path", sorted(grubptt.PATHS))
def test_factors_follow_the_chain_and_diagonal_flags_are_true(path):
    p, cache, _ = problem(3, sizes=(2, 4, 3))  # H > 1, so a full matrix has off-diagonal entries
    factors = paths.path_factors(p, cache, 0, path)
    # Backward order: the first factor ends at h^(t+1), the last starts at h^(t), links meet.
    chain = paths.PATH_CHAINS[path]
    assert [f.out for f in factors] == list(chain[:0:-1])
    assert [f.inp for f in factors] == list(chain[-2::-1])
    for f in factors:
        off = f.matrix - np.diag(np.diag(f.matrix))
        assert (not np.any(off)) == f.diagonal, f.name
        assert f.latex and f.symbol


def test_a_wrong_factor_is_caught():
    """The checks can fail: transposing U_z (a non-symmetric matrix) is detected."""
    p, cache, grads = problem(4)
    assert not np.allclose(p.Uz, p.Uz.T)
    f = paths.path_factors(p, cache, 0, "update_gate")[-1]
    assert f.name == "da_z/dh"
    f.matrix = f.matrix.T
    assert f.check().rel_err > 1e-3
    # and a wrong stored term is caught by check_path
    grads.terms["carry"][0] += 1e-3
    with pytest.raises(AssertionError, match="carry t=0 term"):
        paths.check_path(p, cache, grads, "carry").assert_ok(1e-6)


def test_a_sub_map_at_the_wrong_point_is_caught():
    p, cache, _ = problem(2)
    f = paths.path_factors(p, cache, 0, "reset_gate")[-1]
    f.at = f.at + 0.1
    assert f.check().value_err > 1e-3


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("path", sorted(grubptt.PATHS))
def test_check_path_covers_every_step_and_passes(seed, path):
    p, cache, grads = problem(seed)
    report = paths.check_path(p, cache, grads, path)
    n_factors = len(paths.PATH_CHAINS[path]) - 1
    assert len(report.rows) == cache.T * (n_factors + 2)
    assert sorted({r.t for r in report.rows}) == list(range(cache.T))
    report.assert_ok(1e-7)
    assert report.max_rel_err < 1e-7
    summary = report.summary()
    assert len(summary.rows) == n_factors + 2
    for s in summary.rows:
        assert s.t is None
        assert s.rel_err == max(r.rel_err for r in report.rows if r.check == s.check)


def test_check_path_single_and_several_steps():
    p, cache, grads = problem(5)
    assert cache.T >= 1
    one = paths.check_path(p, cache, grads, "candidate", 0)
    assert {r.t for r in one.rows} == {0}
    both = paths.check_path(p, cache, grads, "candidate", [0, 0])
    assert len(both.rows) == 2 * len(one.rows)


def test_report_prints_and_renders():
    p, cache, grads = problem(1)
    report = paths.check_path(p, cache, grads, "reset_gate", 0)
    text, html = str(report), report._repr_html_()
    for f in paths.path_factors(p, cache, 0, "reset_gate"):
        assert f.name in text and f.name in html
    assert "product" in text and "term" in html and html.startswith("<table>")
    assert len(text.splitlines()) == len(report.rows) + 1


def test_float32_parameters():
    p, cache, grads = problem(0, dtype=np.float32)
    for path in grubptt.PATHS:
        J = paths.path_product(paths.path_factors(p, cache, 0, path))
        assert J.dtype == np.float64
        np.testing.assert_allclose(J, grubptt.step_jacobian(p, cache, 0, path), rtol=1e-5, atol=1e-6)


def test_zero_initial_state_gives_zero_reset_gate_path_at_minus_one():
    """With h^(-1) = 0 the reset gate has nothing to scale: its path vanishes at t = −1."""
    p, cache, _ = problem(2, h0=False)
    J = paths.path_product(paths.path_factors(p, cache, -1, "reset_gate"))
    assert not np.any(J)
    assert np.any(paths.path_product(paths.path_factors(p, cache, 0, "reset_gate")))


def test_numerical_jacobian_of_a_linear_map():
    rng = np.random.default_rng(7)
    A = rng.standard_normal((3, 5))
    v = rng.standard_normal(3)
    J = paths.numerical_jacobian(lambda u: u @ A, v)
    np.testing.assert_allclose(J, A.T, rtol=1e-7, atol=1e-9)
    with pytest.raises(ValueError, match=r"shape \(n,\)"):
        paths.numerical_jacobian(lambda u: u, np.zeros((2, 2)))


def test_bad_arguments_raise_value_error():
    p, cache, grads = problem(0)
    T = cache.T
    with pytest.raises(ValueError, match="path must be one of"):
        paths.path_factors(p, cache, 0, "forget_gate")
    with pytest.raises(ValueError, match="path must be one of"):
        paths.check_path(p, cache, grads, "grad_dense")
    for t in (-2, T):
        with pytest.raises(ValueError, match="t must be an integer with -1 <= t <= "):
            paths.path_factors(p, cache, t, "carry")
    for t in (-1, T):
        with pytest.raises(ValueError, match="t must be an integer with 0 <= t <= "):
            paths.check_path(p, cache, grads, "carry", t)
    with pytest.raises(ValueError, match="no step to check"):
        paths.check_path(p, cache, grads, "carry", [])
    no_terms = grubptt.backward(p, cache, grads.Y, terms=False)
    with pytest.raises(ValueError, match="terms=True"):
        paths.check_path(p, cache, no_terms, "carry")
    with pytest.raises(ValueError, match="at least one Factor"):
        paths.path_product([])
    other = grubptt.init_params(p.input_size, p.hidden_size + 1, p.output_size, seed=0)
    with pytest.raises(ValueError, match="cache was computed with other sizes than params"):
        paths.path_factors(other, cache, 0, "carry")


def test_batched_cache_is_refused():
    p = grubptt.init_params(2, 3, 1, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 4, 2))
    cache = grubptt.forward(p, x)
    grads = grubptt.backward(p, cache, np.zeros((2, 4, 1)))
    with pytest.raises(ValueError, match="unbatched"):
        paths.path_factors(p, cache, 0, "update_gate")
    with pytest.raises(ValueError, match="unbatched"):
        paths.check_path(p, cache, grads, "update_gate")


def test_single_step_sequence_has_no_recurrent_terms_to_check():
    p = grubptt.init_params(2, 3, 1, seed=0)
    cache = grubptt.forward(p, np.ones((1, 2)))
    grads = grubptt.backward(p, cache, np.zeros((1, 1)))
    with pytest.raises(ValueError, match="no step to check"):
        paths.check_path(p, cache, grads, "carry")
    # but the step from h^(-1) to h^(0) still has its factors
    assert len(paths.path_factors(p, cache, -1, "carry")) == 1


def test_describe_lists_every_factor_without_numbers():
    ex = paths.example()
    for path in grubptt.PATHS:
        factors = paths.path_factors(ex.params, ex.cache, 1, path)
        table = paths.describe(factors)
        html, text = table._repr_html_(), str(table)
        assert html.count("<tr>") == len(factors) + 1
        assert len(text.splitlines()) == len(factors)
        for f in factors:
            assert f"\\({f.latex}\\)" in html and f.name in text
        assert repr(table) == text
    with pytest.raises(ValueError, match="at least one Factor"):
        paths.describe([])


def test_example_is_seeded_and_consistent():
    a, b, c = paths.example(3), paths.example(3), paths.example(4)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.grads.dh, b.grads.dh)
    assert not np.array_equal(a.x, c.x)
    assert a.cache.T == 5 and a.x.shape == (6, 3) and a.Y.shape == (6, 2) and a.h0.shape == (4,)
    np.testing.assert_array_equal(a.cache.h0, a.h0)
    again = grubptt.backward(a.params, grubptt.forward(a.params, a.x, a.h0), a.Y)
    np.testing.assert_allclose(again.dh, a.grads.dh, rtol=0, atol=0)


def test_example_gate_biases_switch_paths():
    """bz very negative: z → 0, the carry path becomes (nearly) the identity; br very negative: r → 0."""
    closed_z = paths.example(bz=-12.0)
    assert np.all(closed_z.cache.z < 1e-4)
    J = paths.path_product(paths.path_factors(closed_z.params, closed_z.cache, 2, "carry"))
    np.testing.assert_allclose(J, np.eye(4), atol=1e-4)
    closed_r = paths.example(br=-12.0)
    assert np.all(closed_r.cache.r < 1e-4)
    J = paths.path_product(paths.path_factors(closed_r.params, closed_r.cache, 2, "candidate"))
    assert np.abs(J).max() < 1e-4
    with pytest.raises(ValueError, match="T must be an integer"):
        paths.example(T=-1)
