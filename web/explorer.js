/*
 * The static explorer of the Explore chapter: the controls of grubptt's Python explorer
 * (grubptt.explore.explorer) and its four-panel dashboard, computed and drawn in the reader's
 * browser by grubptt.js.  No kernel, no network: weights and sequences come from the book's own
 * files (scripts/explorer_data.py writes them at build time from grubptt itself), so a setting
 * gives the same numbers here as in the notebook.
 *
 * Mounts into every <div class="grubptt-explorer">; its text (the fallback for JupyterLab, which
 * runs no page scripts) is replaced.  data-* attributes give the start setting (data-t, data-h,
 * data-seed, data-radius, data-bz, data-output, data-model).
 *
 * The work of an update is shared with a Web Worker (explorer_worker.js) where one can start,
 * else done here; see computeFlows.
 *
 * For the browser check and the benchmark: window.grubptt.explorer.{set, materials, flows, forget,
 * mode, instances}; each mounted explorer's root carries data-draws (a counter) and data-setting.
 */
(function () {
  "use strict";

  const G = window.grubptt;
  const script = document.currentScript;
  const DATA_URL = new URL("explorer-data/", script ? script.src : window.location.href).href;
  const T_MAX = 1000, D = 4, O = 4;
  const HIDDEN_SIZES = [4, 8, 16, 32, 64, 128];
  const SEEDS = 10;                     // seeds 0..9 are shipped (scripts/explorer_data.py)
  const MAX_JACOBIANS = 40;             // as grubptt.explore.compute
  const MODEL_COLORS = { GRU: "#1f77b4", SimpleRNN: "#d62728" };
  const TERM_COLORS = {                 // grubptt.figures.TERM_COLORS (Okabe–Ito), "recurrent" from explore.py
    grad_dense: "#E69F00", update_gate: "#0072B2", candidate: "#009E73", reset_gate: "#D55E00",
    carry: "#CC79A7", recurrent: "#9467bd",
  };
  // As grubptt.plots.FLOOR: values at or below the smallest normal float64 (≈ 2.2·10⁻³⁰⁸), exact
  // zeros included, are drawn on a marked floor line instead of ending the curve.
  const FLOOR = 2.2250738585072014e-308;

  // ---------------------------------------------------------------------------------------------
  // Data files: each is a script calling grubptt_data(name, base64 of little-endian float64).

  const loaded = new Map(), waiting = new Map();
  window.grubptt_data = function (name, b64) {
    const bin = atob(b64), n = bin.length / 8, bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const view = new DataView(bytes.buffer), out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
    loaded.set(name, out);
    const w = waiting.get(name);
    if (w) { waiting.delete(name); w.resolve(out); }
  };

  function load(name) {
    if (loaded.has(name)) return Promise.resolve(loaded.get(name));
    if (waiting.has(name)) return waiting.get(name).promise;
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    waiting.set(name, { promise, resolve });
    const tag = document.createElement("script");
    tag.src = DATA_URL + name + ".js";
    tag.onerror = () => { waiting.delete(name); reject(new Error(`grubptt explorer: could not load ${tag.src}`)); };
    document.head.appendChild(tag);
    return promise;
  }

  // ---------------------------------------------------------------------------------------------
  // Setting → weights and sequence, exactly as grubptt.analysis.make_gru / make_rnn / make_data.

  function checkSetting(s) {
    const bad = (what) => { throw new G.ValueError(`setting.${what}`); };
    if (!Number.isInteger(s.T) || s.T < 0 || s.T > T_MAX) bad(`T must be an integer in 0..${T_MAX}, got ${s.T}`);
    if (!HIDDEN_SIZES.includes(s.H)) bad(`H must be one of ${HIDDEN_SIZES.join(", ")}, got ${s.H}`);
    if (!Number.isInteger(s.seed) || s.seed < 0 || s.seed >= SEEDS) bad(`seed must be an integer in 0..${SEEDS - 1}, got ${s.seed}`);
    if (!(s.radius >= 0 && Number.isFinite(s.radius))) bad(`radius must be a finite number >= 0, got ${s.radius}`);
    if (!Number.isFinite(s.bz)) bad(`bz must be a finite number, got ${s.bz}`);
    if (!G.OUTPUTS.includes(s.output)) bad(`output must be one of ${G.OUTPUTS.join(", ")}, got ${s.output}`);
    if (!(s.model in MODEL_COLORS)) bad(`model must be GRU or SimpleRNN, got ${s.model}`);
    return s;
  }

  /** x (T_MAX+1)·D of the seed; x for T is its first (T+1)·D entries (a prefix). */
  function sequenceX(stream) {
    return stream.subarray(6, 6 + (T_MAX + 1) * D);
  }

  /** Targets Y ((T+1)·O) of make_data(T, seed, output). */
  function sequenceY(stream, T, output) {
    const nNormals = stream[4];
    const normals = stream.subarray(6, 6 + nNormals);
    if (output === "identity") return normals.slice((T + 1) * D, (T + 1) * (D + O));
    const positions = stream.subarray(6 + nNormals, 6 + nNormals + T_MAX + 1);
    const doubles = stream.subarray(6 + nNormals + T_MAX + 1);
    const [lo, hi] = output === "sigmoid" ? [0.0, 1.0] : [-1.0, 1.0];
    const start = positions[T], Y = new Float64Array((T + 1) * O);
    for (let i = 0; i < Y.length; i++) Y[i] = lo + (hi - lo) * doubles[start + i];     // numpy's uniform
    return Y;
  }

  /** GRU and SimpleRNN parameters of make_gru(H, seed, radius, bz) / make_rnn(H, seed, radius). */
  function params(w, H, radius, bz) {
    const take = (() => { let at = 0; return (n) => w.subarray(at, (at += n)); })();
    const Wz = take(D * H), Qz = take(H * H), Wr = take(D * H), Qr = take(H * H), W = take(D * H), Qu = take(H * H), V = take(H * O);
    const scaled = (Q) => Q.map((q) => radius * q);          // make_gru: radius · Q, one product each
    const U = scaled(Qu), zeros = (n) => new Float64Array(n);
    const gru = { D, H, O, Wz: Wz.slice(), Uz: scaled(Qz), bz: new Float64Array(H).fill(bz), Wr: Wr.slice(), Ur: scaled(Qr),
                  br: zeros(H), W: W.slice(), U, b: zeros(H), V: V.slice(), c: zeros(O) };
    const rnn = { D, H, O, W: gru.W, U, b: zeros(H), V: gru.V, c: zeros(O) };
    return { gru, rnn };
  }

  // ---------------------------------------------------------------------------------------------
  // The second core: a Web Worker (web/explorer_worker.js, from the book's own files) runs
  // grubptt.runJob messages while this thread computes the shown model.  Where workers are
  // unavailable (a page opened from file://, a browser without them) or the worker fails, the
  // same jobs run here, one after the other: the numbers are the same either way.

  let worker = null;
  const pending = new Map(), local = { runs: new Map(), work: {} };   // the jobs' state when run here
  let nextId = 1, workerMs = 0;
  try {
    if (typeof Worker === "function" && script) {
      worker = new Worker(new URL("explorer_worker.js", script.src).href);
      worker.onmessage = (e) => {
        const { id, result, error, ms } = e.data, job = pending.get(id);
        if (!job) return;
        pending.delete(id);
        workerMs += ms || 0;
        if (error) job.reject(new Error(`grubptt explorer worker: ${error}`)); else job.resolve(result);
      };
      worker.onerror = (e) => {                          // e.g. the script could not load
        e.preventDefault();
        worker = null;
        for (const [id, job] of pending) { pending.delete(id); runHere(job); }
      };
    }
  } catch (err) {
    worker = null;                                       // file:// pages: SecurityError
  }

  function runHere(job) {
    try { job.resolve(G.runJob(job.job, local)[0]); } catch (err) { job.reject(err); }
  }

  /** Run a job on the worker (typed arrays in `transfer` are moved, not copied) or here. */
  function submit(job, transfer = []) {
    return new Promise((resolve, reject) => {
      const entry = { job, resolve, reject };
      if (!worker) { runHere(entry); return; }
      const id = nextId++;
      pending.set(id, entry);
      worker.postMessage({ id, job }, transfer);
    });
  }

  // Forward runs per (model, seed, H, radius, b_z), stored for T_MAX + 1 steps and computed as far
  // as a setting needed: every T is a prefix of them (grubptt.js `prefix`), so moving T costs no
  // forward pass, and a longer T only extends the run.  A few kept, like the Python explorer's lru_cache.
  // This thread keeps the runs of the shown model; the worker keeps those of the other one.
  const runs = new Map();
  const runKey = (model, s) => [model, s.seed, s.H, s.radius, model === "GRU" ? s.bz : 0].join("|");
  const CHUNK = 200;                    // steps between two looks for Jacobians the worker can start
  // Each run also keeps the singular values of its J^(t) by t (`memo`): J^(t) depends only on the
  // states up to t + 1, so every T of a run shares them.
  function run(model, s, p, x, T1, onSteps) {             // onSteps(cache) after every CHUNK steps
    const key = runKey(model, s);
    let hit = runs.get(key);
    if (!hit) {
      const cache = model === "GRU" ? G.gruStates(p, T_MAX + 1, null) : G.rnnStates(p, T_MAX + 1, null);
      hit = { cache, memo: new Map() };
      runs.set(key, hit);
      if (runs.size > 6) runs.delete(runs.keys().next().value);
    }
    const cache = hit.cache;
    while (cache.done < T1) {
      (model === "GRU" ? G.gruSteps : G.rnnSteps)(p, x, cache, cache.done, Math.min(cache.done + CHUNK, T1));
      onSteps(cache);
    }
    onSteps(cache);
    return hit;
  }

  async function materials(setting) {
    const s = checkSetting({ ...setting });
    const [stream, w] = await Promise.all([load(`s${s.seed}/seq`), load(`s${s.seed}/H${s.H}`)]);
    return { s, stream, ...params(w, s.H, s.radius, s.bz) };
  }

  // A model's parameters as a job carries them: sizes and the named arrays (default: all of them).
  function jobParams(p, names = G.PARAM_NAMES) {
    const out = { D: p.D, H: p.H, O: p.O };
    for (const k of names) if (p[k]) out[k] = p[k];
    return out;
  }

  /**
   * Both models' measurements for a setting (Jacobians only for s.model), as explore.compute.
   * Each model's measurements are kept for the last few settings that affect it (b_z does not
   * touch the SimpleRNN; switching the shown model only adds its Jacobians), as in Python.
   *
   * Who computes what: the other model's measurements, on the worker; the shown model's forward
   * run and BPTT, here; the singular values of the shown model's step Jacobians, split between the
   * two threads so that both finish at about the same time (see `share`), the worker's share
   * posted as soon as the forward run has reached its steps.
   */
  // Multiply-adds per H² of a forward step and of a BPTT step with both error signals, and per H³
  // of one step Jacobian with its singular values; as counted, these matched the times measured
  // in V8 (T = 1000, H = 64) within about 20 %.
  const WORK = { GRU: { step: 3, bptt: 6, jacobian: 3.5 }, SimpleRNN: { step: 1, bptt: 2, jacobian: 2.5 } };
  const workerRuns = new Map();         // the worker's kept forward runs (as runJob keeps them): steps

  // How many of k Jacobians (each costing c, in H² units) the worker takes when this thread has
  // `here` to do and the worker `away`: both then finish at about the same time.
  function share(here, away, c, k) {
    return Math.max(0, Math.min(k, Math.round((here + k * c - away) / (2 * c))));
  }

  let parts = null;
  const flowCache = new Map(), work = {};            // work: grubptt.js's scratch arrays
  const flowKey = (model, s) => [runKey(model, s), s.T, s.output].join("|");
  async function computeFlows(m) {
    const { s, stream } = m;
    const x = sequenceX(stream);
    let Y = null;
    const targets = () => (Y = Y || sequenceY(stream, s.T, s.output));
    const shown = s.model, other = shown === "GRU" ? "SimpleRNN" : "GRU";
    const param = (model) => (model === "GRU" ? m.gru : m.rnn);
    const flows = {}, waits = [];
    const keep = (key, flow) => {
      flowCache.set(key, flow);
      if (flowCache.size > 8) flowCache.delete(flowCache.keys().next().value);
      return flow;
    };

    // The other model: its measurements only (the gain panel shows both models).
    const otherKey = flowKey(other, s), otherKept = workerRuns.get(runKey(other, s)) || 0;
    const otherNew = !flowCache.has(otherKey);
    if (otherNew) {
      if (worker) {
        const k = runKey(other, s);
        workerRuns.set(k, Math.max(workerRuns.get(k) || 0, s.T + 1));
        if (workerRuns.size > 6) workerRuns.delete(workerRuns.keys().next().value);
      }
      waits.push(submit({ kind: "flows", model: other, key: runKey(other, s), p: jobParams(param(other)), x,
                          T: s.T, output: s.output, Y: targets() })
        .then((f) => { flows[other] = keep(otherKey, f); }));
    } else flows[other] = flowCache.get(otherKey);

    // The shown model: measurements and the singular values not kept yet.
    const p = param(shown), key = flowKey(shown, s), shownNew = !flowCache.has(key);
    const r = run(shown, s, p, x, 0, () => {}), memo = r.memo;    // (no step computed yet)
    const jac_t = G.sampleSteps(s.T, MAX_JACOBIANS), missing = jac_t.filter((t) => !memo.has(t));
    const need = Math.max(shownNew ? s.T + 1 : 0, ...missing.map((t) => t + 2));
    let there = [];
    if (worker && missing.length) {
      const T1 = s.T + 1;
      const mine = Math.max(need - r.cache.done, 0) * WORK[shown].step + (shownNew ? T1 * WORK[shown].bptt : 0);
      const theirs = otherNew ? Math.max(T1 - otherKept, 0) * WORK[other].step + T1 * WORK[other].bptt : 0;
      there = missing.slice(0, share(mine, theirs, WORK[shown].jacobian * s.H, missing.length));
    }
    const here = missing.slice(there.length);
    let sent = 0;
    const svParams = jobParams(p, shown === "GRU" ? ["U", "Uz", "Ur", "V"] : ["U", "V"]);   // what J^(t) reads
    const post = (steps, cache) => {                      // the worker's Jacobians of these steps
      const rows = G.jacobianRows(cache, steps);
      waits.push(submit({ kind: "sv", model: shown, p: svParams, rows, K: steps.length }, [rows.buffer])
        .then((sv) => steps.forEach((t, k) => memo.set(t, sv.subarray(k * s.H, (k + 1) * s.H)))));
    };
    const t0 = performance.now();
    const { cache } = run(shown, s, p, x, need, (c) => {
      let n = sent;
      while (n < there.length && there[n] + 2 <= c.done) n++;      // J^(t) needs steps 0..t+1
      if (n > sent) { post(there.slice(sent, n), c); sent = n; }
    });
    const t1 = performance.now();
    let flow = shownNew
      ? keep(key, G.flowOf(p, G.prefix(p, cache, s.T, s.output), targets(), 0, null, work))
      : flowCache.get(key);
    const t2 = performance.now();
    if (here.length) G.stepSingularValues(p, cache, here, memo);
    const t3 = performance.now();
    await Promise.all(waits);
    // Where this thread's time went (for bench_web.py): forward, BPTT + norms, Jacobians, waiting.
    parts = { forward: t1 - t0, bptt: t2 - t1, jacobians: t3 - t2, wait: performance.now() - t3, here: here.length };
    flow = { ...flow, jac_t, jac_sv: jac_t.map((t) => memo.get(t)) };
    flows[shown] = flow;
    return { GRU: flows.GRU, SimpleRNN: flows.SimpleRNN };
  }

  // Parameter cache per (seed, H, radius, b_z): the forward cache is keyed by value, the params
  // object must stay the same for grubptt.js's transposes to be reused.
  const paramCache = new Map();
  async function materialsCached(setting) {
    const key = [setting.seed, setting.H, setting.radius, setting.bz].join("|");
    let m = paramCache.get(key);
    if (!m) {
      m = await materials(setting);
      paramCache.set(key, m);
      if (paramCache.size > 6) paramCache.delete(paramCache.keys().next().value);
    }
    return { ...m, s: checkSetting({ ...setting }) };
  }

  // ---------------------------------------------------------------------------------------------
  // Axes: log ticks and labels as grubptt.explore's dashboard makes them.

  const SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
  function powerLabel(y) {
    const e = Math.floor(Math.log10(y) + 1e-9);
    if (e >= -1 && e <= 2) return String(Number(y.toPrecision(3)));
    const m = y / 10 ** e, rm = Math.round(m);
    if (Math.abs(m - rm) > 1e-6) return y.toPrecision(2);
    return (rm !== 1 ? `${rm}·` : "") + "10" + String(e).split("").map((c) => SUP[c]).join("");
  }

  // 3 to 6 ticks on a log axis from 10^a to 10^b (a, b exponents).
  function logTicks(a, b) {
    if (b - a > 6) {
      let step = 1;
      for (const s of [1, 2, 5, 10, 20, 25, 50, 100]) { step = s; if (Math.floor(b / s) - Math.ceil(a / s) + 1 <= 6) break; }
      const out = [];
      for (let e = Math.ceil(a / step) * step; e <= b; e += step) out.push(10 ** e);
      return out;
    }
    let best = [];
    for (const subs of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
      const v = [];
      for (let e = Math.floor(a); e <= Math.ceil(b); e++) {
        for (const m of subs) {
          const y = m * 10 ** e, ly = Math.log10(y);
          if (ly >= a - 1e-9 && ly <= b + 1e-9) v.push(y);
        }
      }
      if (v.length > 6 && best.length) break;
      best = v;
      if (v.length >= 3) break;
    }
    return best;
  }

  // Round ticks on a linear axis (integers: t and distances), at most 6.
  function linTicks(lo, hi) {
    const span = Math.max(hi - lo, 1);
    let step = 1;
    outer: for (let p = 1; p < 1e6; p *= 10) {
      for (const m of [1, 2, 2.5, 5]) {
        step = m * p;
        if (Number.isInteger(step) && Math.floor(hi / step) - Math.ceil(lo / step) + 1 <= 6 && step * 6 >= span / 1.2) break outer;
      }
    }
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // One panel: title, legend strip (outside the data area), log-y plot, ticks, axis labels.

  const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  function drawPanel(ctx, box, spec) {
    const { x, y, w, h } = box;
    ctx.save();
    ctx.fillStyle = "#111";
    ctx.font = `600 13px ${FONT}`;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillText(spec.title, x + w / 2, y + 2, w - 4);
    // Ranges: x padded 5 % like matplotlib; y from the positive finite data (log10), padded.
    const xs = spec.series.flatMap((s) => [s.x[0], s.x[s.x.length - 1]]);
    let xlo = Math.min(...xs), xhi = Math.max(...xs);
    if (xhi - xlo < 1e-12) { xlo -= 0.5; xhi += 0.5; }
    const xpad = 0.05 * (xhi - xlo);
    xlo -= xpad; xhi += xpad;
    let ylo = Infinity, yhi = -Infinity, under = false, over = false, floored = false;
    let overflowed = false;
    for (const s of spec.series) {
      s.y.forEach((v, i) => {
        if (v > FLOOR && v < Infinity) { const lv = Math.log10(v); if (lv < ylo) ylo = lv; if (lv > yhi) yhi = lv; }
        else if (v <= FLOOR && !(s.skipLast && i === s.y.length - 1)) floored = true;
        else if (v === Infinity) overflowed = true;
      });
    }
    if (floored) ylo = Math.log10(FLOOR);
    for (const v of spec.refs || []) { const lv = Math.log10(v); ylo = Math.min(ylo, lv); yhi = Math.max(yhi, lv); }
    if (!Number.isFinite(ylo)) { ylo = -1; yhi = 1; }
    if (yhi - ylo < 0.3) { const mid = (ylo + yhi) / 2; ylo = mid - 0.3; yhi = mid + 0.3; }
    const ypad = 0.05 * (yhi - ylo);
    ylo = ylo - ypad; yhi = Math.min(yhi + ypad, 308.3);
    // Legend strip: entries left to right, wrapping, between the title and the plot.
    ctx.font = `11px ${FONT}`;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    const left = x + 66, right = x + w - 8;            // room for the y label and tick labels side by side
    let lx = left, ly = y + 26;
    const entries = (spec.legend || []).slice();
    if (floored) entries.push({ label: "float64 floor: values < 2·10⁻³⁰⁸ (0 too) drawn on it", color: "#555", dash: [1, 2], width: 1 });
    if (overflowed) entries.push({ label: "inf: drawn on the top edge", color: "#555", width: 1 });
    for (const e of entries) {
      const tw = ctx.measureText(e.label).width + 30;
      if (lx + tw > right && lx > left) { lx = left; ly += 15; }
      ctx.strokeStyle = e.color; ctx.lineWidth = e.width || 1.8; ctx.setLineDash(e.dash || []);
      ctx.beginPath(); ctx.moveTo(lx, ly); ctx.lineTo(lx + 20, ly); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "#222";
      ctx.fillText(e.label, lx + 24, ly);
      lx += tw + 6;
    }
    const top = Math.max(ly + 12, y + 26 + 15 + 12);     // two legend rows reserved: plots line up
    const plot = { x: left, y: top, w: right - left, h: y + h - 40 - top };
    const px = (v) => plot.x + ((v - xlo) / (xhi - xlo)) * plot.w;
    const py = (lv) => plot.y + plot.h - ((lv - ylo) / (yhi - ylo)) * plot.h;
    // Frame and reference lines.
    ctx.strokeStyle = "#333"; ctx.lineWidth = 1;
    ctx.strokeRect(plot.x + 0.5, plot.y + 0.5, plot.w, plot.h);
    ctx.save();
    ctx.beginPath(); ctx.rect(plot.x, plot.y, plot.w, plot.h); ctx.clip();
    for (const v of spec.refs || []) {
      ctx.strokeStyle = "#999"; ctx.setLineDash([2, 3]); ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(plot.x, py(Math.log10(v))); ctx.lineTo(plot.x + plot.w, py(Math.log10(v))); ctx.stroke();
    }
    ctx.setLineDash([]);
    // A value at or below the floor (an underflow to 0 included) is drawn on the floor, not dropped.
    const lfloor = Math.log10(FLOOR);
    const clampY = (v) => {
      if (!(v > FLOOR)) { under = true; return lfloor; }
      if (!(v < 10 ** yhi)) { over = true; return yhi; }
      return Math.log10(v);
    };
    for (const s of spec.band ? [spec.band] : []) {
      ctx.fillStyle = s.color; ctx.globalAlpha = 0.2;
      ctx.beginPath();
      s.x.forEach((xv, i) => { const X = px(xv), Y = py(clampY(s.hi[i])); if (i) ctx.lineTo(X, Y); else ctx.moveTo(X, Y); });
      for (let i = s.x.length - 1; i >= 0; i--) ctx.lineTo(px(s.x[i]), py(clampY(s.lo[i])));
      ctx.closePath(); ctx.fill();
      ctx.globalAlpha = 1;
    }
    for (const s of spec.series) {
      ctx.strokeStyle = s.color; ctx.lineWidth = s.width || 1.5; ctx.setLineDash(s.dash || []);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < s.y.length; i++) {
        const v = s.y[i];
        if (Number.isNaN(v) || (s.skipLast && i === s.y.length - 1)) { pen = false; continue; }
        const X = px(s.x[i]), Y = py(clampY(v));
        if (pen) ctx.lineTo(X, Y); else ctx.moveTo(X, Y);
        pen = true;
      }
      ctx.stroke();
      if (s.y.length === 1 || s.markers) {            // one point (T = 0 rows) would be invisible
        ctx.fillStyle = s.color;
        for (let i = 0; i < s.y.length; i++) {
          if (Number.isNaN(s.y[i]) || (s.skipLast && i === s.y.length - 1)) continue;
          ctx.beginPath(); ctx.arc(px(s.x[i]), py(clampY(s.y[i])), 2.2, 0, 2 * Math.PI); ctx.fill();
        }
      }
    }
    ctx.setLineDash([]);
    if (spec.empty) {
      ctx.fillStyle = "#555"; ctx.font = `12px ${FONT}`; ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText(spec.empty, plot.x + plot.w / 2, plot.y + plot.h / 2);
    }
    ctx.restore();
    // The floor: a dotted line (named in the legend strip) where the underflowed values lie.
    if (under) {
      const Y = Math.round(py(lfloor)) + 0.5;
      ctx.strokeStyle = "#555"; ctx.setLineDash([1, 2]); ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(plot.x, Y); ctx.lineTo(plot.x + plot.w, Y); ctx.stroke();
      ctx.setLineDash([]);
    }
    // Ticks.
    ctx.fillStyle = "#222"; ctx.strokeStyle = "#333"; ctx.lineWidth = 1;
    ctx.font = `11px ${FONT}`;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const v of linTicks(Math.ceil(xlo), Math.floor(xhi))) {
      const X = Math.round(px(v)) + 0.5;
      ctx.beginPath(); ctx.moveTo(X, plot.y + plot.h); ctx.lineTo(X, plot.y + plot.h + 4); ctx.stroke();
      ctx.fillText(String(v), X, plot.y + plot.h + 6);
    }
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    // Labels closer than 16 px would crowd (0.09 under 0.1): keep powers of ten, drop the other.
    const kept = [];
    for (const v of logTicks(ylo, yhi)) {
      const last = kept[kept.length - 1];
      if (last !== undefined && Math.abs(py(Math.log10(v)) - py(Math.log10(last))) < 16) {
        if (Number.isInteger(Math.log10(v))) kept[kept.length - 1] = v;
        continue;
      }
      kept.push(v);
    }
    for (const v of kept) {
      const Y = Math.round(py(Math.log10(v))) + 0.5;
      ctx.beginPath(); ctx.moveTo(plot.x - 4, Y); ctx.lineTo(plot.x, Y); ctx.stroke();
      ctx.fillText(powerLabel(v), plot.x - 6, Y);
    }
    // Axis labels.
    ctx.font = `12px ${FONT}`;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.fillText(spec.xlabel, plot.x + plot.w / 2, plot.y + plot.h + 21);
    ctx.save();
    ctx.font = `12px ${FONT}`; ctx.fillStyle = "#222";
    ctx.translate(x + 8, plot.y + plot.h / 2); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.fillText(spec.ylabel, 0, 0);
    ctx.restore();
    ctx.restore();
    return { plot, ylo, yhi, under, over };
  }

  const range = (n, f = (i) => i) => Array.from({ length: n }, (_, i) => f(i));
  const label = (k) => k.replace("_", " ");

  /** The four panels of grubptt.explore.Dashboard for `flows`, `model` shown in panels 1, 2, 4. */
  function panels(flows, model) {
    const f = flows[model], color = MODEL_COLORS[model], T1 = f.T + 1;
    const t = range(T1);
    const termKeys = Object.keys(f.term_norms);
    const sv = f.jac_sv, jt = f.jac_t;
    const pick = (fn) => sv.map(fn);
    const median = (row) => { const s = Array.from(row).sort((a, b) => a - b), n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
    return [
      { title: `${model}: ‖dh(t)‖ against t`, xlabel: "t", ylabel: "‖dh(t)‖",
        series: [{ x: t, y: f.dh_norm, color }] },
      { title: `${model}: norms of the terms of dh(t)`, xlabel: "t  (recurrent terms are 0 at t = T: not drawn)", ylabel: "‖term‖",
        legend: termKeys.map((k) => ({ label: label(k), color: TERM_COLORS[k] })),
        series: termKeys.map((k) => ({ x: t, y: f.term_norms[k], color: TERM_COLORS[k], width: 1.3, skipLast: k !== "grad_dense" })) },
      { title: "‖∂L(T)/∂h(t)‖ / ‖grad_dense(T)‖ against T − t", xlabel: "distance d = T − t", ylabel: "gain",
        legend: Object.keys(flows).map((m) => ({ label: m, color: MODEL_COLORS[m] })), refs: [1],
        series: Object.keys(flows).map((m) => ({ x: range(flows[m].T + 1), y: flows[m].last_gain, color: MODEL_COLORS[m] })) },
      { title: `${model}: singular values of ∂h(t+1)/∂h(t)`, xlabel: `t  (${jt.length} steps)`, ylabel: "singular value",
        legend: [{ label: "largest", color }, { label: "median", color, dash: [6, 3] }, { label: "smallest", color, dash: [2, 2] }],
        refs: [1], empty: jt.length ? null : "T = 0: no step t → t + 1, no Jacobian",
        band: jt.length ? { x: jt, lo: pick((r) => r[r.length - 1]), hi: pick((r) => r[0]), color } : null,
        series: jt.length ? [
          { x: jt, y: pick((r) => r[0]), color, markers: jt.length < 3 },
          { x: jt, y: pick(median), color, dash: [6, 3] },
          { x: jt, y: pick((r) => r[r.length - 1]), color, dash: [2, 2] },
        ] : [{ x: [0], y: [NaN], color }] },
    ];
  }

  // ---------------------------------------------------------------------------------------------
  // The UI

  const instances = [];

  function el(tag, attrs = {}, children = []) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    return e;
  }

  function mount(root) {
    const d = root.dataset;
    const start = {
      T: +(d.t || 200), H: +(d.h || 32), seed: +(d.seed || 0), radius: +(d.radius || 1),
      bz: +(d.bz || 0), output: d.output || "identity", model: d.model || "GRU",
    };
    root.textContent = "";
    root.classList.add("grubptt-explorer-live");
    const uid = `grubptt-x${instances.length}`;
    const controls = {};
    const row = el("div", { class: "grubptt-x-controls" });
    const slider = (key, text, min, max, step, fmt) => {
      const id = `${uid}-${key}`;
      const input = el("input", { type: "range", id, min, max, step, value: start[key], "data-control": key });
      const out = el("output", { for: id, class: "grubptt-x-value" });
      const show = () => { out.textContent = fmt(+input.value); };
      input.addEventListener("input", () => { show(); schedule(); });
      show();
      controls[key] = { input, read: () => +input.value, show };
      row.appendChild(el("div", { class: "grubptt-x-control" }, [el("label", { for: id, text }), input, out]));
    };
    const select = (key, text, options) => {
      const id = `${uid}-${key}`;
      const s = el("select", { id, "data-control": key });
      for (const o of options) s.appendChild(el("option", { value: String(o), text: String(o) }));
      s.value = String(start[key]);
      s.addEventListener("change", schedule);
      s.addEventListener("input", schedule);
      controls[key] = { input: s, read: () => (typeof options[0] === "number" ? +s.value : s.value) };
      row.appendChild(el("div", { class: "grubptt-x-control" }, [el("label", { for: id, text }), s]));
    };
    slider("T", "T", 0, T_MAX, 1, String);
    select("H", "hidden size H", HIDDEN_SIZES);
    select("seed", "seed", range(SEEDS));
    slider("radius", "radius of Uz, Ur, U", 0.1, 2, 0.05, (v) => v.toFixed(2));
    slider("bz", "b_z (GRU)", -8, 4, 0.25, (v) => v.toFixed(2));
    select("output", "output g", G.OUTPUTS);
    // Model: two radio buttons (arrow keys move between them).
    const group = el("div", { class: "grubptt-x-control", role: "radiogroup", "aria-label": "model" }, [el("span", { text: "model" })]);
    const radios = {};
    for (const m of Object.keys(MODEL_COLORS)) {
      const id = `${uid}-model-${m}`;
      const r = el("input", { type: "radio", name: `${uid}-model`, id, value: m });
      r.checked = m === start.model;
      if (r.checked) r.setAttribute("data-control", "model");
      r.addEventListener("change", schedule);
      radios[m] = r;
      group.appendChild(el("label", { for: id, class: "grubptt-x-radio" }, [r, ` ${m}`]));
    }
    controls.model = { input: radios.GRU, read: () => (radios.SimpleRNN.checked ? "SimpleRNN" : "GRU") };
    row.appendChild(group);

    const canvas = el("canvas", { role: "img", class: "grubptt-x-canvas" });
    const status = el("p", { class: "grubptt-x-status", "aria-live": "polite" });
    const header = el("p", { class: "grubptt-x-header" }, [
      el("strong", { text: "Static explorer: computed in your browser." }),
      " Every control works without a kernel: grubptt.js (plain JavaScript served with this page) " +
      "runs the forward pass, BPTT with the five terms of (9.22) and the step Jacobians. The weights " +
      "and sequences are the ones grubptt draws for the same setting (seeds 0–9 shipped), so the " +
      "pictures equal the Python explorer's; the site check proves the numbers agree to 1e-10.",
    ]);
    root.append(header, row, canvas, status);
    const inst = { root, controls, canvas, status, draws: 0, setting: null, lastTimes: null };
    instances.push(inst);

    let busy = false, dirty = false;
    function read() {
      const s = {};
      for (const [k, c] of Object.entries(controls)) s[k] = c.read();
      s.radius = Math.round(s.radius * 100) / 100;       // the slider's 0.35 is Python's 0.35
      s.bz = Math.round(s.bz * 100) / 100;
      return s;
    }
    async function update() {
      if (busy) { dirty = true; return; }
      busy = true;
      try {
        do {
          dirty = false;
          await render(inst, read());
        } while (dirty);
      } catch (err) {
        status.textContent = `The explorer failed: ${err.message}`;
        throw err;
      } finally {
        busy = false;
      }
    }
    let frame = 0;
    function schedule() {
      if (frame) return;
      frame = requestAnimationFrame(() => { frame = 0; update(); });
    }
    inst.update = update;
    window.addEventListener("resize", () => { if (inst.flows) draw(inst, inst.flows, inst.setting); });
    update();
    return inst;
  }

  async function render(inst, s) {
    const m = await materialsCached(s);
    const t0 = performance.now();
    const w0 = workerMs;
    const flows = await computeFlows(m);
    const t1 = performance.now();
    draw(inst, flows, m.s);
    const t2 = performance.now();
    inst.lastTimes = { compute: t1 - t0, draw: t2 - t1, worker: workerMs - w0, parts };
    return inst.lastTimes;
  }

  function draw(inst, flows, s) {
    const { canvas, root } = inst;
    // Narrow page columns (the book theme gives ~690 px) get relatively taller panels.
    const cssW = Math.max(520, Math.min(root.clientWidth || 800, 900)), cssH = Math.round(cssW * (cssW < 760 ? 0.8 : 0.72));
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(cssH * dpr);
      canvas.style.width = `${cssW}px`; canvas.style.height = `${cssH}px`;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, cssW, cssH);
    ctx.fillStyle = "#111"; ctx.font = `600 14px ${FONT}`; ctx.textAlign = "center"; ctx.textBaseline = "top";
    ctx.fillText(`T = ${s.T}, H = ${s.H}, seed ${s.seed}, radius ${s.radius.toFixed(2)}, b_z = ${s.bz.toFixed(2)}, g = ${s.output}`, cssW / 2, 4);
    const specs = panels(flows, s.model);
    const top = 24, pw = cssW / 2, ph = (cssH - top) / 2;
    specs.forEach((spec, i) => drawPanel(ctx, { x: (i % 2) * pw, y: top + Math.floor(i / 2) * ph + 4, w: pw - 6, h: ph - 6 }, spec));
    const g = flows.GRU.last_gain, r = flows.SimpleRNN.last_gain, T = s.T;
    const fmt = (v) => (Number.isNaN(v) ? "undefined" : v === 0 ? "0 (underflow)" : v.toExponential(1));
    const summary = `${s.model}, T = ${T}: of the last step's error, a fraction ${fmt(g[T])} (GRU) and ` +
      `${fmt(r[T])} (SimpleRNN) reaches t = 0.`;
    canvas.setAttribute("aria-label", `Four plots of the gradient flow. ${summary}`);
    inst.status.textContent = summary;
    inst.flows = flows;
    inst.setting = s;
    inst.draws += 1;
    inst.root.dataset.draws = String(inst.draws);
    inst.root.dataset.setting = JSON.stringify(s);
  }

  // ---------------------------------------------------------------------------------------------
  // Hooks for the browser check and the benchmark.

  const plain = (a) => Array.from(a);
  G.explorer = {
    instances,
    /** Set every control of explorer `i` (default 0) and redraw; resolves with {compute, draw} ms. */
    async set(setting, i = 0) {
      const inst = instances[i];
      for (const [k, v] of Object.entries(setting)) {
        if (k === "model") { for (const r of inst.root.querySelectorAll("input[type=radio]")) r.checked = r.value === v; }
        else inst.controls[k].input.value = String(v);
        if (inst.controls[k].show) inst.controls[k].show();
      }
      const s = {};
      for (const [k, c] of Object.entries(inst.controls)) s[k] = c.read();
      s.radius = Math.round(s.radius * 100) / 100;
      s.bz = Math.round(s.bz * 100) / 100;
      return render(inst, s);
    },
    /** x, Y and both models' parameters of a setting, as plain nested-free arrays (row-major). */
    async materials(setting) {
      const m = await materials(setting);
      const x = sequenceX(m.stream).slice(0, (m.s.T + 1) * D), Y = sequenceY(m.stream, m.s.T, m.s.output);
      const arrays = (p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v instanceof Float64Array).map(([k, v]) => [k, plain(v)]));
      return { x: plain(x), Y: plain(Y), gru: arrays(m.gru), rnn: arrays(m.rnn) };
    },
    /** Both models' measurements for a setting, as the dashboard gets them. */
    async flows(setting) {
      const f = await computeFlows(await materialsCached(setting));
      const out = {};
      for (const [k, v] of Object.entries(f)) {
        out[k] = { T: v.T, dh_norm: plain(v.dh_norm), last_gain: plain(v.last_gain), jac_t: v.jac_t,
                   jac_sv: v.jac_sv.map(plain), term_norms: Object.fromEntries(Object.entries(v.term_norms).map(([n, a]) => [n, plain(a)])) };
      }
      return out;
    },
    /**
     * For the benchmark: drop kept results so that the next move computes what a first move to a
     * new value would.  what: "flows" (the measurements per setting), "jacobians" (the singular
     * values kept per forward run) or "all" (forward runs too).
     */
    forget(what) {
      if (what === "flows" || what === "all") flowCache.clear();
      if (what === "jacobians") for (const r of runs.values()) r.memo.clear();
      if (what === "all") { runs.clear(); workerRuns.clear(); submit({ kind: "forget" }); }
    },
    /** "worker" while a Web Worker shares the work, "main thread" where none could start. */
    get mode() { return worker ? "worker" : "main thread"; },
    panels, logTicks, powerLabel,
  };

  const CSS = `
.grubptt-explorer-live { margin: 1em 0; font-family: ${FONT}; }
.grubptt-x-header { font-size: 0.9em; margin: 0 0 0.5em; padding: 0.4em 0.6em; background: #eef5fb; border-left: 4px solid #1f77b4; }
.grubptt-x-controls { display: flex; flex-wrap: wrap; gap: 0.4em 1.4em; align-items: center; margin: 0.3em 0 0.6em; font-size: 0.9em; }
.grubptt-x-control { display: flex; align-items: center; gap: 0.4em; }
.grubptt-x-control input[type=range] { width: 150px; }
.grubptt-x-value { min-width: 2.6em; font-variant-numeric: tabular-nums; }
.grubptt-x-control :focus-visible { outline: 2px solid #0072B2; outline-offset: 2px; }
.grubptt-x-canvas { display: block; max-width: 100%; border: 1px solid #ddd; }
.grubptt-x-status { font-size: 0.85em; color: #333; margin: 0.3em 0 0; }
`;

  function init() {
    if (document.querySelector(".grubptt-explorer") && !document.getElementById("grubptt-explorer-css")) {
      document.head.appendChild(el("style", { id: "grubptt-explorer-css", text: CSS }));
    }
    for (const root of document.querySelectorAll(".grubptt-explorer")) mount(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
