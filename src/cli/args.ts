// Flags, commands and the parser that turns argv into validated values. Every bad value is reported as
// `Invalid --flag: expected <rule>, got "<text>".`, the same shape as the library's OptionError.
// Number rules come from the library's validation module, so a flag and its API option say the same words.
import type { Backend } from "../kernels/contract.js";
import { BACKENDS } from "../kernels/contract.js";
import { nearest } from "../validate.js";
import { MAX_THREADS } from "../runtime/pool.js";
import type { Rule } from "../validate.js";
import type { Output } from "./output.js";

export const PROGRAM = "wasm-softmax";

/** A bad command line: printed with a pointer to the help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

export interface Flag<T> {
  /** As typed, with the dashes: "--batch-size". */
  name: string;
  /** Placeholder in the help ("N", "DIR"); absent for a switch, which takes no value. */
  arg?: string;
  help: string;
  /** What the value must be, in the words of the error messages: "an integer ≥ 1". */
  rule: string;
  default: T;
  /** The default as the help shows it (when it is not simply the value). */
  defaultText?: string;
  /** Turns the text into a value, or throws a UsageError that names the flag. */
  parse: (raw: string) => T;
}

export type Flags = Record<string, Flag<unknown>>;
export type Values<F extends Flags> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

export interface Command<F extends Flags = Flags> {
  name: string;
  /** One line for the command list. */
  summary: string;
  flags: F;
  /** Example command lines (without the program name) for the help. */
  examples?: string[];
  /** `given` holds the keys of the flags typed on the command line (the others hold their defaults). */
  run: (values: Values<F>, out: Output, given: ReadonlySet<keyof F>) => Promise<number>;
}

// Keeps each command's value types while the table holds them all.
export function command<F extends Flags>(spec: Command<F>): Command<F> {
  return spec;
}

export const HELP_FLAG = { name: "--help", short: "-h", help: "show this help" };

export function helpPointer(commandName?: string): string {
  return `Run "${PROGRAM} ${commandName ? `${commandName} --help` : "--help"}" for usage.`;
}

/** A usage error found after parsing (flags that conflict, a value out of the data's range), for `cmd`. */
export function usageError(commandName: string, message: string): UsageError {
  return new UsageError(message, helpPointer(commandName));
}

// ---------------------------------------------------------------------------------------------------------------
// Flag builders

// Decimal numbers only: Number() alone would also accept "", " ", "0x10" and "Infinity".
export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function invalid(name: string, rule: string, raw: string): UsageError {
  return new UsageError(`Invalid ${name}: expected ${rule}, got ${JSON.stringify(raw)}.`, "");
}

/** The number in `raw` when it is written in decimal and finite, else NaN. */
export function decimal(raw: string): number {
  const x = DECIMAL.test(raw) ? Number(raw) : NaN;
  return Number.isFinite(x) ? x : NaN;
}

/**
 * A number checked by one of the library's rules (src/validate.ts); `default` undefined means "not given" (the
 * command picks, see defaultText).
 */
export function numberFlag<D extends number | undefined = number>(name: string, spec: {
  arg?: string; help: string; default: D; defaultText?: string; rule: Rule<number>;
}): Flag<number | D> {
  return {
    name, arg: spec.arg ?? "X", help: spec.help, rule: spec.rule.text, default: spec.default,
    ...(spec.defaultText !== undefined && { defaultText: spec.defaultText }),
    parse(raw) {
      const x = decimal(raw);
      if (!spec.rule.test(x)) throw invalid(name, spec.rule.text, raw);
      return x;
    },
  };
}

/** As numberFlag, for integers: its placeholder is N. */
export function integerFlag<D extends number | undefined = number>(name: string, spec: Parameters<typeof numberFlag<D>>[1]): Flag<number | D> {
  return numberFlag(name, { arg: "N", ...spec });
}

export function choiceFlag<T extends string>(name: string, choices: readonly T[], spec: { arg?: string; help: string; defaultText: string }): Flag<T | undefined> {
  const rule = `one of ${choices.map((c) => `"${c}"`).join(", ")}`;
  return {
    name, arg: spec.arg ?? "NAME", help: spec.help, rule, default: undefined, defaultText: spec.defaultText,
    parse(raw) {
      if (!(choices as readonly string[]).includes(raw)) throw invalid(name, rule, raw);
      return raw as T;
    },
  };
}

/** A path; `extension` (".svg") is required when given, so a swapped pair of flags is caught early. */
export function pathFlag(name: string, spec: { arg?: string; help: string; defaultText?: string; rule?: string; extension?: string }): Flag<string | undefined> {
  const rule = spec.rule ?? (spec.extension ? `a file path ending in ${spec.extension}` : "a file path");
  return {
    name, arg: spec.arg ?? "FILE", help: spec.help, rule, default: undefined,
    ...(spec.defaultText !== undefined && { defaultText: spec.defaultText }),
    parse(raw) {
      const ext = spec.extension ?? "";
      if (raw.length <= ext.length || !raw.toLowerCase().endsWith(ext)) throw invalid(name, rule, raw);
      return raw;
    },
  };
}

export function switchFlag(name: string, help: string): Flag<boolean> {
  const rule = "no value, true or false";
  return {
    name, help, rule, default: false,
    // Only reached for --flag=value.
    parse(raw) {
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      throw invalid(name, rule, raw);
    },
  };
}

/** Comma-separated integers ≥ 1 ("256" or "256,64,16"). */
export function widthsFlag(name: string, spec: { arg?: string; help: string; defaultText: string }): Flag<number[] | undefined> {
  const rule = "comma-separated integers ≥ 1, e.g. 256 or 256,64";
  return {
    name, arg: spec.arg ?? "N[,N…]", help: spec.help, rule, default: undefined, defaultText: spec.defaultText,
    parse(raw) {
      const widths = raw.split(",").map((part) => (/^\d+$/.test(part) ? Number(part) : NaN));
      if (widths.some((w) => !Number.isSafeInteger(w) || w < 1)) throw invalid(name, rule, raw);
      return widths;
    },
  };
}

// Shared by the commands that load data and run kernels.
export const BACKEND_FLAG = choiceFlag<Backend>("--backend", [...BACKENDS].reverse(), {
  help: "kernels to run: js, wasm or wasm-simd",
  defaultText: "fastest available",
});
export const THREADS_FLAG: Flag<number | "auto" | undefined> = {
  name: "--threads", arg: "N|auto", default: undefined, defaultText: "auto: the cores available, at most 8",
  help: "kernel threads; any count trains to the same bits",
  rule: `"auto" or an integer in [1, ${MAX_THREADS}]`,
  parse(raw) {
    if (raw === "auto") return raw;
    const n = decimal(raw);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_THREADS) return n;
    throw invalid(this.name, this.rule, raw);
  },
};
export const DATA_FLAG = pathFlag("--data", {
  arg: "DIR",
  rule: "a directory path",
  help: "directory holding the four Fashion-MNIST files, gzipped or not",
  defaultText: "$FASHION_MNIST_DIR, the user cache, /usr/share/datasets/fashion-mnist, then download",
});
export const JSON_FLAG = switchFlag("--json", "print one JSON document on stdout instead of the table");
export const MODEL_FILE_FLAG = pathFlag("--model", {
  help: "checkpoint to load, as written by `train --save FILE` (required)",
  rule: "a checkpoint file path",
});

/** The value of a required flag, or a usage error saying what it must be. */
export function required<T>(value: T | undefined, flag: Flag<unknown>, commandName: string): T {
  if (value === undefined) throw usageError(commandName, `Missing ${flag.name}: expected ${flag.rule}.`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

export function parseFlags<F extends Flags>(cmd: Command<F>, args: string[]): { values: Values<F>; given: Set<keyof F> } | "help" {
  const byName = new Map<string, [keyof F, Flag<unknown>]>();
  for (const key of Object.keys(cmd.flags) as (keyof F)[]) byName.set(cmd.flags[key]!.name, [key, cmd.flags[key]!]);
  const values = Object.fromEntries(Object.entries(cmd.flags).map(([key, flag]) => [key, flag.default])) as Record<keyof F, unknown>;
  const given = new Set<keyof F>();
  const valid = [...byName.keys(), HELP_FLAG.name];
  const pointer = helpPointer(cmd.name);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === HELP_FLAG.name || arg === HELP_FLAG.short) return "help";
    if (!arg.startsWith("-") || arg === "-" || DECIMAL.test(arg)) {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)} for "${cmd.name}": it takes only options ` +
        `(${valid.join(", ")}).`, pointer);
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const entry = byName.get(name);
    if (!entry) {
      throw new UsageError(`unknown option ${name} for "${cmd.name}"${suggest(name, valid)}. Valid options: ${valid.join(", ")}.`,
        pointer);
    }
    const [key, flag] = entry;
    let raw: string | undefined;
    if (eq !== -1) {
      raw = arg.slice(eq + 1);
    } else if (flag.arg !== undefined) {
      raw = args[++i];
      // A value may start with "-" (a negative number is then reported as out of range), but not with "--".
      if (raw === undefined || raw.startsWith("--") || raw === HELP_FLAG.short) {
        throw new UsageError(`Missing value for ${name}: expected ${flag.rule}${raw === undefined ? "" : `, got the option ${raw}`}.`,
          pointer);
      }
    }
    try {
      values[key] = raw === undefined ? true : flag.parse(raw);
    } catch (error) {
      throw error instanceof UsageError ? new UsageError(error.message, pointer) : error;
    }
    given.add(key);
  }
  return { values: values as Values<F>, given };
}

/** " (did you mean …?)" for a near miss, else "". */
export function suggest(word: string, candidates: readonly string[]): string {
  const best = nearest(word, candidates);
  return best === undefined ? "" : ` (did you mean ${best}?)`;
}
