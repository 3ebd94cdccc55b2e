/*
 * kernels.js: WebAssembly SIMD kernels for grubptt.js's matrix–vector products (source:
 * web/kernels.wat; its bytes are the one generated line below, written by web/build_kernels.js).
 *
 * grubptt.js uses them when they loaded and its plain JavaScript loops otherwise: the results are
 * the same bits (each output is the same sum in the same order, each e^x the same operations;
 * tests/test_web_kernels.py).
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
 *   grubpttKernels.sigmoid(out, a, n), .tanh(out, a, n)
 *                              out[i] = σ(a[i]), tanh(a[i]): grubptt.js's sigmoidInto and tanhInto
 * (offsets in float64 entries, as arena returns them).
 */
(function (root) {
  "use strict";

  // Generated from web/kernels.wat by web/build_kernels.js: do not edit.
  const WASM_BASE64 = "AGFzbQEAAAABJgRgBX9/f39/AGAHf39/f39/fwBgCX9/f3x/f3x/fABgBH9/f38AAwYFAAEBAgMFAwEAEAc1BgZtZW1vcnkCAAZ2ZWNtYXQAAAd2ZWNtYXQyAAEHY29sY29tYgACBXJhbmsyAAMDYWN0AAQK7xYFhgQDBH8FewF8IARBA3QhCAJAA0AgBUEIaiAESg0B/QwAAAAAAAAAAAAAAAAAAAAAIQr9DAAAAAAAAAAAAAAAAAAAAAAhC/0MAAAAAAAAAAAAAAAAAAAAACEM/QwAAAAAAAAAAAAAAAAAAAAAIQ0gAiAFQQN0aiEHQQAhBgJAA0AgBiADTg0BIAEgBkEDdGr9CgMAIQkgCiAH/QAEACAJ/fIB/fABIQogCyAH/QAEECAJ/fIB/fABIQsgDCAH/QAEICAJ/fIB/fABIQwgDSAH/QAEMCAJ/fIB/fABIQ0gByAIaiEHIAZBAWohBgwACwsgACAFQQN0aiEHIAcgCv0LBAAgByAL/QsEECAHIAz9CwQgIAcgDf0LBDAgBUEIaiEFDAALCwJAA0AgBUECaiAESg0B/QwAAAAAAAAAAAAAAAAAAAAAIQogAiAFQQN0aiEHQQAhBgJAA0AgBiADTg0BIAogB/0ABAAgASAGQQN0av0KAwD98gH98AEhCiAHIAhqIQcgBkEBaiEGDAALCyAAIAVBA3RqIAr9CwQAIAVBAmohBQwACwsgBSAESARARAAAAAAAAAAAIQ4gAiAFQQN0aiEHQQAhBgJAA0AgBiADTg0BIA4gBysDACABIAZBA3RqKwMAoqAhDiAHIAhqIQcgBkEBaiEGDAALCyAAIAVBA3RqIA45AwALC9oDAwV/CHsCfCAGQQN0IQsCQANAIAdBBGogBkoNAf0MAAAAAAAAAAAAAAAAAAAAACEQ/QwAAAAAAAAAAAAAAAAAAAAAIRH9DAAAAAAAAAAAAAAAAAAAAAAhEv0MAAAAAAAAAAAAAAAAAAAAACETIAQgB0EDdGohCUEAIQgCQANAIAggBU4NASAIQQN0IQogAiAKav0KAwAhDCADIApq/QoDACENIAn9AAQAIQ4gCf0ABBAhDyAQIA4gDP3yAf3wASEQIBEgDyAM/fIB/fABIREgEiAOIA398gH98AEhEiATIA8gDf3yAf3wASETIAkgC2ohCSAIQQFqIQgMAAsLIAdBA3QhCiAAIApqIBD9CwQAIAAgCmogEf0LBBAgASAKaiAS/QsEACABIApqIBP9CwQQIAdBBGohBwwACwsCQANAIAcgBk4NAUQAAAAAAAAAACEURAAAAAAAAAAAIRUgBCAHQQN0aiEJQQAhCAJAA0AgCCAFTg0BIAhBA3QhCiAUIAkrAwAgAiAKaisDAKKgIRQgFSAJKwMAIAMgCmorAwCioCEVIAkgC2ohCSAIQQFqIQgMAAsLIAdBA3QhCiAAIApqIBQ5AwAgASAKaiAVOQMAIAdBAWohBwwACwsL8wMCBX8EeyACQQN0IQogACAGQQN0akEAIAIgBmtBA3T8CwAgBCEHAkADQCAHQQRqIAVKDQEgAyAHQQN0aiEJIAn9CgMAIQwgCf0KAwghDSAJ/QoDECEOIAn9CgMYIQ8gBiEIIAEgByACbCAIakEDdGohCSAAIAhBA3RqIQsCQANAIAhBAmogAkoNASALIAv9AAQAIAwgCf0ABAD98gEgDSAJIApq/QAEAP3yAf3wASAOIAkgCkEBdGr9AAQA/fIB/fABIA8gCSAKQQNsav0ABAD98gH98AH98AH9CwQAIAlBEGohCSALQRBqIQsgCEECaiEIDAALCyAIIAJIBEAgCyALKwMAIAz9IQAgCSsDAKIgDf0hACAJIApqKwMAoqAgDv0hACAJIApBAXRqKwMAoqAgD/0hACAJIApBA2xqKwMAoqCgOQMACyAHQQRqIQcMAAsLAkADQCAHIAVODQEgAyAHQQN0av0KAwAhDCAGIQggASAHIAJsIAhqQQN0aiEJIAAgCEEDdGohCwJAA0AgCEECaiACSg0BIAsgC/0ABAAgDCAJ/QAEAP3yAf3wAf0LBAAgCUEQaiEJIAtBEGohCyAIQQJqIQgMAAsLIAggAkgEQCALIAsrAwAgDP0hACAJKwMAoqA5AwALIAdBAWohBwwACwsLrQQEA38CewZ/BnsgAUEDdCELIAEgAmshDyACIQkCQANAIAkgAU4NASAJQQFqIAFGIRMgACAJIAFsIAJqQQN0aiEKIAP9FCATBHsgBCAJQQN0av0KAwAFIAQgCUEDdGr9AAQAC/3yASEM/QwAAAAAAAAAAAAAAAAAAAAAIQ0gBkQAAAAAAAAAAGIEQCAKIRAgByACQQN0aiESQQAhDgJAA0AgDiAPTg0BIA0gECATBH9BAAUgCwtqIBD9CgMA/VcDAAEgEv0KAwD98gH98AEhDSAQQQhqIRAgEkEIaiESIA5BAWohDgwACwsgBv0UIA0gDCAI/RT98gH98QH98gEhDQsgDP0hAP0UIRQgDf0hAP0UIRUgDP0hAf0UIRYgDf0hAf0UIRcgCiEQIAUgAkEDdGohESAHIAJBA3RqIRJBACEOAkADQCAOQQJqIA9KDQEgEf0ABAAhGCAS/QAEACEZIBAgEP0ABAAgFCAY/fIBIBUgGf3yAf3wAf3xAf0LBAAgE0UEQCAQIAtqIBAgC2r9AAQAIBYgGP3yASAXIBn98gH98AH98QH9CwQACyAQQRBqIRAgEUEQaiERIBJBEGohEiAOQQJqIQ4MAAsLIA4gD0gEQCAQIBArAwAgDP0hACARKwMAoiAN/SEAIBIrAwCioKE5AwAgE0UEQCAQIAtqIBAgC2orAwAgDP0hASARKwMAoiAN/SEBIBIrAwCioKE5AwALCyAJQQJqIQkMAAsLC+QGAgF/B3sCQANAIAQgAk4NASAEQQFqIAJIBHsgAf0ABAAFIAH9CgMACyEFIAMEeyAFIAX98AEFIAX97QELIQUgBf0MmpmZmZlJh8CamZmZmUmHwP33Af0MmpmZmZkthkCamZmZmS2GQP32ASEFIAX9DP6CK2VHFfc//oIrZUcV9z/98gH9DAAAAAAAAOA/AAAAAAAA4D/98AH9dSEGIAUgBv0MAADg/kIu5j8AAOD+Qi7mP/3yAf3xASAG/Qx2PHk17znqPXY8eTXvOeo9/fIB/fEBIQcgByAH/fIBIQogCiAK/fIBIQv9DAAAAAAAAPA/AAAAAAAA8D/9DAAAAAAAAPA/AAAAAAAA8D8gB/3yAf3wAf0MAAAAAAAA4D8AAAAAAADgP/0MVVVVVVVVxT9VVVVVVVXFPyAH/fIB/fABIAr98gH98AH9DFVVVVVVVaU/VVVVVVVVpT/9DBEREREREYE/ERERERERgT8gB/3yAf3wAf0MF2zBFmzBVj8XbMEWbMFWP/0MGqABGqABKj8aoAEaoAEqPyAH/fIB/fABIAr98gH98AEgC/3yAf3wASEIIAggCyAL/fIB/QwaoAEaoAH6PhqgARqgAfo+/Qw0x1al4x3HPjTHVqXjHcc+IAf98gH98AH9DFyfeLdPfpI+XJ94t09+kj79DORE9WdF5lo+5ET1Z0XmWj4gB/3yAf3wASAK/fIB/fAB/QyY2Pjv2O4hPpjY+O/Y7iE+/QwJbagTRhLmPQltqBNGEuY9IAf98gH98AEgC/3yAf3wAf3yAf3wASEIIAb9DAAAAAAAAOA/AAAAAAAA4D/98gH9dSEJIAggCf0M/wMAAAAAOEP/AwAAAAA4Q/3wAUE0/csB/fIBIAYgCf3xAf0M/wMAAAAAOEP/AwAAAAA4Q/3wAUE0/csB/fIBIQUgAwR7/QwAAAAAAADwPwAAAAAAAPA//QwAAAAAAAAAQAAAAAAAAABAIAX9DAAAAAAAAPA/AAAAAAAA8D/98AH98wH98QEF/QwAAAAAAADwPwAAAAAAAPA//QwAAAAAAADwPwAAAAAAAPA/IAX98AH98wELIQUgBEEBaiACSARAIAAgBf0LBAAFIAAgBf0hADkDAAsgAUEQaiEBIABBEGohACAEQQJqIQQMAAsLCw==";

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
  K.sigmoid = (out, a, n) => exports.act(8 * out, 8 * a, n, 0);
  K.tanh = (out, a, n) => exports.act(8 * out, 8 * a, n, 1);

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
