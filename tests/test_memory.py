"""grubptt.memory: buffers are reused only when nothing views them, and results never change later."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest
from conftest import make_problem

import grubptt
from grubptt import memory

BIG = (64, 1024)                       # 512 KiB of float64: above memory.MIN_BYTES


def address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


@pytest.fixture(autouse=True)
def fresh_pool():
    old = memory.limit()
    memory.set_limit(1 << 30)
    yield
    memory.set_limit(old)


def test_empty_is_like_np_empty():
    a = memory.empty(BIG, np.float32)
    assert a.shape == BIG and a.dtype == np.float32 and a.flags.c_contiguous and a.flags.writeable
    small = memory.empty((3, 4))
    assert small.shape == (3, 4) and memory.kept_bytes() == a.nbytes    # small arrays are not kept


def test_a_viewed_buffer_is_never_handed_out_again():
    a = memory.empty(BIG)
    view = a.T[::2]                    # a view of a view keeps the buffer busy
    addr = address(a)
    del a
    b = memory.empty(BIG)
    assert not np.shares_memory(b, view)
    del view
    c = memory.empty(BIG)              # now the first buffer is free again: reused, not allocated
    assert address(c) == addr
    assert memory.kept_bytes() == 2 * c.nbytes


def test_a_much_larger_free_buffer_is_not_used_for_a_small_array():
    a = memory.empty((64, 4096))
    del a
    b = memory.empty(BIG)              # a quarter of the free buffer: a new one
    assert memory.kept_bytes() == 64 * 4096 * 8 + b.nbytes


def test_limit_is_respected_and_validated():
    memory.set_limit(3 * 64 * 1024 * 8)
    arrays = [memory.empty(BIG) for _ in range(5)]                   # all alive: 3 kept, 2 not
    assert memory.kept_bytes() == 3 * arrays[0].nbytes
    assert len({address(a) for a in arrays}) == 5
    memory.set_limit(0)
    assert memory.kept_bytes() == 0
    assert memory.empty(BIG).shape == BIG
    assert memory.kept_bytes() == 0
    for bad in (-1, 1.5, "1"):
        with pytest.raises(ValueError, match="nbytes"):
            memory.set_limit(bad)


def test_idle_buffers_make_room_when_the_limit_is_reached():
    memory.set_limit(1_300_000)        # room for a and b (2 × 524,288 bytes), not for a third
    a, b = memory.empty(BIG), memory.empty(BIG)
    del a
    big = memory.empty((64, 1500))     # 768,000 bytes fit beside b only: the idle a goes
    assert memory.kept_bytes() == b.nbytes + big.nbytes


def test_disabled_bypasses_without_forgetting():
    a = memory.empty(BIG)
    addr = address(a)
    del a
    with memory.disabled():
        b = memory.empty(BIG)
        assert memory.kept_bytes() == b.nbytes                     # b is not a kept buffer
    assert address(memory.empty(BIG)) == addr


def test_environment_variable_sets_the_limit():
    code = "from grubptt import memory; print(memory.limit())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"GRUBPTT_POOL_MB": "0", "PATH": ""})
    assert out.stdout.strip() == "0"


def _problem(seed: int, N=6, T=29):
    return make_problem(seed, N=N, T=T, D=5, H=256, O=3, output="tanh")   # (N, T+1, H) arrays above MIN_BYTES


def _run(pr):
    cache = grubptt.forward(pr.params, pr.x, pr.h0, output=pr.output)
    return cache, grubptt.backward(pr.params, cache, pr.Y)


def _snapshot(cache, grads) -> dict[str, np.ndarray]:
    out = {k: np.array(getattr(cache, k)) for k in ("x", "z", "r", "hh", "h", "y", "yhat")}
    out.update({f"d{k}": np.array(v) for k, v in grads.params.arrays().items()})
    out.update({f"term {k}": np.array(v) for k, v in grads.terms.items()})
    out.update(dh=np.array(grads.dh), dx=np.array(grads.dx), dh0=np.array(grads.dh0))
    return out


def test_results_kept_alive_are_not_overwritten_by_later_calls():
    first = _run(_problem(1))
    before = _snapshot(*first)
    assert memory.kept_bytes() > 0                                   # the sizes are large enough to be kept
    for seed in (2, 3):                                              # same shapes, other numbers
        _run(_problem(seed))
    after = _snapshot(*first)
    for k in before:
        np.testing.assert_array_equal(after[k], before[k], err_msg=k)


def test_reuse_gives_the_same_numbers_as_fresh_memory():
    prob = _problem(4)
    _run(_problem(5))                                                # leaves idle buffers behind
    reused = _snapshot(*_run(prob))
    with memory.disabled():
        fresh = _snapshot(*_run(prob))
    for k in fresh:
        np.testing.assert_array_equal(reused[k], fresh[k], err_msg=k)


def test_two_threads_get_their_own_buffers():
    probs = [_problem(s, N=4, T=39) for s in (6, 7)]
    with memory.disabled():
        want = [_snapshot(*_run(pr)) for pr in probs]
    got: list[list[dict]] = [[], []]

    def work(i: int) -> None:
        for _ in range(4):
            got[i].append(_snapshot(*_run(probs[i])))

    threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for i in (0, 1):
        assert len(got[i]) == 4
        for snap in got[i]:
            for k in want[i]:
                np.testing.assert_allclose(snap[k], want[i][k], rtol=1e-12, atol=1e-14, err_msg=k)
