"""The browser check (scripts/check_site.py) must fail on broken pages and pass on good ones.

A small fixture site is written to a temporary folder: pages shaped like the book's (Sphinx's math
markup typeset by the real vendored MathJax 3 from node_modules/, a PNG, cross-page anchors, real
ipywidgets state rendered by the real widget manager, a kernel-less range-slider player, the real
in-browser engine and static explorer from web/ with data written by scripts/explorer_data.py),
one good page and one page per breakage (the engine and explorer are broken by editing a copy of
their source: one wrong sign in a term, a control that does not redraw, ...).
The checker runs once over the whole site in headless Chromium;
each test then asserts the verdict and the reason for its page.

Needs /usr/bin/chromium, the playwright package and `npm ci` (scripts/test.sh sets all three up).
A missing prerequisite fails the tests with the fix; nothing is skipped.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import json
import struct
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_site", ROOT / "scripts" / "check_site.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_site"] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


check_site = _load_checker()


def _require_prerequisites() -> None:
    problems = []
    if not Path(check_site.CHROMIUM).exists():
        problems.append(
            f"{check_site.CHROMIUM} is missing (apt-get install chromium; scripts/setup.sh chromium)"
        )
    if importlib.util.find_spec("playwright") is None:
        problems.append("the playwright package is missing (pip install -r requirements.txt)")
    if not (NODE_MODULES / "mathjax/es5/tex-chtml.js").exists():
        problems.append("node_modules/ is missing (npm ci; scripts/setup.sh npm)")
    if problems:
        pytest.fail("browser-check tests cannot run: " + "; ".join(problems), pytrace=False)


def _png(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG, written by hand so the fixture needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([200, 60, 60]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


MATHJAX_CLASSES = "tex2jax_process|mathjax_process|math|output_area|cell_output"


def _page(title: str, body: str, *, depth: int = 0, head: str = "") -> str:
    up = "../" * depth
    # The same MathJax setup Sphinx + myst-parser write: config first, then the deferred bundle.
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script>window.MathJax = {{"tex": {{"inlineMath": [["$", "$"], ["\\\\(", "\\\\)"]], "processEscapes": true}},
  "options": {{"processHtmlClass": "{MATHJAX_CLASSES}"}}}}</script>
<script defer="defer" src="{up}_static/offline/mathjax/tex-chtml.js"></script>
{head}
</head><body><section class="tex2jax_ignore mathjax_ignore" id="top"><h1>{title}</h1>
{body}
</section></body></html>
"""


GOOD_MATH = r"""
<p>Inline <span class="math notranslate nohighlight">
\(a_z^{(t)} = x^{(t)} W_z + h^{(t-1)} U_z + b_z\)</span>.</p>
<div class="math notranslate nohighlight" id="equation-eq-9-22">
\[dh^{(t)} = \begin{cases} \text{grad}_{dense}^{(t)} & t = T \\ 0 & t < T \end{cases}
\tag{9.22}\]</div>
<p>See <a class="reference internal" href="#equation-eq-9-22">(9.22)</a> and
<a class="reference internal" href="book/other.html#fig-02-unrolled">
<span class="std std-numref">Fig. 1</span></a>.</p>
"""


def _widget_snippet() -> tuple[str, str, str]:
    """(head scripts with widget state, body with one view, model id): a slider and a button."""
    import ipywidgets as widgets
    from ipywidgets.embed import embed_data

    slider = widgets.IntSlider(value=3, min=1, max=10, description="T")
    # A button with an icon makes the widget manager fetch its icon font, which is only found
    # with the RequireJS paths that scripts/widgets_offline.js sets.
    box = widgets.HBox([slider, widgets.Button(description="Go", icon="check")])
    data = embed_data(views=[box])
    state = json.dumps(data["manager_state"])
    view = json.dumps(data["view_specs"][0])
    head = (
        f'<script type="application/vnd.jupyter.widget-state+json">{state}</script>\n'
        '<script src="../_static/offline/requirejs/require.js"></script>\n'
        '<script src="../_static/offline/grubptt/widgets_offline.js"></script>\n'
        '<script src="../_static/offline/html-manager/embed-amd.js"></script>'
    )
    view_type = "application/vnd.jupyter.widget-view+json"
    body = f'<div class="cell_output"><script type="{view_type}">{view}</script></div>'
    return head, body, data["view_specs"][0]["model_id"]


def _player(png_a: str, png_b: str, *, working: bool = True) -> str:
    """A kernel-less T slider: two pre-rendered frames, the range input shows one of them."""
    js = (
        "var f=this.closest('.player').querySelectorAll('img');"
        "for(var k=0;k<f.length;k++)f[k].style.display=(k===+this.value?'':'none');"
    )
    handler = f' oninput="{html.escape(js)}"' if working else ""
    return (
        '<div class="player"><input type="range" min="0" max="1" step="1" value="0"'
        f' aria-label="T"{handler}><br>'
        f'<img src="data:image/png;base64,{png_a}" alt="frame 0">'
        f'<img src="data:image/png;base64,{png_b}" alt="frame 1" style="display:none"></div>'
    )


def _mutated(source: Path, old: str, new: str) -> str:
    """``source``'s text with ``old`` replaced by ``new``; fails if ``old`` is not there (the test
    would otherwise check an unbroken copy and pass for the wrong reason)."""
    text = source.read_text()
    assert text.count(old) == 1, f"{old!r} must occur once in {source}"
    return text.replace(old, new)


# Each broken copy of the engine or the explorer: folder -> (file, text replaced, replacement).
ENGINE_BREAKS = {
    # One wrong sign in one term: dh stays right, only the reset-gate term is wrong.
    "sign": ("grubptt.js", "tRes[d + j] = res[j];", "tRes[d + j] = -res[j];"),
    # h0 accepted without checking its length.
    "h0": ("grubptt.js", 'vector(problem.h0, "h0", H, "H")', "Float64Array.from(problem.h0)"),
    # The T control updates its readout but does not redraw.
    "frozen": ("explorer.js", "input.addEventListener(\"input\", () => { show(); schedule(); });",
               "input.addEventListener(\"input\", () => { show(); if (key !== \"T\") schedule(); });"),
    # Recurrent weights off by one part in 10^12: pictures look the same, numbers are not grubptt's.
    "drift": ("explorer.js", "Q.map((q) => radius * q)", "Q.map((q) => radius * q * (1 + 1e-12))"),
    # The worker's results off by one part in 10^9 (the main thread's fallback stays right).
    "worker": ("explorer_worker.js", "const [result, transfer] = grubptt.runJob(job, kept);",
               "const [result, transfer] = grubptt.runJob(job, kept);"
               " if (result && result.length) result[0] *= 1 + 1e-9;"),
    # Without workers the jobs are never run: the page waits for ever (nothing drawn).
    "nofallback": ("explorer.js", "if (!worker) { runHere(entry); return; }", "if (!worker) return;"),
    # A wrong WebAssembly kernel: the two error signals of the explorer's BPTT swapped.
    "kernels": ("kernels.js", "exports.vecmat2(8 * out1, 8 * out2, 8 * v1, 8 * v2,",
                "exports.vecmat2(8 * out1, 8 * out2, 8 * v2, 8 * v1,"),
}
WEB_FILES = ("kernels.js", "grubptt.js", "explorer.js", "explorer_worker.js")
DASHBOARD_JS = ROOT / "src" / "grubptt" / "js" / "dashboard.js"   # the panels, shared with the widget


def _explorer_page(folder: str, *, explorer: bool = True) -> str:
    head = (f'<script defer src="../_static/offline/{folder}/kernels.js"></script>\n'
            f'<script defer src="../_static/offline/{folder}/grubptt.js"></script>\n'
            f'<script defer src="../_static/offline/{folder}/dashboard.js"></script>\n'
            f'<script defer src="../_static/offline/{folder}/explorer.js"></script>')
    div = ('<div class="grubptt-explorer" data-t="200" data-h="32" data-seed="0" data-radius="1" '
           'data-bz="-2">The in-browser explorer runs on the web page.</div>') if explorer else ""
    return _page("Explorer", f"<p>Static explorer.</p>{div}", depth=1, head=head)


def _write_engine_copies(offline: Path) -> None:
    """web/ as served (grubptt/), the explorer data it needs, and one broken copy per ENGINE_BREAKS."""
    spec = importlib.util.spec_from_file_location("explorer_data", ROOT / "scripts" / "explorer_data.py")
    data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(data)
    good = offline / "grubptt"
    data.write(good / "explorer-data", seeds=(0, 1, 3), hidden_sizes=(8, 16, 32, 64))
    for name in WEB_FILES:
        (good / name).write_text((ROOT / "web" / name).read_text())
    (good / "dashboard.js").write_text(DASHBOARD_JS.read_text())
    for folder, (name, old, new) in ENGINE_BREAKS.items():
        broken = offline / f"grubptt-{folder}"
        broken.mkdir()
        (broken / "explorer-data").symlink_to(good / "explorer-data", target_is_directory=True)
        (broken / "dashboard.js").write_text(DASHBOARD_JS.read_text())
        for other in WEB_FILES:
            (broken / other).write_text(_mutated(ROOT / "web" / other, old, new) if other == name
                                        else (ROOT / "web" / other).read_text())


_SITES: dict[int, Path] = {}


def _fixture_root(report: dict) -> Path:
    return _SITES[id(report)]


@pytest.fixture(scope="module")
def site_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Write the fixture site and check it once; the checker's results per page."""
    _require_prerequisites()
    site = tmp_path_factory.mktemp("site")
    offline = site / "_static" / "offline"
    offline.mkdir(parents=True)
    # The real vendored files, linked instead of copied (MathJax is ~10 MB).
    (offline / "mathjax").symlink_to(NODE_MODULES / "mathjax" / "es5", target_is_directory=True)
    (offline / "requirejs").symlink_to(NODE_MODULES / "requirejs", target_is_directory=True)
    (offline / "html-manager").symlink_to(
        NODE_MODULES / "@jupyter-widgets" / "html-manager" / "dist", target_is_directory=True
    )
    (offline / "grubptt").mkdir()
    _write_engine_copies(offline)
    (offline / "grubptt" / "widgets_offline.js").write_text(
        (ROOT / "scripts" / "widgets_offline.js").read_text()
    )
    (site / "_images").mkdir()
    (site / "_images" / "fig.png").write_bytes(_png())
    png_a = base64.b64encode(_png(4, 3)).decode()
    png_b = base64.b64encode(_png(6, 5)).decode()

    book = site / "book"
    book.mkdir()
    pages = {
        "index.html": '<meta http-equiv="refresh" content="0; url=book/good.html">',
        "book/other.html": _page(
            "Other", '<figure id="fig-02-unrolled"><img src="../_images/fig.png"></figure>', depth=1
        ),
        "book/good.html": _page(
            "Good",
            GOOD_MATH.replace('href="book/other.html', 'href="other.html')
            + '<img src="../_images/fig.png" alt="figure">'
            + _player(png_a, png_b)
            # Notebook HTML output with $...$, typeset as in Jupyter (mathjax3_config in _config.yml).
            + '<div class="cell_output"><p>output: $\\beta_z$ and \\(U_z^\\top\\)</p></div>',
            depth=1,
        ),
        "book/raw_tex.html": _page("Raw TeX", "<p>The loss is $$ L = \\sum_t L^{(t)} $$ here.</p>", depth=1),
        "book/raw_inline.html": _page(
            "Raw inline", '<div class="widget-label">$\\alpha$ label</div>', depth=1
        ),
        "book/missing_image.html": _page("Missing image", '<img src="../_images/nope.png" alt="x">', depth=1),
        "book/dead_anchor.html": _page(
            "Dead anchor",
            '<a class="reference internal" href="other.html#fig-does-not-exist">Fig. 9</a>',
            depth=1,
        ),
        "book/dead_link.html": _page("Dead link", '<a href="nowhere.html">nowhere</a>', depth=1),
        "book/unresolved_ref.html": _page(
            "Unresolved", '<p>See <span class="xref std std-numref">fig-missing</span>.</p>', depth=1
        ),
        "book/console_error.html": _page(
            "Console error", '<script>console.error("boom from the page")</script>', depth=1
        ),
        "book/exception.html": _page("Exception", "<script>undefinedFunctionOfTheBook()</script>", depth=1),
        "book/external.html": _page(
            "External", '<script src="https://cdn.example.org/lib.js"></script>', depth=1
        ),
        "book/tex_error.html": _page(
            "TeX error", '<span class="math notranslate nohighlight">\\(x^\\)</span>', depth=1
        ),
        "book/tex_undefined.html": _page(
            "Undefined macro", '<span class="math notranslate nohighlight">\\(x \\hatt y\\)</span>', depth=1
        ),
        "book/dead_player.html": _page("Dead player", _player(png_a, png_b, working=False), depth=1),
        "book/explorer.html": _explorer_page("grubptt"),
        "book/engine_sign.html": _explorer_page("grubptt-sign", explorer=False),
        "book/engine_h0.html": _explorer_page("grubptt-h0", explorer=False),
        "book/explorer_frozen.html": _explorer_page("grubptt-frozen"),
        "book/explorer_drift.html": _explorer_page("grubptt-drift"),
        "book/explorer_worker.html": _explorer_page("grubptt-worker"),
        "book/explorer_nofallback.html": _explorer_page("grubptt-nofallback"),
        "book/explorer_kernels.html": _explorer_page("grubptt-kernels"),
    }
    head, body, model_id = _widget_snippet()
    pages["book/widgets.html"] = _page("Widgets", "<p>Math $x$ nearby: " + body, depth=1, head=head).replace(
        "<p>Math $x$ nearby: ",
        '<p>Math <span class="math notranslate nohighlight">\\(x\\)</span> nearby:</p>',
    )
    # A view of a model that is not in the saved state: the widget manager cannot render it.
    broken_view = body.replace(model_id, "0" * 32)
    pages["book/broken_widget.html"] = _page("Broken widget", broken_view, depth=1, head=head)
    # Pages built from notebooks must offer the .ipynb: good.html does, no_download.html does not.
    (site / "_sources" / "book").mkdir(parents=True)
    for name in ("good", "no_download"):
        (site / "_sources" / "book" / f"{name}.ipynb").write_text("{}")
    pages["book/good.html"] = pages["book/good.html"].replace(
        "<h1>", '<a href="../_sources/book/good.ipynb" download>.ipynb</a><h1>'
    )
    pages["book/no_download.html"] = _page("No download", "<p>A notebook page.</p>", depth=1)
    for rel, text in pages.items():
        (site / rel).write_text(text, encoding="utf-8")

    results = check_site.check_site(site, site.parent / "shots", shots=[], required={})
    _SITES[id(results)] = site
    return results


def _failures(report: dict, page: str) -> str:
    return "\n".join(report[page].failures)


def test_good_pages_pass(site_report):
    good_pages = ("book/good.html", "book/other.html", "book/widgets.html", "index.html",
                  "book/explorer.html")
    for page in good_pages:
        assert site_report[page].failures == [], f"{page}: {site_report[page].failures}"
    good = site_report["book/good.html"].counts
    assert good == {"widget_views": 0, "static_sliders": 1, "engines": 0, "static_explorers": 0}
    explorer = site_report["book/explorer.html"]
    assert explorer.counts == {"widget_views": 0, "static_sliders": 0, "engines": 1, "static_explorers": 1}
    # The agreement figures are reported, and every quantity of the engine was compared.
    notes = " ".join(explorer.notes)
    for q in check_site.ENGINE_QUANTITIES:
        assert f" {q} " in notes.split("engine agreement")[1], notes
    # The engine ran on the WebAssembly kernels, compared with grubptt and with its own loops.
    assert "engine computes with: WebAssembly SIMD" in notes, notes
    # The explorer's numbers were compared with its worker and again with workers removed.
    for how in ("with its worker", "without workers"):
        assert f"explorer ({how}) vs grubptt" in notes, notes
    assert site_report["book/widgets.html"].counts["widget_views"] == 1


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("book/raw_tex.html", "raw TeX visible"),
        ("book/raw_inline.html", "raw TeX visible in 1 place(s), first: ...'Raw inline $\\\\alpha$ label'"),
        ("book/missing_image.html", "image not loaded"),
        ("book/no_download.html", "no download link to _sources/book/no_download.ipynb"),
        ("book/dead_anchor.html", "dead anchor"),
        ("book/dead_link.html", "dead link"),
        ("book/unresolved_ref.html", "unresolved cross-reference"),
        ("book/console_error.html", "console error: boom from the page"),
        ("book/exception.html", "uncaught exception"),
        ("book/external.html", "non-localhost URL (blocked): https://cdn.example.org/lib.js"),
        ("book/tex_error.html", "MathJax TeX errors: ['Missing superscript or subscript argument (in math"),
        ("book/tex_undefined.html", "MathJax TeX errors: ['undefined macro \\\\hatt']"),
        ("book/dead_player.html", "does not change the displayed frame"),
        ("book/broken_widget.html", "widget view 0"),
        ("book/engine_sign.html", "engine: bptt's reset_gate disagrees with grubptt"),
        ("book/engine_h0.html", "engine: bad h0 should raise a ValueError naming h0"),
        ("book/explorer_frozen.html", "static explorer 0: moving T with the keyboard (ArrowRight) does not"),
        ("book/explorer_drift.html", "explorer: weights/sequence differ from grubptt's for T=200"),
        ("book/explorer_worker.html", "explorer (with its worker): GRU singular values at t="),
        ("book/explorer_nofallback.html", "static explorer without workers: nothing drawn"),
        ("book/explorer_kernels.html", "explorer (with its worker): GRU dh_norm differs from grubptt"),
    ],
)
def test_broken_page_fails_for_its_reason(site_report, page, reason):
    failures = _failures(site_report, page)
    assert reason in failures, f"{page} should fail with {reason!r}; got: {failures or 'no failure'}"


def test_engine_breakage_is_precise(site_report):
    """A wrong sign in the reset-gate term fails that term only (dh and the others still agree), and
    a frozen T control fails only T: the checks compare each quantity and move each control."""
    sign = _failures(site_report, "book/engine_sign.html")
    assert "reset_gate" in sign and "bptt's dh " not in sign and "carry" not in sign, sign
    frozen = _failures(site_report, "book/explorer_frozen.html")
    assert "moving T " in frozen and "moving H " not in frozen and "moving model " not in frozen, frozen
    drift = _failures(site_report, "book/explorer_drift.html")
    assert "GRU Uz" in drift and "GRU Wz" not in drift and "x," not in drift, drift
    # A wrong worker is caught by the check with the worker; the page without workers is right.
    worker = _failures(site_report, "book/explorer_worker.html")
    assert "without workers" not in worker, worker
    nofallback = _failures(site_report, "book/explorer_nofallback.html")
    assert "with its worker" not in nofallback and "moving T with the keyboard" not in nofallback, nofallback


def test_exit_code_and_report(site_report, tmp_path, capsys):
    """run() exits non-zero when one page fails and zero when only good pages are checked."""
    # The module fixture already checked everything; re-run single pages for the exit code.
    root = _fixture_root(site_report)
    assert check_site.run(root, tmp_path, shots=[], only=["book/good.html"], required={}) == 0
    assert (
        check_site.run(root, tmp_path, shots=["book/raw_tex.html"], only=["book/raw_tex.html"], required={})
        == 1
    )
    out = capsys.readouterr().out
    assert "FAIL book/raw_tex.html" in out and "ok   book/good.html" in out
    assert (tmp_path / "raw_tex.png").stat().st_size > 0


def test_required_content_is_enforced(site_report, tmp_path):
    root = _fixture_root(site_report)
    results = check_site.check_site(
        root, tmp_path, shots=[], only=["book/good.html"], required={"book/good.html": {"widget_views": 1}}
    )
    assert "expected at least 1 widget views, found 0" in _failures(results, "book/good.html")
