// What training reports: the figures of a batch or an epoch, the events callbacks receive, and fit's History.
import type { DenseNetwork } from "../model/network.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { LossConfig } from "./losses.js";

/** Running means over the batches seen so far, or the figures of a whole epoch. */
export interface Logs {
  /** Mean loss over the examples seen. */
  loss: number;
  /** Fraction of the examples seen classified correctly. */
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Milliseconds of training (validation excluded). */
  ms: number;
  /** Learning rate used in this epoch. */
  lr?: number;
}

/** The figures of one whole epoch, as History holds them. */
export interface EpochLogs extends Logs {
  /** 1-based. */
  epoch: number;
}

/** What `Trainer.trainEpoch` returns: the epoch's figures, and why it ended early when it did. */
export interface EpochResult extends EpochLogs {
  /** Batches trained. */
  batches: number;
  /** Set when a callback returned "stop" or the signal fired before the last batch. */
  stopped?: "callback" | "aborted";
}

/** The options that decide the rest of a run (with the epoch reached), as checkpoints record them. */
export interface RunOptions {
  seed: number;
  batchSize: number;
  shuffle: boolean;
  loss: LossConfig;
}

/**
 * What `Trainer.trainEpoch` tells its callbacks after each optimizer step: what it knows, the figures of its own
 * epoch so far. `fit` passes each one on to its callbacks as a TrainEvent, with the run's context added.
 */
export interface BatchEvent {
  phase: "batch";
  /** The epoch being trained (1-based, as trainEpoch was given it). */
  epoch: number;
  /** 1-based; equals `batches` at the last batch of the epoch. */
  batch: number;
  batches: number;
  /** Running figures of this epoch. */
  logs: Logs;
  /** The model being trained; its parameters are live (getParameters / setParameters work mid-epoch). */
  model: DenseNetwork;
  /** The optimizer; its state and `steps` are current. */
  optimizer: Optimizer;
}

/** Told after every batch of `trainEpoch`; returning "stop" (or a promise of it) ends the epoch after this batch. */
export type BatchCallback = (event: BatchEvent) => void | "stop" | Promise<void | "stop">;

/**
 * What a `fit` callback is told. `trainBegin` comes once before the first epoch (epoch = epochs already done),
 * `batch` after each optimizer step, `epoch` after each whole epoch (with validation figures), `trainEnd`
 * once when fit ends without an error (`stopped` says why).
 */
export interface TrainEvent extends Omit<BatchEvent, "phase"> {
  phase: "trainBegin" | "batch" | "epoch" | "trainEnd";
  /** 1-based; at trainBegin and trainEnd the last epoch finished (0 before any). */
  epoch: number;
  /** The epoch fit ends at. */
  epochs: number;
  /** 1-based; equals `batches` at the end of an epoch, 0 at trainBegin. */
  batch: number;
  /** Running figures of this epoch; at trainBegin and trainEnd those of the last epoch finished (NaN before any). */
  logs: Logs;
  /** The options that decide the rest of the run, for checkpoints. */
  run: RunOptions;
  /** Whole epochs so far, this one included at its end. */
  history: EpochLogs[];
  /** Whether fit evaluates validation data after each epoch (so epoch logs carry valLoss and valAccuracy). */
  validates: boolean;
  /** At trainEnd: why training ended. */
  stopped?: History["stopped"];
}

/** Returning "stop" (or a promise of it) ends training after this batch or epoch. */
export type Callback = (event: TrainEvent) => void | "stop" | Promise<void | "stop">;

/** The result of `fit`: one entry per finished epoch, and why training ended. */
export interface History {
  epochs: EpochLogs[];
  backend: string;
  /** Kernel threads the run used. */
  threads: number;
  /** "completed", "callback" (a callback returned "stop") or "aborted" (the signal fired). */
  stopped: "completed" | "callback" | "aborted";
  /** Wall time of the whole fit, validation included. */
  ms: number;
}

/** @internal Calls every callback in order; true when any asked to stop. */
export async function notify<E>(callbacks: readonly ((event: E) => void | "stop" | Promise<void | "stop">)[], event: E): Promise<boolean> {
  let stop = false;
  for (const callback of callbacks) if ((await callback(event)) === "stop") stop = true;
  return stop;
}
