// A minimal PNG writer for grey 8-bit images, so pictures embed their pixels as one small `data:` URL instead of
// one SVG element per pixel. The zlib stream is stored (uncompressed): no deflate code, and for 28 × 28 images
// the file is still small next to the SVG around it.
import { crc32 } from "../crc32.js";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const STORED_BLOCK = 65535;

/** A PNG of `width × height` grey 8-bit pixels (row-major, 0 black … 255 white). */
export function encodeGrayPNG(width: number, height: number, pixels: Uint8Array): Uint8Array {
  // Each scanline is prefixed by its filter byte: 0, none.
  const raw = new Uint8Array(height * (width + 1));
  for (let r = 0; r < height; r++) raw.set(pixels.subarray(r * width, (r + 1) * width), r * (width + 1) + 1);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 0, 0, 0, 0], 8); // bit depth 8, colour type 0 (grey), deflate, adaptive filters, no interlace
  const chunks = [chunk("IHDR", ihdr), chunk("IDAT", storedZlib(raw)), chunk("IEND", new Uint8Array(0))];
  return concat([Uint8Array.from(SIGNATURE), ...chunks]);
}

/** `bytes` as base64, with the platform's btoa (every runtime the package supports has it). */
export function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length), v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4), each at most 65 535 bytes. */
function storedZlib(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / STORED_BLOCK));
  const out = new Uint8Array(2 + blocks * 5 + data.length + 4), v = new DataView(out.buffer);
  out[0] = 0x78; // deflate, 32 KB window
  out[1] = 0x01; // no preset dictionary, fastest; (0x78 << 8 | 0x01) % 31 == 0 as the header check requires
  let at = 2;
  for (let b = 0; b < blocks; b++) {
    const part = data.subarray(b * STORED_BLOCK, (b + 1) * STORED_BLOCK);
    out[at] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00 (stored)
    v.setUint16(at + 1, part.length, true);
    v.setUint16(at + 3, ~part.length & 0xffff, true);
    out.set(part, at + 5);
    at += 5 + part.length;
  }
  v.setUint32(at, adler32(data));
  return out;
}

function adler32(data: Uint8Array): number {
  let a = 1, b = 0;
  // 5552 bytes is the most that can be summed before b might pass 2^32 (zlib's NMAX).
  for (let i = 0; i < data.length; i += 5552) {
    const end = Math.min(i + 5552, data.length);
    for (let j = i; j < end; j++) { a += data[j]!; b += a; }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
