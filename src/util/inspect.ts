// How the package's classes print in Node, Deno and Bun (console.log, util.inspect). Symbol.for reaches Node's
// hook without importing node:util, so the browser entry stays free of Node built-ins.

/** The key util.inspect looks up on an object (Deno and Bun honour it too). */
export const INSPECT: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

type InspectFn = (value: unknown, options: object) => string;

/**
 * `Name { …fields }`, the fields printed by the caller's own inspect so that nested classes, colours and depth
 * behave as for any object. Names are given, not read from the constructor: an app's minifier renames classes.
 */
export function inspectAs(name: string, fields: object, depth: number, options: object, inspect?: InspectFn): string {
  if (depth < 0) return `[${name}]`;
  // `fields` stands in for this object at this level, so it gets the same depth: what it holds goes one deeper.
  return `${name} ${inspect ? inspect(fields, options) : JSON.stringify(fields)}`;
}
