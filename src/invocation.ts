import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, relative } from "node:path";
import { quoteArg, startedThroughNpx } from "./core/command-line.js";

/**
 * How a printed command starts, so that it runs as printed from where the person is: `npx
 * cio-postmark` under npx, `cio-postmark` where that name on PATH is this very tool, else `node` and
 * the path of the script this run was started as (relative to the current folder when inside it).
 */
export function invocationPrefix(env: NodeJS.ProcessEnv, script: string | undefined, windows: boolean, cwd = process.cwd()): string {
  if (startedThroughNpx(env, script)) return "npx cio-postmark";
  if (!script) return "cio-postmark";
  const self = real(script);
  if (self && onPathIsSelf(env, self, windows)) return "cio-postmark";
  const near = relative(cwd, script);
  return `node ${quoteArg(near && !near.startsWith("..") && !isAbsolute(near) ? near : script, windows)}`;
}

function real(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Whether the first `cio-postmark` on PATH runs this script: npm links it there (a symlink on
 * POSIX), or writes a small shim that names it (Windows' .cmd, or any wrapper naming the script).
 */
function onPathIsSelf(env: NodeJS.ProcessEnv, self: string, windows: boolean): boolean {
  const names = windows ? ["cio-postmark.cmd", "cio-postmark.ps1", "cio-postmark"] : ["cio-postmark"];
  for (const dir of (env.PATH ?? env.Path ?? "").split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (!existsSync(candidate)) continue;
      if (real(candidate) === self) return true;
      return shimRuns(candidate, self);
    }
  }
  return false;
}

/** A shim's text names the script it runs: by its absolute path, or (npm's cmd-shim) relative to the shim's folder. */
function shimRuns(shim: string, self: string): boolean {
  try {
    if (statSync(shim).size > 8192) return false;
    const text = readFileSync(shim, "utf8");
    if (text.includes(self)) return true;
    const named = /(?:%dp0%|\$basedir)[\\/]+([^"'\s]*cio-postmark\.js)/.exec(text)?.[1];
    return named !== undefined && real(join(dirname(shim), named.replace(/\\/g, "/"))) === self;
  } catch {
    return false;
  }
}
