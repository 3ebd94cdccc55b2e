"""Central differences and the relative error used by every check in the book.

Explained in "Parameter gradients" (``book/09_parameter_gradients.ipynb``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["numerical_gradient", "relative_error"]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """∂f/∂x by central differences, (f(x + ε e_i) − f(x − ε e_i)) / 2ε for every entry i.

    ``x`` is perturbed in place and restored, so ``f`` may close over it.
    The error is O(ε²) plus rounding O(u/ε): ε = 1e-6 suits float64.
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":
        raise ValueError(f"x must be a float array to be perturbed, got dtype {x.dtype}")
    if np.finfo(x.dtype).eps > 1e-12:
        # in float32 x ± ε is rounded to a spacing of ~1e-7·|x|: the differences would be mostly noise
        raise ValueError(f"x must be float64 (or wider) for central differences, got dtype {x.dtype}; "
                         "perturb a float64 copy, x.astype(np.float64)")
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)  # a view: writing to it perturbs x
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = float(f(x))
        flat[i] = old - eps
        f_minus = float(f(x))
        flat[i] = old
        grad.reshape(-1)[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖) (Frobenius norms); 0 when both are zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0.0 else float(np.linalg.norm(a - b) / scale)
