// The build re-indents dist/ with tabs (scripts/reindent.js): leading spaces become tabs, and nothing else
// changes, not a line inside a multi-line template literal or string, whose lines are part of its value.
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain JavaScript without declarations
import { reindent } from "../../scripts/reindent.js";

const reindented = reindent as (text: string, unit: number, fileName?: string) => string;

// Lines with two spaces per level, as esbuild writes them; `\\` is one backslash in the code.
const SOURCE = [
  "function page(name, rows) {",
  "  const head = `<h1>",
  "    ${name}",
  "  </h1>`;",
  "  const body = `",
  "  <ul>${rows.map((row) => `",
  "    <li>${row}</li>`).join(\"\")}",
  "  </ul>",
  "`;",
  "  const note = \"one string \\",
  "    over two lines\";",
  "  if (rows.length > 0) {",
  "    return [head, body, note].join(\"|\");",
  "  }",
  "   return \"\"; // an odd indent keeps its last space",
  "}",
  "",
].join("\n");

describe("reindent", () => {
  it("turns each level of leading spaces into a tab and leaves lines inside literals as they are", () => {
    expect(reindented(SOURCE, 2)).toBe([
      "function page(name, rows) {",
      "\tconst head = `<h1>",
      "    ${name}", // inside the template, under its `${…}` too
      "  </h1>`;",
      "\tconst body = `",
      "  <ul>${rows.map((row) => `",
      "    <li>${row}</li>`).join(\"\")}",
      "  </ul>",
      "`;",
      "\tconst note = \"one string \\",
      "    over two lines\";",
      "\tif (rows.length > 0) {",
      "\t\treturn [head, body, note].join(\"|\");",
      "\t}",
      "\t return \"\"; // an odd indent keeps its last space",
      "}",
      "",
    ].join("\n"));
  });

  it("gives code that returns the same values", () => {
    const run = (code: string) => (new Function(`${code}\nreturn page;`)() as (name: string, rows: string[]) => string)("T", ["a", "b"]);
    expect(run(reindented(SOURCE, 2))).toBe(run(SOURCE));
    expect(run(SOURCE)).toContain("\n    <li>a</li>");
  });

  it("re-indents declarations by four spaces a level, template literal types left whole", () => {
    const dts = "export interface A {\n    /**\n     * Doc.\n     */\n    b: `x\n    ${string}`;\n}\n";
    expect(reindented(dts, 4, "a.d.ts")).toBe("export interface A {\n\t/**\n\t * Doc.\n\t */\n\tb: `x\n    ${string}`;\n}\n");
  });
});
