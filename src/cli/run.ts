import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { init } from "../wasm/init.js";
import type { Backend } from "../kernels/contract.js";
import { BACKENDS } from "../kernels/contract.js";
import { loadFashionMNIST } from "../data/fashion-mnist-node.js";
import type { LoadedFashionMNIST } from "../data/fashion-mnist-node.js";
import type { FashionMNISTProgress } from "../data/fashion-mnist.js";
import type { Dataset } from "../data/dataset.js";
import { SoftmaxRegression } from "../model/models.js";
import type { DenseNetwork } from "../model/network.js";
import { SGD } from "../optim/optimizer.js";
import { fit } from "../train/train.js";
import type { Callback, History } from "../train/train.js";
import { progressLogger } from "../train/callbacks.js";
import { DatasetNotFoundError, WasmSoftmaxError } from "../errors.js";
import { formatTable } from "./table.js";

/** What the CLI may touch of the outside world; `bin.ts` passes the real process, tests pass captures. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal: progress bars redraw in place there, and only there. */
  isTTY: boolean;
  env: Record<string, string | undefined>;
}

const PROGRAM = "wasm-softmax";

/**
 * Runs the command line `argv` (without node and the script) and resolves to the exit code: 0 on success,
 * 1 when the library reports an error (missing data, divergence, …), 2 for a usage error. Errors that are not
 * the package's own are re-thrown.
 * @example
 * process.exitCode = await run(process.argv.slice(2), { stdout, stderr, isTTY: true, env: process.env });
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const out = new Output(io);
  try {
    return await dispatch(argv, out);
  } catch (error) {
    out.endLine();
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n${error.hint}\n`);
      return 2;
    }
    if (error instanceof WasmSoftmaxError) {
      io.stderr(`error: ${cliMessage(error)}\n`);
      return 1;
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Flags and commands

/** A bad command line: printed with a pointer to the help, exit code 2. */
class UsageError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

interface Flag<T> {
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

type Flags = Record<string, Flag<unknown>>;
type Values<F extends Flags> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

interface Command<F extends Flags = Flags> {
  name: string;
  /** One line for the command list. */
  summary: string;
  flags: F;
  /** Example command lines (without the program name) for the help. */
  examples?: string[];
  run: (values: Values<F>, out: Output) => Promise<number>;
}

// Keeps each command's value types while the table holds them all.
function command<F extends Flags>(spec: Command<F>): Command<F> {
  return spec;
}

// Decimal numbers only: Number() alone would also accept "", " ", "0x10" and "Infinity".
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function invalid(name: string, rule: string, raw: string): UsageError {
  return new UsageError(`Invalid ${name}: expected ${rule}, got ${JSON.stringify(raw)}.`, "");
}

function integerFlag(name: string, spec: { arg?: string; help: string; default: number; min: number; max?: number; rule?: string }): Flag<number> {
  const rule = spec.rule ?? `an integer ≥ ${spec.min}`;
  return {
    name, arg: spec.arg ?? "N", help: spec.help, rule, default: spec.default,
    parse(raw) {
      const n = DECIMAL.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < spec.min || (spec.max !== undefined && n > spec.max)) throw invalid(name, rule, raw);
      return n;
    },
  };
}

function positiveFlag(name: string, spec: { arg?: string; help: string; default: number }): Flag<number> {
  const rule = "a finite number > 0";
  return {
    name, arg: spec.arg ?? "X", help: spec.help, rule, default: spec.default,
    parse(raw) {
      const x = DECIMAL.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(x) || x <= 0) throw invalid(name, rule, raw);
      return x;
    },
  };
}

function choiceFlag<T extends string>(name: string, choices: readonly T[], spec: { arg?: string; help: string; defaultText: string }): Flag<T | undefined> {
  const rule = `one of ${choices.map((c) => `"${c}"`).join(", ")}`;
  return {
    name, arg: spec.arg ?? "NAME", help: spec.help, rule, default: undefined, defaultText: spec.defaultText,
    parse(raw) {
      if (!(choices as readonly string[]).includes(raw)) throw invalid(name, rule, raw);
      return raw as T;
    },
  };
}

function pathFlag(name: string, spec: { arg?: string; help: string; defaultText: string }): Flag<string | undefined> {
  const rule = "a directory path";
  return {
    name, arg: spec.arg ?? "DIR", help: spec.help, rule, default: undefined, defaultText: spec.defaultText,
    parse(raw) {
      if (raw === "") throw invalid(name, rule, raw);
      return raw;
    },
  };
}

function switchFlag(name: string, help: string): Flag<boolean> {
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

// Shared by every command that trains or evaluates, so `eval` and `predict` can reuse them.
const BACKEND_FLAG = choiceFlag<Backend>("--backend", [...BACKENDS].reverse(), {
  help: "kernels to run: js, wasm or wasm-simd",
  defaultText: "fastest available",
});
const DATA_FLAG = pathFlag("--data", {
  help: "directory holding the four Fashion-MNIST files, gzipped or not",
  defaultText: "$FASHION_MNIST_DIR, the user cache, /usr/share/datasets/fashion-mnist, then download",
});
const JSON_FLAG = switchFlag("--json", "print one JSON document on stdout instead of the table");

const TRAIN_FLAGS = {
  epochs: integerFlag("--epochs", { help: "passes over the training set", default: 10, min: 1 }),
  batchSize: integerFlag("--batch-size", { help: "examples per SGD step", default: 256, min: 1 }),
  lr: positiveFlag("--lr", { help: "learning rate of SGD", default: 0.1 }),
  seed: integerFlag("--seed", {
    help: "seed of the initial weights and the shuffles", default: 0, min: 0, max: 0xffffffff,
    rule: "an integer in [0, 2^32)",
  }),
  backend: BACKEND_FLAG,
  data: DATA_FLAG,
  json: JSON_FLAG,
};

const TRAIN = command({
  name: "train",
  summary: "train on Fashion-MNIST; print loss and accuracy per epoch",
  flags: TRAIN_FLAGS,
  examples: ["train", "train --epochs 3 --backend js", "train --data ./fashion-mnist --json > run.json"],
  run: train,
});

// Dispatch order is help order. `help` is handled before lookup; it is listed for the help text and errors.
const COMMANDS: readonly Command<any>[] = [TRAIN];
const HELP_FLAG = { name: "--help", short: "-h", help: "show this help" };

async function dispatch(argv: string[], out: Output): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    out.io.stderr(usage());
    return 2;
  }
  if (first === "--help" || first === "-h") return printHelp(out, rest[0]);
  if (first === "help") return printHelp(out, rest[0]);
  if (first === "--version") {
    out.io.stdout(`${await version()}\n`);
    return 0;
  }
  if (first.startsWith("-")) {
    throw new UsageError(`unknown option ${first}${suggest(first.split("=")[0]!, ["--help", "--version"])}. ` +
      `Valid before a command: --help, --version.`, helpPointer());
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  if (!cmd) {
    const names = [...COMMANDS.map((c) => c.name), "help"];
    throw new UsageError(`unknown command ${JSON.stringify(first)}${suggest(first, names)}. Valid commands: ${names.join(", ")}.`,
      helpPointer());
  }
  const values = parseFlags(cmd, rest);
  if (values === "help") {
    out.io.stdout(commandHelp(cmd));
    return 0;
  }
  return cmd.run(values, out);
}

function parseFlags<F extends Flags>(cmd: Command<F>, args: string[]): Values<F> | "help" {
  const byName = new Map<string, [keyof F, Flag<unknown>]>();
  for (const key of Object.keys(cmd.flags) as (keyof F)[]) byName.set(cmd.flags[key]!.name, [key, cmd.flags[key]!]);
  const values = Object.fromEntries(Object.entries(cmd.flags).map(([key, flag]) => [key, flag.default])) as Record<keyof F, unknown>;
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
  }
  return values as Values<F>;
}

// "Did you mean …?" for near misses: a prefix, or at most two edits away.
function suggest(word: string, candidates: readonly string[]): string {
  let best: string | undefined, bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.startsWith(word) && word.length >= 3 ? 0.5 : editDistance(word, candidate);
    if (d < bestDistance) { best = candidate; bestDistance = d; }
  }
  return best !== undefined && bestDistance <= 2 ? ` (did you mean ${best}?)` : "";
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

// ---------------------------------------------------------------------------------------------------------------
// Help and version

function helpPointer(commandName?: string): string {
  return `Run "${PROGRAM} ${commandName ? `${commandName} --help` : "--help"}" for usage.`;
}

function usage(): string {
  const rows: [string, string][] = [
    ...COMMANDS.map((c): [string, string] => [`${PROGRAM} ${c.name} [options]`, c.summary]),
    [`${PROGRAM} help [command]`, "show this help, or one command's options"],
    [`${PROGRAM} --version`, "print the version"],
  ];
  return "Train softmax regression on Fashion-MNIST with WebAssembly SIMD kernels.\n\n" +
    "Usage:\n" + columns(rows) + "\n" + COMMANDS.map(commandOptions).join("\n") +
    "\nExit codes: 0 success, 1 error (data not found, training diverged, …), 2 bad command line.\n";
}

function commandHelp(cmd: Command<any>): string {
  return `Usage: ${PROGRAM} ${cmd.name} [options]\n\n${cmd.summary[0]!.toUpperCase()}${cmd.summary.slice(1)}.\n\n` + commandOptions(cmd);
}

function commandOptions(cmd: Command<any>): string {
  const rows = Object.values(cmd.flags as Flags).map((flag): [string, string] => {
    const shown = flag.defaultText ?? (flag.arg === undefined ? undefined : String(flag.default));
    return [`${flag.name}${flag.arg ? ` ${flag.arg}` : ""}`, `${flag.help}${shown === undefined ? "" : ` (default: ${shown})`}`];
  });
  rows.push([`${HELP_FLAG.short}, ${HELP_FLAG.name}`, HELP_FLAG.help]);
  const examples = cmd.examples?.length ? `\nExamples:\n${cmd.examples.map((e) => `  ${PROGRAM} ${e}\n`).join("")}` : "";
  return `Options for ${cmd.name}:\n${columns(rows)}${examples}`;
}

const HELP_WIDTH = 100;

// Two columns; the right one wrapped at word boundaries to stay within HELP_WIDTH.
function columns(rows: readonly [string, string][]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  const room = Math.max(30, HELP_WIDTH - width - 4);
  return rows.map(([left, right]) => {
    const lines: string[] = [];
    let line = "";
    for (const word of right.split(" ")) {
      if (line && line.length + 1 + word.length > room) { lines.push(line); line = word; }
      else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
    return lines.map((text, i) => `  ${(i === 0 ? left : "").padEnd(width)}  ${text}`.trimEnd() + "\n").join("");
  }).join("");
}

async function printHelp(out: Output, topic: string | undefined): Promise<number> {
  if (topic === undefined) {
    out.io.stdout(usage());
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === topic);
  if (!cmd) {
    const names = COMMANDS.map((c) => c.name);
    throw new UsageError(`unknown command ${JSON.stringify(topic)}${suggest(topic, names)}. Valid commands: ${names.join(", ")}.`,
      helpPointer());
  }
  out.io.stdout(commandHelp(cmd));
  return 0;
}

// package.json is two levels up from both src/cli/run.ts and dist/cli/run.js.
async function version(): Promise<string> {
  const text = await readFile(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

// ---------------------------------------------------------------------------------------------------------------
// Output

/** The io plus whether a progress line on stderr is still open, so that later text starts on a fresh line. */
class Output {
  private open = false;
  constructor(readonly io: CliIO) {}

  /** Writes to stderr, remembering whether the text left a line unfinished (a progress bar redrawn with "\r"). */
  progress = (text: string): void => {
    this.io.stderr(text);
    if (text.length > 0) this.open = !text.endsWith("\n");
  };

  endLine(): void {
    if (this.open) this.io.stderr("\n");
    this.open = false;
  }
}

function cliMessage(error: WasmSoftmaxError): string {
  if (!(error instanceof DatasetNotFoundError)) return error.message;
  // The library's hint speaks of loadFashionMNIST's options; say the same in this tool's flags.
  return error.message
    .replace(/loadFashionMNIST\(\{ dir: "([^"]*)" \}\)/g, "--data $1")
    .replace(/leave out `dir`/g, "leave out --data");
}

// ---------------------------------------------------------------------------------------------------------------
// train

type TrainValues = Values<typeof TRAIN_FLAGS>;

interface EpochRow {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testLoss: number | null;
  testAcc: number | null;
  ms: number;
}

async function train(o: TrainValues, out: Output): Promise<number> {
  const { io } = out;
  const { backend } = await init(o.backend === undefined ? {} : { backend: o.backend });
  const data = await loadData(o.data, out);
  const { model, name } = buildModel(o, data.train);
  const info = `backend: ${backend}  data: ${describeSource(data)} (${data.train.length} train, ${data.test.length} test)\n`;
  if (o.json) out.progress(info);
  else io.stdout(info);

  const history = await fit(model, data.train, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    optimizer: new SGD({ lr: o.lr }),
    validationData: data.test,
    seed: o.seed,
    callbacks: [io.isTTY ? progressLogger({ write: out.progress }) : epochLines(out.progress)],
  });
  out.endLine();

  const rows = history.epochs.map((e): EpochRow => ({
    epoch: e.epoch, trainLoss: e.loss, trainAcc: e.acc, testLoss: e.valLoss ?? null, testAcc: e.valAcc ?? null, ms: e.ms,
  }));
  const last = rows[rows.length - 1];
  const trainMs = rows.reduce((sum, r) => sum + r.ms, 0);

  if (o.json) {
    const doc = {
      backend: history.backend,
      model: name,
      data: { source: data.source, train: data.train.length, test: data.test.length },
      options: { epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, seed: o.seed },
      epochs: rows.map((r) => ({ ...r, ms: roundMs(r.ms) })),
      totals: { ms: roundMs(history.ms), trainMs: roundMs(trainMs), testAcc: last?.testAcc ?? null, testLoss: last?.testLoss ?? null },
    };
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  io.stdout(epochTable(rows));
  io.stdout(summary(history, last, trainMs));
  return 0;
}

// The one place that knows which model a command line asks for; `--model mlp --hidden 256` goes here.
function buildModel(o: TrainValues, data: Dataset): { model: DenseNetwork; name: string } {
  const model = new SoftmaxRegression({ inputs: data.features, classes: data.classes, seed: o.seed });
  return { model, name: model.config.type };
}

async function loadData(dir: string | undefined, out: Output): Promise<LoadedFashionMNIST> {
  let announced = false;
  // Local reads report each file once, whole; only downloads (URLs) are worth showing.
  const onProgress = ({ file, loaded, total }: FashionMNISTProgress) => {
    if (!/^https?:/i.test(file)) return;
    const name = basename(new URL(file).pathname);
    if (out.io.isTTY) {
      const size = total ? `${mb(loaded)}/${mb(total)} MB` : `${mb(loaded)} MB`;
      out.progress(`\rdownloading ${name} ${size}\x1b[K`);
    } else if (!announced) {
      announced = true;
      out.progress(`downloading Fashion-MNIST from ${file.slice(0, file.length - name.length)}\n`);
    }
  };
  const data = await loadFashionMNIST({ ...(dir !== undefined && { dir }), env: out.io.env, onProgress });
  out.endLine();
  return data;
}

function describeSource(data: LoadedFashionMNIST): string {
  switch (data.kind) {
    case "env": return `${data.source} ($FASHION_MNIST_DIR)`;
    case "cache": return `${data.source} (cache)`;
    case "download": return `downloaded from ${data.source}${data.cachedTo ? `, cached in ${data.cachedTo}` : ""}`;
    default: return data.source;
  }
}

// Without a terminal a redrawn bar is noise in a log: one line per finished epoch instead.
function epochLines(write: (text: string) => void): Callback {
  return ({ phase, epoch, epochs, logs }) => {
    if (phase !== "epoch") return;
    let line = `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}  loss ${logs.loss.toFixed(4)}  acc ${logs.acc.toFixed(4)}`;
    if (logs.valAcc !== undefined) line += `  test_loss ${logs.valLoss!.toFixed(4)}  test_acc ${logs.valAcc.toFixed(4)}`;
    write(`${line}  ${Math.round(logs.ms)} ms\n`);
  };
}

function epochTable(rows: readonly EpochRow[]): string {
  const f4 = (x: number | null) => (x === null ? "-" : x.toFixed(4));
  return formatTable(
    [{ header: "epoch" }, { header: "train loss" }, { header: "train acc" }, { header: "test loss" }, { header: "test acc" }, { header: "ms" }],
    rows.map((r) => [String(r.epoch), f4(r.trainLoss), f4(r.trainAcc), f4(r.testLoss), f4(r.testAcc), String(Math.round(r.ms))]),
  );
}

function summary(history: History, last: EpochRow | undefined, trainMs: number): string {
  const stopped = history.stopped === "completed" ? "" : ` (stopped early: ${history.stopped})`;
  const acc = last?.testAcc == null ? "n/a" : last.testAcc.toFixed(4);
  return `test accuracy: ${acc}${stopped}\n` +
    `total time: ${seconds(history.ms)} (training ${seconds(trainMs)}, testing and overhead ${seconds(history.ms - trainMs)})\n`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}
