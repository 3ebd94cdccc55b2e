/*
 * kernels.js: WebAssembly SIMD kernels for grubptt.js's matrix–vector products (source:
 * web/kernels.wat; its bytes are the one generated line below, written by web/build_kernels.js).
 *
 * grubptt.js uses them when they loaded and its plain JavaScript loops otherwise: the results are
 * the same bits (each output is the same sum in the same order; tests/test_web_kernels.py).
 * Everything they read and write lives in the module's memory; `arena` hands out that memory
 * for one computation (all earlier offsets become invalid), so no state outlives a call.
 *
 *   grubpttKernels.ready       true once compiled (synchronously where the browser allows)
 *   grubpttKernels.error       why they could not be compiled (e.g. no SIMD), if so
 *   grubpttKernels.disabled    set true to use grubptt.js's plain loops (tests, comparisons)
 *   grubpttKernels.arena(ns)   offsets (in float64 entries) of fresh zeroed blocks of ns[i] entries
 *   grubpttKernels.f64         Float64Array view of the memory (renewed by arena when it grows)
 *   grubpttKernels.vecmat(out, v, M, K, n)             out[j] = Σ_k v[k] M[k][j]   (M K×n)
 *   grubpttKernels.vecmat2(out1, out2, v1, v2, M, K, n)  the same for two vectors in one pass
 *   grubpttKernels.colcomb(w, A, n, v, lo, hi, c0), .rank2(A, n, c0, f, v, w, g, u, wu)
 *                              grubptt.js's columnCombination and rank2Update (singularValues)
 * (offsets in float64 entries, as arena returns them).
 */
(function (root) {
  "use strict";

  // Generated from web/kernels.wat by web/build_kernels.js: do not edit.
  const WASM_BASE64 = "AGFzbQEAAAABMAVgBX9/f39/AGAHf39/f39/fwBgCX9/f3x/f3x/fABgBH9/f38Be2AGf39/f3x8AAMHBgABAQIDBAUDAQAQBy8FBm1lbW9yeQIABnZlY21hdAAAB3ZlY21hdDIAAQdjb2xjb21iAAIFcmFuazIAAwqyEAaGBAMEfwV7AXwgBEEDdCEIAkADQCAFQQhqIARKDQH9DAAAAAAAAAAAAAAAAAAAAAAhCv0MAAAAAAAAAAAAAAAAAAAAACEL/QwAAAAAAAAAAAAAAAAAAAAAIQz9DAAAAAAAAAAAAAAAAAAAAAAhDSACIAVBA3RqIQdBACEGAkADQCAGIANODQEgASAGQQN0av0KAwAhCSAKIAf9AAQAIAn98gH98AEhCiALIAf9AAQQIAn98gH98AEhCyAMIAf9AAQgIAn98gH98AEhDCANIAf9AAQwIAn98gH98AEhDSAHIAhqIQcgBkEBaiEGDAALCyAAIAVBA3RqIQcgByAK/QsEACAHIAv9CwQQIAcgDP0LBCAgByAN/QsEMCAFQQhqIQUMAAsLAkADQCAFQQJqIARKDQH9DAAAAAAAAAAAAAAAAAAAAAAhCiACIAVBA3RqIQdBACEGAkADQCAGIANODQEgCiAH/QAEACABIAZBA3Rq/QoDAP3yAf3wASEKIAcgCGohByAGQQFqIQYMAAsLIAAgBUEDdGogCv0LBAAgBUECaiEFDAALCyAFIARIBEBEAAAAAAAAAAAhDiACIAVBA3RqIQdBACEGAkADQCAGIANODQEgDiAHKwMAIAEgBkEDdGorAwCioCEOIAcgCGohByAGQQFqIQYMAAsLIAAgBUEDdGogDjkDAAsL2gMDBX8IewJ8IAZBA3QhCwJAA0AgB0EEaiAGSg0B/QwAAAAAAAAAAAAAAAAAAAAAIRD9DAAAAAAAAAAAAAAAAAAAAAAhEf0MAAAAAAAAAAAAAAAAAAAAACES/QwAAAAAAAAAAAAAAAAAAAAAIRMgBCAHQQN0aiEJQQAhCAJAA0AgCCAFTg0BIAhBA3QhCiACIApq/QoDACEMIAMgCmr9CgMAIQ0gCf0ABAAhDiAJ/QAEECEPIBAgDiAM/fIB/fABIRAgESAPIAz98gH98AEhESASIA4gDf3yAf3wASESIBMgDyAN/fIB/fABIRMgCSALaiEJIAhBAWohCAwACwsgB0EDdCEKIAAgCmogEP0LBAAgACAKaiAR/QsEECABIApqIBL9CwQAIAEgCmogE/0LBBAgB0EEaiEHDAALCwJAA0AgByAGTg0BRAAAAAAAAAAAIRREAAAAAAAAAAAhFSAEIAdBA3RqIQlBACEIAkADQCAIIAVODQEgCEEDdCEKIBQgCSsDACACIApqKwMAoqAhFCAVIAkrAwAgAyAKaisDAKKgIRUgCSALaiEJIAhBAWohCAwACwsgB0EDdCEKIAAgCmogFDkDACABIApqIBU5AwAgB0EBaiEHDAALCwvzAwIFfwR7IAJBA3QhCiAAIAZBA3RqQQAgAiAGa0EDdPwLACAEIQcCQANAIAdBBGogBUoNASADIAdBA3RqIQkgCf0KAwAhDCAJ/QoDCCENIAn9CgMQIQ4gCf0KAxghDyAGIQggASAHIAJsIAhqQQN0aiEJIAAgCEEDdGohCwJAA0AgCEECaiACSg0BIAsgC/0ABAAgDCAJ/QAEAP3yASANIAkgCmr9AAQA/fIB/fABIA4gCSAKQQF0av0ABAD98gH98AEgDyAJIApBA2xq/QAEAP3yAf3wAf3wAf0LBAAgCUEQaiEJIAtBEGohCyAIQQJqIQgMAAsLIAggAkgEQCALIAsrAwAgDP0hACAJKwMAoiAN/SEAIAkgCmorAwCioCAO/SEAIAkgCkEBdGorAwCioCAP/SEAIAkgCkEDbGorAwCioKA5AwALIAdBBGohBwwACwsCQANAIAcgBU4NASADIAdBA3Rq/QoDACEMIAYhCCABIAcgAmwgCGpBA3RqIQkgACAIQQN0aiELAkADQCAIQQJqIAJKDQEgCyAL/QAEACAMIAn9AAQA/fIB/fAB/QsEACAJQRBqIQkgC0EQaiELIAhBAmohCAwACwsgCCACSARAIAsgCysDACAM/SEAIAkrAwCioDkDAAsgB0EBaiEHDAALCwv7AgIDfwJ7IAFBA3QhCyACIQkCQANAIAlBAmogAUoNASAAIAkgAWwgAmpBA3RqIQogA/0UIAQgCUEDdGr9AAQA/fIBIQz9DAAAAAAAAAAAAAAAAAAAAAAhDSAGRAAAAAAAAAAAYgRAIAb9FCAKIAsgByACQQN0aiABIAJrEAQgDCAI/RT98gH98QH98gEhDQsgCiABIAJrIAUgAkEDdGogByACQQN0aiAM/SEAIA39IQAQBSAKIAtqIAEgAmsgBSACQQN0aiAHIAJBA3RqIAz9IQEgDf0hARAFIAlBAmohCQwACwsgCSABSARAIAAgCSABbCACakEDdGohCiADIAQgCUEDdGorAwCi/RQhDP0MAAAAAAAAAAAAAAAAAAAAACENIAZEAAAAAAAAAABiBEAgBv0UIApBACAHIAJBA3RqIAEgAmsQBCAMIAj9FP3yAf3xAf3yASENCyAKIAEgAmsgBSACQQN0aiAHIAJBA3RqIAz9IQAgDf0hABAFCwtMAgF7AX8CQANAIAUgA04NASAEIAAgAWogAP0KAwD9VwMAASAC/QoDAP3yAf3wASEEIABBCGohACACQQhqIQIgBUEBaiEFDAALCyAEC4wBAgF/AnsgBP0UIQcgBf0UIQgCQANAIAZBAmogAUoNASAAIAD9AAQAIAcgAv0ABAD98gEgCCAD/QAEAP3yAf3wAf3xAf0LBAAgAEEQaiEAIAJBEGohAiADQRBqIQMgBkECaiEGDAALCyAGIAFIBEAgACAAKwMAIAQgAisDAKIgBSADKwMAoqChOQMACws=";

  const K = { ready: false, disabled: false, f64: null };
  let exports = null;

  function bytes() {
    if (typeof atob === "function") return Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
    return new Uint8Array(Buffer.from(WASM_BASE64, "base64"));     // node (tests)
  }

  function start(instance) {
    exports = instance.exports;
    K.f64 = new Float64Array(exports.memory.buffer);
    K.ready = true;
  }

  K.arena = function (sizes) {
    let need = 0;
    const at = sizes.map((n) => { const o = need; need += n + (n & 1); return o; });   // 16-byte aligned
    const have = exports.memory.buffer.byteLength / 8;
    if (need > have) {
      exports.memory.grow(Math.ceil((need - have) * 8 / 65536));
      K.f64 = new Float64Array(exports.memory.buffer);
    }
    K.f64.fill(0.0, 0, need);
    return at;
  };
  K.vecmat = (out, v, M, rows, n) => exports.vecmat(8 * out, 8 * v, 8 * M, rows, n);
  K.vecmat2 = (out1, out2, v1, v2, M, rows, n) => exports.vecmat2(8 * out1, 8 * out2, 8 * v1, 8 * v2, 8 * M, rows, n);
  K.colcomb = (w, A, n, v, lo, hi, c0) => exports.colcomb(8 * w, 8 * A, n, 8 * v, lo, hi, c0);
  K.rank2 = (A, n, c0, f, v, w, g, u, wu) => exports.rank2(8 * A, n, c0, f, 8 * v, 8 * w, g, 8 * u, wu);

  try {
    if (typeof WebAssembly === "object" && WASM_BASE64) {
      const b = bytes();
      try {
        start(new WebAssembly.Instance(new WebAssembly.Module(b), {}));
      } catch (err) {                 // a browser that allows only asynchronous compiling here
        WebAssembly.instantiate(b, {}).then((r) => start(r.instance), (e) => { K.error = String(e.message || e); });
      }
    }
  } catch (err) {
    // No WebAssembly: grubptt.js's plain loops do the work.
  }
  root.grubpttKernels = K;
})(typeof window !== "undefined" ? window : globalThis);
