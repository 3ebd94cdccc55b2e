"""Input checks shared by the GRU and the SimpleRNN: clear errors, no silent broadcasting."""

from __future__ import annotations

import numpy as np

from . import memory

__all__ = ["check_params", "check_sequence", "check_h0", "check_targets", "matrix_dim"]


def _finite(arr: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(arr)
    if np.any(bad):
        # the first offending index makes a NaN that crept into a long sequence easy to find
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} contains NaN or inf (first at index {where} of shape {arr.shape})")


def matrix_dim(arr, axis: int, name: str, layout: str) -> int:
    """Size of ``axis`` of a parameter matrix, which must be 2-D (else a ValueError, not an IndexError).

    The sizes D, H, O are read from Wz, Uz and V (W, U, V for the SimpleRNN); ``layout`` is the
    expected shape in symbols, e.g. "(H, O)", for the message.
    """
    shape = np.shape(arr)
    if len(shape) != 2:
        raise ValueError(f"params.{name} must be a 2-D array of shape {layout}, got shape {shape}")
    return int(shape[axis])


def check_params(params, expected: dict[str, tuple[int, ...]]) -> None:
    """Every array has its expected shape, a float dtype shared by all, and finite values."""
    dtype = None
    for name, shape in expected.items():
        arr = np.asarray(getattr(params, name))
        if arr.shape != shape:
            raise ValueError(f"params.{name} must have shape {shape}, got {arr.shape}")
        if arr.dtype.kind != "f":
            raise ValueError(f"params.{name} must be a float array, got dtype {arr.dtype}")
        if dtype is None:
            dtype = arr.dtype
        elif arr.dtype != dtype:
            raise ValueError(f"params.{name} has dtype {arr.dtype}, but the other parameters are {dtype}")
        _finite(arr, f"params.{name}")


def check_sequence(x, D: int, dtype, *, ones_column: bool = False) -> tuple[np.ndarray, bool]:
    """x as (T+1, D) or (N, T+1, D) → (time-major (T+1, N, D) array, batched flag).

    ``ones_column``: return (T+1, N, D+1) with a last column of ones (for biases in a GEMM).
    """
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"x must have shape (T+1, {D}) or (N, T+1, {D}), got {x.shape}")
    if x.shape[-1] != D:
        raise ValueError(f"x must have shape (T+1, {D}) or (N, T+1, {D}): its last dimension is D = {D}, "
                         f"the rows of the input weights, got {x.shape}")
    if x.shape[-2] < 1:
        raise ValueError(f"x has no time steps (T+1 = 0, i.e. T < 0): it must have shape (T+1, {D}) or "
                         f"(N, T+1, {D}) with T >= 0, got {x.shape}")
    if x.ndim == 3 and x.shape[0] < 1:
        raise ValueError(f"x holds no sequence (N = 0): a batch must have shape (N, T+1, {D}) with N >= 1, "
                         f"got {x.shape}")
    if x.dtype.kind not in "fiu":
        raise ValueError(f"x must be numeric, got dtype {x.dtype}")
    _finite(x, "x")
    batched = x.ndim == 3
    xt = x[None] if not batched else x
    # Always a copy: a cache that viewed the caller's x would silently change if x were edited later.
    x_tm = memory.empty((xt.shape[1], xt.shape[0], D + ones_column), dtype)
    x_tm[..., :D] = np.swapaxes(xt, 0, 1)
    if ones_column:
        x_tm[..., D] = 1.0
    return x_tm, batched


def check_h0(h0, N: int, H: int, batched: bool, dtype) -> np.ndarray:
    """h^(-1): None → zeros; (H,) for one sequence, (N, H) for a batch → (N, H)."""
    if h0 is None:
        return np.zeros((N, H), dtype=dtype)
    h0 = np.asarray(h0)
    want = (N, H) if batched else (H,)
    if h0.shape != want:
        raise ValueError(f"h0 must have shape {want} (the initial state h^(-1)), got {h0.shape}")
    if h0.dtype.kind not in "fiu":
        raise ValueError(f"h0 must be numeric, got dtype {h0.dtype}")
    _finite(h0, "h0")
    return np.array(h0.reshape(N, H), dtype=dtype)


def check_targets(Y, y_shape: tuple[int, ...], dtype) -> np.ndarray:
    """Targets Y must have exactly the shape of the outputs y."""
    Y = np.asarray(Y)
    if Y.shape != y_shape:
        raise ValueError(
            f"Y must have the shape of the outputs y, {y_shape} ((N,) T+1, O), got {Y.shape}"
        )
    if Y.dtype.kind not in "fiu":
        raise ValueError(f"Y must be numeric, got dtype {Y.dtype}")
    _finite(Y, "Y")
    return np.array(Y, dtype=dtype, copy=True)   # grads.Y keeps it: no view of the caller's array
