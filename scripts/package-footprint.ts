/**
 * What `npx cio-postmark` downloads: pack a tarball, install it into an empty folder with an empty
 * npm cache, and measure the result. Shared by the packaging test (limits) and the bench (figures).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const MAX_BUFFER = 64 * 1024 * 1024;

export interface Packed {
  tarball: string;
  files: string[];
}

/**
 * `npm pack` of a source folder; its `prepack` builds the bundle, unless `built` says the bundle there
 * is fresh (the tests, after `npm test`'s build: rebuilding dist/ in place would pull it from under the
 * tests running beside).
 */
export async function pack(
  sourceDir: string,
  { destination = mkdtempSync(join(tmpdir(), "cio-pack-")), built = false }: { destination?: string; built?: boolean } = {},
): Promise<Packed> {
  const args = ["pack", "--json", ...(built ? ["--ignore-scripts"] : []), "--pack-destination", destination];
  const { stdout } = await run("npm", args, { cwd: sourceDir, maxBuffer: MAX_BUFFER });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: join(destination, packed!.filename), files: packed!.files.map((file) => file.path) };
}

/**
 * The tarball of an older commit (0.2.0 is `6d0fdd0`), built as that commit built itself, with this
 * checkout's node_modules lent for the build only (its build needs esbuild and nothing else).
 */
export async function packCommit(repoDir: string, commit: string): Promise<Packed> {
  const source = mkdtempSync(join(tmpdir(), "cio-source-"));
  await run("sh", ["-c", 'git -C "$1" archive "$2" | tar -x -C "$3"', "sh", repoDir, commit, source]);
  symlinkSync(join(repoDir, "node_modules"), join(source, "node_modules"), "dir");
  await run("npm", ["run", "build"], { cwd: source });
  // Scripts off: the build is done, and the old `prepare` would otherwise run it again.
  const destination = mkdtempSync(join(tmpdir(), "cio-pack-"));
  const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", destination], {
    cwd: source,
    maxBuffer: MAX_BUFFER,
  });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: join(destination, packed!.filename), files: packed!.files.map((file) => file.path) };
}

export interface Installed {
  project: string;
  /** Installed packages, this one included (what npm reports as "added N packages"). */
  packages: string[];
  /** `du --apparent-size` of node_modules, in bytes. */
  apparentBytes: number;
  installMs: number;
  /** npm's own output (warnings included). */
  npmOutput: string;
  binary: string;
}

/** Installs a tarball as `npx` would: a fresh folder, an empty cache, scripts as npm runs them by default. */
export async function installCold(tarball: string): Promise<Installed> {
  const project = mkdtempSync(join(tmpdir(), "cio-install-"));
  const cache = mkdtempSync(join(tmpdir(), "cio-npm-cache-"));
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
  const started = performance.now();
  const { stdout, stderr } = await run("npm", ["install", "--no-audit", "--no-fund", "--cache", cache, tarball], {
    cwd: project,
    maxBuffer: MAX_BUFFER,
    env: { ...process.env, npm_config_loglevel: "warn" },
  });
  const installMs = performance.now() - started;
  const modules = join(project, "node_modules");
  const { stdout: du } = await run("du", ["-s", "--apparent-size", "--block-size=1", modules]);
  return {
    project,
    packages: installedPackages(modules),
    apparentBytes: Number(du.split(/\s/)[0]),
    installMs,
    npmOutput: stdout + stderr,
    binary: join(modules, ".bin", "cio-postmark"),
  };
}

/** Every package folder under node_modules, nested ones included, as `name@version`. */
export function installedPackages(modules: string): string[] {
  const found: string[] = [];
  const visit = (folder: string) => {
    if (!existsSync(folder)) return;
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const path = join(folder, entry.name);
      if (entry.name.startsWith("@")) {
        visit(path);
        continue;
      }
      const manifest = join(path, "package.json");
      if (!existsSync(manifest)) continue;
      const { name, version } = JSON.parse(readFileSync(manifest, "utf8")) as { name: string; version: string };
      found.push(`${name}@${version}`);
      visit(join(path, "node_modules"));
    }
  };
  visit(modules);
  return found.sort();
}
