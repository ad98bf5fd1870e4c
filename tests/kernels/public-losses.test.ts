// The losses exposed on `kernels` for other apps: hand values, the same figures on every backend, gradients
// by central differences of a float64 loss, and every validation branch.
import { describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime/runtime.js";
import { kernels } from "../../src/runtime/public-kernels.js";
import { BACKENDS } from "../../src/kernels/contract.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { expectClose } from "../helpers/close.js";
import { crossEntropy64 } from "../helpers/loss64.js";
import { thrown } from "../helpers/errors.js";

type Loss64 = (x: Float64Array) => number;
const F32 = { atol: 1e-6, rtol: 1e-5 };

/** Central differences of a float64 loss at x, h = 1e-4. */
function numericGrad(loss: Loss64, x: Float32Array): Float64Array {
  const at = Float64Array.from(x), grad = new Float64Array(x.length), h = 1e-4;
  for (let i = 0; i < x.length; i++) {
    const v = at[i]!;
    at[i] = v + h; const up = loss(at);
    at[i] = v - h; const down = loss(at);
    at[i] = v;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

const rows = 3, cols = 4;
const z = new Float32Array([0.3, -1.2, 2.0, 0.5, 1.1, 0.2, -0.7, 0.9, -0.4, 0.8, 0.1, -1.5]);
const t = new Float32Array([0.1, 0.2, 0.6, 0.1, 0, 1, 0, 0, 0.25, 0.25, 0.25, 0.25]);
const labels = [2, 1, 3];
const residual = (x: Float64Array, i: number) => x[i]! - t[i]!;
const mean = (f: (x: Float64Array) => number) => (x: Float64Array) => f(x) / rows;

const runtimes = new Map(await Promise.all(BACKENDS.map(async (backend) => [backend, await createRuntime({ backend })] as const)));

describe.each(BACKENDS)("kernels.* losses with the %s backend", (backend) => {
  const runtime = { runtime: runtimes.get(backend)! };
  it("runs on a runtime of that backend", () => {
    expect(runtime.runtime.backend).toBe(backend);
  });

  const cases: [string, () => { loss: number; grad: Float32Array }, Loss64][] = [
    ["softmaxCrossEntropy", () => kernels.softmaxCrossEntropy(z, labels, rows, cols, runtime),
      (x) => crossEntropy64(x, oneHot(0), rows, cols)],
    ["softmaxCrossEntropy with label smoothing 0.1", () => kernels.softmaxCrossEntropy(z, labels, rows, cols, { labelSmoothing: 0.1, ...runtime }),
      (x) => crossEntropy64(x, oneHot(0.1), rows, cols)],
    ["softmaxCrossEntropySoft", () => kernels.softmaxCrossEntropySoft(z, t, rows, cols, runtime), (x) => crossEntropy64(x, t, rows, cols)],
    ["l2Loss", () => kernels.l2Loss(z, t, rows, cols, runtime), mean((x) => x.reduce((s, _, i) => s + 0.5 * residual(x, i) ** 2, 0))],
    ["l1Loss", () => kernels.l1Loss(z, t, rows, cols, runtime), mean((x) => x.reduce((s, _, i) => s + Math.abs(residual(x, i)), 0))],
    ["huberLoss δ=0.5", () => kernels.huberLoss(z, t, rows, cols, 0.5, runtime), mean((x) => x.reduce((s, _, i) => {
      const r = Math.abs(residual(x, i));
      return s + (r <= 0.5 ? 0.5 * r * r : 0.5 * (r - 0.25));
    }, 0))],
  ];

  it.each(cases)("%s gives the float64 loss and its central-difference gradient", (_name, call, loss64) => {
    const { loss, grad } = call();
    expectClose([loss], [loss64(Float64Array.from(z))], F32);
    expectClose(grad, numericGrad(loss64, z), { atol: 1e-5, rtol: 1e-3 });
  });

  it("gives the documented examples", () => {
    expect(kernels.l2Loss(new Float32Array([1, 2]), new Float32Array([0, 0]), 1, 2, runtime)).toEqual({ loss: 2.5, grad: new Float32Array([1, 2]) });
    expect(kernels.l1Loss(new Float32Array([1, -2]), new Float32Array([0, 0]), 1, 2, runtime)).toEqual({ loss: 3, grad: new Float32Array([1, -1]) });
    expect(kernels.huberLoss(new Float32Array([0.5, 3]), new Float32Array([0, 0]), 1, 2, 1, runtime)).toEqual({ loss: 2.625, grad: new Float32Array([0.5, 1]) });
  });

  it("rejects bad shapes, labels and parameters with typed errors naming them", () => {
    const named = (fn: () => unknown) => thrown(fn) as OptionError | ShapeError;
    expect(named(() => kernels.l2Loss(z, t.subarray(1), rows, cols, runtime))).toBeInstanceOf(ShapeError);
    expect((named(() => kernels.l1Loss(new Float32Array(2), [1, 2] as never, 1, 2, runtime)) as OptionError).option).toBe("targets");
    expect((named(() => kernels.huberLoss(z, t, rows, cols, 0, runtime)) as OptionError).option).toBe("delta");
    expect((named(() => kernels.huberLoss(z, t, rows, cols, NaN, runtime)) as OptionError).option).toBe("delta");
    expect((named(() => kernels.softmaxCrossEntropy(z, labels, rows, cols, { labelSmoothing: 1, ...runtime })) as OptionError).option).toBe("labelSmoothing");
    expect((named(() => kernels.softmaxCrossEntropy(z, [2, 1, 4], rows, cols, runtime)) as OptionError).option).toBe("labels[2]");
    expect(named(() => kernels.softmaxCrossEntropySoft(z, t, rows, 5, runtime))).toBeInstanceOf(ShapeError);
    expect((named(() => kernels.l2Loss(z, t, -1, cols, runtime)) as OptionError).option).toBe("rows");
  });
});

function oneHot(smoothing: number): Float64Array {
  const out = new Float64Array(rows * cols).fill(smoothing / cols);
  labels.forEach((label, r) => { out[r * cols + label]! += 1 - smoothing; });
  return out;
}
