import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SERVER_TOKEN, startWorld, startWorldWithOutbound, type World } from "../../helpers/world.js";

/**
 * doctor learns what recipient explains: whether Postmark reports the SMTP mail it refuses to a
 * suppressed address (the server's EnableSmtpApiErrorHooks), and --fix turns it on.
 */

let world: World;
afterEach(() => world?.close());

const doctor = (args: string[] = []) => world.run(["doctor", ...args], { env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN } });
const check = (run: Awaited<ReturnType<typeof doctor>>) =>
  run.json().connections[0].checks.find((candidate: { id: string }) => candidate.id === "smtp-error-hooks");

describe("smtp-error-hooks", () => {
  it("off: a warning that says what it means for Customer.io, with the fix; --fix turns it on and doctor then passes", async () => {
    world = await startWorldWithOutbound();
    world.simulator.state.servers.find((server) => server.ID === 2001)!.EnableSmtpApiErrorHooks = false;
    const before = await doctor(["--json"]);
    expect(before.code).toBe(0);
    expect(check(before)).toMatchObject({ status: "warn", fix: "Turn them on: cio-postmark doctor --fix --server 2001 --stream outbound" });
    expect(check(before).message).toMatch(
      /^The server's SMTP API error webhooks are off: when Postmark refuses mail to an address it suppresses, it tells no one/,
    );
    expect(check(before).message).toContain("so Customer.io can show a message as sent that never left Postmark. (How Customer.io");
    expect(check(before).message).toContain("not documented");

    const fixed = await doctor(["--fix"]);
    expect(fixed.code).toBe(0);
    const puts = world.simulator.writes.filter((write) => write.method === "PUT" && write.path === "/server");
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toEqual({ EnableSmtpApiErrorHooks: true });
    expect(world.simulator.state.servers.find((server) => server.ID === 2001)!.EnableSmtpApiErrorHooks).toBe(true);
    expect(check(await doctor(["--json"]))).toEqual({
      id: "smtp-error-hooks",
      status: "pass",
      message: "The server's SMTP API error webhooks are on: mail Postmark refuses to a suppressed address is reported.",
      fix: null,
    });
  });

  it("on: passes; not said by Postmark's answer: skipped, and --fix writes nothing to the server", async () => {
    world = await startWorldWithOutbound();
    expect(check(await doctor(["--json"]))).toMatchObject({ status: "skip" });
    await doctor(["--fix"]);
    expect(world.simulator.writes.filter((write) => write.path === "/server")).toHaveLength(0);
    world.simulator.state.servers.find((server) => server.ID === 2001)!.EnableSmtpApiErrorHooks = true;
    expect(check(await doctor(["--json"]))).toMatchObject({ status: "pass" });
  });

  it("one verdict: setup and apply say the same warning doctor gives, and still exit 0", async () => {
    world = await startWorld();
    world.simulator.state.servers.find((server) => server.ID === 2001)!.EnableSmtpApiErrorHooks = false;
    const said = "The server's SMTP API error webhooks are off: when Postmark refuses mail to an address it suppresses";
    const fix = "Turn them on: cio-postmark doctor --fix --server 2001 --stream outbound";
    const setup = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    });
    expect(setup.code).toBe(0);
    expect(setup.json().warnings).toEqual([expect.stringMatching(new RegExp(`^${said}[\\s\\S]*${fix}$`))]);

    const file = join(world.configDir, "..", "connections.json");
    writeFileSync(file, JSON.stringify({ region: "us", connections: [{ server: 2001, stream: "outbound" }] }));
    const apply = await world.run(["apply", "--file", file, "--check"], { env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN } });
    expect(apply.code).toBe(0);
    expect(apply.stderr).toContain(`Production / outbound (connections[0]): ${said}`);
  });
});
