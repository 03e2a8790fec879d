import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEYS, runInPty } from "../helpers/pty.js";
import { BIN } from "../helpers/run-binary.js";
import { ACCOUNT_TOKEN, DEFAULT_SPEC, startWorld, type World } from "../helpers/world.js";

/** Terminals we have never seen: no size at all, signals at a prompt, names that try to drive the screen. */

const freshDir = () => mkdtempSync(join(tmpdir(), "cio-term-"));
const sandboxEnv = {
  POSTMARK_SERVER_TOKEN: "sandbox-server-token-acme-prod",
  POSTMARK_SMTP_ACCESS_KEY: "sandbox-access-key-0001",
  POSTMARK_SMTP_SECRET_KEY: "sandbox-secret-key-0001",
};

let world: World;
beforeAll(async () => {
  world = await startWorld({
    ...DEFAULT_SPEC,
    servers: [...DEFAULT_SPEC.servers, { id: 2009, name: "Evil\u001b]0;pwned\u0007\u001b[2J\u202eName" }],
  });
});
afterAll(() => world.close());

describe("terminals", () => {
  it("a terminal that reports 0 columns and 0 rows: spinners still end and the run completes", async () => {
    // `script` with no terminal above it makes a pseudo-terminal of size 0x0 (node-pty would round it up to 80x24).
    const dir = freshDir();
    const command = [
      process.execPath,
      BIN,
      "setup",
      "--sandbox",
      "--config-dir",
      dir,
      "--no-input",
      "--stream",
      "outbound",
      "--region",
      "us",
    ]
      .map((arg) => `'${arg}'`)
      .join(" ");
    const child = spawn(
      "script",
      [
        "-qfec",
        `node -e "process.stderr.write('size ' + process.stderr.columns + 'x' + process.stderr.rows + '\\n')"; ${command}`,
        "/dev/null",
      ],
      {
        env: { PATH: process.env.PATH, TERM: "xterm-256color", HOME: dir, ...sandboxEnv },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true, // its own process group, so a hung run can be stopped whole
      },
    );
    let screen = "";
    child.stdout.on("data", (chunk) => (screen += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const outcome = await Promise.race([exited, new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 20_000))]);
    if (outcome === "hung") process.kill(-child.pid!, "SIGKILL");
    expect(screen).toContain("size 0x0");
    expect(outcome).toBe(0);
    expect(screen).toContain("Now in Customer.io");
    expect(existsSync(join(dir, "sandbox", "config.lock"))).toBe(false);
  });

  it("SIGTERM at a prompt exits 143 and shows the cursor again", async () => {
    const run = runInPty(["--sandbox", "--config-dir", freshDir()]);
    // The list prompt is drawn, and hides the cursor (in a later write, so wait for that too: under load it lags).
    await run.waitFor((screen) => screen.includes("Which Postmark token will you use?") && run.raw().includes("\u001b[?25l"));
    run.kill("SIGTERM");
    expect((await run.exited).exitCode).toBe(143);
    const raw = run.raw();
    expect(raw.lastIndexOf("\u001b[?25h")).toBeGreaterThan(raw.lastIndexOf("\u001b[?25l"));
  });

  it("an invalid flag is reported before the first prompt", async () => {
    const run = runInPty(["setup", "--sandbox", "--config-dir", freshDir(), "--smtp-port", "70000"]);
    expect((await run.exited).exitCode).toBe(2);
    expect(run.screen()).toContain("--smtp-port must be a port number from 1 to 65535");
    expect(run.screen()).not.toContain("?");
  });

  it("server names in the select prompt are shown escaped, never obeyed", async () => {
    const run = runInPty(["setup", "--skip-smtp"], {
      env: { POSTMARK_API_URL: world.simulator.url, CIO_POSTMARK_CONFIG_DIR: freshDir(), POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
    });
    await run.waitFor("? Server:");
    for (let i = 0; i < 3; i++) run.write(KEYS.down); // move onto the hostile name so it is drawn highlighted too
    await run.waitFor(/Evil\\x1b\]0;pwned\\x07\\x1b\[2J\\u202eName/);
    run.write(KEYS.ctrlC);
    expect((await run.exited).exitCode).toBe(130);
    expect(run.raw()).not.toContain("\u001b]0;pwned");
    expect(run.raw()).not.toContain("\u001b[2J");
    expect(run.raw()).not.toContain("\u202e");
  });
});
