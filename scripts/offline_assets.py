"""Sphinx extension: serve MathJax 3, RequireJS and the ipywidgets HTML manager from the book itself.

jupyter-book 1.x pages load these libraries from CDNs by default, so a reader offline (or CI, which has
no network) sees raw TeX and blank widget cells. `npm ci` fetches pinned copies into `node_modules/`
(see `package.json`); this extension copies the files the pages need into `<html>/_static/offline/` at
the end of every HTML build, and refuses to build when a page would still point at a remote URL.

Why an extension instead of the root `_static/` folder: jupyter-book adds *every* `.js` file under
`_static/` (recursively) to *every* page, which would inject all of MathJax's ~100 lazily-loaded
components into each page. Here Sphinx decides per page instead: MathJax only where a page has math
(`sphinx.ext.mathjax`), RequireJS + the widget manager only where a notebook saved widget state
(myst-nb's `nb_ipywidgets_js`). Configured in `_config.yml`; the build command is in the README.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NODE_MODULES = ROOT / "node_modules"

# Destination folder below `<html>/_static/`; `mathjax_path` and `nb_ipywidgets_js` in _config.yml
# must point into it.
VENDOR_DIR = "offline"

# (source inside node_modules or the repo, destination below _static/offline/).  MathJax loads its
# TeX extensions, fonts and accessibility modules lazily, relative to its own URL, so the
# component tree next to `tex-chtml.js` is copied as well (not the other prebuilt bundles).
ASSETS: tuple[tuple[Path, str], ...] = (
    (NODE_MODULES / "mathjax/es5/tex-chtml.js", "mathjax/tex-chtml.js"),
    (NODE_MODULES / "mathjax/es5/input", "mathjax/input"),
    (NODE_MODULES / "mathjax/es5/output", "mathjax/output"),
    (NODE_MODULES / "mathjax/es5/ui", "mathjax/ui"),
    (NODE_MODULES / "mathjax/es5/a11y", "mathjax/a11y"),
    (NODE_MODULES / "mathjax/es5/sre", "mathjax/sre"),
    (NODE_MODULES / "mathjax/es5/adaptors", "mathjax/adaptors"),
    (NODE_MODULES / "mathjax/LICENSE", "mathjax/LICENSE"),
    (NODE_MODULES / "requirejs/require.js", "requirejs/require.js"),
    # embed-amd.js finds its icon fonts next to itself.
    (NODE_MODULES / "@jupyter-widgets/html-manager/dist", "html-manager"),
    (HERE / "widgets_offline.js", "grubptt/widgets_offline.js"),
)

# Source maps are debugging aids only and would double the size of the published book.
SKIP_SUFFIXES = (".map",)


def _missing_sources() -> list[Path]:
    return [src for src, _ in ASSETS if not src.exists()]


def _check_config(app: Sphinx, config: Config) -> None:
    """Fail the build early if a page would load a library from the network or the files are absent."""
    remote = []
    if "://" in (config.mathjax_path or "") or not str(config.mathjax_path).startswith(f"{VENDOR_DIR}/"):
        remote.append(f"mathjax_path = {config.mathjax_path!r}")
    for path in getattr(config, "nb_ipywidgets_js", {}) or {}:
        if "://" in path or not path.startswith(f"{VENDOR_DIR}/"):
            remote.append(f"nb_ipywidgets_js entry {path!r}")
    if remote:
        raise ExtensionError(
            "offline_assets: these settings in _config.yml must name files under "
            f"_static/{VENDOR_DIR}/ (the book serves its own JavaScript): " + "; ".join(remote)
        )
    missing = _missing_sources()
    if missing:
        raise ExtensionError(
            "offline_assets: vendored JavaScript not found: "
            + ", ".join(str(p.relative_to(ROOT)) for p in missing)
            + ". Run `npm ci` in the repository root (the README's build command does this)."
        )


def _copy_assets(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder is None or app.builder.format != "html":
        return
    dest_root = Path(app.builder.outdir) / "_static" / VENDOR_DIR
    ignore = shutil.ignore_patterns(*(f"*{s}" for s in SKIP_SUFFIXES))
    for src, rel in ASSETS:
        dest = dest_root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest, dirs_exist_ok=True, ignore=ignore)
        else:
            shutil.copy2(src, dest)
    logger.info("offline_assets: copied MathJax, RequireJS and the widget manager to %s", dest_root)


def _dedupe_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object) -> None:
    """Drop repeated identical <script> entries from a page.

    sphinx-thebe registers its inline `const THEBE_JS_URL = ...` script twice under jupyter-book,
    so every page threw "Identifier 'THEBE_JS_URL' has already been declared". Runs after the other
    html-page-context handlers (priority 900) so it sees MathJax and the per-page widget scripts too.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for js in scripts:
        attributes = getattr(js, "attributes", {}) or {}
        # Inline scripts are registered with filename None or "" (both render as no src=).
        filename = str(getattr(js, "filename", js) or "")
        key = (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def _math_in_titles(app: Sphinx, env: object) -> None:
    """Load MathJax on every page when a page title contains math.

    `sphinx.ext.mathjax` adds MathJax only to pages whose body has math, but the theme's navigation
    sidebar shows every chapter title on every page: a title such as "vary $T$" then stays raw
    TeX on pages without math of their own (the index, search, references).
    """
    from docutils import nodes

    titled = sorted(doc for doc, title in env.titles.items() if any(title.findall(nodes.math)))
    if titled:
        app.set_html_assets_policy("always")
        logger.info("offline_assets: math in the titles of %s; MathJax is loaded on every page", titled)


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("env-updated", _math_in_titles)
    app.connect("config-inited", _check_config)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("build-finished", _copy_assets)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
