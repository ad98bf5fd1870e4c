// Which data sets live in kernel memory and which are streamed, and how a batch of either, or of the caller's own
// arrays, gets into the slots a training step or an evaluation reads. A data set that fits the budget is copied in
// once and its batches are gathered by the kernels; a larger one stays in JS and each batch is gathered there
// into the staging buffer, with the same bits.
import type { Ptr } from "../kernels/contract.js";
import { Scope } from "../runtime/memory.js";
import { Dataset, U8_SCALE } from "../data/dataset.js";
import type { Targets } from "../data/dataset.js";
import { epochOrder } from "../data/batches.js";
import { normalizeRows, writeRows } from "../model/inference.js";
import type { KernelSpace, Staging } from "../model/inference.js";
import { checkFits, rowsOf } from "../model/network.js";
import type { DenseNetwork, Inputs } from "../model/network.js";
import { OptionError, ShapeError } from "../errors.js";
import { check, integerIn, rule } from "../validate.js";
import { checkDistributions } from "./losses.js";
import type { Loss } from "./losses.js";

/** @internal Where a batch goes: its input rows (a first activation, with its staging), labels and target rows. */
export interface BatchSlots {
  readonly input: Ptr;
  readonly stage: Staging;
  readonly labels: Ptr;
  /** Room for rows × classes targets; 0 when the batches of this feed need none. */
  readonly targets: Ptr;
}

/** A data set copied into kernel memory: rows, labels, target rows when the loss uses them, and an order. */
interface Resident {
  streamed: false;
  withTargets: boolean;
  x: Ptr;
  y: Ptr;
  targets: Ptr | undefined;
  order: Ptr;
}

/** A data set over the budget: it stays in JS, and each batch is gathered from it into the staging buffer. */
interface Streamed {
  streamed: true;
  withTargets: boolean;
  order: Int32Array;
}

const DATASET = rule<Dataset>("a Dataset (from loadFashionMNIST or Dataset.fromArrays)", (v) => v instanceof Dataset);

/** @internal A non-empty Dataset, or an OptionError naming `what`. */
export function checkDataset(what: string, data: unknown): Dataset {
  check(what, data, DATASET);
  if ((data as Dataset).length === 0) throw new OptionError(what, "at least one example", "an empty Dataset");
  return data as Dataset;
}

/** @internal The data sets one Trainer (or one evaluation) reads, each checked once, within one budget of kernel memory. */
export class Feed {
  readonly #space: KernelSpace;
  readonly #model: DenseNetwork;
  readonly #loss: Loss;
  readonly #budget: number;
  readonly #scope: Scope;
  readonly #sets = new Map<Dataset, Resident | Streamed>();
  #used = 0;

  /** `residentBytes`: what the copied-in data sets may take together (0 streams every one). */
  constructor(space: KernelSpace, model: DenseNetwork, loss: Loss, residentBytes: number) {
    this.#space = space;
    this.#model = model;
    this.#loss = loss;
    this.#budget = residentBytes;
    this.#scope = new Scope(space.arena);
  }

  /**
   * Takes `data` in (checked the first time: a non-empty Dataset that fits the model, with targets its loss can
   * use) and sets the order of its next batches: the epoch's shuffle, or the rows in order. True when its batches
   * carry target rows.
   */
  prepare(data: Dataset, { shuffle, seed, epoch }: { shuffle: boolean; seed: number; epoch: number }): boolean {
    const r = this.#setOf(data), order = epochOrder(data.length, shuffle, seed, epoch);
    if (r.streamed) r.order = order;
    else new Int32Array(this.#space.arena.memory.buffer, r.order, order.length).set(order);
    return r.withTargets;
  }

  /** Gathers rows [start, end) of the prepared order into the slots; returns the batch's rows. */
  load(data: Dataset, start: number, end: number, slots: BatchSlots): number {
    const r = this.#sets.get(data)!;
    const B = r.streamed ? this.#stream(data, r, start, end, slots) : this.#gather(data, r, start, end, slots);
    normalizeRows(this.#space.arena, slots.input, B, data.features, this.#model.input.normalizer);
    return B;
  }

  #gather(data: Dataset, r: Resident, start: number, end: number, slots: BatchSlots): number {
    const k = this.#space.kernels, B = end - start, idx = r.order + start * 4;
    if (data.pixels) k.gatherScaleU8(slots.input, r.x, idx, B, data.features, U8_SCALE);
    else k.gatherF32(slots.input, r.x, idx, B, data.features);
    k.gatherLabels(slots.labels, r.y, idx, B);
    if (r.targets !== undefined) k.gatherF32(slots.targets, r.targets, idx, B, data.classes);
    return B;
  }

  /**
   * The caller's input rows, checked: whole rows of the model's width, 1 to `limit` of them (`what` names the
   * call, the limit is its Trainer's batchSize).
   */
  inputRows(x: Inputs, limit: number, what: string): { values: Uint8Array | Float32Array; rows: number } {
    const width = this.#model.inputs, values = rowsOf(x, this.#model), rows = values.length / width;
    if (rows < 1 || rows > limit) {
      throw new ShapeError(`${what} inputs`, `1 to ${limit} rows of ${width} values (the Trainer's batchSize)`, `${rows} rows`,
        "Split the batch, or create the Trainer with a larger batchSize.");
    }
    return { values, rows };
  }

  /** Writes a batch of the caller's: rows from `inputRows` and their labels or target rows; true when `y` held target rows. */
  writeBatch(values: Uint8Array | Float32Array, rows: number, y: Targets, slots: BatchSlots): boolean {
    const { kernels, arena } = this.#space, C = this.#model.classes, width = this.#model.inputs;
    writeRows(kernels, arena, slots.stage, slots.input, values, rows, width, this.#model.input.normalizer);
    const labels = new Int32Array(arena.memory.buffer, slots.labels, rows), targets = new Float32Array(arena.memory.buffer, slots.targets, rows * C);
    if (y instanceof Float32Array && y.length === rows * C) {
      if (this.#loss.distributions) checkDistributions("trainOnBatch target row", y, rows, C);
      targets.set(y);
      for (let r = 0; r < rows; r++) labels[r] = argmax(y, r * C, C);
      return true;
    }
    if (y == null || y.length !== rows) {
      throw new ShapeError("trainOnBatch labels", `${rows} labels, or ${rows} × ${C} target values`, `${y?.length ?? describeType(y)}`);
    }
    const label = integerIn(0, C - 1, `an integer in [0, ${C})`);
    for (let r = 0; r < rows; r++) labels[r] = check(`labels[${r}]`, y[r], label);
    if (this.#loss.needsTargets(false)) {
      targets.fill(0);
      for (let r = 0; r < rows; r++) targets[r * C + labels[r]!] = 1;
    }
    return false;
  }

  /** Frees the data sets copied in. */
  close(): void {
    this.#scope.close();
    this.#sets.clear();
  }

  #setOf(data: Dataset): Resident | Streamed {
    checkDataset("data", data);
    const known = this.#sets.get(data);
    if (known) return known;
    checkFits(this.#model, data);
    const withTargets = this.#loss.needsTargets(data.targets !== undefined);
    if (data.targets && this.#loss.distributions) checkDistributions("target row", data.targets, data.length, data.classes);
    const n = data.length, bytes = n * data.features * (data.pixels ? 1 : 4) + 8 * n + (withTargets ? 4 * n * data.classes : 0);
    if (this.#used + bytes > this.#budget) {
      const s: Streamed = { streamed: true, withTargets, order: new Int32Array(0) };
      this.#sets.set(data, s);
      return s;
    }
    const scope = this.#scope, arena = this.#space.arena;
    // One block for all parts (from Dataset.concat), each copied to where its rows start.
    const x = scope.alloc(n * data.features * (data.pixels ? 1 : 4));
    for (const part of data.parts) {
      const at = x + part.start * data.features * part.x.BYTES_PER_ELEMENT;
      const to = part.x instanceof Uint8Array ? new Uint8Array(arena.memory.buffer, at, part.x.length)
        : new Float32Array(arena.memory.buffer, at, part.x.length);
      to.set(part.x);
    }
    const r: Resident = {
      streamed: false,
      withTargets,
      x,
      y: scope.i32(n, data.y),
      targets: withTargets ? scope.f32(n * data.classes, data.targets ?? oneHot(data.y, data.classes)) : undefined,
      order: scope.i32(n),
    };
    this.#sets.set(data, r);
    this.#used += bytes;
    return r;
  }

  /**
   * The batch `load` gathers, gathered in JS: pixels go through the staging buffer and the same scaling kernel,
   * features, labels and targets are copied as they are, so the bits match the resident path's.
   */
  #stream(data: Dataset, r: Streamed, start: number, end: number, slots: BatchSlots): number {
    const k = this.#space.kernels, buffer = this.#space.arena.memory.buffer, B = end - start, F = data.features, C = data.classes;
    const rows = data.pixels ? new Uint8Array(buffer, slots.stage.raw, B * F) : new Float32Array(buffer, slots.input, B * F);
    const labels = new Int32Array(buffer, slots.labels, B);
    const targets = r.withTargets ? new Float32Array(buffer, slots.targets, B * C) : undefined;
    if (targets && !data.targets) targets.fill(0);
    for (let b = 0; b < B; b++) {
      const i = r.order[start + b]!;
      rows.set(data.rowValues(i), b * F);
      labels[b] = data.y[i]!;
      if (targets) {
        if (data.targets) targets.set(data.targets.subarray(i * C, (i + 1) * C), b * C);
        else targets[b * C + data.y[i]!] = 1;
      }
    }
    if (data.pixels) k.gatherScaleU8(slots.input, slots.stage.raw, slots.stage.identity, B, F, U8_SCALE);
    return B;
  }
}

function argmax(values: ArrayLike<number>, at: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (values[at + c]! > values[at + best]!) best = c;
  return best;
}

function oneHot(labels: Int32Array, classes: number): Float32Array {
  const rows = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => { rows[i * classes + label] = 1; });
  return rows;
}

function describeType(value: unknown): string {
  return value === null ? "null" : typeof value;
}
