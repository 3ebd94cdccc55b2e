"""The checks at the public boundary, shared by the GRU, the SimpleRNN and the helpers.

One rule for every array argument: convert to the computation dtype first, then check
shape and finiteness of the converted values (1e39 is finite in float64 and inf in
float32).  Masked, complex, object and boolean arrays are refused, never silently
reinterpreted; objects of the wrong type (lists as params, a cache from another model)
are a TypeError.  Every message names the argument and what was expected.
"""

from __future__ import annotations

import numbers

import numpy as np

from .workspace import check_current

__all__ = ["positive_int", "int_in_range", "finite_number", "float_dtype", "as_array", "check_params",
           "check_sequence", "check_h0", "check_targets", "check_cache", "check_grads", "check_finite"]


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def int_in_range(name: str, v, low: int, high: int | None = None, what: str = "") -> int:
    """``v`` as an int with low ≤ v (≤ high); bools and floats are refused (True is not 1 here).

    ``what`` explains the range in the message.
    """
    if not _is_int(v) or v < low or (high is not None and v > high):
        if high is not None:
            want = f"an integer with {low} <= {name} <= {high}"
        else:
            want = "a positive integer" if low == 1 else f"an integer >= {low}"
        raise ValueError(f"{name} must be {want}{what}, got {v!r}")
    return int(v)


def positive_int(name: str, v) -> int:
    """``v`` as an int ≥ 1."""
    return int_in_range(name, v, 1)


def finite_number(name: str, v, *, dtype=np.float64, low: float | None = None, strict: bool = False) -> float:
    """A real number, finite in ``dtype``, and ≥ low (> low when ``strict``)."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, np.floating, np.integer)):
        raise ValueError(f"{name} must be a finite number, got {v!r}")
    with np.errstate(over="ignore"):
        cast = np.asarray(v, dtype=np.dtype(dtype))
    if not np.isfinite(cast):
        raise ValueError(f"{name} must be a finite number (in {np.dtype(dtype)}), got {v!r}")
    if low is not None and (v <= low if strict else v < low):
        raise ValueError(f"{name} must be a finite number {'>' if strict else '>='} {low:g}, got {v!r}")
    return float(v)


def float_dtype(name: str, dtype) -> np.dtype:
    """A numpy float dtype (float16, float32, float64, ...)."""
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise ValueError(f"{name} must be a float type (np.float64, np.float32), got {dtype!r}") from e
    if dt.kind != "f":
        raise ValueError(f"{name} must be a float type (np.float64, np.float32), got {dt}")
    return dt


def check_finite(arr: np.ndarray, name: str) -> None:
    if np.isfinite(arr).all():
        return
    bad = ~np.isfinite(arr)
    if np.any(bad):
        # the first offending index makes a NaN that crept into a long sequence easy to find
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} contains NaN or inf (first at index {where} of shape {arr.shape})")


def as_array(v, name: str, dtype=None, *, copy: bool = False) -> np.ndarray:
    """A real numeric array (converted to ``dtype`` if given) with finite values.

    Refuses masked arrays (their mask would be ignored), complex numbers (the imaginary
    part would be dropped), booleans, strings and objects.
    """
    if isinstance(v, np.ma.MaskedArray):
        raise ValueError(f"{name} must be a plain numpy array; a masked array's mask would be ignored")
    try:
        a = np.asarray(v)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{name} must be a numeric array, got {type(v).__name__} ({e})") from e
    if a.dtype.kind == "c":
        raise ValueError(f"{name} must be real, got complex dtype {a.dtype}")
    if a.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be numeric (float or integer), got dtype {a.dtype}")
    if dtype is not None:
        with np.errstate(over="ignore"):
            a = a.astype(dtype, copy=copy)
    elif copy:
        a = a.copy()
    check_finite(a, name)
    return a


def check_params(params, kind: type, *, values: bool = True) -> None:
    """``params`` is a ``kind`` whose arrays are numpy float arrays of one dtype, of their layout's
    shapes, finite, with every size ≥ 1.

    ``values=False`` checks only the types: for a function that also takes a cache, whose
    fingerprint then vouches for the shapes and values (they were checked by the forward pass).

    D, H and O are read from the arrays named in ``kind._SIZES``; the square recurrent matrix is
    checked first, so that a wrong H blames that matrix and not the first array that disagrees.
    """
    if not isinstance(params, kind):
        raise TypeError(f"params must be {kind.__name__}, got {type(params).__name__}")
    for name, v in params.arrays().items():
        if isinstance(v, np.ma.MaskedArray) or not isinstance(v, np.ndarray):
            raise TypeError(f"params.{name} must be a numpy array, got {type(v).__name__}")
    if not values:
        return
    H_name = params._SIZES["H"][0]
    H_shape = params.arrays()[H_name].shape
    if len(H_shape) == 2 and H_shape[0] != H_shape[1]:
        raise ValueError(f"params.{H_name} must have shape (H, H) (square), got {H_shape}")
    expected = params.expected_shapes()
    for sym, (name, axis) in params._SIZES.items():
        if expected[name][axis] < 1:
            raise ValueError(f"params.{name} has {sym} = 0: every size must be >= 1, "
                             f"got shape {expected[name]}")
    dtype = None
    for name, shape in expected.items():
        arr = getattr(params, name)
        if arr.shape != shape:
            layout = "(" + ", ".join(params.LAYOUT[name]) + ")"
            raise ValueError(f"params.{name} must have shape {shape} = {layout}, got {arr.shape}")
        if arr.dtype.kind != "f":
            raise ValueError(f"params.{name} must be a float array, got dtype {arr.dtype}")
        if dtype is None:
            dtype = arr.dtype
        elif arr.dtype != dtype:
            raise ValueError(f"params.{name} has dtype {arr.dtype}, but the other parameters are {dtype}")
        check_finite(arr, f"params.{name}")


def check_sequence(x, D: int, dtype) -> tuple[np.ndarray, bool]:
    """x as (T+1, D) or (N, T+1, D) → (a time-major (T+1, N, D) copy in ``dtype``, batched flag)."""
    x = as_array(x, "x", dtype)
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
    batched = x.ndim == 3
    # Always a copy: a cache that viewed the caller's x would silently change if x were edited later.
    x_tm = np.array(np.swapaxes(x, 0, 1) if batched else x[:, None], dtype=dtype, order="C")
    return x_tm, batched


def check_h0(h0, N: int, H: int, batched: bool, dtype) -> np.ndarray:
    """h^(-1): None → zeros; (H,) for one sequence, (N, H) for a batch → (N, H) in ``dtype``."""
    if h0 is None:
        return np.zeros((N, H), dtype=dtype)
    h0 = as_array(h0, "h0", dtype)
    want = (N, H) if batched else (H,)
    if h0.shape != want:
        raise ValueError(f"h0 must have shape {want} (the initial state h^(-1)), got {h0.shape}")
    return np.array(h0.reshape(N, H), dtype=dtype)


def check_targets(Y, y_shape: tuple[int, ...], dtype) -> np.ndarray:
    """Targets Y: exactly the shape of the outputs y, finite in ``dtype``; a copy."""
    Y = as_array(Y, "Y", dtype, copy=True)      # grads.Y keeps it: no view of the caller's array
    if Y.shape != y_shape:
        raise ValueError(f"Y must have the shape of the outputs y, {y_shape} ((N,) T+1, O), got {Y.shape}")
    return Y


def check_cache(params, cache, kind: type, fn: str = "backward") -> None:
    """``cache`` is a ``kind`` computed by a forward pass with exactly these parameter values (and, if
    it was made with a :class:`grubptt.Workspace`, not overwritten by a later forward since)."""
    if not isinstance(cache, kind):
        raise TypeError(f"cache must be a {kind.__name__} (from the forward pass of these params), "
                        f"got {type(cache).__name__}")
    check_current(getattr(cache, "workspace_stamp", None))
    if cache.params_fingerprint == params.fingerprint():
        return
    check_params(params, type(params))              # a malformed params is named precisely
    D, H, O = params.input_size, params.hidden_size, params.output_size
    if (cache.D, cache.H, cache.O) != (D, H, O):
        raise ValueError(f"cache was computed with other sizes than params (D={D}, H={H}, O={O}), "
                         f"got D={cache.D}, H={cache.H}, O={cache.O}")
    raise ValueError(f"cache was computed with other parameter values than the params given to {fn} "
                     "(or the params were changed in place after the forward pass): run forward again")


def check_grads(grads, cache, kind: type) -> None:
    """``grads`` is a ``kind`` computed by a backward pass from this very cache."""
    if not isinstance(grads, kind):
        raise TypeError(f"grads must be a {kind.__name__}, got {type(grads).__name__}")
    if grads.cache_id != cache.cache_id:
        raise ValueError("grads were computed from another cache than the one given: "
                         "pass the cache that backward used")
