"""The live explorer as a reader feels it: JupyterLab in headless chromium, input event → new picture shown.

    .venv/bin/python benchmarks/bench_lab.py [--repeats 7] [--T 1000] [--H 64]

Starts a throwaway JupyterLab on 127.0.0.1 (scripts/lab_server.py; needs requirements-lab.txt,
installed by scripts/lab.sh) with one notebook holding ``explore.explorer(Setting(T, H))``, runs
it, then moves each control the way a reader does (arrow keys on the sliders, a new option in the
dropdowns, a new seed typed and Enter, a click on the model toggle). For each move it records
in the page the time from the input event (its ``timeStamp``) to the first animation frame after
the widget has drawn the new numbers on its canvas, the phases in between, and the kernel's CPU
time and run-queue wait (runnable, but the CPUs busy with other processes) over the move; and
checks (untimed) that the canvas's pixels changed. Prints medians.

Every timed move lands on a setting the kernel has not computed yet (its results are cached, a
few settings back): the sliders keep moving one way, the seed counts up, and before each timed
H or g move the seed is moved once, untimed, so the option chosen is new for that seed. Only the
model toggle is a cache hit, by design: both models' flows are computed on every other change, so
a toggle only redraws.

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
from check_lab import EXPLORE_MOVES, PIXELS, explorer_box, move, open_notebook, picture, run_all  # noqa: E402
from lab_server import CHROMIUM, Lab  # noqa: E402

# In the page: the input event's time; when the widget's front end received the new numbers and
# when it had drawn them on the canvas (js/widget.js stamps data-received and data-drawn); and the
# next animation frame, whose paint shows them (epoch ms, comparable with the kernel's time.time()).
INSTRUMENT = """box => {
    const el = box.querySelector('.grubptt-dashboard');
    const epoch = t => performance.timeOrigin + t;
    window.__lat = [];
    window.__t0 = null;
    for (const kind of ['keydown', 'change', 'click'])
        document.addEventListener(kind, e => { if (window.__t0 === null) window.__t0 = e.timeStamp; }, true);
    new MutationObserver(() => {
        const received = +el.dataset.received, drawn = +el.dataset.drawn;
        requestAnimationFrame(() => {
            const now = performance.now();
            if (window.__t0 !== null)
                window.__lat.push({input: epoch(window.__t0), received, drawn, shown: epoch(now)});
            window.__t0 = null;
        });
    }).observe(el, {attributeFilter: ['data-drawn']});
}"""

# In the kernel: when each widget message (a control's new value) arrived and when its handling (the
# update, ending with the new numbers handed to the comm) returned, appended to a file the benchmark reads.
KERNEL_STAMPS = """import time, ipywidgets
def _stamped(handle, path={path!r}):
    def handle_msg(self, msg):
        t = time.time()
        try:
            return handle(self, msg)
        finally:
            with open(path, "a") as f:
                f.write(f"{{t!r}} {{time.time()!r}}\\n")
    return handle_msg
ipywidgets.Widget._handle_msg = _stamped(ipywidgets.Widget._handle_msg)
"""

# Slider steps from Setting(T, H, bz=-2) with radius 1: T goes down from its maximum, radius
# (step 0.05, max 2) and b_z (step 0.25, max 4) go up, so at most this many moves stay new.
MAX_ONE_WAY = 20
PHASES = ("total", "kernel cpu", "kernel wait", "to kernel", "in kernel", "to page", "draw", "next frame")


def notebook(T: int, H: int, stamps: Path) -> dict:
    src = ("from grubptt import explore\n"
           f"explore.explorer(explore.Setting(T={T}, hidden_size={H}, bz=-2.0))")
    cells = [KERNEL_STAMPS.format(path=str(stamps)), src]
    return {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                       "source": c} for c in cells],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def descendants(pid: int) -> list[int]:
    """Process ids under ``pid`` (the kernel is a child of the Jupyter server), from /proc."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:                                 # the process ended meanwhile
        return b""


def sched_seconds(pids: list[int]) -> tuple[float, float]:
    """(CPU time, run-queue wait) of ``pids``, all their threads, in seconds.

    From schedstat (ns, not 10 ms clock ticks): the first field is time on a CPU, the second time
    spent runnable but waiting for one, i.e. what other processes on the machine cost the kernel.
    Only threads alive at both readings count: a thread that ends during the move is missed (the
    explorer's update runs on the kernel's main thread; until 0e7e51d its Jacobians ran on a
    short-lived worker thread, whose ~11 ms per update these columns did not show).
    """
    cpu = wait = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
            try:
                on, queued = task.read_text().split()[:2]
            except (OSError, ValueError):
                continue
            cpu, wait = cpu + int(on), wait + int(queued)
    return cpu / 1e9, wait / 1e9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--T", type=int, default=1000)
    ap.add_argument("--H", type=int, default=64)
    ap.add_argument("--only", nargs="*", default=list(EXPLORE_MOVES), choices=EXPLORE_MOVES,
                    metavar="CONTROL",
                    help="time only these controls (labels as shown: 'T', 'seed', 'output g', ...)")
    a = ap.parse_args()
    if not 1 <= a.repeats <= MAX_ONE_WAY:
        raise SystemExit(f"--repeats must be in 1..{MAX_ONE_WAY} (the sliders' room to move one way)")
    from playwright.sync_api import sync_playwright

    load = "/".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"T = {a.T}, H = {a.H}, repeats = {a.repeats}, load average {load} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        nb, stamps = Path(tmp) / "bench_explorer.ipynb", Path(tmp) / "kernel_stamps.txt"
        nb.write_text(json.dumps(notebook(a.T, a.H, stamps)))
        with Lab([nb]) as lab, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            open_notebook(page, lab, nb.name)
            run_all(page)
            box = explorer_box(page)
            page.wait_for_function(f"b => ({PIXELS})(b) !== ''", arg=box.element_handle())
            box.scroll_into_view_if_needed()
            box.evaluate(INSTRUMENT)
            kernel = [pid for pid in descendants(lab.proc.pid) if b"ipykernel" in cmdline(pid)]
            if not kernel:
                raise SystemExit("no ipykernel process under the JupyterLab server: cannot time its CPU")

            def step(control: str, back: bool = False) -> dict[str, float]:
                """Move ``control`` and wait for the new picture; its times in ms (see PHASES)."""
                page.evaluate("() => { window.__lat = []; window.__t0 = null; }")
                seen = len(stamps.read_text().splitlines()) if stamps.exists() else 0
                before = picture(page, box)
                c0, q0 = sched_seconds(kernel)
                move(page, box, control, back=back)
                page.wait_for_function("() => window.__lat.length > 0", timeout=60_000)
                t = page.evaluate("() => window.__lat[0]")
                time.sleep(0.2)                        # let the kernel go idle (and log) before the next move
                c1, q1 = sched_seconds(kernel)
                lines = stamps.read_text().splitlines()[seen:]
                spans = [tuple(1e3 * float(v) for v in line.split()) for line in lines]     # epoch ms
                spans = [(a, b) for a, b in spans if t["input"] - 1 <= a <= t["shown"]]
                k0, k1 = (min(a for a, _ in spans), max(b for _, b in spans)) if spans else (np.nan, np.nan)
                if picture(page, box) == before:
                    unchanged.append(control)
                return {"total": t["shown"] - t["input"], "kernel cpu": 1e3 * (c1 - c0),
                        "kernel wait": 1e3 * (q1 - q0),
                        "to kernel": k0 - t["input"], "in kernel": k1 - k0, "to page": t["received"] - k1,
                        "draw": t["drawn"] - t["received"], "next frame": t["shown"] - t["drawn"]}

            results, unchanged = {}, []
            for control in a.only:
                lat = []
                for _ in range(a.repeats):
                    if control.startswith("hidden"):   # away from --H, a new seed there, back to --H (timed)
                        step(control)
                        step("seed")
                        lat.append(step(control, back=True))
                    elif control == "output g":        # a new seed, then the next g (timed)
                        step("seed")
                        lat.append(step(control))
                    else:
                        lat.append(step(control))
                results[control] = lat
            browser.close()
    print("\nmedians in ms (wall); phases: input event → kernel has the message → kernel done (new numbers"
          " handed to the comm) → the widget's front end has them → drawn on the canvas → the next"
          " animation frame (painted).  kernel cpu / kernel wait: the kernel process's time on a CPU /"
          " runnable but waiting for a CPU (taken by other processes) during the move")
    print(f"{'control (move)':<22}" + "".join(f"{p:>12}" for p in PHASES) + f"{'min':>7}{'max':>7}")
    for control, runs in results.items():
        med = {p: np.nanmedian([r[p] for r in runs]) for p in PHASES}
        total = [r["total"] for r in runs]
        note = "  (cached by design: redraw only)" if control == "model" else ""
        print(f"{control:<22}" + "".join(f"{med[p]:>12.1f}" for p in PHASES)
              + f"{min(total):>7.0f}{max(total):>7.0f}{note}")
    if unchanged:
        print(f"WARNING: the canvas's pixels did not change after {len(unchanged)} move(s): {unchanged}")
    worst = max(np.median([r["total"] for r in v]) for v in results.values())
    print(f"goal: median total < 150 ms for every control; worst median {worst:.0f} ms")
    print(f"load average after: {'/'.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
