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

function startSetup() {
  const child = spawn(process.execPath, [BIN, "setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp"], {
    env: { PATH: process.env.PATH, POSTMARK_API_URL: world.simulator.url, CIO_POSTMARK_CONFIG_DIR: world.configDir, POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, exited, stderr: () => stderr };
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
  ] as const)("%s while the webhook is being created: finishes the change and its save, releases the lock, exits %i", async (signal, code) => {
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
  });

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
});
