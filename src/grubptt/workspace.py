"""A workspace: arrays that :func:`grubptt.forward` and :func:`grubptt.backward` reuse from one
call to the next, created and owned by the caller.

Without one, every call asks the operating system for fresh memory, and the first write to each
fresh page costs a page fault and zeroing: at (N, T+1, H) = (64, 200, 256) that is several hundred
MB per forward + backward and a large share of their time (``benchmarks/README.md``).  A loop
that calls forward and backward again and again at one size (training, a benchmark) can pass the
same workspace every time, so that only the first call pays; :func:`grubptt.train.train` does
(chapter 12's steps are small, but glibc hands their freed pages back after every step).

The price is aliasing, which is why it is opt-in and explicit: the arrays of a cache (and of the
grads) made with a workspace live in it, and the next forward (backward) with the same workspace
overwrites them.  ``backward`` refuses a cache whose workspace has been reused by a later forward.
"""

from __future__ import annotations

import weakref

import numpy as np

__all__ = ["Workspace", "new_array", "stamp", "check_current"]


class Workspace:
    """Named arrays kept between calls.  Create one, pass it as ``workspace=`` to every forward and
    backward of a loop, and drop it when done (its memory goes with it).

    >>> ws = Workspace()
    >>> for x, Y in batches:                                     # doctest: +SKIP
    ...     cache = forward(params, x, workspace=ws)
    ...     grads = backward(params, cache, Y, workspace=ws)     # cache: valid until the next forward
    """

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}
        self.forwards = 0          # forward calls made with this workspace; a cache records its number

    def array(self, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """The array called ``name``, uninitialised, made anew only if its shape or dtype changed."""
        a = self._arrays.get(name)
        if a is None or a.shape != tuple(shape) or a.dtype != dtype:
            a = self._arrays[name] = np.empty(shape, dtype=dtype)
        return a

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return sum(a.nbytes for a in self._arrays.values())

    def __repr__(self) -> str:
        return f"Workspace({len(self._arrays)} arrays, {self.nbytes / 2**20:.1f} MB)"


def new_array(workspace: Workspace | None, name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """``np.empty(shape, dtype)``, or the workspace's array ``name`` when a workspace is given."""
    if workspace is None:
        return np.empty(shape, dtype=dtype)
    if not isinstance(workspace, Workspace):
        raise TypeError(f"workspace must be a grubptt.Workspace or None, got {type(workspace).__name__}")
    return workspace.array(name, shape, dtype)


def stamp(workspace: Workspace | None) -> tuple | None:
    """Counts a forward call with ``workspace``; what its cache records (None without one)."""
    if workspace is None:
        return None
    workspace.forwards += 1
    return weakref.ref(workspace), workspace.forwards


def check_current(cache_stamp: tuple | None) -> None:
    """A cache made with a workspace is usable only until the next forward with that workspace."""
    if cache_stamp is None:
        return
    ref, forwards = cache_stamp
    ws = ref()
    if ws is not None and ws.forwards != forwards:
        raise ValueError("cache is stale: a later forward with the same workspace has overwritten its "
                         f"arrays (forward {ws.forwards}, this cache is from forward {forwards}); "
                         "run forward again, or use one workspace per live cache")
