// Re-indents generated code with one tab per level instead of runs of spaces (esbuild writes two per level, tsc's
// declarations four): the same lines and statements, fewer bytes to ship. Only the leading whitespace of a line
// changes, and never on a line that begins inside a template literal or a string (a multi-line template's lines
// are its value): the parser, not a pattern, says where those are, and the result is parsed again to check that
// every literal still holds the same text.
import ts from "typescript";

const isLiteral = (node) =>
  ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node) || ts.isTemplateLiteralTypeNode(node) || ts.isStringLiteral(node);

/** The text of every string, template part and regular expression in `source`, in order. */
function literalTexts(source) {
  const texts = [];
  const visit = (node) => {
    if (ts.isLiteralExpression(node) || ts.isTemplateLiteralToken(node)) texts.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return texts;
}

/**
 * `text` with each line's leading `unit` spaces as tabs (a remainder shorter than `unit` stays spaces), except the
 * lines that start inside a template literal (its `${…}` parts included) or a string continued over lines.
 * @param {string} text JavaScript or TypeScript source
 * @param {number} unit spaces per indentation level in `text`
 * @param {string} [fileName] picks the parser's language (.js, .ts, .d.ts) and names the file in an error
 * @returns {string}
 */
export function reindent(text, unit, fileName = "file.js") {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  /** @type {[number, number][]} the multi-line literals, from their first character to their end */
  const literals = [];
  const visit = (node) => {
    if (isLiteral(node)) {
      const start = node.getStart(source), firstNewline = text.indexOf("\n", start);
      if (firstNewline >= 0 && firstNewline < node.end) literals.push([start, node.end]);
      return; // nothing inside a literal is re-indented, so its parts need no visit
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const insideLiteral = (offset) => literals.some(([start, end]) => start < offset && offset < end);

  const levels = new RegExp(` {${unit}}`, "g");
  let out = "";
  for (let lineStart = 0; lineStart < text.length;) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline < 0 ? text.length : newline + 1;
    const line = text.slice(lineStart, lineEnd);
    const indent = insideLiteral(lineStart) ? "" : /^ */.exec(line)[0];
    out += indent.replace(levels, "\t") + line.slice(indent.length);
    lineStart = lineEnd;
  }

  const before = literalTexts(source), after = literalTexts(ts.createSourceFile(fileName, out, ts.ScriptTarget.Latest, false));
  const changed = before.findIndex((value, i) => value !== after[i]);
  if (changed >= 0 || before.length !== after.length) {
    throw new Error(`Re-indenting ${fileName} would change literal ${changed >= 0 ? changed : before.length}: ${JSON.stringify(before[changed])}.`);
  }
  return out;
}
