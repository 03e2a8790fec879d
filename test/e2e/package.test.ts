import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { apparentBytesOf, installCold, onlyNeededBy, pack } from "../../scripts/package-footprint.js";
import { SANDBOX_CREDENTIALS } from "../../src/sandbox/credentials.js";

/**
 * What `npx` installs must be exactly what we test: pack, install the tarball into an empty folder
 * with an empty npm cache (so every package is fetched, as on a marketer's first run), run the binary.
 */

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const version = (await import("../../package.json", { with: { type: "json" } })).default.version;
const MB = 1_000_000;

describe("the packed package", () => {
  it("holds only what runs, installs light and without install scripts, and works", { timeout: 300_000 }, async () => {
    const { tarball, files } = await pack(ROOT);
    expect(files).toContain("bin/cio-postmark.js");
    expect(files).toContain("bin/package.json");
    expect(files).toContain("dist/main.cjs");
    expect(files).toContain("README.md");
    for (const file of files) expect(file).toMatch(/^(bin\/|dist\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/);
    expect(files.some((file) => /test|\.ts$|config\.json|\.ci/.test(file) && !file.endsWith(".d.ts"))).toBe(false);

    const installed = await installCold(tarball);
    const modules = join(installed.project, "node_modules");
    // Light: at most 75 packages (this one included) and 9 MB, as `du --apparent-size` counts.
    expect(installed.packages.length).toBeLessThanOrEqual(75);
    expect(installed.apparentBytes).toBeLessThanOrEqual(9 * MB);
    // No script runs on install, so npm has nothing to warn about.
    expect(installed.npmOutput).not.toMatch(/install-scripts|prepare|postinstall/);
    const manifest = JSON.parse((await run("cat", [join(modules, "cio-postmark", "package.json")])).stdout) as {
      scripts: Record<string, string>;
    };
    for (const script of ["preinstall", "install", "postinstall", "prepare"]) expect(manifest.scripts[script]).toBeUndefined();
    // One nodemailer: the one smtp-server asks for is ours.
    expect(installed.packages.filter((name) => name.startsWith("nodemailer@"))).toHaveLength(1);
    // Neither the old certificate library nor the prompts we never ask.
    expect(
      installed.packages.filter((name) =>
        /^(selfsigned|@peculiar\/|pkijs|@inquirer\/(prompts|editor|expand|rawlist|number|checkbox))@/.test(name),
      ),
    ).toEqual([]);
    // What only the sandbox needs (its SMTP server) weighs at most 1 MB.
    const sandboxOnly = onlyNeededBy(modules, "cio-postmark", ["smtp-server"]);
    expect(sandboxOnly).toContain("smtp-server");
    expect(sandboxOnly).not.toContain("nodemailer");
    expect(await apparentBytesOf(sandboxOnly.map((name) => join(modules, name)))).toBeLessThanOrEqual(1 * MB);

    const versionRun = await run(installed.binary, ["--version"]);
    expect(versionRun.stdout.trim()).toBe(version);
    const help = await run(installed.binary, ["--help"]);
    expect(help.stdout).toContain("Usage: cio-postmark");
    expect(help.stdout).toContain("doctor");

    const setup = await run(installed.binary, ["setup", "--sandbox", "--json", "--stream", "outbound", "--region", "us"], {
      env: {
        PATH: process.env.PATH,
        CIO_POSTMARK_CONFIG_DIR: join(installed.project, "config"),
        POSTMARK_SERVER_TOKEN: SANDBOX_CREDENTIALS.serverToken,
        POSTMARK_SMTP_ACCESS_KEY: SANDBOX_CREDENTIALS.accessKey,
        POSTMARK_SMTP_SECRET_KEY: SANDBOX_CREDENTIALS.secretKey,
      },
    });
    expect(JSON.parse(setup.stdout)).toMatchObject({
      ok: true,
      webhook: { action: "created" },
      smtp: { host: "smtp.postmarkapp.com", port: 587, verified: true },
    });
  });
});
