"""The live explorer as a reader feels it: JupyterLab in headless chromium, input event → new picture shown.

    .venv/bin/python benchmarks/bench_lab.py [--repeats 7] [--T 1000] [--H 64]

Starts a throwaway JupyterLab on 127.0.0.1 (scripts/lab_server.py; needs requirements-lab.txt,
installed by scripts/lab.sh) with one notebook holding ``explore.explorer(Setting(T, H))``, runs
it, then moves each control the way a reader does (arrow keys on the sliders, a new option in the
dropdowns, a new seed typed and Enter, a click on the model toggle). For each move it records
in the page the time from the input event (its ``timeStamp``) to the first animation frame after
the new PNG has loaded into the picture. Prints the median per control.

Goal (issue 13): median < 150 ms for every control at T = 1000, H = 64. The kernel's share is
measured by benchmarks/bench_widget.py. The machine is shared, so the load average is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from check_lab import EXPLORE_MOVES, explorer_box, move, open_notebook, run_all  # noqa: E402
from lab_server import CHROMIUM, Lab  # noqa: E402

INSTRUMENT = """box => {
    const img = box.querySelector('.widget-image');
    window.__lat = [];
    window.__t0 = null;
    for (const kind of ['keydown', 'change', 'click'])
        document.addEventListener(kind, e => { if (window.__t0 === null) window.__t0 = e.timeStamp; }, true);
    img.addEventListener('load', () => requestAnimationFrame(() => {
        if (window.__t0 !== null) window.__lat.push(performance.now() - window.__t0);
        window.__t0 = null;
    }));
}"""


def notebook(T: int, H: int) -> dict:
    src = ("from grubptt import explore\n"
           f"explore.explorer(explore.Setting(T={T}, hidden_size={H}, bz=-2.0))")
    return {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                       "source": src}],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--T", type=int, default=1000)
    ap.add_argument("--H", type=int, default=64)
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    load = "/".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"T = {a.T}, H = {a.H}, repeats = {a.repeats}, load average {load} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        nb = Path(tmp) / "bench_explorer.ipynb"
        nb.write_text(json.dumps(notebook(a.T, a.H)))
        with Lab([nb]) as lab, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            open_notebook(page, lab, nb.name)
            run_all(page)
            box = explorer_box(page)
            page.wait_for_function("b => { const i = b.querySelector('.widget-image');"
                                   " return i && i.naturalWidth > 0; }", arg=box.element_handle())
            box.scroll_into_view_if_needed()
            box.evaluate(INSTRUMENT)
            results = {}
            for control in EXPLORE_MOVES:
                is_h = control.startswith("hidden")
                lat = []
                for i in range(a.repeats * 2 if is_h else a.repeats):
                    page.evaluate("() => { window.__lat = []; window.__t0 = null; }")
                    move(page, box, control, back=i % 2 == 1)
                    page.wait_for_function("() => window.__lat.length > 0", timeout=60_000)
                    if not is_h or i % 2 == 1:         # H: time only the moves back to --H
                        lat.append(page.evaluate("() => window.__lat[0]"))
                    time.sleep(0.2)                    # let the kernel go idle between moves
                results[control] = lat
            browser.close()
    print(f"\n{'control (move)':<28}{'median ms':>10}{'min':>8}{'max':>8}")
    for control, lat in results.items():
        print(f"{control:<28}{np.median(lat):>10.0f}{min(lat):>8.0f}{max(lat):>8.0f}")
    worst = max(np.median(v) for v in results.values())
    print(f"goal: median < 150 ms for every control; worst median {worst:.0f} ms")
    print(f"load average after: {'/'.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
