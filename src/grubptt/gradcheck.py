"""Gradient checks by central differences, as tables a notebook can print.

Explained in "Parameter gradients" (``book/09_parameter_gradients.ipynb``); the per-step
table of one term of (9.22) in the path chapters (``book/04``–``07``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import check_activation_name, check_output_name, output_fns
from .cache import PATHS, TERMS, GRUCache, GRUGrads
from .dense import loss
from .models import check_pair, model_of
from .numeric import check_eps, numerical_gradient, relative_error
from .params import GRUParams
from .rnn import RNNParams
from .step import gru_step_split
from .validation import as_array, check_params, int_in_range

__all__ = ["CheckReport", "GradCheckRow", "GradCheckReport", "gradcheck", "TermCheck", "term_check",
           "TermTable", "term_table"]


class CheckReport:
    """What every table of checks shares: its rows' worst error, and an assert that names the bad rows.

    Subclasses say where the rows are (``_rows``), the error of one row (``_err``) and how
    to describe it (``_describe``).  A report without rows checked nothing: it fails.
    """

    what = "check"

    def _rows(self) -> list:
        return self.rows

    @staticmethod
    def _err(row) -> float:
        return row.rel_err

    @staticmethod
    def _describe(row) -> str:
        return f"{row.name}: rel err {row.rel_err:.2e}"

    @property
    def max_rel_err(self) -> float:
        """The largest error of any row; ValueError for an empty report."""
        rows = self._rows()
        if not rows:
            raise ValueError(f"the {self.what} report holds no checks, so it has no largest error")
        return max(self._err(r) for r in rows)

    def assert_ok(self, tol: float = 1e-6) -> None:
        """Raise AssertionError naming every row whose error exceeds ``tol`` (or is NaN)."""
        rows = self._rows()
        if not rows:
            raise AssertionError(f"the {self.what} report holds no checks")
        bad = [r for r in rows if not self._err(r) <= tol]
        if bad:
            raise AssertionError(f"{self.what} failed (tol {tol:.0e}):\n"
                                 + "\n".join(f"  {self._describe(r)}" for r in bad))


@dataclass
class GradCheckRow:
    name: str
    shape: tuple[int, ...]
    rel_err: float
    max_abs_err: float


@dataclass
class GradCheckReport(CheckReport):
    """Per-array relative errors between backprop and central differences."""

    rows: list[GradCheckRow] = field(default_factory=list)
    what = "gradient check"

    @staticmethod
    def _describe(r) -> str:
        return f"{r.name} {r.shape}: rel err {r.rel_err:.2e}"

    def as_dict(self) -> dict[str, float]:
        return {r.name: r.rel_err for r in self.rows}

    def __str__(self) -> str:
        lines = [f"{'array':<8}{'shape':<14}{'rel. error':>12}{'max |diff|':>12}"]
        lines += [f"{r.name:<8}{str(r.shape):<14}{r.rel_err:>12.1e}{r.max_abs_err:>12.1e}" for r in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(f"<tr><td><code>{r.name}</code></td><td>{r.shape}</td><td>{r.rel_err:.1e}</td>"
                       f"<td>{r.max_abs_err:.1e}</td></tr>" for r in self.rows)
        return ("<table><thead><tr><th>array</th><th>shape</th><th>relative error</th>"
                f"<th>max |difference|</th></tr></thead><tbody>{body}</tbody></table>")


def gradcheck(params: GRUParams | RNNParams, x, Y, h0=None, *, output: str = "identity",
              activation: str = "tanh", eps: float = 1e-6, include_inputs: bool = True) -> GradCheckReport:
    """Compare :func:`backward` (or :func:`rnn_backward`) with central differences of L.

    Every parameter array is checked, and with ``include_inputs`` also ``h0`` (h^(-1))
    and ``x``.  Work is in float64 whatever ``params.dtype``.
    """
    model = model_of(params)
    check_params(params, model.params_type)
    check_output_name(output)
    if model.name == "SimpleRNN":
        check_activation_name(activation)
    eps = check_eps(eps)
    p = params.astype(np.float64)
    x = as_array(x, "x", np.float64, copy=True)
    Y = as_array(Y, "Y", np.float64, copy=True)

    def run(x_, h0_):
        return model.forward(p, x_, h0_, output=output, activation=activation)

    cache = run(x, h0)
    h0 = np.array(cache.h0, dtype=np.float64)
    grads = model.backward(p, cache, Y)

    def L() -> float:
        return loss(run(x, h0), Y)

    arrays = {name: (getattr(p, name), getattr(grads.params, name)) for name in p.names}
    if include_inputs:
        arrays["h0"] = (h0, grads.dh0)
        arrays["x"] = (x, grads.dx)
    report = GradCheckReport()
    for name, (arr, analytic) in arrays.items():
        numeric = numerical_gradient(lambda _: L(), arr, eps)
        report.rows.append(GradCheckRow(name, tuple(arr.shape), relative_error(analytic, numeric),
                                        float(np.max(np.abs(analytic - numeric), initial=0.0))))
    return report


@dataclass
class TermCheck:
    """One term of (9.22) at one t: the formula's value, central differences, their relative error."""

    term: str
    t: int
    analytic: np.ndarray
    numeric: np.ndarray
    rel_err: float


def term_check(params: GRUParams, cache: GRUCache, grads: GRUGrads, term: str, t: int,
               *, eps: float = 1e-6) -> TermCheck:
    """Check one term of (9.22) at step t against central differences.

    grad_dense: differentiate L^(t) = ½‖g(h V + c) − Y^(t)‖² with respect to h^(t).
    A recurrent path: differentiate dh^(t+1) · gru_step_split(...) with respect to
    the one argument that carries the path, all four held at h^(t).  At t = T the
    recurrent terms are zero (nothing follows h^(T)).  Unbatched caches only.
    """
    if not isinstance(params, GRUParams):
        raise TypeError(f"params must be GRUParams, got {type(params).__name__}")
    check_pair(params, cache, "term_check", grads)
    if cache.batched:
        raise ValueError("term_check takes an unbatched cache (x of shape (T+1, D))")
    if term not in TERMS:
        raise ValueError(f"term must be one of {list(TERMS)}, got {term!r}")
    t = int_in_range("t", t, 0, cache.T, f" (T = {cache.T})")
    eps = check_eps(eps)
    if grads.terms is None:
        raise ValueError("grads has no terms: call backward(..., terms=True)")
    analytic = grads.terms[term][t]
    h_t = np.array(cache.h[t], dtype=np.float64)
    p64 = params.astype(np.float64)
    if term == "grad_dense":
        g, _ = output_fns(cache.output)
        Y_t = np.asarray(grads.Y[t], dtype=np.float64)
        numeric = numerical_gradient(lambda h: 0.5 * np.sum((g(h @ p64.V + p64.c) - Y_t) ** 2), h_t, eps)
    elif t == cache.T:
        numeric = np.zeros_like(h_t)
    else:
        delta = np.asarray(grads.dh[t + 1], dtype=np.float64)
        x_next = np.asarray(cache.x[t + 1], dtype=np.float64)
        arg = PATHS[term]

        def f(h_var):
            hs = {k: (h_var if k == arg else h_t) for k in ("h_z", "h_r", "h_c", "h_carry")}
            return float(delta @ gru_step_split(p64, x_next, **hs))

        numeric = numerical_gradient(f, h_t.copy(), eps)
    return TermCheck(term, t, np.asarray(analytic), numeric, relative_error(analytic, numeric))


@dataclass
class TermTable(CheckReport):
    """:func:`~grubptt.term_check` of one term of (9.22) at every t = 0..T."""

    term: str
    checks: list[TermCheck]

    @property
    def what(self) -> str:
        return f"{self.term}: term check"

    def _rows(self) -> list:
        return self.checks

    @staticmethod
    def _describe(c) -> str:
        return f"t = {c.t} (rel err {c.rel_err:.2e})"

    def assert_ok(self, tol: float = 1e-6) -> None:
        """Every t within ``tol``; a recurrent term also exactly zero at t = T (nothing follows h^(T))."""
        super().assert_ok(tol)
        last = self.checks[-1]
        if self.term in PATHS and np.any(last.analytic):
            raise AssertionError(f"{self.term}: the term at t = T = {last.t} must be zero, "
                                 f"largest entry {np.max(np.abs(last.analytic)):.2e}")

    def __str__(self) -> str:
        return "\n".join(["t   relative error (formula vs central differences)"]
                         + [f"{c.t}   {c.rel_err:.1e}" for c in self.checks])


def term_table(params: GRUParams, cache: GRUCache, grads: GRUGrads, term: str,
               *, eps: float = 1e-6) -> TermTable:
    """Check one term of (9.22) at every step t = 0..T with :func:`~grubptt.term_check`."""
    return TermTable(term, [term_check(params, cache, grads, term, t, eps=eps) for t in range(cache.T + 1)])
