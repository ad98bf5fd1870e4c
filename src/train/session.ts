import type { Kernels, Ptr } from "../kernels/contract.js";
import type { Runtime } from "../wasm/init.js";
import { runtime } from "../wasm/init.js";
import type { Scope } from "../wasm/memory.js";
import type { Dataset } from "../data/dataset.js";
import { U8_SCALE } from "../data/dataset.js";
import type { DenseNetwork } from "../model/network.js";
import type { Optimizer } from "../optim/optimizer.js";
import { ShapeError } from "../errors.js";
import type { Loss } from "./losses.js";

/** A dataset copied into kernel memory once per session, so batches are gathered inside the kernels. */
interface Resident {
  x: Ptr;
  y: Ptr;
  /** Target rows, when the loss compares with them (soft labels, or one-hot rows for L1/L2/Huber). */
  targets: Ptr | undefined;
  order: Ptr;
}

/**
 * Everything one training or evaluation run keeps in kernel memory, allocated up front in one scope: the model's
 * parameters (attached), gradients, optimizer state, activations and deltas for the largest batch, and the
 * datasets. Closing it copies the parameters (and the optimizer's state) back out and frees the scope.
 */
export class Session {
  readonly rt: Runtime;
  readonly k: Kernels;
  readonly params: Ptr;
  readonly grads: Ptr;
  readonly state: Ptr;
  readonly acts: Ptr[];
  readonly deltas: Ptr[];
  readonly labels: Ptr;
  /** The batch's target rows; 0 while the loss uses integer labels. */
  readonly targets: Ptr;
  private readonly scope: Scope;
  private readonly resident = new Map<Dataset, Resident>();

  constructor(readonly model: DenseNetwork, readonly batchSize: number, datasets: Dataset[], readonly loss: Loss,
              readonly optimizer?: Optimizer) {
    for (const data of datasets) checkCompatible(model, data);
    this.rt = runtime();
    this.k = this.rt.kernels;
    this.scope = this.rt.arena.open();
    try {
      const n = model.size, B = Math.min(batchSize, Math.max(1, ...datasets.map((d) => d.length)));
      this.params = model.attach(this.rt, this.scope);
      this.grads = this.scope.f32(n);
      const stateSize = optimizer?.stateSize(n) ?? 0;
      if (optimizer?.state && optimizer.state.length !== stateSize) {
        throw new ShapeError("optimizer state", `${stateSize} values for a model of ${n} parameters`, `${optimizer.state.length}`,
          "Use a new optimizer for a different model.");
      }
      this.state = this.scope.f32(stateSize, optimizer?.state ?? new Float32Array(stateSize));
      this.acts = model.allocateActivations(this.scope, B);
      this.deltas = model.allocateDeltas(this.scope, B);
      this.labels = this.scope.i32(B);
      const withTargets = datasets.some((d) => loss.needsTargets(d.targets !== undefined));
      this.targets = withTargets ? this.scope.f32(B * model.classes) : 0;
      for (const data of datasets) {
        if (this.resident.has(data)) continue;
        this.resident.set(data, {
          x: data.x instanceof Uint8Array ? this.scope.u8(data.x) : this.scope.f32(data.x.length, data.x),
          y: this.scope.i32(data.length, data.y),
          targets: loss.needsTargets(data.targets !== undefined)
            ? this.scope.f32(data.length * data.classes, data.targets ?? oneHot(data.y, data.classes))
            : undefined,
          order: this.scope.i32(data.length),
        });
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Writes the visiting order of `data` for this epoch; batches then name rows by their position in it. */
  setOrder(data: Dataset, order: Int32Array): void {
    this.rt.arena.i32.set(order, this.residentOf(data).order >> 2);
  }

  /** Gathers rows [start, end) of the current order into acts[0] and their labels into `labels`. */
  loadBatch(data: Dataset, start: number, end: number): number {
    const r = this.residentOf(data), B = end - start, idx = r.order + start * 4;
    if (data.x instanceof Uint8Array) this.k.gatherScaleU8(this.acts[0]!, r.x, idx, B, data.features, U8_SCALE);
    else this.k.gatherF32(this.acts[0]!, r.x, idx, B, data.features);
    this.k.gatherLabels(this.labels, r.y, idx, B);
    if (r.targets !== undefined) this.k.gatherF32(this.targets, r.targets, idx, B, data.classes);
    return B;
  }

  /** Mean loss of the current batch (already forward), and its gradient into dLogits. */
  lossForwardBackward(data: Dataset, rows: number): number {
    const targets = this.residentOf(data).targets !== undefined ? this.targets : 0;
    return this.loss.forwardBackward(this.k, this.dLogits, this.logits, this.labels, targets, rows, this.model.classes);
  }

  get logits(): Ptr {
    return this.acts[this.acts.length - 1]!;
  }

  get dLogits(): Ptr {
    return this.deltas[this.deltas.length - 1]!;
  }

  /** Copies the optimizer's buffers out of kernel memory into `optimizer.state`. */
  syncOptimizer(): void {
    if (this.optimizer && this.state !== undefined) {
      this.optimizer.state = this.rt.arena.readF32(this.state, this.optimizer.stateSize(this.model.size));
    }
  }

  close(): void {
    this.syncOptimizer();
    // Only the session that attached the model may detach it (a failed second fit must not end the first).
    if (this.params !== undefined) this.model.detach();
    this.scope.close();
  }

  private residentOf(data: Dataset): Resident {
    const r = this.resident.get(data);
    if (!r) throw new Error("Internal: dataset not loaded into this session.");
    return r;
  }
}

function oneHot(labels: Int32Array, classes: number): Float32Array {
  const rows = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => { rows[i * classes + label] = 1; });
  return rows;
}

export function checkCompatible(model: DenseNetwork, data: Dataset): void {
  if (data.features !== model.inputs) {
    throw new ShapeError("dataset", `${model.inputs} features per example (the model's input width)`, `${data.features}`,
      "Build the model with `inputs` equal to the data's features.");
  }
  if (data.classes !== model.classes) {
    throw new ShapeError("dataset", `${model.classes} classes (the model's output width)`, `${data.classes}`,
      "Build the model with `classes` equal to the data's classes.");
  }
}
