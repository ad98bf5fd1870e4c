// Every options object of the public API goes through the validation module, so an unknown key is refused with
// the nearest known name everywhere. Like tests/imports.test.ts reads the import graph, this reads the source:
// each function, constructor and method that an entry exports and that takes an options parameter (a parameter
// named `options`, or typed `…Options`) must hand that parameter to `checkKeys` or `checkFewKeys` (src/validate.ts), or forward it
// to a function of src/ that does; destructuring options in the parameter list bypasses the check outright.
import { resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");
const ENTRIES = ["index.ts", "node.ts", "edge.ts", "io.ts", "image.ts", "plot.ts"].map((f) => resolve(SRC, f));

const program = ts.createProgram(ENTRIES, { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
const checker = program.getTypeChecker();

type FunctionLike = ts.FunctionLikeDeclaration & { body?: ts.Node };
const where = (node: ts.Node) => {
  const file = node.getSourceFile();
  return `${file.fileName.slice(SRC.length + 1)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
};
const nameOf = (f: FunctionLike) =>
  ts.isConstructorDeclaration(f) ? `new ${(f.parent as ts.ClassDeclaration).name?.text}` :
    `${ts.isMethodDeclaration(f) ? `${ts.isClassDeclaration(f.parent) ? f.parent.name?.text : (f.parent.parent as ts.VariableDeclaration).name.getText()}.` : ""}${f.name?.getText() ?? "(anonymous)"}`;

/** Whether a parameter holds options: named so, or typed as an `…Options` interface. */
function isOptions(p: ts.ParameterDeclaration): boolean {
  if (ts.isObjectBindingPattern(p.name)) return true;
  return /^(options|o)$/.test(p.name.getText()) || /\bOptions\b|Options>/.test(p.type?.getText() ?? "");
}

/** The expression without type assertions and parentheses: `(options as T)!` is `options`. */
function bare(e: ts.Expression): ts.Expression {
  while (ts.isAsExpression(e) || ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}
const isName = (e: ts.Expression, name: string) => { const b = bare(e); return ts.isIdentifier(b) && b.text === name; };

/** The function declarations the identifier `name` is passed to as an argument inside `body`. */
function forwardedTo(body: ts.Node, name: string): { callee: FunctionLike | undefined; call: ts.CallExpression | ts.NewExpression }[] {
  const found: { callee: FunctionLike | undefined; call: ts.CallExpression | ts.NewExpression }[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments?.some((a) => isName(a, name))) {
      let symbol = checker.getSymbolAtLocation(ts.isNewExpression(node) ? node.expression : node.expression);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const declaration = symbol?.declarations?.[0];
      const callee = !declaration ? undefined
        : ts.isClassDeclaration(declaration) ? declaration.members.find(ts.isConstructorDeclaration) as FunctionLike | undefined
        : ts.isFunctionLike(declaration) ? declaration as FunctionLike
        // const f = (…) => …
        : ts.isVariableDeclaration(declaration) && declaration.initializer && ts.isFunctionLike(declaration.initializer)
          ? declaration.initializer as FunctionLike : undefined;
      found.push({ callee, call: node });
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

const isCheckKeys = (call: ts.CallExpression | ts.NewExpression) => ts.isIdentifier(call.expression) && ["checkKeys", "checkFewKeys"].includes(call.expression.text);

/** Why `f` lets its options parameter past the validation module, or undefined when it does not. */
function bypass(f: FunctionLike, p: ts.ParameterDeclaration, seen = new Set<ts.Node>()): string | undefined {
  if (ts.isObjectBindingPattern(p.name)) return "destructures its options in the parameter list";
  if (!f.body) return undefined; // an overload or abstract signature: the implementation is checked
  if (seen.has(f)) return undefined;
  seen.add(f);
  const name = p.name.getText();
  const calls = forwardedTo(f.body, name);
  if (calls.some(({ call }) => isCheckKeys(call))) return undefined;
  for (const { callee, call } of calls) {
    if (!callee || !callee.getSourceFile().fileName.startsWith(SRC)) continue;
    const index = call.arguments!.findIndex((a) => isName(a, name));
    const target = callee.parameters[index];
    if (target && bypass(callee, target, seen) === undefined) return undefined;
  }
  return `never hands "${name}" to checkKeys`;
}

/** Every function, constructor and public method the entries export. */
function publicFunctions(): FunctionLike[] {
  const out = new Set<FunctionLike>();
  for (const entry of ENTRIES) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const d of symbol.declarations ?? []) {
        if (ts.isFunctionDeclaration(d)) out.add(d);
        // export const kernels = { matmul(…) {…}, … }
        if (ts.isVariableDeclaration(d) && d.initializer && ts.isObjectLiteralExpression(d.initializer)) {
          for (const m of d.initializer.properties) if (ts.isMethodDeclaration(m)) out.add(m);
        }
        if (ts.isClassDeclaration(d)) {
          for (const m of d.members) {
            const hidden = ts.getCombinedModifierFlags(m) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) ||
              ts.getJSDocTags(m).some((t) => t.tagName.text === "internal");
            if ((ts.isConstructorDeclaration(m) || ts.isMethodDeclaration(m)) && !hidden && (m.body || ts.isConstructorDeclaration(m))) out.add(m as FunctionLike);
          }
        }
      }
    }
  }
  return [...out];
}

describe("the options of the public API", () => {
  const functions = publicFunctions();
  const withOptions = functions.flatMap((f) => f.parameters.filter(isOptions).map((p) => ({ f, p })));

  it("has functions with options to check", () => {
    expect(functions.length).toBeGreaterThan(40);
    expect(withOptions.length).toBeGreaterThan(20);
  });

  it("all go through checkKeys of the validation module", () => {
    const bad = withOptions.flatMap(({ f, p }) => {
      const why = bypass(f, p);
      return why ? [`${nameOf(f)} (${where(f)}) ${why}`] : [];
    });
    expect(bad).toEqual([]);
  });

  it("flags a function that destructures its options or never checks them (the check itself works)", () => {
    const file = ts.createSourceFile("x.ts", "function a({ width = 1 } = {}) {}\nfunction b(options: object) { return options; }", ts.ScriptTarget.ES2022, true);
    const [a, b] = file.statements as unknown as ts.FunctionDeclaration[];
    expect(bypass(a!, a!.parameters[0]!)).toBe("destructures its options in the parameter list");
    expect(bypass(b!, b!.parameters[0]!)).toBe('never hands "options" to checkKeys');
  });
});
