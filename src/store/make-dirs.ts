import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * `mkdir -p`, one level at a time from the first folder that exists. Node's own recursive mkdir
 * spins forever (and ignores signals) where a parent exists but refuses a child with ENOENT, as
 * /proc does: `--config-dir /proc/x` froze the run. Here each level is one call that fails or not.
 */
export function makeDirs(dir: string, mode?: number): void {
  const missing: string[] = [];
  let current = resolve(dir);
  for (; !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  // A file where a folder should be, said as mkdir says it: the folder itself (EEXIST) or one on its way (ENOTDIR).
  if (existsSync(current) && !statSync(current).isDirectory()) {
    const code = current === resolve(dir) ? "EEXIST" : "ENOTDIR";
    throw Object.assign(new Error(`${code}: a file is where a folder should be, mkdir '${resolve(dir)}'`), { code });
  }
  for (const path of missing) {
    try {
      mkdirSync(path, mode === undefined ? {} : { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
