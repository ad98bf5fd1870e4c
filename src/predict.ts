// wasm-softmax/predict: read a saved model and predict, nothing else. No optimizer, Trainer, loss or thread code
// (a test bundles it and looks), and one thread of kernels, which is all a prediction needs. Its probabilities are
// the full package's bits: the same wasm kernels run the same forward pass (src/model/inference.ts).
import type { Backend } from "./kernels/contract.js";
import { WasmError } from "./errors.js";
import { checkFewKeys, isPlainObject } from "./validate.js";
import { scalarWasmUrl, simdWasmUrl } from "./assets.js";
import { loadKernels, simdSupported } from "./runtime/load.js";
import type { WasmSource } from "./runtime/load.js";
import { Arena } from "./runtime/memory.js";
import { readModelBytes } from "./io/model-bytes.js";
import type { DecodeCheckpointOptions } from "./io/model-bytes.js";
import { readBytes } from "./io/storage.js";
import { FORWARD_KERNELS } from "./model/inference.js";
import { Predictor, notInitialized } from "./io/predictor.js";
import type { PredictSpace } from "./io/predictor.js";

export { Predictor } from "./io/predictor.js";
export type { Prediction } from "./model/top-k.js";
export type { ArrayInputs } from "./model/inputs.js";
export type { ModelConfig } from "./model/network.js";
export type { InputDescription, JSONValue } from "./model/description.js";
export type { Normalizer } from "./data/normalizer.js";
export type { WasmSource } from "./runtime/load.js";
export type { Backend } from "./kernels/contract.js";
export { WasmSoftmaxError, OptionError, ShapeError, FormatError, WasmError, StorageError } from "./errors.js";

/** Options of `init` from "wasm-softmax/predict". */
export interface PredictInitOptions {
  /**
   * The wasm to run: one build (a compiled `WebAssembly.Module`, a URL, a `Response` or bytes of
   * `wasm-softmax/simd.wasm` or `wasm-softmax/scalar.wasm`), or `{ simd, scalar }` to use SIMD where the runtime
   * has it. Default: the package's own two builds, found beside this module (in workerd and Vercel Edge: imported
   * as modules).
   */
  wasm?: WasmSource | { simd?: WasmSource; scalar?: WasmSource };
}

let space: PredictSpace | undefined;
let loading: Promise<PredictSpace> | undefined;

/**
 * Loads the kernels predictions run on (one thread; wasm SIMD where the runtime has it, else the scalar build).
 * Without options it loads once and later calls return at once; with options it loads them again.
 * @throws {OptionError} for an unknown option.
 * @throws {WasmError} when the wasm cannot be fetched, compiled or instantiated here.
 * @example
 * const { backend } = await init(); // "wasm-simd"; in a browser bundle: init({ wasm: new URL("wasm-softmax/simd.wasm", import.meta.url) })
 */
export async function init(options?: PredictInitOptions): Promise<{ backend: Backend }> {
  const { wasm } = checkFewKeys("init", options, ["wasm"]);
  if (wasm === undefined && (space || loading)) return { backend: (space ?? await loading!).backend };
  const attempt = load(wasm ?? { simd: simdWasmUrl(), scalar: scalarWasmUrl() });
  loading = attempt;
  try {
    space = await attempt;
  } finally {
    if (loading === attempt) loading = undefined;
  }
  return { backend: space.backend };
}

async function load(wasm: NonNullable<PredictInitOptions["wasm"]>): Promise<PredictSpace> {
  // `{ simd, scalar }` is a plain object; every single source (a module, URL, Response, bytes) is an instance of a class.
  const builds = isPlainObject(wasm) ? checkFewKeys("wasm", wasm as { simd?: WasmSource; scalar?: WasmSource }, ["simd", "scalar"]) : undefined;
  const source = builds ? (simdSupported() ? builds.simd ?? builds.scalar : builds.scalar) : wasm as WasmSource;
  if (source === undefined) {
    throw new WasmError("This runtime has no WebAssembly SIMD, and init() got no scalar build.",
      "Pass wasm-softmax/scalar.wasm too: init({ wasm: { simd, scalar } }).");
  }
  const what = source instanceof URL || typeof source === "string" ? String(source) : "the wasm passed to init()";
  const { kernels } = await loadKernels(source, what, FORWARD_KERNELS);
  return { kernels, arena: new Arena(kernels.memory, kernels.heapBase), backend: kernels.backend };
}

const current = (): PredictSpace => space ?? notInitialized();

/**
 * Reads a model from the bytes of `encodeModel` or `encodeCheckpoint` (every format version, f32, f16 or int8
 * weights), ready to predict once `init()` has run. The second argument is the source name, or options.
 * @throws {FormatError} for bytes that are not a model this version reads (which version is needed, for a newer
 *   file), damaged bytes, or non-finite weights (unless `allowNonFinite`).
 * @throws {OptionError} for bytes that are not a Uint8Array, or an unknown or invalid option.
 * @example
 * const model = decodeModel(new Uint8Array(await (await fetch("/fashion.wsmx")).arrayBuffer()));
 */
export function decodeModel(bytes: Uint8Array, options?: string | DecodeCheckpointOptions): Predictor {
  const { header, parameters, source } = readModelBytes(bytes, options, "decodeModel");
  return new Predictor(header, parameters, source, current);
}

/**
 * Loads a model kept in the browser with the full package's `saveModel` at "indexeddb://name" or "opfs://name".
 * @throws {OptionError} for a location that is not "indexeddb://" or "opfs://" with a valid name, or an unknown
 *   or invalid option.
 * @throws {StorageError} when the store is missing or refused, or keeps nothing under the name ("not-found").
 * @throws {FormatError} when the bytes kept there are not a model this version can read.
 * @example
 * const model = await loadModel("indexeddb://fashion");
 */
export async function loadModel(where: string, options?: Omit<DecodeCheckpointOptions, "source">): Promise<Predictor> {
  const { allowNonFinite } = checkFewKeys("loadModel", options, ["allowNonFinite"]);
  const bytes = await readBytes(where);
  return decodeModel(bytes, { source: where, ...(allowNonFinite !== undefined && { allowNonFinite }) });
}
