"""Check the notebooks in a real JupyterLab (headless Debian chromium via Playwright).

    .venv/bin/python scripts/check_lab.py [NOTEBOOK ...] [--explore book/10_explore.ipynb] [--screenshots DIR]

With no NOTEBOOK arguments it checks every ``book/*.ipynb``. JupyterLab runs on 127.0.0.1 with a
token, on a temporary copy of the notebooks (lab_server.py), so the working tree cannot change;
the script also compares ``git status --porcelain`` before and after.

- **Every notebook:** no raw MyST is visible in the rendered markdown: no `{doc}`, `{numref}`,
  `{cite}`, `{eq}`, `{ref}` role text, no ``:::{`` or ```` ```{ ```` directive text, and no bare
  label such as `fig-10-dh` (what jupyterlab-myst shows for a reference it cannot resolve). Every
  dropdown in the source (`:class: dropdown`, `{dropdown}`) is a *closed* `<details>`: the
  solutions are folded. Every link into the server's files answers (no 404).
- **The Explore notebook:** run all cells, then move each control of the explorer with the
  keyboard, the mouse or a selection, as a reader would. After each move the picture (the pixels
  of the dashboard's canvas) must change, and no error output may appear anywhere in the notebook.

Exit status 1 and one line per problem if anything fails. Requirements: requirements-lab.txt
(installed by scripts/lab.sh) and /usr/bin/chromium. Run by .ci/run; its self-test is
tests/test_lab_checker.py.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lab_server import CHROMIUM, ROOT, Lab  # noqa: E402

RAW = re.compile(r"\{(?:doc|numref|cite(?::\w+)?|eq|ref|glue(?::\w+)?)\}|:::+\s*\{|```+\s*\{")
DROPDOWN = re.compile(r"^\s*:class:.*\bdropdown\b|\{dropdown\}", re.M)
LABEL = re.compile(r"^\(([\w-]+)\)=\s*$", re.M)
EXPLORE_MOVES = ("T", "hidden size H", "seed", "radius of Uz, Ur, U", "b_z (GRU)", "output g", "model")


def notebook_facts(path: Path) -> tuple[int, set[str], int]:
    """(dropdowns in the markdown, labels of `(label)=` targets and figures, number of markdown cells)."""
    nb = json.loads(path.read_text())
    dropdowns, labels, markdown = 0, set(), 0
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            markdown += 1
            dropdowns += len(DROPDOWN.findall(src))
            labels |= set(LABEL.findall(src))
        name = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name")
        if name:
            labels.add(name)
    return dropdowns, labels, markdown


def open_notebook(page, lab: Lab, name: str, markdown_cells: int = 0, dropdowns: int = 0) -> None:
    """Open ``name``; wait until its ``markdown_cells`` markdown cells and ``dropdowns`` dropdowns are
    rendered and the text has settled (each wait gives up after a while: check_markdown reports it)."""
    page.goto(lab.url(name))
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell", timeout=90_000)
    try:                        # a cell that never renders is reported by check_markdown
        page.wait_for_function("""n => { const c = document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell');
            return c.length >= n && Array.from(c).every(x => x.classList.contains('jp-mod-rendered')); }""",
                               arg=markdown_cells, timeout=60_000)
    except Exception:           # noqa: BLE001
        pass
    try:                        # jupyterlab-myst draws admonitions after the cell's text
        page.wait_for_function("""n => document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell details').length >= n""",
                               arg=dropdowns, timeout=90_000)
    except Exception:           # noqa: BLE001
        pass
    deadline, last = time.monotonic() + 15, None   # MyST and math finish after the cells render
    while time.monotonic() < deadline:
        text = visible_markdown(page)
        if text == last:
            break
        last = text
        time.sleep(0.5)


def visible_markdown(page) -> str:
    """The text a reader sees in the markdown cells, without code spans and math (they may show braces)."""
    return page.evaluate("""() => {
        const skip = 'code, pre, .katex, mjx-container, .MathJax, .cm-editor';
        const out = [];
        for (const cell of document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell')) {
            const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                const el = n.parentElement;
                if (!el || el.closest(skip) || !el.checkVisibility()) continue;
                out.push(n.textContent);
            }
            out.push('\\n');
        }
        return out.join('');
    }""")


def check_markdown(page, lab: Lab, path: Path) -> list[str]:
    problems = []
    name = path.name
    dropdowns, labels, markdown = notebook_facts(path)
    errors: list[str] = []
    listener = lambda m: errors.append(m.text) if m.type == "error" else None  # noqa: E731
    page.on("console", listener)
    open_notebook(page, lab, name, markdown, dropdowns)
    page.remove_listener("console", listener)
    unrendered = page.evaluate("""() => document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell:not(.jp-mod-rendered)').length""")
    if unrendered:
        # jupyterlab-myst gives up on the whole notebook when KaTeX cannot parse one formula.
        why = [e.splitlines()[0][:160] for e in errors if "position" in e or "KaTeX" in e]
        problems.append(f"{name}: {unrendered} markdown cell(s) not rendered (source shown); "
                        f"console: {why[:3] or errors[:2]}")
    shown_errors = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell .myst .text-red-500'))
        .map(e => e.textContent.slice(0, 120))""")     # jupyterlab-myst prints math/MyST errors in red
    for e in shown_errors:
        problems.append(f"{name}: jupyterlab-myst shows an error instead of the formula or block: {e!r}")
    text = visible_markdown(page)
    for m in sorted(set(RAW.findall(text))):
        i = text.find(m)
        problems.append(f"{name}: raw MyST visible: {m!r} in …{text[max(0, i - 40):i + 40]!r}…")
    for label in sorted(labels):
        if re.search(rf"(?<![\w#/-]){re.escape(label)}(?![\w-])", text):
            problems.append(f"{name}: unresolved reference shows the bare label {label!r}")
    details = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell details')).map(d => d.open)""")
    if len(details) < dropdowns:
        problems.append(f"{name}: {dropdowns} dropdown(s) in the source but {len(details)} folded "
                        "<details> rendered: solutions show unfolded")
    if any(details):
        problems.append(f"{name}: {sum(details)} dropdown(s) rendered open")
    hrefs = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell a[href]')).map(a => a.href)""")
    for href in sorted(set(h for h in hrefs if "/files/" in h)):
        status = page.request.get(href.split("#")[0]).status
        if status >= 400:
            problems.append(f"{name}: link {href.split('?')[0]} answers HTTP {status}")
    return problems


def error_outputs(page) -> list[str]:
    return page.evaluate("""() => Array.from(document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) [data-mime-type="application/vnd.jupyter.stderr"],' +
        '.jp-NotebookPanel:not(.lm-mod-hidden) [data-mime-type="application/vnd.jupyter.error"]'))
        .map(e => e.textContent.slice(-300))""")


def run_all(page) -> None:
    """Run → Run All Cells, through the menu bar as a reader would (generous timeouts: CI is slow)."""
    page.click(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook", timeout=60_000)
    page.keyboard.press("Escape")
    for attempt in range(3):
        try:
            page.click(".lm-MenuBar-itemLabel:text-is('Run')", timeout=60_000)
            page.click("li.lm-Menu-item[data-command='runmenu:run-all']", timeout=20_000)
            break
        except Exception:                               # noqa: BLE001 - a dialog or a slow menu: retry
            page.keyboard.press("Escape")
            if attempt == 2:
                raise
    # Done when no cell is queued or running ("[*]") and every code cell has a prompt number.
    page.wait_for_function("""() => {
        const prompts = Array.from(document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt'));
        return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
    }""", timeout=180_000)


# A hash of the explorer canvas's pixels ('' while nothing is drawn): "the picture changed" means
# the pixels changed, not only that a draw ran.
PIXELS = """b => { const c = b.querySelector('.grubptt-dashboard canvas');
    if (!c || !c.width || !(+c.closest('.grubptt-dashboard').dataset.draws > 0)) return '';
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i += 4)
        h = Math.imul(h ^ (d[i] | d[i + 1] << 8 | d[i + 2] << 16), 16777619);
    return `${c.width}x${c.height}:${(h >>> 0).toString(16)}`; }"""


def picture(page, box) -> str:
    """A fingerprint of the pixels the explorer's canvas shows ('' before its first drawing)."""
    return box.evaluate(PIXELS)


def explorer_box(page):
    box = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-vbox").filter(
        has=page.locator(".grubptt-dashboard canvas")).first
    box.wait_for(timeout=60_000)
    return box


def move(page, box, control: str, back: bool = False) -> None:
    """Move one control as a reader would: an arrow key on a slider, another option, a new number, a click.

    ``back`` undoes the previous move (sliders, dropdowns), so that repeated moves stay in range.
    """
    item = box.locator(".widget-inline-hbox, .widget-toggle-buttons").filter(
        has=page.locator(f"label:text-is('{control}')")).first
    if item.locator(".noUi-handle").count():
        item.locator(".noUi-handle").first.focus()
        down = (control == "T") != back                 # T starts at its maximum: go down first
        page.keyboard.press("ArrowLeft" if down else "ArrowRight")
    elif item.locator("select").count():
        sel = item.locator("select")
        options = sel.evaluate("s => Array.from(s.options).map(o => o.value)")
        i = options.index(sel.evaluate("s => s.value")) + (1 if back else -1)
        sel.select_option(options[i % len(options)])
    elif item.locator("input[type=number]").count():
        inp = item.locator("input[type=number]")
        inp.fill(str(int(inp.input_value()) + 1))
        inp.press("Enter")
    elif item.locator("button").count():
        buttons = item.locator("button")
        for i in range(buttons.count()):
            if "mod-active" not in (buttons.nth(i).get_attribute("class") or ""):
                buttons.nth(i).click()
                break
    else:
        raise LookupError(f"no control labelled {control!r} in the explorer")


def check_explore(page, lab: Lab, path: Path, screenshot: Path | None = None) -> list[str]:
    name = path.name
    problems = []
    open_notebook(page, lab, name)
    run_all(page)
    box = explorer_box(page)
    page.wait_for_function(f"b => ({PIXELS})(b) !== ''", arg=box.element_handle(), timeout=60_000)
    box.scroll_into_view_if_needed()
    problems += [f"{name}: error output after running all cells: {e!r}" for e in error_outputs(page)]
    for control in EXPLORE_MOVES:
        before = picture(page, box)
        try:
            move(page, box, control)
        except Exception as e:                          # noqa: BLE001 - report which control, then go on
            problems.append(f"{name}: could not move control {control!r}: {e}")
            continue
        try:
            changed = f"([b, old]) => {{ const now = ({PIXELS})(b); return now && now !== old; }}"
            page.wait_for_function(changed, arg=[box.element_handle(), before], timeout=30_000)
        except Exception:                               # noqa: BLE001
            problems.append(f"{name}: moving {control!r} did not change the picture")
        errors = error_outputs(page)
        if errors:
            problems.append(f"{name}: error output after moving {control!r}: {errors[-1]!r}")
            break
    if screenshot is not None:
        box.screenshot(path=str(screenshot))
    return problems


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--explore", type=Path, default=ROOT / "book" / "10_explore.ipynb",
                    help="the notebook whose explorer is run and moved ('' to skip)")
    ap.add_argument("--screenshots", type=Path, default=None, help="save screenshots here")
    ap.add_argument("--disable-extension", action="append", default=[], metavar="NAME",
                    help="switch a JupyterLab extension off (the self-test uses it to show raw MyST)")
    a = ap.parse_args(argv)
    notebooks = a.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    explore = a.explore if str(a.explore) not in ("", ".") else None
    # Serve every chapter even when checking a few, so that links between chapters resolve.
    files = sorted({*(ROOT / "book").glob("*.ipynb"), *notebooks, *([explore] if explore else [])},
                   key=lambda f: f.name)
    from playwright.sync_api import sync_playwright

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))   # so that the server and browser are stopped
    before = git_status()
    problems: list[str] = []
    t0 = time.monotonic()
    with Lab(files, disable=tuple(a.disable_extension)) as lab, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for nb in notebooks:
            found = check_markdown(page, lab, nb)
            lab.shut_down_kernels()
            print(f"{nb.name}: {'ok' if not found else f'{len(found)} problem(s)'}", flush=True)
            for line in found:
                print("   ", line, flush=True)
            problems += found
            if a.screenshots and nb.name.startswith("08"):
                a.screenshots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(a.screenshots / f"lab-{nb.stem}.png"))
        if explore:
            shot = a.screenshots / "lab-explorer.png" if a.screenshots else None
            try:
                found = check_explore(page, lab, explore, shot)
            except Exception as e:                      # noqa: BLE001 - report it with the rest
                found = [f"{explore.name}: the explorer check stopped: {str(e).splitlines()[0]}"]
            print(f"{explore.name} (explorer run, {len(EXPLORE_MOVES)} controls moved): "
                  f"{'ok' if not found else f'{len(found)} problem(s)'}", flush=True)
            problems += found
            if a.screenshots:
                page.screenshot(path=str(a.screenshots / "lab-explore-page.png"))
        browser.close()
    if git_status() != before:
        problems.append("the working tree changed during the check (git status --porcelain differs)")
    for line in problems:
        print("FAIL", line)
    print(f"check_lab: {len(notebooks)} notebooks, {len(problems)} problem(s), {time.monotonic() - t0:.0f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
