import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BIN, runBinary } from "../helpers/run-binary.js";
import { finalLines, runInPty } from "../helpers/pty.js";

/**
 * Commands the tool prints run as printed: a person copies a fix line into a shell. Here a shell
 * runs three of them exactly as doctor printed them, with `cio-postmark` on PATH as npm would put it.
 */

const ENV = {
  POSTMARK_SERVER_TOKEN: "sandbox-server-token-acme-prod",
  POSTMARK_SMTP_ACCESS_KEY: "sandbox-access-key-0001",
  POSTMARK_SMTP_SECRET_KEY: "sandbox-secret-key-0001",
};

/** A folder with a `cio-postmark` command in it, as `npm install -g` or npx would provide. */
function binOnPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "cio-bin-"));
  const shim = join(dir, "cio-postmark");
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(shim, 0o755);
  return dir;
}

/** The config folder has a space and a quote in its name: the printed command must quote it. */
function configDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "cio-printed-")), "my config's folder");
  mkdirSync(dir);
  return dir;
}

const accountFile = (dir: string) => join(dir, "sandbox", "postmark-account.json");
function editAccount(dir: string, change: (account: { webhooks: Array<Record<string, any>>; nextWebhookId: number }) => void) {
  const account = JSON.parse(readFileSync(accountFile(dir), "utf8"));
  change(account);
  writeFileSync(accountFile(dir), JSON.stringify(account));
}

/** The fix line doctor printed for a check: `fix: <command>`. */
function fixFor(stdout: string, check: string): string {
  const lines = stdout.split("\n");
  const at = lines.findIndex((line) => line.includes(` ${check}: `));
  expect(at, stdout).toBeGreaterThanOrEqual(0);
  const fix = lines.slice(at + 1).find((line) => line.trim().startsWith("fix:"));
  return fix!.trim().slice("fix:".length).trim();
}

function runInShell(command: string, path: string, cwd?: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync("/bin/sh", ["-c", command], {
    env: { PATH: `${path}:${process.env.PATH}`, HOME: process.env.HOME, ...env },
    encoding: "utf8",
    cwd,
  });
}

const CLONE = new URL("../..", import.meta.url).pathname;

describe("printed commands", () => {
  it("three fix commands printed by doctor run as printed, carrying --sandbox and a quoted --config-dir", async () => {
    const dir = configDir();
    const path = binOnPath();
    expect(
      (await runBinary(["setup", "--sandbox", "--config-dir", dir, "--no-input", "--stream", "outbound", "--region", "us"], ENV)).status,
    ).toBe(0);
    const doctor = () => runBinary(["doctor", "--sandbox", "--config-dir", dir]);

    // 1. Drift: Open turned on.
    editAccount(dir, (account) => (account.webhooks[0]!.Triggers.Open.Enabled = true));
    const drifted = await doctor();
    expect(drifted.status).toBe(1);
    const first = fixFor(drifted.stdout, "webhook-triggers");
    expect(first).toBe(`cio-postmark doctor --fix --server 1001 --stream outbound --sandbox --config-dir '${dir.replace("'", "'\\''")}'`);
    expect(runInShell(first, path).status).toBe(0);

    // 2. A duplicate webhook: the fix says --yes.
    editAccount(dir, (account) => account.webhooks.push({ ...structuredClone(account.webhooks[0]), ID: account.nextWebhookId++ }));
    const duplicated = await doctor();
    expect(duplicated.status).toBe(1);
    const second = fixFor(duplicated.stdout, "webhook-duplicates");
    expect(second).toContain("cio-postmark doctor --fix --yes --server 1001 --stream outbound --sandbox --config-dir '");
    expect(runInShell(second, path).status).toBe(0);

    // 3. The webhook deleted in Postmark.
    editAccount(dir, (account) => (account.webhooks = []));
    const missing = await doctor();
    expect(missing.status).toBe(1);
    const third = fixFor(missing.stdout, "webhook-exists");
    expect(runInShell(third, path).status).toBe(0);

    const healthy = await doctor();
    expect(healthy.status, healthy.stdout).toBe(0);
  }, 60_000);

  it("from a clone, where no `cio-postmark` is on PATH, start with node and the bin's path, and run as printed there", async () => {
    const dir = configDir();
    const fromClone = (args: string[]) => runBinary(args, { ...ENV, PATH: process.env.PATH }, undefined, { cwd: CLONE });
    expect(
      (await fromClone(["setup", "--sandbox", "--config-dir", dir, "--no-input", "--stream", "outbound", "--region", "us"])).status,
    ).toBe(0);
    editAccount(dir, (account) => (account.webhooks[0]!.Triggers.Open.Enabled = true));
    const drifted = await fromClone(["doctor", "--sandbox", "--config-dir", dir]);
    const fix = fixFor(drifted.stdout, "webhook-triggers");
    expect(fix).toMatch(/^node bin\/cio-postmark\.js doctor --fix --server 1001 --stream outbound --sandbox --config-dir '/);
    expect(runInShell(fix, "/nonexistent", CLONE).status).toBe(0);
    // From another folder the same command names the bin by its whole path.
    editAccount(dir, (account) => (account.webhooks[0]!.Triggers.Open.Enabled = true));
    const away = mkdtempSync(join(tmpdir(), "cio-elsewhere-")); // a folder the clone is not inside
    const elsewhere = await runBinary(["doctor", "--sandbox", "--config-dir", dir], { PATH: process.env.PATH }, undefined, { cwd: away });
    const whole = fixFor(elsewhere.stdout, "webhook-triggers");
    expect(whole.startsWith(`node ${BIN} doctor --fix --server 1001 --stream outbound --sandbox`)).toBe(true);
    expect(runInShell(whole, "/nonexistent", away).status).toBe(0);
  }, 60_000);

  it.each([40, 50, 80])(
    "at %i columns every command doctor prints ends its line, whole, and runs as printed",
    async (cols) => {
      const dir = configDir();
      const path = binOnPath();
      const setup = ["setup", "--sandbox", "--config-dir", dir, "--no-input", "--stream", "outbound", "--region", "us"];
      expect((await runBinary(setup, ENV)).status).toBe(0);
      editAccount(dir, (account) => {
        account.webhooks[0]!.Triggers.Open.Enabled = true;
        account.webhooks.push({ ...structuredClone(account.webhooks[0]), ID: account.nextWebhookId++ });
      });
      const screens: string[] = [];
      for (const round of ["drifted", "repaired"]) {
        const run = runInPty(["doctor", "--sandbox", "--config-dir", dir], { cols, env: { PATH: `${path}:${process.env.PATH}` } });
        await run.exited;
        const screen = finalLines(run.screen()).join("\n");
        screens.push(screen);
        const commands = [...screen.matchAll(/(?:^|\s)((?:npx cio-postmark|cio-postmark|node \S*cio-postmark\.js) [a-z].*)$/gm)].map(
          (m) => m[1]!,
        );
        expect(commands.length, screen).toBeGreaterThan(0);
        for (const command of commands) {
          // What the words before a command ask for (a variable set, a placeholder filled in), done as a person would.
          const filled = command.replace("ADDRESS", "alerts@acme.example");
          const ran = runInShell(filled, path, undefined, { CUSTOMERIO_APP_API_KEY: "sandbox-customerio-app-api-key-0001" });
          expect([0, 1], `${round}: ${command}\n${ran.stderr}`).toContain(ran.status);
        }
      }
      // Nothing a command carries is left on the next line (a flag or a bracket broken off).
      for (const screen of screens) expect(screen).not.toMatch(/\n\s+(--[a-z]|\S*\)$)/);
    },
    120_000,
  );

  it("start with `npx cio-postmark` when the tool was started through npx", async () => {
    const dir = configDir();
    expect(
      (await runBinary(["setup", "--sandbox", "--config-dir", dir, "--no-input", "--stream", "outbound", "--region", "us"], ENV)).status,
    ).toBe(0);
    editAccount(dir, (account) => (account.webhooks = []));
    const run = await runBinary(["doctor", "--sandbox", "--config-dir", dir], { npm_command: "exec" });
    expect(fixFor(run.stdout, "webhook-exists")).toMatch(
      /^npx cio-postmark doctor --fix --server 1001 --stream outbound --sandbox --config-dir '/,
    );
  }, 30_000);
});
