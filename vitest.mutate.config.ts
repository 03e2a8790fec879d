import { statSync } from "node:fs";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import base from "./vitest.config.js";

/**
 * The tests Stryker runs against each mutant: the pure tables and the in-process integration tests.
 * Tests that run the built binary (dist/, which Stryker does not mutate) would only cost time.
 * MUTATE_TESTS=unit keeps to the tables, for a quick look at one folder.
 */
const unitOnly = process.env.MUTATE_TESTS === "unit";

/**
 * Stryker stops at a mutant's first failing test, so the cheapest tests go first: the unit tables,
 * then the other files from the quickest to the slowest of the last run (smallest first when there
 * is no last run). Vitest's own order is the opposite: slowest first.
 */
class FastestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cost = (file: TestSpecification) => {
      const unit = file.moduleId.includes("/test/unit/") ? 0 : 1;
      const key = `${file.project.name}:${file.moduleId.slice(this.ctx.config.root.length + 1)}`;
      return [unit, this.ctx.cache.getFileTestResults(key)?.duration ?? statSync(file.moduleId).size];
    };
    return [...files].sort((a, b) => {
      const [unitA, costA] = cost(a);
      const [unitB, costB] = cost(b);
      return unitA - unitB || costA! - costB!;
    });
  }
}

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Replaced, not merged: mergeConfig would add these to the base's own list.
    include: unitOnly ? ["test/unit/**/*.test.ts"] : ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
    // The secrets audit repeats whole runs four times each: it guards output, not logic, and would cost most of the time.
    // (Tests of the built binary and of pseudo-terminals live in test/e2e/, which Stryker does not run.)
    exclude: ["test/integration/secrets.test.ts", "node_modules/**"],
    sequence: { sequencer: FastestFirst },
    // One module graph for all files: Stryker switches mutants at run time (static ones are ignored),
    // so re-importing the tool for every file would only cost time.
    isolate: false,
    // Stryker runs its own test runners side by side: each keeps to one fork, as before.
    maxWorkers: 1,
    setupFiles: ["test/helpers/load-mutated-modules.ts"],
  },
});
