// The one rule for suites on the real Fashion-MNIST: they run where the Debian package dataset-fashion-mnist is
// installed, and always in CI, where .ci/run installs it, so a missing directory fails there instead of skipping.
import { existsSync } from "node:fs";
import { describe } from "vitest";
import { FASHION_MNIST_SYSTEM_DIR } from "../../src/data/fashion-mnist/node/load.js";

/** Where the Debian package dataset-fashion-mnist puts the real Fashion-MNIST. */
export const FASHION_MNIST_DIR = FASHION_MNIST_SYSTEM_DIR;

/** Whether suites on the real Fashion-MNIST run here: the data is installed, or this is CI. */
export const realData = existsSync(FASHION_MNIST_DIR) || Boolean(process.env.CI);

/** A `describe` for a suite on the real Fashion-MNIST, skipped (its name says why) only where `realData` is false. */
export function describeRealData(name: string, suite: () => void): void {
  const why = ` (skipped: no ${FASHION_MNIST_DIR}; apt-get install dataset-fashion-mnist)`;
  describe.skipIf(!realData)(realData ? name : name + why, suite);
}
