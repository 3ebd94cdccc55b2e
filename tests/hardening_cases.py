"""Bad input for every public function of grubptt, by category, and how each call ends (issue 14).

Each case calls one public function with one bad argument and says which argument an error
must name.  A call ends in one of four ways:

- **clear error**: ValueError or TypeError whose message starts with the argument's name;
- **silently correct**: it returned, and the result equals the independent autograd model
  (tests/autograd_reference.py) or an exact computation on the cleaned input;
- **silently wrong**: it returned something that is not that, or returned where it must refuse;
- **obscure crash**: any other exception, or an error that does not name the argument.

``python tests/hardening_cases.py`` prints the table of categories × outcomes;
``--write`` puts it into tests/README.md.  tests/test_hardening.py asserts that no case is
silently wrong or an obscure crash, that the README holds the current counts, and feeds random
draws of the same categories through hypothesis.
"""

from __future__ import annotations

import math
import re
import sys
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import autograd_reference as ad  # noqa: E402

import grubptt as g  # noqa: E402
from grubptt import analysis, errata, paths, reference, sensitivity, train  # noqa: E402

OUTCOMES = ("clear error", "silently correct", "silently wrong", "obscure crash")
D, H, O, T = 3, 4, 2, 4


@dataclass
class Case:
    category: str
    call: str  # what was called, for a failure message
    arg: str  # the argument an error must name (message prefix)
    run: Callable[[], object]
    ok: Callable[[object], bool] | None = None  # None: the input must be refused


def outcome(case: Case) -> tuple[str, str]:
    """(outcome, detail) of one case."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = case.run()
    except (ValueError, TypeError) as e:
        if re.match(rf"{re.escape(case.arg)}\b", str(e)):
            return "clear error", str(e)
        return "obscure crash", f"{type(e).__name__} not naming {case.arg!r}: {e}"
    except Exception as e:  # noqa: BLE001 - any other exception is what this table counts
        return "obscure crash", f"{type(e).__name__}: {e}"
    if case.ok is None:
        return "silently wrong", f"returned {type(result).__name__} instead of refusing"
    try:
        good = bool(case.ok(result))
    except Exception as e:  # noqa: BLE001
        return "silently wrong", f"result could not be checked: {type(e).__name__}: {e}"
    return ("silently correct", "") if good else ("silently wrong", "result differs from the reference")


# ----------------------------------------------------------------------------------------------
# The base problem and its independent answers.


def _params(dtype=np.float64, seed=0) -> g.GRUParams:
    rng = np.random.default_rng(seed)
    p = g.init_params(D, H, O, seed=seed, dtype=dtype)
    for k in ("bz", "br", "b", "c"):
        setattr(p, k, (0.3 * rng.standard_normal(getattr(p, k).shape)).astype(dtype))
    return p


def _rnn_params(dtype=np.float64) -> g.RNNParams:
    return g.init_rnn_params(D, H, O, seed=1, dtype=dtype)


RNG = np.random.default_rng(7)
X = RNG.standard_normal((T + 1, D))
H0 = 0.5 * RNG.standard_normal(H)
Y = 0.5 * RNG.standard_normal((T + 1, O))


def _close(a, b, tol=1e-9) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or not np.all(np.isfinite(a)):
        return False
    scale = max(np.max(np.abs(b), initial=0.0), 1e-300)
    return float(np.max(np.abs(a - b), initial=0.0)) <= tol * scale


def _ad_grads(p, x=X, h0=H0, Yv=Y, output="identity") -> dict:
    return ad.gru_reference(
        p.astype(np.float64).arrays(),
        np.asarray(x, float),
        np.asarray(h0, float),
        np.asarray(Yv, float),
        output,
    )


def _grads_ok(p, x=X, h0=H0, Yv=Y, tol=1e-9):
    want = _ad_grads(p, x, h0, Yv)

    def ok(grads):
        return (
            all(_close(getattr(grads.params, k), want[k], tol) for k in p.names)
            and _close(grads.dh, want["dh"], tol)
            and _close(grads.dx, want["x"], tol)
            and _close(grads.dh0, want["h0"], tol)
        )

    return ok


def _loss_ok(p, x=X, h0=H0, Yv=Y, tol=1e-9):
    want = _ad_grads(p, x, h0, Yv)["loss"]
    return lambda cache: _close(g.loss(cache, np.asarray(Yv, float)), want, tol)


def _fresh():
    """Params, cache and grads of the base problem (a new set each time: cases may mutate them)."""
    p = _params()
    cache = g.forward(p, X, H0)
    return p, cache, g.backward(p, cache, Y)


# ----------------------------------------------------------------------------------------------
# Bad values by category.


def bad_arrays(good: np.ndarray, *, mismatch: bool = True) -> list[tuple[str, object]]:
    """(category, value) pairs that must be refused wherever ``good`` is expected."""
    nan, inf = good.copy(), good.copy()
    nan.reshape(-1)[0], inf.reshape(-1)[-1] = np.nan, np.inf
    neg = good.copy()
    neg.reshape(-1)[-1] = -np.inf
    out = [
        ("NaN / inf", nan),
        ("NaN / inf", inf),
        ("NaN / inf", neg),
        ("complex input", good.astype(complex) + 1j),
        ("complex input", good.astype(np.complex64)),
        ("masked array", np.ma.masked_array(good, mask=np.ones(good.shape, bool))),
        ("wrong dtype", good.astype(str)),
        ("wrong dtype", good.astype(bool)),
        ("wrong dtype", np.array([None] * good.size, dtype=object).reshape(good.shape)),
        ("wrong type", None),
        ("wrong type", "abc"),
        ("wrong shape", np.concatenate([good, good[..., :1]], axis=-1)),
        ("wrong shape", good[..., :0]),
        ("wrong shape", good.reshape(-1)[:1]),
        ("wrong shape", good[None, None]),
    ]
    if good.ndim >= 2 and mismatch:
        out += [("mismatched time / batch length", good[:-1]), ("mismatched time / batch length", good[:0])]
    elif good.ndim >= 2:
        out += [("T < 0", good[:0])]
    return out


def overflow_after_cast(good: np.ndarray) -> np.ndarray:
    """Finite in float64, inf in float32."""
    v = good.copy()
    v.reshape(-1)[0] = 1e39
    return v


def bad_params(p: g.GRUParams | g.RNNParams, other_model: bool = True) -> list[tuple[str, str, object]]:
    """(category, argument, value) for a params argument."""
    arrays = p.arrays()
    first = next(iter(arrays))
    sq = type(p)._SIZES["H"][0]  # the square recurrent matrix
    other = _rnn_params() if isinstance(p, g.GRUParams) else _params()
    out = [
        ("wrong type", "params", None),
        ("wrong type", "params", dict(arrays)),
        ("lists as params", "params", type(p)(**{k: v.tolist() for k, v in arrays.items()})),
        (
            "H = 0",
            "params",
            type(p)(
                **{
                    k: np.zeros(tuple(0 if s == "H" else {"D": D, "O": O}[s] for s in p.LAYOUT[k]))
                    for k in arrays
                }
            ),
        ),
        ("wrong shape", f"params.{sq}", replace(p, **{sq: np.ones((H + 1, H))})),
        ("wrong shape", f"params.{first}", replace(p, **{first: np.ones((D, H + 1))})),
        ("wrong shape", "params.c", replace(p, c=np.ones((1, O)))),
        ("wrong shape", "params.V", replace(p, V=np.ones((H + 1, O)))),
        ("wrong dtype", f"params.{first}", p.astype(np.int64)),
        ("wrong dtype", "params.c", replace(p, c=p.c.astype(np.float32))),
        ("complex input", f"params.{first}", p.astype(complex)),
        ("masked array", f"params.{first}", replace(p, **{first: np.ma.masked_array(arrays[first])})),
    ]
    if other_model:
        out.append(("wrong type", "params", other))
    for k, v in arrays.items():
        for bad in (np.nan, np.inf):
            w = v.copy()
            w.reshape(-1)[-1] = bad
            out.append(("NaN / inf", f"params.{k}", replace(p, **{k: w})))
    return out


def bad_ints(good: int, low: int, high: int | None) -> list[tuple[str, object]]:
    out = [
        ("not a true int", True),
        ("not a true int", float(good) + 0.5),
        ("not a true int", str(good)),
        ("not a true int", None),
        ("out of range", low - 1),
        ("out of range", low - 10),
    ]
    if high is not None:
        out += [("out of range", high + 1), ("out of range", high + 100)]
    return out


def bad_floats(*, positive: bool = True) -> list[tuple[str, object]]:
    out = [
        ("bad number", np.nan),
        ("bad number", np.inf),
        ("bad number", -np.inf),
        ("bad number", "0.1"),
        ("bad number", None),
        ("bad number", 1j),
    ]
    if positive:
        out += [("out of range", 0.0), ("out of range", -1e-3)]
    return out


BAD_NAMES = [("unknown name", "relu"), ("unknown name", None), ("unknown name", 3), ("unknown name", "")]


# ----------------------------------------------------------------------------------------------
# The catalogue.


def cases() -> list[Case]:
    out: list[Case] = []

    def add(category, call, arg, run, ok=None):
        out.append(Case(category, call, arg, run, ok))

    p, p32, rp = _params(), _params(np.float32), _rnn_params()
    Yb = np.stack([Y, Y])

    # --- arrays into the forward passes, backward's targets, the loss --------------------------
    fwd = {
        "forward": lambda x=X, h0=H0, q=p: g.forward(q, x, h0),
        "reference.forward": lambda x=X, h0=H0, q=p: reference.forward(q, x, h0),
        "rnn_forward": lambda x=X, h0=H0, q=rp: g.rnn_forward(q, x, h0),
    }
    for name, f in fwd.items():
        for cat, v in bad_arrays(X, mismatch=False):
            add(cat, name, "x", lambda f=f, v=v: f(x=v))
        for cat, v in bad_arrays(H0):
            if cat == "wrong type" and v is None:
                continue  # h0=None means zeros: valid
            add(cat, name, "h0", lambda f=f, v=v: f(h0=v))
        add("mismatched time / batch length", name, "h0", lambda f=f: f(h0=np.stack([H0, H0])))
    for name, f in (("forward", g.forward), ("reference.forward", reference.forward)):
        add("non-finite after cast", name, "x", lambda f=f: f(p32, overflow_after_cast(X)))
        add("non-finite after cast", name, "h0", lambda f=f: f(p32, X, overflow_after_cast(H0)))
        add("convertible input", name, "x", lambda f=f: f(p, X.tolist(), H0.tolist()), _loss_ok(p))
        add(
            "convertible input",
            name,
            "x",
            lambda f=f: f(p, X.astype(np.float32), H0),
            _loss_ok(p, X.astype(np.float32)),
        )
        add(
            "convertible input",
            name,
            "x",
            lambda f=f: f(p, np.round(X * 3).astype(int), H0),
            _loss_ok(p, np.round(X * 3)),
        )
    c64, c32 = g.forward(p, X, H0), g.forward(p32, X, H0)
    bwd = {
        "backward": lambda Yv: g.backward(p, c64, Yv),
        "reference.backward": lambda Yv: reference.backward(p, c64, Yv),
        "loss": lambda Yv: g.loss(c64, Yv),
        "analysis.grad_dense": lambda Yv: analysis.grad_dense(p, c64, Yv),
        "analysis.gradient_flow": lambda Yv: analysis.gradient_flow(p, c64, Yv),
        "analysis.last_step_gradients": lambda Yv: analysis.last_step_gradients(p, c64, Yv),
    }
    for name, f in bwd.items():
        for cat, v in bad_arrays(Y):
            add(cat, name, "Y", lambda f=f, v=v: f(v))
        add("mismatched time / batch length", name, "Y", lambda f=f: f(Yb))
    add("non-finite after cast", "backward", "Y", lambda: g.backward(p32, c32, overflow_after_cast(Y)))
    add("non-finite after cast", "loss", "Y", lambda: g.loss(c32, np.full((T + 1, O), 1e39)))
    add("convertible input", "backward", "Y", lambda: g.backward(p, c64, Y.tolist()), _grads_ok(p))
    add(
        "convertible input",
        "reference.backward",
        "Y",
        lambda: reference.backward(p, c64, Y.tolist()),
        _grads_ok(p),
    )
    rc = g.rnn_forward(rp, X, H0)
    for cat, v in bad_arrays(Y):
        add(cat, "rnn_backward", "Y", lambda v=v: g.rnn_backward(rp, rc, v))

    # --- params ----------------------------------------------------------------------------------
    gru_fns = {
        "forward": lambda q: g.forward(q, X, H0),
        "reference.forward": lambda q: reference.forward(q, X),
        "gru_step": lambda q: g.gru_step(q, X[0], H0),
        "gradcheck": lambda q: g.gradcheck(q, X[:2], Y[:2], include_inputs=False),
        "analysis.make_data+train.evaluate": lambda q: train.evaluate(q, X[None], Y[None]),
        "sensitivity.loss_from_state": lambda q: sensitivity.loss_from_state(q, X, Y, 1, H0),
    }
    for name, f in gru_fns.items():
        for cat, arg, v in bad_params(
            p, other_model=name not in ("gradcheck", "analysis.make_data+train.evaluate")
        ):
            add(cat, name, arg, lambda f=f, v=v: f(v))
    for cat, arg, v in bad_params(rp):
        add(cat, "rnn_forward", arg, lambda v=v: g.rnn_forward(v, X, H0))
    add("wrong type", "train.train", "params", lambda: train.train(None, train.HoldMarked()))

    # --- caches: from other params, params changed since, other model, wrong object ---------------
    def cache_cases(name, fn, model="GRU"):
        """fn(params, cache) for a GRU (or SimpleRNN) pair."""
        if model == "GRU":
            q, c = _params(), None
            c = g.forward(q, X, H0)
            other = _params(seed=5)
            wrong_model = g.rnn_forward(rp, X, H0)
            bigger = g.init_params(D, H + 1, O, seed=0)
        else:
            q = _rnn_params()
            c = g.rnn_forward(q, X, H0)
            other = g.init_rnn_params(D, H, O, seed=9)
            wrong_model = g.forward(p, X, H0)
            bigger = g.init_rnn_params(D, H + 1, O, seed=0)
        add("cache from other params", name, "cache", lambda: fn(other, c))
        add("cache of other sizes", name, "cache", lambda: fn(bigger, c))
        add("wrong type", name, "cache", lambda: fn(q, None))
        add("wrong type", name, "cache", lambda: fn(q, wrong_model))

        def mutated():
            q2 = q.copy()
            c2 = (g.forward if model == "GRU" else g.rnn_forward)(q2, X, H0)
            q2.U *= 1.5
            return fn(q2, c2)

        add("params changed after forward", name, "cache", mutated)

        def nan_later():
            q2 = q.copy()
            c2 = (g.forward if model == "GRU" else g.rnn_forward)(q2, X, H0)
            next(iter(q2.arrays().values()))[0, 0] = np.nan
            return fn(q2, c2)

        add("params changed after forward", name, "params", nan_later)  # named precisely: NaN

    cache_cases("backward", lambda q, c: g.backward(q, c, Y))
    cache_cases("reference.backward", lambda q, c: reference.backward(q, c, Y))
    cache_cases("step_jacobian", lambda q, c: g.step_jacobian(q, c, 1))
    cache_cases("term_check", lambda q, c: g.term_check(q, c, g.backward(q, c, Y), "carry", 1))
    cache_cases("analysis.bptt", lambda q, c: analysis.bptt(q, c, np.ones((T + 1, H))))
    cache_cases("analysis.gradient_flow", lambda q, c: analysis.gradient_flow(q, c, Y))
    cache_cases("analysis.step_jacobians", lambda q, c: analysis.step_jacobians(q, c))
    cache_cases("analysis.carry_deviation", lambda q, c: analysis.carry_deviation(q, c))
    cache_cases("paths.path_factors", lambda q, c: paths.path_factors(q, c, 1, "carry"))
    cache_cases("rnn_backward", lambda q, c: g.rnn_backward(q, c, Y), "SimpleRNN")
    cache_cases("rnn_step_jacobian", lambda q, c: g.rnn_step_jacobian(q, c, 1), "SimpleRNN")
    cache_cases(
        "analysis.gradient_flow (SimpleRNN)", lambda q, c: analysis.gradient_flow(q, c, Y), "SimpleRNN"
    )
    add("wrong type", "loss", "cache", lambda: g.loss(None, Y))
    add("wrong type", "loss", "cache", lambda: g.loss(p, Y))

    # --- grads from another cache, or without terms -------------------------------------------------
    def grads_cases(name, fn, needs_terms=True):
        q, c, gr = _fresh()
        other_c = g.forward(q, X * 0.5, H0)
        other_g = g.backward(q, other_c, Y)
        no_terms = g.backward(q, c, Y, terms=False)
        add("grads from another cache", name, "grads", lambda: fn(q, c, other_g))
        add("grads from another cache", name, "grads", lambda: fn(q, c, reference.backward(q, other_c, Y)))
        add("wrong type", name, "grads", lambda: fn(q, c, None))
        add("wrong type", name, "grads", lambda: fn(q, c, q))
        if needs_terms:
            add("grads without terms", name, "grads", lambda: fn(q, c, no_terms))
        else:
            want = fn(q, c, gr)
            add("grads without terms", name, "grads", lambda: fn(q, c, no_terms), lambda r: _close(r, want))

    grads_cases("term_check", lambda q, c, gr: g.term_check(q, c, gr, "reset_gate", 1))
    grads_cases("term_table", lambda q, c, gr: g.term_table(q, c, gr, "carry"))
    grads_cases("paths.check_path", lambda q, c, gr: paths.check_path(q, c, gr, "carry", 1))
    grads_cases(
        "errata.evaluate_reading",
        lambda q, c, gr: errata.evaluate_reading(q, c, gr, "carry:meant", 1),
        needs_terms=False,
    )
    grads_cases("errata.check_readings", lambda q, c, gr: errata.check_readings(q, c, gr, ["carry:meant"]))
    add("wrong type", "sensitivity.term_norms", "grads", lambda: sensitivity.term_norms(None))
    add(
        "grads without terms",
        "sensitivity.term_norms",
        "grads",
        lambda: sensitivity.term_norms(g.backward(p, c64, Y, terms=False)),
    )

    # --- integer arguments: t, sizes, lengths ------------------------------------------------------
    q, c, gr = _fresh()
    want_J = ad.gru_step_jacobian(q.arrays(), X[2], c.h[1])
    t_fns = {
        "step_jacobian": (lambda t: g.step_jacobian(q, c, t), -1, T - 1),
        "term_check": (lambda t: g.term_check(q, c, gr, "carry", t), 0, T),
        "rnn_step_jacobian": (lambda t: g.rnn_step_jacobian(rp, rc, t), -1, T - 1),
        "paths.path_factors": (lambda t: paths.path_factors(q, c, t, "carry"), -1, T - 1),
        "paths.check_path": (lambda t: paths.check_path(q, c, gr, "carry", t), 0, T - 1),
        "errata.step_values": (lambda t: errata.step_values(c, gr, t), 0, T),
        "sensitivity.loss_from_state": (lambda t: sensitivity.loss_from_state(q, X, Y, t, H0), -1, T),
        "sensitivity.state_gradient": (lambda t: sensitivity.state_gradient(q, X, Y, t), -1, T),
    }
    for name, (f, lo, hi) in t_fns.items():
        for cat, v in bad_ints(1, lo, hi):
            if v is None and name == "paths.check_path":
                continue  # t=None: every step, valid
            add(cat, name, "t", lambda f=f, v=v: f(v))
    add(
        "convertible input",
        "step_jacobian",
        "t",
        lambda: g.step_jacobian(q, c, np.int64(1)),
        lambda J: _close(J, want_J),
    )
    size_fns = {
        "init_params": ("input_size", lambda v: g.init_params(v, H, O)),
        "init_params ": ("hidden_size", lambda v: g.init_params(D, v, O)),
        "init_rnn_params": ("output_size", lambda v: g.init_rnn_params(D, H, v)),
        "analysis.make_gru": ("hidden_size", lambda v: analysis.make_gru(v)),
        "analysis.make_data": ("input_size", lambda v: analysis.make_data(3, input_size=v)),
        "train.HoldMarked": ("length", lambda v: train.HoldMarked(length=v)),
        "HoldMarked.sample": ("n", lambda v: train.HoldMarked().sample(v)),
        "train.train": ("steps", lambda v: train.train(_params(), train.HoldMarked(), steps=v)),
        "train.train ": ("batch", lambda v: train.train(_params(), train.HoldMarked(), batch=v)),
    }
    for name, (arg, f) in size_fns.items():
        for cat, v in bad_ints(2, 1, None):
            add(cat, name.strip(), arg, lambda f=f, v=v: f(v))
    for name, (arg, f) in {
        "analysis.make_data": ("T", lambda v: analysis.make_data(v)),
        "analysis.sample_steps": ("T", lambda v: analysis.sample_steps(v)),
        "analysis.sample_steps ": ("max_steps", lambda v: analysis.sample_steps(9, v)),
    }.items():
        for cat, v in bad_ints(2, 0, None):
            if v is None and arg == "max_steps":
                continue  # None: all steps, valid
            add(cat, name.strip(), arg, lambda f=f, v=v: f(v))

    # --- real-valued settings -------------------------------------------------------------------------
    eps_fns = {
        "gradcheck": lambda e: g.gradcheck(p, X[:2], Y[:2], eps=e, include_inputs=False),
        "numerical_gradient": lambda e: g.numerical_gradient(lambda a: float(a.sum()), np.ones(3), e),
        "term_check": lambda e: g.term_check(q, c, gr, "carry", 1, eps=e),
        "paths.check_path": lambda e: paths.check_path(q, c, gr, "carry", 1, eps=e),
        "sensitivity.state_gradient": lambda e: sensitivity.state_gradient(q, X, Y, 1, eps=e),
    }
    for name, f in eps_fns.items():
        for cat, v in bad_floats():
            add(cat, name, "eps", lambda f=f, v=v: f(v))
    real_fns = {
        "init_params": ("scale", lambda v: g.init_params(D, H, O, scale=v), True),
        "init_params ": ("recurrent_radius", lambda v: g.init_params(D, H, O, recurrent_radius=v), False),
        "init_params  ": ("bz", lambda v: g.init_params(D, H, O, bz=v), None),
        "analysis.make_gru": ("radius", lambda v: analysis.make_gru(4, radius=v), False),
        "train.GD": ("lr", lambda v: train.GD(v), True),
        "train.Adam": ("eps", lambda v: train.Adam(eps=v), True),
        "train.clip_by_norm": ("max_norm", lambda v: train.clip_by_norm(gr.params, v), True),
        "train.train": ("clip", lambda v: train.train(_params(), train.HoldMarked(), clip=v), True),
    }
    for name, (arg, f, positive) in real_fns.items():
        for cat, v in bad_floats(positive=bool(positive)):
            if v is None and arg in ("recurrent_radius", "scale", "max_norm", "clip"):
                continue  # None: the documented default
            if positive is False and v in (0.0,):
                continue
            add(cat, name.strip(), arg, lambda f=f, v=v: f(v))
        if positive is False:
            add("out of range", name.strip(), arg, lambda f=f: f(-0.5))
    add(
        "non-finite after cast",
        "init_params",
        "scale",
        lambda: g.init_params(D, H, O, scale=1e300, dtype=np.float32),
    )
    add(
        "non-finite after cast",
        "init_params",
        "bz",
        lambda: g.init_params(D, H, O, bz=1e39, dtype=np.float32),
    )
    add("out of range", "train.Adam", "beta1", lambda: train.Adam(beta1=1.0))
    add("out of range", "train.Adam", "beta2", lambda: train.Adam(beta2=-0.1))
    add(
        "float16 training",
        "train.train",
        "params.dtype",
        lambda: train.train(_params().astype(np.float16), train.HoldMarked(), steps=2),
    )
    for dt in (np.int64, "int32", object, complex):
        add("wrong dtype", "init_params", "dtype", lambda dt=dt: g.init_params(D, H, O, dtype=dt))

    # --- names --------------------------------------------------------------------------------------
    name_fns = {
        ("forward", "output"): lambda v: g.forward(p, X, output=v),
        ("reference.forward", "output"): lambda v: reference.forward(p, X, output=v),
        ("rnn_forward", "output"): lambda v: g.rnn_forward(rp, X, output=v),
        ("rnn_forward", "activation"): lambda v: g.rnn_forward(rp, X, activation=v),
        ("step_jacobian", "path"): lambda v: g.step_jacobian(q, c, 1, path=v),
        ("term_check", "term"): lambda v: g.term_check(q, c, gr, v, 1),
        ("paths.path_factors", "path"): lambda v: paths.path_factors(q, c, 1, v),
        ("analysis.make_data", "output"): lambda v: analysis.make_data(3, output=v),
        ("errata.evaluate_reading", "key"): lambda v: errata.evaluate_reading(q, c, gr, v, 1),
        ("train.train", "output"): lambda v: train.train(_params(), train.HoldMarked(), output=v),
    }
    for (name, arg), f in name_fns.items():
        for cat, v in BAD_NAMES:
            if v is None and arg == "path" and name == "step_jacobian":
                continue  # path=None: the whole Jacobian
            add(cat, name, arg, lambda f=f, v=v: f(v))

    # --- other objects ------------------------------------------------------------------------------
    add("wrong type", "train.train", "task", lambda: train.train(_params(), None))
    add(
        "wrong type",
        "train.train",
        "optimizer",
        lambda: train.train(_params(), train.HoldMarked(), optimizer=3),
    )
    add("wrong type", "train.grad_norm", "grads", lambda: train.grad_norm(None))
    add("wrong type", "train.clip_by_norm", "grads", lambda: train.clip_by_norm({"W": np.ones(2)}, 1.0))
    add("wrong type", "numerical_gradient", "f", lambda: g.numerical_gradient(None, np.ones(3)))
    add("wrong type", "numerical_gradient", "x", lambda: g.numerical_gradient(lambda a: 0.0, [1.0, 2.0]))
    for cat, v in bad_arrays(np.ones(3))[:6]:
        add(cat, "relative_error", "a", lambda v=v: g.relative_error(v, np.ones(3)))
        add(cat, "relative_error", "b", lambda v=v: g.relative_error(np.ones(3), v))
        add(cat, "numerical_gradient", "x", lambda v=v: g.numerical_gradient(lambda a: 0.0, v))
    for cat, v in bad_arrays(X[0]):
        add(cat, "gru_step", "x_t", lambda v=v: g.gru_step(p, v, H0))
    for cat, v in bad_arrays(H0):
        add(cat, "gru_step", "h_prev", lambda v=v: g.gru_step(p, X[0], v))
        add(cat, "gru_step_split", "h_c", lambda v=v: g.gru_step_split(p, X[0], H0, H0, v, H0))
        add(cat, "sensitivity.loss_from_state", "h_t", lambda v=v: sensitivity.loss_from_state(q, X, Y, 1, v))
    for cat, v in bad_arrays(np.ones((T + 1, H))):
        add(cat, "analysis.bptt", "grad_dense", lambda v=v: analysis.bptt(q, c, v))

    # --- empty reports ----------------------------------------------------------------------------
    add(
        "empty report",
        "GradCheckReport().max_rel_err",
        "the gradient check report",
        lambda: g.GradCheckReport().max_rel_err,
    )
    add(
        "empty report",
        "TermTable([]).max_rel_err",
        "the carry: term check report",
        lambda: g.TermTable("carry", []).max_rel_err,
    )
    add(
        "empty report",
        "PathReport().max_rel_err",
        "the path check report",
        lambda: paths.PathReport().max_rel_err,
    )

    # --- numerics at the edges: must be computed right ---------------------------------------------
    for dtype, big in ((np.float32, 1e20), (np.float32, 1e-30), (np.float64, 1e200), (np.float64, 1e-200)):
        huge = gr.params.astype(dtype)
        huge = type(huge)(
            **{k: (v / np.max(np.abs(v)) * big).astype(dtype) for k, v in huge.arrays().items()}
        )
        exact = math.hypot(*(float(e) for v in huge.arrays().values() for e in v.reshape(-1)))
        add(
            "huge or tiny gradients",
            "train.grad_norm",
            "grads",
            lambda h=huge: train.grad_norm(h),
            lambda n, exact=exact: abs(n - exact) <= 1e-6 * exact,
        )

        def clipped_ok(res, exact=exact, h=huge):
            clipped, norm = res
            new = math.hypot(*(float(e) for v in clipped.arrays().values() for e in v.reshape(-1)))
            return abs(norm - exact) <= 1e-6 * exact and abs(new - min(1.0, exact)) <= 1e-5 * min(1.0, exact)

        add(
            "huge or tiny gradients",
            "train.clip_by_norm",
            "grads",
            lambda h=huge: train.clip_by_norm(h, 1.0),
            clipped_ok,
        )
    a_big, b_big = np.array([1e200, 2e200]), np.array([1e200, 2.5e200])
    add(
        "huge or tiny gradients",
        "relative_error",
        "a",
        lambda: g.relative_error(a_big, b_big),
        lambda r: abs(r - 0.5 / math.hypot(1, 2.5)) < 1e-12,
    )
    add(
        "huge or tiny gradients",
        "loss",
        "Y",
        lambda: g.loss(c32, np.full((T + 1, O), 3e19, np.float32)),
        lambda L: (
            abs(L - 0.5 * float(np.sum((c32.y.astype(np.float64) - np.float32(3e19)) ** 2))) <= 1e-6 * L
        ),
    )

    def restored():
        x = np.ones(3)

        def f(a):
            raise RuntimeError("f failed")

        try:
            g.numerical_gradient(f, x)
        except RuntimeError:
            return bool(np.all(x == 1.0))
        return False

    add("f raises", "numerical_gradient", "x", restored, lambda r: r is True)
    return out


def run_all() -> tuple[list[tuple[Case, str, str]], dict[str, Counter]]:
    results = [(c, *outcome(c)) for c in cases()]
    table: dict[str, Counter] = {}
    for c, o, _ in results:
        table.setdefault(c.category, Counter())[o] += 1
    return results, table


def markdown(table: dict[str, Counter]) -> str:
    lines = ["| category | " + " | ".join(OUTCOMES) + " | cases |", "|---|" + "---:|" * (len(OUTCOMES) + 1)]
    total = Counter()
    for cat in sorted(table):
        total.update(table[cat])
        lines.append(
            f"| {cat} | "
            + " | ".join(str(table[cat][o]) for o in OUTCOMES)
            + f" | {sum(table[cat].values())} |"
        )
    lines.append(
        "| **all** | " + " | ".join(f"**{total[o]}**" for o in OUTCOMES) + f" | **{sum(total.values())}** |"
    )
    return "\n".join(lines)


BEGIN, END = "<!-- hardening table: begin -->", "<!-- hardening table: end -->"
README = Path(__file__).parent / "README.md"


def readme_table() -> str | None:
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    if BEGIN not in text:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def main(argv: list[str]) -> int:
    results, table = run_all()
    md = markdown(table)
    print(md)
    for c, o, detail in results:
        if o in ("silently wrong", "obscure crash"):
            print(f"{o}: [{c.category}] {c.call}({c.arg}): {detail}")
    if "--write" in argv:
        text = README.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        README.write_text(f"{head}{BEGIN}\n{md}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
