import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));

export default defineConfig({
  define: { CIO_POSTMARK_VERSION: JSON.stringify(version) },
  test: {
    include: ["test/**/*.test.ts"],
    // Forks, not threads: some tests change the umask, which worker threads may not.
    pool: "forks",
    // Most tests wait on sockets, child processes and simulated latency, not the CPU: vitest's default (one
    // fork fewer than the CPUs) would run them one at a time on a 2-core CI machine.
    maxWorkers: Math.max(availableParallelism(), 2),
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
