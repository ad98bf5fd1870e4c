// The validation module: rules and their words, unknown keys with the nearest known name.
import { describe, expect, it } from "vitest";
import { RULES, check, checkFewKeys, checkKeys, checkOr, integerIn, nearest, oneOf } from "../src/validate.js";
import { OptionError } from "../src/errors.js";

describe("nearest", () => {
  it("finds a prefix, a near miss and an adjacent swap, and nothing for an unrelated word", () => {
    expect(nearest("epoch", ["epochs", "seed"])).toBe("epochs");
    expect(nearest("batchsize", ["batchSize", "shuffle"])).toBe("batchSize");
    expect(nearest("dri", ["dir", "url", "files"])).toBe("dir");
    expect(nearest("zzz", ["dir", "url"])).toBeUndefined();
  });
});

describe("checkKeys", () => {
  it("returns the options, {} for undefined, and refuses a non-object", () => {
    const o = { a: 1 };
    expect(checkKeys("x", o, ["a"])).toBe(o);
    expect(checkKeys("x", undefined, ["a"])).toEqual({});
    expect(() => checkKeys("x", [] as never, ["a"])).toThrow("Invalid x options: expected an object, got array(0).");
  });

  it("refuses an unknown key with the nearest known name, or lists the known ones", () => {
    expect(() => checkKeys("fit", { epoch: 1 }, ["epochs", "seed"])).toThrow('Unknown fit option "epoch". Did you mean "epochs"?');
    expect(() => checkKeys("fit", { zzz: 1 }, ["epochs", "seed"])).toThrow('Unknown fit option "zzz". Known options: epochs, seed.');
    const error = (() => { try { checkKeys("fit", { epoch: 1 }, ["epochs"]); } catch (e) { return e; } })() as OptionError;
    expect(error).toBeInstanceOf(OptionError);
    expect(error.option).toBe("epoch");
  });
});

describe("checkFewKeys", () => {
  it("refuses an unknown key listing every known one, and otherwise behaves as checkKeys", () => {
    const o = { source: "x" };
    expect(checkFewKeys("decodeModel", o, ["source", "allowNonFinite"])).toBe(o);
    expect(checkFewKeys("decodeModel", undefined, ["source"])).toEqual({});
    expect(() => checkFewKeys("decodeModel", { sourc: 1 }, ["source", "allowNonFinite"]))
      .toThrow('Unknown decodeModel option "sourc". Known options: source, allowNonFinite.');
    expect(() => checkFewKeys("x", "a" as never, ["a"])).toThrow('Invalid x options: expected an object, got "a".');
  });
});

describe("rules", () => {
  it("words each rule once and tests it", () => {
    expect(check("seed", 7, RULES.seed)).toBe(7);
    expect(() => check("seed", -1, RULES.seed)).toThrow("Invalid seed: expected an integer in [0, 2^32), got -1.");
    expect(() => check("lr", 0, RULES.positive)).toThrow("Invalid lr: expected a finite number > 0, got 0.");
    expect(() => check("n", 2.5, integerIn(1, 4))).toThrow("Invalid n: expected an integer in [1, 4], got 2.5.");
    expect(() => check("k", "c", oneOf(["a", "b"]))).toThrow('Invalid k: expected "a" or "b", got "c".');
    expect(checkOr("x", undefined, RULES.count, 3)).toBe(3);
    expect(() => checkOr("x", 0, RULES.count, 3)).toThrow("expected an integer ≥ 1");
  });
});
