// Default workload: what one softmax-regression epoch asks of a kernel (235 batches of ≤ 256 shuffled rows of
// a 60 000 × 784 u8 dataset, B=256, I=784, O=10; I and O from the environment for other layers). Returns a
// function that runs it once.
export default function setup(ex, kernel) {
  const mem = ex.memory, base = 65536;
  const N = 60000, I = Number(process.env.I ?? 784), B = 256, O = Number(process.env.O ?? 10);
  const need = base + N * I + N * 8 + B * I * 4 * 3 + O * I * 4 * 2 + B * O * 4 * 3 + B * I * 3 + 1024;
  if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
  const u8 = new Uint8Array(mem.buffer), f32 = new Float32Array(mem.buffer), i32 = new Int32Array(mem.buffer);
  let at = base;
  const alloc = (bytes) => { const p = at; at += (bytes + 15) & ~15; return p; };
  const data = alloc(N * I), order = alloc(N * 4), labels = alloc(N * 4), x = alloc(B * I * 4), w = alloc(O * I * 4), bias = alloc(O * 4);
  const out = alloc(B * O * 4), dw = alloc(O * I * 4), db = alloc(O * 4), panels = alloc(B * O * 4);
  // main's lists of non-zero input chunks (linearForward) and rows (linearBackward): scratch after the inputs.
  const chunks = alloc(B * I * 2), rows = alloc(B * I);
  let s = 12345;
  for (let i = 0; i < N * I; i++) { s = (s * 1103515245 + 12345) >>> 0; u8[data + i] = s >>> 24; }
  // A shuffle of every row, as an epoch walks them (rows in cache would flatter the gather), and labels apart.
  for (let i = 0; i < N; i++) { i32[(order >> 2) + i] = i; i32[(labels >> 2) + i] = i % O; }
  for (let i = N - 1; i > 0; i--) { s = (s * 1103515245 + 12345) >>> 0; const j = s % (i + 1); const t = i32[(order >> 2) + i]; i32[(order >> 2) + i] = i32[(order >> 2) + j]; i32[(order >> 2) + j] = t; }
  for (let i = 0; i < O * I; i++) f32[(w >> 2) + i] = ((i % 13) - 6) * 0.01;
  for (let i = 0; i < B * I; i++) f32[(x >> 2) + i] = u8[data + i] / 255;
  for (let i = 0; i < B * O; i++) f32[(out >> 2) + i] = ((i % 7) - 3) * 0.001;
  const batches = Math.ceil(N / B);
  const run = {
    gatherScaleU8: (b) => ex.gatherScaleU8(x, data, order + b * B * 4, Math.min(B, N - b * B), I, 1 / 255),
    linearForward: ex.linearForward.length === 8
      ? () => ex.linearForward(out, x, w, bias, chunks, B, I, O) : () => ex.linearForward(out, x, w, bias, B, I, O),
    // Gather and forward product of each batch: one fused kernel, or main's two (which has no fused one).
    gatherLinearForward: ex.gatherLinearForward
      ? (b) => ex.gatherLinearForward(out, x, data, order + b * B * 4, w, bias, Math.min(B, N - b * B), I, O, 1 / 255)
      : (b) => { const n = Math.min(B, N - b * B); ex.gatherScaleU8(x, data, order + b * B * 4, n, I, 1 / 255); ex.linearForward(out, x, w, bias, chunks, n, I, O); },
    // main's takes scratch for dOut's panels and its row lists (after its inputs); the variants written before do not.
    linearBackward: ex.linearBackward.length === 9 ? () => ex.linearBackward(dw, db, out, x, panels, rows, B, I, O)
      : ex.linearBackward.length === 8 ? () => ex.linearBackward(dw, db, out, x, panels, B, I, O) : () => ex.linearBackward(dw, db, out, x, B, I, O),
    // dInp (B,I) = dOut (B,O) · W (O,I): the input gradient of an I → O layer (I=256 O=10: the MLP's second layer).
    matmul: () => ex.matmul(x, out, w, B, O, I),
    softmaxCrossEntropyForwardBackward: (b) => ex.softmaxCrossEntropyForwardBackward(dw, out, labels + b * B * 4, 0, Math.min(B, N - b * B), O, 0),
  }[kernel];
  return () => { for (let b = 0; b < batches; b++) run(b); };
}
