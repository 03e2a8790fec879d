import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Forks, not threads: some tests change the umask, which worker threads may not.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
