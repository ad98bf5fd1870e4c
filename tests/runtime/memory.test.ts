// The one allocator over a runtime's kernel memory: a first-fit free list of cache-line-aligned blocks, and
// scopes that free their blocks together, in any order.
import { describe, expect, it } from "vitest";
import { JsHeap } from "../../src/kernels/js.js";
import { Arena, Scope } from "../../src/runtime/memory.js";
import { WasmError } from "../../src/errors.js";
import { thrown } from "../helpers/errors.js";
import { readF32 } from "../helpers/memory.js";

describe("Arena", () => {
  it("hands out cache-line-aligned, non-overlapping blocks from heapBase", () => {
    const arena = new Arena(new JsHeap(), 20), scope = new Scope(arena);
    const a = scope.alloc(3), b = scope.alloc(65), c = scope.f32(1);
    expect([a, b, c]).toEqual([64, 128, 256]);
  });

  it("counts the aligned size of every live block in bytesInUse, and nothing once they are freed", () => {
    const arena = new Arena(new JsHeap(), 16);
    expect(arena.bytesInUse).toBe(0);
    const a = arena.alloc(1), b = arena.alloc(100);
    expect(arena.bytesInUse).toBe(64 + 128);
    arena.free(a, 1);
    expect(arena.bytesInUse).toBe(128);
    arena.free(b, 100);
    expect(arena.bytesInUse).toBe(0);
  });

  it("reuses a freed block for the next allocation that fits in it (first fit)", () => {
    const arena = new Arena(new JsHeap(), 16);
    const a = arena.alloc(128), b = arena.alloc(128), c = arena.alloc(128);
    arena.free(b, 128);
    expect(arena.alloc(256)).toBe(c + 128); // too big for the hole: from the top
    expect(arena.alloc(64)).toBe(b); // fits: the hole's start
    expect(arena.alloc(64)).toBe(b + 64); // the rest of the hole
    expect(arena.alloc(1)).toBe(c + 128 + 256);
    expect(a).toBe(64);
  });

  it("merges neighbouring free blocks, so a larger block fits where two small ones were", () => {
    const arena = new Arena(new JsHeap(), 16);
    const a = arena.alloc(64), b = arena.alloc(64), c = arena.alloc(64), d = arena.alloc(64);
    arena.free(c, 64);
    arena.free(b, 64); // merges with c's hole after it
    expect(arena.alloc(128)).toBe(b);
    arena.free(a, 64);
    arena.free(b, 128); // merges with a's hole before it
    expect(arena.alloc(192)).toBe(a);
    expect(d).toBe(a + 192);
  });

  it("gives a free block at the top back to the top, so the next allocation starts there", () => {
    const arena = new Arena(new JsHeap(), 16);
    const a = arena.alloc(64), b = arena.alloc(64);
    arena.free(b, 64);
    expect(arena.alloc(1000)).toBe(b);
    arena.free(b, 1000);
    arena.free(a, 64);
    expect(arena.alloc(5000)).toBe(a);
  });

  it.each([
    ["a WebAssembly.Memory", () => new WebAssembly.Memory({ initial: 1 })],
    ["the JS heap", () => new JsHeap()],
  ])("grows %s on demand and keeps earlier data intact", (_, heap) => {
    const memory = heap(), arena = new Arena(memory, 16), scope = new Scope(arena);
    const values = Float32Array.from({ length: 1000 }, (_, i) => i * 0.5 - 7);
    const p = scope.f32(values.length, values);
    const oldBuffer = memory.buffer;
    const big = scope.f32(3 * 65536); // 768 KiB: more than the one page we started with
    expect(memory.buffer).not.toBe(oldBuffer);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 3 * 65536 * 4);
    expect(Array.from(readF32(arena, p, values.length))).toEqual(Array.from(values));
    new Float32Array(memory.buffer)[big / 4 + 3 * 65536 - 1] = 42; // the last value of the new block is addressable
    expect(readF32(arena, big + (3 * 65536 - 1) * 4, 1)[0]).toBe(42);
  });

  it("refuses a request beyond 4 GiB with a WasmError, leaving bytesInUse and the memory as they were", () => {
    const memory = new JsHeap(), arena = new Arena(memory, 16);
    arena.alloc(100);
    const error = thrown(() => arena.alloc(2 ** 32));
    expect(error).toBeInstanceOf(WasmError);
    expect(error.message).toBe(`Kernel memory could not grow to ${2 ** 32 + 192} bytes: expected at most 4 GiB in all, with 128 bytes in use. ` +
      "Use less data, a smaller batch or model, or close the trainers you no longer need.");
    expect(arena.bytesInUse).toBe(128);
    expect(memory.buffer.byteLength).toBe(65536);
    expect(arena.alloc(1)).toBe(192);
  });

  it("turns a memory that cannot grow into a WasmError, leaving bytesInUse as it was", () => {
    const arena = new Arena(new WebAssembly.Memory({ initial: 1, maximum: 1 }), 16);
    const error = thrown(() => arena.alloc(2 * 65536));
    expect(error).toBeInstanceOf(WasmError);
    expect(error.message).toMatch(/^Kernel memory could not grow to 131136 bytes: .+\. Use less data/);
    expect(arena.bytesInUse).toBe(0);
    expect(arena.alloc(64)).toBe(64);
  });

  it("copies f32 values in and out at their pointers", () => {
    const arena = new Arena(new JsHeap(), 16), p = arena.alloc(12);
    arena.writeF32(p, new Float32Array([1.5, -2, 3]));
    const copy = readF32(arena, p, 3);
    arena.writeF32(p, new Float32Array([0, 0, 0]));
    expect(Array.from(copy)).toEqual([1.5, -2, 3]);
  });
});

describe("Scope", () => {
  it("copies i32 and f32 values in at their pointers", () => {
    const arena = new Arena(new JsHeap(), 16), scope = new Scope(arena);
    const pi = scope.i32(3, new Int32Array([-1, 2, 2 ** 31 - 1])), pf = scope.f32(3, new Float32Array([0.5, -0, 7]));
    expect(Array.from(new Int32Array(arena.memory.buffer, pi, 3))).toEqual([-1, 2, 2 ** 31 - 1]);
    expect(Array.from(new Float32Array(arena.memory.buffer, pf, 3))).toEqual([0.5, -0, 7]);
  });

  it("carves blocks of the sizes asked from one allocation, each aligned to 64 bytes", () => {
    const arena = new Arena(new JsHeap(), 16), scope = new Scope(arena);
    const [a, b, c] = scope.carve([100, 1, 64]);
    expect([b! - a!, c! - b!, a! % 64]).toEqual([128, 64, 0]);
    expect(arena.bytesInUse).toBe(128 + 64 + 64);
    scope.close();
    expect(arena.bytesInUse).toBe(0);
  });

  it("frees all its blocks when it closes, for the next scope to reuse", () => {
    const arena = new Arena(new JsHeap(), 16);
    const first = new Scope(arena), p = first.alloc(100);
    first.f32(10);
    first.close();
    expect(arena.bytesInUse).toBe(0);
    expect(new Scope(arena).alloc(100)).toBe(p);
  });

  it("may close before a scope opened after it, whose blocks stay where they are", () => {
    const arena = new Arena(new JsHeap(), 16);
    const outer = new Scope(arena), outerPtr = outer.alloc(64);
    const inner = new Scope(arena), innerPtr = inner.alloc(64);
    arena.writeF32(innerPtr, new Float32Array([7, 8]));
    outer.close();
    // outer's block is free at once, though inner still holds the memory above it.
    expect(arena.bytesInUse).toBe(64);
    const probe = new Scope(arena);
    expect(probe.alloc(16)).toBe(outerPtr);
    expect(probe.alloc(16)).toBe(innerPtr + 64);
    probe.close();
    expect(Array.from(readF32(arena, innerPtr, 2))).toEqual([7, 8]);
    inner.close();
    // Both gone: allocation starts at heapBase again.
    expect(arena.bytesInUse).toBe(0);
    expect(arena.alloc(16)).toBe(outerPtr);
  });

  it("may allocate after another scope was opened (scopes are not a stack)", () => {
    const arena = new Arena(new JsHeap(), 16);
    const a = new Scope(arena), b = new Scope(arena);
    const pa = a.alloc(64), pb = b.alloc(64), pa2 = a.alloc(64);
    expect(new Set([pa, pb, pa2]).size).toBe(3);
    b.close();
    expect(arena.bytesInUse).toBe(128);
    a.close();
    expect(arena.bytesInUse).toBe(0);
  });

  it("closing a scope twice frees its blocks once", () => {
    const arena = new Arena(new JsHeap(), 16);
    const a = new Scope(arena); a.alloc(32);
    const b = new Scope(arena); const pb = b.alloc(32);
    b.close();
    b.close();
    expect(arena.bytesInUse).toBe(64);
    expect(new Scope(arena).alloc(32)).toBe(pb);
  });
});
