import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { runBinary } from "../helpers/run-binary.js";
import { SERVER_TOKEN, startWorld, type World } from "../helpers/world.js";

/**
 * A config folder that belongs to someone else: the run cannot tighten it to 0700 or write it, so
 * it must say so (config_unwritable) before it changes anything in Postmark. Run as the `nobody`
 * user against a folder root owns, which needs root to set up (CI runs as root).
 */

const asRoot = process.getuid?.() === 0;
let world: World;
afterEach(async () => world?.close());

/**
 * What `nobody` runs, copied where anyone can read it: the checkout, and the Node running the tests,
 * may sit in a 0700 folder (as `mktemp -d` makes one), which `nobody` could not even enter.
 */
function readableCopy(): { node: string; bin: string } {
  const root = mkdtempSync(join(tmpdir(), "cio-nobody-"));
  chmodSync(root, 0o755);
  const checkout = fileURLToPath(new URL("../..", import.meta.url));
  for (const part of ["bin", "dist", "package.json"]) cpSync(join(checkout, part), join(root, part), { recursive: true });
  const node = join(root, "node");
  copyFileSync(process.execPath, node);
  chmodSync(node, 0o755);
  return { node, bin: join(root, "bin", "cio-postmark.js") };
}

const runAsNobody = (args: string[], env: NodeJS.ProcessEnv) =>
  runBinary(args, { HOME: tmpdir(), ...env }, undefined, {
    runner: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
    ...readableCopy(),
  });

describe.skipIf(!asRoot || !existsSync("/usr/bin/setpriv"))("a config folder someone else owns", () => {
  it("writable by all but not ours to tighten: refused as config_unwritable before the webhook is created", async () => {
    world = await startWorld();
    const parent = mkdtempSync(join(tmpdir(), "cio-owned-"));
    const folder = join(parent, "config");
    mkdirSync(folder);
    chmodSync(parent, 0o755);
    // root's, and open to all: writable, but only its owner could tighten it to 0700 before secrets go in.
    chmodSync(folder, 0o777);
    const run = await runAsNobody(["setup", "--no-input", "--json", "--stream", "outbound", "--region", "us", "--skip-smtp"], {
      POSTMARK_API_URL: world.simulator.url,
      POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
      CIO_POSTMARK_CONFIG_DIR: folder,
    });
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: "config_unwritable" });
    expect(world.simulator.writes).toEqual([]);
  });
});

describe("a config folder nobody named", () => {
  it.each([
    ["an empty HOME", { HOME: "" }],
    ["a relative XDG_CONFIG_HOME", { XDG_CONFIG_HOME: "relative/config" }],
  ])("with %s is never a folder of the current one", async (_what, env) => {
    const here = mkdtempSync(join(tmpdir(), "cio-cwd-"));
    const run = await runBinary(["status"], { HOME: process.env.HOME, ...env }, undefined, { cwd: here });
    expect(run.status).toBe(0);
    const path = /No saved connections in (\S+)\.\n/.exec(run.stdout)![1]!;
    expect(isAbsolute(path)).toBe(true);
    expect(path.startsWith(here)).toBe(false);
    expect(readdirSync(here)).toEqual([]);
  });
});
