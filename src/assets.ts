// The package's own files, addressed from this module. It sits one level below the package root both as
// src/assets.ts (a checkout) and inside dist/ (the bundles), so the same relative URLs work in both. The URLs
// stay literal `new URL("…", import.meta.url)` expressions so bundlers such as Vite find and emit the files.

export const simdWasmUrl = (): URL => new URL("../build/simd.wasm", import.meta.url);
export const scalarWasmUrl = (): URL => new URL("../build/scalar.wasm", import.meta.url);
export const simdThreadsWasmUrl = (): URL => new URL("../build/simd-threads.wasm", import.meta.url);
export const relaxedSimdWasmUrl = (): URL => new URL("../build/simd-relaxed.wasm", import.meta.url);
export const relaxedSimdThreadsWasmUrl = (): URL => new URL("../build/simd-relaxed-threads.wasm", import.meta.url);
export const packageJsonUrl = (): URL => new URL("../package.json", import.meta.url);
