import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { regionOfUrl } from "../../src/core/regions.js";
import { runBinary } from "../helpers/run-binary.js";
import { SERVER_TOKEN, startWorld } from "../helpers/world.js";

const ROOT = new URL("../..", import.meta.url).pathname;

/** The config store alone, bundled for a child process that saves in a loop until it is killed. */
async function bundleStore(dir: string): Promise<string> {
  const { build } = await import("esbuild");
  const outfile = join(dir, "config-store.mjs");
  await build({
    entryPoints: [join(ROOT, "src/store/config-store.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    packages: "external",
    absWorkingDir: ROOT,
    logLevel: "warning",
  });
  return outfile;
}

describe("two runs at once", () => {
  it("two setups started together on one stream end with one Customer.io webhook and a valid config", async () => {
    const world = await startWorld();
    try {
      world.simulator.latencyMs = 100; // long enough for the two runs to overlap
      const env = { POSTMARK_API_URL: world.simulator.url, CIO_POSTMARK_CONFIG_DIR: world.configDir, POSTMARK_SERVER_TOKEN: SERVER_TOKEN };
      const args = ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json"];
      const [first, second] = await Promise.all([runBinary(args, env), runBinary(args, env)]);
      expect([first.status, second.status]).toEqual([0, 0]);
      const actions = [JSON.parse(first.stdout).webhook.action, JSON.parse(second.stdout).webhook.action].sort();
      expect(actions).toEqual(["created", "unchanged"]);
      expect(world.simulator.webhooksOf(2001, "outbound").filter((hook) => regionOfUrl(hook.Url))).toHaveLength(1);
      const config = JSON.parse(readFileSync(join(world.configDir, "config.json"), "utf8"));
      expect(Object.keys(config.connections)).toEqual(["2001:outbound"]);
      expect(existsSync(join(world.configDir, "config.lock"))).toBe(false);
    } finally {
      await world.close();
    }
  });
});

describe("a process killed while saving", () => {
  it("never leaves a config that fails to parse (60 kills at random points)", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-kill-"));
    // Beside node_modules, so that the bundle's `import "conf"` resolves.
    const bundleDir = mkdtempSync(join(ROOT, "node_modules", ".cio-kill-"));
    onTestFinished(() => rmSync(bundleDir, { recursive: true, force: true }));
    const store = await bundleStore(bundleDir);
    // Saves again and again, each save a different size, until killed.
    const saver = `
      const { ConfigStore } = await import(${JSON.stringify(store)});
      const store = new ConfigStore(${JSON.stringify(dir)});
      for (let i = 0; ; i++) {
        await store.save({
          serverId: i % 7, serverName: "S".repeat(i % 5000), streamId: "outbound", streamName: "o", streamType: "Transactional",
          region: "us", webhookId: i, webhookUrl: "https://track.customer.io/postmark/events",
          smtp: null, verifiedAt: null, updatedAt: new Date().toISOString(),
        });
        if (i === 0) process.stdout.write("saving\\n");
      }`;
    const seen = new Set<number>();
    for (let attempt = 0; attempt < 60; attempt++) {
      const child = spawn(process.execPath, ["--input-type=module", "-e", saver], { stdio: ["ignore", "pipe", "inherit"] });
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("close", resolve));
      expect(child.signalCode).toBe("SIGKILL"); // it was still saving when killed, not finished
      const text = readFileSync(join(dir, "config.json"), "utf8");
      expect(() => JSON.parse(text)).not.toThrow();
      const saved = JSON.parse(text);
      expect(saved.schemaVersion).toBe(1);
      for (const connection of Object.values(saved.connections) as Array<{ webhookId: number }>) seen.add(connection.webhookId);
    }
    // The kills landed at many different points of the loop, not all at one.
    console.log(`kills while saving: 60, saves seen: ${seen.size}`);
    expect(seen.size).toBeGreaterThan(20);
  });
});

describe("two runs at once with different config folders (two CI jobs)", () => {
  it("converge on one Customer.io webhook, the lowest ID, each time of ten", async () => {
    const world = await startWorld();
    try {
      world.simulator.latencyMs = 60; // both read an empty stream before either creates
      const args = ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json"];
      const envFor = () => ({
        POSTMARK_API_URL: world.simulator.url,
        CIO_POSTMARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), "cio-race-")),
        POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
      });
      let raced = 0;
      for (let round = 0; round < 10; round++) {
        world.simulator.state.webhooks = [];
        const [first, second] = await Promise.all([runBinary(args, envFor()), runBinary(args, envFor())]);
        expect([first.status, second.status], first.stderr + second.stderr).toEqual([0, 0]);
        const hooks = world.simulator.webhooksOf(2001, "outbound").filter((hook) => regionOfUrl(hook.Url));
        expect(hooks).toHaveLength(1);
        const documents = [JSON.parse(first.stdout), JSON.parse(second.stdout)];
        // Both saved the one that stands.
        expect(documents.map((document) => document.webhook.id)).toEqual([hooks[0]!.ID, hooks[0]!.ID]);
        const said = documents
          .flatMap((document) => document.warnings as string[])
          .filter((warning) => warning.startsWith("Another run created webhook"));
        if (said.length > 0) {
          raced += 1;
          expect(said.some((warning) => warning.includes(`; kept ${hooks[0]!.ID}`))).toBe(true);
        }
      }
      // The latency makes the runs overlap: most rounds really raced.
      expect(raced).toBeGreaterThan(0);
    } finally {
      await world.close();
    }
  }, 60_000);
});
