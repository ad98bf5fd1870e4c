import { expect } from "vitest";

/** Well-formed enough: one <svg> element, every tag that opens is closed in order, no stray angle brackets. */
export function expectWellFormedSVG(text: string): void {
  expect(text.startsWith("<svg")).toBe(true);
  expect(text.trimEnd().endsWith("</svg>")).toBe(true);
  const stack: string[] = [];
  for (const [tag, close, name, selfClose] of text.matchAll(/<(\/?)([a-zA-Z]+)\b[^<>]*?(\/?)>/g)) {
    if (selfClose) continue;
    if (close) expect(stack.pop(), tag).toBe(name);
    else stack.push(name!);
  }
  expect(stack).toEqual([]);
  expect(text.replace(/<[^<>]*>/g, "")).not.toMatch(/[<>]/);
}
