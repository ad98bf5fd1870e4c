// SGD and Adam: the update kernels and the optimizer classes against a float64 transcription of PyTorch's
// torch.optim.SGD / torch.optim.Adam, option validation, learning-rate schedules, state restore and round trips.
import { describe, expect, it } from "vitest";
import type { Backend } from "../../src/kernels/contract.js";
import { createRuntime } from "../../src/runtime/runtime.js";
import type { Runtime } from "../../src/runtime/runtime.js";
import { Scope } from "../../src/runtime/memory.js";
import { Adam, Optimizer, SGD, createOptimizer, power } from "../../src/optim/optimizer.js";
import type { AdamOptions, OptimizerConfig, SGDOptions } from "../../src/optim/optimizer.js";
import { scheduledLr } from "../../src/optim/schedules.js";
import type { Schedule } from "../../src/optim/schedules.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { SoftmaxRegression } from "../../src/model/models.js";
import { fit } from "../../src/train/fit.js";
import { expectClose } from "../helpers/close.js";
import { blobs } from "../helpers/data.js";
import { randomF32 } from "../../bench/shared/random.js";
import { optionError } from "../helpers/errors.js";
import { readF32 } from "../helpers/memory.js";

const BACKENDS = ["wasm-simd", "wasm", "js"] as const satisfies readonly Backend[];
const runtimes = new Map<Backend, Runtime>(await Promise.all(BACKENDS.map(async (backend) => [backend, await createRuntime({ backend })] as const)));
/** Several f32 steps against float64: a few ulp of rounding per step. */
const STEPS = { atol: 1e-6, rtol: 1e-5 };
const N = 23; // not a multiple of 4: the SIMD loop and its scalar tail both run
const T = 5;

/** PyTorch's SGD (dampening 0, nesterov off), in float64. */
function sgdReference(p0: ArrayLike<number>, grads: ArrayLike<number>[], lr: number, momentum: number, wd: number) {
  const p = Float64Array.from(p0), buf = new Float64Array(p.length);
  grads.forEach((grad, t) => {
    for (let i = 0; i < p.length; i++) {
      let g = grad[i]! + wd * p[i]!;
      if (momentum !== 0) {
        buf[i] = t === 0 ? g : momentum * buf[i]! + g;
        g = buf[i]!;
      }
      p[i] = p[i]! - lr * g;
    }
  });
  return { p, buf };
}

/** PyTorch's Adam (amsgrad off, L2 weight decay), in float64, with the bias corrections of step t = 1, 2, …. */
function adamReference(p0: ArrayLike<number>, grads: ArrayLike<number>[], lr: number, b1: number, b2: number, eps: number, wd: number) {
  const p = Float64Array.from(p0), m = new Float64Array(p.length), v = new Float64Array(p.length);
  grads.forEach((grad, step) => {
    const t = step + 1, c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
    for (let i = 0; i < p.length; i++) {
      const g = grad[i]! + wd * p[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      p[i] = p[i]! - (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
    }
  });
  return { p, m, v };
}

const p0 = randomF32(N, 1, -1, 1);
const grads = Array.from({ length: T }, (_, t) => randomF32(N, 10 + t, -2, 2));

describe.each(BACKENDS)("update kernels on the %s backend", (backend) => {
  const rt = runtimes.get(backend)!;

  it("run on a runtime of that backend", () => {
    expect(rt.kernels.backend).toBe(backend);
  });

  /** Runs `steps` calls of `step` over param/grad/state buffers in kernel memory; returns the buffers after. */
  function run(state: number, step: (ptrs: { p: number; g: number; s: number }, t: number) => void) {
    const scope = new Scope(rt.arena);
    try {
      const p = scope.f32(N, p0), g = scope.f32(N), s = scope.f32(state, new Float32Array(state));
      for (let t = 0; t < T; t++) {
        rt.arena.writeF32(g, grads[t]!);
        step({ p, g, s }, t);
      }
      return { p: readF32(rt.arena, p, N), s: readF32(rt.arena, s, state), g: readF32(rt.arena, g, N) };
    } finally {
      scope.close();
    }
  }

  it.each([
    [0.1, 0, 0], [0.1, 0.9, 0], [0.05, 0, 0.01], [0.05, 0.9, 0.01], [0.2, 0.5, 0.1],
  ])("sgdUpdate with lr %f, momentum %f, weight decay %f follows PyTorch over 5 steps", (lr, momentum, wd) => {
    const out = run(N, ({ p, g, s }) => rt.kernels.sgdUpdate(p, g, s, N, lr, momentum, wd));
    const ref = sgdReference(p0, grads, lr, momentum, wd);
    expectClose(out.p, ref.p, { ...STEPS, label: "params" });
    if (momentum !== 0) expectClose(out.s, ref.buf, { ...STEPS, label: "momentum buffer" });
    expect(Array.from(out.g), "the gradient is an input only").toEqual(Array.from(grads[T - 1]!));
  });

  it("sgdUpdate leaves the velocity buffer untouched when momentum is 0", () => {
    const scope = new Scope(rt.arena);
    try {
      const sentinel = new Float32Array(N).fill(7.5);
      const p = scope.f32(N, p0), g = scope.f32(N, grads[0]), v = scope.f32(N, sentinel);
      rt.kernels.sgdUpdate(p, g, v, N, 0.1, 0, 0.01);
      expect(Array.from(readF32(rt.arena, v, N))).toEqual(Array.from(sentinel));
      expectClose(readF32(rt.arena, p, N), sgdReference(p0, [grads[0]!], 0.1, 0, 0.01).p, STEPS);
    } finally {
      scope.close();
    }
  });

  it.each([
    [1e-3, 0.9, 0.999, 1e-8, 0], [1e-2, 0.9, 0.999, 1e-8, 0.01], [0.05, 0.5, 0.9, 1e-3, 0], [1e-2, 0, 0.99, 1e-8, 0.1],
  ])("adamUpdate with lr %f, betas (%f, %f), eps %f, weight decay %f follows PyTorch over 5 steps", (lr, b1, b2, eps, wd) => {
    const out = run(2 * N, ({ p, g, s }, step) => {
      const t = step + 1;
      rt.kernels.adamUpdate(p, g, s, s + 4 * N, N, lr, b1, b2, eps, wd, 1 - b1 ** t, 1 - b2 ** t);
    });
    const ref = adamReference(p0, grads, lr, b1, b2, eps, wd);
    expectClose(out.p, ref.p, { ...STEPS, label: "params" });
    expectClose(out.s.subarray(0, N), ref.m, { ...STEPS, label: "first moment" });
    expectClose(out.s.subarray(N), ref.v, { ...STEPS, label: "second moment" });
  });

  it("Adam's first step moves every parameter by about lr against its gradient's sign (bias correction at work)", () => {
    const lr = 0.01;
    const out = run(2 * N, ({ p, g, s }, t) => {
      if (t === 0) rt.kernels.adamUpdate(p, g, s, s + 4 * N, N, lr, 0.9, 0.999, 1e-8, 0, 1 - 0.9, 1 - 0.999);
    });
    const moved = Array.from(out.p, (v, i) => (p0[i]! - v) * Math.sign(grads[0]![i]!));
    expectClose(moved, new Array(N).fill(lr), { atol: 1e-6, rtol: 1e-4 });
  });

  it.each<[string, () => Optimizer, () => { p: Float64Array }]>([
    ["SGD with momentum and weight decay", () => new SGD({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 }),
      () => sgdReference(p0, grads, 0.1, 0.9, 0.01)],
    ["Adam with PyTorch's defaults", () => new Adam({ lr: 0.01 }),
      () => adamReference(p0, grads, 0.01, 0.9, 0.999, 1e-8, 0)],
    ["Adam with weight decay and custom betas", () => new Adam({ lr: 0.02, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.05 }),
      () => adamReference(p0, grads, 0.02, 0.8, 0.95, 1e-6, 0.05)],
  ])("%s, stepped through Optimizer.update, counts steps and follows PyTorch", (_name, make, reference) => {
    const opt = make();
    const out = run(opt.stateSize(N), ({ p, g, s }) => opt.update(rt.kernels, p, g, s, N, opt.config.lr));
    expect(opt.steps).toBe(T);
    expectClose(out.p, reference().p, STEPS);
  });

  it("βᵗ by squaring is β·β·… for small t, as close to β^t as t running products up to 10^5 steps, and 0 once it underflows", () => {
    for (const beta of [0.9, 0.999, 0.8, 0.5, 0]) {
      expect([power(beta, 0), power(beta, 1), power(beta, 2), power(beta, 3)]).toEqual([1, beta, beta * beta, beta * beta * beta]);
      for (const t of [4, 7, 100, 1001, 65_537, 100_000]) {
        let product = 1;
        for (let i = 0; i < t; i++) product *= beta;
        // A running product of t factors is within about t ulp of β^t; squaring within log2(t) ulp. Below the
        // normal range (β^t < 2^-1022) both lose precision and are 0 for Adam's purpose.
        if (product < 2 ** -1022) { expect(power(beta, t)).toBeLessThan(2 ** -1000); continue; }
        expect(Math.abs(power(beta, t) - product)).toBeLessThanOrEqual((t + 64) * 2 ** -52 * product);
      }
    }
    expect(power(0.9, 1e12)).toBe(0);
    expect(power(0.999999, 2 ** 53 - 1)).toBe(0);
  });

  it("Adam's bias correction after a restored count of 10^8 or 10^12 steps costs O(log steps)", () => {
    for (const steps of [1e8, 1e12]) {
      const opt = new Adam({ lr: 0.01 });
      opt.restore(new Float32Array(2 * N), steps, N);
      const start = performance.now();
      run(2 * N, ({ p, g, s }, t) => { if (t === 0) opt.update(rt.kernels, p, g, s, N, 0.01); });
      expect(performance.now() - start).toBeLessThan(100);
      expect(opt.steps).toBe(steps + 1);
    }
  });

  it("Adam restarts its bias correction when its step count is restored to an earlier value", () => {
    const opt = new Adam({ lr: 0.01 });
    const first = run(2 * N, ({ p, g, s }, t) => { if (t === 0) opt.update(rt.kernels, p, g, s, N, 0.01); });
    run(2 * N, ({ p, g, s }) => opt.update(rt.kernels, p, g, s, N, 0.01));
    opt.restore(new Float32Array(2 * N), 0, N);
    const again = run(2 * N, ({ p, g, s }, t) => { if (t === 0) opt.update(rt.kernels, p, g, s, N, 0.01); });
    expect(Array.from(again.p)).toEqual(Array.from(first.p));
  });
});

describe.each(BACKENDS)("optimizers in fit on the %s backend", (backend) => {
  const runtime = runtimes.get(backend)!;

  it("SGD with momentum 0.9 reaches a lower loss than plain SGD at the same small learning rate", async () => {
    const data = blobs(512, 16, 5, 3);
    const lossAfter = async (momentum: number) => {
      const model = new SoftmaxRegression({ inputs: 16, classes: 5, seed: 4 });
      const h = await fit(model, data, { epochs: 4, batchSize: 32, seed: 5, optimizer: new SGD({ lr: 0.01, momentum }), runtime });
      expect(h.backend).toBe(backend);
      return h.epochs.map((e) => e.loss);
    };
    const plain = await lossAfter(0), heavy = await lossAfter(0.9);
    // At lr 0.01 plain SGD has barely moved from log 5 ≈ 1.61; momentum's effective step is ten times larger.
    expect(heavy[3]!).toBeLessThan(plain[3]! * 0.75);
    for (let e = 0; e < 4; e++) expect(heavy[e]!).toBeLessThan(plain[e]!);
  });

  it("Adam trains a model to a loss well below its starting point", async () => {
    const data = blobs(512, 16, 5, 3);
    const model = new SoftmaxRegression({ inputs: 16, classes: 5, seed: 4 });
    const h = await fit(model, data, { epochs: 4, batchSize: 32, seed: 5, optimizer: new Adam({ lr: 0.01 }), runtime });
    expect(h.epochs[3]!.loss).toBeLessThan(h.epochs[0]!.loss * 0.6);
  });

  it("records each epoch's scheduled learning rate in History", async () => {
    const data = blobs(64, 4, 3, 6);
    const step = await fit(new SoftmaxRegression({ inputs: 4, classes: 3 }), data, {
      epochs: 5, batchSize: 16, optimizer: new SGD({ lr: 0.4, schedule: { type: "step", stepSize: 2, gamma: 0.5 } }), runtime,
    });
    expect(step.epochs.map((e) => e.lr)).toEqual([0.4, 0.4, 0.2, 0.2, 0.1]);
    const cosine = await fit(new SoftmaxRegression({ inputs: 4, classes: 3 }), data, {
      epochs: 5, batchSize: 16, optimizer: new Adam({ lr: 0.01, schedule: { type: "cosine", epochs: 4, minLr: 0.001 } }), runtime,
    });
    const expected = [0, 1, 2, 3, 4].map((t) => 0.001 + (0.009 * (1 + Math.cos((Math.PI * t) / 4))) / 2);
    expectClose(cosine.epochs.map((e) => e.lr!), expected, { atol: 1e-12, rtol: 0 });
  });

  it("fit uses the scheduled rate: a step schedule with gamma 1e-30 freezes the weights after epoch 1", async () => {
    const data = blobs(64, 4, 3, 6);
    const model = new SoftmaxRegression({ inputs: 4, classes: 3 });
    let afterFirst: Float32Array | undefined;
    await fit(model, data, {
      epochs: 3, batchSize: 16, runtime,
      optimizer: new SGD({ lr: 0.5, schedule: { type: "step", stepSize: 1, gamma: 1e-30 } }),
      callbacks: [(e) => { if (e.phase === "epoch" && e.epoch === 1) afterFirst = e.model.getParameters(); }],
    });
    const end = model.getParameters();
    expectClose(end, afterFirst!, { atol: 1e-12, rtol: 1e-12 });
    const initial = new SoftmaxRegression({ inputs: 4, classes: 3 }).getParameters();
    expect(Array.from(afterFirst!).some((v, i) => v !== initial[i]), "epoch 1 trained at the full rate").toBe(true);
  });
});

describe("optimizer options", () => {
  const bad: [string, string, () => unknown, string][] = [
    // [label, option named, constructor call, how the value is printed]
    ["SGD lr 0", "lr", () => new SGD({ lr: 0 }), "0"],
    ["SGD lr −0.1", "lr", () => new SGD({ lr: -0.1 }), "-0.1"],
    ["SGD lr NaN", "lr", () => new SGD({ lr: NaN }), "NaN"],
    ["SGD lr Infinity", "lr", () => new SGD({ lr: Infinity }), "Infinity"],
    ["SGD lr as a string", "lr", () => new SGD({ lr: "0.1" as unknown as number }), '"0.1"'],
    ["SGD momentum −0.1", "momentum", () => new SGD({ momentum: -0.1 }), "-0.1"],
    ["SGD momentum 1", "momentum", () => new SGD({ momentum: 1 }), "1"],
    ["SGD momentum 1.5", "momentum", () => new SGD({ momentum: 1.5 }), "1.5"],
    ["SGD momentum NaN", "momentum", () => new SGD({ momentum: NaN }), "NaN"],
    ["SGD weightDecay −1", "weightDecay", () => new SGD({ weightDecay: -1 }), "-1"],
    ["SGD weightDecay Infinity", "weightDecay", () => new SGD({ weightDecay: Infinity }), "Infinity"],
    ["Adam lr 0", "lr", () => new Adam({ lr: 0 }), "0"],
    ["Adam lr −1", "lr", () => new Adam({ lr: -1 }), "-1"],
    ["Adam lr NaN", "lr", () => new Adam({ lr: NaN }), "NaN"],
    ["Adam lr Infinity", "lr", () => new Adam({ lr: Infinity }), "Infinity"],
    ["Adam lr as a string", "lr", () => new Adam({ lr: "0.001" as unknown as number }), '"0.001"'],
    ["Adam beta1 1", "beta1", () => new Adam({ beta1: 1 }), "1"],
    ["Adam beta1 −0.1", "beta1", () => new Adam({ beta1: -0.1 }), "-0.1"],
    ["Adam beta2 1", "beta2", () => new Adam({ beta2: 1 }), "1"],
    ["Adam beta2 −0.1", "beta2", () => new Adam({ beta2: -0.1 }), "-0.1"],
    ["Adam eps 0", "eps", () => new Adam({ eps: 0 }), "0"],
    ["Adam eps −1e-8", "eps", () => new Adam({ eps: -1e-8 }), "-1e-8"],
    ["Adam weightDecay −1", "weightDecay", () => new Adam({ weightDecay: -1 }), "-1"],
    ["step schedule stepSize 0", "schedule.stepSize", () => new SGD({ schedule: { type: "step", stepSize: 0, gamma: 0.5 } }), "0"],
    ["step schedule stepSize 1.5", "schedule.stepSize", () => new SGD({ schedule: { type: "step", stepSize: 1.5, gamma: 0.5 } }), "1.5"],
    ["step schedule gamma 0", "schedule.gamma", () => new SGD({ schedule: { type: "step", stepSize: 1, gamma: 0 } }), "0"],
    ["step schedule gamma 1.5", "schedule.gamma", () => new SGD({ schedule: { type: "step", stepSize: 1, gamma: 1.5 } }), "1.5"],
    ["step schedule gamma NaN", "schedule.gamma", () => new Adam({ schedule: { type: "step", stepSize: 1, gamma: NaN } }), "NaN"],
    ["cosine schedule epochs 0", "schedule.epochs", () => new SGD({ schedule: { type: "cosine", epochs: 0 } }), "0"],
    ["cosine schedule epochs 2.5", "schedule.epochs", () => new Adam({ schedule: { type: "cosine", epochs: 2.5 } }), "2.5"],
    ["cosine schedule minLr above lr", "schedule.minLr", () => new SGD({ lr: 0.1, schedule: { type: "cosine", epochs: 5, minLr: 0.2 } }), "0.2"],
    ["cosine schedule minLr −0.1", "schedule.minLr", () => new SGD({ lr: 0.1, schedule: { type: "cosine", epochs: 5, minLr: -0.1 } }), "-0.1"],
    ["an unknown schedule type", "schedule.type", () => new SGD({ schedule: { type: "linear" } as unknown as Schedule }), '"linear"'],
    ["a schedule that is not an object", "schedule", () => new SGD({ schedule: "cosine" as unknown as Schedule }), '"cosine"'],
  ];

  it.each(bad)("rejects %s with an OptionError naming `%s`", (_label, option, make, shown) => {
    const e = optionError(make);
    expect(e.option).toBe(option);
    expect(e.message).toMatch(new RegExp(`^Invalid ${option.replace(".", "\\.")}: expected .+, got .+\\.$`));
    expect(e.message.endsWith(`, got ${shown}.`), e.message).toBe(true);
  });

  it("states the rule in the message: lr > 0, momentum and betas in [0, 1), minLr up to lr", () => {
    expect(optionError(() => new SGD({ lr: 0 })).message).toBe("Invalid lr: expected a finite number > 0, got 0.");
    expect(optionError(() => new SGD({ momentum: 1 })).message).toBe("Invalid momentum: expected a number in [0, 1), got 1.");
    expect(optionError(() => new Adam({ beta2: 1 })).message).toBe("Invalid beta2: expected a number in [0, 1), got 1.");
    expect(optionError(() => new SGD({ lr: 0.1, schedule: { type: "cosine", epochs: 5, minLr: 0.2 } })).message)
      .toBe("Invalid schedule.minLr: expected a number in [0, lr = 0.1], got 0.2.");
  });

  it("accepts the edges of every range and fills in the defaults (SGD lr 0.1; Adam lr 1e-3, betas 0.9/0.999, eps 1e-8)", () => {
    expect(new SGD().config).toEqual({ type: "sgd", lr: 0.1, momentum: 0, weightDecay: 0 });
    expect(new Adam().config).toEqual({ type: "adam", lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    expect(new SGD({ lr: 1e-9, momentum: 0, weightDecay: 0, schedule: { type: "step", stepSize: 1, gamma: 1 } }).config.schedule)
      .toEqual({ type: "step", stepSize: 1, gamma: 1 });
    expect(new Adam({ beta1: 0, beta2: 0 }).config.beta1).toBe(0);
    expect(new SGD({ lr: 0.1, schedule: { type: "cosine", epochs: 1, minLr: 0.1 } }).config.schedule)
      .toEqual({ type: "cosine", epochs: 1, minLr: 0.1 });
    expect(new SGD({ schedule: { type: "cosine", epochs: 3 } }).config.schedule).toEqual({ type: "cosine", epochs: 3, minLr: 0 });
  });

  it("gives SGD's and Adam's base learning rate as optimizer.lr, before any schedule", () => {
    expect(new SGD().lr).toBe(0.1);
    expect(new Adam().lr).toBe(0.001);
    expect(new Adam({ lr: 0.02, schedule: { type: "step", stepSize: 1, gamma: 0.5 } }).lr).toBe(0.02);
  });

  it("refuses an unknown option key, naming the nearest known one", () => {
    expect(optionError(() => new SGD({ learningRate: 0.1 } as SGDOptions)).message)
      .toBe('Unknown SGD option "learningRate". Known options: lr, momentum, weightDecay, schedule.');
    expect(optionError(() => new SGD({ momentun: 0.9 } as SGDOptions)).message).toBe('Unknown SGD option "momentun". Did you mean "momentum"?');
    expect(optionError(() => new SGD({ weight_decay: 0.1 } as SGDOptions)).message).toBe('Unknown SGD option "weight_decay". Did you mean "weightDecay"?');
    expect(optionError(() => new Adam({ beta: 0.9 } as AdamOptions)).message).toBe('Unknown Adam option "beta". Did you mean "beta1"?');
    expect(optionError(() => new Adam({ momentum: 0.9 } as AdamOptions)).message)
      .toBe('Unknown Adam option "momentum". Known options: lr, beta1, beta2, eps, weightDecay, schedule.');
  });

  it("refuses an unknown schedule key, listing the known ones", () => {
    expect(optionError(() => new SGD({ schedule: { type: "step", step: 2, gamma: 0.5 } as unknown as Schedule })).message)
      .toBe('Unknown step schedule option "step". Known options: type, stepSize, gamma.');
    expect(optionError(() => new Adam({ schedule: { type: "cosine", epochs: 3, min_lr: 0 } as unknown as Schedule })).message)
      .toBe('Unknown cosine schedule option "min_lr". Known options: type, epochs, minLr.');
  });

  it("refuses options that are not an object", () => {
    expect(optionError(() => new SGD(0.1 as unknown as SGDOptions)).message).toBe("Invalid SGD options: expected an object, got 0.1.");
  });

  it("keeps momentum state only when momentum > 0, and two moment buffers for Adam", () => {
    expect(new SGD().stateSize(10)).toBe(0);
    expect(new SGD({ momentum: 0.5 }).stateSize(10)).toBe(10);
    expect(new Adam().stateSize(10)).toBe(20);
  });
});

describe("scheduledLr", () => {
  it("without a schedule returns the base rate for every epoch", () => {
    for (const epoch of [1, 2, 100]) expect(scheduledLr(0.3, undefined, epoch)).toBe(0.3);
  });

  it("step schedule (stepSize 2, gamma 0.5) gives 1, 1, ½, ½, ¼, ¼ × lr over epochs 1..6", () => {
    const s: Schedule = { type: "step", stepSize: 2, gamma: 0.5 };
    expect([1, 2, 3, 4, 5, 6].map((e) => scheduledLr(0.1, s, e))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    expect([1, 2, 3, 4].map((e) => scheduledLr(1, { type: "step", stepSize: 3, gamma: 0.1 }, e))).toEqual([1, 1, 1, 0.1]);
  });

  it("cosine schedule starts at lr, is halfway at the middle, reaches minLr after `epochs` and stays there", () => {
    const lr = 0.1, minLr = 0.01, s: Schedule = { type: "cosine", epochs: 10, minLr };
    expect(scheduledLr(lr, s, 1)).toBeCloseTo(lr, 12);
    expect(Math.abs(scheduledLr(lr, s, 6) - (lr + minLr) / 2)).toBeLessThan(1e-12);
    expect(Math.abs(scheduledLr(lr, s, 11) - minLr)).toBeLessThan(1e-12);
    expect(Math.abs(scheduledLr(lr, s, 25) - minLr)).toBeLessThan(1e-12);
    for (let epoch = 1; epoch <= 11; epoch++) {
      const expected = minLr + ((lr - minLr) * (1 + Math.cos((Math.PI * (epoch - 1)) / 10))) / 2;
      expect(Math.abs(scheduledLr(lr, s, epoch) - expected), `epoch ${epoch}`).toBeLessThan(1e-12);
    }
  });

  it("cosine schedule decreases monotonically to 0 when minLr is left out", () => {
    const s: Schedule = { type: "cosine", epochs: 7 };
    const lrs = [1, 2, 3, 4, 5, 6, 7, 8].map((e) => scheduledLr(0.5, s, e));
    for (let i = 1; i < lrs.length; i++) expect(lrs[i]!).toBeLessThan(lrs[i - 1]!);
    expect(Math.abs(lrs[7]!)).toBeLessThan(1e-12);
  });

  it("Optimizer.learningRate applies the optimizer's own schedule", () => {
    const opt = new SGD({ lr: 0.8, schedule: { type: "step", stepSize: 1, gamma: 0.5 } });
    expect([1, 2, 3].map((e) => opt.learningRate(e))).toEqual([0.8, 0.4, 0.2]);
  });
});

describe("an optimizer held by a Trainer", () => {
  const owner = {}, other = {};

  it("has no state before it is first held, zeroes the holder's view (reused memory) and reads its state from it", () => {
    const opt = new Adam(), live = new Float32Array(20).fill(3);
    expect(opt.state).toBeUndefined();
    opt.hold(owner, 10, () => live);
    expect(Array.from(live)).toEqual(new Array(20).fill(0));
    live.fill(3);
    expect(Array.from(opt.state!)).toEqual(new Array(20).fill(3));
    live[0] = 4;
    expect(opt.state![0]).toBe(4);
    opt.state![1] = 99; // a copy
    expect(live[1]).toBe(3);
    opt.release(owner);
  });

  it("copies restored state into the holder's view, and keeps the view's final values after release", () => {
    const opt = new SGD({ momentum: 0.9 }), live = new Float32Array(4);
    opt.restore(Float32Array.from([1, 2, 3, 4]), 5, 4);
    opt.hold(owner, 4, () => live);
    expect(Array.from(live)).toEqual([1, 2, 3, 4]);
    live.set([5, 6, 7, 8]);
    opt.release(other); // not the holder: nothing happens
    live[0] = 9;
    expect(opt.state![0]).toBe(9);
    opt.release(owner);
    live.fill(0);
    expect(Array.from(opt.state!)).toEqual([9, 6, 7, 8]);
    expect(opt.steps).toBe(5);
  });

  it("refuses a second holder with an OptionError until the first releases it", () => {
    const opt = new SGD();
    opt.hold(owner, 3, () => new Float32Array(0));
    const e = optionError(() => opt.hold(other, 3, () => new Float32Array(0)));
    expect(e.message).toBe('Invalid optimizer: expected an optimizer no other Trainer holds, got "one held by another Trainer or fit()". ' +
      "Give each Trainer its own optimizer.");
    opt.release(owner);
    opt.hold(other, 3, () => new Float32Array(0));
    opt.release(other);
  });

  it("refuses to be held for a model of another size than its state with a ShapeError", () => {
    const opt = new Adam();
    opt.restore(new Float32Array(20), 1, 10);
    expect(() => opt.hold(owner, 11, () => new Float32Array(22)))
      .toThrow("Invalid optimizer state: expected 22 values for a model of 11 parameters, got 20. Use a new optimizer for a different model.");
  });
});

describe("Optimizer.restore and createOptimizer", () => {
  it("restore rejects state of the wrong length with a ShapeError", () => {
    expect(() => new SGD({ momentum: 0.9 }).restore(new Float32Array(9), 0, 10)).toThrow(ShapeError);
    expect(() => new Adam().restore(new Float32Array(10), 3, 10)).toThrow(ShapeError);
    expect(() => new SGD().restore(new Float32Array(1), 0, 10)).toThrow(/Invalid optimizer state: expected 0 values, got 1\./);
  });

  it("restore rejects a negative or fractional step count", () => {
    expect(optionError(() => new Adam().restore(new Float32Array(20), -1, 10)).option).toBe("steps");
    expect(optionError(() => new Adam().restore(new Float32Array(20), 1.5, 10)).option).toBe("steps");
  });

  it("restore copies the state and sets the step count", () => {
    const opt = new Adam(), state = Float32Array.from({ length: 20 }, (_, i) => i);
    opt.restore(state, 7, 10);
    state[0] = 99;
    expect(opt.steps).toBe(7);
    expect(opt.state![0]).toBe(0);
    expect(Array.from(opt.state!.subarray(1, 4))).toEqual([1, 2, 3]);
  });

  it.each<[string, Optimizer]>([
    ["SGD", new SGD({ lr: 0.3, momentum: 0.8, weightDecay: 1e-4, schedule: { type: "step", stepSize: 3, gamma: 0.2 } })],
    ["Adam", new Adam({ lr: 0.002, beta1: 0.85, beta2: 0.99, eps: 1e-7, weightDecay: 0.01, schedule: { type: "cosine", epochs: 9, minLr: 1e-4 } })],
  ])("createOptimizer rebuilds %s from its config", (_name, opt) => {
    const copy = createOptimizer(JSON.parse(JSON.stringify(opt.config)) as OptimizerConfig);
    expect(copy.constructor).toBe(opt.constructor);
    expect(copy.config).toEqual(opt.config);
    expect(copy.steps).toBe(0);
    expect(copy.state).toBeUndefined();
  });

  it("createOptimizer rejects an unknown type, naming `optimizer.type`", () => {
    const e = optionError(() => createOptimizer({ type: "rmsprop", lr: 0.1 } as unknown as OptimizerConfig));
    expect(e.option).toBe("optimizer.type");
    expect(e.message).toBe('Invalid optimizer.type: expected "sgd" or "adam", got "rmsprop".');
    expect(optionError(() => createOptimizer(null as unknown as OptimizerConfig)).option).toBe("optimizer.type");
  });

  it("createOptimizer validates the config's values like the constructors do", () => {
    expect(optionError(() => createOptimizer({ type: "sgd", lr: -1, momentum: 0, weightDecay: 0 })).option).toBe("lr");
    expect(optionError(() => createOptimizer({ type: "adam", lr: 0.1, beta1: 1, beta2: 0.9, eps: 1e-8, weightDecay: 0 })).option).toBe("beta1");
  });
});

// Type-level check that the option interfaces stay as documented.
const _sgd: SGDOptions = { lr: 0.1, momentum: 0.9, weightDecay: 0, schedule: { type: "step", stepSize: 1, gamma: 0.5 } };
const _adam: AdamOptions = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
void _sgd;
void _adam;
