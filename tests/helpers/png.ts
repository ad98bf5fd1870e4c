// PNG and PGM files for the decoder tests, written here byte by byte (zlib from node:zlib), so each test can
// choose the filters, split the image data, or break exactly one thing.
import { deflateSync } from "node:zlib";
import { crc32 } from "../../src/codecs/crc32.js";

const encoder = new TextEncoder();

/** One chunk: length, type, data, CRC-32 of type and data. */
export function chunk(type: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(encoder.encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function ihdr(width: number, height: number, { depth = 8, colour = 0, compression = 0, filter = 0, interlace = 0 } = {}): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([depth, colour, compression, filter, interlace], 8);
  return chunk("IHDR", data);
}

export const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const COLOUR = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

/**
 * The filtered scanlines of an image (filter byte + row), row y filtered with `filters[y % filters.length]`,
 * computed as an encoder does from the unfiltered bytes.
 */
export function scanlines(data: Uint8Array, width: number, height: number, channels: number, filters: number[] = [0]): Uint8Array {
  const stride = width * channels;
  const out = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const type = filters[y % filters.length]!;
    out[y * (stride + 1)] = type;
    for (let i = 0; i < stride; i++) {
      const x = data[y * stride + i]!;
      const a = i >= channels ? data[y * stride + i - channels]! : 0;
      const b = y > 0 ? data[(y - 1) * stride + i]! : 0;
      const c = i >= channels && y > 0 ? data[(y - 1) * stride + i - channels]! : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][type] ?? 0;
      out[y * (stride + 1) + 1 + i] = (x - predictor) & 0xff;
    }
  }
  return out;
}

export interface PNGSpec {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
  filters?: number[];
  /** Split the zlib stream into this many IDAT chunks. */
  idats?: number;
  /** Chunks to put between IHDR and the first IDAT. */
  before?: Uint8Array[];
}

export function png({ width, height, channels, data, filters, idats = 1, before = [] }: PNGSpec): Uint8Array {
  const z = new Uint8Array(deflateSync(scanlines(data, width, height, channels, filters)));
  const size = Math.ceil(z.length / idats);
  const parts = Array.from({ length: idats }, (_, i) => chunk("IDAT", z.subarray(i * size, (i + 1) * size)));
  return concat(SIGNATURE, ihdr(width, height, { colour: COLOUR[channels] }), ...before, ...parts, chunk("IEND"));
}

/** A PGM: header text (magic, sizes, maxval and any comments, as given) and the raster after it. */
export function pgm(header: string, raster: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  return concat(encoder.encode(header), typeof raster === "string" ? encoder.encode(raster) : raster);
}
