/*
 * grubptt.js: the in-browser twin of the Python package's numbers for the Explore chapter.
 *
 * Plain JavaScript (no build step), Float64Array throughout, the same symbols as grubptt:
 *   - GRU forward pass, eq. (9.17), row-vector convention (x 1×D, h 1×H, a_z = x Wz + h Uz + bz),
 *     h = (1 − z) ⊙ h_prev + z ⊙ ĥ, h^(−1) = h0 (zeros unless given);
 *   - loss, eq. (9.18), the plain sum of ½‖y − Y‖²; grad_dense, eq. (9.21);
 *   - BPTT, eq. (9.22), with its five terms (grad_dense, update_gate, candidate, reset_gate, carry);
 *   - the SimpleRNN twin h = tanh(x W + h_prev U + b) (eq. 7.10 / 7.15);
 *   - the Explore measurements (src/grubptt/analysis.py): ‖dh^(t)‖, the terms' norms, the
 *     last-loss gain over distance, and singular values of the step Jacobians ∂h^(t+1)/∂h^(t).
 *
 * Speed: the matrix–vector products of the recurrences, the step Jacobian's matrix product and the
 * SVD's two passes per Householder step run on WebAssembly SIMD kernels (web/kernels.js, source
 * web/kernels.wat) when those loaded, else on the loops here; the results are the same bits
 * (see `products`; tests/test_web_kernels.py).
 *
 * Matrices are row-major Float64Arrays: M[i * cols + j] = M_ij.  Steps are rows: x[t * D + i].
 * Arrays over t hold T+1 rows (t = 0..T); the state array `h` holds T+2 rows, row 0 = h^(−1),
 * row t+1 = h^(t) (like grubptt's h_tm).
 *
 * Public page API (documented in README.md and on the Explore page):
 *   window.grubptt.bptt(problem) -> {loss, dh, terms: {...5 terms}, dh0}, nested arrays,
 *   the same numbers as grubptt.forward + grubptt.backward.  scripts/check_site.py proves it.
 */
(function (root) {
  "use strict";

  const TERMS = ["grad_dense", "update_gate", "candidate", "reset_gate", "carry"];
  const RNN_TERMS = ["grad_dense", "recurrent"];
  const OUTPUTS = ["identity", "sigmoid", "tanh"];
  const PARAM_NAMES = ["Wz", "Uz", "bz", "Wr", "Ur", "br", "W", "U", "b", "V", "c"];

  /** Bad input: the message names the argument and the expected shape (like grubptt's ValueError). */
  class ValueError extends Error {
    constructor(message) {
      super(message);
      this.name = "ValueError";
    }
  }

  // e^x by the operations of kernels.wat's $exp, in the same order, so the WebAssembly kernels and
  // these loops give the same bits (see there: clamp, k = ⌊x log₂e + ½⌋, r = x − k ln2, the Taylor
  // polynomial of e^r to r¹³/13! by Estrin's scheme, times 2^⌊k/2⌋ 2^(k−⌊k/2⌋)).  Within 1 ulp of
  // Math.exp over the gates' range; the kernels compute two at a time.
  const LOG2E = 1.4426950408889634, LN2_HI = 0.6931471803691238, LN2_LO = 1.9082149292705877e-10;
  const E = [1, 1, 0.5, 0.16666666666666666, 0.041666666666666664, 0.008333333333333333, 0.001388888888888889,
             1.984126984126984e-4, 2.48015873015873e-5, 2.7557319223985893e-6, 2.755731922398589e-7,
             2.505210838544172e-8, 2.08767569878681e-9, 1.6059043836821613e-10];   // 1/i!, as in kernels.wat
  const POW2 = new Float64Array(2047);                  // POW2[k + 1023] = 2^k, k = −1022..1023, exact
  POW2[1023] = 1.0;
  for (let k = 1; k <= 1023; k++) { POW2[1023 + k] = 2.0 * POW2[1022 + k]; POW2[1023 - k] = 0.5 * POW2[1024 - k]; }
  function exp(x) {
    x = Math.min(Math.max(x, -745.2), 709.7);
    const k = Math.floor(x * LOG2E + 0.5), r = (x - k * LN2_HI) - k * LN2_LO;
    const r2 = r * r, r4 = r2 * r2;
    let q = ((E[0] + E[1] * r) + (E[2] + E[3] * r) * r2) + ((E[4] + E[5] * r) + (E[6] + E[7] * r) * r2) * r4;
    q = q + (r4 * r4) * (((E[8] + E[9] * r) + (E[10] + E[11] * r) * r2) + (E[12] + E[13] * r) * r4);
    const k1 = Math.floor(k * 0.5);
    return (q * POW2[(k1 | 0) + 1023]) * POW2[((k - k1) | 0) + 1023];
  }
  const sigmoid = (a) => 1.0 / (1.0 + exp(-a));         // σ, as grubptt.activations.sigmoid
  // tanh(a) = 1 − 2/(e^(2a) + 1), as grubptt.activations.tanh_via_exp (to 4e-16 absolute: ĥ and y
  // enter everything after them only through sums, differences and 1 − tanh²).
  const tanh = (a) => 1.0 - 2.0 / (exp(a + a) + 1.0);
  function sigmoidInto(out, a, n) { for (let i = 0; i < n; i++) out[i] = sigmoid(a[i]); }
  function tanhInto(out, a, n) { for (let i = 0; i < n; i++) out[i] = tanh(a[i]); }

  // g'(ŷ) written through y = g(ŷ), as in grubptt.activations.OUTPUTS.
  function outputFn(output) {
    if (output === "identity") return [(a) => a, () => 1.0];
    if (output === "sigmoid") return [sigmoid, (y) => y * (1.0 - y)];
    if (output === "tanh") return [tanh, (y) => 1.0 - y * y];
    throw new ValueError(`output must be one of ${JSON.stringify(OUTPUTS)}, got ${JSON.stringify(output)}`);
  }

  // Σ_i a[ao + i] · b[bo + i]: every product below is one of these, over contiguous rows
  // (four partial sums: JavaScript engines then keep the loop in registers).
  function dot(a, ao, b, bo, n) {
    let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += a[ao + i] * b[bo + i];
      s1 += a[ao + i + 1] * b[bo + i + 1];
      s2 += a[ao + i + 2] * b[bo + i + 2];
      s3 += a[ao + i + 3] * b[bo + i + 3];
    }
    for (; i < n; i++) s0 += a[ao + i] * b[bo + i];
    return (s0 + s1) + (s2 + s3);
  }

  // M (rows × cols) → Mᵀ (cols × rows), row-major.
  function transpose(M, rows, cols) {
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = M[i * cols + j];
    return out;
  }

  // out[o + j] = M row j · v for j < rows, with M (rows × cols) row-major from offset mo:
  // a matrix times a column vector, four rows at a time (v is read once per four rows, which
  // made this kernel twice as fast as one dot product per row in V8).
  function matVec(out, o, M, mo, rows, cols, v, vo) {
    let j = 0;
    for (; j + 3 < rows; j += 4) {
      const m0 = mo + j * cols, m1 = m0 + cols, m2 = m1 + cols, m3 = m2 + cols;
      let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
      for (let i = 0; i < cols; i++) {
        const a = v[vo + i];
        s0 += M[m0 + i] * a;
        s1 += M[m1 + i] * a;
        s2 += M[m2 + i] * a;
        s3 += M[m3 + i] * a;
      }
      out[o + j] = s0; out[o + j + 1] = s1; out[o + j + 2] = s2; out[o + j + 3] = s3;
    }
    for (; j < rows; j++) {                            // the last rows mod 4: the same sum, in the same order
      let s = 0.0;
      for (let i = 0; i < cols; i++) s += M[mo + j * cols + i] * v[vo + i];
      out[o + j] = s;
    }
  }

  // out (rows) = v (cols) · Mᵀ, i.e. out_k = Σ_j v_j M_kj = M row k · v: backward through "· M".
  function vecMatT(out, o, v, vo, M, rows, cols) {
    matVec(out, o, M, 0, rows, cols, v, vo);
  }

  // The transposed weights the forward pass reads row by row, computed once per params object.
  function transposed(p) {
    if (!p._T) {
      p._T = {};
      for (const k of ["Wz", "Wr", "W"]) if (p[k]) p._T[k] = transpose(p[k], p.D, p.H);
      for (const k of ["Uz", "Ur", "U"]) if (p[k]) p._T[k] = transpose(p[k], p.H, p.H);
      if (p.Uz) {                                        // [Uz | Ur]ᵀ: Uzᵀ rows, then Urᵀ rows
        p._T.UzUr = new Float64Array(2 * p.H * p.H);
        p._T.UzUr.set(p._T.Uz, 0);
        p._T.UzUr.set(p._T.Ur, p.H * p.H);
        p._T.UzUrRows = transpose(p._T.UzUr, 2 * p.H, p.H);   // [Uz | Ur] itself (H × 2H), for the kernels
      }
      p._T.V = transpose(p.V, p.H, p.O);
      if (p.Wz) {                                        // [Wz | Wr | W] (D × 3H) and its transpose
        p._T.W3T = new Float64Array(3 * p.H * p.D);
        p._T.W3T.set(p._T.Wz, 0);
        p._T.W3T.set(p._T.Wr, p.H * p.D);
        p._T.W3T.set(p._T.W, 2 * p.H * p.D);
        p._T.W3 = transpose(p._T.W3T, 3 * p.H, p.D);
      }
    }
    return p._T;
  }

  // The WebAssembly SIMD kernels (web/kernels.js, from web/kernels.wat) once they loaded, else null.
  function kernels() {
    const K = root.grubpttKernels;
    return K && K.ready && !K.disabled ? K : null;
  }

  /**
   * The per-step vectors of one recurrence loop and the products out = v M it takes, where M is
   * one of `mats`: name → [M (rows × n, row-major), Mᵀ, rows, n].  Returns {v: {name: vector},
   * mul(out, v, name), mul2(out1, out2, v1, v2, name)} (mul2: two vectors through one M).
   * With the WebAssembly kernels the vectors are views of their memory and M is copied there
   * once per loop; else the products are matVec / matVec2 on Mᵀ.  Both give the same bits: every
   * out_j = Σ_k v_k M_kj adds the same products in the same order (k = 0, 1, ...).
   * One loop at a time: the next `products` reuses the kernels' memory.
   */
  function products(mats, vectors) {
    const names = Object.keys(vectors), K = kernels();
    if (!K) {
      const v = {};
      for (const k of names) v[k] = new Float64Array(vectors[k]);
      return {
        v,
        mul: (out, a, m) => { const [, MT, rows, n] = mats[m]; matVec(out, 0, MT, 0, n, rows, a, 0); },
        mul2: (out1, out2, a, b, m) => { const [, MT, rows, n] = mats[m]; matVec2(out1, out2, MT, n, rows, a, b); },
        sigmoid: sigmoidInto, tanh: tanhInto,
      };
    }
    const matNames = Object.keys(mats);
    const at = K.arena([...matNames.map((m) => mats[m][0].length), ...names.map((k) => vectors[k])]);
    const f = K.f64, off = {}, v = {};
    matNames.forEach((m, i) => { off[m] = at[i]; f.set(mats[m][0], at[i]); });
    names.forEach((k, i) => { const o = at[matNames.length + i]; v[k] = f.subarray(o, o + vectors[k]); });
    const e = (a) => a.byteOffset / 8;                   // a vector's offset in the kernels' memory
    return {
      v,
      mul: (out, a, m) => K.vecmat(e(out), e(a), off[m], mats[m][2], mats[m][3]),
      mul2: (out1, out2, a, b, m) => K.vecmat2(e(out1), e(out2), e(a), e(b), off[m], mats[m][2], mats[m][3]),
      sigmoid: (out, a, n) => K.sigmoid(e(out), e(a), n),
      tanh: (out, a, n) => K.tanh(e(out), e(a), n),
    };
  }

  // Arrays the Explore measurements only read on the way (grad_dense, dh, the terms: ~4 MB at
  // T = 1000, H = 64) come from `work`, a plain object the caller keeps between calls, instead of
  // fresh allocations: the first touch of a fresh typed array's pages cost Chromium ~0.4 ms per
  // 512 kB, ~5 ms per update.  Zero-filled like a new array; without `work`, a new array.
  function scratch(work, name, n) {
    if (!work) return new Float64Array(n);
    if (!work[name] || work[name].length < n) work[name] = new Float64Array(n);
    return work[name].subarray(0, n).fill(0.0);
  }

  // ------------------------------------------------------------------------------------------
  // Forward passes

  /**
   * GRU forward, eq. (9.17), over t = 0..T.
   * p: {D, H, O, Wz, Uz, bz, Wr, Ur, br, W, U, b, V, c} (Float64Arrays, row-major);
   * x: (T+1)·D; h0: H or null; output: "identity" | "sigmoid" | "tanh".
   * Returns the cache {T, z, r, hh, h (T+2 rows, row 0 = h^(−1)), y, output}.
   */
  function gruForward(p, x, h0, output) {
    const T1 = x.length / p.D;
    const cache = gruStates(p, T1, h0);
    gruSteps(p, x, cache, 0, T1);
    return withOutput(p, cache, T1, output);
  }

  /**
   * Storage for a GRU run of T1 steps, none computed yet (cache.done = 0).  `reuse` (optional): a
   * run of the same model and size its owner no longer needs, whose arrays are taken over (fresh
   * multi-MB arrays cost the browser page faults and garbage collections on every new setting;
   * rows are written by the steps before anything reads them, only h^(−1) is set here).
   */
  function gruStates(p, T1, h0, reuse) {
    const H = p.H, n = T1 * H;
    const cache = { model: "GRU", T: T1 - 1, H, done: 0 };
    const fits = reuse && reuse.model === "GRU" && reuse.H === H && reuse.z.length === n;
    for (const k of ["z", "r", "hh"]) cache[k] = fits ? reuse[k] : new Float64Array(n);
    cache.h = fits ? reuse.h : new Float64Array(n + H);
    startState(cache, h0);
    return cache;
  }

  // Row 0 of h: h^(−1) = h0, or zeros.
  function startState(cache, h0) {
    if (h0) cache.h.set(h0, 0);
    else cache.h.fill(0.0, 0, cache.H);
  }


  // Steps t = from..to−1 of (9.17) into the cache (every step before `from` already computed).
  function gruSteps(p, x, cache, from, to) {
    const { D, H } = p;
    const PT = transposed(p);
    const { z, r, hh, h } = cache;
    const P = products({ UzUr: [PT.UzUrRows, PT.UzUr, H, 2 * H], U: [p.U, PT.U, H, H],
                         W3: [PT.W3, PT.W3T, D, 3 * H] },
                       { xv: D, xa: 3 * H, hp: H, zr: 2 * H, gates: 2 * H, rh: H, uh: H, cand: H });
    // x^(t); x^(t) [Wz | Wr | W]; h^(t−1); h^(t−1) [Uz | Ur], then [a_z | a_r]; [z | r]; r ⊙ h^(t−1);
    // (r ⊙ h^(t−1)) U, then a_h; ĥ
    const { xv, xa, hp: hv, zr, gates, rh, uh, cand } = P.v;
    const { bz, br, b } = p;
    for (let t = from; t < to; t++) {
      const o = t * H, hp = t * H, hn = (t + 1) * H;          // h row t = h^(t−1), row t+1 = h^(t)
      for (let i = 0; i < D; i++) xv[i] = x[t * D + i];
      P.mul(xa, xv, "W3");                               // x^(t) [Wz | Wr | W]: the input projections
      for (let j = 0; j < H; j++) hv[j] = h[hp + j];
      P.mul(zr, hv, "UzUr");                             // h^(t−1) [Uz | Ur]
      for (let j = 0; j < H; j++) {                      // [a_z | a_r] = x [Wz | Wr] + [bz | br] + h^(t−1) [Uz | Ur]
        zr[j] = xa[j] + bz[j] + zr[j];
        zr[H + j] = xa[H + j] + br[j] + zr[H + j];
      }
      P.sigmoid(gates, zr, 2 * H);                       // [z | r] = σ([a_z | a_r])
      for (let j = 0; j < H; j++) {
        z[o + j] = gates[j];
        r[o + j] = gates[H + j];
        rh[j] = gates[H + j] * h[hp + j];
      }
      P.mul(uh, rh, "U");                                // (r ⊙ h^(t−1)) U
      for (let j = 0; j < H; j++) uh[j] = xa[2 * H + j] + b[j] + uh[j];   // a_h = x W + b + (r ⊙ h^(t−1)) U
      P.tanh(cand, uh, H);                               // ĥ = tanh(a_h)
      for (let j = 0; j < H; j++) {
        const hhj = cand[j];
        hh[o + j] = hhj;
        h[hn + j] = h[hp + j] + z[o + j] * (hhj - h[hp + j]);   // (1 − z) ⊙ h^(t−1) + z ⊙ ĥ
      }
    }
    cache.done = to;
  }

  // The dense layer's y for steps 0..T1−1 of a cache, with output g.
  function withOutput(p, cache, T1, output) {
    const [g] = outputFn(output);
    cache.output = output;
    cache.y = new Float64Array(T1 * p.O);
    dense(p, cache.h, T1, g, cache.y);
    return cache;
  }

  /** SimpleRNN forward, h^(t) = tanh(x W + h^(t−1) U + b); p: {D, H, O, W, U, b, V, c}. */
  function rnnForward(p, x, h0, output) {
    const T1 = x.length / p.D;
    const cache = rnnStates(p, T1, h0);
    rnnSteps(p, x, cache, 0, T1);
    return withOutput(p, cache, T1, output);
  }

  function rnnStates(p, T1, h0, reuse) {                  // as gruStates
    const n = (T1 + 1) * p.H, fits = reuse && reuse.model === "SimpleRNN" && reuse.H === p.H && reuse.h.length === n;
    const cache = { model: "SimpleRNN", T: T1 - 1, H: p.H, done: 0, h: fits ? reuse.h : new Float64Array(n) };
    startState(cache, h0);
    return cache;
  }


  function rnnSteps(p, x, cache, from, to) {
    const { D, H } = p;
    const PT = transposed(p), h = cache.h;
    const P = products({ U: [p.U, PT.U, H, H], W: [p.W, PT.W, D, H] }, { xv: D, xw: H, hp: H, hu: H, hv: H });
    const { xv, xw, hp, hu, hv } = P.v;                  // x^(t); x^(t) W; h^(t−1); h^(t−1) U, then a; h^(t)
    for (let t = from; t < to; t++) {
      const hn = (t + 1) * H;
      for (let i = 0; i < D; i++) xv[i] = x[t * D + i];
      P.mul(xw, xv, "W");                                // x^(t) W
      for (let j = 0; j < H; j++) hp[j] = h[t * H + j];
      P.mul(hu, hp, "U");                                // h^(t−1) U
      for (let j = 0; j < H; j++) hu[j] = xw[j] + p.b[j] + hu[j];   // a = x W + b + h^(t−1) U
      P.tanh(hv, hu, H);                                 // h^(t) = tanh(a)
      h.set(hv, hn);
    }
    cache.done = to;
  }

  // ŷ = h^(t) V + c, y = g(ŷ) for every t (h: T+2 rows, row t+1 = h^(t)).
  function dense(p, h, T1, g, y) {
    const { H, O } = p;
    const VT = transposed(p).V;
    for (let t = 0; t < T1; t++) {
      for (let k = 0; k < O; k++) y[t * O + k] = g(dot(h, (t + 1) * H, VT, k * H, H) + p.c[k]);
    }
  }

  /** Loss (9.18) and grad_dense^(t) = ((y − Y) ⊙ g'(ŷ)) Vᵀ (9.21) for all t: {loss, gd ((T+1)·H)}. */
  function lossAndGradDense(p, cache, Y, work) {
    const { H, O } = p;
    const T1 = cache.T + 1;
    const [, dg] = outputFn(cache.output);
    const gd = scratch(work, "gd", T1 * H);
    const dyhat = new Float64Array(O);
    let loss = 0.0;
    for (let t = 0; t < T1; t++) {
      for (let k = 0; k < O; k++) {
        const yk = cache.y[t * O + k], e = yk - Y[t * O + k];
        loss += 0.5 * e * e;
        dyhat[k] = e * dg(yk);
      }
      vecMatT(gd, t * H, dyhat, 0, p.V, H, O);
    }
    return { loss, gd };
  }

  // ------------------------------------------------------------------------------------------
  // BPTT

  /**
   * The recursion (9.22) for a given grad_dense ((T+1)·H), literally, one step per line group.
   * With δ = dh^(t+1) and the gates of step t+1:
   *   carry       = δ ⊙ (1 − z)
   *   candidate   = ((δ ⊙ z ⊙ tanh'(a_h)) Uᵀ) ⊙ r
   *   reset_gate  = ((((δ ⊙ z ⊙ tanh'(a_h)) Uᵀ) ⊙ h^(t) ⊙ σ'(a_r)) Urᵀ
   *   update_gate = (δ ⊙ (ĥ − h^(t)) ⊙ σ'(a_z)) Uzᵀ
   *   dh^(t) = grad_dense^(t) + the four; dh^(T) = grad_dense^(T) (the four are 0 at t = T).
   * `split`: also return the four recurrent terms ((T+1)·H each).  Returns {dh, terms, dh0}.
   * `gd2` (optional): a second error signal sent back in the same loop (dh2 returned), which
   * the Explore measurements use for the last-loss gain.
   */
  function gruBptt(p, cache, gd, split, gd2, work) {
    const H = p.H, T1 = cache.T + 1;
    const { z, r, hh, h } = cache;
    const PT = transposed(p);
    const two = gd2 !== undefined;
    const dh = scratch(work, "dh", T1 * H), dh0 = new Float64Array(H);
    const dh2 = two ? scratch(work, "dh2", T1 * H) : null, dh20 = two ? new Float64Array(H) : null;
    // The four recurrent terms as plain locals (a property lookup per entry cost more than the sums).
    const tUpd = split ? scratch(work, "update_gate", T1 * H) : null, tCand = split ? scratch(work, "candidate", T1 * H) : null;
    const tRes = split ? scratch(work, "reset_gate", T1 * H) : null, tCarry = split ? scratch(work, "carry", T1 * H) : null;
    // Per-step vectors of signal 1 and signal 2, allocated once; the products v Mᵀ (M = U, Uz, Ur).
    const names = ["d_az", "d_ar", "d_ah", "g", "upd", "res", "d_az2", "d_ar2", "d_ah2", "g2", "upd2", "res2"];
    const P = products({ U: [PT.U, p.U, H, H], Uz: [PT.Uz, p.Uz, H, H], Ur: [PT.Ur, p.Ur, H, H] },
                       Object.fromEntries(names.map((k) => [k, H])));
    const { d_az, d_ar, d_ah, g, upd, res, d_az2, d_ar2, d_ah2, g2, upd2, res2 } = P.v;
    const last = (T1 - 1) * H;
    for (let j = 0; j < H; j++) dh[last + j] = gd[last + j];          // dh^(T) = grad_dense^(T)
    if (two) for (let j = 0; j < H; j++) dh2[last + j] = gd2[last + j];
    // δ = dh^(s), s = t + 1 the step whose gates are used; writes dh^(t) (row s − 1, or dh0 at s = 0).
    // Both signals go through the same gates, so each matrix is read once per step for the two.
    for (let s = T1 - 1; s >= 0; s--) {
      const o = s * H;                                  // gates of step s; h row s holds h^(s−1) = h^(t)
      for (let j = 0; j < H; j++) {
        const zj = z[o + j], hhj = hh[o + j], hj = h[o + j];
        const ah = zj * (1.0 - hhj * hhj), az = (hhj - hj) * zj * (1.0 - zj);
        d_ah[j] = dh[o + j] * ah;                                       // δ ⊙ z ⊙ tanh'(a_h)
        d_az[j] = dh[o + j] * az;                                       // δ ⊙ (ĥ − h) ⊙ σ'(a_z)
        if (two) { d_ah2[j] = dh2[o + j] * ah; d_az2[j] = dh2[o + j] * az; }
      }
      if (two) P.mul2(g, g2, d_ah, d_ah2, "U"); else P.mul(g, d_ah, "U");    // (δ ⊙ z ⊙ tanh'(a_h)) Uᵀ
      for (let j = 0; j < H; j++) {
        const rj = r[o + j], br = h[o + j] * rj * (1.0 - rj);           // h ⊙ σ'(a_r)
        d_ar[j] = g[j] * br;
        if (two) d_ar2[j] = g2[j] * br;
      }
      if (two) {
        P.mul2(upd, upd2, d_az, d_az2, "Uz");                           // update_gate
        P.mul2(res, res2, d_ar, d_ar2, "Ur");                           // reset_gate
      } else {
        P.mul(upd, d_az, "Uz");
        P.mul(res, d_ar, "Ur");
      }
      const d = s > 0 ? (s - 1) * H : 0, out = s > 0 ? dh : dh0, out2 = s > 0 ? dh2 : dh20;
      for (let j = 0; j < H; j++) {
        const cz = 1.0 - z[o + j], rj = r[o + j];
        const carry = dh[o + j] * cz;                                   // carry
        const cand = g[j] * rj;                                         // candidate
        out[d + j] = (s > 0 ? gd[d + j] : 0.0) + upd[j] + cand + res[j] + carry;
        if (two) out2[d + j] = (s > 0 ? gd2[d + j] : 0.0) + upd2[j] + g2[j] * rj + res2[j] + dh2[o + j] * cz;
        if (split && s > 0) { tUpd[d + j] = upd[j]; tCand[d + j] = cand; tRes[d + j] = res[j]; tCarry[d + j] = carry; }
      }
    }
    const terms = split ? { update_gate: tUpd, candidate: tCand, reset_gate: tRes, carry: tCarry } : null;
    return { dh, terms, dh0, dh2, dh20 };
  }

  // out1 = M v1 and out2 = M v2 for M (rows × cols) row-major: one pass over M for both vectors,
  // four rows at a time (each load of M feeds two products, each load of v1, v2 four; eight sums
  // in registers made this three times faster in V8 than two rows at a time).
  function matVec2(out1, out2, M, rows, cols, v1, v2) {
    let j = 0;
    for (; j + 3 < rows; j += 4) {
      const m0 = j * cols, m1 = m0 + cols, m2 = m1 + cols, m3 = m2 + cols;
      let a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, b0 = 0.0, b1 = 0.0, b2 = 0.0, b3 = 0.0;
      for (let i = 0; i < cols; i++) {
        const x = v1[i], y = v2[i], u0 = M[m0 + i], u1 = M[m1 + i], u2 = M[m2 + i], u3 = M[m3 + i];
        a0 += u0 * x; a1 += u1 * x; a2 += u2 * x; a3 += u3 * x;
        b0 += u0 * y; b1 += u1 * y; b2 += u2 * y; b3 += u3 * y;
      }
      out1[j] = a0; out1[j + 1] = a1; out1[j + 2] = a2; out1[j + 3] = a3;
      out2[j] = b0; out2[j + 1] = b1; out2[j + 2] = b2; out2[j + 3] = b3;
    }
    for (; j < rows; j++) {                            // the last rows mod 4, as matVec's
      let a = 0.0, b = 0.0;
      for (let i = 0; i < cols; i++) { a += M[j * cols + i] * v1[i]; b += M[j * cols + i] * v2[i]; }
      out1[j] = a; out2[j] = b;
    }
  }

  /** SimpleRNN BPTT: dh^(t) = grad_dense^(t) + (dh^(t+1) ⊙ tanh'(a^(t+1))) Uᵀ; terms: "recurrent". */
  function rnnBptt(p, cache, gd, split, gd2, work) {
    const H = p.H, T1 = cache.T + 1, h = cache.h;
    const dh = scratch(work, "dh", T1 * H), dh0 = new Float64Array(H);
    const rec = split ? scratch(work, "recurrent", T1 * H) : null;
    const two = gd2 !== undefined;
    const dh2 = two ? scratch(work, "dh2", T1 * H) : null, dh20 = two ? new Float64Array(H) : null;
    const P = products({ U: [transposed(p).U, p.U, H, H] }, { da: H, back: H, da2: H, back2: H });
    const { da, back, da2, back2 } = P.v;
    const last = (T1 - 1) * H;
    for (let j = 0; j < H; j++) dh[last + j] = gd[last + j];
    if (two) for (let j = 0; j < H; j++) dh2[last + j] = gd2[last + j];
    for (let s = T1 - 1; s >= 0; s--) {
      for (let j = 0; j < H; j++) {
        const hj = h[(s + 1) * H + j], dt = 1.0 - hj * hj;             // h^(s) = tanh(a^(s)), tanh'
        da[j] = dh[s * H + j] * dt;                                     // dh^(s) ⊙ tanh'(a^(s))
        if (two) da2[j] = dh2[s * H + j] * dt;
      }
      if (two) P.mul2(back, back2, da, da2, "U"); else P.mul(back, da, "U");   // (...) Uᵀ
      if (s === 0) { dh0.set(back); if (two) dh20.set(back2); break; }
      const d = (s - 1) * H;
      for (let j = 0; j < H; j++) {
        dh[d + j] = gd[d + j] + back[j];
        if (rec) rec[d + j] = back[j];
        if (two) dh2[d + j] = gd2[d + j] + back2[j];
      }
    }
    return { dh, terms: split ? { recurrent: rec } : null, dh0, dh2, dh20 };
  }

  // ------------------------------------------------------------------------------------------
  // Step Jacobians and their singular values

  /**
   * J^(t) = ∂h^(t+1)/∂h^(t), J[j][i] = ∂h_j^(t+1)/∂h_i^(t), for the GRU (as analysis._gru_step_jacobians):
   *   J = diag(1 − z) + diag(c) Uzᵀ + diag(a) Uᵀ diag(r) + diag(a) Uᵀ diag(b) Urᵀ
   * with a = z ⊙ tanh'(a_h), b = h ⊙ σ'(a_r), c = (ĥ − h) ⊙ σ'(a_z), gates of step t+1.
   * Written into J (H·H, row-major).
   */
  function gruStepJacobian(p, cache, t, J, w) {
    const H = p.H, s = t + 1, o = s * H, hs = s * H;
    const { z, r, hh, h } = cache;
    const UT = transposed(p).U, UzT = transposed(p).Uz;
    // Uᵀ diag(b) Urᵀ: entry (j, i) = Σ_k Uᵀ[j][k] b_k Ur[i][k]; w = Uᵀ diag(b), then dot with Ur's row i.
    for (let k = 0; k < H; k++) {
      const rk = r[o + k], bk = h[hs + k] * rk * (1.0 - rk);           // b = h ⊙ σ'(a_r)
      for (let j = 0; j < H; j++) w[j * H + k] = UT[j * H + k] * bk;
    }
    productABt(J, w, p.Ur, transposed(p).Ur, H);                         // (Uᵀ diag(b)) Urᵀ
    for (let j = 0; j < H; j++) {
      const zj = z[o + j], hhj = hh[o + j], hj = h[hs + j];
      const a = zj * (1.0 - hhj * hhj);                                  // a = z ⊙ tanh'(a_h)
      const c = (hhj - hj) * zj * (1.0 - zj);                            // c = (ĥ − h) ⊙ σ'(a_z)
      const Jj = j * H;
      for (let i = 0; i < H; i++) {
        const gates = J[Jj + i] + UT[Jj + i] * r[o + i];                 // Uᵀ (diag(b) Urᵀ + diag(r))
        J[Jj + i] = a * gates + c * UzT[Jj + i];                         // diag(a) (...) + diag(c) Uzᵀ
      }
      J[Jj + j] += 1.0 - zj;                                             // + diag(1 − z)
    }
  }

  // C = A Bᵀ (BT = Bᵀ given): on the WebAssembly kernels, row j of C = (row j of A) Bᵀ, each entry
  // the same sum over k in order as gemmABt's; else gemmABt.
  function productABt(C, A, B, BT, n) {
    const K = kernels();
    if (!K) { gemmABt(C, A, B, n); return; }
    const [a, bt, c] = K.arena([n * n, n * n, n * n]), mem = K.f64;
    mem.set(A.subarray(0, n * n), a);
    mem.set(BT, bt);
    for (let j = 0; j < n; j++) K.vecmat(c + j * n, a + j * n, bt, n, n);
    C.set(mem.subarray(c, c + n * n));
  }

  // C = A Bᵀ for n×n row-major A, B: C[j][i] = A row j · B row i, in 4×2 tiles (each load of A
  // used twice, of B four times: a third faster than 2×2 tiles in V8, the same sums).
  function gemmABt(C, A, B, n) {
    const n4 = n - (n % 4), n2 = n - (n % 2);
    for (let j = 0; j < n4; j += 4) {
      const a0 = j * n, a1 = a0 + n, a2 = a1 + n, a3 = a2 + n;
      for (let i = 0; i < n2; i += 2) {
        const b0 = i * n, b1 = b0 + n;
        let s00 = 0.0, s01 = 0.0, s10 = 0.0, s11 = 0.0, s20 = 0.0, s21 = 0.0, s30 = 0.0, s31 = 0.0;
        for (let k = 0; k < n; k++) {
          const y0 = B[b0 + k], y1 = B[b1 + k], x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
          s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
          s20 += x2 * y0; s21 += x2 * y1; s30 += x3 * y0; s31 += x3 * y1;
        }
        C[a0 + i] = s00; C[a0 + i + 1] = s01; C[a1 + i] = s10; C[a1 + i + 1] = s11;
        C[a2 + i] = s20; C[a2 + i + 1] = s21; C[a3 + i] = s30; C[a3 + i + 1] = s31;
      }
    }
    for (let j = 0; j < n; j++) {                      // the last rows and the odd last column, if any
      for (let i = j < n4 ? n2 : 0; i < n; i++) {
        let s = 0.0;                                   // in order, as the tiles' sums
        for (let k = 0; k < n; k++) s += A[j * n + k] * B[i * n + k];
        C[j * n + i] = s;
      }
    }
  }

  /** SimpleRNN: J^(t) = diag(tanh'(a^(t+1))) Uᵀ. */
  function rnnStepJacobian(p, cache, t, J) {
    const H = p.H, h = cache.h;
    for (let j = 0; j < H; j++) {
      const hj = h[(t + 2) * H + j], d = 1.0 - hj * hj;              // h^(t+1)
      for (let i = 0; i < H; i++) J[j * H + i] = d * p.U[i * H + j];
    }
  }

  /**
   * Singular values (descending) of the n×n row-major matrix A (overwritten): Householder
   * bidiagonalization, then Golub–Kahan implicit-shift QR sweeps on the bidiagonal (no vectors).
   * Backward stable like LAPACK's gesdd: errors ≈ 1e-16 · σ_max.
   *
   * Step k reflects from the left, I − f v vᵀ (column k below the diagonal → 0, d[k]), then from
   * the right, I − g u uᵀ (row k right of the superdiagonal → 0, e[k]).  Both are applied to the
   * remaining rows in one rank-2 update, row by row, A_i −= f v_i w + g s_i u (w = vᵀA, s_i the
   * left-reflected row i · u): two passes over the matrix per step instead of four.
   */
  function singularValues(A, n) {
    const b = bidiagonalize(A, n);
    qrIterate(qrState(b.d, b.e, n));
    return descending(b.d);
  }

  /**
   * Singular values of two n×n matrices at once (both overwritten): as singularValues each, the
   * same bits, but the two bidiagonals' QR sweeps run interleaved.  A sweep is a chain of square
   * roots and divisions where each rotation waits for the last; two independent chains let the
   * CPU overlap them (about 1.7× faster in V8 than one after the other).
   */
  function singularValuesPair(A1, A2, n) {
    const b1 = bidiagonalize(A1, n), b2 = bidiagonalize(A2, n);
    const s1 = qrState(b1.d, b1.e, n), s2 = qrState(b2.d, b2.e, n);
    let more1 = qrNext(s1), more2 = qrNext(s2);
    while (more1 && more2) {
      qrSweepPair(s1, s2);
      more1 = qrNext(s1);
      more2 = qrNext(s2);
    }
    while (more1) { qrSweep(s1); more1 = qrNext(s1); }
    while (more2) { qrSweep(s2); more2 = qrNext(s2); }
    return [descending(b1.d), descending(b2.d)];
  }

  // |d| sorted descending, in d.
  function descending(d) {
    for (let i = 0; i < d.length; i++) d[i] = Math.abs(d[i]);
    return d.sort().reverse();
  }

  // The Householder steps of singularValues: A → upper bidiagonal {d (diagonal), e (superdiagonal)}.
  function bidiagonalize(A, n) {
    const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0));
    // The two passes over A per step: w = vᵀ A and the rank-2 update, on the WebAssembly kernels
    // (A and the vectors copied into their memory) or on the loops below; the same bits.
    let v, w, u, combine, update;
    const K = kernels();
    if (K) {
      const [a, vo, wo, uo] = K.arena([n * n, n, n, n]), mem = K.f64;
      mem.set(A.subarray(0, n * n), a);
      A = mem.subarray(a, a + n * n);
      v = mem.subarray(vo, vo + n); w = mem.subarray(wo, wo + n); u = mem.subarray(uo, uo + n);
      combine = (c0) => K.colcomb(wo, a, n, vo, c0 - 1, n, c0);
      update = (c0, f, g, wu) => K.rank2(a, n, c0, f, vo, wo, g, uo, wu);
    } else {
      v = new Float64Array(n); w = new Float64Array(n); u = new Float64Array(n);
      combine = (c0) => columnCombination(w, A, n, v, c0 - 1, n, c0);
      update = (c0, f, g, wu) => rank2Update(A, n, c0, f, v, w, g, u, wu);
    }
    for (let k = 0; k < n; k++) {
      for (let i = k; i < n; i++) v[i] = A[i * n + k];
      d[k] = reflector(v, k, n);
      const f = REFL.f;
      if (k === n - 1) break;
      const c0 = k + 1, m = n - c0;
      if (f !== 0.0) combine(c0);                         // w = vᵀ A (rows k.., columns c0..)
      else w.fill(0.0, c0, n);
      for (let j = c0; j < n; j++) u[j] = A[k * n + j] - f * v[k] * w[j];   // row k, left-reflected
      e[k] = reflector(u, c0, n);
      const g = REFL.f;
      if (f === 0.0 && g === 0.0) continue;
      update(c0, f, g, dot(w, c0, u, c0, m));
    }
    return { d, e };
  }

  /**
   * Householder reflector for x = v[lo..hi), made in place: (I − f v vᵀ) x = alpha e_lo.  Returns
   * alpha = ∓‖x‖ (the sign against x_lo: no cancellation in v_lo), f in REFL.f (0 when x = 0).
   * A vector of tiny or huge norm is scaled to norm 1 first: the reflector does not depend on v's
   * scale, and v·v would underflow (a row of 1e-200s gave f = ∞) or overflow.
   */
  const REFL = { f: 0.0 };
  function reflector(v, lo, hi) {
    const norm = norm2(v, lo, hi);
    REFL.f = 0.0;
    if (norm === 0.0) return 0.0;
    const alpha = v[lo] > 0 ? -norm : norm;
    if (norm > 1e-140 && norm < 1e140) v[lo] -= alpha;
    else {
      const scale = 1.0 / norm;
      for (let i = lo; i < hi; i++) v[i] *= scale;
      v[lo] -= alpha * scale;
    }
    REFL.f = 2.0 / dot(v, lo, v, lo, hi - lo);
    return alpha;
  }

  // Rows c0..n−1, columns c0..n−1: A_i −= f v_i w + g s_i u with s_i = A_i · u − f v_i (w · u),
  // four rows at a time (each load of w_j, u_j serves four rows).
  function rank2Update(A, n, c0, f, v, w, g, u, wu) {
    let i = c0;
    for (; i + 3 < n; i += 4) {
      const a0 = i * n, a1 = a0 + n, a2 = a1 + n, a3 = a2 + n;
      const f0 = f * v[i], f1 = f * v[i + 1], f2 = f * v[i + 2], f3 = f * v[i + 3];
      let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
      if (g !== 0.0) {
        for (let j = c0; j < n; j++) {
          const uj = u[j];
          s0 += A[a0 + j] * uj; s1 += A[a1 + j] * uj; s2 += A[a2 + j] * uj; s3 += A[a3 + j] * uj;
        }
        s0 = g * (s0 - f0 * wu); s1 = g * (s1 - f1 * wu); s2 = g * (s2 - f2 * wu); s3 = g * (s3 - f3 * wu);
      }
      for (let j = c0; j < n; j++) {
        const wj = w[j], uj = u[j];
        A[a0 + j] -= f0 * wj + s0 * uj; A[a1 + j] -= f1 * wj + s1 * uj;
        A[a2 + j] -= f2 * wj + s2 * uj; A[a3 + j] -= f3 * wj + s3 * uj;
      }
    }
    for (; i < n; i++) {
      const a = i * n, fv = f * v[i];
      let s = 0.0;                                     // A_i · u in order, as the four-row sums
      if (g !== 0.0) {
        for (let j = c0; j < n; j++) s += A[a + j] * u[j];
        s = g * (s - fv * wu);
      }
      for (let j = c0; j < n; j++) A[a + j] -= fv * w[j] + s * u[j];
    }
  }

  // w[c0..n) = Σ_{i in lo..hi) v_i A[i][c0..n), four rows per pass over w.
  function columnCombination(w, A, n, v, lo, hi, c0) {
    w.fill(0.0, c0, n);
    let i = lo;
    for (; i + 3 < hi; i += 4) {
      const v0 = v[i], v1 = v[i + 1], v2 = v[i + 2], v3 = v[i + 3];
      const r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      for (let j = c0; j < n; j++) w[j] += v0 * A[r0 + j] + v1 * A[r1 + j] + v2 * A[r2 + j] + v3 * A[r3 + j];
    }
    for (; i < hi; i++) {
      const vi = v[i], r = i * n;
      for (let j = c0; j < n; j++) w[j] += vi * A[r + j];
    }
  }

  // ‖v[lo..hi)‖₂ without overflow or underflow: scaled by the largest entry.
  function norm2(v, lo, hi) {
    let sq = 0.0;                                      // the plain sum when the squares are safe
    for (let i = lo; i < hi; i++) sq += v[i] * v[i];
    if (sq > 1e-280 && sq < 1e280) return Math.sqrt(sq);
    let m = 0.0;
    for (let i = lo; i < hi; i++) m = Math.max(m, Math.abs(v[i]));
    if (m === 0.0 || !Number.isFinite(m)) return m;
    let s = 0.0;
    for (let i = lo; i < hi; i++) { const q = v[i] / m; s += q * q; }
    return m * Math.sqrt(s);
  }

  // Givens rotation: c·f + s·g = r, −s·f + c·g = 0; result in GIV (no allocation per rotation).
  const GIV = { c: 1.0, s: 0.0, r: 0.0 };
  function givens(f, g) {
    if (g === 0) { GIV.c = 1.0; GIV.s = 0.0; GIV.r = f; return GIV; }
    let r = Math.sqrt(f * f + g * g);
    if (!(r > 1e-150 && r < 1e150)) r = Math.hypot(f, g);      // squares would under/overflow
    GIV.c = f / r; GIV.s = g / r; GIV.r = r;
    return GIV;
  }

  /**
   * Diagonalize the upper bidiagonal (d diagonal, e superdiagonal) in place: |d| = singular values.
   * Implicit-shift QR, written as a state machine (qrState, then qrNext and a sweep until qrNext
   * says done) so that singularValuesPair can interleave two bidiagonals' sweeps.
   */
  function qrState(d, e, n) {
    const eps = 2.220446049250313e-16;
    let anorm = 0.0;
    for (let i = 0; i < n; i++) anorm = Math.max(anorm, Math.abs(d[i]) + (i < n - 1 ? Math.abs(e[i]) : 0));
    // lo..hi: the block the next sweep chases its bulge through, mu its shift; y, zz, dk, ek: the
    // sweep's running values (see qrStep).
    return { d, e, n, eps, tiny: eps * anorm, hi: anorm === 0.0 ? 0 : n - 1, iter: 0, lo: 0, mu: 0.0,
             y: 0.0, zz: 0.0, dk: 0.0, ek: 0.0 };
  }

  function qrIterate(st) {
    while (qrNext(st)) qrSweep(st);
  }

  // Deflate, split and rotate away zeros until the next sweep is due: then st.lo, st.mu are set
  // and the result is true; false when the bidiagonal is diagonal.
  function qrNext(st) {
    const { d, e, n, eps, tiny } = st;
    let hi = st.hi;
    while (hi > 0) {
      if (++st.iter > 100 * n * n) throw new Error("singularValues: no convergence");
      // Negligible superdiagonal entries split the problem: small next to their diagonal
      // neighbours, or next to the whole matrix (tiny = ε‖B‖, what the Householder steps already
      // cost; without it a strongly graded matrix whose diagonal keeps being rotated to zero never
      // converged).
      for (let i = 0; i < hi; i++) {
        const ei = Math.abs(e[i]);
        if (ei <= eps * (Math.abs(d[i]) + Math.abs(d[i + 1])) || ei <= tiny || ei <= 1e-300) e[i] = 0.0;
      }
      if (e[hi - 1] === 0.0) { hi--; continue; }
      let lo = hi - 1;                                     // unreduced block lo..hi
      while (lo > 0 && e[lo - 1] !== 0.0) lo--;
      // A zero on the diagonal: rotate its superdiagonal entry away, which splits the block.
      let zeroAt = -1;
      for (let i = lo; i <= hi; i++) if (Math.abs(d[i]) <= tiny) { d[i] = 0.0; zeroAt = i; break; }
      if (zeroAt >= 0) {
        const i = zeroAt;
        if (i < hi) {                                      // zero row i's e[i] with rotations of rows i, j
          let f = e[i];
          e[i] = 0.0;
          for (let j = i + 1; j <= hi; j++) {
            const { c, s, r } = givens(d[j], f);
            d[j] = r;
            if (j < hi) { f = -s * e[j]; e[j] = c * e[j]; }
          }
        } else {                                           // d[hi] = 0: zero column hi's e[hi−1]
          let f = e[hi - 1];
          e[hi - 1] = 0.0;
          for (let j = hi - 1; j >= lo; j--) {
            const { c, s, r } = givens(d[j], f);
            d[j] = r;
            if (j > lo) { f = -s * e[j - 1]; e[j - 1] = c * e[j - 1]; }
          }
        }
        continue;
      }
      // Wilkinson shift from the trailing 2×2 of BᵀB.
      const dm = d[hi - 1], em = hi - 2 >= lo ? e[hi - 2] : 0.0, en = e[hi - 1], dn = d[hi];
      const t11 = dm * dm + em * em, t12 = dm * en, t22 = dn * dn + en * en;
      const half = (t11 - t22) / 2.0;
      const denom = half + (half >= 0 ? 1 : -1) * Math.hypot(half, t12);
      st.mu = denom === 0 ? t22 : t22 - (t12 * t12) / denom;
      st.lo = lo;
      st.hi = hi;
      st.y = d[lo] * d[lo] - st.mu;
      st.zz = d[lo] * e[lo];
      st.dk = d[lo];                                       // d[k], e[k] as the sweep reaches k
      st.ek = e[lo];
      return true;
    }
    st.hi = 0;
    return false;
  }

  // A Golub–Kahan sweep of st's block: chase the bulge from lo to hi.
  function qrSweep(st) {
    qrSweepPair(st, null);
  }

  /**
   * The sweeps of two bidiagonals (s2 may be null), step by step in turn.  Step k is a right
   * rotation of columns k, k+1, then a left one of rows k, k+1.  The step is written out twice, on
   * locals, on purpose: two independent chains of square roots and divisions in one loop body are
   * what lets the CPU overlap them (kept in an object or a helper's state, they ran 1.2× faster
   * instead of 1.5×; a call returning {c, s, r} per rotation cost a third of the sweep).
   */
  function qrSweepPair(s1, s2) {
    const d1 = s1.d, e1 = s1.e, lo1 = s1.lo, hi1 = s1.hi, n1 = hi1 - lo1;
    let y1 = s1.y, zz1 = s1.zz, dk1 = s1.dk, ek1 = s1.ek;
    const d2 = s2 ? s2.d : d1, e2 = s2 ? s2.e : e1, lo2 = s2 ? s2.lo : 0, hi2 = s2 ? s2.hi : 0, n2 = hi2 - lo2;
    let y2 = s2 ? s2.y : 0.0, zz2 = s2 ? s2.zz : 0.0, dk2 = s2 ? s2.dk : 0.0, ek2 = s2 ? s2.ek : 0.0;
    const steps = Math.max(n1, n2);
    for (let i = 0; i < steps; i++) {
      if (i < n1) {
        const k = lo1 + i;
        let r = zz1 === 0.0 ? y1 : hypot(y1, zz1);                // right rotation, columns k, k+1
        let c = zz1 === 0.0 ? 1.0 : y1 / r, s = zz1 === 0.0 ? 0.0 : zz1 / r;
        if (k > lo1) e1[k - 1] = r;
        const f = c * dk1 + s * ek1, ekr = c * ek1 - s * dk1, dn = d1[k + 1], bulge = s * dn, dkr = c * dn;
        r = bulge === 0.0 ? f : hypot(f, bulge);                  // left rotation, rows k, k+1
        c = bulge === 0.0 ? 1.0 : f / r; s = bulge === 0.0 ? 0.0 : bulge / r;
        d1[k] = r;
        e1[k] = c * ekr + s * dkr;
        dk1 = -s * ekr + c * dkr;
        d1[k + 1] = dk1;
        if (k < hi1 - 1) { const en = e1[k + 1]; zz1 = s * en; ek1 = c * en; e1[k + 1] = ek1; y1 = e1[k]; }
      }
      if (i < n2) {                                              // the same for the second
        const k = lo2 + i;
        let r = zz2 === 0.0 ? y2 : hypot(y2, zz2);
        let c = zz2 === 0.0 ? 1.0 : y2 / r, s = zz2 === 0.0 ? 0.0 : zz2 / r;
        if (k > lo2) e2[k - 1] = r;
        const f = c * dk2 + s * ek2, ekr = c * ek2 - s * dk2, dn = d2[k + 1], bulge = s * dn, dkr = c * dn;
        r = bulge === 0.0 ? f : hypot(f, bulge);
        c = bulge === 0.0 ? 1.0 : f / r; s = bulge === 0.0 ? 0.0 : bulge / r;
        d2[k] = r;
        e2[k] = c * ekr + s * dkr;
        dk2 = -s * ekr + c * dkr;
        d2[k + 1] = dk2;
        if (k < hi2 - 1) { const en = e2[k + 1]; zz2 = s * en; ek2 = c * en; e2[k + 1] = ek2; y2 = e2[k]; }
      }
    }
  }

  // √(f² + g²), through Math.hypot only when the squares would under/overflow.
  function hypot(f, g) {
    const r = Math.sqrt(f * f + g * g);
    return r > 1e-150 && r < 1e150 ? r : Math.hypot(f, g);
  }

  /** Steps t in 0..T−1 where the dashboard measures J^(t): as analysis.sample_steps (numpy linspace + round). */
  function sampleSteps(T, maxSteps) {
    if (T <= maxSteps) return Array.from({ length: T }, (_, i) => i);
    if (maxSteps === 0) return [];
    const step = (T - 1) / (maxSteps - 1), out = new Set();
    for (let i = 0; i < maxSteps; i++) {
      const v = i === maxSteps - 1 ? T - 1 : i * step;
      out.add(roundHalfEven(v));
    }
    return Array.from(out).sort((a, b) => a - b);
  }

  function roundHalfEven(v) {
    const f = Math.floor(v), diff = v - f;
    if (diff > 0.5) return f + 1;
    if (diff < 0.5) return f;
    return f % 2 === 0 ? f : f + 1;
  }

  // ‖row t‖₂ for each t.  Rows far from 1 are scaled first: squaring a 1e-160 entry would underflow
  // to 0 and end a vanishing-gradient curve at 1e-154 instead of at float64's true floor.
  const norms = (a, T1, H) => {
    const out = new Float64Array(T1);
    for (let t = 0; t < T1; t++) {
      out[t] = norm2(a, t * H, (t + 1) * H);
    }
    return out;
  };

  /**
   * The Explore measurements of one model on one sequence (analysis.gradient_flow):
   * {model, T, dh_norm, term_norms, last_gain (index = distance T − t), jac_t, jac_sv (K rows, descending)}.
   * p: GRU params (with RNN-only fields unused) or SimpleRNN params; model: "GRU" | "SimpleRNN".
   */
  function gradientFlow(model, p, x, Y, output, maxJacobians) {
    const cache = model === "GRU" ? gruForward(p, x, null, output) : rnnForward(p, x, null, output);
    return flowOf(p, cache, Y, maxJacobians, null);
  }

  /**
   * A forward cache cut to steps 0..T, with y recomputed for `output`.  Exact: step t reads only
   * x^(0..t), so the states of a longer run over the same inputs are those of the shorter one.
   * (The static explorer runs each model once over T = 1000 and serves every T from it.)
   */
  function prefix(p, cache, T, output) {
    const H = p.H, T1 = T + 1;
    if (cache.done !== undefined && cache.done < T1) throw new Error(`prefix: only ${cache.done} steps computed, need ${T1}`);
    const cut = { model: cache.model, T, H, output, h: cache.h.subarray(0, (T1 + 1) * H), y: new Float64Array(T1 * p.O) };
    if (cache.model === "GRU") for (const k of ["z", "r", "hh"]) cut[k] = cache[k].subarray(0, T1 * H);
    dense(p, cut.h, T1, outputFn(output)[0], cut.y);
    return cut;
  }

  /**
   * gradientFlow from a forward cache.  `memo` (a Map, or null): singular values by step t,
   * kept by the caller per forward run (J^(t) depends only on the states up to t + 1).
   * `work` (optional): the caller's object for scratch arrays (see `scratch`).
   */
  function flowOf(p, cache, Y, maxJacobians, memo, work) {
    const H = p.H, model = cache.model;
    const T1 = cache.T + 1;
    const { gd } = lossAndGradDense(p, cache, Y, work);
    const only = scratch(work, "only", T1 * H);        // grad_dense^(T) alone: the last loss's error
    only.set(gd.subarray((T1 - 1) * H), (T1 - 1) * H);
    const res = (model === "GRU" ? gruBptt : rnnBptt)(p, cache, gd, true, only, work);
    const term_norms = { grad_dense: norms(gd, T1, H) };
    for (const k of model === "GRU" ? TERMS.slice(1) : RNN_TERMS.slice(1)) term_norms[k] = norms(res.terms[k], T1, H);
    const lastByT = norms(res.dh2, T1, H);             // ‖∂L^(T)/∂h^(t)‖ by t
    const last_gain = new Float64Array(T1);            // by distance d = T − t, over d = 0
    for (let d = 0; d < T1; d++) last_gain[d] = lastByT[T1 - 1] > 0 ? lastByT[T1 - 1 - d] / lastByT[T1 - 1] : NaN;
    const flow = { model, T: cache.T, dh_norm: norms(res.dh, T1, H), term_norms, last_gain, jac_t: [], jac_sv: [] };
    if (maxJacobians > 0) {
      flow.jac_t = sampleSteps(cache.T, maxJacobians);
      flow.jac_sv = stepSingularValues(p, cache, flow.jac_t, memo);
    }
    return flow;
  }

  /**
   * Singular values (descending) of J^(t) for each t in ts.  `cache` may be a longer run over the
   * same inputs (J^(t) reads only step t+1's gates and h^(t)).  `memo` (a Map or null): by t.
   */
  function stepSingularValues(p, cache, ts, memo) {
    const out = ts.map((t) => (memo && memo.get(t)) || null);
    const todo = [];
    out.forEach((sv, i) => { if (!sv) todo.push(i); });
    const svs = jacobiansSingularValues(p.H, todo.length, (k, J, w) => stepJacobian(p, cache, ts[todo[k]], J, w));
    todo.forEach((i, k) => { out[i] = svs[k]; if (memo) memo.set(ts[i], svs[k]); });
    return out;
  }

  function stepJacobian(p, cache, t, J, w) {
    if (cache.model === "GRU") gruStepJacobian(p, cache, t, J, w);
    else rnnStepJacobian(p, cache, t, J);
  }

  // Singular values of K H×H matrices, fill(k, J, w) writing the k-th into J (w: scratch), two at a
  // time (singularValuesPair).
  function jacobiansSingularValues(H, K, fill) {
    const out = [];
    if (!K) return out;
    const J1 = new Float64Array(H * H), J2 = new Float64Array(H * H), w = new Float64Array(H * H);
    for (let k = 0; k < K; k += 2) {
      fill(k, J1, w);
      if (k + 1 < K) {
        fill(k + 1, J2, w);
        out.push(...singularValuesPair(J1, J2, H));
      } else out.push(singularValues(J1, H));
    }
    return out;
  }



  /**
   * What J^(t) reads, for each t in ts, packed in one array (to send to another thread): rows
   * t..t+2 of z, r, ĥ and h (GRU) or of h (SimpleRNN), zero past the end.  Rows t.. of a cache
   * form a cache in which J^(t) is J^(0): see rowsSingularValues.
   */
  function jacobianRows(cache, ts) {
    const H = cache.H, names = cache.model === "GRU" ? ["z", "r", "hh", "h"] : ["h"];
    const rows = new Float64Array(ts.length * names.length * 3 * H);
    let at = 0;
    for (const t of ts) {
      for (const k of names) {
        rows.set(cache[k].subarray(t * H, (t + 3) * H), at);
        at += 3 * H;
      }
    }
    return rows;
  }

  /** stepSingularValues from jacobianRows(cache, ts): K rows of H singular values, descending. */
  function rowsSingularValues(p, model, rows, K) {
    const H = p.H, names = model === "GRU" ? ["z", "r", "hh", "h"] : ["h"];
    const out = new Float64Array(K * H);
    const svs = jacobiansSingularValues(H, K, (k, J, w) => {
      const step = { model, H };
      names.forEach((n, i) => { const at = (k * names.length + i) * 3 * H; step[n] = rows.subarray(at, at + 3 * H); });
      stepJacobian(p, step, 0, J, w);
    });
    svs.forEach((sv, k) => out.set(sv, k * H));
    return out;
  }


  /**
   * One unit of the static explorer's work as a message: plain data and typed arrays in and out,
   * so that a Web Worker (web/explorer_worker.js) or, where workers are unavailable, the page
   * itself runs it.  Returns [result, typed-array buffers the result may transfer].
   *   {kind: "flows", model, key, p, x, T, output, Y}: flowOf at T (no Jacobians); the forward
   *     run over all of x is kept in `kept.runs` (a Map) by key and computed only as far as T
   *     (a prefix); `kept.work` holds the scratch arrays;
   *   {kind: "sv", model, p, rows, K}: rowsSingularValues;
   *   {kind: "forget"}: drop the kept runs (and parameters).
   * Jobs may name their parameters (pkey) and then omit them (p null) once sent: see jobParamsOf.
   */
  function runJob(job, kept) {
    const runs = kept.runs;
    if (job.kind === "forget") { runs.clear(); if (kept.params) kept.params.clear(); return [null, []]; }
    const p = jobParamsOf(job, kept);
    if (job.kind === "sv") {
      const sv = rowsSingularValues(p, job.model, job.rows, job.K);
      return [sv, [sv.buffer]];
    }
    if (job.kind !== "flows") throw new Error(`runJob: unknown kind ${job.kind}`);
    let run = runs.get(job.key);
    if (!run) {
      const T1 = job.x.length / p.D;
      let spare = null;                                  // the oldest kept run's arrays, reused
      if (runs.size >= 6) {
        const oldest = runs.keys().next().value;
        spare = runs.get(oldest);
        runs.delete(oldest);
      }
      run = job.model === "GRU" ? gruStates(p, T1, null, spare) : rnnStates(p, T1, null, spare);
      runs.set(job.key, run);
    }
    if (run.done < job.T + 1) (job.model === "GRU" ? gruSteps : rnnSteps)(p, job.x, run, run.done, job.T + 1);
    const flow = flowOf(p, prefix(p, run, job.T, job.output), job.Y, 0, null, kept.work);
    return [flow, [flow.dh_norm.buffer, flow.last_gain.buffer, ...Object.values(flow.term_norms).map((a) => a.buffer)]];
  }

  // A job's parameters: job.p, kept by job.pkey in kept.params (a Map, the last 8) when both are
  // given, so that later jobs may name them without sending them (job.p null) and reuse their
  // transposes; the sender keeps track of which keys it may omit (web/explorer.js).
  function jobParamsOf(job, kept) {
    if (job.pkey === undefined || !kept.params) return job.p;
    let p = kept.params.get(job.pkey);
    if (!p) {
      if (!job.p) throw new Error(`runJob: parameters ${job.pkey} were not sent`);
      p = job.p;
      kept.params.set(job.pkey, p);
      if (kept.params.size > 8) kept.params.delete(kept.params.keys().next().value);
    }
    return p;
  }

  // ------------------------------------------------------------------------------------------
  // The public page API: window.grubptt.bptt(problem)

  function matrix(value, name, rows, cols, rowsName, colsName) {
    const want = `(${rowsName}, ${colsName})`;
    if (!Array.isArray(value)) throw new ValueError(`${name} must be a nested array of shape ${want}, got ${typeof value}`);
    if (rows !== null && value.length !== rows) {
      throw new ValueError(`${name} must have shape ${want} = (${rows}, ${cols ?? colsName}), got ${value.length} rows`);
    }
    if (value.length === 0) throw new ValueError(`${name} must have shape ${want} with at least one row, got 0 rows`);
    const c = cols ?? (Array.isArray(value[0]) ? value[0].length : -1);
    const out = new Float64Array(value.length * Math.max(c, 0));
    value.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== c || c < 1) {
        throw new ValueError(`${name} must have shape ${want}; row ${i} has ${Array.isArray(row) ? row.length : "no"} entries, expected ${c < 1 ? "≥ 1" : c}`);
      }
      row.forEach((v, j) => {
        if (typeof v !== "number" || !Number.isFinite(v)) {
          throw new ValueError(`${name}[${i}][${j}] must be a finite number, got ${String(v)}`);
        }
        out[i * c + j] = v;
      });
    });
    return { data: out, rows: value.length, cols: c };
  }

  function vector(value, name, n, nName) {
    if (!Array.isArray(value) || value.length !== n) {
      throw new ValueError(`${name} must be an array of shape (${nName},) = (${n},), got ${Array.isArray(value) ? `length ${value.length}` : typeof value}`);
    }
    const out = new Float64Array(n);
    value.forEach((v, j) => {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new ValueError(`${name}[${j}] must be a finite number, got ${String(v)}`);
      out[j] = v;
    });
    return out;
  }

  /** Validate a problem (see bptt) into typed arrays: {p, x, h0, Y, output, T}. */
  function readProblem(problem) {
    if (problem === null || typeof problem !== "object") throw new ValueError("problem must be an object {params, x, h0, Y, output}");
    const params = problem.params;
    if (params === null || typeof params !== "object") throw new ValueError(`problem.params must be an object with keys ${PARAM_NAMES.join(", ")}`);
    const unknown = Object.keys(params).filter((k) => !PARAM_NAMES.includes(k));
    if (unknown.length) throw new ValueError(`problem.params has unknown keys ${unknown.join(", ")}; expected ${PARAM_NAMES.join(", ")}`);
    for (const k of PARAM_NAMES) if (!(k in params)) throw new ValueError(`problem.params.${k} is missing`);
    const Wz = matrix(params.Wz, "params.Wz", null, null, "D", "H");
    const D = Wz.rows, H = Wz.cols;
    const V = matrix(params.V, "params.V", H, null, "H", "O");
    const O = V.cols;
    const p = { D, H, O, Wz: Wz.data, V: V.data };
    for (const k of ["Wr", "W"]) p[k] = matrix(params[k], `params.${k}`, D, H, "D", "H").data;
    for (const k of ["Uz", "Ur", "U"]) p[k] = matrix(params[k], `params.${k}`, H, H, "H", "H").data;
    for (const k of ["bz", "br", "b"]) p[k] = vector(params[k], `params.${k}`, H, "H");
    p.c = vector(params.c, "params.c", O, "O");
    const x = matrix(problem.x, "x", null, D, "T+1", "D");
    const T = x.rows - 1;
    const Y = matrix(problem.Y, "Y", T + 1, O, "T+1", "O");
    const h0 = problem.h0 === null || problem.h0 === undefined ? null : vector(problem.h0, "h0", H, "H");
    const output = problem.output === undefined ? "identity" : problem.output;
    outputFn(output);
    return { p, x: x.data, h0, Y: Y.data, output, T };
  }

  // A typed array → rows × cols nested plain arrays (a loop: Array.from on typed arrays was 3× slower).
  function nested(a, rows, cols) {
    const out = new Array(rows);
    for (let i = 0; i < rows; i++) {
      const row = new Array(cols);
      for (let j = 0; j < cols; j++) row[j] = a[i * cols + j];
      out[i] = row;
    }
    return out;
  }

  /**
   * grubptt.forward + grubptt.backward for one sequence.
   * problem = {params: {Wz, Uz, bz, Wr, Ur, br, W, U, b, V, c}, x: (T+1)×D, h0: H-vector or null,
   *            Y: (T+1)×O, output: "identity" | "sigmoid" | "tanh"}  (nested arrays, row convention).
   * Returns {loss, dh: (T+1)×H, terms: {grad_dense, update_gate, candidate, reset_gate, carry}
   * each (T+1)×H (the four recurrent terms are 0 at t = T), dh0: H (= dL/dh^(−1))}.
   */
  function bptt(problem) {
    const { p, x, h0, Y, output, T } = readProblem(problem);
    const cache = gruForward(p, x, h0, output);
    const { loss, gd } = lossAndGradDense(p, cache, Y);
    const res = gruBptt(p, cache, gd, true);
    const T1 = T + 1, H = p.H;
    const terms = { grad_dense: nested(gd, T1, H) };
    for (const k of TERMS.slice(1)) terms[k] = nested(res.terms[k], T1, H);
    return { loss, dh: nested(res.dh, T1, H), terms, dh0: nested(res.dh0, 1, H)[0] };
  }

  root.grubptt = Object.assign(root.grubptt || {}, {
    TERMS, RNN_TERMS, OUTPUTS, PARAM_NAMES, ValueError,
    bptt, readProblem, gruForward, rnnForward, lossAndGradDense, gruBptt, rnnBptt,
    gruStepJacobian, rnnStepJacobian, singularValues, singularValuesPair, sampleSteps, gradientFlow, prefix, flowOf, stepSingularValues,
    gruStates, gruSteps, rnnStates, rnnSteps, jacobianRows, rowsSingularValues, runJob,
  });
})(typeof window !== "undefined" ? window : globalThis);
