import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, runBinary as runBin } from "../helpers/run-binary.js";
import { startWorld, type World } from "../helpers/world.js";
import { runCli } from "../helpers/run-cli.js";

const version = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.close());

describe("the built binary", async () => {
  it("shows the commands, examples and the contract's env vars in --help", async () => {
    const help = (await runBin(["--help", "--all"])).stdout;
    for (const text of [
      "setup",
      "doctor",
      "status",
      "remove",
      "Examples:",
      "--json",
      "--no-input",
      "--no-color",
      "--config-dir",
      "--sandbox",
    ]) {
      expect(help).toContain(text);
    }
    for (const env of [
      "POSTMARK_ACCOUNT_TOKEN",
      "POSTMARK_SERVER_TOKEN",
      "POSTMARK_SMTP_ACCESS_KEY",
      "POSTMARK_SMTP_SECRET_KEY",
      "POSTMARK_API_URL",
      "CIO_POSTMARK_CONFIG_DIR",
    ]) {
      expect(help).toContain(env);
    }
    const setupHelp = await runBin(["setup", "--help", "--all"]);
    expect(setupHelp.status).toBe(0);
    for (const flag of [
      "--server",
      "--stream",
      "--region",
      "--smtp-access-key",
      "--smtp-secret-stdin",
      "--smtp-host",
      "--smtp-port",
      "--skip-smtp",
      "--no-store-secrets",
      "--dry-run",
      "--yes",
    ]) {
      expect(setupHelp.stdout).toContain(flag);
    }
  });

  it.each([[[]], [["setup"]], [["doctor"]], [["status"]], [["remove"]], [["apply"]], [["recipient"]]])(
    "%j --help from the binary is, byte for byte, the help commander prints (the build renders it from the program)",
    async (command) => {
      const fromBinary = await runBin([...command, "--help"]);
      const fromProgram = await runCli([...command, "--help"]);
      expect(fromBinary.status).toBe(0);
      expect(fromBinary.stdout).toBe(fromProgram.stdout);
      expect((await runBin([...command, "-h"])).stdout).toBe(fromProgram.stdout);
    },
  );

  it("prints the package version with --version and -V", async () => {
    expect((await runBin(["--version"])).stdout.trim()).toBe(version);
    expect((await runBin(["-V"])).stdout.trim()).toBe(version);
  });

  it("exits quietly when the reader of its output goes away (`--help | true`)", async () => {
    const { stdout, stderr } = await promisify(execFile)("bash", [
      "-c",
      `"${process.execPath}" "${BIN}" --help | true; echo "status=\${PIPESTATUS[0]}"`,
    ]);
    expect(stdout.trim()).toBe("status=0");
    expect(stderr).toBe("");
  });

  it("exits 2 on an unknown flag, naming it", async () => {
    const result = await runBin(["--bogus"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--bogus");
    const json = await runBin(["status", "--json", "--bogus"]);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: "usage" } });
  });

  it("refuses plain http:// to a non-loopback POSTMARK_API_URL with exit 2 and says why", async () => {
    const result = await runBin(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp"], {
      POSTMARK_API_URL: "http://api.example.com",
      POSTMARK_SERVER_TOKEN: "server-token-for-url-test-1234",
      CIO_POSTMARK_CONFIG_DIR: world.configDir,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unencrypted/);
    expect(result.stderr).not.toContain("server-token-for-url-test-1234");
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("accepts plain http:// to 127.0.0.1 (the simulator)", async () => {
    const result = await runBin(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp", "--dry-run", "--json"], {
      POSTMARK_API_URL: world.simulator.url,
      POSTMARK_SERVER_TOKEN: "srv-token-prod-1234567890-abcd",
      CIO_POSTMARK_CONFIG_DIR: world.configDir,
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, dryRun: true, server: { id: 2001 } });
  });
});

describe("an older Node than engines", () => {
  it("gets one plain line naming the version needed, and exit 1", async () => {
    const preload = join(mkdtempSync(join(tmpdir(), "cio-old-node-")), "old-node.cjs");
    writeFileSync(preload, 'Object.defineProperty(process.versions, "node", { value: "18.19.0" });\n');
    const run = await promisify(execFile)(process.execPath, ["--require", preload, BIN, "--version"]).catch((error) => error);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "cio-postmark needs Node.js 20 or newer; this is Node.js 18.19.0. Install a current one from https://nodejs.org.\n",
    );
  });
});
