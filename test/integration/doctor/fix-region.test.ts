import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CustomerIoSimulator } from "../../../src/sandbox/customerio-simulator.js";
import { CIO_EU_KEY, CIO_US_KEY, startCustomerIo } from "../../helpers/customerio.js";
import { EU_URL, US_URL } from "../../helpers/expected.js";
import { SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";

/**
 * Moving a connection to the other Customer.io region, as a script runs it: a move that needs a
 * deletion and has no --yes changes nothing; a move against the key's workspace is refused; a move
 * whose deletion fails is saved as far as it went and a re-run finishes it; and the key's region is
 * found when one region's host cannot answer.
 */

let world: World;
let customerio: CustomerIoSimulator;
afterEach(async () => {
  await customerio?.close();
  await world?.close();
});

async function start() {
  world = await startWorld();
  customerio = await startCustomerIo(world);
}
const run = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  world.run(argv, { env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...customerio.env, ...env } });
const setupUs = () => run(["setup", "--no-input", "--json", "--stream", "outbound", "--region", "us"]);
const saved = () => JSON.parse(readFileSync(join(world.configDir, "config.json"), "utf8")).connections["2001:outbound"];
const urls = () => world.simulator.webhooksOf(2001, "outbound").map((hook) => hook.Url);
/** A printed command, as the words a shell would split it into (the tests' commands need no quoting). */
const argsOf = (printed: string) => printed.replace(/^cio-postmark /, "").split(" ");

describe("a move that needs a deletion", () => {
  it("without --yes in a script changes nothing and exits 1, and its printed fix, run as printed, moves it whole", async () => {
    await start();
    expect((await setupUs()).code).toBe(0);
    const writes = world.simulator.writes.length;
    const refused = await run(["doctor", "--no-input", "--fix", "--region", "eu", "--server", "2001", "--stream", "outbound"]);
    expect(refused.code).toBe(1);
    expect(world.simulator.writes).toHaveLength(writes);
    expect(urls()).toEqual([US_URL]);
    expect(saved().region).toBe("us");
    const fix = refused.stderr.match(/To go ahead: (cio-postmark [^\n]+)/)?.[1];
    expect(fix).toBe("cio-postmark doctor --fix --region eu --yes --server 2001 --stream outbound");

    const moved = await run(argsOf(fix!), { CUSTOMERIO_APP_API_KEY: CIO_EU_KEY });
    expect(moved.code).toBe(0);
    expect(urls()).toEqual([EU_URL]);
    expect(saved()).toMatchObject({ region: "eu", webhookUrl: EU_URL });
  });

  it("the customerio-region check's fix carries --yes, so a script can run it as printed", async () => {
    await start();
    expect((await setupUs()).code).toBe(0);
    const checked = await run(["doctor", "--json"], { CUSTOMERIO_APP_API_KEY: CIO_EU_KEY });
    const fix = checked.json().connections[0].checks.find((check: { id: string }) => check.id === "customerio-region").fix;
    expect(fix).toBe("cio-postmark doctor --fix --region eu --yes --server 2001 --stream outbound");
    expect((await run(argsOf(fix), { CUSTOMERIO_APP_API_KEY: CIO_EU_KEY })).code).toBe(0);
    expect(urls()).toEqual([EU_URL]);
  });
});

describe("a move against the key's workspace", () => {
  it("is refused before any change, as setup refuses it (region_mismatch)", async () => {
    await start();
    expect((await setupUs()).code).toBe(0);
    const writes = world.simulator.writes.length;
    const refused = await run(["doctor", "--json", "--fix", "--region", "eu", "--yes"], { CUSTOMERIO_APP_API_KEY: CIO_US_KEY });
    expect(refused.code).toBe(2);
    expect(refused.json().error).toMatchObject({
      code: "region_mismatch",
      message:
        "--region eu disagrees with the App API key: Customer.io workspace Acme US is in region US. The webhook would have pointed " +
        `at ${EU_URL}, where Customer.io would never match its events.`,
    });
    expect(world.simulator.writes).toHaveLength(writes);
    expect(saved().region).toBe("us");
  });
});

describe("a move whose deletion fails", () => {
  it("saves the new webhook at once, says what was and was not done, and a re-run finishes the move", async () => {
    await start();
    expect((await setupUs()).code).toBe(0);
    const usWebhook = world.simulator.state.webhooks[0]!.ID;
    world.simulator.injectFault({ match: (request) => request.method === "DELETE", fault: { kind: "status", status: 500 } });
    const half = await run(["doctor", "--no-input", "--fix", "--region", "eu", "--yes"]);
    world.simulator.clearFaults();
    expect(half.code).toBe(1);
    const euWebhook = world.simulator.state.webhooks.find((hook) => hook.Url === EU_URL)!.ID;
    expect(saved()).toMatchObject({ region: "eu", webhookId: euWebhook, webhookUrl: EU_URL });
    expect(half.stderr).toContain(`Saved Production / outbound with webhook ${euWebhook}, but could not delete webhook ${usWebhook}`);
    expect(half.stderr).toContain("To finish: cio-postmark doctor --fix --region eu --yes --server 2001 --stream outbound");

    const finished = await run(["doctor", "--no-input", "--fix", "--yes"]);
    expect(finished.code).toBe(0);
    expect(world.simulator.state.webhooks.map((hook) => hook.ID)).toEqual([euWebhook]);
    expect(saved()).toMatchObject({ region: "eu", webhookId: euWebhook });
  });
});

describe("the key's region when a host cannot answer", () => {
  it.each([
    ["a 503", { kind: "status", status: 503 } as const],
    ["a 403", { kind: "answer", status: 403, body: '{"errors": [{"detail": "forbidden", "status": "403"}]}' } as const],
    ["no answer at all", { kind: "hang" } as const],
  ])("the US host answering %s: the EU host is asked, and finds the EU workspace", async (_name, fault) => {
    await start();
    customerio.injectFault({ fault, match: ({ path }) => path === "/v1/workspaces" && customerio.requests.length <= 1 });
    const result = await run(["setup", "--no-input", "--json", "--stream", "outbound"], { CUSTOMERIO_APP_API_KEY: CIO_EU_KEY });
    expect(result.code).toBe(0);
    expect(result.json().region).toBe("eu");
    expect(customerio.requests.map((request) => request.region)).toEqual(["us", "eu"]);
  });

  it("with --region eu given, the EU host is asked first", async () => {
    await start();
    const result = await run(["setup", "--no-input", "--json", "--stream", "outbound", "--region", "eu"], {
      CUSTOMERIO_APP_API_KEY: CIO_EU_KEY,
    });
    expect(result.code).toBe(0);
    expect(customerio.requests.map((request) => `${request.region} ${request.path} ${request.status}`)).toEqual(["eu /v1/workspaces 200"]);
  });
});
