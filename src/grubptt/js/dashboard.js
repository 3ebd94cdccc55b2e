/*
 * grubptt's Explore dashboard on a <canvas>: the four panels (‖dh(t)‖, the five terms of (9.22),
 * the last step's gain against the distance T − t, the step Jacobians' singular values), with log
 * ticks, axis labels, legend strips outside the data and the float64 underflow floor marked.
 *
 * ONE drawing code for both explorers, so that a setting gives the same picture everywhere:
 * - the book's static explorer (web/explorer.js) loads this file as a page script before itself
 *   (scripts/offline_assets.py serves it) and finds it as window.grubptt.dashboard;
 * - the live widget in JupyterLab (grubptt.widget.DashboardCanvas) sends this file, followed by
 *   widget.js, as its ES module: there `grubpttDashboard` is module-scoped, no global is set.
 *
 * Input: `flows` as grubptt.explore.compute gives them (per model: T, dh_norm, term_norms {name:
 * array}, last_gain, jac_t, jac_sv [one row of singular values per step]) and the setting
 * {T, H, seed, radius, bz, output, model}.  Package data of grubptt (src/grubptt/js/).
 */
const grubpttDashboard = (function () {
  "use strict";

  const MODEL_COLORS = { GRU: "#1f77b4", SimpleRNN: "#d62728" };
  const TERM_COLORS = {                 // grubptt.figures.TERM_COLORS (Okabe–Ito), "recurrent" from grubptt.plots
    grad_dense: "#E69F00", update_gate: "#0072B2", candidate: "#009E73", reset_gate: "#D55E00",
    carry: "#CC79A7", recurrent: "#9467bd",
  };
  // As grubptt.plots.FLOOR: values at or below the smallest normal float64 (≈ 2.2·10⁻³⁰⁸), exact
  // zeros included, are drawn on a marked floor line instead of ending the curve.
  const FLOOR = 2.2250738585072014e-308;
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

  const LONG = 100;                     // points from which a curve is drawn 1 px wide (see drawPanel)
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
      // Long curves (a point per step) as 1-px lines: software canvases (Chromium without a GPU)
      // rasterize thicker strokes of 1000-segment paths several times slower (at T = 1000 about
      // 55 ms a picture instead of 5, measured after drawDashboard returns).
      ctx.strokeStyle = s.color; ctx.lineWidth = s.x.length > LONG ? 1 : s.width || 1.5; ctx.setLineDash(s.dash || []);
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

  /** The four panels for `flows` (see the top of this file), `model` shown in panels 1, 2 and 4. */
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


  /** Canvas size (CSS px) for a container `width` px wide: narrow columns get taller panels. */
  function size(width) {
    const w = Math.max(520, Math.min(width || 800, 900));
    return { w, h: Math.round(w * (w < 760 ? 0.8 : 0.72)) };
  }

  /** One sentence for the status line and the canvas's aria-label. */
  function summary(flows, s) {
    const g = flows.GRU.last_gain, r = flows.SimpleRNN.last_gain, T = s.T;
    const fmt = (v) => (Number.isNaN(v) ? "undefined" : v === 0 ? "0 (underflow)" : v.toExponential(1));
    return `${s.model}, T = ${T}: of the last step's error, a fraction ${fmt(g[T])} (GRU) and ` +
      `${fmt(r[T])} (SimpleRNN) reaches t = 0.`;
  }

  /**
   * Draw the dashboard of `flows` for setting `s` on `canvas`, sized for a container `width` CSS px
   * wide (at the screen's pixel ratio).  Returns the summary sentence (also set as aria-label).
   */
  function drawDashboard(canvas, flows, s, width) {
    const { w: cssW, h: cssH } = size(width);
    const dpr = (typeof window !== "undefined" && window.devicePixelRatio) || 1;
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
    const text = summary(flows, s);
    canvas.setAttribute("aria-label", `Four plots of the gradient flow. ${text}`);
    return text;
  }

  return { MODEL_COLORS, TERM_COLORS, FLOOR, FONT, panels, drawDashboard, summary, size, logTicks, linTicks, powerLabel };
})();

// As a page script (the book), not as part of a module (the widget): publish it for explorer.js.
if (typeof document !== "undefined" && document.currentScript) {
  (window.grubptt = window.grubptt || {}).dashboard = grubpttDashboard;
}
