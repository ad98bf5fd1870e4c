// A whole MLP's gradient, as training computes it (inference.ts forward → fused cross-entropy → backward.ts, on
// kernel memory), against central differences of the mean cross-entropy written out here in float64 from the
// parameter block. Parameters whose ±h perturbation switches a ReLU on or off are skipped.
import { describe, expect, it } from "vitest";
import type { Backend } from "../../src/kernels/contract.js";
import { createRuntime } from "../../src/runtime/runtime.js";
import { Scope } from "../../src/runtime/memory.js";
import { MLP } from "../../src/model/models.js";
import { forward, forwardRoom } from "../../src/model/inference.js";
import { backward, gradientRoom } from "../../src/model/backward.js";
import { expectClose } from "../helpers/close.js";
import { randomF32, randomI32 } from "../../bench/shared/random.js";
import { readF32 } from "../helpers/memory.js";

const H = 1e-3;
// O(h²) truncation in f64 plus f32 rounding of the kernels' forward and backward.
const TOL = { atol: 2e-5, rtol: 2e-3 };
const LAYERS = [5, 7, 6, 3], B = 4;

/** Forward pass in float64 from a parameter block: the mean loss against `targets` and each hidden unit's on/off. */
function forward64(model: MLP, params: ArrayLike<number>, x: ArrayLike<number>, targets: ArrayLike<number>) {
  const C = model.classes, active: boolean[] = [];
  let loss = 0;
  for (let r = 0; r < B; r++) {
    let a = Array.from({ length: model.inputs }, (_, i) => x[r * model.inputs + i]!);
    model.layout.forEach(({ inputs, outputs, weight, bias }, l) => {
      const z: number[] = [];
      for (let o = 0; o < outputs; o++) {
        let s = params[bias + o]!;
        for (let i = 0; i < inputs; i++) s += a[i]! * params[weight + o * inputs + i]!;
        if (l < model.layout.length - 1) {
          active.push(s > 0);
          s = Math.max(s, 0);
        }
        z.push(s);
      }
      a = z;
    });
    const m = Math.max(...a), lse = m + Math.log(a.reduce((sum, v) => sum + Math.exp(v - m), 0));
    for (let c = 0; c < C; c++) loss += targets[r * C + c]! * (lse - a[c]!);
  }
  return { loss: loss / B, active };
}

const runtimes = { "wasm-simd": await createRuntime({ backend: "wasm-simd" }), js: await createRuntime({ backend: "js" }) };

describe.each(["wasm-simd", "js"] as const satisfies readonly Backend[])("MLP gradient check on the %s backend", (backend) => {
  const rt = runtimes[backend];

  it("runs on a runtime of that backend", () => {
    expect(rt.backend).toBe(backend);
  });

  const model = new MLP({ layers: LAYERS, seed: 3, weightStd: 0.6 });
  // Non-zero biases, so units sit on both sides of their kinks at varied distances.
  const initial = model.getParameters();
  model.layout.forEach(({ bias, outputs }, l) => initial.set(randomF32(outputs, 50 + l, -0.4, 0.4), bias));
  model.setParameters(initial);
  const x = randomF32(B * LAYERS[0]!, 60, -1, 1);
  const labels = randomI32(B, model.classes, 61);

  /** The kernels' loss and gradient of every parameter, through the same calls `fit` makes. */
  function kernelGradient(eps: number): { loss: number; grads: Float32Array } {
    const k = rt.kernels, scope = new Scope(rt.arena);
    try {
      const params = scope.f32(model.size, model.getParameters());
      const grads = scope.f32(model.size);
      const { acts, chunks } = forwardRoom(scope, model.layers, B), gradients = gradientRoom(scope, model.layers, B), { deltas } = gradients;
      rt.arena.writeF32(acts[0]!, x);
      const y = scope.i32(B, labels);
      forward(k, model.layout, params, acts, chunks, B);
      const loss = k.softmaxCrossEntropyForwardBackward(deltas[deltas.length - 1]!, acts[acts.length - 1]!, y, 0, B, model.classes, eps);
      backward(k, model.layout, params, grads, acts, gradients, B);
      return { loss, grads: readF32(rt.arena, grads, model.size) };
    } finally {
      scope.close();
    }
  }

  const targetsFor = (eps: number) => {
    const C = model.classes, t = new Float64Array(B * C).fill(eps / C);
    labels.forEach((y, r) => { t[r * C + y] = 1 - eps + eps / C; });
    return t;
  };

  it("has hidden units both on and off at the base point, so the ReLU masks are exercised", () => {
    const { active } = forward64(model, model.getParameters(), x, targetsFor(0));
    expect(active.length).toBe(B * (7 + 6));
    expect(active.filter(Boolean).length).toBeGreaterThan(active.length / 5);
    expect(active.filter((a) => !a).length).toBeGreaterThan(active.length / 5);
  });

  it.each([0, 0.1])("matches central differences for every parameter away from ReLU kinks (label smoothing %f)", (eps) => {
    const t = targetsFor(eps);
    const base = Float64Array.from(model.getParameters());
    const { loss, grads } = kernelGradient(eps);
    expectClose([loss], [forward64(model, base, x, t).loss], { atol: 1e-6, rtol: 1e-5, label: "loss" });

    const checked: number[] = [], numeric: number[] = [], skipped: number[] = [];
    for (let j = 0; j < model.size; j++) {
      const plus = base.slice(), minus = base.slice();
      plus[j] = base[j]! + H;
      minus[j] = base[j]! - H;
      const fp = forward64(model, plus, x, t), fm = forward64(model, minus, x, t);
      if (fp.active.some((a, u) => a !== fm.active[u])) { skipped.push(j); continue; }
      checked.push(j);
      numeric.push((fp.loss - fm.loss) / (2 * H));
    }
    expect(skipped.length, "few parameters sit within h of a kink").toBeLessThan(model.size / 10);
    // Every layer's weights and biases take part.
    for (const { weight, bias, outputs } of model.layout) {
      expect(checked.some((j) => j >= weight && j < bias)).toBe(true);
      expect(checked.some((j) => j >= bias && j < bias + outputs)).toBe(true);
    }
    expectClose(checked.map((j) => grads[j]!), numeric, { ...TOL, label: `${backend} ε=${eps}` });
    // The gradient is not trivially zero: a meaningful share of parameters have a visible slope.
    expect(numeric.filter((g) => Math.abs(g) > 1e-3).length).toBeGreaterThan(model.size / 4);
  });

  it("overwrites the gradient block rather than accumulating into it", () => {
    const k = rt.kernels, scope = new Scope(rt.arena);
    try {
      const params = scope.f32(model.size, model.getParameters());
      const grads = scope.f32(model.size, new Float32Array(model.size).fill(123));
      const { acts, chunks } = forwardRoom(scope, model.layers, B), gradients = gradientRoom(scope, model.layers, B), { deltas } = gradients;
      rt.arena.writeF32(acts[0]!, x);
      forward(k, model.layout, params, acts, chunks, B);
      k.softmaxCrossEntropyForwardBackward(deltas[deltas.length - 1]!, acts[acts.length - 1]!, scope.i32(B, labels), 0, B, model.classes, 0);
      backward(k, model.layout, params, grads, acts, gradients, B);
      expect(Array.from(readF32(rt.arena, grads, model.size))).toEqual(Array.from(kernelGradient(0).grads));
    } finally {
      scope.close();
    }
  });
});
