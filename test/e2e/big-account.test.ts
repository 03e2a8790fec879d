import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN, startWorld, type World } from "../helpers/world.js";
import { KEYS, runInPty } from "../helpers/pty.js";

/** A big account in a real terminal: the server list filters as the user types. */

let world: World;
beforeAll(async () => {
  world = await startWorld({
    accountToken: ACCOUNT_TOKEN,
    servers: Array.from({ length: 1200 }, (_, i) => ({ id: 5000 + i, name: `Client ${String(i).padStart(4, "0")}` })),
  });
});
afterAll(() => world.close());

describe("choosing among 1,200 servers", () => {
  it("filters the list as the user types, then sets up the chosen server", async () => {
    const run = runInPty(["setup", "--skip-smtp"], {
      env: { POSTMARK_API_URL: world.simulator.url, CIO_POSTMARK_CONFIG_DIR: world.configDir, POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
    });
    await run.waitFor("Server (type to filter):");
    run.write("Client 0777");
    // Only the match is left on the list once the filter has been applied.
    await run.waitFor((screen) => (screen.split("Client 0777").pop() ?? "").includes("ID 5777") || /❯ Client 0777/.test(screen));
    run.write(KEYS.enter);
    await run.waitFor("Message stream:");
    run.write(KEYS.enter);
    await run.waitFor("Which Customer.io region");
    run.write(KEYS.enter);
    await run.waitFor("Apply this plan");
    run.write(KEYS.enter);
    await run.waitFor(`Connect stream "broadcast" (Broadcasts) of Client 0777 too?`);
    run.write(KEYS.enter);
    expect((await run.exited).exitCode).toBe(0);
    expect(world.simulator.webhooksOf(5777)).toHaveLength(1);
    // All 1,200 servers came in 3 pages of 500.
    expect(world.simulator.requests.filter((request) => request.path === "/servers")).toHaveLength(3);
  });
});
