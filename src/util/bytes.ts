// Byte arrays: joining chunks, the first bytes as hex for error messages, base64 for data: URLs.

/** The chunks as one array (`total` bytes in all, their sum by default); a single chunk as it is. */
export function concat(chunks: readonly Uint8Array[], total = chunks.reduce((n, c) => n + c.length, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The first `count` bytes in hex ("1f 8b 08 …"), or "0 bytes": what an error shows of a file it refuses. */
export function hexHead(bytes: Uint8Array, count = 4): string {
  if (bytes.length === 0) return "0 bytes";
  const head = Array.from(bytes.subarray(0, count), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return bytes.length > count ? `${head} …` : head;
}

/** `bytes` as base64, with the platform's btoa (every runtime the package supports has it). */
export function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
