// Runs one kernel call in a backend's memory with guard bytes around every buffer, then checks that the kernel
// wrote only where it should: the guards are intact and input-only buffers are unchanged.
import { expect } from "vitest";
import type { Backend, Kernels } from "../../src/kernels/contract.js";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.js";
import { Scope } from "../../src/runtime/memory.js";

export type Arr = Float32Array | Int32Array | Uint8Array;

/** One buffer of a kernel call. `out` buffers are pre-filled with the guard pattern; `alias` reuses another's pointer. */
export type Buf =
  | { data: Arr; role: "in" | "out" | "inout" }
  | { alias: string };

export const GUARD_BYTES = 64;

/** All three backends side by side, each its own runtime with its own memory. */
export async function loadRuntimes(): Promise<Record<Backend, Runtime>> {
  const result = {} as Record<Backend, Runtime>;
  for (const backend of ["wasm-simd", "wasm", "js"] as const) {
    result[backend] = await createRuntime({ backend });
    expect(result[backend].backend).toBe(backend);
  }
  return result;
}

/**
 * The 4-byte fill pattern of guards and unwritten outputs. In wasm it is a NaN (so an out-of-bounds read into
 * a guard poisons the result); in the TS oracle a large finite number, so two backends that both leave a value
 * unwritten, or both read past a buffer, still disagree.
 */
function pattern(backend: Backend): number[] {
  return backend === "js" ? [0x5a, 0x5a, 0x5a, 0x5a] : [0xa5, 0xa5, 0xc0, 0x7f];
}

function fill(bytes: Uint8Array, from: number, to: number, pat: number[]): void {
  for (let i = from; i < to; i++) bytes[i] = pat[(i - from) & 3]!;
}

function same<T extends Arr>(data: T, buffer: ArrayBuffer, ptr: number): T {
  const Ctor = data.constructor as new (buffer: ArrayBuffer, offset: number, length: number) => T;
  return new Ctor(buffer, ptr, data.length).slice() as T;
}

export interface Result {
  /** The kernel's return value. */
  ret: number | void;
  /** Every buffer's contents after the call, by name (aliases included). */
  out: Record<string, Arr>;
}

export function runKernel(rt: Runtime, bufs: Record<string, Buf>, call: (k: Kernels, p: Record<string, number>) => number | void, label = ""): Result {
  const scope = new Scope(rt.arena);
  try {
    const pat = pattern(rt.kernels.backend);
    const ptrs: Record<string, number> = {};
    const sizes: Record<string, number> = {};
    for (const [name, buf] of Object.entries(bufs)) {
      if ("alias" in buf) continue;
      const bytes = buf.data.byteLength;
      const base = scope.alloc(GUARD_BYTES + bytes + GUARD_BYTES);
      ptrs[name] = base + GUARD_BYTES;
      sizes[name] = bytes;
    }
    // Filled after every allocation: a later allocation may grow (and replace) the buffer.
    const mem = new Uint8Array(rt.kernels.memory.buffer);
    for (const [name, buf] of Object.entries(bufs)) {
      if ("alias" in buf) continue;
      const ptr = ptrs[name]!, bytes = sizes[name]!;
      fill(mem, ptr - GUARD_BYTES, ptr, pat);
      fill(mem, ptr + bytes, ptr + bytes + GUARD_BYTES, pat);
      if (buf.role === "out") fill(mem, ptr, ptr + bytes, pat);
      else mem.set(new Uint8Array(buf.data.buffer, buf.data.byteOffset, bytes), ptr);
    }
    for (const [name, buf] of Object.entries(bufs)) {
      if ("alias" in buf) ptrs[name] = ptrs[buf.alias]!;
    }

    const ret = call(rt.kernels, ptrs);

    const after = new Uint8Array(rt.kernels.memory.buffer);
    const out: Record<string, Arr> = {};
    const where = `${label ? label + ", " : ""}${rt.kernels.backend}`;
    for (const [name, buf] of Object.entries(bufs)) {
      const owner = "alias" in buf ? buf.alias : name;
      const src = bufs[owner] as { data: Arr; role: string };
      out[name] = same(src.data, rt.kernels.memory.buffer, ptrs[owner]!);
      if ("alias" in buf) continue;
      const ptr = ptrs[name]!, bytes = sizes[name]!;
      for (const [from, to, side] of [[ptr - GUARD_BYTES, ptr, "before"], [ptr + bytes, ptr + bytes + GUARD_BYTES, "after"]] as const) {
        for (let i = from; i < to; i++) {
          if (after[i] !== pat[(i - from) & 3]) {
            expect.fail(`${where}: the kernel wrote into the guard ${side} "${name}" (byte ${i - from} of ${GUARD_BYTES})`);
          }
        }
      }
      if (buf.role === "in" && !Object.values(bufs).some((b) => "alias" in b && b.alias === name)) {
        const now = after.subarray(ptr, ptr + bytes), was = new Uint8Array(buf.data.buffer, buf.data.byteOffset, bytes);
        const i = now.findIndex((v, j) => v !== was[j]);
        if (i >= 0) expect.fail(`${where}: the kernel modified its input "${name}" at byte ${i}`);
      }
    }
    return { ret, out };
  } finally {
    scope.close();
  }
}
