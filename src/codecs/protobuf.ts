// The few protobuf encodings an ONNX file needs (proto3 wire format): varints and length-delimited
// fields. Messages are built bottom up as byte arrays; fields are written in the order given.

import { concat } from "../util/bytes.js";

const encoder = /* @__PURE__ */ new TextEncoder();

/** A message's encoded fields, concatenated. */
export function message(...fields: (Uint8Array | undefined)[]): Uint8Array {
  return concat(fields.filter((f): f is Uint8Array => f !== undefined));
}

// Field numbers and values here are non-negative and below 2^53; division keeps them exact beyond 2^32.
function varintBytes(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`protobuf varint out of range: ${value}`);
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return bytes;
}

const tag = (field: number, wireType: 0 | 2 | 5) => varintBytes(field * 8 + wireType);

/** An int32 / int64 / enum field. */
export function varint(field: number, value: number): Uint8Array {
  return Uint8Array.from([...tag(field, 0), ...varintBytes(value)]);
}

/** A bytes or embedded-message field. */
export function bytes(field: number, data: Uint8Array): Uint8Array {
  const head = [...tag(field, 2), ...varintBytes(data.length)];
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

/** A string field, UTF-8. */
export function string(field: number, text: string): Uint8Array {
  return bytes(field, encoder.encode(text));
}
