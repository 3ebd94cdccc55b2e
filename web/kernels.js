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
  const WASM_BASE64 = "AGFzbQEAAAABNwZgBX9/f39/AGAHf39/f39/fwBgCX9/f3x/f3x/fABgBH9/f38Be2AGf39/f3x8AGAEf39/fwADCAcAAQECAwQFBQMBABAHNQYGbWVtb3J5AgAGdmVjbWF0AAAHdmVjbWF0MgABB2NvbGNvbWIAAgVyYW5rMgADA2FjdAAGCpgXB4YEAwR/BXsBfCAEQQN0IQgCQANAIAVBCGogBEoNAf0MAAAAAAAAAAAAAAAAAAAAACEK/QwAAAAAAAAAAAAAAAAAAAAAIQv9DAAAAAAAAAAAAAAAAAAAAAAhDP0MAAAAAAAAAAAAAAAAAAAAACENIAIgBUEDdGohB0EAIQYCQANAIAYgA04NASABIAZBA3Rq/QoDACEJIAogB/0ABAAgCf3yAf3wASEKIAsgB/0ABBAgCf3yAf3wASELIAwgB/0ABCAgCf3yAf3wASEMIA0gB/0ABDAgCf3yAf3wASENIAcgCGohByAGQQFqIQYMAAsLIAAgBUEDdGohByAHIAr9CwQAIAcgC/0LBBAgByAM/QsEICAHIA39CwQwIAVBCGohBQwACwsCQANAIAVBAmogBEoNAf0MAAAAAAAAAAAAAAAAAAAAACEKIAIgBUEDdGohB0EAIQYCQANAIAYgA04NASAKIAf9AAQAIAEgBkEDdGr9CgMA/fIB/fABIQogByAIaiEHIAZBAWohBgwACwsgACAFQQN0aiAK/QsEACAFQQJqIQUMAAsLIAUgBEgEQEQAAAAAAAAAACEOIAIgBUEDdGohB0EAIQYCQANAIAYgA04NASAOIAcrAwAgASAGQQN0aisDAKKgIQ4gByAIaiEHIAZBAWohBgwACwsgACAFQQN0aiAOOQMACwvaAwMFfwh7AnwgBkEDdCELAkADQCAHQQRqIAZKDQH9DAAAAAAAAAAAAAAAAAAAAAAhEP0MAAAAAAAAAAAAAAAAAAAAACER/QwAAAAAAAAAAAAAAAAAAAAAIRL9DAAAAAAAAAAAAAAAAAAAAAAhEyAEIAdBA3RqIQlBACEIAkADQCAIIAVODQEgCEEDdCEKIAIgCmr9CgMAIQwgAyAKav0KAwAhDSAJ/QAEACEOIAn9AAQQIQ8gECAOIAz98gH98AEhECARIA8gDP3yAf3wASERIBIgDiAN/fIB/fABIRIgEyAPIA398gH98AEhEyAJIAtqIQkgCEEBaiEIDAALCyAHQQN0IQogACAKaiAQ/QsEACAAIApqIBH9CwQQIAEgCmogEv0LBAAgASAKaiAT/QsEECAHQQRqIQcMAAsLAkADQCAHIAZODQFEAAAAAAAAAAAhFEQAAAAAAAAAACEVIAQgB0EDdGohCUEAIQgCQANAIAggBU4NASAIQQN0IQogFCAJKwMAIAIgCmorAwCioCEUIBUgCSsDACADIApqKwMAoqAhFSAJIAtqIQkgCEEBaiEIDAALCyAHQQN0IQogACAKaiAUOQMAIAEgCmogFTkDACAHQQFqIQcMAAsLC/MDAgV/BHsgAkEDdCEKIAAgBkEDdGpBACACIAZrQQN0/AsAIAQhBwJAA0AgB0EEaiAFSg0BIAMgB0EDdGohCSAJ/QoDACEMIAn9CgMIIQ0gCf0KAxAhDiAJ/QoDGCEPIAYhCCABIAcgAmwgCGpBA3RqIQkgACAIQQN0aiELAkADQCAIQQJqIAJKDQEgCyAL/QAEACAMIAn9AAQA/fIBIA0gCSAKav0ABAD98gH98AEgDiAJIApBAXRq/QAEAP3yAf3wASAPIAkgCkEDbGr9AAQA/fIB/fAB/fAB/QsEACAJQRBqIQkgC0EQaiELIAhBAmohCAwACwsgCCACSARAIAsgCysDACAM/SEAIAkrAwCiIA39IQAgCSAKaisDAKKgIA79IQAgCSAKQQF0aisDAKKgIA/9IQAgCSAKQQNsaisDAKKgoDkDAAsgB0EEaiEHDAALCwJAA0AgByAFTg0BIAMgB0EDdGr9CgMAIQwgBiEIIAEgByACbCAIakEDdGohCSAAIAhBA3RqIQsCQANAIAhBAmogAkoNASALIAv9AAQAIAwgCf0ABAD98gH98AH9CwQAIAlBEGohCSALQRBqIQsgCEECaiEIDAALCyAIIAJIBEAgCyALKwMAIAz9IQAgCSsDAKKgOQMACyAHQQFqIQcMAAsLC/sCAgN/AnsgAUEDdCELIAIhCQJAA0AgCUECaiABSg0BIAAgCSABbCACakEDdGohCiAD/RQgBCAJQQN0av0ABAD98gEhDP0MAAAAAAAAAAAAAAAAAAAAACENIAZEAAAAAAAAAABiBEAgBv0UIAogCyAHIAJBA3RqIAEgAmsQBCAMIAj9FP3yAf3xAf3yASENCyAKIAEgAmsgBSACQQN0aiAHIAJBA3RqIAz9IQAgDf0hABAFIAogC2ogASACayAFIAJBA3RqIAcgAkEDdGogDP0hASAN/SEBEAUgCUECaiEJDAALCyAJIAFIBEAgACAJIAFsIAJqQQN0aiEKIAMgBCAJQQN0aisDAKL9FCEM/QwAAAAAAAAAAAAAAAAAAAAAIQ0gBkQAAAAAAAAAAGIEQCAG/RQgCkEAIAcgAkEDdGogASACaxAEIAwgCP0U/fIB/fEB/fIBIQ0LIAogASACayAFIAJBA3RqIAcgAkEDdGogDP0hACAN/SEAEAULC0wCAXsBfwJAA0AgBSADTg0BIAQgACABaiAA/QoDAP1XAwABIAL9CgMA/fIB/fABIQQgAEEIaiEAIAJBCGohAiAFQQFqIQUMAAsLIAQLjAECAX8CeyAE/RQhByAF/RQhCAJAA0AgBkECaiABSg0BIAAgAP0ABAAgByAC/QAEAP3yASAIIAP9AAQA/fIB/fAB/fEB/QsEACAAQRBqIQAgAkEQaiECIANBEGohAyAGQQJqIQYMAAsLIAYgAUgEQCAAIAArAwAgBCACKwMAoiAFIAMrAwCioKE5AwALC+QGAgF/B3sCQANAIAQgAk4NASAEQQFqIAJIBHsgAf0ABAAFIAH9CgMACyEFIAMEeyAFIAX98AEFIAX97QELIQUgBf0MmpmZmZlJh8CamZmZmUmHwP33Af0MmpmZmZkthkCamZmZmS2GQP32ASEFIAX9DP6CK2VHFfc//oIrZUcV9z/98gH9DAAAAAAAAOA/AAAAAAAA4D/98AH9dSEGIAUgBv0MAADg/kIu5j8AAOD+Qi7mP/3yAf3xASAG/Qx2PHk17znqPXY8eTXvOeo9/fIB/fEBIQcgByAH/fIBIQogCiAK/fIBIQv9DAAAAAAAAPA/AAAAAAAA8D/9DAAAAAAAAPA/AAAAAAAA8D8gB/3yAf3wAf0MAAAAAAAA4D8AAAAAAADgP/0MVVVVVVVVxT9VVVVVVVXFPyAH/fIB/fABIAr98gH98AH9DFVVVVVVVaU/VVVVVVVVpT/9DBEREREREYE/ERERERERgT8gB/3yAf3wAf0MF2zBFmzBVj8XbMEWbMFWP/0MGqABGqABKj8aoAEaoAEqPyAH/fIB/fABIAr98gH98AEgC/3yAf3wASEIIAggCyAL/fIB/QwaoAEaoAH6PhqgARqgAfo+/Qw0x1al4x3HPjTHVqXjHcc+IAf98gH98AH9DFyfeLdPfpI+XJ94t09+kj79DORE9WdF5lo+5ET1Z0XmWj4gB/3yAf3wASAK/fIB/fAB/QyY2Pjv2O4hPpjY+O/Y7iE+/QwJbagTRhLmPQltqBNGEuY9IAf98gH98AEgC/3yAf3wAf3yAf3wASEIIAb9DAAAAAAAAOA/AAAAAAAA4D/98gH9dSEJIAggCf0M/wMAAAAAOEP/AwAAAAA4Q/3wAUE0/csB/fIBIAYgCf3xAf0M/wMAAAAAOEP/AwAAAAA4Q/3wAUE0/csB/fIBIQUgAwR7/QwAAAAAAADwPwAAAAAAAPA//QwAAAAAAAAAQAAAAAAAAABAIAX9DAAAAAAAAPA/AAAAAAAA8D/98AH98wH98QEF/QwAAAAAAADwPwAAAAAAAPA//QwAAAAAAADwPwAAAAAAAPA/IAX98AH98wELIQUgBEEBaiACSARAIAAgBf0LBAAFIAAgBf0hADkDAAsgAUEQaiEBIABBEGohACAEQQJqIQQMAAsLCw==";

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
