// Pictures in a terminal: a greyscale image and horizontal bars, in colour on a terminal, in ASCII elsewhere.
import type { CliIO } from "./output.js";

/** "truecolor" (24-bit), "256" (the xterm grey ramp) or "ascii" (a character ramp, no escape codes). */
export type ImageMode = "truecolor" | "256" | "ascii";

/**
 * Colour where the stream shows it and nobody asked for none (NO_COLOR, TERM=dumb); 24-bit where COLORTERM says
 * so. FORCE_COLOR wins over both, as in Node: "0" or "false" turns colour off, "3" asks for 24-bit, any other
 * value (even empty) turns it on where the stream is not a terminal. `isTTY` is the stream's own: the images go
 * to stdout, so `predict > out.txt` writes plain text however stderr looks.
 */
export function imageMode(io: { isTTY: boolean; env: CliIO["env"] }): ImageMode {
  const { env } = io, force = env.FORCE_COLOR;
  const deep = env.COLORTERM === "truecolor" || env.COLORTERM === "24bit";
  if (force !== undefined) {
    if (force === "0" || force.toLowerCase() === "false") return "ascii";
    return force === "3" || deep ? "truecolor" : "256";
  }
  if (!io.isTTY || (env.NO_COLOR ?? "") !== "" || env.TERM === "dumb") return "ascii";
  return deep ? "truecolor" : "256";
}

/** The image mode of stdout, where the commands print pictures. */
export function stdoutMode(io: CliIO): ImageMode {
  return imageMode({ isTTY: io.stdoutIsTTY ?? io.isTTY, env: io.env });
}

const RAMP = " .:-=+*#%@";

/**
 * `greys` (rows × cols values in 0–255, row-major) as lines of text. In colour, each character cell is "▀" with
 * the upper pixel as foreground and the lower one as background, so a 28×28 image takes 28 columns and 14 lines
 * and stays square. In ASCII each pixel is two characters of the ramp, for the same reason, inside a frame.
 */
export function renderImage(greys: ArrayLike<number>, rows: number, cols: number, mode: ImageMode): string {
  const at = (r: number, c: number) => (r < rows ? Math.max(0, Math.min(255, Math.round(greys[r * cols + c]!))) : 0);
  const lines: string[] = [];
  if (mode === "ascii") {
    // Framed, so the dark rows and columns at the edges still show where the image is.
    const rule = `+${"-".repeat(2 * cols)}+\n`;
    for (let r = 0; r < rows; r++) {
      let line = "";
      for (let c = 0; c < cols; c++) line += RAMP[Math.floor((at(r, c) * RAMP.length) / 256)]!.repeat(2);
      lines.push(`|${line}|\n`);
    }
    return rule + lines.join("") + rule;
  }
  const colour = (layer: 38 | 48, v: number) => (mode === "truecolor" ? `\x1b[${layer};2;${v};${v};${v}m` : `\x1b[${layer};5;${grey256(v)}m`);
  for (let r = 0; r < rows; r += 2) {
    let line = "", fg = -1, bg = -1;
    for (let c = 0; c < cols; c++) {
      const top = at(r, c), bottom = at(r + 1, c);
      // Colour codes only where the colour changes: a 28×28 image stays a few kilobytes.
      if (top !== fg) line += colour(38, (fg = top));
      if (bottom !== bg) line += colour(48, (bg = bottom));
      line += "▀";
    }
    lines.push(`${line}\x1b[0m\n`);
  }
  return lines.join("");
}

// The xterm palette's greys: 16 is black, 232–255 are 8, 18, …, 238, and 231 is white.
function grey256(v: number): number {
  if (v < 4) return 16;
  if (v > 246) return 231;
  return 232 + Math.max(0, Math.min(23, Math.round((v - 8) / 10)));
}

const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/** A bar `fraction` (0–1) of `width` characters: block characters with eighth steps, or "#" in ASCII. */
export function bar(fraction: number, width: number, mode: ImageMode): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  if (mode === "ascii") return "#".repeat(Math.round(f * width));
  const eighths = Math.round(f * width * 8);
  return "█".repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}
