"""One update of the Explore widget at T = 1000, H = 64: median time and where it goes.

An update is what happens when a reader moves a control of ``grubptt.explore.explorer``:
build the GRU and the SimpleRNN, run them forward, run BPTT (9.22) with its five terms plus
the last-step error, take the step-Jacobian singular values, and hand the numbers to the
canvas widget (float64 bytes, sent as binary buffers; the browser draws them).  The headline
number moves the widget's own controls (``ui.controls[...].value = ...``), so it times exactly
the callback a reader's slider triggers, with every cache missing.

    .venv/bin/python benchmarks/bench_widget.py [--repeats 15] [--T 1000] [--H 64]

Goal: median < 100 ms for every control.  The machine is shared: the load average is printed
before and after, and CPU time (process_time) is shown beside wall time so contention is visible.
The end-to-end time a reader feels in JupyterLab, drawing included, is measured by
``benchmarks/bench_lab.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import grubptt  # noqa: E402
from grubptt import analysis, dashboard, explore, widget  # noqa: E402


def timed(fn, repeats, prepare=None):
    """Median wall and CPU milliseconds of ``fn(i)`` for i = 0..repeats−1, and its last result.

    ``prepare(i)``, if given, runs before each ``fn(i)``, untimed."""
    wall, cpu, out = [], [], None
    for i in range(repeats):
        if prepare is not None:
            prepare(i)
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn(i)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return 1e3 * float(np.median(wall)), 1e3 * float(np.median(cpu)), out


def load() -> str:
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--T", type=int, default=1000)
    ap.add_argument("--H", type=int, default=64)
    a = ap.parse_args()
    s = explore.Setting(T=a.T, hidden_size=a.H, bz=-2.0)
    print(f"T = {a.T}, H = {a.H}, repeats = {a.repeats}, load average {load()} (1/5/15 min) "
          f"on {os.cpu_count()} cores")

    # --- The widget itself: what a reader's control change runs, end to end. -------------------
    with contextlib.redirect_stdout(io.StringIO()):
        ui = explore.explorer(s, t_max=max(1000, a.T))
    c = ui.controls
    n = a.repeats

    def move(name, values, away=None, clear=False):
        """A step sets control ``name`` to the next of ``values``.  With ``away``, it first moves the control
        to ``away``, untimed; with ``away`` or ``clear`` it then clears the caches, so that every timed move
        lands on ``values`` uncached (a few values cycled would otherwise be cache hits)."""
        def prepare(i):
            if away is not None:
                with contextlib.redirect_stdout(io.StringIO()):
                    c[name].value = away
            dashboard.clear_cache()

        def step(i):
            # Outside a kernel the error Output may print: keep it off the terminal.
            v = values[i % len(values)]
            with contextlib.redirect_stdout(io.StringIO()):
                c[name].value = v
            assert c[name].value == v, f"{name} = {v} is outside the control's range: no update ran"
        return step, (prepare if away is not None or clear else None)

    alt_H = 32 if a.H != 32 else 64
    scenarios = [
        ("seed (nothing cached: both models)", lambda: move("seed", list(range(1, n + 1)))),
        ("radius (both models recomputed)",
         lambda: move("radius", [1.05 + 0.05 * (i % 19) for i in range(n)])),
        ("b_z (GRU only; SimpleRNN cached)", lambda: move("bz", [-2.25 - 0.25 * (i % 20) for i in range(n)])),
        ("T (both models recomputed)", lambda: move("T", [a.T - 1 - i for i in range(n)])),
        (f"H (from {alt_H} to {a.H}: both models)", lambda: move("hidden_size", [a.H], away=alt_H)),
        ("output g (both models recomputed)",
         lambda: move("output", ["sigmoid", "tanh", "identity"], clear=True)),
        ("model toggle (flows cached)", lambda: move("model", ["SimpleRNN", "GRU"])),
    ]
    ends = {}
    for name, make in scenarios:
        dashboard.clear_cache()
        with contextlib.redirect_stdout(io.StringIO()):     # back to the starting point
            for k, v in s.__dict__.items():
                c[k].value = v
        step, prepare = make()
        ends[name] = timed(step, n, prepare)[:2]
    assert ui.canvas.frame["setting"]["T"] == a.T              # the widget really showed T

    # --- Where the time goes: the same steps one by one. ----------------------------------------
    x, Y = analysis.make_data(s.T, seed=s.seed, output=s.output)
    gru = analysis.make_gru(s.hidden_size, seed=s.seed, radius=s.radius, bz=s.bz)
    rnn = analysis.make_rnn(s.hidden_size, seed=s.seed, radius=s.radius)
    rows = []
    with explore.one_blas_thread():
        rows.append(("make params + data", *timed(lambda i: (analysis.make_data(s.T), analysis.make_gru(
            s.hidden_size, radius=s.radius, bz=s.bz), analysis.make_rnn(s.hidden_size)), n)[:2]))
        w, cp, gc = timed(lambda i: grubptt.forward(gru, x), n)
        rows.append(("GRU forward (9.17)", w, cp))
        w, cp, _ = timed(lambda i: analysis.gradient_flow(gru, gc, Y, max_jacobians=0), n)
        rows.append(("GRU BPTT: 5 terms + last-step error", w, cp))
        ts = analysis.sample_steps(s.T, 40)
        w, cp, _ = timed(lambda i: analysis.step_jacobians(gru, gc, ts), n)
        rows.append(("GRU step Jacobians (40 steps)", w, cp))
        J = analysis.step_jacobians(gru, gc, ts)
        w, cp, _ = timed(lambda i: np.linalg.svd(J, compute_uv=False), n)
        rows.append(("  their singular values", w, cp))
        w, cp, rc = timed(lambda i: grubptt.rnn_forward(rnn, x), n)
        rows.append(("SimpleRNN forward", w, cp))
        w, cp, _ = timed(lambda i: analysis.gradient_flow(rnn, rc, Y, max_jacobians=0), n)
        rows.append(("SimpleRNN BPTT (its Jacobians: not shown)", w, cp))
    dashboard.clear_cache()
    flows = explore.compute(s)
    w, cp, _ = timed(lambda i: widget.frame(flows, s), n)
    rows.append(("numbers → float64 bytes (widget.frame)", w, cp))
    w, cp, _ = timed(lambda i: ui.canvas.show(flows, explore.Setting(**{**s.__dict__, "seed": i + 1})), n)
    rows.append(("  + set the canvas's trait (serialize, send)", w - rows[-1][1], cp - rows[-1][2]))

    print(f"\n{'part (medians)':<44}{'wall ms':>10}{'cpu ms':>10}")
    for name, w, cp in rows:
        print(f"{name:<44}{w:>10.1f}{cp:>10.1f}")
    print(f"{'sum of parts':<44}{sum(r[1] for r in rows):>10.1f}{sum(r[2] for r in rows):>10.1f}")
    print(f"\n{'ONE WIDGET UPDATE, control moved (median)':<44}{'wall ms':>10}{'cpu ms':>10}")
    for name, (w, cp) in ends.items():
        print(f"{name:<44}{w:>10.1f}{cp:>10.1f}")
    print("goal: < 100 ms wall for every control.  The model toggle is a cache hit by design (every other\n"
          "update computes both models); the browser's drawing is timed by bench_lab.py.")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
