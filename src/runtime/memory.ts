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
  readonly #holes: { start: number; end: number }[] = [];
  #top: number;
  #used = 0;
  /** Resident blocks by owner; `used` orders them by their last use. */
  readonly #residents = new Map<object, { ptr: Ptr; bytes: number; version: number; used: number }>();
  #uses = 0;

  constructor(readonly memory: Heap, base: number) {
    this.#top = alignUp(base);
  }

  /** Bytes held by live blocks. */
  get bytesInUse(): number {
    return this.#used;
  }

  alloc(bytes: number): Ptr {
    const size = alignUp(Math.max(bytes, 1));
    this.#used += size;
    const hole = this.#holes.findIndex((h) => h.end - h.start >= size);
    if (hole !== -1) {
      const h = this.#holes[hole]!, ptr = h.start;
      h.start += size;
      if (h.start === h.end) this.#holes.splice(hole, 1);
      return ptr;
    }
    const ptr = this.#top, end = ptr + size, have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE_BYTES);
      try {
        // The JS kernels' heap would grow past 4 GiB; wasm32 addresses no more.
        if (have / PAGE_BYTES + pages > MAX_PAGES) throw new RangeError(`expected at most 4 GiB in all, with ${this.#used - size} bytes in use`);
        this.memory.grow(pages);
      } catch (error) {
        this.#used -= size;
        throw new WasmError(`Kernel memory could not grow to ${end} bytes: ${(error as Error).message}.`,
          "Train on a subset, use a smaller batch or model, or close trainers you no longer need.");
      }
    }
    this.#top = end;
    return ptr;
  }

  free(ptr: Ptr, bytes: number): void {
    const size = alignUp(Math.max(bytes, 1));
    this.#used -= size;
    let i = 0;
    while (i < this.#holes.length && this.#holes[i]!.start < ptr) i++;
    const holes = this.#holes;
    holes.splice(i, 0, { start: ptr, end: ptr + size });
    // Merge with the neighbours, then give a hole that reaches the top back to it.
    if (i + 1 < holes.length && holes[i]!.end === holes[i + 1]!.start) { holes[i]!.end = holes[i + 1]!.end; holes.splice(i + 1, 1); }
    if (i > 0 && holes[i - 1]!.end === holes[i]!.start) { holes[i - 1]!.end = holes[i]!.end; holes.splice(i, 1); }
    const last = this.#holes[this.#holes.length - 1];
    if (last && last.end === this.#top) { this.#top = last.start; this.#holes.pop(); }
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
        this.#evictResident();
        block = { ptr: this.alloc(v.length * 4), bytes: v.length * 4, version, used: 0 };
        this.#residents.set(owner, block);
      }
      block.version = version;
      this.writeF32(block.ptr, v);
    }
    block.used = ++this.#uses;
    return block.ptr;
  }

  #evictResident(): void {
    if (this.#residents.size < RESIDENT_MODELS) return;
    let oldest: [object, { ptr: Ptr; bytes: number; used: number }] | undefined;
    for (const entry of this.#residents) if (!oldest || entry[1].used < oldest[1].used) oldest = entry;
    this.#residents.delete(oldest![0]);
    this.free(oldest![1].ptr, oldest![1].bytes);
  }

  /** A copy of `length` f32 values at `ptr`. */
  readF32(ptr: Ptr, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length).slice();
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
    const ptr = this.alloc(length * 4);
    if (values) this.arena.writeF32(ptr, values);
    return ptr;
  }

  i32(length: number, values?: Int32Array): Ptr {
    const ptr = this.alloc(length * 4);
    if (values) new Int32Array(this.arena.memory.buffer, ptr, values.length).set(values);
    return ptr;
  }

  u8(values: Uint8Array): Ptr {
    const ptr = this.alloc(values.length);
    new Uint8Array(this.arena.memory.buffer, ptr, values.length).set(values);
    return ptr;
  }

  close(): void {
    for (const [ptr, bytes] of this.#blocks.splice(0).reverse()) this.arena.free(ptr, bytes);
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
