"""Central differences and the relative error used by every check in the book.

Explained in "Parameter gradients" (``book/09_parameter_gradients.ipynb``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .validation import as_array, check_finite, finite_number

__all__ = ["numerical_gradient", "relative_error", "check_eps", "row_norms"]


def check_eps(eps) -> float:
    """The step of central differences: a finite number > 0."""
    return finite_number("eps", eps, low=0.0, strict=True)


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """∂f/∂x by central differences, (f(x + ε e_i) − f(x − ε e_i)) / 2ε for every entry i.

    ``x`` is perturbed in place and restored, so ``f`` may close over it.
    The error is O(ε²) plus rounding O(u/ε): ε = 1e-6 suits float64.
    """
    eps = check_eps(eps)
    if not callable(f):
        raise TypeError(f"f must be a function of x, got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or isinstance(x, np.ma.MaskedArray):
        raise TypeError(f"x must be a numpy array (it is perturbed in place), got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise ValueError(f"x must be a float array to be perturbed, got dtype {x.dtype}")
    if np.finfo(x.dtype).eps > 1e-12:
        # in float32 x ± ε is rounded to a spacing of ~1e-7·|x|: the differences would be mostly noise
        raise ValueError(f"x must be float64 (or wider) for central differences, got dtype {x.dtype}; "
                         "perturb a float64 copy, x.astype(np.float64)")
    check_finite(x, "x")
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)  # a view: writing to it perturbs x
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place")
    for i in range(flat.size):
        old = flat[i]
        try:
            flat[i] = old + eps
            f_plus = float(f(x))
            flat[i] = old - eps
            f_minus = float(f(x))
        finally:                            # x is restored even when f raises
            flat[i] = old
        grad.reshape(-1)[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖) (Frobenius norms); 0 when both are zero."""
    a = as_array(a, "a", np.float64)
    b = as_array(b, "b", np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    # both scaled by their largest entry first: the norms of 1e200-sized arrays would overflow
    m = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    if m == 0.0:
        return 0.0
    a, b = a / m, b / m
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b)))


def row_norms(a: np.ndarray) -> np.ndarray:
    """‖a[i]‖ for each row of a (..., n) array, shape (...).

    A plain sum of squares underflows to 0 once the entries fall below ~1e-154 in float64,
    long before the numbers themselves do (the gain plots of chapters 10 and 11 follow
    gradients down to ~1e-308), and overflows above ~1e154.  Rows whose sum of squares left
    the safe range are computed again scaled by their largest entry; the rest keep the plain
    sum (one pass instead of eight: the widget takes seven of these per update).
    """
    a = np.asarray(a)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    sq = np.asarray(np.einsum("...i,...i->...", a, a))
    out = np.sqrt(sq, out=np.empty_like(sq))                     # an array also for one row (shape ())
    # Safe: a finite sum above tiny/eps² lost < n·tiny to squares that underflowed, i.e. < n·eps²
    # relative (float64: > 4.5e-277).  Everything else (0, tiny, inf, NaN) is done again.
    fi = np.finfo(a.dtype)
    redo = ~((sq > fi.tiny / fi.eps**2) & (sq <= fi.max))
    if np.any(redo):
        rows = a[redo]
        m = np.max(np.abs(rows), axis=-1, keepdims=True)
        scale = np.where(m > 0, m, 1.0)
        out[redo] = m[..., 0] * np.sqrt(np.sum(np.square(rows / scale), axis=-1))
    return out
