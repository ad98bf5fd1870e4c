import type { Heap, Ptr } from "../kernels/contract.js";
import { PAGE_BYTES } from "../kernels/contract.js";
import { WasmError } from "../errors.js";

// Cache-line aligned: a kernel's 64-byte strip of a row is then one line, not two.
const ALIGN = 64;
/** wasm32 addresses 4 GiB: 65 536 pages of 64 KiB. */
const MAX_PAGES = 65536;
/** Models whose parameters a memory keeps between predictions; the least recently used beyond these is freed. */
export const RESIDENT_MODELS = 4;

/**
 * The one allocator over a runtime's kernel memory. Blocks are few and long-lived (a Trainer's parameters and
 * data sets, a predict call's buffers), so a first-fit free list is enough; freed blocks are reused and any
 * owner may free in any order, so overlapping trainers never pin each other's memory. Memory only grows inside
 * `alloc`, before a kernel runs on the new block; growing detaches typed-array views, so views are re-derived
 * from the current buffer on every access and never kept across calls. Offsets are unsigned numbers up to 4 GiB.
 */
export class Arena {
  /** Free ranges below `top`, sorted by start and coalesced. */
  #holes: { start: number; end: number }[] = [];
  #top: number;
  #used = 0;
  /** Resident blocks by owner, the least recently used first (a Map keeps the order keys were set in). */
  readonly #residents = new Map<object, { ptr: Ptr; bytes: number; version: number }>();

  constructor(readonly memory: Heap, base: number) {
    this.#top = alignUp(base);
  }

  /** Bytes held by live blocks. */
  get bytesInUse(): number {
    return this.#used;
  }

  alloc(bytes: number): Ptr {
    const size = alignUp(Math.max(bytes, 1));
    const hole = this.#holes.find((h) => h.end - h.start >= size);
    let ptr = this.#top;
    if (hole) {
      ptr = hole.start;
      hole.start += size;
      this.#holes = this.#holes.filter((h) => h.start < h.end);
    } else {
      const end = ptr + size, have = this.memory.buffer.byteLength;
      if (end > have) {
        const pages = Math.ceil((end - have) / PAGE_BYTES);
        try {
          // The JS kernels' heap would grow past 4 GiB; wasm32 addresses no more.
          if (have / PAGE_BYTES + pages > MAX_PAGES) throw new RangeError(`expected at most 4 GiB in all, with ${this.#used} bytes in use`);
          this.memory.grow(pages);
        } catch (error) {
          throw new WasmError(`Kernel memory could not grow to ${end} bytes: ${(error as Error).message}.`,
            "Use less data, a smaller batch or model, or close the trainers you no longer need.");
        }
      }
      this.#top = end;
    }
    this.#used += size;
    return ptr;
  }

  free(ptr: Ptr, bytes: number): void {
    const size = alignUp(Math.max(bytes, 1)), holes: { start: number; end: number }[] = [];
    this.#used -= size;
    // Merge the new hole with its neighbours, then give a hole that reaches the top back to it.
    for (const h of [...this.#holes, { start: ptr, end: ptr + size }].sort((a, b) => a.start - b.start)) {
      const last = holes[holes.length - 1];
      if (last?.end === h.start) last.end = h.end;
      else holes.push(h);
    }
    if (holes[holes.length - 1]?.end === this.#top) this.#top = holes.pop()!.start;
    this.#holes = holes;
  }

  /**
   * A block of `values()` (f32, always as many) kept for `owner` (a model) between calls, so a prediction does not
   * copy the parameters in each time: `values()` is copied in only when `version` differs from the last call's
   * (NaN: always). The blocks of the RESIDENT_MODELS owners used last stay; an older one is freed.
   */
  resident(owner: object, version: number, values: () => Float32Array): Ptr {
    let block = this.#residents.get(owner);
    if (block?.version !== version) {
      const v = values();
      if (!block) {
        const [oldest] = this.#residents;
        if (this.#residents.size >= RESIDENT_MODELS) {
          this.#residents.delete(oldest![0]);
          this.free(oldest![1].ptr, oldest![1].bytes);
        }
        block = { ptr: this.alloc(v.length * 4), bytes: v.length * 4, version };
      }
      block.version = version;
      this.writeF32(block.ptr, v);
    }
    this.#residents.delete(owner);
    this.#residents.set(owner, block);
    return block.ptr;
  }

  writeF32(ptr: Ptr, values: Float32Array): void {
    new Float32Array(this.memory.buffer, ptr, values.length).set(values);
  }
}

/** Blocks freed together: a predict call, a public kernel call, a Trainer. */
export class Scope {
  readonly #blocks: [Ptr, number][] = [];
  constructor(readonly arena: Arena) {}

  alloc(bytes: number): Ptr {
    const ptr = this.arena.alloc(bytes);
    this.#blocks.push([ptr, bytes]);
    return ptr;
  }

  /** Blocks of `sizes` bytes, aligned as `alloc` aligns each, carved from one allocation (a prediction's room takes one). */
  carve(sizes: readonly number[]): Ptr[] {
    let at = this.alloc(sizes.reduce((n, size) => n + alignUp(size), 0));
    return sizes.map((size) => (at += alignUp(size)) - alignUp(size));
  }

  /** Allocates room for `length` f32 values and, when given, copies `values` in. */
  f32(length: number, values?: Float32Array): Ptr {
    return this.#put(length * 4, values);
  }

  i32(length: number, values?: Int32Array): Ptr {
    return this.#put(length * 4, values);
  }

  #put(bytes: number, values: Float32Array | Int32Array | undefined): Ptr {
    const ptr = this.alloc(bytes);
    if (values) new (values.constructor as Float32ArrayConstructor)(this.arena.memory.buffer, ptr, values.length).set(values as Float32Array);
    return ptr;
  }

  close(): void {
    for (const [ptr, bytes] of this.#blocks.splice(0).reverse()) this.arena.free(ptr, bytes);
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
