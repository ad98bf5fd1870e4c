// The shipped wasm: the SIMD build really runs SIMD in its hot kernels, the scalar build has none. How runtimes
// pick and load the builds is in ../runtime/runtime.test.ts; the allocator over their memory in
// ../runtime/memory.test.ts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KERNEL_NAMES } from "../../src/kernels/contract.js";

const simdBytes = new Uint8Array(readFileSync(new URL("../../build/simd.wasm", import.meta.url)));
const scalarBytes = new Uint8Array(readFileSync(new URL("../../build/scalar.wasm", import.meta.url)));
const simdWat = readFileSync(new URL("../../build/simd.wat", import.meta.url), "utf8");

// ---- A minimal wasm binary reader: sections, exports, and an instruction walk of every function body. ----

class Reader {
  constructor(readonly bytes: Uint8Array, public pos = 0) {}
  u8(): number { return this.bytes[this.pos++]!; }
  u32(): number {
    let result = 0, shift = 0, byte: number;
    do { byte = this.u8(); result += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return result;
  }
  /** Signed LEB128 of any width; only its length matters here. */
  sleb(): void { while (this.u8() & 0x80); }
  skip(n: number): void { this.pos += n; }
  name(): string { const n = this.u32(); const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n)); this.pos += n; return s; }
}

interface Module {
  sections: Map<number, { start: number; end: number }>;
  exports: Map<string, { kind: number; index: number }>;
  importedFunctions: number;
  /** Per defined function (index without imports): the count of every SIMD sub-opcode in its body. */
  bodies: { simd: Map<number, number>; instructions: number }[];
}

function parse(bytes: Uint8Array): Module {
  const r = new Reader(bytes);
  expect(Array.from(bytes.subarray(0, 8))).toEqual([0, 97, 115, 109, 1, 0, 0, 0]);
  r.pos = 8;
  const sections = new Map<number, { start: number; end: number }>();
  while (r.pos < bytes.length) {
    const id = r.u8(), size = r.u32();
    sections.set(id, { start: r.pos, end: r.pos + size });
    r.skip(size);
  }
  let importedFunctions = 0;
  const imports = sections.get(2);
  if (imports) {
    r.pos = imports.start;
    for (let n = r.u32(); n > 0; n--) {
      r.name(); r.name();
      const kind = r.u8();
      if (kind === 0) { r.u32(); importedFunctions++; }
      else if (kind === 1) { r.u8(); const flags = r.u8(); r.u32(); if (flags & 1) r.u32(); }
      else if (kind === 2) { const flags = r.u8(); r.u32(); if (flags & 1) r.u32(); }
      else { r.u8(); r.u8(); }
    }
  }
  const exports = new Map<string, { kind: number; index: number }>();
  const exportSection = sections.get(7);
  if (exportSection) {
    r.pos = exportSection.start;
    for (let n = r.u32(); n > 0; n--) { const name = r.name(); exports.set(name, { kind: r.u8(), index: r.u32() }); }
  }
  const bodies: Module["bodies"] = [];
  const code = sections.get(10);
  if (code) {
    r.pos = code.start;
    for (let n = r.u32(); n > 0; n--) {
      const size = r.u32(), end = r.pos + size;
      for (let groups = r.u32(); groups > 0; groups--) { r.u32(); r.u8(); }
      bodies.push(walk(r, end));
      expect(r.pos, "a function body decodes to exactly its size").toBe(end);
    }
  }
  return { sections, exports, importedFunctions, bodies };
}

/** Decodes one function body's instructions (MVP, 0xFC bulk-memory/saturating, 0xFD SIMD), counting SIMD ops. */
function walk(r: Reader, end: number): { simd: Map<number, number>; instructions: number } {
  const simd = new Map<number, number>();
  let instructions = 0;
  const memarg = () => { r.u32(); r.u32(); };
  while (r.pos < end) {
    const op = r.u8();
    instructions++;
    if (op === 0x02 || op === 0x03 || op === 0x04) {
      const t = r.bytes[r.pos]!;
      if (t === 0x40 || (t >= 0x6f && t <= 0x7f)) r.skip(1); else r.sleb();
    } else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2) r.u32();
    else if (op === 0x0e) { for (let n = r.u32(); n >= 0; n--) r.u32(); }
    else if (op === 0x11) { r.u32(); r.u32(); }
    else if (op === 0x1c) { r.skip(r.u32()); }
    else if (op >= 0x28 && op <= 0x3e) memarg();
    else if (op === 0x3f || op === 0x40 || op === 0xd0) r.u8();
    else if (op === 0x41 || op === 0x42) r.sleb();
    else if (op === 0x43) r.skip(4);
    else if (op === 0x44) r.skip(8);
    else if (op === 0xfc) {
      const sub = r.u32();
      if (sub === 8) { r.u32(); r.u8(); } else if (sub === 10) { r.u8(); r.u8(); } else if (sub === 11) r.u8();
      else if (sub === 9 || sub === 13 || (sub >= 15 && sub <= 17)) r.u32();
      else if (sub === 12 || sub === 14) { r.u32(); r.u32(); }
    } else if (op === 0xfd) {
      const sub = r.u32();
      simd.set(sub, (simd.get(sub) ?? 0) + 1);
      if (sub <= 11 || sub === 92 || sub === 93) memarg();
      else if (sub === 12 || sub === 13) r.skip(16);
      else if (sub >= 21 && sub <= 34) r.skip(1);
      else if (sub >= 84 && sub <= 91) { memarg(); r.skip(1); }
    } else if (!(op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || (op >= 0x45 && op <= 0xc4) || op === 0xd1)) {
      throw new Error(`unknown opcode 0x${op.toString(16)} at byte ${r.pos - 1}`);
    }
  }
  return { simd, instructions };
}

const OP = {
  "v128.load": 0x00, "v128.load32_splat": 0x09, "v128.store": 0x0b, "f32x4.sqrt": 0xe3, "f32x4.add": 0xe4, "f32x4.mul": 0xe6,
  "f32x4.div": 0xe7,
} as const;

function simdCounts(mod: Module, kernel: string): Map<number, number> {
  const entry = mod.exports.get(kernel);
  expect(entry, `export ${kernel}`).toBeDefined();
  expect(entry!.kind).toBe(0);
  return mod.bodies[entry!.index - mod.importedFunctions]!.simd;
}

/** Occurrences of `op` in the body of `$assembly/<file>/<kernel>` in the .wat text. */
function watCount(kernel: string, op: string): number {
  const start = simdWat.search(new RegExp(`\\(func \\$assembly/\\w+/${kernel} `));
  expect(start, `${kernel} in simd.wat`).toBeGreaterThanOrEqual(0);
  const next = simdWat.indexOf("\n (func ", start + 1);
  const body = simdWat.slice(start, next < 0 ? undefined : next);
  return body.match(new RegExp(`(?<=[\\s(])${op.replace(".", "\\.")}(?=[\\s)])`, "g"))?.length ?? 0;
}

describe("the release wasm builds", () => {
  const simd = parse(simdBytes), scalar = parse(scalarBytes);

  it("both validate and export every kernel, the memory, heapBase, ABI_VERSION and SIMD", () => {
    for (const [bytes, mod] of [[simdBytes, simd], [scalarBytes, scalar]] as const) {
      expect(WebAssembly.validate(bytes)).toBe(true);
      for (const name of [...KERNEL_NAMES, "heapBase"]) expect(mod.exports.get(name)?.kind, name).toBe(0);
      expect(mod.exports.get("memory")?.kind).toBe(2);
      expect(mod.exports.get("ABI_VERSION")?.kind).toBe(3);
      expect(mod.exports.get("SIMD")?.kind).toBe(3);
    }
  });

  it("the SIMD build's linearForward, linearBackward(Range) and matmul multiply-add with f32x4 on v128 loads", () => {
    // linearBackward is linearBackwardRange over all outputs: the loops are in the latter.
    for (const kernel of ["linearForward", "linearBackwardRange", "matmul"]) {
      const ops = simdCounts(simd, kernel);
      expect(ops.get(OP["f32x4.mul"]) ?? 0, `${kernel} f32x4.mul`).toBeGreaterThanOrEqual(4);
      expect(ops.get(OP["f32x4.add"]) ?? 0, `${kernel} f32x4.add`).toBeGreaterThanOrEqual(4);
      expect((ops.get(OP["v128.load"]) ?? 0) + (ops.get(OP["v128.load32_splat"]) ?? 0), `${kernel} v128 loads`).toBeGreaterThanOrEqual(2);
    }
    // linearForward keeps 4 rows × 2 outputs = 8 accumulators: at least 8 multiply-adds in its inner loop.
    expect(simdCounts(simd, "linearForward").get(OP["f32x4.mul"])).toBeGreaterThanOrEqual(8);
  });

  it("the binary walk agrees with simd.wat on the f32x4.mul, f32x4.add and v128.load counts of each kernel", () => {
    for (const kernel of ["linearForward", "linearBackwardRange", "matmul", "reluForward", "sgdUpdate", "gatherScaleU8"]) {
      const ops = simdCounts(simd, kernel);
      for (const name of ["f32x4.mul", "f32x4.add", "v128.load"] as const) {
        expect(ops.get(OP[name]) ?? 0, `${kernel} ${name}`).toBe(watCount(kernel, name));
      }
    }
  });

  it("the SIMD build also vectorises reluForward, reluBackward, sgdUpdate, adamUpdate and gatherScaleU8", () => {
    for (const kernel of ["reluForward", "reluBackward", "sgdUpdate", "adamUpdate", "gatherScaleU8"]) {
      expect(simdCounts(simd, kernel).get(OP["v128.store"]) ?? 0, kernel).toBeGreaterThan(0);
    }
    // Adam's step divides and takes a square root four lanes at a time (both correctly rounded: the scalar bits),
    // in two loops: 3 divisions each step while c1 < 1, 2 once c1 is exactly 1.
    expect(simdCounts(simd, "adamUpdate").get(OP["f32x4.sqrt"]) ?? 0).toBe(2);
    expect(simdCounts(simd, "adamUpdate").get(OP["f32x4.div"]) ?? 0).toBe(5);
  });

  it("the scalar build contains no SIMD instruction at all", () => {
    expect(scalar.bodies.length).toBeGreaterThan(KERNEL_NAMES.length - 1);
    expect(scalar.bodies.every((b) => b.instructions > 0)).toBe(true);
    const total = scalar.bodies.reduce((n, b) => n + [...b.simd.values()].reduce((a, c) => a + c, 0), 0);
    expect(total).toBe(0);
    expect(readFileSync(new URL("../../build/scalar.wat", import.meta.url), "utf8")).not.toMatch(/v128|f32x4|i8x16/);
  });

  it("the scalar build instantiates with its SIMD global 0, the SIMD build with 1", async () => {
    const flag = async (bytes: Uint8Array<ArrayBuffer>) => ((await WebAssembly.instantiate(await WebAssembly.compile(bytes), {})).exports.SIMD as WebAssembly.Global).value;
    expect(await flag(scalarBytes)).toBe(0);
    expect(await flag(simdBytes)).toBe(1);
  });
});
