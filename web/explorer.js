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
  // The four panels are drawn by grubptt's dashboard.js (loaded before this file), the same code
  // that draws the live widget in JupyterLab: one setting, one picture.
  const DASH = G.dashboard;
  const { MODEL_COLORS, FONT } = DASH;

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
  const pending = new Map(), local = { runs: new Map(), params: new Map(), work: {} };   // the jobs' state when run here
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

  // A job's parameters (job.p, named by job.pkey) cross to the worker once: it keeps the last
  // PARAMS_KEPT by key (grubptt.runJob), and a later job with a key it has is posted without
  // them (each copy was ~100 kB per message, and the worker transposed them again per job).
  // This thread remembers fewer keys than the worker keeps, in the order the worker saw them.
  const PARAMS_KEPT = 8, workerParams = [];

  /** Run a job on the worker (typed arrays in `transfer` are moved, not copied) or here. */
  function submit(job, transfer = []) {
    return new Promise((resolve, reject) => {
      const entry = { job, resolve, reject };
      if (!worker) { runHere(entry); return; }
      const id = nextId++;
      pending.set(id, entry);
      let posted = job;
      if (job.pkey !== undefined) {
        if (workerParams.includes(job.pkey)) posted = { ...job, p: null };
        else {
          workerParams.push(job.pkey);
          if (workerParams.length > PARAMS_KEPT / 2) workerParams.shift();
        }
      }
      worker.postMessage({ id, job: posted }, transfer);
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
      let spare = null;                                 // the oldest kept run's arrays, reused (see gruStates)
      if (runs.size >= 6) {
        const oldest = runs.keys().next().value;
        spare = runs.get(oldest).cache;
        runs.delete(oldest);
      }
      const cache = model === "GRU" ? G.gruStates(p, T_MAX + 1, null, spare) : G.rnnStates(p, T_MAX + 1, null, spare);
      hit = { cache, memo: new Map() };
      runs.set(key, hit);
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
  // Cost of a forward step and of a BPTT step with both error signals (per H²), and of one step
  // Jacobian with its singular values (per H³), in one unit: times measured in V8 at T = 1000,
  // H = 64 on grubptt.js with its WebAssembly kernels (on the plain loops a Jacobian costs about a
  // third less relative to a step), scaled so that a GRU forward step is 3.
  const WORK = { GRU: { step: 3, bptt: 3.1, jacobian: 1.9 }, SimpleRNN: { step: 1.4, bptt: 1.2, jacobian: 1.5 } };
  const workerRuns = new Map();         // the worker's kept forward runs (as runJob keeps them): steps

  // The worker's time per unit of WORK over this thread's, measured on past updates (smoothed):
  // 1 when each thread has a core, more when other programs leave the worker less than one.
  let workerPace = 1.0;

  // How many of k Jacobians (each costing c, in H² units) the worker takes when this thread has
  // `here` to do and the worker `away`: both then finish at about the same time.
  function share(here, away, c, k) {
    const n = (here + k * c - workerPace * away) / ((1 + workerPace) * c);
    return Math.max(0, Math.min(k, Math.round(n)));
  }

  // After an update: this thread spent `mainMs` on `mainUnits` of work, the worker `awayMs` (inside
  // its jobs) on `awayUnits`.  Updates where either did little say little about the pace.
  function measurePace(mainMs, mainUnits, awayMs, awayUnits) {
    if (!(mainMs > 3 && awayMs > 3 && mainUnits > 0 && awayUnits > 0)) return;
    const pace = (awayMs / awayUnits) / (mainMs / mainUnits);
    workerPace = Math.max(0.5, Math.min(4, 0.7 * workerPace + 0.3 * pace));
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
      waits.push(submit({ kind: "flows", model: other, key: runKey(other, s), pkey: runKey(other, s),
                          p: jobParams(param(other)), x,
                          T: s.T, output: s.output, Y: targets() })
        .then((f) => { flows[other] = keep(otherKey, f); }));
    } else flows[other] = flowCache.get(otherKey);

    // The shown model: measurements and the singular values not kept yet.
    const p = param(shown), key = flowKey(shown, s), shownNew = !flowCache.has(key);
    const r = run(shown, s, p, x, 0, () => {}), memo = r.memo;    // (no step computed yet)
    const jac_t = G.sampleSteps(s.T, MAX_JACOBIANS), missing = jac_t.filter((t) => !memo.has(t));
    const need = Math.max(shownNew ? s.T + 1 : 0, ...missing.map((t) => t + 2));
    let there = [];
    const T1 = s.T + 1, c = WORK[shown].jacobian * s.H;
    const mine = Math.max(need - r.cache.done, 0) * WORK[shown].step + (shownNew ? T1 * WORK[shown].bptt : 0);
    const theirs = otherNew ? Math.max(T1 - otherKept, 0) * WORK[other].step + T1 * WORK[other].bptt : 0;
    if (worker && missing.length) there = missing.slice(0, share(mine, theirs, c, missing.length));
    const here = missing.slice(there.length);
    let sent = 0;
    const svParams = jobParams(p, shown === "GRU" ? ["U", "Uz", "Ur", "V"] : ["U", "V"]);   // what J^(t) reads
    const post = (steps, cache) => {                      // the worker's Jacobians of these steps
      const rows = G.jacobianRows(cache, steps);
      waits.push(submit({ kind: "sv", model: shown, pkey: `${runKey(shown, s)}|sv`, p: svParams, rows,
                          K: steps.length }, [rows.buffer])
        .then((sv) => steps.forEach((t, k) => memo.set(t, sv.subarray(k * s.H, (k + 1) * s.H)))));
    };
    const t0 = performance.now(), w0 = workerMs;
    const { cache } = run(shown, s, p, x, need, (done) => {
      let n = sent;
      while (n < there.length && there[n] + 2 <= done.done) n++;   // J^(t) needs steps 0..t+1
      if (n > sent) { post(there.slice(sent, n), done); sent = n; }
    });
    const t1 = performance.now();
    let flow = shownNew
      ? keep(key, G.flowOf(p, G.prefix(p, cache, s.T, s.output), targets(), 0, null, work))
      : flowCache.get(key);
    const t2 = performance.now();
    if (here.length) G.stepSingularValues(p, cache, here, memo);
    const t3 = performance.now();
    await Promise.all(waits);
    if (worker) measurePace(t3 - t0, mine + here.length * c, workerMs - w0, theirs + there.length * c);
    // Where this thread's time went (for bench_web.py): forward, BPTT + norms, Jacobians, waiting.
    parts = { forward: t1 - t0, bptt: t2 - t1, jacobians: t3 - t2, wait: performance.now() - t3, here: here.length,
              pace: workerPace };
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

  const range = (n, f = (i) => i) => Array.from({ length: n }, (_, i) => f(i));

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
      " Every control works without a kernel: grubptt.js (JavaScript, its inner products in " +
      "WebAssembly, served with this page) runs the forward pass, BPTT with the five terms of (9.22) " +
      "and the step Jacobians. The weights " +
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
    const summary = DASH.drawDashboard(inst.canvas, flows, s, inst.root.clientWidth);
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
      if (what === "all") { runs.clear(); workerRuns.clear(); workerParams.length = 0; submit({ kind: "forget" }); }
    },
    /** "worker" while a Web Worker shares the work, "main thread" where none could start. */
    get mode() { return worker ? "worker" : "main thread"; },
    panels: DASH.panels, logTicks: DASH.logTicks, powerLabel: DASH.powerLabel,
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
