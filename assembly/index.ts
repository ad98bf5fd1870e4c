// The ABI of the wasm build: every kernel, plus two facts the loader checks. Nothing else is exported.
// Pointers are byte offsets into the exported memory; the TypeScript side owns all allocation.
export { linearForward, linearBackward, linearBackwardRange, packOutputPairs, matmul } from "./matmul";
export { softmaxRows, softmaxCrossEntropyForwardBackward, softmaxCrossEntropySoftForwardBackward } from "./softmax";
export { l2LossForwardBackward, l1LossForwardBackward, huberLossForwardBackward } from "./loss";
export { reluForward, reluBackward } from "./activation";
export { sgdUpdate, adamUpdate } from "./optim";
export { gatherScaleU8, gatherF32, gatherLabels } from "./data";
export { argmaxRows, countCorrect } from "./metrics";

// First byte the TypeScript allocator may use.
export function heapBase(): usize {
  return __heap_base;
}

// Bumped whenever a kernel's signature or meaning changes; init() refuses a module with another value.
export const ABI_VERSION: i32 = 7;

// 1 in the SIMD builds, 0 in the scalar build, so a module handed to init() names its own backend.
export const SIMD: i32 = ASC_FEATURE_SIMD ? 1 : 0;

// 1 in the opt-in relaxed-SIMD builds (fused multiply-adds where the CPU has them), 0 in the others.
export const RELAXED_SIMD: i32 = ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
