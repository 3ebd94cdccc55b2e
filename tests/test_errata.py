"""The errata's literal readings of eq. (9.22) are really wrong, and the meant readings really are right.

Each reading is evaluated with the true dh^(t+1) and compared with central differences of
the path-split step (``grubptt.term_check``), the independent reference for one term.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import grubptt
from grubptt import errata


def _instance(seed: int, output: str, D: int = 3, H: int = 5, O: int = 3, T: int = 6):
    # Unit-scale weights: gates away from ½, so that σ'(a) and σ'(σ(a)) differ clearly.
    params = grubptt.init_params(D, H, O, seed=seed, scale=1.0)
    rng = np.random.default_rng(seed + 1000)
    x = rng.standard_normal((T + 1, D))
    Y = rng.standard_normal((T + 1, O))
    cache = grubptt.forward(params, x, output=output)
    return params, cache, grubptt.backward(params, cache, Y)


WRONG = [k for k, r in errata.READINGS.items() if not r.meant]


def test_every_term_has_exactly_one_meant_reading_and_at_least_one_wrong_one():
    terms = [r.term for r in errata.READINGS.values()]
    assert set(terms) == set(grubptt.TERMS)
    for term in grubptt.TERMS:
        meant = [r for r in errata.READINGS.values() if r.term == term and r.meant]
        assert len(meant) == 1 and errata.MEANT[term] == meant[0].key
        assert any(r.term == term and not r.meant for r in errata.READINGS.values())


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), output=st.sampled_from(sorted(grubptt.OUTPUTS)))
def test_literal_readings_are_wrong_on_random_instances(seed, output):
    params, cache, grads = _instance(seed, output)
    report = errata.check_readings(params, cache, grads, WRONG)
    for r in report.results:
        assert r.pooled > 0.1, f"{r.reading.key}: relative error {r.pooled:.2e} (seed {seed}, {output})"


@pytest.mark.parametrize("output", sorted(grubptt.OUTPUTS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_meant_readings_match_term_check_and_backward(seed, output):
    params, cache, grads = _instance(seed, output)
    report = errata.check_readings(params, cache, grads, list(errata.MEANT.values()))
    for r in report.results:
        assert r.rel_errs.max() < 1e-6, f"{r.reading.key}: {r.rel_errs.max():.2e}"
        for t in report.steps[r.reading.term]:
            value = errata.evaluate_reading(params, cache, grads, r.reading.key, t)
            chk = grubptt.term_check(params, cache, grads, r.reading.term, t)
            # the meant reading is the package's term, up to rounding
            np.testing.assert_allclose(value, chk.analytic, rtol=1e-12, atol=1e-14)


def test_recurrent_readings_vanish_at_T():
    params, cache, grads = _instance(3, "identity")
    for k, r in errata.READINGS.items():
        if r.term != "grad_dense":
            assert np.all(errata.evaluate_reading(params, cache, grads, k, cache.T) == 0.0), k


def test_report_lookup_and_tables():
    params, cache, grads = _instance(4, "tanh", T=2)
    report = errata.check_readings(params, cache, grads)
    assert len(report.results) == len(errata.READINGS)
    assert report.steps["grad_dense"] == [0, 1, 2] and report.steps["carry"] == [0, 1]
    sub = report.for_term("candidate")
    assert {r.reading.term for r in sub.results} == {"candidate"}
    assert sub["candidate:meant"].reading.meant
    text, html = str(report), report._repr_html_()
    for k in errata.READINGS:
        assert k in text
    assert html.count("<tr>") == len(errata.READINGS) + 1
    with pytest.raises(KeyError):
        report["no-such-reading"]
    table = report.per_step("carry").splitlines()
    assert table[0].split() == ["reading", "t=0", "t=1", "all", "t"]
    assert [line.split()[0] for line in table[1:]] == ["meant", "gate"]
    assert float(table[1].split()[-1]) == pytest.approx(report["carry:meant"].pooled, rel=0.06)
    with pytest.raises(ValueError, match="term"):
        sub.per_step("carry")


def test_bad_arguments_raise_value_error():
    params, cache, grads = _instance(5, "identity", T=0)
    with pytest.raises(ValueError, match="T >= 1"):
        errata.check_readings(params, cache, grads, ["carry:meant"])
    params, cache, grads = _instance(5, "identity")
    with pytest.raises(ValueError, match="keys"):
        errata.check_readings(params, cache, grads, ["carry:nonsense"])
    with pytest.raises(ValueError, match="key"):
        errata.evaluate_reading(params, cache, grads, "nonsense", 0)
    with pytest.raises(ValueError, match="t must be an integer with 0 <= t <= "):
        errata.step_values(cache, grads, cache.T + 1)
    batched = grubptt.forward(params, np.zeros((2, 3, 3)))
    bgrads = grubptt.backward(params, batched, np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="unbatched"):
        errata.check_readings(params, batched, bgrads)
