// Models and checkpoints in files (Node, Deno, Bun): the bytes of encodeModel / encodeCheckpoint, written atomically.
import { readFile } from "node:fs/promises";
import { FormatError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic-node.js";
import type { DenseNetwork } from "../model/network.js";
import { decodeCheckpoint, decodeModel, encodeCheckpoint, encodeModel } from "./checkpoint.js";
import type { Checkpoint, DecodeCheckpointOptions } from "./checkpoint.js";
import { check, checkKeys, rule } from "../validate.js";

const PATH = rule<string>("a file path (a non-empty string)", (v) => typeof v === "string" && v !== "");

/**
 * Writes a model to a file atomically (temporary file, fsync, rename): a crash never leaves a half-written file.
 * @throws {OptionError} when `model` is not a wasm-softmax model or `path` is not a non-empty string.
 * @example
 * await saveModel(model, "model.wsmx"); // later: await loadModel("model.wsmx")
 */
export async function saveModel(model: DenseNetwork, path: string): Promise<void> {
  check("path", path, PATH);
  await writeFileAtomic(path, encodeModel(model));
}

/**
 * Writes a checkpoint (a model with its optimizer and training position, or bytes from `encodeCheckpoint`) to a
 * file atomically: a crash never leaves a half-written file.
 * @throws {OptionError} for an unknown key, a `model` that is not a wasm-softmax model, or a `path` that is not a
 *   non-empty string.
 * @example
 * await saveCheckpoint({ model, optimizer }, "run.wsmx");
 */
export async function saveCheckpoint(checkpoint: Checkpoint | Uint8Array, path: string): Promise<void> {
  check("path", path, PATH);
  await writeFileAtomic(path, checkpoint instanceof Uint8Array ? checkpoint : encodeCheckpoint(checkpoint));
}

/** Options of `loadCheckpoint` and `loadModel`. */
export type LoadOptions = Omit<DecodeCheckpointOptions, "source">;

/**
 * Reads a checkpoint file, checked as `decodeCheckpoint` checks bytes.
 * @throws {FormatError} for a missing, unreadable, damaged or foreign file.
 * @throws {OptionError} for a `path` that is not a non-empty string, an unknown option or an `allowNonFinite` that
 *   is not a boolean.
 * @example
 * const { model, optimizer, training } = await loadCheckpoint("run.wsmx");
 */
export async function loadCheckpoint(path: string, options?: LoadOptions): Promise<Checkpoint> {
  const { allowNonFinite } = checkKeys("loadCheckpoint", options, ["allowNonFinite"]);
  return decodeCheckpoint(await readBytes(path, "checkpoint"), { source: path, ...(allowNonFinite !== undefined && { allowNonFinite }) });
}

/**
 * Reads a model file written by `saveModel`, `saveCheckpoint` or `wasm-softmax train --save`.
 * @throws {FormatError} for a missing, unreadable, damaged or foreign file.
 * @throws {OptionError} for a `path` that is not a non-empty string, an unknown option or an `allowNonFinite` that
 *   is not a boolean.
 * @example
 * const model = await loadModel("model.wsmx");
 */
export async function loadModel(path: string, options?: LoadOptions): Promise<DenseNetwork> {
  const { allowNonFinite } = checkKeys("loadModel", options, ["allowNonFinite"]);
  return decodeModel(await readBytes(path, "model"), { source: path, ...(allowNonFinite !== undefined && { allowNonFinite }) });
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  check("path", path, PATH);
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new FormatError(path, `a readable ${what} file`, (error as NodeJS.ErrnoException).code ?? String(error),
      "Check the path; files are written by saveModel(), saveCheckpoint() or `wasm-softmax train --save FILE`.");
  }
}
