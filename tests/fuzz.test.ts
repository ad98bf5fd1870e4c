// Seeded fuzzing of the two readers of bytes from outside: IDX pairs (through the gzip path) and checkpoints.
// Every mutated input must end in a valid load or a typed WasmSoftmaxError: never a RangeError, a TypeError, a
// wasm trap, a hang, or a model that is only partly built.
import { describe, expect, it } from "vitest";
import { Rng } from "../src/util/random.js";
import { WasmSoftmaxError } from "../src/errors.js";
import { Dataset } from "../src/data/dataset.js";
import { maybeGunzip } from "../src/codecs/gzip.js";
import { idxSize, parseIdxPair } from "../src/data/idx.js";
import { MLP, SoftmaxRegression } from "../src/model/models.js";
import { parameterCount } from "../src/model/layout.js";
import { Adam, SGD } from "../src/optim/optimizer.js";
import { decodeCheckpoint, encodeCheckpoint } from "../src/io/checkpoint.js";
import type { Checkpoint } from "../src/io/checkpoint.js";
import { gzip, makeIdxImages, makeIdxLabels } from "./helpers/idx.js";
import { asVersion1, editCheckpoint, reseal } from "./helpers/checkpoint.js";

const CASES = 10_000;
const MAX_BYTES = 1 << 20;

/**
 * Random bytes mutations: flips, overwrites, truncation, extension, splices, past the first `protectHead` bytes;
 * `inPlace` keeps to flips and overwrites, which leave the length alone.
 */
function mutateBytes(bytes: Uint8Array, rng: Rng, protectHead = 0, inPlace = false): Uint8Array {
  let b = bytes.slice();
  const edits = 1 + rng.int(3);
  for (let e = 0; e < edits; e++) {
    const at = () => protectHead + rng.int(Math.max(1, b.length - protectHead));
    switch (rng.int(inPlace ? 3 : 8)) {
      case 0: if (b.length) b[at() % b.length]! ^= 1 << rng.int(8); break;
      case 1: if (b.length) b[at() % b.length] = rng.int(256); break;
      case 2: if (b.length) b[at() % b.length] = [0, 0xff, 0x7f, 0x80][rng.int(4)]!; break;
      case 3: b = b.subarray(0, rng.int(b.length + 1)); break;
      case 4: { const extra = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256)); const c = new Uint8Array(b.length + extra.length); c.set(b); c.set(extra, b.length); b = c; break; }
      case 5: { const from = rng.int(b.length + 1), to = from + rng.int(b.length - from + 1); const c = new Uint8Array(b.length - (to - from)); c.set(b.subarray(0, from)); c.set(b.subarray(to), from); b = c; break; }
      case 6: { const c = new Uint8Array(b.length * 2); c.set(b); c.set(b, b.length); b = c; break; }
      default: if (b.length >= 4) { const i = at() % (b.length - 3); new DataView(b.buffer, b.byteOffset).setUint32(i, [0xffffffff, 0x7fffffff, 0x80000000, 0][rng.int(4)]!); } break;
    }
  }
  return b;
}

/** Runs `task`, failing with `what` when it takes longer than `ms` (a hang). */
async function within<T>(ms: number, what: string, task: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`hang: ${what}`)), ms); });
  try {
    return await Promise.race([task(), hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error `task` ends in, or undefined when it returns; a non-typed error fails the test with `what`. */
function expectTyped(error: unknown, what: string): void {
  if (error === undefined || error instanceof WasmSoftmaxError) return;
  throw new Error(`${what}: untyped ${(error as Error)?.name ?? typeof error}: ${(error as Error)?.message ?? String(error)}`);
}

describe("fuzzing", () => {
  it(`ends ${CASES} mutated IDX pairs, gzipped or not, in a Dataset or a typed error`, async () => {
    const rng = new Rng(20_261_201, 1);
    const outcomes = { loaded: 0, refused: 0, gzipped: 0 };
    for (let n = 0; n < CASES; n++) {
      const count = rng.int(6), rows = 1 + rng.int(4), cols = 1 + rng.int(4);
      let images = makeIdxImages(count, rows, cols, (i, r, c) => (i * 31 + r * 7 + c) % 256);
      let labels = makeIdxLabels(Array.from({ length: count }, () => rng.int(rng.int(4) === 0 ? 256 : 10)));
      // Every case is mutated: the images, the labels, or both.
      // A quarter keep the headers and lengths, so damage also reaches the data and the labels' range.
      const which = rng.int(3), inPlace = rng.int(4) === 0;
      if (which !== 1) images = mutateBytes(images, rng, inPlace ? 16 : 0, inPlace);
      if (which !== 0) labels = mutateBytes(labels, rng, inPlace ? 8 : 0, inPlace);
      if (rng.int(8) === 0) [images, labels] = [labels, images];
      const pack = (bytes: Uint8Array) => {
        if (rng.int(3) !== 0) return bytes;
        outcomes.gzipped++;
        const gz = gzip(bytes);
        // Damage the compressed stream itself, past the magic so it is still taken for gzip.
        return rng.int(2) === 0 ? mutateBytes(gz, rng, 2) : gz;
      };
      images = pack(images);
      labels = pack(labels);
      const what = `IDX case ${n}`;
      let data: Dataset | undefined, error: unknown;
      try {
        data = await within(2_000, what, async () => {
          const options = { declaredSize: idxSize, maxBytes: MAX_BYTES };
          const [x, y] = await Promise.all([maybeGunzip(images, "images", options), maybeGunzip(labels, "labels", options)]);
          return parseIdxPair(x, y, { classes: 10 });
        });
      } catch (e) {
        error = e;
      }
      expectTyped(error, what);
      if (data) {
        outcomes.loaded++;
        expect(data.x.length).toBe(data.length * data.features);
        expect(data.y.every((label) => label < 10)).toBe(true);
      } else {
        outcomes.refused++;
      }
    }
    // Both outcomes and both paths are exercised, not only refusals.
    expect(outcomes.loaded).toBeGreaterThan(CASES / 50);
    expect(outcomes.refused).toBeGreaterThan(CASES / 2);
    expect(outcomes.gzipped).toBeGreaterThan(CASES / 2);
  }, 60_000);

  it(`ends ${CASES} mutated checkpoints (raw bytes and header fields, versions 1 and 2) in a whole model or a typed error`, () => {
    const rng = new Rng(20_261_201, 2);
    const mlp = new MLP({ layers: [5, 4, 3], seed: 1 });
    const softmax = new SoftmaxRegression({ inputs: 3, classes: 2, seed: 2 });
    const history = [{ epoch: 1, loss: 0.9, accuracy: 0.5, ms: 2, lr: 0.1 }, { epoch: 2, loss: 0.7, accuracy: 0.6, ms: 2, valLoss: 0.8, valAccuracy: 0.55, lr: 0.1 }];
    const training = { epoch: 2, seed: 7, batchSize: 8, shuffle: true, loss: { type: "cross-entropy" as const, labelSmoothing: 0 }, history };
    const bases = [
      encodeCheckpoint({ model: mlp }),
      encodeCheckpoint({ model: mlp, optimizer: new Adam({ lr: 0.01, schedule: { type: "cosine", epochs: 4 } }), training }),
      encodeCheckpoint({ model: softmax, optimizer: new SGD({ momentum: 0.9 }), training: { epoch: 0, seed: 0, batchSize: 1, shuffle: false } }),
    ];
    bases.push(...bases.map(asVersion1));
    const VALUES: unknown[] = [-1, 0, 1, 2, 1.5, 7960, 2 ** 28, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, -0, "", "x", "mlp", "adam", null, true, false,
      [], [1], [784, 1e6, 10], [3, 2], {}, { type: "mlp" }, { type: "cross-entropy", labelSmoothing: 2 }];
    const paths = (value: unknown, prefix: string[] = []): string[][] => typeof value === "object" && value !== null
      ? [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))] : [prefix];
    const editField = (header: Record<string, unknown>) => {
      const all = paths(header).filter((p) => p.length > 0);
      const path = all[rng.int(all.length)]!;
      let parent: Record<string, unknown> = header;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
      const key = path[path.length - 1]!;
      if (rng.int(6) === 0) delete parent[key];
      else parent[key] = structuredClone(VALUES[rng.int(VALUES.length)]);
    };
    const outcomes = { loaded: 0, refused: 0 };
    const start = performance.now();
    for (let n = 0; n < CASES; n++) {
      const base = bases[rng.int(bases.length)]!;
      let bytes: Uint8Array;
      switch (rng.int(4)) {
        case 0: bytes = mutateBytes(base, rng); break;
        case 1: bytes = reseal(mutateBytes(base, rng, 12)); break; // raw damage the version-2 CRC does not catch
        case 2: bytes = editCheckpoint(base, ({ header }) => { for (let k = 1 + rng.int(3); k > 0; k--) editField(header); }); break;
        default: bytes = editCheckpoint(base, ({ payload }) => {
          const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
          view.setFloat32(4 * rng.int(payload.length / 4), [NaN, Infinity, -Infinity, 3e38, -0][rng.int(5)]!, true);
        }); break;
      }
      const allowNonFinite = rng.int(4) === 0;
      let loaded: Checkpoint | undefined, error: unknown;
      try {
        loaded = decodeCheckpoint(bytes, { source: `case ${n}`, allowNonFinite });
      } catch (e) {
        error = e;
      }
      expectTyped(error, `checkpoint case ${n}`);
      if (!loaded) { outcomes.refused++; continue; }
      outcomes.loaded++;
      // A whole model: its parameter block fits its layers, the optimizer's state fits the model, all finite
      // unless asked otherwise, and it saves again.
      const { model, optimizer } = loaded;
      const params = model.getParameters();
      expect(params.length).toBe(parameterCount(model.layers));
      if (optimizer) expect(optimizer.state!.length).toBe(optimizer.stateSize(model.size));
      if (!allowNonFinite) expect(params.every(Number.isFinite) && (optimizer?.state ?? []).every(Number.isFinite)).toBe(true);
      expect(decodeCheckpoint(encodeCheckpoint(loaded), { allowNonFinite: true }).model.size).toBe(model.size);
    }
    expect(outcomes.loaded).toBeGreaterThan(CASES / 10);
    expect(outcomes.refused).toBeGreaterThan(CASES / 2);
    expect(performance.now() - start).toBeLessThan(30_000);
  }, 60_000);
});
