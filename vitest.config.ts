import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));

export default defineConfig({
  define: { CIO_POSTMARK_VERSION: JSON.stringify(version) },
  test: {
    include: ["test/**/*.test.ts"],
    // Forks, not threads: some tests change the umask, which worker threads may not.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
