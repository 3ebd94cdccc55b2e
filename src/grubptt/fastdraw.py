"""Fast drawing for the live dashboard: tick labels pasted from cached bitmaps, a light PNG encoder.

Why this module exists: with matplotlib's own tick drawing and ``savefig`` one dashboard update
takes 270-440 ms of CPU here, three times the widget's whole 100 ms budget
(``benchmarks/bench_widget.py --naive`` measures it); with these it takes about 20 ms.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["Ticks", "Stamp", "log_ticks", "power_label", "png_rgb"]


# Tick labels are a small vocabulary (0, 200, 10⁻³, 2·10⁻⁵, …): each is rasterized once per
# (text, size, dpi) and pasted afterwards.  A few hundred entries at most.
_LABEL_IMAGES: dict[tuple[str, float, float], tuple[np.ndarray, int]] = {}


def _label_image(text: str, size: float, dpi: float) -> tuple[np.ndarray, int]:
    """``text`` rendered by matplotlib (Agg) at ``size`` points: (RGBA (h, w, 4) uint8, baseline row).

    The image spans the whole line height (same h for every text of this size), cropped
    left and right to the ink; the baseline lies ``base`` rows above its bottom edge.
    """
    key = (text, float(size), float(dpi))
    hit = _LABEL_IMAGES.get(key)
    if hit is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        px = size * dpi / 72.0
        h, base = int(np.ceil(1.9 * px)), int(np.ceil(0.45 * px))   # room for superscripts and descenders
        w = int(np.ceil((len(text) + 2) * px))
        fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi)
        canvas = FigureCanvasAgg(fig)
        fig.patch.set_visible(False)                 # transparent: the label is blended onto the plot
        fig.text(0.5 * px / w, base / h, text, fontsize=size, va="baseline", ha="left")
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        cols = np.flatnonzero(rgba[..., 3].any(axis=0))
        img = rgba[:, cols[0]:cols[-1] + 1] if cols.size else rgba[:, :0]
        # draw_image wants the bottom row first (canvas buffers are top row first).
        hit = _LABEL_IMAGES[key] = (np.ascontiguousarray(img[::-1]), base)
    return hit


def log_ticks(lo: float, hi: float) -> np.ndarray:
    """Tick values for a log axis from lo to hi, 2 to 6 of them, not crowded.

    Up to 6 decades: 10ⁿ if that gives 3 ticks, else 1, 2, 5 × 10ⁿ if that gives 2, else
    1..9 × 10ⁿ (never more than 6).  Wider: powers of ten with a round stride in the exponent
    (10⁻⁵⁰, 10⁻¹⁰⁰, …).
    """
    from matplotlib.ticker import MaxNLocator

    if not 0 < lo < hi < np.inf:
        return np.empty(0)
    a, b = np.log10(lo), np.log10(hi)
    if b - a > 6:
        e = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], integer=True).tick_values(a, b)
        v = 10.0 ** e
        return v[(v >= lo * (1 - 1e-9)) & (v <= hi * (1 + 1e-9))]
    decades = 10.0 ** np.arange(np.floor(a), np.ceil(b) + 1)
    v = np.empty(0)
    for subs in ((1.0,), (1.0, 2.0, 5.0), tuple(np.arange(1.0, 10.0))):
        w = np.outer(decades, subs).ravel()
        w = w[(w >= lo * (1 - 1e-9)) & (w <= hi * (1 + 1e-9))]
        if len(w) > 6 and len(v):
            break
        v = w
        if len(v) >= (3 if len(subs) == 1 else 2):     # 1..9 × 10ⁿ only when 1, 2, 5 give a single tick
            break
    return v


class Ticks(Artist):
    """Tick marks and labels of one axis of a :class:`Dashboard` panel, labels pasted from bitmaps.

    Matplotlib's own ``Axis.draw`` lays out every label's text and measures the neighbouring
    axes' labels on every draw: that was ~90 % of a dashboard redraw.  Here a label is
    rasterized once (:func:`_label_image`) and each draw only blends it in.
    """

    def __init__(self, ax: Axes, axis: str, fontsize: float):
        from matplotlib.lines import TICKDOWN, TICKLEFT, Line2D

        super().__init__()
        self.axis, self.fontsize = axis, fontsize
        self.values, self.labels = np.empty(0), []
        self.set_zorder(3)
        self.set_clip_on(False)
        tr = ax.get_xaxis_transform() if axis == "x" else ax.get_yaxis_transform()
        self.marks = Line2D([], [], transform=tr, ls="none", color="black", clip_on=False,
                            marker=TICKDOWN if axis == "x" else TICKLEFT, markersize=3.5, markeredgewidth=0.8)
        ax.add_artist(self)
        self.marks.set_figure(self.get_figure())

    def set_ticks(self, values: np.ndarray, labels: Sequence[str]) -> None:
        self.values, self.labels = np.asarray(values, dtype=float), list(labels)
        zero = np.zeros(len(self.values))
        self.marks.set_data((self.values, zero) if self.axis == "x" else (zero, self.values))
        self.stale = True

    def draw(self, renderer) -> None:
        if not self.get_visible() or not self.labels:
            return
        self.marks.draw(renderer)
        dpi = self.get_figure().dpi
        px = self.fontsize * dpi / 72.0
        pad = (3.5 + 3.0) * dpi / 72.0                         # tick length + gap, in pixels
        zero = np.zeros(len(self.values))
        xy = np.column_stack((self.values, zero) if self.axis == "x" else (zero, self.values))
        gc = renderer.new_gc()
        for (x, y), text in zip(self.marks.get_transform().transform(xy), self.labels, strict=True):
            img, base = _label_image(text, self.fontsize, dpi)
            if self.axis == "x":                               # centred under the tick, digits' top at pad
                left, baseline = x - img.shape[1] / 2, y - pad - 0.73 * px
            else:                                              # right of the label at pad, digits centred
                left, baseline = x - pad - img.shape[1], y - 0.36 * px
            renderer.draw_image(gc, round(left), round(baseline) - base, img)
        gc.restore()
        self.stale = False


class Stamp(Artist):
    """Lines of text pasted from cached bitmaps, the first line's baseline-left corner at ``xy``.

    For text shown again and again (the floor note): matplotlib lays out a 5-line note in ~10 ms
    per draw; pasting takes a few hundred µs.
    """

    def __init__(self, ax: Axes, text: str, xy: tuple[float, float], transform, fontsize: float):
        super().__init__()
        self.lines, self.xy, self.fontsize = text.split("\n"), xy, fontsize
        self.set_transform(transform)
        self.set_zorder(3)
        self.set_clip_on(False)
        ax.add_artist(self)

    def get_text(self) -> str:
        return "\n".join(self.lines)

    def draw(self, renderer) -> None:
        if not self.get_visible():
            return
        dpi = self.get_figure().dpi
        step = 1.25 * self.fontsize * dpi / 72.0
        x, y = self.get_transform().transform(self.xy)
        gc = renderer.new_gc()
        for i, line in enumerate(self.lines):        # the last line sits on xy, earlier ones above it
            img, base = _label_image(line, self.fontsize, dpi)
            renderer.draw_image(gc, round(x), round(y + (len(self.lines) - 1 - i) * step) - base, img)
        gc.restore()
        self.stale = False


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_rgb(rgba: np.ndarray, level: int = 1, *, threads: int = 2) -> bytes:
    """A PNG (8-bit RGBA, no row filters) of an (h, w, 4) uint8 image.

    Pillow tries every PNG row filter on every row; on these plots (mostly white, thin lines)
    unfiltered rows compress as well, and keeping the alpha channel avoids a strided copy.
    zlib releases the GIL, so ``threads`` blocks of rows are deflated at once and joined by sync
    flushes into one zlib stream (as pigz does): ~2 ms less per widget frame on two cores.
    """
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1, got {threads!r}")
    h, w = rgba.shape[:2]
    raw = np.empty((h, 1 + 4 * w), dtype=np.uint8)
    raw[:, 0] = 0                                              # filter type "None" on every row
    raw[:, 1:] = rgba.reshape(h, 4 * w)
    cuts = np.linspace(0, h, threads + 1).astype(int)

    def deflate(i: int) -> bytes:                              # raw deflate of row block i
        c = zlib.compressobj(level, zlib.DEFLATED, -15)
        last = i == threads - 1
        return c.compress(raw[cuts[i]:cuts[i + 1]]) + c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    if threads == 1:
        blocks = [deflate(0)]
    else:
        with ThreadPoolExecutor(threads - 1) as pool:
            rest = pool.map(deflate, range(1, threads))
            blocks = [deflate(0), *rest]
    flevel = 0 if level in (0, 1) else 1 if level < 6 else 2 if level == 6 else 3
    header = 0x7800 | flevel << 6
    header |= 31 - header % 31                                 # zlib header check bits (RFC 1950)
    idat = struct.pack(">H", header) + b"".join(blocks) + struct.pack(">I", zlib.adler32(raw))
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))   # 8 bit, RGBA
            + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_label(y: float, _pos=None) -> str:
    """Log-axis tick label as plain text (10⁻³, 2·10⁻³): mathtext labels cost a parse per draw."""
    if not np.isfinite(y) or y <= 0:
        return ""
    e = int(np.floor(np.log10(y) + 1e-9))
    if -1 <= e <= 2:                                  # 0.5, 1, 20, 100 read better than powers
        return f"{y:.3g}"
    m = y / 10.0**e
    if abs(m - round(m)) > 1e-6:                      # not a multiple of a power of ten
        return f"{y:.2g}"
    return (f"{round(m)}·" if round(m) != 1 else "") + "10" + str(e).translate(_SUPERSCRIPT)


