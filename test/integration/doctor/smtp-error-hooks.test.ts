import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runInTerminal } from "../../helpers/run-cli.js";
import { ACCOUNT_TOKEN, SERVER_TOKEN, startWorld, startWorldWithOutbound, type World } from "../../helpers/world.js";

/**
 * doctor learns what recipient explains: whether Postmark reports the SMTP mail it refuses to a
 * suppressed address (the server's EnableSmtpApiErrorHooks). Postmark documents turning it on with an
 * account token (PUT /servers/{id}) and says nothing of a server token: with an account token, setup,
 * apply and --fix turn it on; with a server token alone, the fix says to set one, and nothing is tried.
 */

let world: World;
const SAID = "The server's SMTP API error webhooks are off: when Postmark refuses mail to an address it suppresses";
afterEach(() => world?.close());

const doctor = (args: string[] = [], account = false) =>
  world.run(["doctor", ...args], {
    env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...(account ? { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } : {}) },
  });
/** Every request that changed a server: the account's PUT /servers/{id}, or anything sent to a server's own /server. */
const serverWrites = () => world.simulator.writes.filter((write) => /^\/servers?(\/|$)/.test(write.path));
/** The plan's step, as setup and doctor --fix show it. */
const STEP = "Turn on the server's SMTP API error webhooks (Postmark then reports the mail it refuses to a suppressed address)";
/** Production's SMTP API error webhooks, off. */
const hooksOff = () => void (world.simulator.state.servers.find((server) => server.ID === 2001)!.EnableSmtpApiErrorHooks = false);
/** A connections file of these servers' streams, in region US. */
function fileOf(...connections: Array<{ server: number; stream: string }>): string {
  const file = join(world.configDir, "..", "connections.json");
  writeFileSync(file, JSON.stringify({ region: "us", connections }));
  return file;
}
const check = (run: Awaited<ReturnType<typeof doctor>>) =>
  run.json().connections[0].checks.find((candidate: { id: string }) => candidate.id === "smtp-error-hooks");

describe("smtp-error-hooks", () => {
  it("off: a warning that says what it means for Customer.io, with the fix; --fix turns it on and doctor then passes", async () => {
    world = await startWorldWithOutbound();
    hooksOff();
    const before = await doctor(["--json"], true);
    expect(before.code).toBe(0);
    expect(check(before)).toMatchObject({ status: "warn", fix: "Turn them on: cio-postmark doctor --fix --server 2001 --stream outbound" });
    expect(check(before).message).toMatch(
      /^The server's SMTP API error webhooks are off: when Postmark refuses mail to an address it suppresses, it tells no one/,
    );
    expect(check(before).message).toContain("so Customer.io can show a message as sent that never left Postmark. (How Customer.io");
    expect(check(before).message).toContain("not documented");

    const fixed = await doctor(["--fix"], true);
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toContain(`• ${STEP}`);
    expect(fixed.stderr).toContain("Turning on the server's SMTP API error webhooks");
    expect(serverWrites()).toEqual([
      expect.objectContaining({ method: "PUT", path: "/servers/2001", body: { EnableSmtpApiErrorHooks: true } }),
    ]);
    expect(serverWrites()[0]!.rawHeaders).toContain(ACCOUNT_TOKEN);
    expect(world.simulator.state.servers.find((server) => server.ID === 2001)!.EnableSmtpApiErrorHooks).toBe(true);
    expect(check(await doctor(["--json"]))).toEqual({
      id: "smtp-error-hooks",
      status: "pass",
      message: "The server's SMTP API error webhooks are on: mail Postmark refuses to a suppressed address is reported.",
      fix: null,
    });
  });

  it("a server token alone: the fix says to set POSTMARK_ACCOUNT_TOKEN, and no run tries or claims it", async () => {
    world = await startWorldWithOutbound();
    hooksOff();
    const fix =
      "Postmark turns them on for an account token: set POSTMARK_ACCOUNT_TOKEN, then: " +
      "cio-postmark doctor --fix --server 2001 --stream outbound";
    expect(check(await doctor(["--json"]))).toMatchObject({ status: "warn", fix });
    const fixed = await doctor(["--fix"]);
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).not.toContain(STEP);
    expect(fixed.stdout + fixed.stderr).not.toContain("Turning on");
    expect(fixed.stdout).toContain(fix);
    expect(serverWrites()).toEqual([]);
    // The fix as printed, with the variable it names set: it turns them on.
    expect((await doctor(["--fix"], true)).code).toBe(0);
    expect(check(await doctor(["--json"]))).toMatchObject({ status: "pass" });
  });

  it("on: passes; not said by Postmark's answer: skipped, and --fix writes nothing to the server", async () => {
    world = await startWorldWithOutbound();
    expect(check(await doctor(["--json"]))).toMatchObject({
      status: "skip",
      message: "Skipped: Postmark's answer does not say whether the server's SMTP API error webhooks are on.",
    });
    const fixed = await doctor(["--fix"], true);
    expect(fixed.stderr).not.toContain(STEP);
    expect(serverWrites()).toHaveLength(0);
    world.simulator.state.servers.find((server) => server.ID === 2001)!.EnableSmtpApiErrorHooks = true;
    expect(check(await doctor(["--json"]))).toMatchObject({ status: "pass" });
  });

  it("one way to apply: setup's plan turns them on, once, and says so; a dry run only plans it", async () => {
    world = await startWorld();
    hooksOff();
    const setup = (...flags: string[]) =>
      world.run(["setup", "--no-input", "--server", "2001", "--stream", "outbound", "--region", "us", "--skip-smtp", ...flags], {
        env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
      });
    const dry = await setup("--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(STEP);
    // Not said again as a warning whose fix (doctor --fix) would find nothing saved yet.
    expect(dry.stdout + dry.stderr).not.toContain(SAID);
    expect(world.simulator.writes).toHaveLength(0);

    const made = await setup();
    expect(made.code).toBe(0);
    expect(made.stderr).toContain(STEP);
    expect(made.stdout).toContain("Turned on the server's SMTP API error webhooks.");
    expect(serverWrites()).toEqual([
      expect.objectContaining({ method: "PUT", path: "/servers/2001", body: { EnableSmtpApiErrorHooks: true } }),
    ]);
    expect(check(await doctor(["--json"]))).toMatchObject({ status: "pass" });
    const again = await setup("--json");
    expect(again.json().warnings).toEqual([]);
    expect(serverWrites()).toHaveLength(1);

    // Turned off again with the webhook as it should be: the one change is the step, and setup's step says so.
    hooksOff();
    const hooksOnly = await setup();
    expect(hooksOnly.code).toBe(0);
    expect(hooksOnly.stderr).toContain("Turning on the server's SMTP API error webhooks");
    expect(hooksOnly.stdout).toContain("Turned on the server's SMTP API error webhooks.");
    const nothing = await setup();
    expect(nothing.stderr).not.toContain(STEP);
    expect(nothing.stdout).not.toContain("Turned on");
    expect(serverWrites()).toHaveLength(2);
  });

  it("an account token pasted in the wizard counts as the environment's: its plan turns them on with it", async () => {
    world = await startWorld();
    hooksOff();
    const run = await runInTerminal(
      ["setup", "--server", "2001", "--stream", "outbound", "--region", "us", "--skip-smtp"],
      [
        { after: "Which Postmark token will you use?", keys: "\r" },
        { after: "Account token:", keys: `${ACCOUNT_TOKEN}\r` },
        { after: "Apply this plan and save the connection?", keys: "\r" },
        { after: "too?", keys: "n\r" },
      ],
      { env: world.env(), overrides: world.overrides },
    );
    expect(run.code, run.stderr).toBe(0);
    // The terminal is 100 columns wide: the step's words are wrapped.
    expect(run.stderr.replace(/\s+/g, " ")).toContain(`• ${STEP}`);
    expect(run.stdout).toContain("Turned on the server's SMTP API error webhooks.");
    expect(serverWrites()).toEqual([
      expect.objectContaining({ method: "PUT", path: "/servers/2001", body: { EnableSmtpApiErrorHooks: true } }),
    ]);
    expect(serverWrites()[0]!.rawHeaders).toContain(ACCOUNT_TOKEN);
  });

  it("an account token Postmark refuses for this server (another account's): nothing changed, Postmark's words, the way on", async () => {
    world = await startWorld();
    hooksOff();
    world.simulator.injectFault({
      match: (request) => request.method === "PUT",
      fault: { kind: "answer", status: 422, body: JSON.stringify({ ErrorCode: 600, Message: "Server not found." }) },
    });
    const run = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
    });
    expect(run.code).toBe(1);
    const { error } = run.json();
    expect(error.message).toBe("Postmark refused to turn on the SMTP API error webhooks of server 2001: Server not found.");
    expect(error.hint).toMatch(/^Nothing was changed\. /);
    expect(error.hint).toContain(
      "Postmark turns them on only for the account the server is in: if POSTMARK_ACCOUNT_TOKEN is another account's, use this " +
        "one's, or leave it unset to connect without them. Then: cio-postmark setup --yes --server 2001 --stream outbound",
    );
    expect(world.simulator.webhooksOf(2001)).toHaveLength(0);
    expect(world.simulator.writes.map((write) => write.method)).toEqual(["PUT"]);
  });

  it("setup with a server token alone connects the stream and says the fix as its own re-run (a dry run saves nothing)", async () => {
    world = await startWorld();
    hooksOff();
    const setup = (...flags: string[]) =>
      world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json", ...flags], {
        env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
      });
    const said =
      `${SAID}, it tells no one, so Customer.io can show a message as sent that never left Postmark. (How Customer.io handles ` +
      "those events once they are on is not documented.) Postmark turns them on for an account token: set POSTMARK_ACCOUNT_TOKEN, " +
      "then: cio-postmark setup --server 2001 --stream outbound";
    for (const run of [await setup("--dry-run"), await setup()]) {
      expect(run.code).toBe(0);
      expect(run.json().warnings).toEqual([said]);
      expect(run.stderr).not.toContain(STEP);
    }
    expect(serverWrites()).toEqual([]);
    expect(world.simulator.webhooksOf(2001, "outbound")).toHaveLength(1);
    expect(check(await doctor(["--json"]))).toMatchObject({ status: "warn" });
  });

  it("a file's runs: the fix doctor --file and apply --check print is apply, which turns them on once per server", async () => {
    world = await startWorld();
    hooksOff();
    const file = fileOf({ server: 2001, stream: "outbound" }, { server: 2001, stream: "broadcast" });
    const env = { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } };
    const fixed = `Turn them on: cio-postmark apply --file ${file} --yes`;
    const doctored = await world.run(["doctor", "--file", file, "--json"], env);
    expect(check(doctored)).toMatchObject({ status: "warn", fix: fixed });

    // What apply would change, it says, and --check is not clean: the printed fix is what apply does.
    const checked = await world.run(["apply", "--file", file, "--check"], env);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain("Production / outbound (connections[0]): turn on the server's SMTP API error webhooks");
    expect(checked.stdout).toContain("Production / broadcast (connections[1]): turn on the server's SMTP API error webhooks");
    expect(checked.stdout).toContain(`To apply: cio-postmark apply --file ${file} --yes`);
    expect(checked.stdout + checked.stderr).not.toContain(SAID);
    expect(checked.stdout + checked.stderr).not.toContain("doctor --fix");
    const planned = await world.run(["apply", "--file", file, "--check", "--json"], env);
    expect(planned.json().connections[0].plan).toEqual([
      { action: "create", webhook: null },
      { action: "error-webhooks", webhook: null, reason: "the server's SMTP API error webhooks are off" },
    ]);
    expect(world.simulator.writes).toHaveLength(0);

    const applied = await world.run(["apply", "--file", file, "--yes"], env);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("webhook 9001 created, the server's SMTP API error webhooks turned on");
    expect(serverWrites()).toEqual([
      expect.objectContaining({ method: "PUT", path: "/servers/2001", body: { EnableSmtpApiErrorHooks: true } }),
    ]);
    expect(check(await world.run(["doctor", "--file", file, "--json"], env))).toMatchObject({ status: "pass" });
    const again = await world.run(["apply", "--file", file, "--check"], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Nothing would change");

    // Off again, with both webhooks right: turning them on is each connection's one change, made once.
    hooksOff();
    const hooksOnly = await world.run(["apply", "--file", file, "--yes"], env);
    expect(hooksOnly.stdout).toContain("webhook 9001 unchanged, the server's SMTP API error webhooks turned on");
    expect(hooksOnly.stdout).toContain("Applied: 2 changed, 0 unchanged, 0 failed.");
    expect(serverWrites()).toHaveLength(2);
    const unchanged = await world.run(["apply", "--file", file, "--yes"], env);
    expect(unchanged.stdout).toContain("Production / outbound (connections[0]): webhook 9001 unchanged\n");
    expect(unchanged.stdout).toContain("Applied: 0 changed, 2 unchanged, 0 failed.");
  });

  it("a file's runs with a server token alone: no step, apply --check is clean, and every run says the same fix", async () => {
    world = await startWorldWithOutbound();
    hooksOff();
    const file = fileOf({ server: 2001, stream: "outbound" });
    const env = { env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN } };
    const fix = `Postmark turns them on for an account token: set POSTMARK_ACCOUNT_TOKEN, then: cio-postmark apply --file ${file} --yes`;
    const checked = await world.run(["apply", "--file", file, "--check", "--json"], env);
    expect(checked.code).toBe(0);
    expect(checked.json().connections[0].plan).toEqual([{ action: "keep", webhook: 9001 }]);
    const applied = await world.run(["apply", "--file", file, "--yes"], env);
    expect(applied.code).toBe(0);
    expect(applied.stdout).not.toContain("turned on");
    expect(check(await world.run(["doctor", "--file", file, "--json"], env))).toMatchObject({ status: "warn", fix });
    expect(serverWrites()).toEqual([]);
  });

  it("apply: a server that refuses fails its own connections, with Postmark's words; the other server's is applied", async () => {
    world = await startWorld();
    hooksOff();
    world.simulator.injectFault({
      match: (request) => request.method === "PUT" && request.path === "/servers/2001",
      fault: { kind: "status", status: 500 },
    });
    const file = fileOf({ server: 2001, stream: "outbound" }, { server: 2002, stream: "outbound" });
    const run = await world.run(["apply", "--file", file, "--yes", "--json"], {
      env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
    });
    expect(run.code).toBe(1);
    const [production, staging] = run.json().connections;
    expect(production.error.message).toBe("Postmark answered 500 while trying to turn on the SMTP API error webhooks of server 2001.");
    expect(production.webhook).toEqual({ id: null, action: null });
    expect(staging).toMatchObject({ error: null, webhook: { action: "created" } });
    expect(world.simulator.webhooksOf(2001)).toHaveLength(0);
    expect(world.simulator.webhooksOf(2002)).toHaveLength(1);
  });
});
