"""init_params and GRUParams: shapes, dtype, seeding, orthogonal recurrent matrices, helper methods."""

from __future__ import annotations

import numpy as np
import pytest

import grubptt

D, H, O = 3, 5, 2
SHAPES = {"Wz": (D, H), "Uz": (H, H), "bz": (H,), "Wr": (D, H), "Ur": (H, H), "br": (H,),
          "W": (D, H), "U": (H, H), "b": (H,), "V": (H, O), "c": (O,)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_shapes_dtype_and_sizes(dtype):
    p = grubptt.init_params(D, H, O, seed=0, dtype=dtype)
    assert tuple(p.arrays()) == grubptt.PARAM_NAMES == p.names
    assert {k: v.shape for k, v in p.arrays().items()} == SHAPES
    assert {k: v.dtype for k, v in p.arrays().items()} == {k: np.dtype(dtype) for k in SHAPES}
    assert (p.input_size, p.hidden_size, p.output_size, p.dtype) == (D, H, O, np.dtype(dtype))
    assert p.expected_shapes() == SHAPES


def test_seed_determinism():
    a, b = grubptt.init_params(D, H, O, seed=7), grubptt.init_params(D, H, O, seed=7)
    c = grubptt.init_params(D, H, O, seed=8)
    for k in grubptt.PARAM_NAMES:
        assert np.array_equal(getattr(a, k), getattr(b, k)), f"{k}: same seed, different values"
    for k in ("Wz", "Uz", "Wr", "Ur", "W", "U", "V"):
        assert not np.array_equal(getattr(a, k), getattr(c, k)), f"{k}: seeds 7 and 8 give the same values"
    # seed=None draws fresh entropy each call
    n1, n2 = grubptt.init_params(D, H, O), grubptt.init_params(D, H, O)
    assert not np.array_equal(n1.Wz, n2.Wz)


def test_float32_draws_are_the_float64_draws_rounded():
    p64 = grubptt.init_params(D, H, O, seed=3)
    p32 = grubptt.init_params(D, H, O, seed=3, dtype=np.float32)
    for k in grubptt.PARAM_NAMES:
        assert np.array_equal(getattr(p32, k), getattr(p64, k).astype(np.float32)), k


def test_biases_and_bz():
    p = grubptt.init_params(D, H, O, seed=1, bz=-2.5)
    assert np.all(p.bz == -2.5)
    for k in ("br", "b", "c"):
        assert np.all(getattr(p, k) == 0.0), k


def test_default_and_explicit_scale():
    """Default standard deviation 1/sqrt(fan_in): 1/sqrt(D) for input weights, 1/sqrt(H) for Uz, Ur, U, V."""
    Dl, Hl, Ol = 400, 300, 200
    p = grubptt.init_params(Dl, Hl, Ol, seed=2)
    fan_in = {"Wz": Dl, "W": Dl, "Uz": Hl, "U": Hl, "V": Hl}
    for k, n in fan_in.items():
        sd = n ** -0.5
        # ≥ 60 000 samples: the sample std is within 2% of sd with overwhelming probability
        got = np.std(getattr(p, k))
        assert abs(got / sd - 1) < 0.02, f"{k}: std {got:.4f}, want {sd:.4f}"
        assert abs(np.mean(getattr(p, k))) < 0.05 * sd, k
    q = grubptt.init_params(Dl, Hl, Ol, seed=2, scale=0.1)
    for k in ("Wz", "Ur", "V"):
        assert abs(np.std(getattr(q, k)) / 0.1 - 1) < 0.02, k


@pytest.mark.parametrize("radius", [0.5, 1.0, 1.7])
@pytest.mark.parametrize(("dtype", "rtol"), [(np.float64, 1e-12), (np.float32, 1e-6)])
def test_recurrent_radius_is_exact(radius, dtype, rtol):
    Hr = 16
    p = grubptt.init_params(4, Hr, 2, seed=5, recurrent_radius=radius, dtype=dtype)
    for k in ("Uz", "Ur", "U"):
        M = getattr(p, k).astype(np.float64)
        sv = np.linalg.svd(M, compute_uv=False)
        np.testing.assert_allclose(sv, radius, rtol=rtol, err_msg=f"singular values of {k}")
        # an orthogonal matrix times r: every eigenvalue has modulus r, so the spectral radius is r
        np.testing.assert_allclose(np.abs(np.linalg.eigvals(M)), radius, rtol=10 * rtol,
                                   err_msg=f"|eigenvalues| of {k}")
        assert M.dtype == np.float64 and getattr(p, k).dtype == dtype
    assert not np.allclose(p.Uz, p.Ur), "the three recurrent matrices must be drawn independently"
    # the input weights are still Gaussian, not orthogonal
    assert not np.allclose(np.linalg.svd(p.Wz, compute_uv=False), np.linalg.svd(p.Wz, compute_uv=False)[0])


def test_copy_astype_zeros_like():
    p = grubptt.init_params(D, H, O, seed=4)
    q = p.copy()
    for k in grubptt.PARAM_NAMES:
        assert np.array_equal(getattr(q, k), getattr(p, k))
        assert not np.shares_memory(getattr(q, k), getattr(p, k)), f"copy shares {k}"
    q.Wz[0, 0] += 1.0
    assert q.Wz[0, 0] != p.Wz[0, 0]
    z = p.zeros_like()
    for k, v in z.arrays().items():
        assert np.all(v == 0) and v.shape == SHAPES[k] and v.dtype == np.float64, k
    s = p.astype(np.float32)
    assert s.dtype == np.float32 and all(v.dtype == np.float32 for v in s.arrays().values())
    assert p.dtype == np.float64, "astype must not change the original"


def test_rnn_params_helpers():
    p = grubptt.init_rnn_params(D, H, O, seed=6)
    assert {k: v.shape for k, v in p.arrays().items()} == {"W": (D, H), "U": (H, H), "b": (H,), "V": (H, O),
                                                          "c": (O,)}
    assert (p.input_size, p.hidden_size, p.output_size) == (D, H, O)
    q = p.copy()
    q.U[0, 0] += 1.0
    assert q.U[0, 0] != p.U[0, 0]
    assert p.astype(np.float32).dtype == np.float32
    assert all(np.all(v == 0) for v in p.zeros_like().arrays().values())
    again = grubptt.init_rnn_params(D, H, O, seed=6)
    assert all(np.array_equal(getattr(p, k), getattr(again, k)) for k in p.names)
