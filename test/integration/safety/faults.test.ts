import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { regionOfUrl } from "../../../src/core/regions.js";
import type { Fault } from "../../../src/sandbox/faults.js";
import { ACCOUNT_TOKEN, SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";

/**
 * For each request setup makes, in turn, and each fault, the run either succeeds
 * with exactly one Customer.io webhook or fails with a clear message; the saved config is valid
 * either way and there is never a second webhook.
 */

const FAULTS: Record<string, Fault> = {
  "429": { kind: "status", status: 429 },
  "500": { kind: "status", status: 500 },
  "502": { kind: "status", status: 502 },
  "503": { kind: "status", status: 503 },
  "504": { kind: "status", status: 504 },
  "dropped connection": { kind: "drop" },
  "hang past the timeout": { kind: "hang" },
  "lost response": { kind: "lose-response" },
};

const VARIANTS = {
  "account token": { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, args: ["--server", "Production"] },
  "server token": { env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, args: [] as string[] },
};

const ARGS = ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json"];

/** A hang costs one timeout per try: keep it short so the matrix stays quick (the loopback answers in milliseconds). */
const HTTP_TIMEOUT_MS = 250;

const runSetup = (world: World, args: string[], env: NodeJS.ProcessEnv) =>
  world.run([...ARGS, ...args], { env, overrides: { ...world.overrides, httpTimeoutMs: HTTP_TIMEOUT_MS } });

async function requestsOfCleanRun(variant: keyof typeof VARIANTS): Promise<Array<{ method: string; path: string }>> {
  const world = await startWorld();
  try {
    const run = await world.run([...ARGS, ...VARIANTS[variant].args], { env: VARIANTS[variant].env });
    expect(run.code).toBe(0);
    return world.simulator.requests.map(({ method, path }) => ({ method, path }));
  } finally {
    await world.close();
  }
}

let cases = 0;
let succeeded = 0;

describe.each(Object.keys(VARIANTS) as Array<keyof typeof VARIANTS>)("faults on each request of a scripted setup (%s)", async (variant) => {
  const requests = await requestsOfCleanRun(variant);

  it("makes the requests we expect, once each", () => {
    // The reads, the create, then the stream's webhooks read back (racing runs converge) beside the new one's statistics.
    const [create, ...after] = requests.slice(-3).map((request) => `${request.method} ${request.path.replace(/\d+/, "ID")}`);
    expect(create).toBe("POST /webhooks");
    expect(after.sort()).toEqual(["GET /webhooks", "GET /webhooks/ID/statistics"]);
    expect(requests.map((request) => request.method).sort()).toEqual(["GET", "GET", "GET", "GET", "GET", "POST"]);
  });

  for (const [index, request] of requests.entries()) {
    // The same request may be made twice (GET /webhooks before and after the create): fault the one at this place.
    const occurrence = requests
      .slice(0, index + 1)
      .filter((other) => other.method === request.method && other.path === request.path).length;
    for (const [faultName, fault] of Object.entries(FAULTS)) {
      it(`request ${index + 1} (${request.method} ${request.path}), ${faultName}`, async () => {
        const world = await startWorld();
        try {
          let seen = 0;
          world.simulator.injectFault({
            fault,
            times: 1,
            match: (candidate) => candidate.method === request.method && candidate.path === request.path && ++seen === occurrence,
          });
          const run = await runSetup(world, VARIANTS[variant].args, VARIANTS[variant].env);
          cases += 1;
          const hooks = world.simulator.webhooksOf(2001, "outbound").filter((hook) => regionOfUrl(hook.Url));
          const configPath = join(world.configDir, "config.json");
          const config = existsSync(configPath) ? JSON.parse(readFileSync(configPath, "utf8")) : undefined;
          // One outcome per case: a fault that happens once always recovers, with exactly one webhook.
          expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
          expect(run.code).toBe(0);
          expect(hooks).toHaveLength(1);
          expect(run.json().webhook.id).toBe(hooks[0]!.ID);
          expect(config.connections["2001:outbound"].webhookId).toBe(hooks[0]!.ID);
          succeeded += 1;
        } finally {
          await world.close();
        }
      });
    }
  }
});

describe("fault tally", () => {
  it("ran every (request, fault) case", () => {
    // 2 variants x 5 requests x 8 faults; printed for the closing note.
    console.log(`fault-injection cases run: ${cases} (${succeeded} recovered)`);
    expect(cases).toBe(96);
  });
});

describe("a fault that does not pass", () => {
  it.each(Object.entries(FAULTS))("%s on every request: exit 1 with a clear message, nothing saved or created", async (_name, fault) => {
    const world = await startWorld();
    try {
      world.simulator.injectFault({ fault });
      const run = await runSetup(world, [], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN });
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
      expect(run.json().error.message).toMatch(/Postmark/);
      expect(existsSync(join(world.configDir, "config.json"))).toBe(false);
      expect(world.simulator.state.webhooks).toEqual([]);
    } finally {
      await world.close();
    }
  });
});
