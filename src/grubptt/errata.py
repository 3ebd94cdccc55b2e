"""Literal readings of the textbook's eq. (9.22), computed, so that the errata can show by how much they fail.

The textbook prints (9.22) with juxtaposition for both ⊙ and the matrix product, with
column-style matrices from (9.17) (``W_z x``, ``U_z h``) beside row-style ones
(``(r ⊙ h) U``), and with groupings such as ``(r ^tU)`` and ``(h ^tU)`` that cannot be
evaluated as printed.  Each :class:`Reading` below is one way a reader could evaluate a
term of (9.22) at step t; exactly one reading per term is the meant one.  Every reading
is a function of the true dh^(t+1) (δ below) and of the forward values, so each is judged
alone: :func:`check_readings` compares it with central differences of the path-split step
(:func:`grubptt.term_check`), the independent reference for that term.

Notation in the formulas (row vectors, as in the rest of the package): δ = dh^(t+1);
z, r, ĥ and the pre-activations a_z, a_r, a_h are those of step t+1 unless a reading says
otherwise; h = h^(t); e = y^(t) − Y^(t).

Explained in "Errata" (``book/errata.ipynb``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .activations import dsigmoid, dtanh, output_fns, sigmoid
from .cache import TERMS, GRUCache, GRUGrads
from .gradcheck import term_check
from .models import check_pair
from .numeric import relative_error
from .params import GRUParams
from .validation import check_grads, int_in_range

__all__ = ["Reading", "READINGS", "StepValues", "step_values", "evaluate_reading", "ReadingResult",
           "ErrataReport", "check_readings", "MEANT"]


@dataclass(frozen=True)
class StepValues:
    """Everything a reading of one term at step t may use, for one sequence (each (H,) unless noted).

    ``delta`` = dh^(t+1) (zeros at t = T); ``h`` = h^(t); ``z r hh a_z a_r a_h``: step t+1;
    ``z_t r_t hh_t a_z_t a_r_t a_h_t``: step t (the step that produced h^(t));
    ``e`` = y^(t) − Y^(t), ``y`` = y^(t), ``yhat`` = ŷ^(t): (O,); ``output``: the name of g.
    """

    t: int
    delta: np.ndarray
    h: np.ndarray
    z: np.ndarray
    r: np.ndarray
    hh: np.ndarray
    a_z: np.ndarray
    a_r: np.ndarray
    a_h: np.ndarray
    z_t: np.ndarray
    r_t: np.ndarray
    hh_t: np.ndarray
    a_z_t: np.ndarray
    a_r_t: np.ndarray
    a_h_t: np.ndarray
    e: np.ndarray
    y: np.ndarray
    yhat: np.ndarray
    output: str


def step_values(cache: GRUCache, grads: GRUGrads, t: int) -> StepValues:
    """The values of :class:`StepValues` at step t, 0 ≤ t ≤ T (unbatched cache only).

    At t = T there is no step t+1: δ is zero and the step-(t+1) fields repeat step T
    (every recurrent reading then gives zero, as the recurrent terms are).
    """
    if not isinstance(cache, GRUCache):
        raise TypeError(f"cache must be a GRUCache, got {type(cache).__name__}")
    check_grads(grads, cache, GRUGrads)
    if cache.batched:
        raise ValueError("step_values takes an unbatched cache (x of shape (T+1, D))")
    t = int_in_range("t", t, 0, cache.T, f" (T = {cache.T})")
    s = min(t + 1, cache.T)
    f64 = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731 - a one-line converter
    delta = f64(grads.dh[t + 1]) if t < cache.T else np.zeros(cache.H)
    return StepValues(
        t=t, delta=delta, h=f64(cache.h[t]),
        z=f64(cache.z[s]), r=f64(cache.r[s]), hh=f64(cache.hh[s]),
        a_z=f64(cache.a_z[s]), a_r=f64(cache.a_r[s]), a_h=f64(cache.a_h[s]),
        z_t=f64(cache.z[t]), r_t=f64(cache.r[t]), hh_t=f64(cache.hh[t]),
        a_z_t=f64(cache.a_z[t]), a_r_t=f64(cache.a_r[t]), a_h_t=f64(cache.a_h[t]),
        e=f64(cache.y[t]) - f64(grads.Y[t]), y=f64(cache.y[t]), yhat=f64(cache.yhat[t]),
        output=cache.output,
    )


def _dsig(a: np.ndarray) -> np.ndarray:
    """σ'(a), evaluated at the argument it is given (a reading may give it the wrong one)."""
    return dsigmoid(sigmoid(a))


def _dtanh(a: np.ndarray) -> np.ndarray:
    """tanh'(a), evaluated at the argument it is given."""
    return dtanh(np.tanh(a))


@dataclass(frozen=True)
class Reading:
    """One way to evaluate one term of (9.22) at step t.

    ``term``: a key of :data:`grubptt.TERMS`; ``label``: short name; ``formula``: LaTeX of
    what is computed (row vectors); ``why``: how a reader arrives at it; ``meant``: True
    for the reading the textbook intends; ``fn(params, StepValues) -> (H,)``.
    """

    key: str
    term: str
    label: str
    formula: str
    why: str
    meant: bool
    fn: Callable[[GRUParams, StepValues], np.ndarray] = field(repr=False)


def _update_gate(delta_factor, dsig_arg, Umat):
    return lambda p, s: (delta_factor(s) * dsig_arg(s)) @ Umat(p)


def _d_ah(s: StepValues, dtanh_at=None) -> np.ndarray:
    """δ ⊙ z ⊙ tanh'(a_h) of step t+1: dL/da_h^(t+1)."""
    return s.delta * s.z * (_dtanh(s.a_h) if dtanh_at is None else dtanh_at)


def _grad_dense_meant(p: GRUParams, s: StepValues) -> np.ndarray:
    _, dg = output_fns(s.output)
    return (s.e * dg(s.y)) @ p.V.T


def _grad_dense_sum_squared(p: GRUParams, s: StepValues) -> np.ndarray:
    # L^(t) = ½ (Σ_k e_k)²  ⇒  dL^(t)/dh = (Σ_k e_k) · (g'(ŷ) Vᵀ)
    _, dg = output_fns(s.output)
    return float(np.sum(s.e)) * (dg(s.y) @ p.V.T)


_R = [
    # --- grad_dense (9.18), (9.21)
    Reading("grad_dense:meant", "grad_dense", "meant",
            r"\big(e \odot g'(\hat y)\big)\, V^\top",
            "(9.18) read as ½‖y − Y‖², the sum of the squared components", True, _grad_dense_meant),
    Reading("grad_dense:square-of-sum", "grad_dense", "square of the sum",
            r"\textstyle\big(\sum_k e_k\big)\, g'(\hat y)\, V^\top",
            "the square of a vector read as the square of its components' sum, ½(Σ_k e_k)²",
            False, _grad_dense_sum_squared),
    # --- update gate
    Reading("update_gate:meant", "update_gate", "meant",
            r"\big(\delta \odot (\hat h - h) \odot \sigma'(a_z)\big)\, U_z^\top",
            "juxtaposed vectors are ⊙; ^tU_z is the transpose of our row-style Uz", True,
            _update_gate(lambda s: s.delta * (s.hh - s.h), lambda s: _dsig(s.a_z), lambda p: p.Uz.T)),
    Reading("update_gate:inner", "update_gate", "vectors multiplied as δ·(ĥ − h)",
            r"\big(\delta\,(\hat h - h)^\top\big)\, \sigma'(a_z)\, U_z^\top",
            "juxtaposition as a matrix product wherever the shapes allow: δ (ĥ − h)ᵀ is a scalar",
            False, _update_gate(lambda s: float(s.delta @ (s.hh - s.h)), lambda s: _dsig(s.a_z),
                                lambda p: p.Uz.T)),
    Reading("update_gate:column-Uz", "update_gate", "U_z of (9.17) taken column-style",
            r"\big(\delta \odot (\hat h - h) \odot \sigma'(a_z)\big)\, U_z",
            "(9.17) writes U_z h (column style), so its U_z is our Uzᵀ and ^tU_z is our Uz",
            False, _update_gate(lambda s: s.delta * (s.hh - s.h), lambda s: _dsig(s.a_z), lambda p: p.Uz)),
    Reading("update_gate:sigma'-of-output", "update_gate", "σ' at the output z",
            r"\big(\delta \odot (\hat h - h) \odot \sigma'(z)\big)\, U_z^\top",
            "σ' applied to the gate value z instead of its pre-activation a_z",
            False, _update_gate(lambda s: s.delta * (s.hh - s.h), lambda s: _dsig(s.z), lambda p: p.Uz.T)),
    Reading("update_gate:step-t", "update_gate", "gates of step t",
            r"\big(\delta \odot (\hat h^{(t)} - h) \odot \sigma'(a_z^{(t)})\big)\, U_z^\top",
            "the gate that produced h^(t) instead of the gate of step t+1 that reads it",
            False, _update_gate(lambda s: s.delta * (s.hh_t - s.h), lambda s: _dsig(s.a_z_t),
                                lambda p: p.Uz.T)),
    # --- candidate
    Reading("candidate:meant", "candidate", "meant",
            r"\big((\delta \odot z \odot \tanh'(a_h))\, U^\top\big) \odot r",
            "(r ^tU) means the transpose of the map h ↦ (r ⊙ h) U: first Uᵀ, then ⊙ r", True,
            lambda p, s: (_d_ah(s) @ p.U.T) * s.r),
    Reading("candidate:r-times-U", "candidate", "(r ^tU) as the product r Uᵀ",
            r"(\delta \odot z \odot \tanh'(a_h)) \odot (r\, U^\top)",
            "(r ^tU) evaluated as printed: the row r times the matrix Uᵀ, then ⊙ with the rest",
            False, lambda p, s: _d_ah(s) * (s.r @ p.U.T)),
    Reading("candidate:r-first", "candidate", "⊙ r before Uᵀ",
            r"\big(\delta \odot z \odot \tanh'(a_h) \odot r\big)\, U^\top",
            "(r ^tU) as diag(r) Uᵀ in the printed order: r applied before the transposed product",
            False, lambda p, s: (_d_ah(s) * s.r) @ p.U.T),
    Reading("candidate:tanh'-of-output", "candidate", "tanh' at the output ĥ",
            r"\big((\delta \odot z \odot \tanh'(\hat h))\, U^\top\big) \odot r",
            "tanh' applied to ĥ instead of its pre-activation a_h",
            False, lambda p, s: (_d_ah(s, _dtanh(s.hh)) @ p.U.T) * s.r),
    Reading("candidate:step-t", "candidate", "gates of step t",
            r"\big((\delta \odot z^{(t)} \odot \tanh'(a_h^{(t)}))\, U^\top\big) \odot r^{(t)}",
            "z, r and a_h of step t instead of step t+1",
            False, lambda p, s: ((s.delta * s.z_t * _dtanh(s.a_h_t)) @ p.U.T) * s.r_t),
    # --- reset gate
    Reading("reset_gate:meant", "reset_gate", "meant",
            r"\big((\delta \odot z \odot \tanh'(a_h))\, U^\top \odot h \odot \sigma'(a_r)\big)\, U_r^\top",
            "(h ^tU) means first Uᵀ, then ⊙ h; ^tU_r is the transpose of our row-style Ur", True,
            lambda p, s: ((_d_ah(s) @ p.U.T) * s.h * _dsig(s.a_r)) @ p.Ur.T),
    Reading("reset_gate:h-times-U", "reset_gate", "(h ^tU) as the product h Uᵀ",
            r"\big(\delta \odot z \odot \tanh'(a_h) \odot (h\, U^\top) \odot \sigma'(a_r)\big)\, U_r^\top",
            "(h ^tU) evaluated as printed: the row h times the matrix Uᵀ, then ⊙ with the rest",
            False, lambda p, s: (_d_ah(s) * (s.h @ p.U.T) * _dsig(s.a_r)) @ p.Ur.T),
    Reading("reset_gate:h-first", "reset_gate", "⊙ h before Uᵀ",
            r"\big((\delta \odot z \odot \tanh'(a_h) \odot h)\, U^\top \odot \sigma'(a_r)\big)\, U_r^\top",
            "(h ^tU) as diag(h) Uᵀ in the printed order: h applied before the transposed product",
            False, lambda p, s: (((_d_ah(s) * s.h) @ p.U.T) * _dsig(s.a_r)) @ p.Ur.T),
    Reading("reset_gate:column-Ur", "reset_gate", "U_r of (9.17) taken column-style",
            r"\big((\delta \odot z \odot \tanh'(a_h))\, U^\top \odot h \odot \sigma'(a_r)\big)\, U_r",
            "(9.17) writes U_r h (column style), so its U_r is our Urᵀ and ^tU_r is our Ur",
            False, lambda p, s: ((_d_ah(s) @ p.U.T) * s.h * _dsig(s.a_r)) @ p.Ur),
    Reading("reset_gate:sigma'-of-output", "reset_gate", "σ' at the output r",
            r"\big((\delta \odot z \odot \tanh'(a_h))\, U^\top \odot h \odot \sigma'(r)\big)\, U_r^\top",
            "σ' applied to the gate value r instead of its pre-activation a_r",
            False, lambda p, s: ((_d_ah(s) @ p.U.T) * s.h * _dsig(s.r)) @ p.Ur.T),
    Reading("reset_gate:step-t", "reset_gate", "gates of step t",
            r"\big((\delta \odot z^{(t)} \odot \tanh'(a_h^{(t)}))\, U^\top"
            r" \odot h \odot \sigma'(a_r^{(t)})\big)\, U_r^\top",
            "z, a_h and a_r of step t instead of step t+1",
            False,
            lambda p, s: (((s.delta * s.z_t * _dtanh(s.a_h_t)) @ p.U.T) * s.h * _dsig(s.a_r_t)) @ p.Ur.T),
    # --- carry
    Reading("carry:meant", "carry", "meant", r"\delta \odot (1 - z)",
            "1 is the all-ones row; the gate is that of step t+1", True, lambda p, s: s.delta * (1.0 - s.z)),
    Reading("carry:step-t", "carry", "gate of step t", r"\delta \odot (1 - z^{(t)})",
            "the gate that produced h^(t) instead of the gate of step t+1 that reads it",
            False, lambda p, s: s.delta * (1.0 - s.z_t)),
]

#: Every reading by key, grouped by term in the order of :data:`grubptt.TERMS`.
READINGS: dict[str, Reading] = {r.key: r for term in TERMS for r in _R if r.term == term}
#: The meant reading of each term.
MEANT: dict[str, str] = {r.term: r.key for r in _R if r.meant}


def evaluate_reading(params: GRUParams, cache: GRUCache, grads: GRUGrads, key: str, t: int) -> np.ndarray:
    """The value of reading ``key`` (a key of :data:`READINGS`) at step t, shape (H,), in float64."""
    if not isinstance(params, GRUParams):
        raise TypeError(f"params must be GRUParams, got {type(params).__name__}")
    check_pair(params, cache, "evaluate_reading", grads)
    if key not in READINGS:
        raise ValueError(f"key must be one of {list(READINGS)}, got {key!r}")
    return np.asarray(READINGS[key].fn(params.astype(np.float64), step_values(cache, grads, t)),
                      dtype=np.float64)


@dataclass
class ReadingResult:
    """One reading against central differences: relative error at each t and over all t together."""

    reading: Reading
    rel_errs: np.ndarray        # (number of steps checked,)
    pooled: float               # relative error of the stacked (steps, H) arrays


@dataclass(repr=False)
class ErrataReport:
    """Results of :func:`check_readings`; prints as a table, one row per reading."""

    results: list[ReadingResult]
    steps: dict[str, list[int]]  # term → the t's checked

    def __getitem__(self, key: str) -> ReadingResult:
        for r in self.results:
            if r.reading.key == key:
                return r
        raise KeyError(key)

    def for_term(self, term: str) -> ErrataReport:
        """The rows of one term only."""
        return ErrataReport([r for r in self.results if r.reading.term == term], {term: self.steps[term]})

    def per_step(self, term: str) -> str:
        """A text table for one term: a row per reading, its relative error at each t and over all t."""
        if term not in self.steps:
            raise ValueError(f"term must be one of the checked terms {list(self.steps)}, got {term!r}")
        steps = self.steps[term]
        lines = [f"{'reading':<34}" + "".join(f"{'t=' + str(t):>9}" for t in steps) + f"{'all t':>9}"]
        for r in self.results:
            if r.reading.term == term:
                lines.append(f"{r.reading.label:<34}" + "".join(f"{e:9.1e}" for e in r.rel_errs)
                             + f"{r.pooled:9.1e}")
        return "\n".join(lines)

    def __str__(self) -> str:
        lines = [f"{'reading':<32}{'meant':<7}{'pooled rel. err':>16}{'min over t':>12}{'max over t':>12}"]
        for r in self.results:
            lines.append(f"{r.reading.key:<32}{'yes' if r.reading.meant else 'no':<7}{r.pooled:>16.1e}"
                         f"{r.rel_errs.min():>12.1e}{r.rel_errs.max():>12.1e}")
        return "\n".join(lines)

    __repr__ = __str__  # the table, not the dataclass fields: this is what a notebook shows as text

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{r.reading.term}</code></td><td>{r.reading.label}</td>"
            f"<td>{'yes' if r.reading.meant else 'no'}</td><td>{r.pooled:.1e}</td>"
            f"<td>{r.rel_errs.min():.1e}</td><td>{r.rel_errs.max():.1e}</td></tr>" for r in self.results)
        return ("<table><thead><tr><th>term</th><th>reading</th><th>meant</th>"
                "<th>relative error, all t</th><th>min over t</th><th>max over t</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")


def check_readings(params: GRUParams, cache: GRUCache, grads: GRUGrads, keys: list[str] | None = None,
                   *, eps: float = 1e-6) -> ErrataReport:
    """Every reading (or those in ``keys``) against central differences at each step where its term lives.

    grad_dense is checked at t = 0..T; the recurrent terms at t = 0..T−1 (at T they vanish
    under every reading).  The reference is ``term_check(...).numeric``: the derivative of
    L^(t) (grad_dense) or of δ · gru_step_split(...) with respect to the one argument that
    carries the path.  Unbatched caches only; needs T ≥ 1 for the recurrent terms.
    """
    if not isinstance(params, GRUParams):
        raise TypeError(f"params must be GRUParams, got {type(params).__name__}")
    check_pair(params, cache, "check_readings", grads)
    if cache.batched:
        raise ValueError("check_readings takes an unbatched cache (x of shape (T+1, D))")
    keys = list(READINGS) if keys is None else list(keys)
    for k in keys:
        if k not in READINGS:
            raise ValueError(f"keys must be keys of READINGS ({list(READINGS)}), got {k!r}")
    terms = sorted({READINGS[k].term for k in keys}, key=TERMS.index)
    steps = {term: list(range(cache.T + 1 if term == "grad_dense" else cache.T)) for term in terms}
    if any(not s for s in steps.values()):
        raise ValueError(f"the recurrent terms need T >= 1, got T = {cache.T}")
    reference = {term: np.stack([term_check(params, cache, grads, term, t, eps=eps).numeric for t in ts])
                 for term, ts in steps.items()}
    results = []
    for k in keys:
        term = READINGS[k].term
        values = np.stack([evaluate_reading(params, cache, grads, k, t) for t in steps[term]])
        errs = np.array([relative_error(v, n) for v, n in zip(values, reference[term], strict=True)])
        results.append(ReadingResult(READINGS[k], errs, relative_error(values, reference[term])))
    return ErrataReport(results, steps)
