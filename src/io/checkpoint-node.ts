import { readFile } from "node:fs/promises";
import { FormatError } from "../errors.js";
import { writeFileAtomic } from "../atomic-node.js";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import type { Checkpoint, LoadCheckpointOptions } from "./checkpoint.js";
import { checkKeys } from "../validate.js";

/**
 * Writes a checkpoint file atomically (temporary file + rename): a crash never leaves a half-written file.
 * @example
 * await saveCheckpointFile("model.wsmx", { model, optimizer });
 */
export async function saveCheckpointFile(path: string, checkpoint: Checkpoint | Uint8Array): Promise<void> {
  await writeFileAtomic(path, checkpoint instanceof Uint8Array ? checkpoint : saveCheckpoint(checkpoint));
}

/**
 * Reads a checkpoint file, checked as `loadCheckpoint` checks bytes.
 * @throws {FormatError} for a missing, unreadable, damaged or foreign file.
 * @throws {OptionError} for an unknown option or an `allowNonFinite` that is not a boolean.
 * @example
 * const { model, optimizer, training } = await loadCheckpointFile("model.wsmx");
 */
export async function loadCheckpointFile(path: string, options?: Omit<LoadCheckpointOptions, "source">): Promise<Checkpoint> {
  const { allowNonFinite } = checkKeys("loadCheckpointFile", options, ["allowNonFinite"]);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw new FormatError(path, "a readable checkpoint file", (error as NodeJS.ErrnoException).code ?? String(error),
      "Check the path; checkpoints are written by `wasm-softmax train --save FILE` or saveCheckpointFile().");
  }
  return loadCheckpoint(bytes, { source: path, ...(allowNonFinite !== undefined && { allowNonFinite }) });
}
