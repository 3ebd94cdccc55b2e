#!/usr/bin/env python3
"""Check the built book the way a reader sees it: every page, in headless Chromium, with no network.

Usage:  .venv/bin/python scripts/check_site.py [SITE_DIR] [--screenshots DIR] [--shot PAGE ...]

SITE_DIR defaults to `_build/html`. The site is served on a localhost port; every `*.html` page
(except Sphinx's `_static/`, `_sources/` and `_images/` folders) is opened in Debian's Chromium
(`/usr/bin/chromium`, driven by Playwright; no browser is ever downloaded) and checked for:

* math:    MathJax 3 typeset every `.math` element, with no TeX errors, and no raw TeX delimiters
           (`$$`, `\\(`, `\\[`, `\\begin{`) are left in the rendered text outside code;
* images:  every <img> loaded (naturalWidth > 0);
* widgets: every saved ipywidgets view rendered (non-empty, no "could not be rendered" message)
           and every slider responds to the keyboard (its readout changes);
* sliders: every static (kernel-less) `<input type=range>` image player, e.g. a matplotlib
           `to_jshtml` animation, shows a frame and shows a different frame when moved with the
           keyboard; pages in REQUIRED must contain what it lists;
* engine:  on a page that loads the in-browser engine (web/grubptt.js), `window.grubptt.bptt`
           gives the same loss, dh, dh0 and five terms of (9.22) as grubptt.forward + backward on
           random problems (T = 0, H = 1, every output g, zero and nonzero h0) to <= 1e-10
           relative, and rejects bad input with a ValueError naming the argument;
* explorer: every static explorer (`.grubptt-explorer`, web/explorer.js) draws; its weights and
           sequences equal grubptt.analysis.make_gru / make_rnn / make_data exactly, its plotted
           numbers equal grubptt.explore.compute's, and moving each control with the keyboard
           redraws a different picture; it shares the work with its Web Worker, and the page
           opened again with `Worker` removed (as where workers cannot start, e.g. file://)
           computes on the main thread with the same numbers and still redraws;
* links:   every internal href (including equation/figure references) points to an existing
           file and, with `#id`, to an existing id there; no unresolved cross-reference markup;
           a page built from a notebook links to its `.ipynb` (the download button);
* network: no request leaves localhost (such requests are blocked and reported), no 4xx/5xx;
* console: no console errors or uncaught exceptions except the allowlist below.

Screenshots of the `--shot` pages (default: a derivation chapter and the widget chapter) go to
`_build/screenshots/`. Prints one line per page plus every failure; exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
DEFAULT_SHOTS = ("book/04_update_gate.html", "book/10_explore.html")
# Interactive content a page must contain (so losing it is a failure, not a silent pass).
REQUIRED: dict[str, dict[str, int]] = {
    "book/10_explore.html": {"widget_views": 1, "engines": 1, "static_explorers": 1},
}
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}

NOT_LOCAL = re.compile(r"^(?!(https?://(127\.0\.0\.1|localhost)[:/])|data:|blob:|about:)")

# Console errors that are not errors of the book: (message regex, source-URL regex). Keep this
# list short; each entry says why it is harmless.
CONSOLE_ALLOWLIST: tuple[tuple[str, str], ...] = (
    # Chromium asks every site for /favicon.ico; the book has none. Only that URL is excused:
    # any other 404 is reported here and by the HTTP status check.
    (r"^Failed to load resource: the server responded with a status of 404", r"/favicon\.ico$"),
    # Requests to other hosts are blocked on purpose and reported, with their URL, by the network
    # check; the browser's own echo of that block would only repeat it.
    (r"^Failed to load resource: net::ERR_BLOCKED_BY_CLIENT", r"^(?!https?://(127\.0\.0\.1|localhost)[:/])"),
)

# Raw TeX that MathJax should have consumed. Searched in visible text outside code blocks.
RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\\end\{|\\tag\{|\\frac\{"
    # $...$ holding a TeX command, e.g. "$\alpha$" in a widget label that was not typeset
    r"|\$[^$\n]{0,120}?\\[A-Za-z]+[^$\n]{0,120}?\$"
)
# Unresolved MyST/Sphinx roles leaking into the page text.
RAW_ROLE = re.compile(r"\{(numref|ref|doc|eq|cite|cite:p|cite:t|math)\}`")

# Collects every text node outside code, scripts and typeset math, for the raw-TeX search.
JS_PROSE_TEXT = """
() => {
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight, .MathJax, .cell_input";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (el && !el.closest(skip)) parts.push(n.nodeValue);
  }
  return parts.join(" ");
}
"""

JS_WAIT_MATHJAX = """
async () => {
  const mj = window.MathJax;
  if (!mj || !mj.startup || !mj.startup.promise) return {loaded: false};
  await mj.startup.promise;
  if (mj.typesetPromise) await mj.typesetPromise().catch(() => null);
  return {loaded: true, version: mj.version};
}
"""

JS_MATH_STATUS = """
() => {
  const maths = Array.from(document.querySelectorAll(".math, span.math, div.math"))
    .filter(el => !el.parentElement.closest(".math"));
  const untypeset = maths.filter(el => !el.querySelector("mjx-container"));
  const errors = Array.from(new Set(Array.from(document.querySelectorAll("mjx-merror, [data-mjx-error]"))
    .map(el => {
      const box = el.closest(".math");
      const start = box && box.textContent.slice(0, 30);
      const where = box ? (box.id ? ` (in #${box.id})` : ` (in math starting "${start}")`) : "";
      return (el.getAttribute("data-mjx-error") || el.textContent) + where;
    })));
  // MathJax shows an undefined macro (a misspelt command) as red text, not as an error
  // element: find those in its internal MathML.
  try {
    for (const item of window.MathJax.startup.document.math) {
      item.root.walkTree(node => {
        if (node.isKind("mtext") && node.attributes.get("mathcolor") === "red") {
          errors.push("undefined macro " + node.getText());
        }
      });
    }
  } catch (e) { /* no MathJax on this page */ }
  return {
    count: maths.length,
    untypeset: untypeset.slice(0, 5).map(el => el.textContent.trim().slice(0, 80)),
    nUntypeset: untypeset.length,
    containers: document.querySelectorAll("mjx-container").length,
    errors: errors.slice(0, 5),
  };
}
"""

JS_IMAGES = """
async () => {
  const imgs = Array.from(document.images);
  imgs.forEach(img => { img.loading = "eager"; });
  await Promise.all(imgs.map(img => img.complete ? null :
    new Promise(r => { img.addEventListener("load", r); img.addEventListener("error", r);
                       setTimeout(r, 10000); })));
  return imgs.filter(img => !(img.complete && img.naturalWidth > 0))
             .map(img => (img.getAttribute("src") || "").slice(0, 100));
}
"""

JS_WIDGETS = """
() => {
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  const rendered = [];
  const empty = [];
  views.forEach((s, i) => {
    // embed-amd.js inserts a div.widget-subarea holding the view right before its <script> tag.
    const el = s.previousElementSibling;
    const w = el && el.matches(".widget-subarea") ? el : null;
    if (!w) { empty.push(`view ${i}: nothing rendered`); return; }
    const r = w.getBoundingClientRect();
    if (!w.children.length || r.width === 0 || r.height === 0) empty.push(`view ${i}: empty container`);
    else rendered.push(i);
  });
  const bodyText = document.body.innerText;
  const broken = /widget could not be rendered|Error displaying widget|Could not load widget/i.test(bodyText);
  return {views: views.length, rendered: rendered.length, empty, broken,
          sliders: document.querySelectorAll(".widget-slider .noUi-handle").length,
          emptyContainers: Array.from(document.querySelectorAll(".widget-subarea"))
                             .filter(e => e.childElementCount === 0).length};
}
"""


@dataclass
class PageResult:
    page: str
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def fail(self, msg: str) -> None:
        self.failures.append(msg)


# --------------------------------------------------------------------------- static link checks
class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.unresolved: list[str] = []
        self._a_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a":
            self._a_depth += 1
            if "name" in a:
                self.ids.add(a["name"])
            if "href" in a:
                self.hrefs.append(a["href"])
        if tag in ("img", "script") and a.get("src"):
            self.srcs.append(a["src"])
        if tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.srcs.append(a["href"])
        # Sphinx renders a reference it could not resolve as an xref span/code without a link.
        classes = a.get("class", "").split()
        if "xref" in classes and self._a_depth == 0 and tag in ("span", "code"):
            self.unresolved.append(a.get("class", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._a_depth:
            self._a_depth -= 1


def _parse(path: Path) -> _LinkParser:
    p = _LinkParser()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p


def check_links(site: Path, pages: list[Path], result_of: dict[str, PageResult]) -> None:
    """href -> file exists, #id -> id exists in that file; local src/stylesheet files exist."""
    cache: dict[Path, _LinkParser] = {}

    def parsed(path: Path) -> _LinkParser:
        if path not in cache:
            cache[path] = _parse(path)
        return cache[path]

    for page in pages:
        rel = page.relative_to(site).as_posix()
        res = result_of[rel]
        info = parsed(page)
        if info.unresolved:
            res.fail(f"{len(info.unresolved)} unresolved cross-reference(s) (xref without a link)")
        base = f"http://site/{rel}"
        # A page built from a notebook must offer the notebook for download (theme button).
        notebook = site / "_sources" / Path(rel).with_suffix(".ipynb")
        if notebook.exists() and not any(
            urlsplit(urljoin(base, h)).path.lstrip("/") == notebook.relative_to(site).as_posix()
            for h in info.hrefs
        ):
            res.fail(f"no download link to {notebook.relative_to(site)}")
        for href in info.hrefs:
            if not href or href.startswith(("mailto:", "javascript:", "data:")):
                continue
            url = urlsplit(urljoin(base, href))
            if url.netloc != "site":
                continue  # external links are not followed (no network), only local ones
            target = site / unquote(url.path.lstrip("/"))
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                res.fail(f"dead link {href!r}: {target.relative_to(site)} does not exist")
                continue
            if url.fragment and target.suffix == ".html" and unquote(url.fragment) not in parsed(target).ids:
                res.fail(f"dead anchor {href!r}: no id {url.fragment!r} in {target.relative_to(site)}")
        for src in info.srcs:
            url = urlsplit(urljoin(base, src))
            if url.netloc == "site" and not (site / unquote(url.path.lstrip("/"))).exists():
                res.fail(f"missing file {src!r}")


# ------------------------------------------------------------------------------- local server
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # The browser drops connections it no longer needs (closed pages, aborted fetches);
        # a broken pipe there is not a problem of the site.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _allowed(text: str, url: str) -> bool:
    return any(re.search(msg, text) and re.search(src, url) for msg, src in CONSOLE_ALLOWLIST)


# ------------------------------------------------------------------------------ browser checks
def _check_sliders(page, res: PageResult) -> None:
    handles = page.locator(".widget-slider .noUi-handle")
    for i in range(handles.count()):
        handle = handles.nth(i)
        slider = page.locator(".widget-slider").filter(has=handle).first
        readout = slider.locator(".widget-readout")
        before = readout.inner_text() if readout.count() else handle.get_attribute("aria-valuenow")
        handle.focus()
        # Try both directions: a slider sitting at its maximum only moves left.
        for key in ("ArrowRight", "ArrowLeft", "ArrowLeft"):
            page.keyboard.press(key)
            page.wait_for_timeout(100)
            after = readout.inner_text() if readout.count() else handle.get_attribute("aria-valuenow")
            if after != before:
                break
        if after == before:
            res.fail(f"widget slider {i} does not respond to the keyboard (readout stays {before!r})")


# What a reader sees of a static (kernel-less) slider: which images in its player are visible,
# and whether they are loaded. Works for matplotlib's to_jshtml player (one <img> whose src
# changes) and for players that toggle pre-rendered <img> frames.
JS_PLAYER_VIEW = """
(rng) => {
  let box = rng.parentElement;
  while (box && box !== document.body && !box.querySelector("img")) box = box.parentElement;
  const imgs = box ? Array.from(box.querySelectorAll("img")) : [];
  const shown = imgs.filter(im => im.getBoundingClientRect().width > 0);
  return {value: rng.value, nImg: imgs.length,
          shown: shown.map(im => imgs.indexOf(im) + ":" + (im.getAttribute("src") || "").length + ":" +
                                 (im.getAttribute("src") || "").slice(-40)).join("|"),
          loaded: shown.length > 0 && shown.every(im => im.complete && im.naturalWidth > 0)};
}
"""


def _check_static_sliders(page, res: PageResult) -> int:
    """Every <input type=range> outside ipywidgets must show a frame and show another when moved."""
    ranges = page.locator("input[type=range]:not(.jupyter-widgets input):not(.grubptt-explorer input)")
    n = ranges.count()
    for i in range(n):
        rng = ranges.nth(i)
        player = rng.locator("xpath=ancestor::div[contains(@class, 'animation')][1]")
        if player.count():  # matplotlib's player may be playing: stop it so only the slider moves it
            pause = player.locator("button[title='Pause']")
            if pause.count():
                pause.first.click()
        before = rng.evaluate(JS_PLAYER_VIEW)
        if before["nImg"] == 0:
            res.fail(f"static slider {i}: no frame image next to it")
            continue
        if not before["loaded"]:
            res.fail(f"static slider {i}: no loaded frame shown")
        rng.scroll_into_view_if_needed()
        rng.focus()
        after = before
        for key in ("ArrowRight", "ArrowLeft", "ArrowLeft"):
            page.keyboard.press(key)
            page.wait_for_timeout(150)
            after = rng.evaluate(JS_PLAYER_VIEW)
            if after["value"] != before["value"]:
                break
        if after["value"] == before["value"]:
            res.fail(f"static slider {i}: does not move with the keyboard")
        elif after["shown"] == before["shown"]:
            res.fail(f"static slider {i}: moving it does not change the displayed frame")
        elif not after["loaded"]:
            res.fail(f"static slider {i}: the new frame is not shown (image not loaded)")
    return n


# ------------------------------------------------------------------------- in-browser engine
# Agreement of window.grubptt.bptt (web/grubptt.js) with grubptt, and of the static explorer
# (web/explorer.js) with grubptt.explore.  The tolerance of issue 12: 1e-10 relative.
ENGINE_TOL = 1e-10
# (T, D, H, O, output, nonzero h0): T = 0, H = 1, each g, h0 None and given.
ENGINE_PROBLEMS = (
    (0, 3, 5, 2, "identity", False),
    (0, 2, 1, 1, "tanh", True),
    (6, 2, 1, 3, "sigmoid", True),
    (25, 4, 8, 4, "tanh", False),
    (40, 3, 16, 2, "identity", True),
    (13, 1, 6, 1, "sigmoid", False),
)
ENGINE_QUANTITIES = ("loss", "dh", "dh0", "grad_dense", "update_gate", "candidate", "reset_gate", "carry")
# Settings whose weights, sequences and plotted numbers are compared with grubptt's.
EXPLORER_SETTINGS = (
    {"T": 200, "H": 32, "seed": 0, "radius": 1.0, "bz": -2.0, "output": "identity", "model": "GRU"},
    {"T": 57, "H": 8, "seed": 3, "radius": 1.5, "bz": 0.5, "output": "tanh", "model": "SimpleRNN"},
    {"T": 1, "H": 8, "seed": 0, "radius": 0.1, "bz": -8.0, "output": "sigmoid", "model": "GRU"},
    {"T": 1000, "H": 16, "seed": 1, "radius": 1.0, "bz": -1.0, "output": "identity", "model": "GRU"},
)
# Not compared: long runs of expanding settings (radius 2 at T = 1000 gave 4.5e-12 here). There the
# rounding differences of two summation orders (BLAS vs JavaScript loops) grow along the sequence,
# which on another machine could pass 1e-10 while both are right; radius 1.5 is compared at T = 57.
# Each control, and the key that moves it from the start setting (T 200, H 32, seed 0, radius 1,
# b_z −2, identity, GRU); the model goes last so b_z is moved while the GRU is shown.
EXPLORER_CONTROLS = (("T", "ArrowRight"), ("H", "ArrowDown"), ("seed", "ArrowDown"), ("radius", "ArrowRight"),
                     ("bz", "ArrowRight"), ("output", "ArrowDown"), ("model", "ArrowRight"))


def engine_problems(seed: int = 12):
    """Random problems for bptt: (problem as JSON-able dict, grubptt's answer as dict of arrays)."""
    import numpy as np

    import grubptt

    rng = np.random.default_rng(seed)
    out = []
    for T, D, H, O, output, with_h0 in ENGINE_PROBLEMS:
        p = grubptt.init_params(D, H, O, seed=int(rng.integers(2**31)))
        for b in (p.bz, p.br, p.b, p.c):          # init_params leaves biases at 0: exercise them
            b[:] = 0.5 * rng.standard_normal(b.shape)
        x, Y = rng.standard_normal((T + 1, D)), rng.standard_normal((T + 1, O))
        if output == "sigmoid":
            Y = rng.uniform(0, 1, (T + 1, O))
        h0 = 0.5 * rng.standard_normal(H) if with_h0 else None
        cache = grubptt.forward(p, x, h0, output=output)
        g = grubptt.backward(p, cache, Y)
        want = {"loss": np.array(grubptt.loss(cache, Y)), "dh": g.dh, "dh0": g.dh0, **g.terms}
        problem = {"params": {k: v.tolist() for k, v in p.arrays().items()}, "x": x.tolist(),
                   "h0": None if h0 is None else h0.tolist(), "Y": Y.tolist(), "output": output}
        out.append(((T, D, H, O, output, with_h0), problem, want))
    return out


def _rel(a, b) -> float:
    """grubptt.relative_error, tolerant of a shape mismatch (reported as inf)."""
    import numpy as np

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return float("inf")
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    if not np.all(np.isfinite(a)):
        return float("inf")
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


JS_BPTT = """
(problems) => problems.map(p => {
  const r = window.grubptt.bptt(p);
  return {loss: r.loss, dh: r.dh, dh0: r.dh0, ...r.terms};
})
"""

# Bad input must raise a ValueError that names the argument.
JS_BAD_INPUT = """
(p) => {
  const cases = {
    x: {...p, x: p.x.map(row => row.slice(1))},
    h0: {...p, h0: [1, 2, 3, 4, 5, 6, 7, 8, 9]},
    Y: {...p, Y: p.Y.slice(1)},
    output: {...p, output: "softmax"},
    "params.Uz": {...p, params: {...p.params, Uz: p.params.Uz.slice(1)}},
    "params.bz": {...p, params: {...p.params, bz: p.params.bz.map(() => NaN)}},
  };
  const out = {};
  for (const [name, bad] of Object.entries(cases)) {
    try { window.grubptt.bptt(bad); out[name] = "no error"; }
    catch (e) { out[name] = e.name + ": " + e.message; }
  }
  return out;
}
"""


# Which code computes: web/kernels.js's WebAssembly kernels when they loaded, else grubptt.js's loops.
JS_KERNELS = """() => { const K = window.grubpttKernels;
  if (!K) return "plain JavaScript (web/kernels.js not loaded)";
  if (K.error) return "failed: " + K.error;
  return K.ready ? "WebAssembly SIMD" : "plain JavaScript (kernels not compiled yet)"; }"""

# The same problems with the kernels switched off: grubptt.js's loops must give the same bits.
JS_BPTT_PLAIN = """
(problems) => {
  const K = window.grubpttKernels;
  K.disabled = true;
  try {
    return problems.map(p => {
      const r = window.grubptt.bptt(p);
      return {loss: r.loss, dh: r.dh, dh0: r.dh0, ...r.terms};
    });
  } finally { K.disabled = false; }
}
"""


def _check_engine(page, res: PageResult) -> int:
    """window.grubptt.bptt against grubptt on random problems; returns 1 if the page has the engine."""
    if not page.evaluate("() => !!(window.grubptt && window.grubptt.bptt)"):
        return 0
    cases = engine_problems()
    kernels = page.evaluate(JS_KERNELS)
    res.notes.append(f"engine computes with: {kernels}")
    if kernels.startswith("failed"):
        res.fail(f"engine: the WebAssembly kernels (web/kernels.js) did not load: {kernels}")
    got = page.evaluate(JS_BPTT, [problem for _, problem, _ in cases])
    if kernels == "WebAssembly SIMD":
        plain = page.evaluate(JS_BPTT_PLAIN, [problem for _, problem, _ in cases])
        if plain != got:
            res.fail("engine: bptt on the WebAssembly kernels differs from grubptt.js's plain loops "
                     "(they must give the same bits)")
    worst = dict.fromkeys(ENGINE_QUANTITIES, 0.0)
    for (shape, _, want), have in zip(cases, got, strict=True):
        for q in ENGINE_QUANTITIES:
            err = _rel(have[q], want[q])
            worst[q] = max(worst[q], err)
            if not err <= ENGINE_TOL:
                T, D, H, O, output, h0 = shape
                res.fail(f"engine: bptt's {q} disagrees with grubptt (relative error {err:.1e} > "
                         f"{ENGINE_TOL:g}) at T={T}, D={D}, H={H}, O={O}, output={output}, "
                         f"h0={'given' if h0 else 'None'}")
    summary = ", ".join(f"{q} {e:.1e}" for q, e in worst.items())
    res.notes.append(f"engine agreement, max relative error over {len(cases)} problems: {summary}")
    bad = page.evaluate(JS_BAD_INPUT, cases[2][1])
    for name, msg in bad.items():
        if not (msg.startswith("ValueError") and name in msg):
            res.fail(f"engine: bad {name} should raise a ValueError naming {name}, got {msg!r}")
    return 1


JS_CANVAS = """(root) => { const c = root.querySelector("canvas");
  return {draws: +(root.dataset.draws || 0), setting: root.dataset.setting || "",
          png: c ? c.toDataURL() : ""}; }"""


def _wait_drawn(root, after: int, timeout: float = 20.0) -> dict:
    """The explorer's state once it has drawn more than ``after`` times and stopped (or on timeout)."""
    t0 = time.monotonic()
    state = root.evaluate(JS_CANVAS)
    while time.monotonic() - t0 < timeout:
        if state["draws"] > after:
            root.page.wait_for_timeout(150)          # a coalesced second update may follow
            later = root.evaluate(JS_CANVAS)
            if later["draws"] == state["draws"]:
                return later
            state = later
            continue
        root.page.wait_for_timeout(50)
        state = root.evaluate(JS_CANVAS)
    return state


def _check_explorer_numbers(page, res: PageResult, how: str = "with its worker") -> None:
    """The explorer's weights, sequences and plotted numbers against grubptt's, per setting."""
    import numpy as np

    from grubptt import analysis, explore

    for s in EXPLORER_SETTINGS:
        tag = ", ".join(f"{k}={v}" for k, v in s.items())
        m = page.evaluate("(s) => window.grubptt.explorer.materials(s)", s)
        x, Y = analysis.make_data(s["T"], seed=s["seed"], output=s["output"])
        gru = analysis.make_gru(s["H"], seed=s["seed"], radius=s["radius"], bz=s["bz"])
        rnn = analysis.make_rnn(s["H"], seed=s["seed"], radius=s["radius"])
        pairs = [("x", m["x"], x), ("Y", m["Y"], Y)]
        pairs += [(f"GRU {k}", m["gru"][k], v) for k, v in gru.arrays().items()]
        pairs += [(f"SimpleRNN {k}", m["rnn"][k], v) for k, v in rnn.arrays().items()]
        wrong = [name for name, a, b in pairs if not np.array_equal(np.asarray(a), b.ravel())]
        if wrong:
            res.fail(f"explorer: weights/sequence differ from grubptt's for {tag}: {', '.join(wrong)}")
        have = page.evaluate("(s) => window.grubptt.explorer.flows(s)", s)
        want = explore.compute(explore.Setting(T=s["T"], hidden_size=s["H"], seed=s["seed"],
                                               radius=s["radius"], bz=s["bz"], output=s["output"],
                                               model=s["model"]))
        worst = 0.0
        for model, f in want.items():
            h = have[model]
            pairs = [("dh_norm", h["dh_norm"], f.dh_norm),
                     ("last_gain", h["last_gain"], np.nan_to_num(f.last_gain)),
                     *((f"term {k}", h["term_norms"].get(k, []), v) for k, v in f.term_norms.items())]
            if list(h["jac_t"]) != f.jac_t.tolist():
                res.fail(f"explorer: {model} Jacobian steps differ from grubptt's for {tag}")
            else:
                pairs += [(f"singular values at t={t}", a, b)
                          for t, a, b in zip(f.jac_t, h["jac_sv"], f.jac_sv, strict=True)]
            for name, a, b in pairs:
                a = np.nan_to_num(np.asarray(a, dtype=float))
                err = _rel(a, b)
                worst = max(worst, err)
                if not err <= ENGINE_TOL:
                    res.fail(f"explorer ({how}): {model} {name} differs from grubptt.explore.compute "
                             f"(relative error {err:.1e}) for {tag}")
        res.notes.append(f"explorer ({how}) vs grubptt.explore.compute at {tag}: "
                         f"max relative error {worst:.1e}")


def _check_explorer_without_workers(context, url: str, res: PageResult) -> None:
    """The page opened with `Worker` removed: the explorer computes on the main thread, equal numbers."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)[:300]))
    page.add_init_script("delete window.Worker;")
    try:
        page.route(NOT_LOCAL, lambda r: r.abort("blockedbyclient"))
        page.goto(url, wait_until="load", timeout=60000)
        root = page.locator(".grubptt-explorer").first
        state = _wait_drawn(root, 0)
        if state["draws"] < 1:
            res.fail("static explorer without workers: nothing drawn")
            return
        mode = page.evaluate("() => window.grubptt.explorer.mode")
        if mode != "main thread":
            res.fail(f"static explorer without workers: mode {mode!r}, expected 'main thread'")
        _check_explorer_numbers(page, res, "without workers")
        control = root.locator("[data-control=T]").first
        control.focus()
        page.keyboard.press("ArrowRight")
        after = _wait_drawn(root, state["draws"], timeout=10)
        if after["draws"] == state["draws"] or after["png"] == state["png"]:
            res.fail("static explorer without workers: moving T does not redraw")
        for msg in errors:
            res.fail(f"static explorer without workers: uncaught exception: {msg}")
    finally:
        page.close()


def _check_explorers(page, res: PageResult) -> int:
    """Every static explorer draws, equals grubptt, and redraws when each control moves."""
    roots = page.locator(".grubptt-explorer")
    n = roots.count()
    for i in range(n):
        root = roots.nth(i)
        state = _wait_drawn(root, 0)
        if state["draws"] < 1 or not state["png"]:
            res.fail(f"static explorer {i}: nothing drawn")
            continue
        if i == 0:
            mode = page.evaluate("() => window.grubptt.explorer.mode")
            if mode != "worker":
                res.fail(f"static explorer: computes on the {mode}; its Web Worker did not start")
            _check_explorer_numbers(page, res)
        for name, key in EXPLORER_CONTROLS:
            control = root.locator(f"[data-control={name}]").first
            if not control.count():
                res.fail(f"static explorer {i}: no {name} control")
                continue
            before = _wait_drawn(root, state["draws"] - 1, timeout=1)
            control.focus()
            page.keyboard.press(key)
            state = _wait_drawn(root, before["draws"], timeout=10)
            if state["draws"] == before["draws"]:
                res.fail(f"static explorer {i}: moving {name} with the keyboard ({key}) does not redraw")
            elif state["setting"] == before["setting"]:
                res.fail(f"static explorer {i}: {name} does not move with the keyboard ({key})")
            elif state["png"] == before["png"]:
                res.fail(f"static explorer {i}: moving {name} redraws the same picture")
    return n


REDIRECT = re.compile(
    r"""<meta\s+http-equiv=["']?refresh["']?\s+content=["']?\d+\s*;\s*url=([^"'>\s]+)""", re.I
)


def redirect_target(site: Path, rel: str) -> str | None:
    """The page a meta-refresh stub points to (relative to the site root), or None."""
    m = REDIRECT.search((site / rel).read_text(encoding="utf-8", errors="replace")[:4000])
    if m is None:
        return None
    return urlsplit(urljoin(f"http://site/{rel}", m.group(1))).path.lstrip("/")


def check_page(
    context, base_url: str, rel: str, res: PageResult, shot_path: Path | None, redirect: str | None = None
) -> None:
    t0 = time.monotonic()
    page = context.new_page()
    console: list[str] = []
    external: list[str] = []
    bad_status: list[str] = []

    def on_console(msg) -> None:
        url = (msg.location or {}).get("url", "")
        if msg.type == "error" and not _allowed(msg.text, url):
            console.append(f"{msg.text[:300]} ({url})" if url else msg.text[:300])

    def on_response(resp) -> None:
        if resp.status >= 400 and not resp.url.endswith("/favicon.ico"):
            bad_status.append(f"{resp.status} {resp.url.removeprefix(base_url[:-1])}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: console.append(f"uncaught exception: {str(exc)[:300]}"))
    page.on("response", on_response)

    def block(r) -> None:
        external.append(r.request.url)
        r.abort("blockedbyclient")

    # Only requests that leave localhost reach Python (routing every request would be slow).
    page.route(NOT_LOCAL, block)
    try:
        target = rel
        if redirect is not None:
            # A redirect stub (jupyter-book's root index.html): check the page it leads to.
            target = redirect
            res.notes.append(f"redirects to {redirect}")
        page.goto(base_url + target, wait_until="load", timeout=60000)
        mj = page.evaluate(JS_WAIT_MATHJAX)
        maths = page.evaluate(JS_MATH_STATUS)
        if maths["count"]:
            if not mj["loaded"]:
                res.fail(f"{maths['count']} math element(s) but MathJax is not loaded")
            elif maths["nUntypeset"]:
                res.fail(f"{maths['nUntypeset']} math element(s) not typeset, e.g. {maths['untypeset']}")
        if maths["errors"]:
            res.fail(f"MathJax TeX errors: {maths['errors']}")
        prose = page.evaluate(JS_PROSE_TEXT)
        for what, pattern in (("raw TeX", RAW_TEX), ("unparsed role", RAW_ROLE)):
            hits = list(pattern.finditer(prose))
            if hits:
                m = hits[0]
                excerpt = " ".join(prose[max(0, m.start() - 50) : m.end() + 50].split())
                res.fail(f"{what} visible in {len(hits)} place(s), first: ...{excerpt!r}...")

        broken_imgs = page.evaluate(JS_IMAGES)
        for src in broken_imgs:
            res.fail(f"image not loaded: {src!r}")
        n_img = page.evaluate("() => document.images.length")

        if shot_path is not None:
            # Before any interaction, so the page looks as a reader first sees it.
            shot_path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot_path), full_page=True)

        n_views = page.evaluate(f"() => document.querySelectorAll('script[type=\"{WIDGET_VIEW}\"]').length")
        widgets = None
        if n_views:
            # embed-amd.js renders on `load`, asynchronously; give it time, then judge.
            # Done when every view rendered, or nothing changed for 3 s (a view that cannot be
            # rendered never appears), or after 15 s.
            start = last_change = time.monotonic()
            widgets, seen = page.evaluate(JS_WIDGETS), None
            while widgets["rendered"] < widgets["views"]:
                now = time.monotonic()
                if widgets["rendered"] != seen:
                    seen, last_change = widgets["rendered"], now
                if now - last_change > 3 or now - start > 15:
                    break
                page.wait_for_timeout(250)
                widgets = page.evaluate(JS_WIDGETS)
            for msg in widgets["empty"]:
                res.fail(f"widget {msg}")
            if widgets["broken"]:
                res.fail("a widget shows 'could not be rendered' / 'Error displaying widget'")
            if widgets["emptyContainers"]:
                res.fail(f"{widgets['emptyContainers']} empty widget container(s)")
            _check_sliders(page, res)
        n_anim = _check_static_sliders(page, res)
        n_engine = _check_engine(page, res)
        n_explorers = _check_explorers(page, res)
        if n_explorers:
            _check_explorer_without_workers(context, base_url + target, res)
        res.counts.update(widget_views=n_views, static_sliders=n_anim, engines=n_engine,
                          static_explorers=n_explorers)

        page.wait_for_timeout(100)  # let late console messages arrive
        res.notes.append(
            f"math {maths['count']}, img {n_img}, widget views {n_views}, sliders "
            f"{widgets['sliders'] if widgets else 0}, static sliders {n_anim}, engine {n_engine}, "
            f"static explorers {n_explorers}; {time.monotonic() - t0:.1f} s"
        )
    except Exception as exc:  # a crashed check is a failed page, never a pass
        res.fail(f"check crashed: {type(exc).__name__}: {exc}")
    finally:
        page.close()
    for url in sorted(set(external)):
        res.fail(f"request to non-localhost URL (blocked): {url}")
    for line in sorted(set(bad_status)):
        res.fail(f"HTTP {line}")
    for msg in console:
        res.fail(f"console error: {msg}")


def find_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if not (set(p.relative_to(site).parts[:-1]) & SKIP_DIRS))


def check_site(
    site: Path,
    screenshots: Path,
    shots: list[str],
    only: list[str] | None = None,
    required: dict[str, dict[str, int]] | None = None,
) -> dict[str, PageResult]:
    """Check every page of a built site; returns the result per page (relative path)."""
    from playwright.sync_api import sync_playwright  # imported here so --help works without it

    site = site.resolve()
    if not (site / "index.html").exists():
        raise FileNotFoundError(f"{site} has no index.html; build the book first")
    pages = find_pages(site)
    if only:
        pages = [p for p in pages if p.relative_to(site).as_posix() in only]
    rels = [p.relative_to(site).as_posix() for p in pages]
    results = {rel: PageResult(rel) for rel in rels}
    for shot in shots:
        if shot not in results:
            print(f"check_site: screenshot page {shot} was not built", file=sys.stderr)
            results.setdefault(shot, PageResult(shot)).fail("page requested for a screenshot does not exist")

    check_links(site, pages, results)

    server, base_url = serve(site)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            for rel in rels:
                shot = screenshots / (Path(rel).stem + ".png") if rel in shots else None
                redirect = redirect_target(site, rel)
                if redirect is not None and not (site / redirect).is_file():
                    results[rel].fail(f"redirects to {redirect}, which does not exist")
                    continue
                check_page(context, base_url, rel, results[rel], shot, redirect)
            browser.close()
    finally:
        server.shutdown()

    for rel, needs in (REQUIRED if required is None else required).items():
        if rel not in results:
            if not only:
                results[rel] = PageResult(rel)
                results[rel].fail("required page was not built")
            continue
        for what, minimum in needs.items():
            have = results[rel].counts.get(what, 0)
            if have < minimum:
                results[rel].fail(f"expected at least {minimum} {what.replace('_', ' ')}, found {have}")

    return results


def run(
    site: Path,
    screenshots: Path,
    shots: list[str],
    only: list[str] | None = None,
    required: dict[str, dict[str, int]] | None = None,
) -> int:
    """Check the site, print one line per page and every failure; 0 if all pages pass."""
    t0 = time.monotonic()
    try:
        results = check_site(site, screenshots, shots, only, required)
    except FileNotFoundError as exc:
        print(f"check_site: {exc}", file=sys.stderr)
        return 2
    n_fail = 0
    for rel, res in results.items():
        status = "FAIL" if res.failures else "ok  "
        print(f"{status} {rel}  ({'; '.join(res.notes)})")
        for msg in res.failures:
            print(f"       - {msg}")
        n_fail += bool(res.failures)
    print(f"check_site: {len(results)} page(s), {n_fail} failed, {time.monotonic() - t0:.1f} s")
    if shots:
        print(f"check_site: screenshots in {screenshots}")
    return 1 if n_fail else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "site", nargs="?", default="_build/html", type=Path, help="built site (default _build/html)"
    )
    ap.add_argument(
        "--screenshots", type=Path, default=None, help="folder for screenshots (default SITE/../screenshots)"
    )
    ap.add_argument(
        "--shot", action="append", default=None, help=f"page to screenshot (default {DEFAULT_SHOTS})"
    )
    ap.add_argument("--page", action="append", default=None, help="check only this page (repeatable)")
    args = ap.parse_args(argv)
    shots = list(DEFAULT_SHOTS) if args.shot is None else [s for s in args.shot if s]
    screenshots = args.screenshots or args.site.resolve().parent / "screenshots"
    return run(args.site, screenshots, shots, args.page)


if __name__ == "__main__":
    sys.exit(main())
