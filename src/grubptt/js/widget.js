/*
 * The front end of grubptt's live explorer (grubptt.widget.DashboardCanvas, an anywidget): the
 * kernel computes the numbers and sends them as binary buffers in the `frame` trait; this draws
 * them with grubpttDashboard (dashboard.js, which the Python side puts before this file in the
 * widget's ES module), the code that draws the book's static explorer.
 *
 * `frame`: {setting: {T, H, seed, radius, bz, output, model}, flows: {GRU: f, SimpleRNN: f}} with
 * f = {T, dh_norm, last_gain, jac_t, jac_sv (K·H values, row-major), H, term_norms: {name: ...}};
 * every array is little-endian float64 (a DataView here).
 *
 * For checks and benchmarks, the widget's element carries data-draws (a counter) and
 * data-received / data-drawn (epoch ms of the last frame's arrival and of the end of its drawing).
 */

// A DataView of float64 values → Float64Array (copied: the message's buffer need not be 8-aligned).
function floats(view) {
  return new Float64Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function unpack(frame) {
  const flows = {};
  for (const [model, f] of Object.entries(frame.flows)) {
    const sv = floats(f.jac_sv), H = f.H, jac_t = Array.from(floats(f.jac_t));
    const term_norms = {};
    for (const [k, v] of Object.entries(f.term_norms)) term_norms[k] = floats(v);
    flows[model] = {
      T: f.T, dh_norm: floats(f.dh_norm), last_gain: floats(f.last_gain), term_norms, jac_t,
      jac_sv: jac_t.map((_, k) => sv.subarray(k * H, (k + 1) * H)),
    };
  }
  return { flows, setting: frame.setting };
}

const epoch = () => performance.timeOrigin + performance.now();

export default {
  render({ model, el }) {
    el.classList.add("grubptt-dashboard");
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.style.display = "block";
    canvas.style.maxWidth = "100%";
    const status = document.createElement("p");
    status.setAttribute("aria-live", "polite");
    status.style.cssText = "font-size: 0.85em; margin: 0.3em 0 0;";
    el.append(canvas, status);
    let draws = 0, shown = null, width = 0;

    function draw() {
      const frame = model.get("frame");
      if (!frame || !frame.flows) return;
      if (frame !== shown) {                    // a new frame (not a redraw for a new width)
        el.dataset.received = String(epoch());
        shown = frame;
      }
      const { flows, setting } = unpack(frame);
      status.textContent = grubpttDashboard.drawDashboard(canvas, flows, setting, width || el.clientWidth || 880);
      draws += 1;
      el.dataset.draws = String(draws);
      el.dataset.drawn = String(epoch());
    }

    model.on("change:frame", draw);
    // The canvas follows the output area's width (JupyterLab lays the widget out after render).
    const resized = new ResizeObserver((entries) => {
      const w = Math.round(entries[0].contentRect.width);
      if (w > 0 && Math.abs(w - width) > 8) { width = w; draw(); }
    });
    resized.observe(el);
    draw();
    return () => { model.off("change:frame", draw); resized.disconnect(); };
  },
};
