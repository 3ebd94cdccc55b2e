"""Activations and their derivatives, written in terms of the activation's output.

sigmoid'(a) = s(1 − s) and tanh'(a) = 1 − tanh(a)²: the backward pass reuses the
forward values instead of recomputing from the pre-activations.
Explained in "Loss and grad_dense" (``book/03_loss_grad_dense.ipynb``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["sigmoid", "tanh", "tanh_via_exp", "fast_tanh", "TANH_VIA_EXP_FROM", "identity", "dsigmoid",
           "dtanh", "OUTPUTS", "HIDDEN", "output_fns", "check_output_name", "check_activation_name"]


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function, stable for any finite input (no overflow at ±1e4).

    exp is only ever taken of −|a| ≤ 0, so it never overflows.
    """
    a = np.asarray(a)
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(a.dtype if a.dtype.kind == "f" else float)


def tanh(a: np.ndarray) -> np.ndarray:
    return np.tanh(a)


#: From this many numbers on, the fast paths take tanh through exp (:func:`tanh_via_exp`): numpy's
#: float64 tanh takes ~20 ns a number on the machines measured, one exp and four cheap passes ~6 ns
#: plus ~6 µs a call.  ``benchmarks/README.md`` has the measurements.
TANH_VIA_EXP_FROM = 1024


def tanh_via_exp(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """tanh(a) = 1 − 2 / (e^(2a) + 1) into ``out``, to 4e-16 absolute.

    For the fast paths' ĥ and y, which enter everything after them only through sums,
    differences and 1 − tanh²: its relative error grows for |a| below ~1e-3, where
    1 − 2/(e^(2a) + 1) cancels (:func:`tanh` keeps numpy's).  e^(2a) is inf for a > 354 and
    2/inf = 0 gives tanh's limit 1: callers silence the overflow flag.
    """
    np.multiply(a, 2.0, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.divide(-2.0, out, out=out)
    out += 1.0
    return out


def fast_tanh(size: int) -> Callable[..., np.ndarray]:
    """The tanh ``(a, out) → out`` the fast paths use on arrays of ``size`` numbers: ``np.tanh``
    below :data:`TANH_VIA_EXP_FROM`, :func:`tanh_via_exp` from there on."""
    return np.tanh if size < TANH_VIA_EXP_FROM else tanh_via_exp


def identity(a: np.ndarray) -> np.ndarray:
    return np.asarray(a)


def dsigmoid(s: np.ndarray) -> np.ndarray:
    """σ'(a) = σ(a)(1 − σ(a)), from s = σ(a)."""
    return s * (1.0 - s)


def dtanh(t: np.ndarray) -> np.ndarray:
    """tanh'(a) = 1 − tanh(a)², from t = tanh(a)."""
    return 1.0 - t * t


# g and g' expressed through y = g(ŷ), for the output activations of eq. (9.17).
OUTPUTS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "identity": (identity, lambda y: np.ones_like(y)),
    "sigmoid": (sigmoid, dsigmoid),
    "tanh": (tanh, dtanh),
}
#: The SimpleRNN's hidden activation f of eq. (7.10), with f' through h = f(a).
HIDDEN = {"tanh": (tanh, dtanh), "sigmoid": (sigmoid, dsigmoid)}


def check_output_name(output: str, argname: str = "output") -> str:
    if not isinstance(output, str) or output not in OUTPUTS:
        raise ValueError(f"{argname} must be one of {sorted(OUTPUTS)}, got {output!r}")
    return output


def check_activation_name(activation: str) -> str:
    if not isinstance(activation, str) or activation not in HIDDEN:
        raise ValueError(f"activation must be one of {sorted(HIDDEN)}, got {activation!r}")
    return activation


def output_fns(output: str):
    """(g, g'(through y)) for the output activation named ``output``."""
    return OUTPUTS[check_output_name(output)]
