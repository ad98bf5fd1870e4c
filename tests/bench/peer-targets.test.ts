// bench/peer-targets.js: which PyTorch configurations run, how a partial epoch is scaled, and the target lines
// against PyTorch's fastest configuration in the same run.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain-JS benchmark module without declarations
import { fastestTorch, openblasConfigurations, scaleToEpoch, targetLines, TARGETS } from "../../bench/peer-targets.js";

type Run = { peer: string; model: string; medianMs: number };
type Line = { pass: boolean; text: string };

describe("openblasConfigurations", () => {
  it("runs PyTorch with both OpenBLAS pins unset, and with the environment as given as an extra row when it pins", () => {
    const env = { PATH: "/bin", OPENBLAS_CORETYPE: "Haswell", OPENBLAS_L2_SIZE: "1048576" };
    const [free, pinned, more] = openblasConfigurations(env);
    expect(free.id).toBe("free");
    expect(free.env).toEqual({ PATH: "/bin" });
    expect(pinned).toMatchObject({ id: "pinned", env, pins: "OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=1048576" });
    expect(more).toBeUndefined();
    expect(env.OPENBLAS_CORETYPE, "the caller's environment is left as it was").toBe("Haswell");
  });

  it("has one configuration when the environment pins nothing, and names a single pin alone", () => {
    expect(openblasConfigurations({ PATH: "/bin" }).map((c: { id: string }) => c.id)).toEqual(["free"]);
    expect(openblasConfigurations({ OPENBLAS_L2_SIZE: "512" })[1].pins).toBe("OPENBLAS_L2_SIZE=512");
  });
});

describe("scaleToEpoch", () => {
  it("scales the time per example to the epoch's examples, and says how much was measured", () => {
    expect(scaleToEpoch({ ms: 300, examples: 600, epochExamples: 60000 })).toEqual({ epochMs: 30000, share: 0.01, scaled: true });
  });

  it("leaves a whole epoch as measured", () => {
    expect(scaleToEpoch({ ms: 1234, examples: 60000, epochExamples: 60000 })).toEqual({ epochMs: 1234, share: 1, scaled: false });
  });

  it("refuses a measurement of no examples", () => {
    expect(() => scaleToEpoch({ ms: 5, examples: 0, epochExamples: 60000 })).toThrow(/examples > 0/);
  });
});

describe("targetLines", () => {
  const runs: Run[] = [
    { peer: "wasm-1t", model: "softmax", medianMs: 50 }, { peer: "wasm-Nt", model: "softmax", medianMs: 30 },
    { peer: "wasm-1t", model: "mlp", medianMs: 840 }, { peer: "wasm-Nt", model: "mlp", medianMs: 460 },
    { peer: "torch-1t", model: "softmax", medianMs: 70 }, { peer: "torch-2t", model: "softmax", medianMs: 120 },
    { peer: "torch-1t-pinned", model: "softmax", medianMs: 90 },
    { peer: "torch-1t", model: "mlp", medianMs: 360 }, { peer: "torch-1t-pinned", model: "mlp", medianMs: 480 },
    { peer: "torch-2t-pinned", model: "mlp", medianMs: 340 },
    { peer: "tfjs-fit", model: "softmax", medianMs: 1500 },
  ];

  it("compares with the fastest PyTorch configuration of each model, pinned or not", () => {
    expect(fastestTorch(runs, "softmax").peer).toBe("torch-1t");
    expect(fastestTorch(runs, "mlp").peer).toBe("torch-2t-pinned");
    expect(fastestTorch(runs, "other")).toBeUndefined();
  });

  it("says PASS or FAIL for each of issue 21's targets, with the ratio measured", () => {
    const lines: Line[] = targetLines(runs, 2);
    expect(lines.map((l) => l.pass)).toEqual([false, false, true, true]);
    expect(lines[0]!.text).toBe("softmax regression on 2 threads ≥ 3.0× as fast as PyTorch's fastest configuration in this run (torch-1t): 2.33×");
    expect(lines[1]!.text).toMatch(/^MLP 784-256-10 on 2 threads ≥ 1\.0× \(aim 1\.2×\) .*\(torch-2t-pinned\): 0\.74×$/);
    expect(lines[2]!.text).toBe(`MLP 784-256-10 on 2 threads ≥ ${TARGETS.mlpThreads}× faster than on 1: 1.83×`);
    expect(lines[3]!.text).toMatch(/≥ 40× slower than wasm-softmax on 2 threads: 50×$/);
  });

  it("passes a target met exactly, and leaves out targets whose runs are missing", () => {
    const exact: Run[] = [{ peer: "wasm-Nt", model: "softmax", medianMs: 20 }, { peer: "torch-1t", model: "softmax", medianMs: 60 }];
    expect(targetLines(exact, 2)).toEqual([{ pass: true, text: expect.stringContaining(": 3.00×") }]);
    expect(targetLines(runs.filter((r) => !r.peer.startsWith("torch-")), 2)).toHaveLength(2);
  });
});
