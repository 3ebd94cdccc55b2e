"""The Explore page's WebAssembly kernels (web/kernels.wat → web/kernels.js) against grubptt.js's loops.

grubptt.js runs its matrix–vector products, step Jacobians and the two passes of its SVD on the
kernels when they load, and on its own JavaScript loops otherwise. Both must give the same bits
(each output is the same sum in the same order), and web/kernels.js must hold the bytes of
web/kernels.wat as wabt compiles them. Run in Node.js (the book's npm tools); the browser check
(scripts/check_site.py) compares the page's numbers with grubptt itself.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
NODE = shutil.which("node")

# Loads kernels.js and grubptt.js from a folder, runs every computation the explorer and the page
# API do at a few shapes (odd H, H not a multiple of 4, T = 0), once on the kernels and once on
# the loops, and reports the entries whose bits differ.
COMPARE_JS = r"""
const dir = process.argv[2];
require(dir + "/kernels.js");
require(dir + "/grubptt.js");
const G = globalThis.grubptt, K = globalThis.grubpttKernels;

function uniform(seed) {                        // a small LCG: the same inputs for both runs
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 - 0.5; };
}
function problem(H, D, O, T1, seed) {
  const r = uniform(seed), M = (n, scale) => Float64Array.from({ length: n }, () => scale * r());
  const u = 4 / Math.sqrt(H);
  const p = { D, H, O, Wz: M(D * H, 1), Uz: M(H * H, u), bz: M(H, 2), Wr: M(D * H, 1), Ur: M(H * H, u),
              br: M(H, 1), W: M(D * H, 1), U: M(H * H, u), b: M(H, 1), V: M(H * O, 1), c: M(O, 1) };
  return { p, x: M(T1 * D, 2), Y: M(T1 * O, 2), h0: M(H, 1) };
}
function everything(shape) {
  const [H, D, O, T1, seed] = shape;
  const { p, x, Y, h0 } = problem(H, D, O, T1, seed);
  const gru = G.gruForward(p, x, h0, "tanh"), rnn = G.rnnForward(p, x, null, "sigmoid");
  const { gd } = G.lossAndGradDense(p, gru, Y);
  const single = G.gruBptt(p, gru, gd, true);
  const f = G.flowOf(p, gru, Y, 12, null, {}), fr = G.flowOf(p, rnn, Y, 12, null, {});
  const A = Float64Array.from(p.Uz);
  return {
    "GRU states": [gru.h, gru.z, gru.r, gru.hh, gru.y], "SimpleRNN states": [rnn.h, rnn.y],
    "GRU BPTT": [single.dh, single.dh0, ...Object.values(single.terms)],
    "GRU flows": [f.dh_norm, f.last_gain, ...Object.values(f.term_norms)],
    "GRU singular values": f.jac_sv,
    "SimpleRNN flows": [fr.dh_norm, fr.last_gain, fr.term_norms.recurrent],
    "SimpleRNN singular values": fr.jac_sv,
    "singularValues(Uz)": [G.singularValues(A, H)],
  };
}
const shapes = [[1, 1, 1, 1, 1], [3, 2, 1, 5, 2], [5, 4, 4, 30, 3], [8, 4, 4, 50, 4], [13, 3, 2, 40, 5],
                [64, 4, 4, 120, 6], [128, 4, 4, 12, 7]];
const out = { ready: K.ready, differ: {}, checked: 0 };
for (const shape of shapes) {
  K.disabled = true;
  const plain = everything(shape);
  K.disabled = false;
  const fast = everything(shape);
  for (const [name, arrays] of Object.entries(plain)) {
    arrays.forEach((a, i) => {
      for (let j = 0; j < a.length; j++) {
        out.checked++;
        if (!Object.is(a[j], fast[name][i][j])) {
          const key = `H=${shape[0]} ${name}`;
          out.differ[key] = (out.differ[key] || 0) + 1;
        }
      }
    });
  }
}
console.log(JSON.stringify(out));
"""


def _node_ready() -> None:
    """Node.js and the pinned wabt are prerequisites (as Chromium is for the browser check): their
    absence fails the test, so a machine without them cannot pass by checking nothing."""
    if NODE is None:
        pytest.fail("node not found: install Node.js >= 18 (scripts/setup.sh npm)", pytrace=False)
    if not (ROOT / "node_modules" / "wabt").exists():
        pytest.fail("node_modules/wabt is missing: run scripts/setup.sh npm (npm ci)", pytrace=False)


def _compare(folder: Path, tmp_path: Path) -> dict:
    script = tmp_path / "compare_kernels.js"
    script.write_text(COMPARE_JS)
    run = subprocess.run([NODE, str(script), str(folder)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _run_js(tmp_path: Path, source: str, *args: str) -> dict:
    """Run a Node script (given the web folder and args) and return the JSON it prints."""
    _node_ready()
    script = tmp_path / "script.js"
    script.write_text(source)
    run = subprocess.run([NODE, str(script), str(WEB), *args], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_kernels_js_holds_the_compiled_wat() -> None:
    """web/kernels.js's embedded bytes are web/kernels.wat compiled by the pinned wabt."""
    _node_ready()
    run = subprocess.run([NODE, str(WEB / "build_kernels.js"), "--check"], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr


def test_kernels_give_the_loops_bits(tmp_path: Path) -> None:
    """Forward runs, BPTT, flows, step Jacobians and singular values: the same bits either way."""
    _node_ready()
    got = _compare(WEB, tmp_path)
    assert got["ready"], "the WebAssembly kernels did not load in Node.js: nothing was compared"
    assert got["checked"] > 100_000
    assert not got["differ"], f"entries whose bits differ between the kernels and the loops: {got['differ']}"


def test_comparison_sees_a_wrong_kernel(tmp_path: Path) -> None:
    """The comparison fails when one kernel is wrong: the two signals of vecmat2 swapped."""
    _node_ready()
    broken = tmp_path / "web"
    broken.mkdir()
    (broken / "grubptt.js").write_text((WEB / "grubptt.js").read_text())
    text = (WEB / "kernels.js").read_text()
    old = "exports.vecmat2(8 * out1, 8 * out2, 8 * v1, 8 * v2,"
    assert text.count(old) == 1
    swapped = "exports.vecmat2(8 * out1, 8 * out2, 8 * v2, 8 * v1,"
    (broken / "kernels.js").write_text(text.replace(old, swapped))
    got = _compare(broken, tmp_path)
    assert got["ready"]
    assert any("GRU flows" in k for k in got["differ"]), got["differ"]


# Singular values of the given matrices, one at a time and in pairs (every matrix paired with the
# next, the last one with the first), on the kernels.
PAIRS_JS = r"""
const [dir, file] = process.argv.slice(2);
require(dir + "/kernels.js");
require(dir + "/grubptt.js");
const G = globalThis.grubptt;
const mats = JSON.parse(require("fs").readFileSync(file, "utf8"));
const single = mats.map(([n, a]) => Array.from(G.singularValues(Float64Array.from(a), n)));
const paired = mats.map(([n, a], i) => {
  const [m, b] = mats[(i + 1) % mats.length];
  if (m !== n) return null;
  return Array.from(G.singularValuesPair(Float64Array.from(a), Float64Array.from(b), n)[0]);
});
console.log(JSON.stringify({ single, paired }));
"""


def test_singular_values_in_pairs(tmp_path: Path) -> None:
    """singularValuesPair (two QR sweeps interleaved) gives singularValues' bits, and both equal
    numpy's singular values, also for zero, rank-deficient and strongly graded matrices."""
    import numpy as np

    rng = np.random.default_rng(12)
    mats = []
    for n in (1, 2, 3, 8, 17, 64):
        near_diagonal = np.diag(np.linspace(1.0, 2.0, n)) + 0.1 * rng.standard_normal((n, n))
        mats += [rng.standard_normal((n, n)), near_diagonal]
    a = rng.standard_normal((8, 8))
    a[:, 3] = 0.0                                            # rank deficient: a zero singular value
    zero_diagonal = np.diag([1.0, 0.0, 3.0, 0.0, 5.0, 6.0, 0.0, 8.0]) + np.diag(np.ones(7), 1)
    graded = rng.standard_normal((8, 8)) * np.logspace(0, -200, 8)[:, None]
    mats += [a, np.zeros((8, 8)), zero_diagonal, graded, np.eye(8)]
    file = tmp_path / "mats.json"
    file.write_text(json.dumps([[m.shape[0], m.ravel().tolist()] for m in mats]))
    got = _run_js(tmp_path, PAIRS_JS, str(file))
    checked = 0
    for i, m in enumerate(mats):
        want = np.linalg.svd(m, compute_uv=False)
        single = np.array(got["single"][i])
        scale = max(np.linalg.norm(want), 1e-300)
        assert np.linalg.norm(single - want) <= 1e-14 * scale, (i, single, want)
        if got["paired"][i] is not None:
            assert got["paired"][i] == got["single"][i], f"matrix {i}: the pair's bits differ"
            checked += 1
    assert checked >= 10


# A forward run whose storage is taken over from an older run (gruStates/rnnStates `reuse`, as the
# explorer does when it drops its oldest kept run) against one on fresh arrays, over all steps and
# over a prefix of them.
REUSE_JS = COMPARE_JS.split("const shapes =")[0] + r"""
const out = { differ: [], checked: 0 };
for (const [H, T1] of [[5, 40], [64, 300]]) {
  const a = problem(H, 4, 4, T1, 1), b = problem(H, 4, 4, T1, 2);
  for (const model of ["GRU", "SimpleRNN"]) {
    const [states, steps] = model === "GRU" ? [G.gruStates, G.gruSteps] : [G.rnnStates, G.rnnSteps];
    for (const upto of [T1, 7]) {
      const old = states(a.p, T1, a.h0);
      steps(a.p, a.x, old, 0, T1);
      const reused = states(b.p, T1, null, old), fresh = states(b.p, T1, null);
      if (reused.h !== old.h) out.differ.push(`${model} H=${H}: arrays not reused`);
      steps(b.p, b.x, reused, 0, upto);
      steps(b.p, b.x, fresh, 0, upto);
      for (const k of model === "GRU" ? ["z", "r", "hh", "h"] : ["h"]) {
        const n = (k === "h" ? upto + 1 : upto) * H;
        for (let i = 0; i < n; i++) {
          out.checked++;
          if (!Object.is(reused[k][i], fresh[k][i])) { out.differ.push(`${model} H=${H} ${k}[${i}]`); break; }
        }
      }
    }
  }
}
console.log(JSON.stringify(out));
"""


def test_reused_run_storage_gives_fresh_bits(tmp_path: Path) -> None:
    """A run on an older run's arrays (h^(-1) reset to zeros) equals one on fresh arrays."""
    got = _run_js(tmp_path, REUSE_JS)
    assert got["checked"] > 10_000
    assert not got["differ"], got["differ"]


# runJob with named parameters: sent once (job.p), then omitted (p null) by later jobs; a job
# naming parameters that were never sent fails clearly.
PARAMS_JS = COMPARE_JS.split("const shapes =")[0] + r"""
const { p, x, Y } = problem(8, 4, 4, 30, 3);
const kept = { runs: new Map(), params: new Map(), work: {} }, plain = { runs: new Map(), work: {} };
const job = (extra) => ({ kind: "flows", model: "GRU", key: "k", x, T: 29, output: "identity", Y, ...extra });
const first = G.runJob(job({ pkey: "a", p }), kept)[0];
const again = G.runJob(job({ key: "k2", pkey: "a", p: null }), kept)[0];
const fresh = G.runJob(job({ p }), plain)[0];
let missing = "";
try { G.runJob(job({ key: "k3", pkey: "b", p: null }), kept); } catch (err) { missing = err.message; }
const same = (a, b) => a.dh_norm.every((v, i) => Object.is(v, b.dh_norm[i]));
const out = { same: same(first, fresh) && same(again, fresh), kept: kept.params.size, missing };
console.log(JSON.stringify(out));
"""


def test_jobs_name_their_parameters(tmp_path: Path) -> None:
    """A job may omit parameters sent before under the same key; an unknown key is an error."""
    got = _run_js(tmp_path, PARAMS_JS)
    assert got["same"] and got["kept"] == 1
    assert "parameters b were not sent" in got["missing"]
