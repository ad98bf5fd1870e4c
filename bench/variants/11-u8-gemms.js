// Workload of variant 11 (u8 batch; the GEMMs convert it in registers or in an L1 scratch): one softmax-regression epoch, 235 steps of
// gather → linearForward → softmax cross-entropy → linearBackward over a 60 000 × 784 u8 dataset in a shuffled
// order (a permutation of all rows, so every gather misses the caches as training does). main runs
// assembly/index.ts's kernels on an f32 batch; each variant runs 11-u8-gemms.ts's on a u8 batch, except the
// last, main's GEMMs after a gatherScaleU8 that uses convert_i32x4_s.
// First checks that every variant's logits, dLogits, dW and dB are bit-identical to main's on every batch of the
// epoch (and on small odd shapes that exercise the tails and the clamped blocks); exits 1 otherwise.
// Then, alternating main and the variants, times the whole epoch and, in a second epoch, each part.
// Usage: node bench/variants/11-u8-gemms.js [rounds=15] [indices into allVariants, comma-separated, e.g. 5,6]
import { execFileSync } from "node:child_process";
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const rounds = Number(process.argv[2] ?? 15);
const dir = mkdtempSync(join(tmpdir(), "variant-"));
const compile = (entry, out) => {
  execFileSync("npx", ["asc", entry, "--outFile", out, "--enable", "simd", "-O3", "--runtime", "stub", "--use", "abort=", "--noAssert"], { stdio: "inherit" });
  return new WebAssembly.Instance(new WebAssembly.Module(readFileSync(out)), {}).exports;
};
const mainEx = compile("assembly/index.ts", join(dir, "main.wasm"));
const varEx = compile("bench/variants/11-u8-gemms.ts", join(dir, "variant.wasm"));
const scale = Math.fround(1 / 255);

// name → [gather, forward, backward] of the variant module.
const allVariants = {
  "u8, fwd 1x10 cvt_u, bwd 5x8 cvt_u": ["gatherU8", "linearForwardU8_1x10", "linearBackwardU8_5x8"],
  "u8, fwd 1x10 cvt_s, bwd 5x8 cvt_s": ["gatherU8", "linearForwardU8S_1x10", "linearBackwardU8S_5x8"],
  "u8, fwd 1x5 cvt_s, bwd 5x4 cvt_s": ["gatherU8", "linearForwardU8S_1x5", "linearBackwardU8S_5x4"],
  "u8 loop, fwd 2x5 cvt_s, bwd 10x4 cvt_s": ["gatherU8Loop", "linearForwardU8S_2x5", "linearBackwardU8S_10x4"],
  "u8, fwd scratch, bwd 5x8 cvt_s": ["gatherU8", "linearForwardU8Scratch", "linearBackwardU8S_5x8"],
  "u8, fwd scratch, bwd scratch": ["gatherU8", "linearForwardU8Scratch", "linearBackwardU8Scratch"],
  "f32 batch, gatherScaleU8 with cvt_s": ["gatherScaleU8S", "linearForward", "linearBackward", "f32"],
};
const pick = process.argv[3]?.split(",").map(Number);
const variants = Object.entries(allVariants).filter((_, k) => !pick || pick.includes(k));

// Lays out one instance's memory; the same data in both. Returns pointers and typed views.
function layout(ex, N, I, B, O, seed) {
  const mem = ex.memory;
  let at = Math.max(65536, ex.heapBase ? (ex.heapBase() + 63) & ~63 : 0);
  const alloc = (bytes) => { const p = at; at += (bytes + 63) & ~63; return p; };
  const p = {
    data: alloc(N * I), order: alloc(N * 4), labels: alloc(N * 4), x: alloc(B * I * 4), xu8: alloc(B * I),
    w: alloc(O * I * 4), bias: alloc(O * 4), logits: alloc(B * O * 4), dOut: alloc(B * O * 4),
    dw: alloc(O * I * 4), db: alloc(O * 4), scratch: alloc(Math.max(4 * I * 4, B * 64)),
  };
  if (mem.buffer.byteLength < at) mem.grow(Math.ceil((at - mem.buffer.byteLength) / 65536));
  const u8 = new Uint8Array(mem.buffer), f32 = new Float32Array(mem.buffer), i32 = new Int32Array(mem.buffer);
  let s = seed;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  // Fashion-MNIST-like bytes: about half are 0, the rest spread over 1..255.
  for (let i = 0; i < N * I; i++) { const r = next(); u8[p.data + i] = (r >>> 31) ? (r >>> 23) & 255 : 0; }
  for (let i = 0; i < N; i++) { i32[(p.order >> 2) + i] = i; i32[(p.labels >> 2) + i] = next() % O; }
  for (let i = N - 1; i > 0; i--) {
    const j = next() % (i + 1), o = p.order >> 2, t = i32[o + i];
    i32[o + i] = i32[o + j]; i32[o + j] = t;
  }
  for (let i = 0; i < O * I; i++) f32[(p.w >> 2) + i] = ((next() >>> 8) / 16777216 - 0.5) * 0.1;
  for (let i = 0; i < O; i++) f32[(p.bias >> 2) + i] = ((next() >>> 8) / 16777216 - 0.5) * 0.1;
  return { p, u8, f32, i32 };
}

// The four calls of one step, for main (f32 batch) or a variant (u8 batch).
function stepFns(ex, p, N, I, B, O, names) {
  const rows = (b) => Math.min(B, N - b * B);
  if (names?.[3] === "f32") return stepFns(ex, p, N, I, B, O, null).with(0, (b) => ex[names[0]](p.x, p.data, p.order + b * B * 4, rows(b), I, scale));
  const gather = names
    ? (b) => ex[names[0]](p.xu8, p.data, p.order + b * B * 4, rows(b), I)
    : (b) => ex.gatherScaleU8(p.x, p.data, p.order + b * B * 4, rows(b), I, scale);
  const forward = names
    ? (b) => ex[names[1]](p.logits, p.xu8, p.w, p.bias, rows(b), I, O, scale, p.scratch)
    : (b) => ex.linearForward(p.logits, p.x, p.w, p.bias, rows(b), I, O);
  // Labels indexed by batch position (a gatherLabels would cost the same on both sides).
  const loss = (b) => ex.softmaxCrossEntropyForwardBackward(p.dOut, p.logits, p.labels + b * B * 4, 0, rows(b), O, 0);
  const backward = names
    ? (b) => ex[names[2]](p.dw, p.db, p.dOut, p.xu8, rows(b), I, O, scale, p.scratch)
    : (b) => ex.linearBackward(p.dw, p.db, p.dOut, p.x, rows(b), I, O);
  return [gather, forward, loss, backward];
}

function sameBits(a, b, what) {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let k = 0; k < ua.length; k++) {
    if (ua[k] !== ub[k]) throw new Error(`${what}: element ${k} differs: main ${a[k]} (0x${ua[k].toString(16)}) variant ${b[k]} (0x${ub[k].toString(16)})`);
  }
}

// Bit-identity of every variant with main over every batch of an epoch of this shape.
function check(N, I, B, O, seed) {
  const m = layout(mainEx, N, I, B, O, seed), mainSteps = stepFns(mainEx, m.p, N, I, B, O, null);
  for (const [label, names] of variants) {
    const v = layout(varEx, N, I, B, O, seed), varSteps = stepFns(varEx, v.p, N, I, B, O, names);
    const view = (L, ptr, n) => L.f32.subarray(ptr >> 2, (ptr >> 2) + n);
    for (let b = 0; b * B < N; b++) {
      const r = Math.min(B, N - b * B);
      for (const steps of [mainSteps, varSteps]) for (const f of steps) f(b);
      const at = `${label}, shape N=${N} I=${I} B=${B} O=${O}, batch ${b}`;
      sameBits(view(m, m.p.logits, r * O), view(v, v.p.logits, r * O), `logits (${at})`);
      sameBits(view(m, m.p.dOut, r * O), view(v, v.p.dOut, r * O), `dLogits (${at})`);
      sameBits(view(m, m.p.dw, O * I), view(v, v.p.dw, O * I), `dW (${at})`);
      sameBits(view(m, m.p.db, O), view(v, v.p.db, O), `dB (${at})`);
    }
  }
}
try {
  for (const [N, I, B, O] of [[50, 787, 7, 3], [40, 789, 9, 13], [33, 19, 5, 10], [64, 6, 4, 1]]) check(N, I, B, O, 99);
  check(60000, 784, 256, 10, 12345);
} catch (e) {
  console.error("BIT MISMATCH:", e.message);
  process.exit(1);
}
console.log(`bit-identical: ${variants.length} variant(s) × every batch of a 60000×784 epoch and 4 odd shapes`);

// Timing: the real shape, one instance per module (the variants share the variant instance's memory).
const N = 60000, I = 784, B = 256, O = 10, batches = Math.ceil(N / B);
const m = layout(mainEx, N, I, B, O, 12345), v = layout(varEx, N, I, B, O, 12345);
const cases = [["main (f32 batch)", stepFns(mainEx, m.p, N, I, B, O, null)],
  ...variants.map(([label, names]) => [label, stepFns(varEx, v.p, N, I, B, O, names)])];
const parts = ["gather", "forward", "loss", "backward"];
const res = cases.map(() => ({ whole: [], parts: parts.map(() => []) }));
for (let round = 0; round < rounds + 1; round++) {   // round 0 warms up and is dropped
  cases.forEach(([, steps], c) => {
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) { steps[0](b); steps[1](b); steps[2](b); steps[3](b); }
    const whole = performance.now() - t0;
    const sums = [0, 0, 0, 0];
    for (let b = 0; b < batches; b++) {
      for (let k = 0; k < 4; k++) { const t = performance.now(); steps[k](b); sums[k] += performance.now() - t; }
    }
    if (round === 0) return;
    res[c].whole.push(whole);
    sums.forEach((s, k) => res[c].parts[k].push(s));
  });
}
const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
const fmt = (a) => `${med(a).toFixed(1).padStart(6)} /${Math.min(...a).toFixed(1).padStart(6)}`;
console.log(`ms per epoch (${batches} steps), median / min of ${rounds} alternating rounds`);
console.log("".padEnd(42), ...parts.map((p) => p.padStart(14)), "whole step".padStart(14), "vs main (med/min)");
cases.forEach(([label], c) => {
  const r = res[c], vs = c === 0 ? "" : `${((med(r.whole) / med(res[0].whole) - 1) * 100).toFixed(1)}% / ${((Math.min(...r.whole) / Math.min(...res[0].whole) - 1) * 100).toFixed(1)}%`;
  console.log(label.padEnd(42), ...r.parts.map((a) => fmt(a).padStart(14)), fmt(r.whole).padStart(14), vs);
});
