#!/usr/bin/env node
/*
 * Compile web/kernels.wat (WebAssembly text, SIMD) with the npm package wabt (pinned in
 * package-lock.json) and write its bytes, base64, into the one generated line of web/kernels.js:
 *   const WASM_BASE64 = "...";
 * The page then needs no .wasm request (it also works from file://).  tests/test_web_kernels.py
 * runs this with --check, which fails when web/kernels.js does not hold the bytes of kernels.wat.
 *
 *   node web/build_kernels.js [--check]
 */
"use strict";
const fs = require("fs");
const path = require("path");

const WAT = path.join(__dirname, "kernels.wat");
const JS = path.join(__dirname, "kernels.js");
const LINE = /^  const WASM_BASE64 = "[A-Za-z0-9+/=]*";$/m;

async function compile() {
  const wabt = await require("wabt")();
  const mod = wabt.parseWat("kernels.wat", fs.readFileSync(WAT, "utf8"), { simd: true });
  mod.validate();
  const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
  mod.destroy();
  return Buffer.from(buffer).toString("base64");
}

async function main() {
  const check = process.argv.includes("--check");
  const b64 = await compile();
  const js = fs.readFileSync(JS, "utf8");
  if (!LINE.test(js)) throw new Error(`${JS}: no line \`  const WASM_BASE64 = "...";\` to fill`);
  const want = js.replace(LINE, `  const WASM_BASE64 = "${b64}";`);
  if (check) {
    if (want !== js) {
      console.error("web/kernels.js does not hold the compiled web/kernels.wat: run `node web/build_kernels.js`");
      process.exit(1);
    }
    console.log(`web/kernels.js holds kernels.wat's ${Buffer.from(b64, "base64").length} bytes`);
    return;
  }
  fs.writeFileSync(JS, want);
  console.log(`web/kernels.js: ${Buffer.from(b64, "base64").length} bytes of WebAssembly`);
}

main().catch((err) => { console.error(err.message || err); process.exit(1); });
