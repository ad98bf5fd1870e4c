import { it } from "vitest";
import { JsKernels } from "../../src/kernels/js.js";
it("dbg", () => {
  const k = new JsKernels();
  const f = new Float32Array(k.memory.buffer);
  for (const [B, C] of [[1,1],[2,1],[1,2],[3,1]]) {
    f.fill(0); f[20] = 5; f[21] = 3; f[22]=1;
    console.log(B, C, k.softmaxCrossEntropyForwardBackward(400, 80, 200, B, C), f.slice(100, 100 + B*C));
  }
});
