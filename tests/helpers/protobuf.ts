// A protobuf wire-format reader, to look inside the ONNX files the exporter writes without the onnx package.

export type Field = { field: number; wire: 0; value: number } | { field: number; wire: 2; bytes: Uint8Array } | { field: number; wire: 5; value: number };

/** The fields of one message, in order; throws on anything malformed, so a bad encoding cannot pass unnoticed. */
export function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0, scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new Error("varint runs past the end");
      const b = bytes[at++]!;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint(), field = Math.floor(key / 8), wire = key % 8;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 2) {
      const n = varint();
      if (at + n > bytes.length) throw new Error("length-delimited field runs past the end");
      out.push({ field, wire, bytes: bytes.subarray(at, (at += n)) });
    } else if (wire === 5) {
      if (at + 4 > bytes.length) throw new Error("fixed32 runs past the end");
      out.push({ field, wire, value: new DataView(bytes.buffer, bytes.byteOffset + at, 4).getFloat32(0, true) });
      at += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

const decoder = new TextDecoder();

/** Every value of `field`: numbers for varints, messages' bytes for length-delimited fields. */
export function all(bytes: Uint8Array, field: number): Field[] {
  return fields(bytes).filter((f) => f.field === field);
}

export function num(bytes: Uint8Array, field: number): number | undefined {
  const f = all(bytes, field)[0];
  return f && f.wire !== 2 ? f.value : undefined;
}

export function msg(bytes: Uint8Array, field: number): Uint8Array[] {
  return all(bytes, field).flatMap((f) => (f.wire === 2 ? [f.bytes] : []));
}

export function str(bytes: Uint8Array, field: number): string[] {
  return msg(bytes, field).map((b) => decoder.decode(b));
}
