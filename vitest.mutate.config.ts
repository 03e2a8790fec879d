import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * The tests Stryker runs against each mutant. MUTATE_TESTS=unit keeps to the pure tables (seconds a
 * mutant); the default adds the in-process integration tests. Tests that run the built binary
 * (dist/, which Stryker does not mutate) would only cost time.
 */
const unitOnly = process.env.MUTATE_TESTS === "unit";

export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: unitOnly ? ["test/unit/**/*.test.ts"] : ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
      exclude: ["test/integration/cli.test.ts", "test/integration/concurrency.test.ts", "test/integration/interrupt.test.ts"],
    },
  }),
);
