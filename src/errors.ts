/** Base class of every error wasm-softmax throws; `hint` says what the caller can do about it. */
export class WasmSoftmaxError extends Error {
  // Names are spelled out, not taken from the class: an app that bundles the package may minify class names.
  override name = "WasmSoftmaxError";
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(hint ? `${message} ${hint}` : message);
    this.hint = hint;
  }
}

const invalid = (what: string, expected: string, actual: string) => `Invalid ${what}: expected ${expected}, got ${actual}.`;

/** An option or argument broke its rule: `option` names it, `rule` is the rule, `value` what came. */
export class OptionError extends WasmSoftmaxError {
  override name = "OptionError";
  constructor(readonly option: string, readonly rule: string, readonly value: unknown, hint?: string) {
    super(invalid(option, rule, describe(value)), hint);
  }

  /** A key that no option of `what` ("fit", "SGD", …) has; `hint` names the nearest one. */
  static unknown(what: string, key: string, known: readonly string[], hint: string): OptionError {
    const error = new OptionError(key, `one of ${known.join(", ")}`, undefined, hint);
    error.message = `Unknown ${what} option ${JSON.stringify(key)}. ${hint}`;
    return error;
  }
}

/** Array lengths or dimensions that do not agree with each other. */
export class ShapeError extends WasmSoftmaxError {
  override name = "ShapeError";
  constructor(readonly what: string, readonly expected: string, readonly actual: string, hint?: string) {
    super(invalid(what, expected, actual), hint);
  }
}

/** Bytes on disk or on the wire that are not in the expected format (IDX, gzip, checkpoint). */
export class FormatError extends WasmSoftmaxError {
  override name = "FormatError";
  constructor(readonly source: string, readonly expected: string, readonly actual: string, hint?: string) {
    super(invalid(source, expected, actual), hint);
  }
}

/** A dataset that could not be found or fetched from any source. */
export class DatasetNotFoundError extends WasmSoftmaxError {
  override name = "DatasetNotFoundError";
  constructor(readonly tried: readonly string[], hint: string) {
    super(`Fashion-MNIST not found: tried ${tried.join("; ")}.`, hint);
  }
}

/** Why a storage call failed: the API is missing, the browser refused it, the quota is full, no such entry, or other. */
export type StorageErrorReason = "unavailable" | "denied" | "quota" | "not-found" | "failed";

/**
 * A model store (IndexedDB, OPFS) that is missing, refused, full, or does not hold the name: `reason` says which,
 * `action` what was tried on `location`, `cause` carries the browser's own error.
 */
export class StorageError extends WasmSoftmaxError {
  override name = "StorageError";
  constructor(readonly action: "save" | "load" | "list" | "remove", readonly location: string, readonly reason: StorageErrorReason,
    expected: string, actual: string, hint: string, cause?: unknown) {
    super(`Cannot ${action} ${location}: expected ${expected}, got ${actual}.`, hint);
    if (cause !== undefined) this.cause = cause;
  }
}

/** The WebAssembly module could not be loaded, compiled or instantiated, or was used before `init()`. */
export class WasmError extends WasmSoftmaxError {
  override name = "WasmError";
}

/**
 * A Trainer or Runtime used after its `close()` (or a running `fit` whose runtime was closed, which stops at its
 * next batch): `what` names it ("Trainer", "wasm-simd runtime", …).
 */
export class ClosedError extends WasmSoftmaxError {
  override name = "ClosedError";
  constructor(readonly what: string, hint: string) {
    super(`This ${what} was closed.`, hint);
  }
}

/**
 * Training diverged. `rule` says which test fired: "non-finite" (a batch's loss was NaN or infinite; `batch` is
 * that batch), "growth" (an epoch's mean loss exceeded `limit`, `factor` × the run's first epoch's)
 * or "blow-up" (it exceeded `factor` × the loss of the fit's first batch, measured before its update, so a run that
 * explodes within its first epoch is caught too); `batch` is 0 for the last two.
 */
export class DivergenceError extends WasmSoftmaxError {
  override name = "DivergenceError";
  /** The epoch whose weights fit put back (its initialEpoch when the first epoch diverged); undefined from a bare Trainer. */
  restoredEpoch: number | undefined;
  constructor(readonly epoch: number, readonly batch: number, readonly loss: number,
    readonly rule: "non-finite" | "growth" | "blow-up" = "non-finite", readonly limit?: number, readonly factor?: number) {
    super(
      rule === "non-finite"
        ? `Training diverged: expected a finite loss, got ${loss} at epoch ${epoch}, batch ${batch}.`
        : `Training diverged: expected an epoch loss of at most ${limit} (${factor} × ${rule === "growth" ? "the first epoch's" : "the loss training started from"}), got ${loss} at epoch ${epoch}.`,
      "Lower the learning rate (for example by 10×) or check the inputs for NaN or Inf.",
    );
  }
}

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length ?? value.byteLength})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === "function") return "a function";
  return (value as object).constructor?.name ?? typeof value;
}
