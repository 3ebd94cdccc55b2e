"""Speed and memory of grubptt's forward + BPTT, as ratios measured in one run.

Usage (from the repository root):

    .venv/bin/python benchmarks/bench_bptt.py              # full table, ~3-5 minutes on 2 cores
    .venv/bin/python benchmarks/bench_bptt.py --quick      # fewer repeats, for a smoke run
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_bptt.py

Contenders, all timed on the same data in the same process, interleaved round-robin so that
load from other processes hits them alike; each figure is the median over the repeats:

* ``fast``      grubptt.forward + grubptt.backward (terms=True, and terms=False);
* ``naive``     a literal per-step implementation of eq. (9.17) and eq. (9.22) written below:
                every step computes its own x^(t) Wz, ..., no fused weights, parameter
                gradients accumulated step by step.  It is also the reference the fast
                path must agree with (asserted before anything is timed);
* ``torch``     PyTorch autograd of the same formulation (only if torch is importable;
                grubptt never depends on it), with torch's threads set to numpy's BLAS threads;
* ``roofline``  the sum of the times of exactly the GEMMs the fast algorithm performs, at their
                shapes, timed with numpy into preallocated outputs: the per-step recurrent GEMMs
                (× number of steps) plus the hoisted all-steps GEMMs.  No numpy implementation of
                this algorithm can beat it with this BLAS.

Memory: tracemalloc's peak (numpy reports its array buffers to it) during forward + backward,
divided by N·(T+1)·H·itemsize; it stays flat when T doubles if memory is O(N·T·H).

This is a script, not a test: it prints a table and writes it to benchmarks/results/latest.md
(or --out).  See benchmarks/README.md for how to read it.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import grubptt as g
from grubptt import memory

try:  # optional contender: never a dependency of grubptt
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

# (N, T+1, D, H, O) from issue 2
SIZES: list[tuple[int, int, int, int, int]] = [
    (1, 50, 8, 32, 4),
    (32, 100, 16, 128, 16),
    (64, 200, 64, 256, 64),
    (1, 1000, 8, 64, 4),
]
ROOFLINE_SIZE = (64, 200, 64, 256, 64)
DTYPES = (np.float64, np.float32)
OUTPUT = "tanh"  # exercises g' in the backward; identity would make it a no-op
TARGET_TORCH = 2.0      # fast must be at least this many times faster than torch
TARGET_ROOFLINE = 1.4   # fast / roofline at ROOFLINE_SIZE, float64
TARGET_TERMS = 1.3      # backward(terms=True) / backward(terms=False)


# ----------------------------------------------------------------------------------------
# The naive reference: eq. (9.17) and (9.22) step by step, exactly as printed (row form).


def _sig(a):
    return 1.0 / (1.0 + np.exp(-a))


_G = {"identity": (lambda a: a, lambda y: np.ones_like(y)),
      "sigmoid": (_sig, lambda y: y * (1.0 - y)),
      "tanh": (np.tanh, lambda y: 1.0 - y * y)}


def naive_forward_backward(p: g.GRUParams, x_tm: np.ndarray, Y_tm: np.ndarray, output: str):
    """x_tm (T+1, N, D), Y_tm (T+1, N, O), h^(-1) = 0.  Returns a dict of every gradient.

    Forward: per step, eq. (9.17).  Backward: per step from t = T down to 0, eq. (9.22) with its
    five terms, then that step's contributions to every parameter gradient (eqs. 9.8-9.16 in
    row form).  Nothing is hoisted out of the time loop and no weights are concatenated.
    """
    T1, N, _ = x_tm.shape
    H = p.hidden_size
    gfun, dgfun = _G[output]
    h = np.zeros((N, H), dtype=p.dtype)
    hs, zs, rs, hhs, azs, ars, ahs, ys = [h], [], [], [], [], [], [], []
    for t in range(T1):
        a_z = x_tm[t] @ p.Wz + h @ p.Uz + p.bz
        a_r = x_tm[t] @ p.Wr + h @ p.Ur + p.br
        z, r = _sig(a_z), _sig(a_r)
        a_h = x_tm[t] @ p.W + (r * h) @ p.U + p.b
        hh = np.tanh(a_h)
        h = (1.0 - z) * h + z * hh
        y = gfun(h @ p.V + p.c)
        hs.append(h)
        zs.append(z)
        rs.append(r)
        hhs.append(hh)
        azs.append(a_z)
        ars.append(a_r)
        ahs.append(a_h)
        ys.append(y)

    grads = {k: np.zeros_like(v) for k, v in p.arrays().items()}
    dh_all = np.zeros((T1, N, H), dtype=p.dtype)
    terms = {k: np.zeros((T1, N, H), dtype=p.dtype) for k in g.TERMS}
    dx = np.zeros_like(x_tm)
    recurrent = np.zeros((N, H), dtype=p.dtype)  # the four recurrent terms of (9.22), from step t+1
    for t in range(T1 - 1, -1, -1):
        dyhat = (ys[t] - Y_tm[t]) * dgfun(ys[t])
        grad_dense = dyhat @ p.V.T                                   # eq. (9.21)
        dh = grad_dense + recurrent                                  # eq. (9.22)
        dh_all[t] = dh
        terms["grad_dense"][t] = grad_dense
        grads["V"] += hs[t + 1].T @ dyhat
        grads["c"] += dyhat.sum(axis=0)
        # the gates of step t, seen from h^(t-1) = hs[t]
        hp = hs[t]
        sz = _sig(azs[t]) * (1.0 - _sig(azs[t]))                     # σ'(a_z)
        sr = _sig(ars[t]) * (1.0 - _sig(ars[t]))                     # σ'(a_r)
        th = 1.0 - np.tanh(ahs[t]) ** 2                              # tanh'(a_h)
        d_az = dh * (hhs[t] - hp) * sz
        d_ah = dh * zs[t] * th
        d_ar = (d_ah @ p.U.T) * hp * sr
        update_gate = d_az @ p.Uz.T
        candidate = (d_ah @ p.U.T) * rs[t]
        reset_gate = d_ar @ p.Ur.T
        carry = dh * (1.0 - zs[t])
        recurrent = update_gate + candidate + reset_gate + carry
        if t > 0:
            for k, v in (("update_gate", update_gate), ("candidate", candidate),
                         ("reset_gate", reset_gate), ("carry", carry)):
                terms[k][t - 1] = v
        for name, d in (("z", d_az), ("r", d_ar), ("", d_ah)):
            grads["W" + name] += x_tm[t].T @ d
            grads["b" + name] += d.sum(axis=0)
        grads["Uz"] += hp.T @ d_az
        grads["Ur"] += hp.T @ d_ar
        grads["U"] += (rs[t] * hp).T @ d_ah
        dx[t] = d_az @ p.Wz.T + d_ar @ p.Wr.T + d_ah @ p.W.T
    return {"params": grads, "dh": dh_all, "terms": terms, "dx": dx, "dh0": recurrent}


def fast_forward_backward(p, x, Y, terms: bool):
    cache = g.forward(p, x, output=OUTPUT)
    return g.backward(p, cache, Y, terms=terms)


def fresh(fn, *args):
    """fn(*args) with grubptt's buffer reuse off: every array on new pages, as on a first call."""
    with memory.disabled():
        return fn(*args)


# ----------------------------------------------------------------------------------------
# PyTorch autograd of the same formulation.


def torch_setup(p: g.GRUParams, x_tm: np.ndarray, Y_tm: np.ndarray):
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in p.arrays().items()}
    xt = torch.tensor(x_tm, requires_grad=True)
    h0 = torch.zeros(x_tm.shape[1], p.hidden_size, dtype=xt.dtype, requires_grad=True)
    return tp, xt, h0, torch.tensor(Y_tm)


def torch_forward_backward(tp, xt, h0, Yt):
    """Eq. (9.17) in torch, input projections hoisted (as a careful torch user writes it)."""
    for v in (*tp.values(), xt, h0):
        v.grad = None
    Az = xt @ tp["Wz"] + tp["bz"]
    Ar = xt @ tp["Wr"] + tp["br"]
    Ah = xt @ tp["W"] + tp["b"]
    h, hs = h0, []
    for t in range(xt.shape[0]):
        z = torch.sigmoid(Az[t] + h @ tp["Uz"])
        r = torch.sigmoid(Ar[t] + h @ tp["Ur"])
        hh = torch.tanh(Ah[t] + (r * h) @ tp["U"])
        h = (1.0 - z) * h + z * hh
        hs.append(h)
    y = torch.tanh(torch.stack(hs) @ tp["V"] + tp["c"])
    L = 0.5 * ((y - Yt) ** 2).sum()
    L.backward()
    return L


# ----------------------------------------------------------------------------------------
# The GEMM roofline of the fast algorithm.


def roofline_gemms(N: int, T1: int, D: int, H: int, O: int, terms: bool):
    """[(count, (m, k), (k, n))]: every GEMM forward + backward performs, with its shapes."""
    M = T1 * N
    step_back = [(T1, (N, H), (H, H))]                           # d_ah Uᵀ
    step_back += [(T1, (N, H), (H, H))] * 2 if terms else [(T1, (N, 2 * H), (2 * H, H))]
    return [
        (1, (M, D + 1), (D + 1, 2 * H)),   # hoisted input projections of all steps: [x | 1] [Wz Wr; bz br]
        (1, (M, D + 1), (D + 1, H)),       # and [x | 1] [W; b]
        (T1, (N, H), (H, 2 * H)),      # per step: h^(t-1) [Uz | Ur]
        (T1, (N, H), (H, H)),          # per step: (r ⊙ h^(t-1)) U
        (1, (M, H), (H, O)),           # ŷ = h V
        (1, (M, O), (O, H)),           # grad_dense = dŷ Vᵀ
        *step_back,                    # per step: the recurrent terms of (9.22)
        (1, (D + 1, M), (M, 2 * H)),   # d[Wz Wr; bz br]
        (1, (D + 1, M), (M, H)),       # d[W; b]
        (1, (H, M), (M, 2 * H)),       # d[Uz|Ur]
        (1, (H, M), (M, H)),           # dU
        (1, (H, M), (M, O)),           # dV
        (1, (M, 2 * H), (2 * H, D)),   # dx = [d a_z | d a_r] [Wz | Wr]ᵀ
        (1, (M, H), (H, D)),           #      + d a_h Wᵀ
    ]


def make_roofline(size, dtype, terms: bool) -> Callable[[], None]:
    rng = np.random.default_rng(0)
    ops = []
    for count, (m, k), (k2, n) in roofline_gemms(*size, terms=terms):
        a = rng.standard_normal((m, k)).astype(dtype)
        # transposed operands are what the algorithm multiplies (xᵀ dA): keep their memory layout
        if k == size[0] * size[1]:
            a = np.ascontiguousarray(rng.standard_normal((k, m)).astype(dtype)).T
        b = rng.standard_normal((k2, n)).astype(dtype)
        ops.append((count, a, b, np.empty((m, n), dtype=dtype)))

    def run():
        for count, a, b, out in ops:
            for _ in range(count):
                np.matmul(a, b, out=out)
    return run


# ----------------------------------------------------------------------------------------
# Timing and memory.


def _user_time() -> float:
    import resource  # Unix only, hence imported here

    return resource.getrusage(resource.RUSAGE_SELF).ru_utime


# wall: elapsed; cpu: user + system time of the process (all threads); user: without the
# kernel's share, i.e. without the page faults of first-touched result arrays.
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time, "user": _user_time}


def race(contenders: dict[str, Callable[[], object]], repeats: int, budget: float, clock: Callable[[], float],
         slow: tuple[str, ...] = ("naive", "torch", "fast_fresh")) -> dict[str, list[float]]:
    """Seconds per call of each contender, one entry per round it ran in.

    Round-robin: each round calls every contender once, so a burst of load from elsewhere
    hits all of them alike.  Rounds go on until ``repeats`` rounds are done and ``budget``
    seconds have passed (at most 10·repeats); the ``slow`` contenders, only references,
    sit out after ``repeats`` rounds.
    """
    for fn in contenders.values():  # warm-up (first-call allocations, BLAS thread start)
        fn()
    times: dict[str, list[float]] = {k: [] for k in contenders}
    start = time.perf_counter()
    rounds = 0
    while rounds < repeats or (time.perf_counter() - start < budget and rounds < 10 * repeats):
        # Each round starts with the next contender: whoever runs right after the naive reference
        # finds the caches flushed and its pages cold, and that must not always be the same one.
        names = list(contenders)
        for k in names[rounds % len(names):] + names[:rounds % len(names)]:
            fn = contenders[k]
            if rounds >= repeats and k in slow:
                continue
            t0 = clock()
            fn()
            times[k].append(clock() - t0)
        rounds += 1
    return times


# ratio name → (numerator, denominator)
RATIOS = {"naive/fast": ("naive", "fast"), "torch/fast": ("torch", "fast"),
          "fast/roofline": ("fast", "roofline"), "noterms/roofline": ("fast_noterms", "roofline_noterms"),
          "fresh/roofline": ("fast_fresh", "roofline"),
          "terms/noterms": ("bwd_terms", "bwd_noterms")}


def paired_ratios(times: dict[str, list[float]]) -> dict[str, float]:
    """Median over rounds of the ratio of two contenders timed in the same round.

    Both calls of a pair ran seconds apart, so slow drifts of the machine's load cancel,
    which a ratio of two medians would not do.
    """
    out = {}
    for name, (a, b) in RATIOS.items():
        if a in times and b in times:
            out[name] = statistics.median(x / y for x, y in zip(times[a], times[b], strict=False))
    return out


def peak_bytes(fn: Callable[[], object]) -> int:
    """tracemalloc's peak during fn(), with grubptt's buffer reuse off: every array is counted."""
    with memory.disabled():
        return _peak_bytes(fn)


def _peak_bytes(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del result
    return peak


def problem(size, dtype, seed=0):
    N, T1, D, H, O = size
    p = g.init_params(D, H, O, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((N, T1, D)).astype(dtype)
    Y = (0.5 * rng.standard_normal((N, T1, O))).astype(dtype)
    return p, x, Y


def check_agreement(p, x, Y, fast: g.GRUGrads, tol: float) -> float:
    """Assert fast == naive (all gradients, dh and its five terms); return the worst relative error."""
    x_tm, Y_tm = np.swapaxes(x, 0, 1), np.swapaxes(Y, 0, 1)
    ref = naive_forward_backward(p, x_tm, Y_tm, OUTPUT)
    pairs = [(f"d{k}", fast.params.arrays()[k], ref["params"][k]) for k in p.names]
    pairs += [("dh", fast.dh, np.swapaxes(ref["dh"], 0, 1)), ("dx", fast.dx, np.swapaxes(ref["dx"], 0, 1)),
              ("dh0", fast.dh0, ref["dh0"])]
    pairs += [(k, fast.terms[k], np.swapaxes(ref["terms"][k], 0, 1)) for k in g.TERMS]
    worst = 0.0
    for name, a, b in pairs:
        err = g.relative_error(a, b)
        assert err <= tol, f"fast and naive disagree on {name}: relative error {err:.2e} > {tol:.0e}"
        worst = max(worst, err)
    return worst


def check_torch(p, x, Y, fast: g.GRUGrads, tol: float) -> float:
    tp, xt, h0, Yt = torch_setup(p, np.swapaxes(x, 0, 1).copy(), np.swapaxes(Y, 0, 1).copy())
    torch_forward_backward(tp, xt, h0, Yt)
    worst = 0.0
    for k in p.names:
        err = g.relative_error(fast.params.arrays()[k], tp[k].grad.numpy())
        assert err <= tol, f"fast and torch disagree on d{k}: relative error {err:.2e}"
        worst = max(worst, err)
    worst = max(worst, g.relative_error(fast.dx, np.swapaxes(xt.grad.numpy(), 0, 1)),
                g.relative_error(fast.dh0, h0.grad.numpy()))
    assert worst <= tol, f"fast and torch disagree on dx or dh0: {worst:.2e}"
    return worst


# ----------------------------------------------------------------------------------------


def environment(clock: str) -> list[str]:
    lines = [f"python {platform.python_version()}, numpy {np.__version__}, "
             f"torch {torch.__version__ if torch is not None else 'not installed'}, "
             f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()})"]
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        lines.append(f"{var} = {os.environ.get(var, '(unset)')}")
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            lines.append("numpy BLAS: {} {}, kernel (architecture/coretype) {}, {} threads, {}".format(
                info.get("internal_api"), info.get("version"), info.get("architecture"),
                info.get("num_threads"), info.get("threading_layer")))
    if torch is not None:
        lines.append(f"torch threads: {torch.get_num_threads()} (set equal to numpy's BLAS threads), "
                     f"torch BLAS: {'MKL' if torch.backends.mkl.is_available() else 'not MKL'}")
    how = {"wall": "time.perf_counter, elapsed",
           "cpu": "time.process_time: user + system CPU time of all threads, robust to load from elsewhere",
           "user": "getrusage user CPU time: as cpu, without the kernel's time (page faults)"}[clock]
    lines.append(f"clock: {clock} ({how})")
    if hasattr(os, "getloadavg"):
        lines.append(f"load average at start: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return lines


def blas_threads() -> int:
    n = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    return n[0] if n else 1


def memory_scaling(dtype, lengths=(100, 200, 400), N=32, D=16, H=128, O=16) -> tuple[list[str], float]:
    """Peak bytes of forward + backward per N·(T+1)·H element, as T+1 doubles twice."""
    rows = ["| T+1 | peak MB | peak / (N·(T+1)·H·itemsize) |", "|---:|---:|---:|"]
    per = []
    for T1 in lengths:
        p, x, Y = problem((N, T1, D, H, O), dtype)
        peak = peak_bytes(lambda p=p, x=x, Y=Y: fast_forward_backward(p, x, Y, True))
        unit = N * T1 * H * np.dtype(dtype).itemsize
        per.append(peak / unit)
        rows.append(f"| {T1} | {peak / 2**20:.1f} | {peak / unit:.1f} |")
    growth = per[-1] / per[0]
    verdict = "O(N·T·H)" if growth < 1.15 else "NOT O(N·T·H)"
    rows += ["", f"Bytes per N·(T+1)·H element change by ×{growth:.2f} while T+1 grows "
                 f"×{lengths[-1] // lengths[0]}: memory is {verdict}."]
    return rows, growth


def measure(size, dtype, repeats: int, budget: float, clock, use_torch: bool) -> dict[str, float]:
    """Check fast == naive (and == torch), then race every contender at one size; seconds and ratios."""
    N, T1, D, H, O = size
    tol = 1e-9 if dtype == np.float64 else 5e-3
    p, x, Y = problem(size, dtype)
    cache = g.forward(p, x, output=OUTPUT)
    res = {"agree": check_agreement(p, x, Y, g.backward(p, cache, Y, terms=True), tol)}
    x_tm, Y_tm = np.swapaxes(x, 0, 1).copy(), np.swapaxes(Y, 0, 1).copy()
    contenders = {
        "fast": lambda: fast_forward_backward(p, x, Y, True),
        "fast_noterms": lambda: fast_forward_backward(p, x, Y, False),
        "bwd_terms": lambda: g.backward(p, cache, Y, terms=True),
        "bwd_noterms": lambda: g.backward(p, cache, Y, terms=False),
        "roofline": make_roofline(size, dtype, terms=True),
        "roofline_noterms": make_roofline(size, dtype, terms=False),
        "fast_fresh": lambda: fresh(fast_forward_backward, p, x, Y, True),
        "naive": lambda: naive_forward_backward(p, x_tm, Y_tm, OUTPUT),
    }
    if use_torch:
        check_torch(p, x, Y, g.backward(p, cache, Y), tol)
        targs = torch_setup(p, x_tm, Y_tm)
        contenders["torch"] = lambda: torch_forward_backward(*targs)
    times = race(contenders, repeats, budget, clock)
    res.update({k: statistics.median(v) for k, v in times.items()})
    res.update(paired_ratios(times))
    res["peak"] = peak_bytes(lambda: fast_forward_backward(p, x, Y, True))
    res["peak_per"] = res["peak"] / (N * T1 * H * np.dtype(dtype).itemsize)
    return res


HEAD = ("| dtype | N, T+1, D, H, O | fast | fast no-terms | naive | naive/fast | torch | torch/fast "
        "| roofline | fast/roofline | fresh | fresh/roofline | bwd terms/no-terms | peak MB "
        "| peak/(NTH·itemsize) | fast=naive err |")


def row(dtype, size, m: dict[str, float]) -> str:
    ms = {k: 1e3 * v for k, v in m.items()}
    cells = [np.dtype(dtype).name, ", ".join(map(str, size)),
             f"{ms['fast']:.2f}", f"{ms['fast_noterms']:.2f}",
             f"{ms['naive']:.2f}", f"{m['naive/fast']:.1f}×",
             f"{ms['torch']:.2f}" if "torch" in m else "–",
             f"{m['torch/fast']:.1f}×" if "torch" in m else "–",
             f"{ms['roofline']:.2f}", f"{m['fast/roofline']:.2f}",
             f"{ms['fast_fresh']:.2f}", f"{m['fresh/roofline']:.2f}",
             f"{m['terms/noterms']:.2f}", f"{m['peak'] / 2**20:.1f}", f"{m['peak_per']:.1f}",
             f"{m['agree']:.0e}"]
    return "| " + " | ".join(cells) + " |"


def verdicts(dtype, size, m: dict[str, float]) -> list[str]:
    def line(ok: bool, text: str) -> str:
        return f"{'PASS' if ok else 'FAIL'}  {text} at {np.dtype(dtype).name} {size}"

    out = []
    if "torch" in m:
        r = m["torch/fast"]
        out.append(line(r >= TARGET_TORCH, f"torch/fast ≥ {TARGET_TORCH}: {r:.2f}"))
    r = m["terms/noterms"]
    out.append(line(r <= TARGET_TERMS, f"backward terms/no-terms ≤ {TARGET_TERMS}: {r:.2f}"))
    if size == ROOFLINE_SIZE and dtype == np.float64:
        r = m["fast/roofline"]
        out.append(line(r <= TARGET_ROOFLINE, f"fast/roofline ≤ {TARGET_ROOFLINE}: {r:.2f} (no-terms: "
                                              f"{m['noterms/roofline']:.2f})"))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats (smoke run, noisier)")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch contender")
    ap.add_argument("--threads", type=int, default=None,
                    help="limit numpy's BLAS (and torch) to this many threads (default: as configured)")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                    help="wall: elapsed time; cpu: process CPU time (use with --threads 1 on a busy "
                         "machine); user: CPU time without the kernel's share")
    ap.add_argument("--rounds", type=int, default=None,
                    help="at least this many rounds (default 5, --quick 3)")
    ap.add_argument("--size", action="append", metavar="N,T+1,D,H,O",
                    help="measure only this size (repeatable); default: the four sizes of issue 2")
    ap.add_argument("--dtype", action="append", choices=["float64", "float32"],
                    help="measure only this dtype (repeatable); default: both")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "latest.md"))
    args = ap.parse_args(argv)
    sizes = [tuple(int(v) for v in s.split(",")) for s in args.size] if args.size else SIZES
    if any(len(s) != 5 or min(s) < 1 for s in sizes):
        ap.error("--size takes five positive integers: N,T+1,D,H,O")
    dtypes = [np.dtype(d).type for d in args.dtype] if args.dtype else DTYPES
    if args.threads is not None:
        threadpool_limits(args.threads)  # stays in force for the whole process
    use_torch = torch is not None and not args.no_torch
    if use_torch:
        torch.set_num_threads(blas_threads())
    repeats, budget = (3, 0.5) if args.quick else (5, 2.0)
    repeats = args.rounds or repeats
    t_start = time.perf_counter()

    out = ["# grubptt forward + backward benchmark", ""]
    out += [f"- {line}" for line in environment(args.clock)]
    out += [f"- output g = {OUTPUT}; times in ms, medians of ≥{repeats} interleaved rounds; ratios are "
            "medians of per-round ratios",
            f"- command: {' '.join([Path(sys.executable).name, *sys.argv])}", ""]
    table = [HEAD, "|" + "---|" * (HEAD.count("|") - 1)]
    print("\n".join(out + table), flush=True)
    checks: list[str] = []
    for dtype in dtypes:
        for size in sizes:
            m = measure(size, dtype, repeats, budget, CLOCKS[args.clock], use_torch)
            table.append(row(dtype, size, m))
            checks += verdicts(dtype, size, m)
            print(table[-1], flush=True)

    mem_rows, growth = memory_scaling(np.float64)
    checks.append(f"{'PASS' if growth < 1.15 else 'FAIL'}  memory O(N·T·H): bytes per element "
                  f"×{growth:.2f} when T+1 grows ×4")
    tail = ["", "## Memory vs T (float64, N=32, D=16, H=128, O=16)", "", *mem_rows,
            "", "## Targets", "", *[f"- {c}" for c in checks],
            "", f"Total benchmark time: {time.perf_counter() - t_start:.0f} s"]
    print("\n".join(tail), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(out + table + tail) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
