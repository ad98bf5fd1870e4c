import { expect } from "vitest";
import { OptionError } from "../../src/errors.js";

/** The error `fn` throws; fails the test when it returns. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** The OptionError `fn` throws; fails the test on any other outcome. */
export function optionError(fn: () => unknown): OptionError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(OptionError);
  return error as OptionError;
}
