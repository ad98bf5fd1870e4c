// Reading kernel memory back in tests: the package itself never copies a block out, only the tests look.
import type { Arena } from "../../src/runtime/memory.js";

/** A copy of `length` f32 values at `ptr` in `arena`'s memory. */
export function readF32(arena: Arena, ptr: number, length: number): Float32Array {
  return new Float32Array(arena.memory.buffer, ptr, length).slice();
}
