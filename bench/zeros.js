#!/usr/bin/env node
// Where skipping zeros pays: linearForward and linearBackward (wasm-simd, one thread) at 256×784→256 and →10, on
// inputs whose runs of 8 values are zero with a growing probability, against the same values with every zero
// written as -0, which the kernels cannot skip (a non-zero bit pattern): the dense blocks on the same numbers.
// Both give the same bits (checked before timing). Interleaved calls, medians; a ratio below 1 is the gain, and
// 1 where the kernels chose their dense blocks. Fashion-MNIST's pixels: 28 % of the 8-value runs of a row are zero.
//
//   npm run bench:zeros            node bench/zeros.js [--rounds N]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({ options: { rounds: { type: "string", default: "15" } } });
const ROUNDS = Number(args.rounds);
const ex = /** @type {any} */ (new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL("../build/simd.wasm", import.meta.url))), {}).exports);
const B = 256, I = 784, MAX_O = 256;
const need = 65536 + 4 * (3 * B * I + 2 * MAX_O * I + 3 * B * MAX_O + 4 * MAX_O) + 4 * (B * I);
ex.memory.grow(Math.ceil(need / 65536));
const f32 = new Float32Array(ex.memory.buffer);
let at = 65536;
const alloc = (/** @type {number} */ n) => { const p = at; at += n * 4 + 64; return p; };
const xPos = alloc(B * I), xNeg = alloc(B * I), w = alloc(MAX_O * I), bias = alloc(MAX_O), out = alloc(B * MAX_O), chunks = alloc(B * I / 2);
const dw = alloc(MAX_O * I), db = alloc(MAX_O), panels = alloc(B * MAX_O), rows = alloc(B * I / 8), g = alloc(B * MAX_O);
let s = 7;
const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
for (let i = 0; i < MAX_O * I; i++) f32[w / 4 + i] = rnd() - 0.5;
for (let i = 0; i < B * MAX_O; i++) f32[g / 4 + i] = (rnd() - 0.5) / B;
const median = (/** @type {number[]} */ a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
const bits = (/** @type {number} */ p, /** @type {number} */ n) => new Uint32Array(ex.memory.buffer, p, n).slice();
const same = (/** @type {Uint32Array} */ a, /** @type {Uint32Array} */ b) => a.every((v, i) => v === b[i]);

console.log("| O | zero 8-value runs | linearForward sparse ÷ dense | linearBackward sparse ÷ dense |\n|--:|--:|--:|--:|");
for (const O of [256, 10]) {
  for (const frac of [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9]) {
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < I; i += 8) {
        const zero = rnd() < frac;
        for (let k = 0; k < 8; k++) {
          const v = zero ? 0 : rnd() + 0.01;
          f32[xPos / 4 + b * I + i + k] = v;
          f32[xNeg / 4 + b * I + i + k] = zero ? -0 : v;
        }
      }
    }
    const calls = {
      forwardSparse: () => ex.linearForward(out, xPos, w, bias, chunks, B, I, O),
      forwardDense: () => ex.linearForward(out, xNeg, w, bias, chunks, B, I, O),
      backwardSparse: () => ex.linearBackward(dw, db, g, xPos, panels, rows, B, I, O),
      backwardDense: () => ex.linearBackward(dw, db, g, xNeg, panels, rows, B, I, O),
    };
    calls.forwardSparse(); const f = bits(out, B * O); calls.forwardDense();
    calls.backwardSparse(); const d = bits(dw, O * I); calls.backwardDense();
    if (!same(f, bits(out, B * O)) || !same(d, bits(dw, O * I))) {
      console.error(`O=${O}, ${frac}: the sparse and dense results differ; nothing timed.`);
      process.exit(1);
    }
    /** @type {Record<string, number[]>} */
    const times = { forwardSparse: [], forwardDense: [], backwardSparse: [], backwardDense: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, call] of Object.entries(calls)) {
        const t0 = performance.now();
        for (let k = 0; k < (O === 10 ? 20 : 2); k++) call();
        times[name].push(performance.now() - t0);
      }
    }
    const ratio = (/** @type {string} */ k) => (median(times[`${k}Sparse`]) / median(times[`${k}Dense`])).toFixed(2);
    console.log(`| ${O} | ${Math.round(frac * 100)} % | ${ratio("forward")} | ${ratio("backward")} |`);
  }
}
