import type { Heap, Kernels, Ptr } from "./contract.js";
import { PAGE_BYTES } from "./contract.js";

/** A growable ArrayBuffer with the shape of `WebAssembly.Memory`, for runtimes without WebAssembly. */
export class JsHeap implements Heap {
  buffer = new ArrayBuffer(PAGE_BYTES);
  grow(pages: number): number {
    const old = this.buffer;
    this.buffer = new ArrayBuffer(old.byteLength + pages * PAGE_BYTES);
    new Uint8Array(this.buffer).set(new Uint8Array(old));
    return old.byteLength / PAGE_BYTES;
  }
}

const f = Math.fround;

/**
 * The kernels in plain TypeScript: the oracle the wasm builds are tested against, the fallback where
 * WebAssembly is missing, and the pure-JS baseline of the benchmark. Straight loops, f32 storage,
 * one accumulator per output; no SIMD tricks, so it reads as the definition of each kernel.
 * Pointers are unsigned byte offsets up to 4 GiB: they become element indices with `>>> 2`, never the signed `>> 2`.
 */
export class JsKernels implements Kernels {
  readonly backend = "js";
  readonly build = "default";
  readonly memory: Heap = new JsHeap();
  readonly heapBase = 16;
  private f32v = new Float32Array(0);
  private i32v = new Int32Array(0);
  private u8v = new Uint8Array(0);

  // Views are re-derived when the heap has grown (growing replaces the buffer).
  private views(): void {
    if (this.u8v.buffer !== this.memory.buffer) {
      this.f32v = new Float32Array(this.memory.buffer);
      this.i32v = new Int32Array(this.memory.buffer);
      this.u8v = new Uint8Array(this.memory.buffer);
    }
  }

  // Sums every input: the chunks the wasm build skips (all-zero inputs) add nothing.
  linearForward(out: Ptr, inp: Ptr, weight: Ptr, bias: Ptr, _chunks: Ptr, B: number, I: number, O: number): void {
    this.views();
    const m = this.f32v, x = inp >>> 2, w = weight >>> 2, bs = bias >>> 2, y = out >>> 2;
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < O; o++) {
        let s = 0;
        for (let i = 0; i < I; i++) s = f(s + m[x + b * I + i]! * m[w + o * I + i]!);
        m[y + b * O + o] = s + m[bs + o]!;
      }
    }
  }

  linearBackward(dWeight: Ptr, dBias: Ptr, dOut: Ptr, inp: Ptr, panels: Ptr, rows: Ptr, B: number, I: number, O: number): void {
    this.packOutputPairs(panels, dOut, B, O);
    this.linearBackwardRange(dWeight, dBias, dOut, inp, panels, rows, B, I, O, 0, I);
  }

  packOutputPairs(panels: Ptr, dOut: Ptr, B: number, O: number): void {
    this.views();
    const m = this.f32v, g = dOut >>> 2, p = panels >>> 2;
    for (let b = 0; b < B; b++) {
      for (let o = 0; o + 1 < O; o += 2) {
        m[p + (o >> 1) * B * 2 + b * 2] = m[g + b * O + o]!;
        m[p + (o >> 1) * B * 2 + b * 2 + 1] = m[g + b * O + o + 1]!;
      }
    }
  }

  // Reads dOut itself and sums every row: the panels only change where the wasm build reads the same values from,
  // and the rows it skips (all-zero inputs) add nothing.
  linearBackwardRange(dWeight: Ptr, dBias: Ptr, dOut: Ptr, inp: Ptr, _panels: Ptr, _rows: Ptr, B: number, I: number, O: number, i0: number, i1: number): void {
    this.views();
    const m = this.f32v, g = dOut >>> 2, x = inp >>> 2, dw = dWeight >>> 2, db = dBias >>> 2;
    for (let o = 0; o < O; o++) {
      for (let i = i0; i < i1; i++) {
        let s = 0;
        for (let b = 0; b < B; b++) s = f(s + m[g + b * O + o]! * m[x + b * I + i]!);
        m[dw + o * I + i] = s;
      }
      if (i0 !== 0) continue;
      let s = 0;
      for (let b = 0; b < B; b++) s = f(s + m[g + b * O + o]!);
      m[db + o] = s;
    }
  }

  matmul(out: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number): void {
    this.views();
    const m = this.f32v, pa = a >>> 2, pb = b >>> 2, po = out >>> 2;
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < N; c++) {
        let s = 0;
        for (let k = 0; k < K; k++) s = f(s + m[pa + r * K + k]! * m[pb + k * N + c]!);
        m[po + r * N + c] = s;
      }
    }
  }

  softmaxRows(out: Ptr, inp: Ptr, R: number, C: number): void {
    this.views();
    const m = this.f32v;
    for (let r = 0; r < R; r++) {
      const z = (inp >>> 2) + r * C, p = (out >>> 2) + r * C;
      const sum = expRow(m, p, z, rowMax(m, z, C), C);
      const inv = f(1 / sum);
      for (let c = 0; c < C; c++) m[p + c] = m[p + c]! * inv;
    }
  }

  softmaxCrossEntropyForwardBackward(dLogits: Ptr, logits: Ptr, labels: Ptr, weights: Ptr, B: number, C: number, smoothing: number): number {
    if (B === 0) return 0;
    this.views();
    const m = this.f32v, invW = this.inverseWeight(weights, B), eps = f(smoothing), spread = f(eps / C);
    let total = 0;
    for (let b = 0; b < B; b++) {
      const z = (logits >>> 2) + b * C, d = (dLogits >>> 2) + b * C, label = this.i32v[(labels >>> 2) + b]!;
      const w = this.rowWeight(weights, b), share = f(w * invW);
      const max = rowMax(m, z, C);
      let target = f(m[z + label]! - max);
      if (eps !== 0) {
        let sumZ = 0;
        for (let c = 0; c < C; c++) sumZ = f(sumZ + f(m[z + c]! - max));
        target = f(f(f(1 - eps) * target) + f(spread * sumZ));
      }
      const sum = expRow(m, d, z, max, C);
      if (w !== 0) total = f(total + f(w * f(f(Math.log(sum)) - target)));
      const scale = f(share / sum);
      for (let c = 0; c < C; c++) m[d + c] = f(m[d + c]! * scale) - f(spread * share);
      m[d + label] = m[d + label]! - f(f(1 - eps) * share);
    }
    return f(total * invW);
  }

  softmaxCrossEntropySoftForwardBackward(dLogits: Ptr, logits: Ptr, targets: Ptr, weights: Ptr, B: number, C: number): number {
    if (B === 0) return 0;
    this.views();
    const m = this.f32v, invW = this.inverseWeight(weights, B);
    let total = 0;
    for (let b = 0; b < B; b++) {
      const z = (logits >>> 2) + b * C, d = (dLogits >>> 2) + b * C, t = (targets >>> 2) + b * C;
      const w = this.rowWeight(weights, b), share = f(w * invW);
      const max = rowMax(m, z, C);
      let dot = 0;
      for (let c = 0; c < C; c++) if (m[t + c] !== 0) dot = f(dot + f(m[t + c]! * f(m[z + c]! - max)));
      const sum = expRow(m, d, z, max, C);
      if (w !== 0) total = f(total + f(w * f(f(Math.log(sum)) - dot)));
      const scale = f(share / sum);
      for (let c = 0; c < C; c++) m[d + c] = f(m[d + c]! * scale) - f(m[t + c]! * share);
    }
    return f(total * invW);
  }

  l2LossForwardBackward(dOut: Ptr, out: Ptr, targets: Ptr, weights: Ptr, B: number, C: number): number {
    return this.elementwiseLoss(dOut, out, targets, weights, B, C, (r) => f(f(0.5 * r) * r), (r) => r);
  }

  l1LossForwardBackward(dOut: Ptr, out: Ptr, targets: Ptr, weights: Ptr, B: number, C: number): number {
    return this.elementwiseLoss(dOut, out, targets, weights, B, C, Math.abs, (r) => (r > 0 ? 1 : r < 0 ? -1 : 0));
  }

  huberLossForwardBackward(dOut: Ptr, out: Ptr, targets: Ptr, weights: Ptr, B: number, C: number, delta: number): number {
    const dl = f(delta);
    return this.elementwiseLoss(dOut, out, targets, weights, B, C,
      (r) => (Math.abs(r) <= dl ? f(f(0.5 * r) * r) : f(dl * f(Math.abs(r) - f(0.5 * dl)))),
      (r) => Math.max(-dl, Math.min(dl, r)));
  }

  // Σ w_b · loss(out − target) over all B·C values, divided by Σ w (by B without weights); dOut = slope(out − target) · w_b / Σ w.
  private elementwiseLoss(dOut: Ptr, out: Ptr, targets: Ptr, weights: Ptr, B: number, C: number,
                          loss: (r: number) => number, slope: (r: number) => number): number {
    if (B === 0) return 0;
    this.views();
    const m = this.f32v, invW = this.inverseWeight(weights, B);
    let total = 0;
    for (let b = 0; b < B; b++) {
      const w = this.rowWeight(weights, b), share = f(w * invW);
      for (let i = b * C; i < (b + 1) * C; i++) {
        const r = f(m[(out >>> 2) + i]! - m[(targets >>> 2) + i]!);
        if (w !== 0) total = f(total + f(w * loss(r)));
        m[(dOut >>> 2) + i] = slope(r) * share;
      }
    }
    return f(total * invW);
  }

  // Per-example weights: B f32 values at `weights`, or every example 1 when the pointer is 0.
  private rowWeight(weights: Ptr, b: number): number {
    return weights === 0 ? 1 : this.f32v[(weights >>> 2) + b]!;
  }

  // 1 / Σ w in f32 (row order), 1 / B without weights, 0 when the weights sum to 0.
  private inverseWeight(weights: Ptr, B: number): number {
    if (weights === 0) return f(1 / B);
    let sum = 0;
    for (let b = 0; b < B; b++) sum = f(sum + this.f32v[(weights >>> 2) + b]!);
    return sum > 0 ? f(1 / sum) : 0;
  }

  reluForward(out: Ptr, inp: Ptr, n: number): void {
    this.views();
    const m = this.f32v;
    for (let i = 0; i < n; i++) m[(out >>> 2) + i] = Math.max(m[(inp >>> 2) + i]!, 0);
  }

  reluBackward(dInp: Ptr, dOut: Ptr, out: Ptr, n: number): void {
    this.views();
    const m = this.f32v;
    for (let i = 0; i < n; i++) m[(dInp >>> 2) + i] = m[(out >>> 2) + i]! > 0 ? m[(dOut >>> 2) + i]! : 0;
  }

  sgdUpdate(param: Ptr, grad: Ptr, velocity: Ptr, n: number, lr: number, momentum: number, weightDecay: number): void {
    this.views();
    const m = this.f32v, step = f(lr), mu = f(momentum), wd = f(weightDecay);
    for (let i = 0; i < n; i++) {
      const p = m[(param >>> 2) + i]!;
      let g = f(m[(grad >>> 2) + i]! + f(wd * p));
      if (mu !== 0) g = m[(velocity >>> 2) + i] = f(f(mu * m[(velocity >>> 2) + i]!) + g);
      m[(param >>> 2) + i] = p - f(step * g);
    }
  }

  adamUpdate(param: Ptr, grad: Ptr, mPtr: Ptr, vPtr: Ptr, n: number, lr: number, beta1: number, beta2: number,
             eps: number, weightDecay: number, c1: number, c2: number): void {
    this.views();
    const a = this.f32v, b1 = f(beta1), b2 = f(beta2), wd = f(weightDecay);
    for (let i = 0; i < n; i++) {
      const p = a[(param >>> 2) + i]!;
      const g = f(a[(grad >>> 2) + i]! + f(wd * p));
      const m = f(f(b1 * a[(mPtr >>> 2) + i]!) + f(f(1 - b1) * g));
      const v = f(f(b2 * a[(vPtr >>> 2) + i]!) + f(f(f(1 - b2) * g) * g));
      a[(mPtr >>> 2) + i] = m;
      a[(vPtr >>> 2) + i] = v;
      a[(param >>> 2) + i] = p - f(f(f(lr) * f(m / f(c1))) / f(f(Math.sqrt(f(v / f(c2)))) + f(eps)));
    }
  }

  gatherScaleU8(out: Ptr, src: Ptr, idx: Ptr, B: number, I: number, scale: number): void {
    this.views();
    const m = this.f32v, s = f(scale);
    for (let b = 0; b < B; b++) {
      const from = src + this.i32v[(idx >>> 2) + b]! * I, to = (out >>> 2) + b * I;
      for (let i = 0; i < I; i++) m[to + i] = this.u8v[from + i]! * s;
    }
  }

  gatherF32(out: Ptr, src: Ptr, idx: Ptr, B: number, I: number): void {
    this.views();
    for (let b = 0; b < B; b++) {
      const from = (src >>> 2) + this.i32v[(idx >>> 2) + b]! * I;
      this.f32v.copyWithin((out >>> 2) + b * I, from, from + I);
    }
  }

  gatherLabels(out: Ptr, labels: Ptr, idx: Ptr, B: number): void {
    this.views();
    const v = this.i32v;
    for (let b = 0; b < B; b++) v[(out >>> 2) + b] = v[(labels >>> 2) + v[(idx >>> 2) + b]!]!;
  }

  argmaxRows(out: Ptr, inp: Ptr, R: number, C: number): void {
    this.views();
    for (let r = 0; r < R; r++) this.i32v[(out >>> 2) + r] = argmaxRow(this.f32v, (inp >>> 2) + r * C, C);
  }

  countCorrect(scores: Ptr, labels: Ptr, R: number, C: number): number {
    this.views();
    let correct = 0;
    for (let r = 0; r < R; r++) {
      if (argmaxRow(this.f32v, (scores >>> 2) + r * C, C) === this.i32v[(labels >>> 2) + r]) correct++;
    }
    return correct;
  }
}

function rowMax(m: Float32Array, at: number, C: number): number {
  let max = -Infinity;
  for (let c = 0; c < C; c++) max = Math.max(max, m[at + c]!);
  return max;
}

// m[out + c] = exp(m[z + c] − max); returns their f32 sum.
function expRow(m: Float32Array, out: number, z: number, max: number, C: number): number {
  let sum = 0;
  for (let c = 0; c < C; c++) {
    const e = f(Math.exp(f(m[z + c]! - max)));
    m[out + c] = e;
    sum = f(sum + e);
  }
  return sum;
}

function argmaxRow(m: Float32Array, at: number, C: number): number {
  let best = 0;
  for (let c = 1; c < C; c++) if (m[at + c]! > m[at + best]!) best = c;
  return best;
}
