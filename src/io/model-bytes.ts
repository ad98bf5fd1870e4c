// The checks every reader of model bytes makes, whatever it builds from them: the options, the format (./format.ts)
// and finite parameters. decodeCheckpoint builds a trainable model (and optimizer) on it; the predict-only entry
// builds a Predictor, without importing any training code.
import { FormatError } from "../errors.js";
import { BOOLEAN, checkFewKeys, checkOr, rule } from "../validate.js";
import { unpackCheckpoint } from "./format.js";
import type { CheckpointHeader } from "./format.js";

/** Options of `decodeCheckpoint` and `decodeModel`. */
export interface DecodeCheckpointOptions {
  /** Names the bytes in error messages (a file path). Default "checkpoint". */
  source?: string;
  /** Accept NaN or ±Infinity among the parameters and optimizer state (to inspect a diverged run). Default false. */
  allowNonFinite?: boolean;
}

const SOURCE = rule<string>("a string", (v) => typeof v === "string");

/**
 * The header, parameters and optimizer state of model or checkpoint bytes, checked (format, lengths, CRC, and
 * finite values unless `allowNonFinite`), and the source name errors about them use.
 * @throws {FormatError} as `unpackCheckpoint`, and for non-finite values unless `allowNonFinite`.
 * @throws {OptionError} for bytes that are not a Uint8Array, or an unknown or invalid option.
 */
export function readModelBytes(bytes: Uint8Array, options: string | DecodeCheckpointOptions | undefined, what: string):
  { header: CheckpointHeader; parameters: Float32Array; state: Float32Array; source: string } {
  const o = typeof options === "string" ? { source: options } : checkFewKeys(what, options, ["source", "allowNonFinite"]);
  const source = checkOr("source", o.source, SOURCE, "checkpoint");
  const allowNonFinite = checkOr("allowNonFinite", o.allowNonFinite, BOOLEAN, false);
  const { header, parameters, state } = unpackCheckpoint(bytes, source);
  if (!allowNonFinite) {
    const at = firstNonFinite(parameters), atState = firstNonFinite(state);
    if (at >= 0 || atState >= 0) {
      throw new FormatError(source, "finite parameters and optimizer state",
        at >= 0 ? `${parameters[at]} at parameter ${at}` : `${state[atState]} at optimizer state value ${atState}`,
        "The run diverged before it was saved or the file is damaged; { allowNonFinite: true } loads it anyway.");
    }
  }
  return { header, parameters, state, source };
}

function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}
