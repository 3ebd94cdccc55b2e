"""The live explorer's canvas front end (js/widget.js + the shared js/dashboard.js), run in node.

The widget's ES module gets a frame made by :func:`grubptt.widget.frame` from real flows, through
a fake model and canvas (the message's buffers deliberately not 8-aligned, as they can be in a
widget message), and must draw what the numbers say: the summary sentence, the title, every step
of the ‖dh‖ curve, and the float64 floor where the GRU's last-step gradient underflows.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from grubptt import explore, widget

RUNNER = r"""
import { readFileSync } from "node:fs";
const [, , modulePath, framePath] = process.argv;
const raw = JSON.parse(readFileSync(framePath, "utf8"));

// Each array as a DataView 3 bytes into a larger buffer, as a widget message may deliver it.
function view(b64) {
  const bytes = Buffer.from(b64, "base64"), buf = new ArrayBuffer(bytes.length + 8);
  new Uint8Array(buf, 3, bytes.length).set(bytes);
  return new DataView(buf, 3, bytes.length);
}
function decode(x) {
  if (x && typeof x === "object" && "__b64__" in x) return view(x.__b64__);
  if (x && typeof x === "object")
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, decode(v)]));
  return x;
}
const frame = decode(raw);

const calls = { lineTo: 0, moveTo: 0, text: [] };
const ctx = new Proxy({}, {
  get(target, name) {
    if (name in target) return target[name];
    if (name === "measureText") return (s) => ({ width: 6 * String(s).length });
    if (name === "fillText") return (s) => calls.text.push(String(s));
    if (name === "lineTo" || name === "moveTo") return () => { calls[name] += 1; };
    return () => {};
  },
  set(target, name, value) { target[name] = value; return true; },
});
function element(tag) {
  return { tag, style: {}, dataset: {}, attrs: {}, width: 0, height: 0, textContent: "",
           classList: { add() {} }, setAttribute(k, v) { this.attrs[k] = v; },
           append(...c) { this.children = c; }, getContext: () => ctx };
}
globalThis.document = { createElement: element };
globalThis.ResizeObserver = class { observe() {} disconnect() {} };
const { default: widget } = await import(modulePath);
const el = element("div");
el.clientWidth = 880;
const handlers = {};
const model = { get: (k) => (k === "frame" ? frame : undefined),
                on: (e, f) => { handlers[e] = f; }, off() {} };
widget.render({ model, el });
const [canvas, status] = el.children;
console.log(JSON.stringify({ status: status.textContent, draws: el.dataset.draws, text: calls.text,
  lineTo: calls.lineTo, width: canvas.width, aria: canvas.attrs["aria-label"],
  listens: "change:frame" in handlers }));
"""


def js_exponential(v: float) -> str:
    """JavaScript's v.toExponential(1) ("3.0e-9", Python writes "3.0e-09")."""
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", f"{v:.1e}")


def test_the_canvas_draws_what_the_numbers_say(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the explorer's JavaScript (install Node.js, as for the book)")
    s = explore.Setting(T=1000, hidden_size=16, bz=4.0)       # the GRU's last-step gradient underflows
    flows = explore.compute(s)
    assert flows["GRU"].last_gain[-1] == 0 and flows["SimpleRNN"].last_gain[-1] > 0
    fr = widget.frame(flows, s)

    def encode(x):
        if isinstance(x, bytes):
            return {"__b64__": base64.b64encode(x).decode("ascii")}
        return {k: encode(v) for k, v in x.items()} if isinstance(x, dict) else x

    (tmp_path / "frame.json").write_text(json.dumps(encode(fr)))
    (tmp_path / "widget.mjs").write_text(widget.dashboard_canvas()._esm)
    (tmp_path / "run.mjs").write_text(RUNNER)
    files = [str(tmp_path / f) for f in ("run.mjs", "widget.mjs", "frame.json")]
    r = subprocess.run([node, *files], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    rnn = flows["SimpleRNN"].last_gain[-1]
    assert out["status"] == (f"GRU, T = 1000: of the last step's error, a fraction 0 (underflow) (GRU) and "
                             f"{js_exponential(rnn)} (SimpleRNN) reaches t = 0.")
    assert out["aria"].endswith(out["status"]) and out["draws"] == "1" and out["listens"]
    assert "T = 1000, H = 16, seed 0, radius 1.00, b_z = 4.00, g = identity" in out["text"]
    assert any(t.startswith("float64 floor") for t in out["text"])       # the underflow is marked
    assert {"t", "distance d = T − t", "singular value", "GRU", "SimpleRNN"} <= set(out["text"])
    # Every curve point is a path vertex: ‖dh‖ (1001), 5 terms, 2 gains, the 3 singular-value curves
    # and their band (40 steps each); fewer would mean arrays cut short or misread.
    curve_points = 1001 + 1001 + 4 * 1000 + 2 * 1001 + 3 * 40 + 2 * 40
    assert out["lineTo"] >= curve_points - 12
    assert out["width"] == 880


def test_js_exponential_matches_javascript():
    assert js_exponential(3.0e-9) == "3.0e-9" and js_exponential(2.3e-39) == "2.3e-39"
    assert js_exponential(1.0) == "1.0e+0" and js_exponential(np.float64(4.56e12)) == "4.6e+12"
