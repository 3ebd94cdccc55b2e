/*
 * The static explorer's second thread (a dedicated Web Worker, started by web/explorer.js from the
 * book's own files).  It runs grubptt.js's units of work (grubptt.runJob): the other model's
 * measurements and the singular values of step Jacobians, while the page computes the shown
 * model's BPTT.  The same jobs run on the page itself where workers are unavailable (a page
 * opened from file://), so the numbers never depend on where they were computed.
 *
 * Message in: {id, job}.  Message out: {id, result, ms (time inside the job)} or {id, error};
 * typed arrays of the result are transferred, not copied.
 */
/* global importScripts, grubptt */
"use strict";
importScripts("kernels.js", "grubptt.js");       // kernels.js first: grubptt.js uses it when it loaded

// forward runs and parameters this thread keeps (by the explorer's keys), scratch
const kept = { runs: new Map(), params: new Map(), work: {} };

self.onmessage = (e) => {
  const { id, job } = e.data;
  const t0 = performance.now();
  try {
    const [result, transfer] = grubptt.runJob(job, kept);
    self.postMessage({ id, result, ms: performance.now() - t0 }, transfer);
  } catch (err) {
    self.postMessage({ id, error: String((err && err.message) || err) });
  }
};
