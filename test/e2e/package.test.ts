import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { installCold, pack } from "../../scripts/package-footprint.js";
import { SANDBOX_CREDENTIALS } from "../../src/sandbox/credentials.js";

/**
 * What `npx` installs must be exactly what we test: pack, install the tarball into an empty folder
 * with an empty npm cache (so every package is fetched, as on a marketer's first run), run the binary.
 */

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const version = (await import("../../package.json", { with: { type: "json" } })).default.version;
const MB = 1_000_000;
/** Every package the tool runs, bundled into dist/ (and so into the notices). */
const BUNDLED = [
  "postmark",
  "nodemailer",
  "@inquirer/select",
  "@inquirer/search",
  "@inquirer/input",
  "@inquirer/password",
  "@inquirer/confirm",
  "conf",
  "ora",
  "smtp-server",
  "open",
  "commander",
  "chalk",
  "env-paths",
  "string-width",
];

describe("the packed package", () => {
  it("holds only what runs, installs light and without install scripts, and works", { timeout: 300_000 }, async () => {
    const { tarball, files } = await pack(ROOT, { built: true }); // `npm test` built dist/ from this very source
    expect(files).toContain("bin/cio-postmark.js");
    expect(files).toContain("bin/package.json");
    expect(files).toContain("dist/main.cjs");
    expect(files).toContain("README.md");
    // The connections file's schema, where the README's "$schema" points: ./node_modules/cio-postmark/schema/connections.json.
    expect(files).toContain("schema/connections.json");
    for (const file of files)
      expect(file).toMatch(/^(bin\/|dist\/|schema\/connections\.json$|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/);
    expect(files.some((file) => /test|\.ts$|config\.json|\.ci/.test(file) && !file.endsWith(".d.ts"))).toBe(false);

    const installed = await installCold(tarball);
    const modules = join(installed.project, "node_modules");
    // One package, everything it runs bundled in it: at most 2.5 MB, as `du --apparent-size` counts.
    expect(installed.packages).toEqual([`cio-postmark@${version}`]);
    expect(installed.apparentBytes).toBeLessThanOrEqual(2.5 * MB);
    // No script runs on install, so npm has nothing to warn about.
    expect(installed.npmOutput).not.toMatch(/install-scripts|prepare|postinstall/);
    const manifest = JSON.parse(readFileSync(join(modules, "cio-postmark", "package.json"), "utf8")) as {
      scripts: Record<string, string>;
      dependencies?: Record<string, string>;
    };
    for (const script of ["preinstall", "install", "postinstall", "prepare"]) expect(manifest.scripts[script]).toBeUndefined();
    expect(manifest.dependencies ?? {}).toEqual({});
    const schema = JSON.parse(readFileSync(join(modules, "cio-postmark", "schema", "connections.json"), "utf8"));
    expect(schema.required).toEqual(["connections"]);
    // Each bundled package's licence ships with it, by name and version.
    expect(files).toContain("dist/THIRD_PARTY_NOTICES.md");
    const notices = readFileSync(join(modules, "cio-postmark", "dist", "THIRD_PARTY_NOTICES.md"), "utf8");
    for (const name of BUNDLED) expect(notices).toMatch(new RegExp(`^## ${name.replace("/", "\\/")} \\d+\\.\\d+\\.\\d+`, "m"));
    // What a bundled package reads from its own folder at run time ships beside it (open's xdg-open).
    expect(files).toContain("dist/vendor/xdg-open");

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
    // The whole sandbox runs as installed: Customer.io's simulator, Postmark's and the SMTP server, end to end.
    const proof = await run(installed.binary, ["doctor", "--sandbox", "--json", "--end-to-end", "--from", "alerts@acme.example"], {
      env: {
        PATH: process.env.PATH,
        CIO_POSTMARK_CONFIG_DIR: join(installed.project, "config"),
        CUSTOMERIO_APP_API_KEY: SANDBOX_CREDENTIALS.customerioKey,
      },
    }).catch((error: { stdout: string }) => error);
    const endToEnd = JSON.parse(proof.stdout).connections[0].checks.find((check: { id: string }) => check.id === "end-to-end");
    expect(endToEnd).toMatchObject({ status: "pass", stage: "matched" });

    // Through npx, in the project it is installed in: the fix doctor prints starts with npx and runs as printed there.
    const config = join(installed.project, "config");
    const account = join(config, "sandbox", "postmark-account.json");
    writeFileSync(account, JSON.stringify({ ...JSON.parse(readFileSync(account, "utf8")), webhooks: [] }));
    const npxEnv = { PATH: process.env.PATH, HOME: installed.project, CIO_POSTMARK_CONFIG_DIR: config };
    const broken = await run("npx", ["cio-postmark", "doctor", "--sandbox"], { cwd: installed.project, env: npxEnv }).catch(
      (error: { stdout: string }) => error,
    );
    const fix = /fix: (npx cio-postmark doctor --fix [^\n]*)/.exec(broken.stdout)?.[1];
    expect(fix).toBe("npx cio-postmark doctor --fix --server 1001 --stream outbound --sandbox");
    await run("/bin/sh", ["-c", fix!], { cwd: installed.project, env: npxEnv });
    const healthy = await run("npx", ["cio-postmark", "doctor", "--sandbox"], { cwd: installed.project, env: npxEnv });
    expect(healthy.stdout).toMatch(/No problems found/);
  });
});

describe("start-up", () => {
  it("--help and --version load none of the bundled packages and not the commands: only dist/main.cjs is read", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const record = join(mkdtempSync(join(tmpdir(), "cio-loads-")), "loaded.json");
    const preload = join(ROOT, "test", "helpers", "record-loads.cjs");
    for (const argv of [["--help"], ["--version"], ["setup", "--help"], ["doctor", "--help"]]) {
      await run(process.execPath, ["--require", preload, join(ROOT, "bin", "cio-postmark.js"), ...argv], {
        env: { PATH: process.env.PATH, LOADS_FILE: record },
      });
      const loaded = JSON.parse(readFileSync(record, "utf8")) as string[];
      expect(loaded.some((file) => file.endsWith("main.cjs"))).toBe(true);
      expect(loaded.filter((file) => file.includes(`${join("dist", "vendor")}`))).toEqual([]);
      // Nor the tool's own commands: main.cjs answers from the help the build rendered.
      expect(loaded.filter((file) => file.endsWith("app.cjs"))).toEqual([]);
    }
    // The recorder sees app.cjs when a command does load it.
    const configDir = mkdtempSync(join(tmpdir(), "cio-loads-config-"));
    await run(
      process.execPath,
      ["--require", preload, join(ROOT, "bin", "cio-postmark.js"), "status", "--json", "--config-dir", configDir],
      {
        env: { PATH: process.env.PATH, LOADS_FILE: record },
      },
    );
    expect((JSON.parse(readFileSync(record, "utf8")) as string[]).some((file) => file.endsWith(join("dist", "app.cjs")))).toBe(true);
  });
});
