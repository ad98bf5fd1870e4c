// Models and checkpoints in files (Node, Deno, Bun): the bytes of encodeModel / encodeCheckpoint, written atomically.
// A model location ("indexeddb://…", "opfs://…") goes to the browser stores, so one saveModel serves both.
import { open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { FormatError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic-node.js";
import type { DenseNetwork } from "../model/network.js";
import { decodeCheckpoint, decodeModel, encodeCheckpoint, encodeModel } from "./checkpoint.js";
import type { Checkpoint, EncodeModelOptions, LoadOptions } from "./checkpoint.js";
import { check, checkFewKeys, rule } from "../validate.js";
import { CHECKPOINT_MAGIC } from "./format.js";
import * as browser from "./model-storage.js";
import { isLocation } from "./storage.js";

const PATH = rule<string>("a file path (a non-empty string)", (v) => typeof v === "string" && v !== "");

/**
 * Writes a model to a file atomically (temporary file, fsync, rename): a crash never leaves a half-written file.
 * `{ dtype: "f16" | "int8" }` stores smaller weights, as `encodeModel` does. "indexeddb://name" and "opfs://name"
 * are the browser's stores, as from the browser entry.
 * @throws {OptionError} when `model` is not a wasm-softmax model, `path` is not a non-empty string, or for an
 *   option `encodeModel` refuses.
 * @throws {StorageError} for "indexeddb://" and "opfs://", which Node, Deno and Bun do not have.
 * @example
 * await saveModel(model, "model.wsmx", { dtype: "int8" }); // later: await loadModel("model.wsmx")
 */
export async function saveModel(model: DenseNetwork, path: string, options?: EncodeModelOptions): Promise<void> {
  if (isLocation(path)) return browser.saveModel(model, path, options);
  check("path", path, PATH);
  await writeFileAtomic(path, encodeModel(model, options));
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

/**
 * Reads a checkpoint file, checked as `decodeCheckpoint` checks bytes.
 * @throws {FormatError} for a missing, unreadable, damaged or foreign file.
 * @throws {OptionError} for a `path` that is not a non-empty string, an unknown option or an `allowNonFinite` that
 *   is not a boolean.
 * @example
 * const { model, optimizer, training } = await loadCheckpoint("run.wsmx");
 */
export async function loadCheckpoint(path: string, options?: LoadOptions): Promise<Checkpoint> {
  const { allowNonFinite } = checkFewKeys("loadCheckpoint", options, ["allowNonFinite"]);
  return decodeCheckpoint(await readBytes(path, "checkpoint"), { source: path, ...(allowNonFinite !== undefined && { allowNonFinite }) });
}

/**
 * Reads a model file written by `saveModel`, `saveCheckpoint` or `wasm-softmax train --save`.
 * @throws {FormatError} for a missing, unreadable, damaged or foreign file.
 * @throws {OptionError} for a `path` that is not a non-empty string, an unknown option or an `allowNonFinite` that
 *   is not a boolean.
 * @throws {StorageError} for "indexeddb://" and "opfs://", which Node, Deno and Bun do not have.
 * @example
 * const model = await loadModel("model.wsmx");
 */
export async function loadModel(path: string, options?: LoadOptions): Promise<DenseNetwork> {
  if (isLocation(path)) return browser.loadModel(path, options);
  const { allowNonFinite } = checkFewKeys("loadModel", options, ["allowNonFinite"]);
  return decodeModel(await readBytes(path, "model"), { source: path, ...(allowNonFinite !== undefined && { allowNonFinite }) });
}

/**
 * The model files in a directory (those that start as model and checkpoint files do), as paths, sorted; none for
 * a directory that does not exist.
 * @throws {OptionError} when `dir` is not a non-empty string.
 * @throws {StorageError} for "indexeddb://" and "opfs://", which Node, Deno and Bun do not have.
 * @example
 * const kept = await listModels("models"); // ["models/fashion.wsmx", …]
 */
export async function listModels(dir: string): Promise<string[]> {
  if (isLocation(dir)) return browser.listModels(dir);
  check("dir", dir, PATH);
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const magic = new TextEncoder().encode(CHECKPOINT_MAGIC);
  const models = await Promise.all(entries.filter((e) => e.isFile()).map(async ({ name }) => {
    const file = await open(join(dir, name), "r").catch(() => undefined);
    if (!file) return undefined;
    try {
      const { buffer, bytesRead } = await file.read(new Uint8Array(magic.length), 0, magic.length, 0);
      return bytesRead === magic.length && buffer.every((b, i) => b === magic[i]) ? join(dir, name) : undefined;
    } finally {
      await file.close();
    }
  }));
  return models.filter((path): path is string => path !== undefined).sort();
}

/**
 * Removes a model file; resolves to true when there was one.
 * @throws {OptionError} when `path` is not a non-empty string.
 * @throws {StorageError} for "indexeddb://" and "opfs://", which Node, Deno and Bun do not have.
 * @example
 * await removeModel("models/fashion.wsmx");
 */
export async function removeModel(path: string): Promise<boolean> {
  if (isLocation(path)) return browser.removeModel(path);
  check("path", path, PATH);
  return rm(path).then(() => true, (error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return false;
    throw error;
  });
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
