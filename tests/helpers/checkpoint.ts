// Checkpoint bytes taken apart and put back together, for tests that damage one part and keep the rest valid.
import { crc32 } from "../../src/codecs/crc32.js";

export interface CheckpointParts {
  version: number;
  header: Record<string, unknown>;
  /** The payload's bytes (f32 little-endian), without the version-2 trailer. */
  payload: Uint8Array;
}

/** Splits checkpoint bytes (version 1 or 2) into version, header and payload, trusting their lengths. */
export function splitCheckpoint(bytes: Uint8Array): CheckpointParts {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true), headerLength = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as Record<string, unknown>;
  const payload = bytes.subarray((12 + headerLength + 3) & ~3, version === 1 ? bytes.length : bytes.length - 4);
  return { version, header, payload };
}

/**
 * Checkpoint bytes from parts, with valid checksums: version 2 ends in the CRC of all before it; version 1 holds
 * the payload's CRC in the header (`crc32`), replacing any there.
 */
export function joinCheckpoint({ version, header, payload }: CheckpointParts): Uint8Array {
  const plain = typeof header === "object" && header !== null && !Array.isArray(header);
  const rest = plain ? Object.fromEntries(Object.entries(header).filter(([key]) => key !== "crc32")) : header;
  const json = new TextEncoder().encode(JSON.stringify(version === 1 && plain ? { ...rest, crc32: crc32(payload) } : rest));
  const start = (12 + json.length + 3) & ~3;
  const out = new Uint8Array(start + payload.length + (version === 1 ? 0 : 4));
  out.set(new TextEncoder().encode("WSMX"));
  const view = new DataView(out.buffer);
  view.setUint32(4, version, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(payload, start);
  if (version !== 1) view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** The same checkpoint with `edit` applied to its header (and payload), checksums made valid again. */
export function editCheckpoint(bytes: Uint8Array, edit: (parts: CheckpointParts) => void): Uint8Array {
  const parts = splitCheckpoint(bytes);
  parts.payload = parts.payload.slice();
  edit(parts);
  return joinCheckpoint(parts);
}

/** The same checkpoint written as format version 1 (payload CRC only), as wasm-softmax 0.1 saved it. */
export function asVersion1(bytes: Uint8Array): Uint8Array {
  return joinCheckpoint({ ...splitCheckpoint(bytes), version: 1 });
}

/** Version-2 bytes whose trailing CRC is recomputed after a raw edit of the bytes before it. */
export function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  if (out.length < 4) return out;
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}
