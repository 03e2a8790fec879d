import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { SANDBOX_CREDENTIALS } from "../../src/sandbox/credentials.js";

/** What `npx` installs must be exactly what we test: pack, install the tarball, run the installed binary. */

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const version = (await import("../../package.json", { with: { type: "json" } })).default.version;

describe("the packed package", () => {
  it("holds only what runs, installs, and works", { timeout: 180_000 }, async () => {
    const packDir = mkdtempSync(join(tmpdir(), "cio-pack-"));
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", packDir], { cwd: ROOT });
    const [packed] = JSON.parse(stdout);
    const files: string[] = packed.files.map((file: { path: string }) => file.path);
    expect(files).toContain("bin/cio-postmark.js");
    expect(files).toContain("bin/package.json");
    expect(files).toContain("dist/main.cjs");
    expect(files).toContain("README.md");
    for (const file of files) expect(file).toMatch(/^(bin\/|dist\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/);
    expect(files.some((file) => /test|\.ts$|config\.json|\.ci/.test(file) && !file.endsWith(".d.ts"))).toBe(false);

    const project = mkdtempSync(join(tmpdir(), "cio-install-"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
    await run("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", join(packDir, packed.filename)], { cwd: project });
    const binary = join(project, "node_modules", ".bin", "cio-postmark");

    const versionRun = await run(binary, ["--version"]);
    expect(versionRun.stdout.trim()).toBe(version);

    const setup = await run(binary, ["setup", "--sandbox", "--json", "--stream", "outbound", "--region", "us"], {
      env: {
        PATH: process.env.PATH,
        CIO_POSTMARK_CONFIG_DIR: join(project, "config"),
        POSTMARK_SERVER_TOKEN: SANDBOX_CREDENTIALS.serverToken,
        POSTMARK_SMTP_ACCESS_KEY: SANDBOX_CREDENTIALS.accessKey,
        POSTMARK_SMTP_SECRET_KEY: SANDBOX_CREDENTIALS.secretKey,
      },
    });
    expect(JSON.parse(setup.stdout)).toMatchObject({ ok: true, webhook: { action: "created" }, smtp: { verified: true } });
  });
});
