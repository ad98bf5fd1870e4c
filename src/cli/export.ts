// `wasm-softmax export`: a saved model as ONNX (for onnxruntime and friends) or safetensors (for PyTorch).
import { loadCheckpoint } from "../io/files-node.js";
import { encodeONNX, ONNX_INPUT, ONNX_OUTPUT } from "../io/onnx.js";
import { encodeSafetensors } from "../io/safetensors.js";
import { linearName } from "../io/layers.js";
import { MODEL_FILE_FLAG, choiceFlag, command, pathFlag, required, usageError } from "./args.js";
import type { Values } from "./args.js";
import { describeModel, writeOutput } from "./output.js";
import type { Output } from "./output.js";

const FORMATS = ["onnx", "safetensors"] as const;

const EXPORT_FLAGS = {
  model: MODEL_FILE_FLAG,
  format: choiceFlag("--format", FORMATS, { help: "onnx or safetensors", defaultText: "from the --out extension" }),
  out: pathFlag("--out", { help: "file to write (required)" }),
  input: choiceFlag("--input", ["float32", "uint8"] as const, {
    arg: "TYPE",
    help: "ONNX input type: float32 features in [0, 1], or uint8 pixels that the graph scales by 1/255",
    defaultText: "float32",
  }),
};

export const EXPORT = command({
  name: "export",
  summary: "a saved model as ONNX (onnxruntime) or safetensors (PyTorch)",
  flags: EXPORT_FLAGS,
  examples: ["export --model mlp.wsmx --format onnx --out mlp.onnx", "export --model mlp.wsmx --out mlp.safetensors"],
  run: exportCommand,
});

async function exportCommand(o: Values<typeof EXPORT_FLAGS>, out: Output): Promise<number> {
  const file = required(o.model, EXPORT_FLAGS.model, "export");
  const target = required(o.out, EXPORT_FLAGS.out, "export");
  const extension = /\.(onnx|safetensors)$/i.exec(target)?.[1]?.toLowerCase() as (typeof FORMATS)[number] | undefined;
  const format = o.format ?? extension;
  if (format === undefined) {
    throw usageError("export", `Missing --format: expected one of "onnx", "safetensors", or an --out file ending in .onnx or .safetensors, got "${target}".`);
  }
  if (o.input !== undefined && format !== "onnx") {
    throw usageError("export", `Invalid --input: expected it only with --format onnx, got --format ${format}.`);
  }
  const { model } = await loadCheckpoint(file);
  const input = o.input ?? "float32";
  const bytes = format === "onnx" ? encodeONNX(model, { input }) : encodeSafetensors(model);
  await writeOutput(target, bytes, "--out");
  const what = format === "onnx"
    ? `ONNX opset 13, input "${ONNX_INPUT}" [N, ${model.inputs}] ${input}, output "${ONNX_OUTPUT}" [N, ${model.classes}]`
    : `safetensors, tensors ${model.layout.map((_, l) => `${linearName(l, "weight")}, ${linearName(l, "bias")}`).join(", ")} in F32`;
  out.io.stdout(`wrote ${target}: ${describeModel(model.config)} from ${file} (${what}; ${bytes.length} bytes)\n`);
  return 0;
}
