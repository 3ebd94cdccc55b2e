"""The four recurrent paths of eq. (9.22), one Jacobian factor at a time.

Each path from h^(t) to h^(t+1) is a chain of small maps (gates taken at step t+1):

    update_gate:  h^(t) → a_z → z → h^(t+1)
    candidate:    h^(t) → r ⊙ h^(t) → a_h → ĥ → h^(t+1)
    reset_gate:   h^(t) → a_r → r → r ⊙ h^(t) → a_h → ĥ → h^(t+1)
    carry:        h^(t) → h^(t+1)

:func:`path_factors` returns the Jacobian of every link.  Convention (the same as
:func:`grubptt.step_jacobian`): ``J[j, i] = ∂out_j/∂in_i``.  Factors are listed in
the order a row vector δ = dh^(t+1) meets them on its way back, so the path's
contribution to dh^(t) is ``δ @ F[0] @ F[1] @ ... @ F[-1]`` and the product of the
factors is ``step_jacobian(params, cache, t, path)``.  Every factor carries the
sub-map it differentiates (everything else frozen at the forward values), so it can
be checked on its own against central differences (:meth:`Factor.check`).
:func:`check_path` runs all of this for one path and returns a printable table.

Chapters: ``book/04_update_gate.ipynb``, ``05_candidate``, ``06_reset_gate``, ``07_carry``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from .activations import sigmoid
from .cache import PATHS, GRUCache, GRUGrads
from .gradcheck import CheckReport
from .gru import backward, forward
from .models import check_pair
from .numeric import check_eps, relative_error
from .params import GRUParams, init_params
from .step import step_jacobian
from .validation import int_in_range

__all__ = ["Factor", "FactorCheck", "FactorTable", "PathCheckRow", "PathReport", "Example", "path_factors",
           "path_product", "describe", "check_path", "numerical_jacobian", "example", "PATH_CHAINS"]

#: The variables each path passes through, from h^(t) to h^(t+1) (forward order).
PATH_CHAINS: dict[str, tuple[str, ...]] = {
    "update_gate": ("h", "a_z", "z", "h_next"),
    "candidate": ("h", "rh", "a_h", "hh", "h_next"),
    "reset_gate": ("h", "a_r", "r", "rh", "a_h", "hh", "h_next"),
    "carry": ("h", "h_next"),
}


def _check_gru_pair(params, cache, fn: str, *grads) -> None:
    if not isinstance(params, GRUParams):
        raise TypeError(f"params must be GRUParams, got {type(params).__name__}")
    check_pair(params, cache, fn, *grads)


def numerical_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """J[j, i] = ∂f_j/∂x_i by central differences; x (n,) → f(x) (m,) gives J (m, n).

    Work is in float64; ``x`` itself is not modified.
    """
    x = np.array(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x must be a vector of shape (n,), got {x.shape}")
    cols = []
    for i in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        cols.append((np.asarray(f(xp), dtype=np.float64) - np.asarray(f(xm), dtype=np.float64)) / (2 * eps))
    return np.stack(cols, axis=1)


@dataclass
class FactorCheck:
    """One factor against central differences of its sub-map.

    ``rel_err``: analytic vs numeric Jacobian; ``value_err``: the sub-map evaluated
    at the forward point vs the value the forward pass stored (shows that the
    sub-map really is the piece of (9.17) it claims to be, at the right point).
    """

    name: str
    analytic: np.ndarray
    numeric: np.ndarray
    rel_err: float
    value_err: float


@dataclass
class Factor:
    """One link of a path: the Jacobian ∂out/∂in, (H, H), ``matrix[j, i] = ∂out_j/∂in_i``.

    ``name``: plain text, e.g. ``"dz/da_z"``; ``symbol``: LaTeX of the partial
    derivative; ``latex``: LaTeX of its value (e.g. ``\\operatorname{diag}(...)``);
    ``inp``/``out``: the variables it links (names from :data:`PATH_CHAINS`);
    ``diagonal``: True for elementwise links.  ``fn`` is the sub-map in → out with
    everything else frozen, ``at`` its input in the forward pass and ``value`` the
    output the forward pass stored there.
    """

    name: str
    symbol: str
    latex: str
    inp: str
    out: str
    matrix: np.ndarray
    diagonal: bool
    fn: Callable[[np.ndarray], np.ndarray] = field(repr=False)
    at: np.ndarray = field(repr=False)
    value: np.ndarray = field(repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.matrix.shape)

    def check(self, eps: float = 1e-6) -> FactorCheck:
        """Compare ``matrix`` with the central-difference Jacobian of ``fn`` at ``at``."""
        numeric = numerical_jacobian(self.fn, self.at, eps)
        value_err = relative_error(self.fn(np.asarray(self.at, dtype=np.float64)), self.value)
        return FactorCheck(self.name, np.asarray(self.matrix), numeric,
                           relative_error(self.matrix, numeric), value_err)


def _diag(v: np.ndarray) -> np.ndarray:
    return np.diag(np.asarray(v))


def path_factors(params: GRUParams, cache: GRUCache, t: int, path: str) -> list[Factor]:
    """The Jacobians along one recurrent path from h^(t) to h^(t+1), −1 ≤ t < T.

    Listed in backward order (from h^(t+1) down to h^(t)); their product, see
    :func:`path_product`, is ``step_jacobian(params, cache, t, path)``.
    Unbatched caches only (x of shape (T+1, D)).  Chapters 04–07.
    """
    _check_gru_pair(params, cache, "path_factors")
    if path not in PATHS:
        raise ValueError(f"path must be one of {sorted(PATHS)}, got {path!r}")
    if cache.batched:
        raise ValueError("path_factors takes an unbatched cache (x of shape (T+1, D))")
    t = int_in_range("t", t, -1, cache.T - 1, f" (T = {cache.T}: h^(t+1) must exist)")
    s = t + 1  # the step whose gates the path runs through
    p = params.astype(np.float64)
    x = np.asarray(cache.x[s], dtype=np.float64)
    hp = np.asarray(cache.h_prev[s], dtype=np.float64)    # h^(t)
    a_z, a_r, a_h = (np.asarray(getattr(cache, k)[s], dtype=np.float64) for k in ("a_z", "a_r", "a_h"))
    z, r, hh = (np.asarray(getattr(cache, k)[s], dtype=np.float64) for k in ("z", "r", "hh"))
    h_next = np.asarray(cache.h[s], dtype=np.float64)
    rh = r * hp

    # The sub-maps below are pieces of (9.17) written forwards; the matrices are their
    # derivatives written by hand.  Factor.check compares the two.
    def F(name, symbol, latex, inp, out, matrix, diagonal, fn, at, value):
        return Factor(name, symbol, latex, inp, out, matrix, diagonal, fn, at, value)

    hn_sym = r"\frac{\partial h^{(t+1)}}{\partial %s}"
    ah_chain = [
        F("dh_next/dhh", hn_sym % r"\hat h^{(t+1)}", r"\operatorname{diag}\big(z^{(t+1)}\big)",
          "hh", "h_next", _diag(z), True, lambda v: (1 - z) * hp + z * v, hh, h_next),
        F("dhh/da_h", r"\frac{\partial \hat h^{(t+1)}}{\partial a_h^{(t+1)}}",
          r"\operatorname{diag}\big(\tanh'(a_h^{(t+1)})\big)",
          "a_h", "hh", _diag(1 - hh * hh), True, np.tanh, a_h, hh),
        F("da_h/drh", r"\frac{\partial a_h^{(t+1)}}{\partial (r^{(t+1)}\odot h^{(t)})}", r"U^\top",
          "rh", "a_h", p.U.T.copy(), False, lambda v: x @ p.W + v @ p.U + p.b, rh, a_h),
    ]
    if path == "update_gate":
        return [
            F("dh_next/dz", hn_sym % r"z^{(t+1)}", r"\operatorname{diag}\big(\hat h^{(t+1)} - h^{(t)}\big)",
              "z", "h_next", _diag(hh - hp), True, lambda v: (1 - v) * hp + v * hh, z, h_next),
            F("dz/da_z", r"\frac{\partial z^{(t+1)}}{\partial a_z^{(t+1)}}",
              r"\operatorname{diag}\big(\sigma'(a_z^{(t+1)})\big)",
              "a_z", "z", _diag(z * (1 - z)), True, sigmoid, a_z, z),
            F("da_z/dh", r"\frac{\partial a_z^{(t+1)}}{\partial h^{(t)}}", r"U_z^\top",
              "h", "a_z", p.Uz.T.copy(), False, lambda v: x @ p.Wz + v @ p.Uz + p.bz, hp, a_z),
        ]
    if path == "candidate":
        return ah_chain + [
            F("drh/dh", r"\frac{\partial (r^{(t+1)}\odot h^{(t)})}{\partial h^{(t)}}",
              r"\operatorname{diag}\big(r^{(t+1)}\big)", "h", "rh", _diag(r), True, lambda v: r * v, hp, rh),
        ]
    if path == "reset_gate":
        return ah_chain + [
            F("drh/dr", r"\frac{\partial (r^{(t+1)}\odot h^{(t)})}{\partial r^{(t+1)}}",
              r"\operatorname{diag}\big(h^{(t)}\big)", "r", "rh", _diag(hp), True, lambda v: v * hp, r, rh),
            F("dr/da_r", r"\frac{\partial r^{(t+1)}}{\partial a_r^{(t+1)}}",
              r"\operatorname{diag}\big(\sigma'(a_r^{(t+1)})\big)",
              "a_r", "r", _diag(r * (1 - r)), True, sigmoid, a_r, r),
            F("da_r/dh", r"\frac{\partial a_r^{(t+1)}}{\partial h^{(t)}}", r"U_r^\top",
              "h", "a_r", p.Ur.T.copy(), False, lambda v: x @ p.Wr + v @ p.Ur + p.br, hp, a_r),
        ]
    # carry: h^(t) enters h^(t+1) directly, scaled by 1 − z
    return [
        F("dh_next/dh", hn_sym % r"h^{(t)}", r"\operatorname{diag}\big(1 - z^{(t+1)}\big)",
          "h", "h_next", _diag(1 - z), True, lambda v: (1 - z) * v + z * hh, hp, h_next),
    ]


def path_product(factors: Iterable[Factor]) -> np.ndarray:
    """F[0] @ F[1] @ ... : the path's Jacobian ∂h^(t+1)/∂h^(t), (H, H)."""
    mats = [f.matrix for f in factors]
    if not mats:
        raise ValueError("factors must hold at least one Factor")
    out = mats[0]
    for m in mats[1:]:
        out = out @ m
    return out


@dataclass
class FactorTable:
    """The factors of a path as a table: HTML (math typeset by MathJax) or plain text.

    Shows the symbols, the values and shapes only, no numbers, so the output is the same
    on every machine.
    """

    factors: list[Factor]

    def _repr_html_(self) -> str:
        # \( \) delimiters, and the class that tells the book's MathJax to typeset inside an output.
        body = "".join(f"<tr><td>{i + 1}</td><td>\\({f.symbol}\\)</td><td>\\({f.latex}\\)</td>"
                       f"<td>{f.shape[0]}×{f.shape[1]}</td><td>{'yes' if f.diagonal else 'no'}</td></tr>"
                       for i, f in enumerate(self.factors))
        return ('<table class="mathjax_process"><thead><tr><th>#</th><th>Jacobian</th><th>value</th>'
                f"<th>shape</th><th>elementwise</th></tr></thead><tbody>{body}</tbody></table>")

    def __str__(self) -> str:
        return "\n".join(f"{i + 1}. {f.name:<12} {f.shape[0]}×{f.shape[1]}  "
                         f"{'diagonal' if f.diagonal else 'full'}" for i, f in enumerate(self.factors))

    __repr__ = __str__


def describe(factors: Iterable[Factor]) -> FactorTable:
    """A printable table of a path's factors (see :class:`FactorTable`)."""
    factors = list(factors)
    if not factors:
        raise ValueError("factors must hold at least one Factor")
    return FactorTable(factors)


@dataclass
class PathCheckRow:
    """One line of a :class:`PathReport`.

    ``check`` is a factor name, ``"product"`` (∏F vs :func:`step_jacobian`) or
    ``"term"`` (δ ∏F vs ``backward(...).terms[path][t]``).  ``value_err`` is only
    set for factor rows (see :class:`FactorCheck`).  ``t`` is None in a summary row
    (the maximum over all t checked).
    """

    path: str
    t: int | None
    check: str
    shape: tuple[int, ...]
    rel_err: float
    value_err: float | None = None

    @property
    def worst(self) -> float:
        return max(self.rel_err, self.value_err or 0.0)


@dataclass
class PathReport(CheckReport):
    """Every check of one path: factors, their product, and the resulting term of (9.22)."""

    rows: list[PathCheckRow] = field(default_factory=list)
    what = "path check"

    @staticmethod
    def _err(r: PathCheckRow) -> float:
        return r.worst

    @classmethod
    def _describe(cls, r: PathCheckRow) -> str:
        return f"{r.path} t={r.t} {r.check}: rel err {r.rel_err:.2e}, value err {cls._fmt(r.value_err)}"

    def summary(self) -> PathReport:
        """One row per check: the largest error over all t (t shown as "all")."""
        out: dict[tuple[str, str], PathCheckRow] = {}
        for r in self.rows:
            key = (r.path, r.check)
            prev = out.get(key)
            ve = None if r.value_err is None else max(r.value_err, (prev.value_err or 0.0) if prev else 0.0)
            re = max(r.rel_err, prev.rel_err if prev else 0.0)
            out[key] = PathCheckRow(r.path, None, r.check, r.shape, re, ve)
        return PathReport(list(out.values()))

    @staticmethod
    def _fmt(v: float | None) -> str:
        return "—" if v is None else f"{v:.1e}"

    def __str__(self) -> str:
        lines = [f"{'path':<12}{'t':>4}  {'check':<14}{'shape':<10}{'rel. error':>11}{'value err':>11}"]
        lines += [f"{r.path:<12}{'all' if r.t is None else r.t:>4}  {r.check:<14}{str(r.shape):<10}"
                  f"{self._fmt(r.rel_err):>11}{self._fmt(r.value_err):>11}" for r in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{r.path}</td><td>{'all' if r.t is None else r.t}</td><td><code>{r.check}</code></td>"
            f"<td>{r.shape}</td><td>{self._fmt(r.rel_err)}</td><td>{self._fmt(r.value_err)}</td></tr>"
            for r in self.rows)
        return ("<table><thead><tr><th>path</th><th>t</th><th>check</th><th>shape</th>"
                "<th>relative error</th><th>sub-map value error</th></tr></thead>"
                f"<tbody>{body}</tbody></table>")


def check_path(params: GRUParams, cache: GRUCache, grads: GRUGrads, path: str,
               t: int | Iterable[int] | None = None, *, eps: float = 1e-6) -> PathReport:
    """Check one recurrent path of (9.22) at step t (an int, several, or None = every 0 ≤ t < T).

    For each t: every factor against central differences of its sub-map; the
    product of the factors against :func:`step_jacobian`; and δ = dh^(t+1) times the
    product against ``grads.terms[path][t]``.  ``grads`` must come from
    ``backward(params, cache, Y, terms=True)``.
    """
    _check_gru_pair(params, cache, "check_path", grads)
    eps = check_eps(eps)
    if path not in PATHS:
        raise ValueError(f"path must be one of {sorted(PATHS)}, got {path!r}")
    if grads.terms is None:
        raise ValueError("grads has no terms: call backward(..., terms=True)")
    if cache.batched:
        raise ValueError("check_path takes an unbatched cache (x of shape (T+1, D))")
    if np.shape(grads.dh) != np.shape(cache.h):
        raise ValueError(f"grads.dh has shape {np.shape(grads.dh)}, but the cache's h is {np.shape(cache.h)}")
    if t is None:
        ts = range(cache.T)
    elif isinstance(t, (int, np.integer, bool, np.bool_)):
        ts = [t]
    elif isinstance(t, Iterable) and not isinstance(t, (str, bytes)):
        ts = list(t)
    else:
        raise ValueError(f"t must be an integer step, several, or None, got {t!r}")
    ts = [int_in_range("t", ti, 0, cache.T - 1, f" (T = {cache.T}: steps with recurrent terms)") for ti in ts]
    report = PathReport()
    for ti in ts:
        factors = path_factors(params, cache, ti, path)
        for f in factors:
            c = f.check(eps)
            report.rows.append(PathCheckRow(path, int(ti), f.name, f.shape, c.rel_err, c.value_err))
        J = path_product(factors)
        report.rows.append(PathCheckRow(path, int(ti), "product", J.shape,
                                        relative_error(J, step_jacobian(params, cache, ti, path))))
        term = np.asarray(grads.dh[ti + 1], dtype=np.float64) @ J
        report.rows.append(PathCheckRow(path, int(ti), "term", term.shape,
                                        relative_error(term, grads.terms[path][ti])))
    if not report.rows:
        raise ValueError(f"no step to check: T = {cache.T} has no recurrent terms (need T >= 1)")
    return report


@dataclass
class Example:
    """A small seeded problem for the path chapters: parameters, data, forward cache, gradients."""

    params: GRUParams
    x: np.ndarray        # (T+1, D)
    h0: np.ndarray       # (H,)
    Y: np.ndarray        # (T+1, O)
    cache: GRUCache
    grads: GRUGrads


def example(seed: int = 0, *, T: int = 5, input_size: int = 3, hidden_size: int = 4, output_size: int = 2,
            output: str = "identity", bz: float = 0.0, br: float = 0.0) -> Example:
    """A random GRU (:func:`init_params`), sequence, nonzero h^(-1) and targets, run forward and back.

    ``bz``/``br`` fill the update/reset-gate biases (saturate a gate to switch a path on or off).
    Everything is drawn from ``seed``; same seed, same numbers.  Used by chapters 04–07.
    """
    T = int_in_range("T", T, 0, what=" (the sequence has T+1 steps)")
    params = init_params(input_size, hidden_size, output_size, seed=seed, bz=bz)
    params.br = np.full(hidden_size, float(br))
    rng = np.random.default_rng([seed, 1])   # a stream separate from the parameters'
    x = rng.standard_normal((T + 1, input_size))
    h0 = 0.5 * rng.standard_normal(hidden_size)
    Y = rng.standard_normal((T + 1, output_size))
    cache = forward(params, x, h0, output=output)
    return Example(params, x, h0, Y, cache, backward(params, cache, Y))
