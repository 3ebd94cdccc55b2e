"""Gradient checks by central differences, as tables a notebook can print.

Explained in "Parameter gradients" (``book/09_parameter_gradients.ipynb``); the per-step
table of one term of (9.22) in the path chapters (``book/04``–``07``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .gru import PATHS, GRUCache, GRUGrads, TermCheck, backward, forward, loss, term_check
from .numeric import numerical_gradient, relative_error
from .params import GRUParams
from .rnn import RNNParams, rnn_backward, rnn_forward

__all__ = ["GradCheckRow", "GradCheckReport", "gradcheck", "TermTable", "term_table"]


@dataclass
class GradCheckRow:
    name: str
    shape: tuple[int, ...]
    rel_err: float
    max_abs_err: float


@dataclass
class GradCheckReport:
    """Per-array relative errors between backprop and central differences."""

    rows: list[GradCheckRow] = field(default_factory=list)

    @property
    def max_rel_err(self) -> float:
        return max(r.rel_err for r in self.rows)

    def as_dict(self) -> dict[str, float]:
        return {r.name: r.rel_err for r in self.rows}

    def assert_ok(self, tol: float = 1e-6) -> None:
        """Raise AssertionError naming every array whose relative error exceeds ``tol``."""
        bad = [r for r in self.rows if not r.rel_err <= tol]
        if bad:
            raise AssertionError(f"gradient check failed (tol {tol:.0e}):\n"
                                 + "\n".join(f"  {r.name} {r.shape}: rel err {r.rel_err:.2e}" for r in bad))

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
    is_gru = isinstance(params, GRUParams)
    if not is_gru and not isinstance(params, RNNParams):
        raise ValueError(f"params must be GRUParams or RNNParams, got {type(params).__name__}")
    p = params.astype(np.float64)
    x = np.array(x, dtype=np.float64)
    Y = np.array(Y, dtype=np.float64)

    def run(x_, h0_):
        if is_gru:
            return forward(p, x_, h0_, output=output)
        return rnn_forward(p, x_, h0_, output=output, activation=activation)

    cache = run(x, h0)
    h0 = np.array(cache.h0, dtype=np.float64)
    grads = backward(p, cache, Y) if is_gru else rnn_backward(p, cache, Y)

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
class TermTable:
    """:func:`~grubptt.term_check` of one term of (9.22) at every t = 0..T."""

    term: str
    checks: list[TermCheck]

    @property
    def max_rel_err(self) -> float:
        return max(c.rel_err for c in self.checks)

    def assert_ok(self, tol: float = 1e-6) -> None:
        """Every t within ``tol``; a recurrent term also exactly zero at t = T (nothing follows h^(T))."""
        bad = [c for c in self.checks if not c.rel_err <= tol]
        if bad:
            raise AssertionError(f"{self.term}: term check failed (tol {tol:.0e}) at "
                                 + ", ".join(f"t = {c.t} (rel err {c.rel_err:.2e})" for c in bad))
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
