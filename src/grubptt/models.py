"""The two models the book compares, GRU and SimpleRNN, behind one small protocol.

Code that works for either (gradient checks, the Explore measurements, training) asks
:func:`model_of` for the model's functions instead of testing types itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import gru, rnn
from .cache import TERMS, GRUCache, GRUGrads
from .params import GRUParams
from .rnn import RNN_TERMS, RNNCache, RNNGrads, RNNParams
from .step import jacobians_from_gates
from .validation import check_cache, check_grads, check_params

__all__ = ["Model", "GRU", "SIMPLE_RNN", "model_of", "check_pair"]


@dataclass(frozen=True)
class Model:
    """What the model-independent code needs of a model.

    ``forward(params, x, h0=None, *, output, activation)``; ``backward(params, cache, Y)``;
    ``dh_recursion(params, cache, grad_dense_tm, *, terms)`` → (dh, rec, ...) indexed as in
    :func:`grubptt.gru.dh_recursion`; ``jacobians(params, cache, s)``: J^(s−1) for an array of
    steps s of an unbatched cache, (K, H, H); ``terms``: names of dh's terms.
    """

    name: str
    params_type: type
    cache_type: type
    grads_type: type
    terms: tuple[str, ...]
    forward: Callable
    backward: Callable
    dh_recursion: Callable
    jacobians: Callable


GRU = Model(
    "GRU", GRUParams, GRUCache, GRUGrads, TERMS,
    forward=lambda p, x, h0=None, *, output="identity", activation=None:
        gru.forward(p, x, h0, output=output),
    backward=gru.backward, dh_recursion=gru.dh_recursion,
    jacobians=lambda p, c, s:
        jacobians_from_gates(p, c.z_tm[s, 0], c.r_tm[s, 0], c.hh_tm[s, 0], c.h_tm[s, 0]),
)
SIMPLE_RNN = Model(
    "SimpleRNN", RNNParams, RNNCache, RNNGrads, RNN_TERMS,
    forward=lambda p, x, h0=None, *, output="identity", activation="tanh":
        rnn.rnn_forward(p, x, h0, output=output, activation=activation),
    backward=rnn.rnn_backward, dh_recursion=rnn.rnn_dh_recursion,
    jacobians=lambda p, c, s: rnn.rnn_jacobians_from_gates(p, c.h_tm[s + 1, 0], c.activation),
)
_MODELS = (GRU, SIMPLE_RNN)


def model_of(params) -> Model:
    """The model whose parameters ``params`` are; TypeError for anything else."""
    for m in _MODELS:
        if isinstance(params, m.params_type):
            return m
    raise TypeError(f"params must be GRUParams or RNNParams, got {type(params).__name__}")


_NO_GRADS = object()


def check_pair(params, cache, fn: str, grads=_NO_GRADS) -> Model:
    """``params`` valid, ``cache`` from the forward pass of exactly these params (and ``grads``, if
    given, from the backward pass of that cache); the model."""
    m = model_of(params)
    check_params(params, m.params_type, values=False)
    check_cache(params, cache, m.cache_type, fn)
    if grads is not _NO_GRADS:
        check_grads(grads, cache, m.grads_type)
    return m
