import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * `mkdir -p`, one level at a time from the first folder that exists. Node's own recursive mkdir
 * spins forever (and ignores signals) where a parent exists but refuses a child with ENOENT, as
 * /proc does: `--config-dir /proc/x` froze the run. Here each level is one call that fails or not.
 */
export function makeDirs(dir: string, mode?: number): void {
  const missing: string[] = [];
  for (let current = resolve(dir); !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing) {
    try {
      mkdirSync(path, mode === undefined ? {} : { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
