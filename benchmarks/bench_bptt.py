"""Speed of grubptt's forward + BPTT against fair contenders, as ratios measured in one run.

Usage (from the repository root):

    .venv/bin/python benchmarks/bench_bptt.py                       # the table, a few minutes
    .venv/bin/python benchmarks/bench_bptt.py --quick               # fewer rounds, a smoke run
    .venv/bin/python benchmarks/bench_bptt.py --baseline DIR        # also race an older grubptt

Contenders, timed on the same data in one process, round-robin (each round runs each once,
starting with the next one), so load from elsewhere hits them alike.  Each timed call follows an
untimed call of the same contender: right after a switch, the previous library's idle threads
still spin on the cores (OpenBLAS's and torch's OpenMP workers busy-wait after a call), and
timing that first call measured torch after numpy 1.15-1.7x slower than torch after torch.
The timed call is the steady state a training loop sees:

* ``fast``       grubptt.forward + grubptt.backward (terms=True; and terms=False);
* ``fast, ws``   the same with one ``grubptt.Workspace`` passed to every call, as a training loop
                 would: its arrays are reused instead of fresh memory each call (page faults);
* ``reference``  grubptt.reference.forward + backward: the book's literal one-loop BPTT.  The
                 fast path must agree with it (asserted before anything is timed);
* ``torch``      PyTorch autograd of the same model written the way a careful torch user writes
                 it: input GEMMs of all steps hoisted and fused ([Wz | Wr], W), recurrent gate
                 weights fused ([Uz | Ur]), the per-step inputs taken with ``unbind`` and the
                 states gathered with ``stack`` (no per-step indexing of a tensor that requires
                 grad, which would make every step's backward write a full-size zero gradient),
                 torch threads = numpy's BLAS threads.  Only if torch is importable;
* ``baseline``   with ``--baseline DIR``: the grubptt package in DIR (e.g. an older commit,
                 ``git archive <rev> src/grubptt | tar -x -C /tmp/old``), loaded under another name;
* ``roofline``   the GEMMs the fast algorithm performs, at their shapes, alone.

Ratios are medians of the per-round ratios.  The header names the BLAS library and the kernel
it picked (threadpoolctl).  Also measured: the cost of the parameter fingerprint that lets
``backward`` refuse a cache from other parameters, and, with ``--baseline``, the training
chapter's and the Explore widget's calls.  This is a script, not a test; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
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
from grubptt import analysis, reference  # noqa: F401  (analysis: g.analysis in app_calls)

try:  # optional contender: never a dependency of grubptt
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

# (N, T+1, D, H, O)
SIZES: list[tuple[int, int, int, int, int]] = [
    (1, 50, 8, 32, 4),
    (32, 100, 16, 128, 16),
    (64, 200, 64, 256, 64),
    (1, 1000, 8, 64, 4),
]
# The training chapter's batches (HoldMarked, H = 16) and the Explore widget's sequence (T = 1000, H = 64)
TRAINING_SIZES = [(32, 40, 2, 16, 1), (32, 80, 2, 16, 1)]
WIDGET_SIZE = (1, 1001, 4, 64, 4)
DTYPES = (np.float64, np.float32)
OUTPUT = "tanh"  # exercises g' in the backward; identity would make it a no-op
TARGET_TORCH = 1.2      # torch / fast at every size (float64)
TARGET_TORCH_N1 = 3.0   # torch / fast at N = 1 (float64)
TARGET_BASELINE = 1.10  # fast / baseline at the training and widget sizes


# ----------------------------------------------------------------------------------------
# Contenders.


def fast_forward_backward(p, x, Y, terms: bool = True, workspace: g.Workspace | None = None):
    cache = g.forward(p, x, output=OUTPUT, workspace=workspace)
    return g.backward(p, cache, Y, terms=terms, workspace=workspace)


def reference_forward_backward(p, x, Y):
    return reference.backward(p, reference.forward(p, x, output=OUTPUT), Y)


def torch_setup(p: g.GRUParams, x: np.ndarray, Y: np.ndarray):
    """Leaf tensors: the eleven parameters, x and h^(-1) time-major (T+1, N, ·), and Y."""
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in p.arrays().items()}
    xt = torch.tensor(np.swapaxes(x, 0, 1).copy(), requires_grad=True)
    h0 = torch.zeros(x.shape[0], p.hidden_size, dtype=xt.dtype, requires_grad=True)
    return tp, xt, h0, torch.tensor(np.swapaxes(Y, 0, 1).copy())


def torch_forward_backward(tp, xt, h0, Yt):
    """Eq. (9.17) and L in torch, then L.backward(): hoisted, fused, unbind/stack."""
    for v in (*tp.values(), xt, h0):
        v.grad = None
    T1, N, D = xt.shape
    H = h0.shape[1]
    X = xt.reshape(T1 * N, D)
    a_zr_in = torch.addmm(torch.cat([tp["bz"], tp["br"]]), X, torch.cat([tp["Wz"], tp["Wr"]], 1))
    a_h_in = torch.addmm(tp["b"], X, tp["W"])
    Uzr, U = torch.cat([tp["Uz"], tp["Ur"]], 1), tp["U"]
    h, hs = h0, []
    for a_zr, a_h in zip(a_zr_in.view(T1, N, 2 * H).unbind(0), a_h_in.view(T1, N, H).unbind(0), strict=True):
        z, r = torch.sigmoid(torch.addmm(a_zr, h, Uzr)).chunk(2, dim=1)
        hh = torch.tanh(torch.addmm(a_h, r * h, U))
        h = torch.lerp(h, hh, z)                          # (1 − z) ⊙ h + z ⊙ ĥ
        hs.append(h)
    y = torch.tanh(torch.addmm(tp["c"], torch.stack(hs).view(T1 * N, H), tp["V"]))
    L = 0.5 * (y - Yt.reshape(T1 * N, -1)).square().sum()
    L.backward()
    return L


def load_baseline(path: str):
    """The grubptt package in ``path`` (a folder with __init__.py), as module ``grubptt_baseline``."""
    folder = Path(path)
    if not (folder / "__init__.py").exists():
        folder = folder / "src" / "grubptt"
    spec = importlib.util.spec_from_file_location("grubptt_baseline", folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["grubptt_baseline"] = mod
    spec.loader.exec_module(mod)
    return mod


def roofline_gemms(N: int, T1: int, D: int, H: int, O: int, terms: bool):
    """[(count, (m, k), (k, n))]: every GEMM forward + backward performs, with its shapes."""
    M = T1 * N
    small = N * H < 4096                   # grubptt.gru._SMALL_STEP: gate terms after the loop
    per_step_back = [(T1, (N, H), (H, H)), (T1, (N, 2 * H), (2 * H, H))]       # d_ah Uᵀ, [d_az|d_ar] Uzrᵀ
    if terms and not small:
        per_step_back = [(T1, (N, H), (H, H))] * 3
    after = [(1, (M, H), (H, H))] * 2 if terms and small else []
    return [
        (1, (M, D), (D, 2 * H)), (1, (M, D), (D, H)),        # hoisted input projections
        (T1, (N, H), (H, 2 * H)), (T1, (N, H), (H, H)),      # per step: h [Uz | Ur], (r ⊙ h) U
        (1, (M, H), (H, O)), (1, (M, O), (O, H)),            # ŷ, grad_dense
        *per_step_back, *after,
        (1, (D, M), (M, 2 * H)), (1, (D, M), (M, H)),        # d[Wz Wr], dW
        (1, (H, M), (M, 2 * H)), (1, (H, M), (M, H)), (1, (H, M), (M, O)),   # d[Uz Ur], dU, dV
        (1, (M, 2 * H), (2 * H, D)), (1, (M, H), (H, D)),    # dx
    ]


def make_roofline(size, dtype, terms: bool) -> Callable[[], None]:
    rng = np.random.default_rng(0)
    ops = []
    for count, (m, k), (k2, n) in roofline_gemms(*size, terms=terms):
        a = rng.standard_normal((m, k)).astype(dtype)
        if k == size[0] * size[1]:          # xᵀ dA: the transposed operand keeps its memory layout
            a = np.ascontiguousarray(rng.standard_normal((k, m)).astype(dtype)).T
        ops.append((count, a, rng.standard_normal((k2, n)).astype(dtype), np.empty((m, n), dtype=dtype)))

    def run():
        for count, a, b, out in ops:
            for _ in range(count):
                np.matmul(a, b, out=out)
    return run


# ----------------------------------------------------------------------------------------
# Timing.


def race(contenders: dict[str, Callable[[], object]], repeats: int, budget: float,
         slow: tuple[str, ...] = ("reference", "torch")) -> dict[str, list[float]]:
    """Seconds per call of each contender, one entry per round it ran in.

    Rounds go on until ``repeats`` rounds are done and ``budget`` seconds have passed (at most
    10·repeats); the ``slow`` contenders sit out after ``repeats`` rounds.  In a round each
    contender is called twice in a row and the second call is timed: the first one absorbs the
    switch from the previous contender (its library's threads still spinning, cold caches).
    """
    times: dict[str, list[float]] = {k: [] for k in contenders}
    start, rounds = time.perf_counter(), 0
    while rounds < repeats or (time.perf_counter() - start < budget and rounds < 10 * repeats):
        names = list(contenders)
        for k in names[rounds % len(names):] + names[:rounds % len(names)]:
            if rounds >= repeats and k in slow:
                continue
            contenders[k]()                 # settles the switch; not timed
            t0 = time.perf_counter()
            contenders[k]()
            times[k].append(time.perf_counter() - t0)
        rounds += 1
    return times


def ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """Median over rounds of time(a) / time(b), both timed in the same round."""
    return statistics.median(x / y for x, y in zip(times[a], times[b], strict=False))


def peak_bytes(fn: Callable[[], object]) -> int:
    """tracemalloc's peak during fn() (numpy reports its array buffers to it)."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del result
    return peak


def problem(size, dtype, seed=0, module=g):
    N, T1, D, H, O = size
    p = module.init_params(D, H, O, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((N, T1, D)).astype(dtype)
    Y = (0.5 * rng.standard_normal((N, T1, O))).astype(dtype)
    return p, x, Y


def check_agreement(a: g.GRUGrads, b, tol: float, what: str) -> float:
    """Every gradient, dh, dx, dh0 (and the five terms, if both have them) of a and b agree."""
    pairs = [(f"d{k}", a.params.arrays()[k], b.params.arrays()[k]) for k in g.PARAM_NAMES]
    pairs += [(k, getattr(a, k), getattr(b, k)) for k in ("dh", "dx", "dh0")]
    if a.terms is not None and getattr(b, "terms", None) is not None:
        pairs += [(k, a.terms[k], b.terms[k]) for k in g.TERMS]
    worst = 0.0
    for name, u, v in pairs:
        err = g.relative_error(u, v)
        assert err <= tol, f"fast and {what} disagree on {name}: relative error {err:.2e} > {tol:.0e}"
        worst = max(worst, err)
    return worst


def check_torch(p, x, Y, fast: g.GRUGrads, tol: float) -> float:
    tp, xt, h0, Yt = torch_setup(p, x, Y)
    torch_forward_backward(tp, xt, h0, Yt)
    worst = max(g.relative_error(fast.params.arrays()[k], tp[k].grad.numpy()) for k in p.names)
    worst = max(worst, g.relative_error(fast.dx, np.swapaxes(xt.grad.numpy(), 0, 1)),
                g.relative_error(fast.dh0, h0.grad.numpy()))
    assert worst <= tol, f"fast and torch disagree: relative error {worst:.2e}"
    return worst


# ----------------------------------------------------------------------------------------
# Tables.


def environment() -> list[str]:
    lines = [f"python {platform.python_version()}, numpy {np.__version__}, "
             f"torch {torch.__version__ if torch is not None else 'not installed'}, "
             f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()})"]
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        lines.append(f"{var} = {os.environ.get(var, '(unset)')}")
    for info in threadpool_info():
        if info.get("user_api") == "blas":
            lines.append("numpy BLAS: {} {}, kernel {}, {} threads".format(
                info.get("internal_api"), info.get("version"), info.get("architecture"),
                info.get("num_threads")))
    if torch is not None:
        lines.append(f"torch threads: {torch.get_num_threads()}, torch BLAS: "
                     f"{'MKL' if torch.backends.mkl.is_available() else 'not MKL'}")
    if hasattr(os, "getloadavg"):
        lines.append(f"load average at start: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return lines


def blas_threads() -> int:
    n = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    return n[0] if n else 1


def fingerprint_share(p, fast_seconds: float, reps: int = 21) -> float:
    """Two fingerprints (forward stores one, backward checks one) as a fraction of fwd + bwd (medians)."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        p.fingerprint()
        times.append(time.perf_counter() - t0)
    return 2 * statistics.median(times) / fast_seconds


def measure(size, dtype, repeats: int, budget: float, use_torch: bool, base) -> dict[str, float]:
    tol = 1e-9 if dtype == np.float64 else 5e-3
    p, x, Y = problem(size, dtype)
    fast = fast_forward_backward(p, x, Y)
    res = {"agree": check_agreement(fast, reference_forward_backward(p, x, Y), tol, "reference")}
    ws = g.Workspace()                      # one per size, reused by every round, like a training loop's
    contenders = {
        "fast": lambda: fast_forward_backward(p, x, Y),
        "fast_noterms": lambda: fast_forward_backward(p, x, Y, False),
        "fast_ws": lambda: fast_forward_backward(p, x, Y, workspace=ws),
        "roofline": make_roofline(size, dtype, terms=True),
        "reference": lambda: reference_forward_backward(p, x, Y),
    }
    if use_torch:
        res["torch_agree"] = check_torch(p, x, Y, fast, tol)
        targs = torch_setup(p, x, Y)
        contenders["torch"] = lambda: torch_forward_backward(*targs)
    if base is not None:
        bp, bx, bY = problem(size, dtype, module=base)
        res["base_agree"] = check_agreement(fast, base.backward(bp, base.forward(bp, bx, output=OUTPUT), bY),
                                            tol, "baseline")
        contenders["baseline"] = lambda: base.backward(bp, base.forward(bp, bx, output=OUTPUT), bY)
    times = race(contenders, repeats, budget)
    res.update({k: statistics.median(v) for k, v in times.items()})
    for name, (a, b) in {"reference/fast": ("reference", "fast"), "torch/fast": ("torch", "fast"),
                         "torch/fast_ws": ("torch", "fast_ws"), "fast_ws/fast": ("fast_ws", "fast"),
                         "fast/roofline": ("fast", "roofline"), "fast/baseline": ("fast", "baseline"),
                         "noterms/fast": ("fast_noterms", "fast")}.items():
        if a in times and b in times:
            res[name] = ratio(times, a, b)
    res["fingerprint"] = fingerprint_share(p, res["fast"])
    res["peak"] = peak_bytes(lambda: fast_forward_backward(p, x, Y))
    return res


HEAD = ("| dtype | N, T+1, D, H, O | fast ms | no-terms/fast | ws/fast | reference ms | reference/fast "
        "| torch ms | **torch/fast** | **torch/(fast, ws)** | fast/roofline | fast/baseline | fingerprint % "
        "| peak MB | fast=reference err |")


def row(dtype, size, m: dict[str, float]) -> str:
    def r(k, fmt="{:.2f}×"):
        return fmt.format(m[k]) if k in m else "–"
    cells = [np.dtype(dtype).name, ", ".join(map(str, size)), f"{1e3 * m['fast']:.2f}", r("noterms/fast"),
             r("fast_ws/fast"), f"{1e3 * m['reference']:.1f}", r("reference/fast", "{:.1f}×"),
             f"{1e3 * m['torch']:.2f}" if "torch" in m else "–", r("torch/fast"), r("torch/fast_ws"),
             r("fast/roofline", "{:.2f}"), r("fast/baseline"), f"{100 * m['fingerprint']:.2f}",
             f"{m['peak'] / 2**20:.1f}", f"{m['agree']:.0e}"]
    return "| " + " | ".join(cells) + " |"


def verdicts(dtype, size, m: dict[str, float]) -> list[str]:
    out = []
    if "torch/fast" in m and dtype == np.float64:
        want = TARGET_TORCH_N1 if size[0] == 1 else TARGET_TORCH
        for key, how in (("torch/fast", "fresh memory every call"), ("torch/fast_ws", "with a workspace")):
            out.append(f"{'PASS' if m[key] >= want else 'FAIL'}  {key} ≥ {want} ({how}): "
                       f"{m[key]:.2f} at float64 {size}")
    return out


def app_calls(base, repeats: int, budget: float) -> tuple[list[str], list[str]]:
    """The calls the book makes, against the baseline package: training steps and a widget update."""
    rows = ["| call | size (N, T+1, D, H, O) | fast ms | baseline ms | fast/baseline |",
            "|---|---|---:|---:|---:|"]
    checks = []

    ws = g.Workspace()

    def train_step(mod, p, x, Y):
        # As grubptt.train.train makes it: one Workspace for the loop (the baseline package has
        # none; its process-global pool did the same job).
        kw = {"workspace": ws} if mod is g else {}
        return mod.backward(p, mod.forward(p, x, output="identity", **kw), Y, terms=False, **kw)

    def widget(mod, p, x, Y):                        # one sequence: x[0], Y[0]
        return mod.analysis.gradient_flow(p, mod.forward(p, x[0], output="identity"), Y[0], max_jacobians=40)

    calls = (("training step (train.train's: forward + backward, terms=False, one Workspace)", train_step,
              TRAINING_SIZES),
             ("Explore widget (forward + gradient_flow, 40 Jacobians)", widget, [WIDGET_SIZE]))
    for label, fn, sizes in calls:
        for size in sizes:
            ours = problem(size, np.float64)
            theirs = problem(size, np.float64, module=base)
            times = race({"fast": lambda fn=fn, ours=ours: fn(g, *ours),
                          "baseline": lambda fn=fn, theirs=theirs: fn(base, *theirs)}, repeats, budget)
            r = ratio(times, "fast", "baseline")
            fast_ms, base_ms = (1e3 * statistics.median(times[k]) for k in ("fast", "baseline"))
            shape = ", ".join(map(str, size))
            rows.append(f"| {label} | {shape} | {fast_ms:.2f} | {base_ms:.2f} | {r:.2f} |")
            checks.append(f"{'PASS' if r <= TARGET_BASELINE else 'FAIL'}  fast/baseline ≤ {TARGET_BASELINE} "
                          f"for the {label.split(' (')[0]}: {r:.2f} at {size}")
    return rows, checks


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds (smoke run, noisier)")
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch contender")
    ap.add_argument("--baseline", metavar="DIR",
                    help="an older grubptt package to race (its src/ or package dir)")
    ap.add_argument("--threads", type=int, default=None,
                    help="limit numpy's BLAS (and torch) to this many threads")
    ap.add_argument("--rounds", type=int, default=None,
                    help="at least this many rounds (default 7, --quick 3)")
    ap.add_argument("--size", action="append", metavar="N,T+1,D,H,O", help="only this size (repeatable)")
    ap.add_argument("--dtype", action="append", choices=["float64", "float32"], help="only this dtype")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "latest.md"))
    args = ap.parse_args(argv)
    sizes = [tuple(int(v) for v in s.split(",")) for s in args.size] if args.size else SIZES
    if any(len(s) != 5 or min(s) < 1 for s in sizes):
        ap.error("--size takes five positive integers: N,T+1,D,H,O")
    dtypes = [np.dtype(d).type for d in args.dtype] if args.dtype else DTYPES
    if args.threads is not None:
        threadpool_limits(args.threads)
    use_torch = torch is not None and not args.no_torch
    if use_torch:
        torch.set_num_threads(blas_threads())
    base = load_baseline(args.baseline) if args.baseline else None
    if base is not None:
        importlib.import_module("grubptt_baseline.analysis")
    repeats, budget = (3, 0.5) if args.quick else (7, 2.0)
    repeats = args.rounds or repeats
    t_start = time.perf_counter()

    out = ["# grubptt forward + backward benchmark", ""]
    out += [f"- {line}" for line in environment()]
    out += [f"- output g = {OUTPUT}; times are medians of ≥ {repeats} interleaved rounds (each timed call "
            "right after an untimed call of the same contender), ratios medians of per-round ratios",
            f"- baseline: {args.baseline or '(none)'}",
            f"- command: {' '.join([Path(sys.executable).name, *sys.argv])}", ""]
    table = [HEAD, "|" + "---|" * (HEAD.count("|") - 1)]
    print("\n".join(out + table), flush=True)
    checks: list[str] = []
    for dtype in dtypes:
        for size in sizes:
            m = measure(size, dtype, repeats, budget, use_torch, base)
            table.append(row(dtype, size, m))
            checks += verdicts(dtype, size, m)
            print(table[-1], flush=True)
    tail = []
    if base is not None:
        rows, more = app_calls(base, repeats, budget)
        checks += more
        tail += ["", "## The book's calls against the baseline (float64)", "", *rows]
    tail += ["", "## Targets", "", *[f"- {c}" for c in checks],
             "", f"Total benchmark time: {time.perf_counter() - t_start:.0f} s"]
    print("\n".join(tail), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(out + table + tail) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
