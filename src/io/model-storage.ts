// Models kept in the browser, by location: the bytes of encodeModel / decodeModel in the stores of ./storage.ts.
import type { DenseNetwork } from "../model/network.js";
import { checkFewKeys } from "../validate.js";
import { decodeModel, encodeModel } from "./checkpoint.js";
import type { EncodeModelOptions, LoadOptions } from "./checkpoint.js";
import { listLocations, readBytes, removeBytes, writeBytes } from "./storage.js";

/**
 * Keeps a model in the browser at "indexeddb://name" or "opfs://name", from a page or a Web Worker; a model saved
 * before under that name is replaced only once the new one is written whole. `{ dtype: "f16" | "int8" }` stores
 * smaller weights, as `encodeModel` does.
 * @throws {OptionError} when `model` is not a wasm-softmax model, or `where` is not an "indexeddb://" or "opfs://"
 *   location with a valid name.
 * @throws {StorageError} when the store is missing ("unavailable"), refused ("denied") or full ("quota"); the
 *   model saved before under the name is then unchanged.
 * @example
 * await saveModel(model, "indexeddb://fashion"); // later, even after a reload: await loadModel("indexeddb://fashion")
 */
export async function saveModel(model: DenseNetwork, where: string, options?: EncodeModelOptions): Promise<void> {
  await writeBytes(where, encodeModel(model, options));
}

/**
 * Loads a model kept with `saveModel` at "indexeddb://name" or "opfs://name", checked as `decodeModel` checks bytes.
 * @throws {OptionError} for a location that is not "indexeddb://" or "opfs://" with a valid name, or an unknown
 *   or invalid option.
 * @throws {StorageError} when the store is missing or refused, or keeps nothing under the name ("not-found").
 * @throws {FormatError} when the bytes kept there are not a model this version can read.
 * @example
 * const model = await loadModel("opfs://fashion");
 */
export async function loadModel(where: string, options?: LoadOptions): Promise<DenseNetwork> {
  const { allowNonFinite } = checkFewKeys("loadModel", options, ["allowNonFinite"]);
  const bytes = await readBytes(where);
  return decodeModel(bytes, { source: where, ...(allowNonFinite !== undefined && { allowNonFinite }) });
}

/**
 * The locations of the models kept in IndexedDB ("indexeddb://") or OPFS ("opfs://"), sorted; a name after the
 * "://" keeps those whose names start with it.
 * @throws {OptionError} for a prefix that is not "indexeddb://…" or "opfs://…".
 * @throws {StorageError} when the store is missing or refused.
 * @example
 * const kept = await listModels("indexeddb://"); // ["indexeddb://fashion", …]
 */
export function listModels(prefix: string): Promise<string[]> {
  return listLocations(prefix);
}

/**
 * Removes a model kept at "indexeddb://name" or "opfs://name"; resolves to true when there was one.
 * @throws {OptionError} for a location that is not "indexeddb://" or "opfs://" with a valid name.
 * @throws {StorageError} when the store is missing or refused.
 * @example
 * await removeModel("opfs://fashion");
 */
export function removeModel(where: string): Promise<boolean> {
  return removeBytes(where);
}
