import type { Heap, Ptr } from "../kernels/contract.js";
import { PAGE_BYTES } from "../kernels/contract.js";
import { WasmSoftmaxError } from "../errors.js";

// Cache-line aligned: a kernel's 64-byte strip of a row is then one line, not two.
const ALIGN = 64;

/**
 * The one allocator over a backend's memory: scopes stacked like call frames. An operation (fit, evaluate,
 * predict, a public kernel call) opens a scope, allocates everything it needs up front, and closes it when done.
 * Memory only ever grows inside `alloc`, before any kernel runs on the new buffers; growing detaches typed-array
 * views, so views are re-derived from the current buffer on every access and never kept across calls.
 * Scopes closed out of order (two overlapping async fits) are released once every scope above them is closed.
 */
export class Arena {
  private readonly scopes: Scope[] = [];
  private top: number;

  constructor(readonly memory: Heap, base: number) {
    this.top = alignUp(base);
  }

  open(): Scope {
    const scope = new Scope(this, this.top);
    this.scopes.push(scope);
    return scope;
  }

  /** @internal */
  allocate(scope: Scope, bytes: number): Ptr {
    if (this.scopes[this.scopes.length - 1] !== scope) {
      throw new WasmSoftmaxError("Internal: a scope may only allocate while it is the innermost open scope.");
    }
    const ptr = this.top;
    const end = alignUp(ptr + bytes);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
    this.top = end;
    return ptr;
  }

  /** @internal */
  release(): void {
    while (this.scopes.length > 0 && this.scopes[this.scopes.length - 1]!.closed) {
      this.top = this.scopes.pop()!.start;
    }
  }

  get f32(): Float32Array { return new Float32Array(this.memory.buffer); }
  get i32(): Int32Array { return new Int32Array(this.memory.buffer); }
  get u8(): Uint8Array { return new Uint8Array(this.memory.buffer); }

  /** A copy of `length` f32 values at `ptr`. */
  readF32(ptr: Ptr, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length).slice();
  }

  writeF32(ptr: Ptr, values: Float32Array): void {
    new Float32Array(this.memory.buffer, ptr, values.length).set(values);
  }
}

export class Scope {
  closed = false;
  constructor(private readonly arena: Arena, readonly start: number) {}

  alloc(bytes: number): Ptr {
    return this.arena.allocate(this, bytes);
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
    if (this.closed) return;
    this.closed = true;
    this.arena.release();
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
