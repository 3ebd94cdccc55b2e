"""One update of the Explore widget at T = 1000, H = 64: median time and where it goes.

An update is what happens when a reader moves a control of ``grubptt.explore.explorer``:
build the GRU and the SimpleRNN, run them forward, run BPTT (9.22) with its five terms plus
the last-step error, take the step-Jacobian singular values, move the dashboard's lines,
render the PNG and hand it to the output widget.  The headline number moves the widget's own
controls (``ui.controls[...].value = ...``), so it times exactly the callback a reader's slider
triggers, with every cache missing (a new seed each time: both models are recomputed).

    .venv/bin/python benchmarks/bench_widget.py [--repeats 15] [--T 1000] [--H 64] [--dpi 80] \\
        [--naive] [--png]

Goal: median < 100 ms for every control.  The machine is shared: the load average is printed
before and after, and CPU time (process_time) is shown beside wall time so contention is visible.
``--naive`` also times the plain-matplotlib way (clear the four axes, call the ``plot_*``
functions, ``savefig``): the reason ``grubptt.fastdraw`` exists.  ``--png`` times other ways to
encode the same frame (zlib strategies and levels, threads, RGB, Pillow, a 256-colour palette).
The end-to-end time a reader feels in JupyterLab is measured by ``benchmarks/bench_lab.py``.
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
from grubptt import analysis, dashboard, explore  # noqa: E402


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
    ap.add_argument("--dpi", type=float, default=80, help="the explorer's default is 80")
    ap.add_argument("--naive", action="store_true", help="also time plain matplotlib (no fastdraw)")
    ap.add_argument("--png", action="store_true", help="also time other encodings of the same frame")
    a = ap.parse_args()
    s = explore.Setting(T=a.T, hidden_size=a.H, bz=-2.0)
    print(f"T = {a.T}, H = {a.H}, repeats = {a.repeats}, load average {load()} (1/5/15 min) "
          f"on {os.cpu_count()} cores")

    # --- The widget itself: what a reader's control change runs, end to end. -------------------
    with contextlib.redirect_stdout(io.StringIO()):
        ui = explore.explorer(s, dpi=a.dpi, t_max=max(1000, a.T))
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
            # Outside a kernel IPython's display() prints the Image's repr: keep it off the terminal.
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
    assert ui.dashboard.suptitle.get_text() == f"T = {a.T}"   # the widget really showed T

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
    board = explore.Dashboard(dpi=a.dpi)
    dashboard.clear_cache()
    flows = explore.compute(s)
    w, cp, _ = timed(lambda i: board.update(flows, "GRU"), n)
    rows.append(("dashboard: move lines, rescale, ticks", w, cp))
    board.png()                                # first draw of the background (once per model)
    w, cp, _ = timed(lambda i: board.redraw(), n)
    rows.append((f"redraw (Agg, blitted, dpi {a.dpi:g})", w, cp))
    w, cp, png = timed(lambda i: board.png(fast=True), n)
    rows.append(("  + PNG encoding", w - rows[-1][1], cp - rows[-1][2]))

    def first_draw(i):                         # what the first update of each model also pays
        board._backgrounds.clear()
        board.redraw()

    w_bg, c_bg, _ = timed(first_draw, n)
    w_full, c_full, _ = timed(lambda i: explore.render_png(board.fig, dpi=a.dpi, fast=True), n)

    print(f"\n{'part (medians)':<44}{'wall ms':>10}{'cpu ms':>10}")
    for name, w, cp in rows:
        print(f"{name:<44}{w:>10.1f}{cp:>10.1f}")
    print(f"{'sum of parts':<44}{sum(r[1] for r in rows):>10.1f}{sum(r[2] for r in rows):>10.1f}")
    print(f"\n{'ONE WIDGET UPDATE, control moved (median)':<44}{'wall ms':>10}{'cpu ms':>10}")
    for name, (w, cp) in ends.items():
        print(f"{name:<44}{w:>10.1f}{cp:>10.1f}")
    print(f"goal: < 100 ms wall for the first line.  PNG {len(png) / 1024:.0f} KiB, "
          f"{board.canvas.get_width_height()[0]}×{board.canvas.get_width_height()[1]} px")
    print(f"(once per model, on its first update: drawing the static background {w_bg:.1f} ms wall)")
    print(f"(for comparison: a full, non-blitted savefig of the same figure: {w_full:.1f} ms wall, "
          f"{c_full:.1f} ms cpu)")
    if a.naive:
        w_n, c_n = naive(flows, a.dpi, n)
        print(f"(plain matplotlib: clear 4 axes, plot_* functions, savefig: {w_n:.1f} ms wall, "
              f"{c_n:.1f} ms cpu)")
    if a.png:
        png_alternatives(np.asarray(board.canvas.buffer_rgba()), n)
    print(f"load average after: {load()}")


def png_alternatives(rgba: np.ndarray, n: int) -> None:
    """Other encodings of one dashboard frame: median wall/CPU ms and size (the widget uses the first)."""
    import struct
    import zlib

    from PIL import Image

    from grubptt.fastdraw import _png_chunk, png_rgb

    h, w = rgba.shape[:2]

    def rows(img, channels):                      # PNG scanlines, filter type 0 ("None")
        raw = np.empty((h, 1 + channels * w), dtype=np.uint8)
        raw[:, 0] = 0
        raw[:, 1:] = img.reshape(h, channels * w)
        return raw

    def png_file(idat, colour_type):
        header = struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)
        return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat)
                + _png_chunk(b"IEND", b""))

    def png(data, colour_type, level, strategy=zlib.Z_DEFAULT_STRATEGY):
        c = zlib.compressobj(level, zlib.DEFLATED, 15, 9, strategy)
        return png_file(c.compress(data) + c.flush(), colour_type)

    def pillow(img, **kw):
        buf = io.BytesIO()
        img.save(buf, "png", **kw)
        return buf.getvalue()

    image = Image.frombuffer("RGBA", (w, h), rgba.tobytes(), "raw", "RGBA", 0, 1)
    colours = len(np.unique(rgba.reshape(-1, 4).view(np.uint32)))
    ways = [
        ("RGBA, no filter, zlib 1, 2 threads (the widget's)", lambda i: png_rgb(rgba, 1)),
        ("RGBA, no filter, zlib 1, 1 thread", lambda i: png_rgb(rgba, 1, threads=1)),
        ("RGBA, no filter, zlib 6, 2 threads (stored pages)", lambda i: png_rgb(rgba, 6)),
        ("RGBA, zlib 1, Z_RLE", lambda i: png(rows(rgba, 4).tobytes(), 6, 1, zlib.Z_RLE)),
        ("RGBA, zlib 1, Z_FILTERED", lambda i: png(rows(rgba, 4).tobytes(), 6, 1, zlib.Z_FILTERED)),
        ("RGB (alpha dropped, a copy), zlib 1", lambda i: png(rows(rgba[..., :3], 3).tobytes(), 2, 1)),
        ("Pillow RGBA, compress_level 1", lambda i: pillow(image, compress_level=1)),
        (f"Pillow 256-colour palette (lossy: {colours} colours)", lambda i: pillow(
            image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE), compress_level=1)),
    ]
    print(f"\n{'PNG of one frame (' + str(w) + '×' + str(h) + ')':<52}{'wall ms':>9}{'cpu ms':>9}{'KiB':>7}")
    for name, fn in ways:
        wall, cpu, out = timed(fn, n)
        print(f"{name:<52}{wall:>9.1f}{cpu:>9.1f}{len(out) / 1024:>7.0f}")


def naive(flows, dpi, n):
    """One redraw the plain way: the same four plot functions on fresh axes, matplotlib's ticks, savefig."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11.0, 6.4), dpi=dpi, layout="constrained")
    axes = fig.subplots(2, 2)

    def draw(i):
        for ax in axes.flat:
            ax.cla()
        explore.plot_dh_norms(flows["GRU"], axes[0, 0])
        explore.plot_term_norms(flows["GRU"], axes[0, 1])
        explore.plot_last_gain(list(flows.values()), axes[1, 0])
        explore.plot_singular_values(flows["GRU"], axes[1, 1])
        return explore.render_png(fig, dpi=dpi, fast=True)

    return timed(draw, n)[:2]


if __name__ == "__main__":
    main()
