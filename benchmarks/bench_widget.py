"""One update of the Explore widget at T = 1000, H = 64: median time and where it goes.

An update is what happens when a reader moves a control: build the GRU and the SimpleRNN,
run both forward, run BPTT (9.22) with its five terms plus the last-step error, take the
step-Jacobian singular values, move the dashboard's lines and render the PNG.

    .venv/bin/python benchmarks/bench_widget.py [--repeats 15] [--T 1000] [--H 64]

Goal: median < 100 ms.  The machine is shared: the load average is printed, and CPU time
(process_time) is shown beside wall time so contention is visible.
"""

from __future__ import annotations

import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import grubptt  # noqa: E402
from grubptt import analysis, explore  # noqa: E402


def timed(fn, repeats):
    wall, cpu, out = [], [], None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return 1e3 * float(np.median(wall)), 1e3 * float(np.median(cpu)), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--T", type=int, default=1000)
    ap.add_argument("--H", type=int, default=64)
    ap.add_argument("--dpi", type=float, default=56)
    a = ap.parse_args()
    s = explore.Setting(T=a.T, hidden_size=a.H, bz=-2.0)
    print(f"T = {a.T}, H = {a.H}, repeats = {a.repeats}, load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")

    x, Y = analysis.make_data(s.T, seed=s.seed, output=s.output)
    gru = analysis.make_gru(s.hidden_size, seed=s.seed, radius=s.radius, bz=s.bz)
    rnn = analysis.make_rnn(s.hidden_size, seed=s.seed, radius=s.radius)
    board = explore.Dashboard(dpi=a.dpi)
    rows = []
    with explore.one_blas_thread():
        rows.append(("make params + data", *timed(lambda: (analysis.make_data(s.T), analysis.make_gru(
            s.hidden_size, radius=s.radius, bz=s.bz), analysis.make_rnn(s.hidden_size)), a.repeats)[:2]))
        w, c, gc = timed(lambda: grubptt.forward(gru, x), a.repeats)
        rows.append(("GRU forward (9.17)", w, c))
        w, c, _ = timed(lambda: analysis.gradient_flow(gru, gc, Y, max_jacobians=0), a.repeats)
        rows.append(("GRU BPTT: 5 terms + last-step error", w, c))
        ts = analysis.sample_steps(s.T, 40)
        w, c, _ = timed(lambda: analysis.jacobian_singular_values(gru, gc, ts), a.repeats)
        rows.append(("GRU step Jacobians + SVD (40 steps)", w, c))
        w, c, rc = timed(lambda: grubptt.rnn_forward(rnn, x), a.repeats)
        rows.append(("SimpleRNN forward", w, c))
        w, c, _ = timed(lambda: analysis.gradient_flow(rnn, rc, Y, max_jacobians=0), a.repeats)
        rows.append(("SimpleRNN BPTT (its Jacobians: not shown)", w, c))
    flows = explore.compute(s)
    w, c, _ = timed(lambda: board.update(flows, "GRU"), a.repeats)
    rows.append(("dashboard: move lines, rescale", w, c))
    board.png()                                # first draw of the background (once per model)
    w, c, png = timed(lambda: board.png(fast=True), a.repeats)
    rows.append((f"redraw + PNG (Agg, blitted, dpi {a.dpi:g})", w, c))
    w_full, c_full, _ = timed(lambda: explore.render_png(board.fig, dpi=a.dpi, fast=True), a.repeats)

    # The whole update exactly as the widget's callback runs it (minus sending the PNG).
    def update():
        board.update(explore.compute(s), "GRU")
        return board.png(fast=True)

    w_tot, c_tot, _ = timed(update, a.repeats)
    for model in ("SimpleRNN", "GRU"):      # switching the model also redraws the legend and titles
        board.update(flows, model)

    print(f"{'part':<42}{'wall ms':>10}{'cpu ms':>10}")
    for name, w, c in rows:
        print(f"{name:<42}{w:>10.1f}{c:>10.1f}")
    print(f"{'sum of parts':<42}{sum(r[1] for r in rows):>10.1f}{sum(r[2] for r in rows):>10.1f}")
    print(f"{'ONE WIDGET UPDATE (median)':<42}{w_tot:>10.1f}{c_tot:>10.1f}   goal < 100 ms wall")
    print(f"(for comparison: a full, non-blitted savefig of the same figure: {w_full:.1f} ms wall, "
          f"{c_full:.1f} ms cpu)")
    print(f"PNG size {len(png) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
