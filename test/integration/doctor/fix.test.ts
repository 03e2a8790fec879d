import { chmodSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EU_URL, TRANSACTIONAL_TRIGGERS, US_URL } from "../../helpers/expected.js";
import { addWebhook, patchTriggers } from "../../helpers/drift.js";
import { runInTerminal, type TypedAnswer } from "../../helpers/run-cli.js";
import { SERVER_TOKEN, startWorldWithOutbound, type World } from "../../helpers/world.js";

const PROD = 2001;

let world: World;
const doctor = (...args: string[]) => world.run(["doctor", "--no-input", ...args], { env: { POSTMARK_SMTP_SECRET_KEY: undefined } });
const state = () => world.simulator.state;

beforeEach(async () => {
  world = await startWorldWithOutbound();
});
afterEach(() => world.close());

describe("doctor --fix", () => {
  it("a connection removed while --fix was checking it stays removed: nothing is created or saved back", async () => {
    patchTriggers(world, PROD, { Open: { Enabled: true, PostFirstOpenOnly: false } });
    const slowWebhooks = (request: { method: string; path: string }) => request.method === "GET" && request.path.startsWith("/webhooks");
    world.simulator.injectFault({ match: slowWebhooks, fault: { kind: "latency", ms: 400 } });
    const fixing = doctor("--fix", "--yes");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const removed = await world.run(["remove", "--no-input", "--yes", "--server", String(PROD), "--stream", "outbound"]);
    expect(removed.code).toBe(0);
    const fixed = await fixing;
    expect(fixed.stdout + fixed.stderr).not.toContain("Repair plan");
    expect(world.simulator.webhooksOf(PROD, "outbound")).toEqual([]);
    expect(JSON.parse(readFileSync(join(world.configDir, "config.json"), "utf8")).connections).toEqual({});
  });

  it("--fix on a healthy connection plans nothing, changes nothing, and checks once", async () => {
    const writes = world.simulator.writes.length;
    const run = await doctor("--fix");
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain("Repair plan");
    expect(run.stderr.match(/Checking 1 connection/g)).toHaveLength(1);
    expect(world.simulator.writes).toHaveLength(writes);
  });

  it("--fix when Postmark keeps Open on after the repair names the stream's Webhooks page", async () => {
    patchTriggers(world, PROD, { Open: { Enabled: true, PostFirstOpenOnly: false } });
    const [hook] = world.simulator.webhooksOf(PROD, "outbound");
    world.simulator.injectFault({
      match: (request) => request.method === "PUT",
      fault: { kind: "answer", status: 200, body: JSON.stringify(hook) },
    });
    const run = await doctor("--fix", "--json");
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({
      code: "webhook_open_click_on",
      hint:
        "Turn Open off for that webhook on the stream's Webhooks page " +
        "(https://account.postmarkapp.com/servers/2001/streams/outbound/webhooks), then run this again.",
    });
  });

  it("--fix sets a loosened config file back to 0600", async () => {
    const path = join(world.configDir, "config.json");
    chmodSync(path, 0o644);
    const run = await doctor("--fix");
    expect(run.code).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(run.stdout + run.stderr).toContain(`Set ${path} to mode 0600, in a folder of mode 0700.`);
  });

  it("--fix shows the plan for each connection it repairs, and leaves the config's modes alone when they were right", async () => {
    patchTriggers(world, PROD, { Open: { Enabled: true, PostFirstOpenOnly: false } });
    const run = await doctor("--fix");
    expect(run.code).toBe(0);
    const said = (run.stdout + run.stderr).split("\n");
    const heading = said.indexOf("Repair plan for Production / outbound");
    expect(heading).toBeGreaterThanOrEqual(0);
    expect(said[heading + 1]).toMatch(/^  • \S/);
    expect(said).toContain("✔ Repairing the webhook");
    expect(run.stdout + run.stderr).not.toContain("to mode 0600");
    // The server's error webhooks are not off (this Postmark does not say): no step for them.
    expect(run.stdout + run.stderr).not.toContain("error webhooks");
  });

  it("--fix with two extra webhooks in a script names them both, and changes nothing", async () => {
    addWebhook(world, PROD, US_URL);
    addWebhook(world, PROD, EU_URL);
    const writes = world.simulator.writes.length;
    const run = await doctor("--fix");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "The repair of Production / outbound deletes a Customer.io webhook, and this run cannot ask first. Nothing was changed.",
    );
    expect(world.simulator.writes).toHaveLength(writes);
  });

  it("--fix with a revoked server token repairs nothing and says why through the checks", async () => {
    state().servers.find((server) => server.ID === PROD)!.ApiTokens = ["a-new-token-000000000000"];
    const writes = world.simulator.writes.length;
    const run = await doctor("--fix");
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toContain("Repair plan");
    expect(run.stdout).toMatch(/✖ server-token: /);
    expect(world.simulator.writes).toHaveLength(writes);
  });

  it("--fix without --yes in a script changes nothing when the plan deletes, and names the command that does", async () => {
    addWebhook(world, PROD, EU_URL);
    const writes = world.simulator.writes.length;
    const run = await doctor("--fix");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("deletes a Customer.io webhook, and this run cannot ask first. Nothing was changed.");
    expect(run.stderr).toContain("To go ahead: cio-postmark doctor --fix --yes --server 2001 --stream outbound");
    expect(world.simulator.writes).toHaveLength(writes);
    expect(world.simulator.webhooksOf(PROD, "outbound")).toHaveLength(2);
  });

  describe("in a script, one connection's deletion stops every repair before any change", () => {
    /** Connects the broadcast stream too (webhook only), in this region, with Open turned on after: a repair that deletes nothing. */
    async function driftedBroadcast(region: "us" | "eu") {
      const setup = await world.run(["setup", "--no-input", "--skip-smtp", "--stream", "broadcast", "--region", region, "--json"], {
        env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
      });
      expect(setup.code).toBe(0);
      const hook = state().webhooks.find((candidate) => candidate.ServerID === PROD && candidate.MessageStream === "broadcast")!;
      hook.Triggers.Open = { Enabled: true, PostFirstOpenOnly: false };
    }

    it("an extra webhook on outbound: broadcast's drift is not repaired either", async () => {
      await driftedBroadcast("us");
      addWebhook(world, PROD, US_URL);
      const writes = world.simulator.writes.length;
      const run = await doctor("--fix");
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("The repair of Production / outbound deletes a Customer.io webhook");
      expect(world.simulator.writes).toHaveLength(writes);
    });

    it("--region eu where only outbound moves: broadcast, already in EU, is not repaired either", async () => {
      await driftedBroadcast("eu");
      const writes = world.simulator.writes.length;
      const run = await doctor("--fix", "--region", "eu");
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("The repair of Production / outbound deletes a Customer.io webhook");
      expect(run.stderr).not.toContain("Production / broadcast deletes");
      expect(world.simulator.writes).toHaveLength(writes);
    });
  });

  describe("--fix at a terminal asks before it deletes", () => {
    const ASKED = "Delete the extra Customer.io webhook?";
    const fixAt = (answers: TypedAnswer[], ...args: string[]) =>
      runInTerminal(["doctor", "--fix", ...args], answers, { overrides: world.overrides, env: world.env() });

    it("no keeps the extra webhook, says how to delete it, and fails", async () => {
      addWebhook(world, PROD, EU_URL);
      const run = await fixAt([{ after: ASKED, keys: "n\r" }]);
      expect(run.asked).toBe(1);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("Extra Customer.io webhooks left in place: run with --yes to delete them.");
      // Nothing else to repair: nothing was, so there is nothing to check again.
      expect(run.stdout + run.stderr).not.toContain("Checking again after the repairs");
      expect(world.simulator.webhooksOf(PROD, "outbound").map((hook) => hook.Url)).toEqual([US_URL, EU_URL]);
    });

    it("no still repairs the rest of the plan: the triggers are put right, the extra webhook kept", async () => {
      addWebhook(world, PROD, EU_URL);
      patchTriggers(world, PROD, { Open: { Enabled: true, PostFirstOpenOnly: false } });
      const run = await fixAt([{ after: ASKED, keys: "n\r" }]);
      expect(run.code).toBe(1);
      const hooks = world.simulator.webhooksOf(PROD, "outbound");
      expect(hooks.map((hook) => hook.Url)).toEqual([US_URL, EU_URL]);
      expect(hooks[0]!.Triggers).toEqual(TRANSACTIONAL_TRIGGERS);
    });

    it("yes (the default, Enter) deletes it, and the next doctor exits 0", async () => {
      addWebhook(world, PROD, EU_URL);
      const run = await fixAt([{ after: ASKED, keys: "\r" }]);
      expect(run.asked).toBe(1);
      expect(run.code).toBe(0);
      expect(world.simulator.webhooksOf(PROD, "outbound").map((hook) => hook.Url)).toEqual([US_URL]);
      expect((await doctor()).code).toBe(0);
    });

    it("two extra webhooks are asked about as one, in the plural", async () => {
      addWebhook(world, PROD, US_URL);
      addWebhook(world, PROD, EU_URL);
      const run = await fixAt([{ after: "Delete the extra Customer.io webhooks?", keys: "\r" }]);
      expect(run.asked).toBe(1);
      expect(run.code).toBe(0);
      expect(world.simulator.webhooksOf(PROD, "outbound")).toHaveLength(1);
    });

    it("a declined move to the other region changes nothing: keeping the old webhook would count events twice", async () => {
      const before = structuredClone(world.simulator.webhooksOf(PROD, "outbound"));
      const writes = world.simulator.writes.length;
      const run = await fixAt([{ after: ASKED, keys: "n\r" }], "--region", "eu");
      expect(run.code).toBe(1);
      expect(run.stderr.replace(/\s+/g, " ")).toContain(
        "Nothing was changed: moving while keeping the other region's webhook would have Customer.io count events twice.",
      );
      expect(world.simulator.writes).toHaveLength(writes);
      expect(world.simulator.webhooksOf(PROD, "outbound")).toEqual(before);
    });

    it("an accepted move creates the EU webhook, deletes the US one and saves region eu", async () => {
      const run = await fixAt([{ after: ASKED, keys: "y\r" }], "--region", "eu");
      expect(run.code).toBe(0);
      expect(world.simulator.webhooksOf(PROD, "outbound").map((hook) => hook.Url)).toEqual([EU_URL]);
      const saved = JSON.parse(readFileSync(join(world.configDir, "config.json"), "utf8")).connections[`${PROD}:outbound`];
      expect(saved.region).toBe("eu");
    });
  });
});
