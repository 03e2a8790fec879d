import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN } from "../helpers/run-binary.js";
import { SERVER_TOKEN, startWorld, type World } from "../helpers/world.js";

/** Ctrl-C (SIGINT) while setup waits on Postmark: exit 130, and nothing half-done. */

let world: World;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(() => world.close());

function startSetup(extra: string[] = []) {
  const child = spawn(process.execPath, [BIN, "setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp", ...extra], {
    env: {
      PATH: process.env.PATH,
      POSTMARK_API_URL: world.simulator.url,
      CIO_POSTMARK_CONFIG_DIR: world.configDir,
      POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
    },
  });
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  child.stdout.on("data", (chunk) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}

async function until(condition: () => boolean) {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("signals during setup", () => {
  it("while reading: exits 130 at once; nothing saved, nothing created", async () => {
    world.simulator.latencyMs = 2_000;
    const run = startSetup();
    await until(() => world.simulator.requests.length > 0);
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    expect(run.stderr()).not.toMatch(/\n\s+at /);
    expect(existsSync(join(world.configDir, "config.json"))).toBe(false);
    expect(world.simulator.state.webhooks).toEqual([]);
  });

  // 128 + the signal's number, as shells report it; the lock is let go and nothing is left half-done.
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)(
    "%s while the webhook is being created: finishes the change and its save, releases the lock, exits %i",
    async (signal, code) => {
      world.simulator.injectFault({ fault: { kind: "latency", ms: 1_000 }, match: (request) => request.method === "POST" });
      const run = startSetup();
      await until(() => world.simulator.requests.some((request) => request.method === "POST"));
      run.child.kill(signal);
      expect(await run.exited).toBe(code);
      const [hook] = world.simulator.webhooksOf(2001, "outbound");
      expect(hook).toBeDefined();
      const saved = JSON.parse(readFileSync(join(world.configDir, "config.json"), "utf8"));
      expect(saved.connections["2001:outbound"].webhookId).toBe(hook!.ID);
      expect(existsSync(join(world.configDir, "config.lock"))).toBe(false);
    },
  );

  it.each([
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("%s while reading: exits %i at once; nothing saved, no lock left", async (signal, code) => {
    world.simulator.latencyMs = 2_000;
    const run = startSetup();
    await until(() => world.simulator.requests.length > 0);
    run.child.kill(signal);
    expect(await run.exited).toBe(code);
    expect(existsSync(join(world.configDir, "config.json"))).toBe(false);
    expect(existsSync(join(world.configDir, "config.lock"))).toBe(false);
  });

  it.each([
    ["SIGTERM", 143],
    ["SIGHUP", 129],
    ["SIGINT", 130],
  ] as const)(
    "%s during the change with --json still prints the one document of what was done, marked, then exits %i",
    async (signal, code) => {
      world.simulator.injectFault({ fault: { kind: "latency", ms: 1_000 }, match: (request) => request.method === "POST" });
      const run = startSetup(["--json"]);
      await until(() => world.simulator.requests.some((request) => request.method === "POST"));
      run.child.kill(signal);
      expect(await run.exited).toBe(code);
      const document = JSON.parse(run.stdout());
      const [hook] = world.simulator.webhooksOf(2001, "outbound");
      expect(document).toMatchObject({ ok: true, interrupted: signal, webhook: { id: hook!.ID, action: "created" } });
    },
  );

  it("SIGTERM during the change in a human run prints the summary and one closing line saying what was done", async () => {
    world.simulator.injectFault({ fault: { kind: "latency", ms: 1_000 }, match: (request) => request.method === "POST" });
    const run = startSetup();
    await until(() => world.simulator.requests.some((request) => request.method === "POST"));
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(143);
    expect(run.stdout()).toContain("Created webhook");
    expect(run.stderr()).toMatch(/Stopped: Production \/ outbound connected and saved\. Nothing else was changed\.\n$/);
  });

  it("SIGTERM while remove deletes, and while doctor --fix repairs, with --json: the document of what was done, marked", async () => {
    const env = { PATH: process.env.PATH, POSTMARK_API_URL: world.simulator.url, CIO_POSTMARK_CONFIG_DIR: world.configDir };
    const start = (args: string[]) => {
      const child = spawn(process.execPath, [BIN, ...args, "--json"], { env: { ...env, POSTMARK_SERVER_TOKEN: SERVER_TOKEN } });
      let stdout = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      return { child, exited: new Promise<number | null>((resolve) => child.on("close", resolve)), stdout: () => stdout };
    };
    const setup = startSetup();
    expect(await setup.exited).toBe(0);
    const [hook] = world.simulator.webhooksOf(2001, "outbound");

    world.simulator.state.webhooks[0]!.Triggers.Open.Enabled = true;
    world.simulator.injectFault({ fault: { kind: "latency", ms: 1_000 }, match: (request) => request.method === "PUT" });
    const fix = start(["doctor", "--fix", "--yes"]);
    await until(() => world.simulator.requests.some((request) => request.method === "PUT"));
    fix.child.kill("SIGTERM");
    expect(await fix.exited).toBe(143);
    expect(JSON.parse(fix.stdout())).toMatchObject({
      interrupted: "SIGTERM",
      connections: [{ server: { id: 2001 }, stream: { id: "outbound" } }],
    });
    expect(world.simulator.webhooksOf(2001, "outbound")[0]!.Triggers.Open.Enabled).toBe(false);

    world.simulator.injectFault({ fault: { kind: "latency", ms: 1_000 }, match: (request) => request.method === "DELETE" });
    const remove = start(["remove", "--server", "2001", "--stream", "outbound", "--yes"]);
    await until(() => world.simulator.requests.some((request) => request.method === "DELETE"));
    remove.child.kill("SIGTERM");
    expect(await remove.exited).toBe(143);
    expect(JSON.parse(remove.stdout())).toMatchObject({ interrupted: "SIGTERM", ok: true, removedWebhooks: [hook!.ID] });
  });
});
