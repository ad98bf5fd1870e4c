// What every command shares: the io, the open-progress-line bookkeeping, loading data, writing files, and the
// few ways numbers and models are described.
import { basename } from "node:path";
import { loadFashionMNIST } from "../data/fashion-mnist/node/load.js";
import type { LoadedFashionMNIST } from "../data/fashion-mnist/node/load.js";
import type { FashionMNISTProgress } from "../data/fashion-mnist/options.js";
import type { Dataset } from "../data/dataset.js";
import type { DenseNetwork, ModelConfig } from "../model/network.js";
import { checkFits } from "../model/network.js";
import { createRuntime } from "../runtime/runtime.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Backend } from "../kernels/contract.js";
import type { OptimizerConfig } from "../optim/optimizer.js";
import type { Schedule } from "../optim/schedules.js";
import type { LossConfig } from "../train/losses.js";
import { writeFileAtomic } from "../util/atomic-node.js";
import { DatasetNotFoundError, WasmSoftmaxError } from "../errors.js";

/** What the CLI may touch of the outside world; `bin.ts` passes the real process, tests pass captures. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal: progress bars redraw in place there, and only there; images use colour. */
  isTTY: boolean;
  /** Whether stdout is a terminal: pictures on stdout use colour only then. Default: as `isTTY`. */
  stdoutIsTTY?: boolean;
  /** stderr's width in columns, asked at every redraw (a terminal can be resized); the progress bar fits it. */
  columns?: () => number | undefined;
  env: Record<string, string | undefined>;
  /** Ctrl-C: training stops after the current batch, keeps what it has, and the command exits 130. */
  signal?: AbortSignal;
}

/** Exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** Ctrl-C arrived while a command that cannot stop half-way was loading: exit 130 without output. */
export class Interrupted extends Error {
  constructor() {
    super("interrupted");
  }
}

/** A failure outside the library (a file that cannot be written): printed as the message, exit code 1. */
export class CliError extends Error {}

/** Writes an output file atomically, turning a file-system error into a CliError that names the flag. */
export async function writeOutput(path: string, content: string | Uint8Array, flag: string): Promise<void> {
  try {
    await writeFileAtomic(path, typeof content === "string" ? new TextEncoder().encode(content) : content);
  } catch (error) {
    throw new CliError(`Cannot write ${flag} ${path}: ${fileErrorReason(error)}.`);
  }
}

// What each file-system failure means and what to do about it, in a few words.
const SYSTEM_ADVICE: Record<string, string> = {
  EACCES: "permission denied; check the permissions, or use another path",
  EPERM: "operation not permitted; check the permissions, or use another path",
  EISDIR: "it is a directory; give a file path",
  ENOTDIR: "a part of the path is not a directory; check the path",
  ENOENT: "no such file or directory; check the path",
  ENOSPC: "no space left on the device; free some space, or write elsewhere",
  EDQUOT: "disk quota exceeded; free some space, or write elsewhere",
  EROFS: "read-only file system; write elsewhere",
  EEXIST: "it already exists; remove it, or use another path",
  ENAMETOOLONG: "the name is too long; use a shorter path",
  ELOOP: "too many symbolic links; check the path",
  EMFILE: "too many open files; close other programs, or raise the limit (ulimit -n)",
  ENFILE: "too many open files on the system; close other programs",
  EBUSY: "the file is busy; try again when nothing else uses it",
  EIO: "an input/output error; check the disk",
  ERR_FS_FILE_TOO_LARGE: "the file is over 2 GiB, more than can be read at once; check that it is the file you meant",
};

/** An error from Node's file system or streams: it has a code such as "EACCES" or "ERR_FS_FILE_TOO_LARGE". */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return error instanceof Error && typeof code === "string" && /^(E[A-Z0-9]+|ERR_[A-Z0-9_]+)$/.test(code);
}

function systemReason(error: NodeJS.ErrnoException): string {
  const code = error.code!;
  return `${SYSTEM_ADVICE[code] ?? firstLine(error.message)} (${code})`;
}

/** Why a file could not be read or written, in the words the command's one-line failures use ("no such file … (ENOENT)"). */
export function fileErrorReason(error: unknown): string {
  return isSystemError(error) ? systemReason(error) : firstLine(error instanceof Error ? error.message : String(error));
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0]!.trim().replace(/\.$/, "");
}

/**
 * What a failed command prints on stderr (exit code 1): one line saying what failed, where and what to do; for
 * an error that is not an expected one, the version and a request to report it. `debug` (--debug) adds the stack.
 */
export function failureText(error: unknown, version: string, debug: boolean): string {
  const stack = debug && error instanceof Error && error.stack ? `${error.stack}\n` : "";
  return `error: ${failureLine(error, version)}\n${stack}`;
}

function failureLine(error: unknown, version: string): string {
  if (error instanceof WasmSoftmaxError) return cliMessage(error);
  if (error instanceof CliError) return error.message;
  if (isSystemError(error)) {
    const what = error.syscall ? `Cannot ${error.syscall}${error.path ? ` ${error.path}` : ""}` : "A file operation failed";
    return `${what}: ${systemReason(error)}.`;
  }
  // Allocation failures of a model or data set too large for this machine or for JavaScript's arrays.
  if (error instanceof RangeError && /allocation failed|invalid (typed )?array length|out of memory/i.test(error.message)) {
    return `Out of memory: ${firstLine(error.message)}. Use a smaller model (--hidden) or batch (--batch-size), or free memory.`;
  }
  const text = error instanceof Error ? `${error.name}: ${firstLine(error.message)}` : String(error);
  return `unexpected ${text} (wasm-softmax ${version}). This is a bug: please report it with the command line; ` +
    "--debug prints the stack.";
}

/** The io plus whether a progress line on stderr is still open, so that later text starts on a fresh line. */
export class Output {
  private open = false;
  constructor(readonly io: CliIO) {}

  /** Writes to stderr, remembering whether the text left a line unfinished (a progress bar redrawn with "\r"). */
  progress = (text: string): void => {
    // Set first: a write may run an abort listener that ends the line itself.
    if (text.length > 0) this.open = !text.endsWith("\n");
    this.io.stderr(text);
  };

  /** Information around the results: on stdout with the tables, on stderr when stdout holds one JSON document. */
  info(text: string, json: boolean): void {
    if (json) this.progress(text);
    else this.io.stdout(text);
  }

  endLine(): void {
    if (this.open) this.io.stderr("\n");
    this.open = false;
  }

  /** Throws Interrupted when Ctrl-C was pressed: for commands to call between their slow steps. */
  checkInterrupt(): void {
    if (this.io.signal?.aborted) throw new Interrupted();
  }
}

export function cliMessage(error: WasmSoftmaxError): string {
  if (!(error instanceof DatasetNotFoundError)) return error.message;
  // The library's hint speaks of loadFashionMNIST's options; say the same in this tool's flags.
  return error.message
    .replace(/loadFashionMNIST\(\{ dir: "([^"]*)" \}\)/g, "--data $1")
    .replace(/leave out `dir`/g, "leave out --data");
}

export async function loadData(dir: string | undefined, out: Output): Promise<LoadedFashionMNIST> {
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
  try {
    const data = await loadFashionMNIST({
      ...(dir !== undefined && { dir }), env: out.io.env, onProgress, ...(out.io.signal && { signal: out.io.signal }),
    });
    out.checkInterrupt();
    return data;
  } catch (error) {
    out.checkInterrupt(); // Ctrl-C cancelled a download: report it as an interrupt, not as an error.
    throw error;
  } finally {
    out.endLine();
  }
}

export function describeSource(data: LoadedFashionMNIST): string {
  switch (data.kind) {
    case "env": return `${data.source} ($FASHION_MNIST_DIR)`;
    case "cache": return `${data.source} (cache)`;
    case "download": return `downloaded from ${data.source}${data.cachedTo ? `, cached in ${data.cachedTo}` : ""}`;
    default: return data.source;
  }
}

/** The library's model/data check, with a hint naming `file` and its model. */
export function checkModelFits(file: string, model: DenseNetwork, data: Dataset, hint: string): void {
  checkFits(model, data, `The model in ${file} is ${describeModel(model.config)}. ${hint}`);
}

/**
 * The runtime a command computes on: --backend (else the fastest here) on --threads (else "auto"), with its
 * workers up, so that the line describing it counts them.
 */
export async function cliRuntime(o: { backend: Backend | undefined; threads: number | "auto" | undefined }): Promise<Runtime> {
  const runtime = await createRuntime({ ...(o.backend !== undefined && { backend: o.backend }), ...(o.threads !== undefined && { threads: o.threads }) });
  return runtime.ready;
}

/** "wasm-simd, 2 threads" or "wasm (1 thread: threads need the wasm-simd backend)". */
export function describeRuntime(runtime: Runtime): string {
  if (runtime.threads > 1) return `${runtime.backend}, ${runtime.threads} threads`;
  return runtime.threadsReason ? `${runtime.backend} (1 thread: ${runtime.threadsReason})` : `${runtime.backend}, 1 thread`;
}

/** "softmax-regression 784-10", "mlp 784-256-10": the type and the layer widths. */
export function describeModel(config: ModelConfig): string {
  const widths = config.type === "mlp" ? config.layers : [config.inputs, config.classes];
  return `${config.type} ${widths.join("-")}`;
}

/** A schedule as the --schedule flag spells it ("step:5:0.5", "cosine:0.001"), plus the cosine's span. */
export function describeSchedule(schedule: Schedule): string {
  if (schedule.type === "step") return `step:${schedule.stepSize}:${schedule.gamma}`;
  return `cosine${schedule.minLr ? `:${schedule.minLr}` : ""} over ${schedule.epochs} epochs`;
}

export function describeOptimizer(config: OptimizerConfig): string {
  const parts = [`lr ${config.lr}`];
  if (config.type === "sgd" && config.momentum) parts.push(`momentum ${config.momentum}`);
  if (config.weightDecay) parts.push(`weight decay ${config.weightDecay}`);
  if (config.schedule) parts.push(`schedule ${describeSchedule(config.schedule)}`);
  return `${config.type} (${parts.join(", ")})`;
}

export function describeLoss(config: LossConfig): string {
  if (config.type === "cross-entropy") return config.labelSmoothing ? `cross-entropy (label smoothing ${config.labelSmoothing})` : "cross-entropy";
  if (config.type === "huber") return `huber (delta ${config.delta})`;
  return config.type;
}

/** The model's class names (its labels, else those of `data`), or the class numbers when neither has them. */
export function classNames(model: DenseNetwork, data?: Dataset): string[] {
  return Array.from({ length: model.classes }, (_, c) => model.labels?.[c] ?? data?.classNames?.[c] ?? String(c));
}

/** A class as the CLI shows it: its number, then its name when it has one ("9 Ankle boot", or "9"). */
export function classTitle(names: readonly string[], c: number): string {
  return names[c] === String(c) ? String(c) : `${c} ${names[c]}`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
