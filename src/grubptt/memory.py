"""Large arrays reused from one call to the next: a small caching allocator.

Why it exists.  ``forward`` + ``backward`` at (N, T+1, D, H, O) = (64, 200, 64, 256, 64)
produce about 400 MB of new arrays (the cache, dh and its five terms, dx, ...).  glibc
hands blocks that large to the kernel on ``free`` and gets fresh pages on the next
``malloc``; every first write to a fresh page then costs a page fault, and on the virtual
machines this book is built and benchmarked on, those faults cost more than all of the
arithmetic (``benchmarks/README.md`` has the numbers).  A training loop or a slider calls
forward and backward again and again with the same shapes, so the same blocks are wanted
every time: this module keeps them.

How.  :func:`empty` is ``np.empty`` for arrays of at least :data:`MIN_BYTES`.  It hands
out a view of a kept buffer when no array made from that buffer is alive any more (CPython
counts the references: every view of a buffer, however derived, holds one through
``.base``), and otherwise a new buffer, which it keeps while the kept bytes stay within
:func:`limit`.  Arrays from :func:`empty` behave like any others; the only visible
difference is that memory is not returned to the system until :func:`release` is called.

``set_limit(0)`` (or the environment variable ``GRUBPTT_POOL_MB=0``) turns reuse off.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

__all__ = ["MIN_BYTES", "empty", "limit", "set_limit", "kept_bytes", "release", "disabled"]

#: Smaller arrays come from plain ``np.empty``: glibc keeps and reuses those itself.
MIN_BYTES = 1 << 18

_lock = threading.Lock()
_buffers: list[np.ndarray] = []          # 1-D uint8 arrays that own their memory
_limit = int(float(os.environ.get("GRUBPTT_POOL_MB", "2048")) * 2**20)
_bypass = False                          # set by disabled()


def _refs(i: int) -> int:
    return sys.getrefcount(_buffers[i])


# What _refs reports for a kept buffer that no array views, measured rather than assumed
# (how many references a call's argument holds has changed between CPython versions).
_buffers.append(np.empty(1, dtype=np.uint8))
_IDLE_REFS = _refs(0)
_buffers.clear()


def _idle(i: int) -> bool:
    return _refs(i) <= _IDLE_REFS


def empty(shape: tuple[int, ...], dtype: np.dtype | type = np.float64) -> np.ndarray:
    """Uninitialized and C-contiguous, like ``np.empty(shape, dtype)``; from a kept buffer if one is free."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < MIN_BYTES or _limit <= 0 or _bypass:
        return np.empty(shape, dtype=dtype)
    with _lock:
        best = -1
        for i in range(len(_buffers)):
            size = _buffers[i].nbytes
            # a free buffer at most twice as large as asked: a big buffer is not tied up for a small array
            if nbytes <= size <= 2 * nbytes and (best < 0 or size < _buffers[best].nbytes) and _idle(i):
                best = i
        if best < 0:
            buf = np.empty(nbytes, dtype=np.uint8)
            _keep(buf)
        else:
            buf = _buffers[best]
        return buf[:nbytes].view(dtype).reshape(shape)


def _keep(buf: np.ndarray) -> None:
    """Keep a new buffer, first dropping idle ones (oldest first) if the limit would be passed."""
    total = sum(b.nbytes for b in _buffers)
    i = 0
    while total + buf.nbytes > _limit and i < len(_buffers):
        if _idle(i):
            total -= _buffers.pop(i).nbytes
        else:
            i += 1
    if total + buf.nbytes <= _limit:
        _buffers.append(buf)


def limit() -> int:
    """How many bytes of buffers may be kept (0: reuse is off)."""
    return _limit


def set_limit(nbytes: int) -> None:
    """Keep at most ``nbytes`` of buffers; 0 turns reuse off and lets go of all idle ones."""
    global _limit
    if not isinstance(nbytes, int) or nbytes < 0:
        raise ValueError(f"nbytes must be an integer >= 0, got {nbytes!r}")
    with _lock:
        _limit = nbytes
    release()


def kept_bytes() -> int:
    """Bytes held by kept buffers, in use or idle."""
    with _lock:
        return sum(b.nbytes for b in _buffers)


def release() -> None:
    """Give up every kept buffer (arrays still using one keep it alive until they go)."""
    with _lock:
        _buffers.clear()


@contextmanager
def disabled() -> Iterator[None]:
    """Within the block, :func:`empty` is plain ``np.empty``; kept buffers stay kept.

    For measurements: what a call allocates, and what it costs without reuse.
    """
    global _bypass
    old, _bypass = _bypass, True
    try:
        yield
    finally:
        _bypass = old
