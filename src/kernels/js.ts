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
 */
export class JsKernels implements Kernels {
  readonly backend = "js";
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

  linearForward(out: Ptr, inp: Ptr, weight: Ptr, bias: Ptr, B: number, I: number, O: number): void {
    this.views();
    const m = this.f32v, x = inp >> 2, w = weight >> 2, bs = bias >> 2, y = out >> 2;
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < O; o++) {
        let s = 0;
        for (let i = 0; i < I; i++) s = f(s + m[x + b * I + i]! * m[w + o * I + i]!);
        m[y + b * O + o] = s + m[bs + o]!;
      }
    }
  }

  linearBackward(dWeight: Ptr, dBias: Ptr, dOut: Ptr, inp: Ptr, B: number, I: number, O: number): void {
    this.views();
    const m = this.f32v, g = dOut >> 2, x = inp >> 2, dw = dWeight >> 2, db = dBias >> 2;
    for (let o = 0; o < O; o++) {
      for (let i = 0; i < I; i++) {
        let s = 0;
        for (let b = 0; b < B; b++) s = f(s + m[g + b * O + o]! * m[x + b * I + i]!);
        m[dw + o * I + i] = s;
      }
      let s = 0;
      for (let b = 0; b < B; b++) s = f(s + m[g + b * O + o]!);
      m[db + o] = s;
    }
  }

  matmul(out: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number): void {
    this.views();
    const m = this.f32v, pa = a >> 2, pb = b >> 2, po = out >> 2;
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
      const z = (inp >> 2) + r * C, p = (out >> 2) + r * C;
      const max = rowMax(m, z, C);
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = f(Math.exp(f(m[z + c]! - max)));
        m[p + c] = e;
        sum = f(sum + e);
      }
      const inv = f(1 / sum);
      for (let c = 0; c < C; c++) m[p + c] = m[p + c]! * inv;
    }
  }

  softmaxCrossEntropyForwardBackward(dLogits: Ptr, logits: Ptr, labels: Ptr, B: number, C: number): number {
    if (B === 0) return 0;
    this.views();
    const m = this.f32v, invB = f(1 / B);
    let total = 0;
    for (let b = 0; b < B; b++) {
      const z = (logits >> 2) + b * C, d = (dLogits >> 2) + b * C, label = this.i32v[(labels >> 2) + b]!;
      const max = rowMax(m, z, C);
      const zLabel = f(m[z + label]! - max);
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = f(Math.exp(f(m[z + c]! - max)));
        m[d + c] = e;
        sum = f(sum + e);
      }
      total = f(total + f(f(Math.log(sum)) - zLabel));
      const scale = f(invB / sum);
      for (let c = 0; c < C; c++) m[d + c] = m[d + c]! * scale;
      m[d + label] = m[d + label]! - invB;
    }
    return f(total * invB);
  }

  reluForward(out: Ptr, inp: Ptr, n: number): void {
    this.views();
    const m = this.f32v;
    for (let i = 0; i < n; i++) m[(out >> 2) + i] = Math.max(m[(inp >> 2) + i]!, 0);
  }

  reluBackward(dInp: Ptr, dOut: Ptr, out: Ptr, n: number): void {
    this.views();
    const m = this.f32v;
    for (let i = 0; i < n; i++) m[(dInp >> 2) + i] = m[(out >> 2) + i]! > 0 ? m[(dOut >> 2) + i]! : 0;
  }

  sgdUpdate(param: Ptr, grad: Ptr, n: number, lr: number): void {
    this.views();
    const m = this.f32v, step = f(lr);
    for (let i = 0; i < n; i++) m[(param >> 2) + i] = m[(param >> 2) + i]! - f(step * m[(grad >> 2) + i]!);
  }

  gatherScaleU8(out: Ptr, src: Ptr, idx: Ptr, B: number, I: number, scale: number): void {
    this.views();
    const m = this.f32v, s = f(scale);
    for (let b = 0; b < B; b++) {
      const from = src + this.i32v[(idx >> 2) + b]! * I, to = (out >> 2) + b * I;
      for (let i = 0; i < I; i++) m[to + i] = this.u8v[from + i]! * s;
    }
  }

  gatherF32(out: Ptr, src: Ptr, idx: Ptr, B: number, I: number): void {
    this.views();
    for (let b = 0; b < B; b++) {
      const from = (src >> 2) + this.i32v[(idx >> 2) + b]! * I;
      this.f32v.copyWithin((out >> 2) + b * I, from, from + I);
    }
  }

  gatherLabels(out: Ptr, labels: Ptr, idx: Ptr, B: number): void {
    this.views();
    const v = this.i32v;
    for (let b = 0; b < B; b++) v[(out >> 2) + b] = v[(labels >> 2) + v[(idx >> 2) + b]!]!;
  }

  argmaxRows(out: Ptr, inp: Ptr, R: number, C: number): void {
    this.views();
    for (let r = 0; r < R; r++) this.i32v[(out >> 2) + r] = argmaxRow(this.f32v, (inp >> 2) + r * C, C);
  }

  countCorrect(scores: Ptr, labels: Ptr, R: number, C: number): number {
    this.views();
    let correct = 0;
    for (let r = 0; r < R; r++) {
      if (argmaxRow(this.f32v, (scores >> 2) + r * C, C) === this.i32v[(labels >> 2) + r]) correct++;
    }
    return correct;
  }
}

function rowMax(m: Float32Array, at: number, C: number): number {
  let max = -Infinity;
  for (let c = 0; c < C; c++) max = Math.max(max, m[at + c]!);
  return max;
}

function argmaxRow(m: Float32Array, at: number, C: number): number {
  let best = 0;
  for (let c = 1; c < C; c++) if (m[at + c]! > m[at + best]!) best = c;
  return best;
}
