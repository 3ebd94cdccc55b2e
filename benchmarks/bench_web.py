"""The Explore page's in-browser engine and static explorer, timed in headless Chromium.

Prints (issue 12's targets in brackets):

- ``window.grubptt.bptt`` at T = 999, D = 4, H = 64, O = 4, including the conversions from and to
  nested arrays (< 100 ms), and its agreement with grubptt on that problem;
- one explorer update at T = 1000, H = 64, compute + redraw (< 50 ms median) for each control,
  the redraw timed until the page's next task (the canvas's rasterization included):
  T (the forward runs are reused: every T is a prefix of the T = 1000 run), b_z (only the GRU is
  recomputed), a new seed (both models from scratch), radius, H, g and the model, each moved to
  a value whose result the explorer does not keep yet;
- the added assets of one page load (< 1 MB): the engine, the explorer and the data files the
  start setting fetches, and the largest single setting's data (H = 128);
- that no request leaves the site (every non-localhost request is blocked and counted).

    .venv/bin/python benchmarks/bench_web.py [_build/html] [--repeats 15]

Needs a built book (scripts/build_book.sh) and /usr/bin/chromium.  The machine is shared: the load
average is printed before and after.  Each timing is given as wall time (in-page performance.now()
deltas, what a reader waits), the CPU time of the page's main thread (Chrome's ThreadTime metric)
and the time spent inside the explorer's Web Worker jobs (wall time inside the worker: Chrome
exposes no CPU time for a worker), medians over repeats.  With --no-worker the page is opened with
`Worker` removed, as where workers cannot start (file://): everything runs on the main thread.

What an update may reuse, as a reader's first move to a new value would: T moves reuse the forward
runs (every T is a prefix of the T = 1000 run) and the singular values at steps t already measured
for that run (J^(t) does not depend on T); no other move reuses anything its new value needs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PAGE = "book/10_explore.html"
ASSET_DIR = "/_static/offline/grubptt/"


def _checker():
    spec = importlib.util.spec_from_file_location("check_site", ROOT / "scripts" / "check_site.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_site"] = module
    spec.loader.exec_module(module)
    return module


def load() -> str:
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


JS_DRAWN = """() => { const e = document.querySelector(".grubptt-explorer");
  return !e || +(e.dataset.draws || 0) >= 1; }"""

# One explorer move, timed by the explorer (compute, draw) and then until the page's next task
# starts ("paint"): Chromium rasterizes the canvas's paths after the drawing call returns (long
# curves cost tens of ms there), and the reader waits for that too.
JS_MOVE = """async (s) => { const t = await window.grubptt.explorer.set(s); const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 0)); return {...t, paint: performance.now() - t0}; }"""

JS_ONE_BPTT = """() => { const t0 = performance.now(); window.grubptt.bptt(window.__problem);
  return performance.now() - t0; }"""

JS_TIME_BPTT = """
(n) => {
  const ms = [];
  let r = null;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    r = window.grubptt.bptt(window.__problem);
    ms.push(performance.now() - t0);
  }
  return {ms, loss: r.loss, dh: r.dh, dh0: r.dh0, ...r.terms};
}
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("site", nargs="?", default="_build/html", type=Path)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--no-worker", action="store_true", help="open the page with Worker removed")
    a = ap.parse_args()
    site = a.site.resolve()
    if not (site / PAGE).exists():
        print(f"bench_web: {site / PAGE} not found; build the book first (scripts/build_book.sh)")
        return 2
    from playwright.sync_api import sync_playwright

    import grubptt

    cs = _checker()
    print(f"load average {load()} (1/5/15 min) on {os.cpu_count()} cores")
    server, base = cs.serve(site)
    external: list[str] = []
    sizes: dict[str, int] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=cs.CHROMIUM, headless=True, args=cs.CHROMIUM_ARGS)
            print(f"chromium {browser.version}")
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            if a.no_worker:
                page.add_init_script("delete window.Worker;")
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable", {"timeDomain": "threadTicks"})

            def thread_ms() -> float:
                m = {x["name"]: x["value"] for x in cdp.send("Performance.getMetrics")["metrics"]}
                return 1e3 * m["ThreadTime"]

            def timed(js: str, arg=None):
                """(result, main-thread CPU ms) of one page.evaluate."""
                c0 = thread_ms()
                out = page.evaluate(js, arg)
                return out, thread_ms() - c0

            def block(route) -> None:
                external.append(route.request.url)
                route.abort("blockedbyclient")

            def on_response(resp) -> None:
                if ASSET_DIR in resp.url and "widgets_offline" not in resp.url:
                    try:
                        sizes[resp.url.split(ASSET_DIR, 1)[1]] = len(resp.body())
                    except Exception:                     # noqa: BLE001 - a body the browser dropped
                        pass

            page.route(cs.NOT_LOCAL, block)
            page.on("response", on_response)
            page.goto(base + PAGE, wait_until="load", timeout=60000)
            page.wait_for_function(JS_DRAWN, timeout=60000)
            page.wait_for_timeout(500)
            first_load = dict(sizes)

            # --- bptt at T = 999, D = 4, H = 64, O = 4 --------------------------------------------
            rng = np.random.default_rng(0)
            p = grubptt.init_params(4, 64, 4, seed=1)
            x, Y, h0 = rng.standard_normal((1000, 4)), rng.standard_normal((1000, 4)), rng.standard_normal(64)
            problem = {"params": {k: v.tolist() for k, v in p.arrays().items()}, "x": x.tolist(),
                       "h0": h0.tolist(), "Y": Y.tolist(), "output": "tanh"}
            page.evaluate("(p) => { window.__problem = p; }", problem)
            got = page.evaluate(JS_TIME_BPTT, 3)                # the first calls compile the code
            runs = [timed(JS_ONE_BPTT) for _ in range(a.repeats)]
            ms, cpu = [r[0] for r in runs], [r[1] for r in runs]
            cache = grubptt.forward(p, x, h0, output="tanh")
            g = grubptt.backward(p, cache, Y)
            want = {"loss": grubptt.loss(cache, Y), "dh": g.dh, "dh0": g.dh0, **g.terms}
            err = max(cs._rel(got[k], v) for k, v in want.items())
            print(f"bptt T=999 D=4 H=64 O=4 (incl. conversions): median {statistics.median(ms):.1f} ms wall "
                  f"(min {min(ms):.1f}), {statistics.median(cpu):.1f} ms CPU, over {len(ms)} calls "
                  f"[target < 100 ms]; max relative error vs grubptt {err:.1e}")

            # --- explorer updates at T = 1000, H = 64 --------------------------------------------
            has_explorer = page.evaluate("() => !!(window.grubptt.explorer && "
                                         "window.grubptt.explorer.instances.length)")
            if not has_explorer:
                print("explorer: not on this page (no .grubptt-explorer element); updates not timed")
            else:
                print(f"explorer computes with: {page.evaluate('() => window.grubptt.explorer.mode')}; "
                      f"kernels: {page.evaluate(cs.JS_KERNELS)}")
                setting = {"T": 1000, "H": 64, "seed": 0, "radius": 1.0, "bz": -2.0, "output": "identity",
                           "model": "GRU"}
                for seed in range(10):                       # fetch the data first: loading is not timed
                    page.evaluate("(s) => window.grubptt.explorer.materials(s)", {**setting, "seed": seed})
                page.evaluate("(s) => window.grubptt.explorer.set(s)", setting)
                # Each control moved to a value whose result is not kept yet (what a reader's first
                # move there costs); (steps, what to forget before each timed step, which steps timed).
                # T: every T is a prefix of the kept forward runs (the design), the flows are new;
                # b_z, seed, radius: cycles longer than the explorer keeps runs; H: 32 -> 64 with
                # nothing kept; g: forward runs and singular values kept (J does not depend on g);
                # model: the other model's flows are kept (the gain panel shows both), its
                # singular values are not.
                n = a.repeats
                moves = {
                    "T (1000 ↔ 999 ...)": ([{"T": 1000 - (i % 7)} for i in range(1, n + 1)], None, 1),
                    "b_z": ([{"bz": -2.0 + 0.25 * ((i % 8) + 1)} for i in range(n)], None, 1),
                    "seed (both models from scratch)": ([{"seed": 1 + i % 9, "bz": -2.0}
                                                         for i in range(n)], None, 1),
                    "radius": ([{"seed": 0, "radius": 1.0 + 0.05 * ((i % 8) + 1)}
                                for i in range(n)], None, 1),
                    "H (32 → 64, nothing kept)": ([{"radius": 1.0, "H": 32 if i % 2 == 0 else 64}
                                                  for i in range(2 * n)], "all", 2),
                    "g (output)": ([{"H": 64, "output": ("tanh", "sigmoid", "identity")[i % 3]}
                                    for i in range(n)], "flows", 1),
                    "model (GRU ↔ SimpleRNN)": ([{"output": "identity", "model": ("SimpleRNN", "GRU")[i % 2]}
                                                for i in range(n)], "jacobians", 1),
                }
                all_ms, all_cpu = [], []
                for name, (steps, forget, every) in moves.items():
                    runs = []
                    for i, st in enumerate(steps):
                        timed_step = (i + 1) % every == 0
                        if forget and timed_step:
                            page.evaluate("(w) => window.grubptt.explorer.forget(w)", forget)
                        r = timed(JS_MOVE, st)
                        if timed_step:
                            runs.append(r)
                    times = [r[0] for r in runs]
                    total = [t["compute"] + t["draw"] + t["paint"] for t in times]
                    all_ms += total
                    all_cpu += [r[1] for r in runs]
                    split = {k: statistics.median((t.get("parts") or {}).get(k, 0.0) for t in times)
                             for k in ("forward", "bptt", "jacobians", "wait")}
                    pace = statistics.median((t.get("parts") or {}).get("pace", 1.0) for t in times)
                    print(f"explorer update at T=1000, H=64, moving {name}: median "
                          f"{statistics.median(total):.1f} ms (compute "
                          f"{statistics.median(t['compute'] for t in times):.1f} + draw "
                          f"{statistics.median(t['draw'] for t in times):.1f} + paint "
                          f"{statistics.median(t['paint'] for t in times):.1f}) wall, "
                          f"{statistics.median(r[1] for r in runs):.1f} ms main-thread CPU + "
                          f"{statistics.median(t.get('worker', 0.0) for t in times):.1f} ms in worker "
                          f"jobs [target < 50 ms]; main thread: "
                          + ", ".join(f"{k} {v:.1f}" for k, v in split.items())
                          + f" (worker pace {pace:.2f})"
                          + f"; load {load()}")
                print(f"explorer update, all moves: median {statistics.median(all_ms):.1f} ms wall, "
                      f"{statistics.median(all_cpu):.1f} ms CPU, over {len(all_ms)}")
            browser.close()
    finally:
        server.shutdown()

    total = sum(first_load.values())
    print(f"added assets, one page load: {total / 1e6:.3f} MB [target < 1 MB]: "
          + ", ".join(f"{k} {v / 1e3:.0f} kB" for k, v in sorted(first_load.items())))
    data = site / "_static/offline/grubptt/explorer-data"
    biggest = sum((data / "s9" / f).stat().st_size for f in ("seq.js", "H128.js"))
    print(f"largest setting (H = 128, a new seed): +{biggest / 1e6:.3f} MB, fetched when picked")
    print(f"explorer data in the build: {sum(f.stat().st_size for f in data.rglob('*.js')) / 1e6:.1f} MB "
          f"({len(list(data.rglob('*.js')))} files)")
    print(f"requests leaving the site: {len(external)}" + (f": {sorted(set(external))}" if external else ""))
    print(f"load average {load()}")
    return 1 if external else 0


if __name__ == "__main__":
    sys.exit(main())
