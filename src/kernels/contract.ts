/** @internal A byte offset into the kernels' memory. */
export type Ptr = number;

/** Which implementation runs the kernels. */
export type Backend = "wasm-simd" | "wasm" | "js";
/** @internal */
export const BACKENDS: readonly Backend[] = ["wasm-simd", "wasm", "js"];

/**
 * Which build of the backend's kernels runs: "default" (the same bits in every runtime and on every machine) or
 * the opt-in "relaxed-simd" (fused multiply-adds where the CPU has them, so bits may differ between machines).
 */
export type Build = "default" | "relaxed-simd";
/** @internal */
export const BUILDS: readonly Build[] = ["default", "relaxed-simd"];

/**
 * @internal The kernel contract, shared by the wasm builds (the exports of assembly/index.ts) and the plain-TS twin.
 * Arguments follow the kernels: outputs first, then inputs, then scratch, then dimensions; pointers are byte
 * offsets into `memory`. Kernels never allocate and never validate: callers check shapes at the public boundary.
 * Each kernel's meaning is documented once, at its AssemblyScript source.
 */
export interface KernelFunctions {
  linearForward(out: Ptr, inp: Ptr, weight: Ptr, bias: Ptr, chunks: Ptr, B: number, I: number, O: number): void;
  linearBackward(dWeight: Ptr, dBias: Ptr, dOut: Ptr, inp: Ptr, panels: Ptr, rows: Ptr, B: number, I: number, O: number): void;
  linearBackwardRange(dWeight: Ptr, dBias: Ptr, dOut: Ptr, inp: Ptr, panels: Ptr, rows: Ptr, B: number, I: number, O: number, i0: number, i1: number): void;
  packOutputPairs(panels: Ptr, dOut: Ptr, B: number, O: number): void;
  matmul(out: Ptr, a: Ptr, b: Ptr, M: number, K: number, N: number): void;
  softmaxRows(out: Ptr, inp: Ptr, R: number, C: number): void;
  /** The loss kernels take `weights`, B per-example f32 weights, or 0 for none (see assembly/softmax.ts). */
  softmaxCrossEntropyForwardBackward(dLogits: Ptr, logits: Ptr, labels: Ptr, weights: Ptr, B: number, C: number, smoothing: number): number;
  softmaxCrossEntropySoftForwardBackward(dLogits: Ptr, logits: Ptr, targets: Ptr, weights: Ptr, B: number, C: number): number;
  l2LossForwardBackward(dOut: Ptr, out: Ptr, targets: Ptr, weights: Ptr, B: number, C: number): number;
  l1LossForwardBackward(dOut: Ptr, out: Ptr, targets: Ptr, weights: Ptr, B: number, C: number): number;
  huberLossForwardBackward(dOut: Ptr, out: Ptr, targets: Ptr, weights: Ptr, B: number, C: number, delta: number): number;
  reluForward(out: Ptr, inp: Ptr, n: number): void;
  reluBackward(dInp: Ptr, dOut: Ptr, out: Ptr, n: number): void;
  sgdUpdate(param: Ptr, grad: Ptr, velocity: Ptr, n: number, lr: number, momentum: number, weightDecay: number): void;
  adamUpdate(param: Ptr, grad: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number,
    weightDecay: number, c1: number, c2: number): void;
  gatherScaleU8(out: Ptr, src: Ptr, idx: Ptr, B: number, I: number, scale: number): void;
  gatherF32(out: Ptr, src: Ptr, idx: Ptr, B: number, I: number): void;
  gatherLabels(out: Ptr, labels: Ptr, idx: Ptr, B: number): void;
  argmaxRows(out: Ptr, inp: Ptr, R: number, C: number): void;
  countCorrect(scores: Ptr, labels: Ptr, R: number, C: number): number;
}

/** @internal The memory a backend computes in: a `WebAssembly.Memory` or its plain-JS stand-in. */
export interface Heap {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** @internal */
export interface Kernels extends KernelFunctions {
  readonly backend: Backend;
  readonly build: Build;
  readonly memory: Heap;
  /** First byte free for the allocator. */
  readonly heapBase: number;
}

/** @internal */
export const KERNEL_NAMES = [
  "linearForward", "linearBackward", "linearBackwardRange", "packOutputPairs", "matmul", "softmaxRows", "softmaxCrossEntropyForwardBackward",
  "softmaxCrossEntropySoftForwardBackward", "l2LossForwardBackward", "l1LossForwardBackward", "huberLossForwardBackward",
  "reluForward", "reluBackward", "sgdUpdate", "adamUpdate", "gatherScaleU8", "gatherF32", "gatherLabels", "argmaxRows",
  "countCorrect",
] as const satisfies readonly (keyof KernelFunctions)[];

/** @internal */
export const PAGE_BYTES = 65536;
