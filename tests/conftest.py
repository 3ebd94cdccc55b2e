"""Shared helpers for the core tests: random problems, an independent relative error, central differences.

Failure messages follow one pattern so a red test says what broke without a debugger:
the array's name, its shape, the relative error against the tolerance, where the largest
difference sits, and the problem (seed and sizes) that reproduces it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import grubptt

# Property tests are reproducible by default (derandomize) and write no example database into
# the work tree; HYPOTHESIS_PROFILE=thorough explores more, with fresh randomness.
settings.register_profile("grubptt", max_examples=20, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "grubptt"))

OUTPUT_NAMES = ("identity", "sigmoid", "tanh")
FIXED_SEEDS = (0, 1, 2024)


@dataclass
class Problem:
    """One random GRU (or SimpleRNN) problem: parameters, inputs, nonzero h^(-1), targets."""

    params: grubptt.GRUParams | grubptt.RNNParams
    x: np.ndarray       # (T+1, D) or (N, T+1, D)
    h0: np.ndarray      # (H,) or (N, H), nonzero
    Y: np.ndarray       # (T+1, O) or (N, T+1, O)
    output: str
    seed: int
    N: int | None
    activation: str = "tanh"    # SimpleRNN only: f of eq. (7.10)

    @property
    def desc(self) -> str:
        p = self.params
        T = self.x.shape[-2] - 1
        return (f"seed={self.seed}, N={self.N}, T={T}, D={p.input_size}, H={p.hidden_size}, "
                f"O={p.output_size}, output={self.output!r}, dtype={p.dtype}"
                + (f", activation={self.activation!r}" if isinstance(p, grubptt.RNNParams) else ""))


def _random_arrays(rng: np.random.Generator, shapes: dict[str, tuple[int, ...]], dtype) -> dict:
    # Nonzero biases (init_params starts them at zero) so every bias gradient path is exercised;
    # scale 0.7 keeps the gates away from saturation, where gradients become tiny.
    return {k: (0.7 * rng.standard_normal(s)).astype(dtype) for k, s in shapes.items()}


def make_problem(seed: int, *, N: int | None = None, T: int = 3, D: int = 3, H: int = 4, O: int = 2,
                 output: str = "identity", dtype=np.float64, rnn: bool = False,
                 activation: str = "tanh") -> Problem:
    """A reproducible random problem; N=None gives an unbatched sequence."""
    rng = np.random.default_rng(seed)
    if rnn:
        shapes = {"W": (D, H), "U": (H, H), "b": (H,), "V": (H, O), "c": (O,)}
        params = grubptt.RNNParams(**_random_arrays(rng, shapes, dtype))
    else:
        shapes = {"Wz": (D, H), "Uz": (H, H), "bz": (H,), "Wr": (D, H), "Ur": (H, H), "br": (H,),
                  "W": (D, H), "U": (H, H), "b": (H,), "V": (H, O), "c": (O,)}
        params = grubptt.GRUParams(**_random_arrays(rng, shapes, dtype))
    lead = () if N is None else (N,)
    x = rng.standard_normal(lead + (T + 1, D)).astype(dtype)
    h0 = (0.5 * rng.standard_normal(lead + (H,))).astype(dtype)
    Y = (0.5 * rng.standard_normal(lead + (T + 1, O))).astype(dtype)
    return Problem(params, x, h0, Y, output, seed, N, activation)


@st.composite
def problems(draw, *, rnn: bool = False, max_T: int = 6, batched: bool | None = None) -> Problem:
    """Hypothesis strategy: random sizes (D, H, O ≤ 5, T ≤ max_T, N ≤ 3 or unbatched), output and seed.

    ``batched``: None draws either layout, True only batches (N ≥ 1), False only single sequences.
    """
    n_strategy = {None: st.one_of(st.none(), st.integers(1, 3)), True: st.integers(1, 3), False: st.none()}
    return make_problem(
        draw(st.integers(0, 2**31 - 1)),
        N=draw(n_strategy[batched]),
        T=draw(st.integers(0, max_T)),
        D=draw(st.integers(1, 5)), H=draw(st.integers(1, 5)), O=draw(st.integers(1, 5)),
        output=draw(st.sampled_from(OUTPUT_NAMES)),
        rnn=rnn,
        activation=draw(st.sampled_from(("tanh", "sigmoid"))) if rnn else "tanh",
    )


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖), written here rather than imported so the tests do not trust grubptt's."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(float(np.sqrt(np.sum(a * a))), float(np.sqrt(np.sum(b * b))))
    return 0.0 if scale == 0.0 else float(np.sqrt(np.sum((a - b) ** 2)) / scale)


def assert_rel(name: str, got, want, tol: float, ctx: str = "", *, allow_zero: bool = False,
               noise_floor: float = 0.0) -> float:
    """Assert ``got`` matches ``want`` to relative error ``tol``; returns the error.

    Unless ``allow_zero``, the reference must be nonzero: comparing two zero arrays proves nothing.
    ``noise_floor`` (only for numerical references): also accept when every |difference| is below it,
    i.e. when the reference itself is too small for its own rounding noise to allow ``tol`` relative.
    """
    got, want = np.asarray(got), np.asarray(want)
    where = f" [{ctx}]" if ctx else ""
    assert got.shape == want.shape, f"{name}: shape {got.shape}, expected {want.shape}{where}"
    assert np.all(np.isfinite(got)), f"{name} {got.shape}: contains NaN/inf{where}"
    if not allow_zero:
        assert np.any(want != 0), f"{name} {want.shape}: reference is all zeros, the check is vacuous{where}"
    err = rel_err(got, want)
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    if not (err <= tol or (noise_floor > 0 and np.max(diff, initial=0.0) <= noise_floor)):
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.size else ()
        floor = f" and above the noise floor {noise_floor:.0e}" if noise_floor else ""
        raise AssertionError(
            f"{name} {got.shape}: relative error {err:.3e} > tol {tol:.0e}{floor}; largest |diff| "
            f"{diff[idx]:.3e} at index {tuple(int(i) for i in idx)} (got {got[idx]!r}, "
            f"want {want[idx]!r}){where}")
    return err


def fd_noise_floor(loss_value: float) -> float:
    """Absolute accuracy of :func:`central_diff` on a loss of this size: rounding of L (≈ 1e-16·|L|)
    divided by ε = 1e-3, with a 10× margin.  A gradient array smaller than ~1e-6 of this cannot be
    checked to 1e-6 *relative* by any finite difference (hypothesis found dL/dUr ≈ 2e-8 with H = 1,
    T = 0, matched to 4e-14 absolute); the autograd reference still checks it to 1e-10 relative."""
    return 1e-12 * max(1.0, abs(loss_value))


def central_diff(f: Callable[[np.ndarray], float], arr: np.ndarray, eps: float = 1e-3) -> np.ndarray:
    """∂f/∂arr by fourth-order central differences on float64 copies (independent of grubptt's).

    (f(a−2ε) − 8f(a−ε) + 8f(a+ε) − f(a+2ε)) / 12ε: truncation O(ε⁴) ≈ 1e-13 and rounding
    ≈ 1e-13·|f| at ε = 1e-3.  The two-point rule at ε = 1e-6 leaves ≈ 1e-10·|f| of rounding noise,
    which alone exceeds 1e-6 relative on gradients as small as 1e-4 (hypothesis found such a case
    with H = 1); the two-point rule is still exercised through grubptt.gradcheck in test_core_gradcheck.
    """
    base = np.array(arr, dtype=np.float64)
    out = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        vals = []
        for k in (-2, -1, 1, 2):
            shifted = base.copy()
            shifted[idx] += k * eps
            vals.append(f(shifted))
        out[idx] = (vals[0] - 8.0 * vals[1] + 8.0 * vals[2] - vals[3]) / (12.0 * eps)
    return out
