"""What the forward pass of the GRU keeps (GRUCache) and what BPTT returns (GRUGrads).

Both the reference implementation (:mod:`grubptt.reference`) and the fast one
(:mod:`grubptt.gru`) produce these.  Arrays are stored time-major, (T+1, N, ·), so that
one step is one contiguous slice; the attributes the chapters read (``cache.z``,
``grads.dh``, ...) are in the caller's layout, (T+1, ·) for one sequence or (N, T+1, ·)
for a batch.

Chapters: ``book/02_forward.ipynb`` (the cache), ``book/08_assembling.ipynb`` (the grads).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from .params import GRUParams

__all__ = ["TERMS", "PATHS", "GRUCache", "Grads", "GRUGrads", "time_major", "caller_layout", "new_cache_id"]

#: The five terms of eq. (9.22), in the order the textbook prints them.
TERMS: tuple[str, ...] = ("grad_dense", "update_gate", "candidate", "reset_gate", "carry")
#: Recurrent path of (9.22) → the argument of :func:`grubptt.gru_step_split` that carries it.
PATHS: dict[str, str] = {"update_gate": "h_z", "candidate": "h_c", "reset_gate": "h_r", "carry": "h_carry"}

_ids = itertools.count(1)


def new_cache_id() -> int:
    """A number no other cache of this process has: grads remember the cache they came from."""
    return next(_ids)


def time_major(arr: np.ndarray, batched: bool) -> np.ndarray:
    """Caller's layout (T+1, ·) or (N, T+1, ·) → (T+1, N, ·), a view."""
    return np.swapaxes(arr, 0, 1) if batched else arr[:, None]


def caller_layout(arr: np.ndarray, batched: bool) -> np.ndarray:
    """(T+1, N, ·) → (N, T+1, ·) when batched, else (T+1, ·); a view."""
    return np.swapaxes(arr, 0, 1) if batched else arr[:, 0]


def _public(name: str, doc: str):
    return property(lambda s: caller_layout(getattr(s, name), s.batched), doc=doc)


@dataclass(eq=False)
class GRUCache:
    """Everything the forward pass (9.17) computed, for BPTT and for the chapters.

    Time-major storage, one row per step t = 0..T (``h_tm`` has one more: h^(-1) first):
    ``x_tm`` (T+1, N, D); ``a_zr_tm`` = [a_z | a_r] and ``zr_tm`` = [z | r] (T+1, N, 2H);
    ``a_h_tm``, ``hh_tm`` (ĥ), ``rh_tm`` (r ⊙ h^(t-1)) (T+1, N, H); ``h_tm`` (T+2, N, H);
    ``yhat_tm``, ``y_tm`` (T+1, N, O).  The gates sit side by side because the fast path
    applies σ to both in one pass.

    Public attributes in the caller's layout: ``x``; ``a_z a_r a_h z r hh h h_prev``
    ((N,) T+1, H), where ``h_prev[t]`` is h^(t-1) and ``h_hat`` is ``hh``; ``yhat y``;
    ``h0`` (H,) or (N, H).  ``params_fingerprint`` identifies the parameter values used.
    """

    output: str
    batched: bool
    x_tm: np.ndarray
    a_zr_tm: np.ndarray
    a_h_tm: np.ndarray
    zr_tm: np.ndarray
    hh_tm: np.ndarray
    rh_tm: np.ndarray
    h_tm: np.ndarray
    yhat_tm: np.ndarray
    y_tm: np.ndarray
    params_fingerprint: bytes = field(repr=False)
    cache_id: int = field(default_factory=new_cache_id, repr=False)
    workspace_stamp: tuple | None = field(default=None, repr=False)   # see grubptt.workspace

    @classmethod
    def from_steps(cls, params: GRUParams, output: str, batched: bool, *, x, a_z, a_r, a_h, z, r, hh, h,
                   yhat, y) -> GRUCache:
        """Build a cache from time-major arrays, one per symbol; ``h`` holds h^(-1)..h^(T)."""
        return cls(output, batched, x_tm=x, a_zr_tm=np.concatenate([a_z, a_r], axis=-1), a_h_tm=a_h,
                   zr_tm=np.concatenate([z, r], axis=-1), hh_tm=hh, rh_tm=r * h[:-1], h_tm=h,
                   yhat_tm=yhat, y_tm=y, params_fingerprint=params.fingerprint())

    T = property(lambda s: s.x_tm.shape[0] - 1)
    N = property(lambda s: s.x_tm.shape[1])
    H = property(lambda s: s.h_tm.shape[2])
    D = property(lambda s: s.x_tm.shape[2])
    O = property(lambda s: s.y_tm.shape[2])
    z_tm = property(lambda s: s.zr_tm[..., :s.H])
    r_tm = property(lambda s: s.zr_tm[..., s.H:])

    x = _public("x_tm", "x, ((N,) T+1, D)")
    a_z = property(lambda s: caller_layout(s.a_zr_tm[..., :s.H], s.batched), doc="a_z, ((N,) T+1, H)")
    a_r = property(lambda s: caller_layout(s.a_zr_tm[..., s.H:], s.batched), doc="a_r, ((N,) T+1, H)")
    a_h = _public("a_h_tm", "a_h, ((N,) T+1, H)")
    z = property(lambda s: caller_layout(s.z_tm, s.batched), doc="z, ((N,) T+1, H)")
    r = property(lambda s: caller_layout(s.r_tm, s.batched), doc="r, ((N,) T+1, H)")
    hh = _public("hh_tm", "ĥ, ((N,) T+1, H)")
    h_hat = hh
    h = property(lambda s: caller_layout(s.h_tm[1:], s.batched), doc="h^(t), ((N,) T+1, H)")
    h_prev = property(lambda s: caller_layout(s.h_tm[:-1], s.batched), doc="h^(t-1), ((N,) T+1, H)")
    yhat = _public("yhat_tm", "ŷ, ((N,) T+1, O)")
    y = _public("y_tm", "y = g(ŷ), ((N,) T+1, O)")
    h0 = property(lambda s: s.h_tm[0] if s.batched else s.h_tm[0, 0], doc="h^(-1), (H,) or (N, H)")


@dataclass(eq=False)
class Grads:
    """What BPTT returns, for either model: gradients, dh^(t) and its terms, dh^(-1), dx, the targets,
    and the id of the cache they came from."""

    params: object
    dh: np.ndarray
    terms: dict[str, np.ndarray] | None
    dh0: np.ndarray
    dx: np.ndarray
    Y: np.ndarray
    cache_id: int = 0

    @property
    def grad_dense(self) -> np.ndarray:
        """grad_dense^(t) = ∂L^(t)/∂h^(t) of eq. (9.21), shaped like ``dh``."""
        if self.terms is None:
            raise ValueError("grads has no terms: call backward(..., terms=True)")
        return self.terms["grad_dense"]


@dataclass(eq=False)
class GRUGrads(Grads):
    """Result of BPTT (:func:`grubptt.backward`, :func:`grubptt.reference.backward`).

    ``params``: dL/dθ for the 11 arrays; ``dh``: dL/dh^(t), eq. (9.22), shaped like
    ``cache.h``; ``terms``: the five terms of (9.22) at every t (keys ``TERMS``),
    each shaped like ``dh`` and summing to it, or None if not requested;
    ``dh0``: dL/dh^(-1), shaped like ``cache.h0``; ``dx``: dL/dx, shaped like ``cache.x``;
    ``Y``: the targets used; ``cache_id``: the cache they were computed from.
    """

    params: GRUParams
