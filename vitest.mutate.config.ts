import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * The tests Stryker runs against each mutant: the pure tables and the in-process integration tests.
 * Tests that run the built binary (dist/, which Stryker does not mutate) would only cost time.
 * MUTATE_TESTS=unit keeps to the tables, for a quick look at one folder.
 */
const unitOnly = process.env.MUTATE_TESTS === "unit";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Replaced, not merged: mergeConfig would add these to the base's own list.
    include: unitOnly ? ["test/unit/**/*.test.ts"] : ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
    // The secrets audit repeats whole runs four times each: it guards output, not logic, and would cost most of the time.
    exclude: ["test/integration/cli.test.ts", "test/integration/concurrency.test.ts", "test/integration/interrupt.test.ts", "test/integration/secrets.test.ts", "node_modules/**"],
  },
});
