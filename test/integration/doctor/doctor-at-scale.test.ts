import { afterEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { agencyFile, startAgency, type Agency } from "../../helpers/agency.js";
import { oneRequestIn } from "../../../src/sandbox/faults.js";
import { runCli, runInTerminal } from "../../helpers/run-cli.js";
import { HEALTHY_OUTBOUND_CHECKS } from "../../helpers/expected.js";

/**
 * An agency's config of many connections: doctor keeps to 8 Postmark requests and 4 SMTP handshakes
 * in flight (as the simulator and the SMTP server count them), rides out 429s, and prints one line
 * per connection that passes everything.
 */

let agency: Agency | undefined;
afterEach(async () => {
  await agency?.close();
  agency = undefined;
});

const doctor = (argv: string[]) => runCli(["doctor", ...argv], { env: agency!.env, overrides: agency!.overrides });

const HEALTHY = HEALTHY_OUTBOUND_CHECKS;

type DoctorJson = { ok: boolean; connections: Array<{ server: { name: string }; checks: Array<{ id: string; status: string }> }> };
const statusesOf = (document: DoctorJson) =>
  document.connections.map((connection) => Object.fromEntries(connection.checks.map((check) => [check.id, check.status])));

describe("doctor over many connections", () => {
  it("40 connections at 20 ms latency: every check right, at most 8 requests and 4 handshakes in flight", { timeout: 30_000 }, async () => {
    agency = await startAgency(40);
    agency.simulator.latencyMs = 20;
    const run = await doctor(["--json"]);
    expect(run.code).toBe(0);
    const document = run.json<DoctorJson>();
    expect(document.ok).toBe(true);
    expect(document.connections).toHaveLength(40);
    expect(statusesOf(document)).toEqual(Array(40).fill(HEALTHY));
    expect(agency.simulator.peakInFlight).toBeLessThanOrEqual(8);
    expect(agency.simulator.peakInFlight).toBeGreaterThanOrEqual(4); // the cap is used, not one at a time
    expect(agency.smtp.peakSessions).toBeLessThanOrEqual(4);
    expect(agency.smtp.logins.filter((login) => login.accepted && login.secure)).toHaveLength(40);
  });

  it("one request in five answered 429: every check still right, each 429 tried again", { timeout: 30_000 }, async () => {
    agency = await startAgency(20);
    agency.simulator.injectFault(oneRequestIn(5, { kind: "status", status: 429 }));
    const run = await doctor(["--json"]);
    expect(run.code).toBe(0);
    expect(statusesOf(run.json<DoctorJson>())).toEqual(Array(20).fill(HEALTHY));
    const limited = agency.simulator.requests.filter((request) => request.status === 429);
    // One in five first tries: 20 connections make 80 requests, so 16 of them.
    expect(limited).toHaveLength(16);
    expect(agency.simulator.peakInFlight).toBeLessThanOrEqual(8);
  });

  it("a 429 with Retry-After: 1 is waited out for a second, then passes", { timeout: 30_000 }, async () => {
    agency = await startAgency(1); // one connection: the same request again can only be the retry
    agency.simulator.injectFault({ fault: { kind: "status", status: 429, retryAfter: "1" }, times: 1 });
    const run = await runCli(["doctor", "--json"], {
      env: agency.env,
      overrides: { ...agency.overrides, rateLimit: { tries: 4, baseDelayMs: 5, maxDelayMs: 5_000 } },
    });
    expect(run.code).toBe(0);
    const [limited, ...later] = agency.simulator.requests;
    const retried = later.find(
      (request) =>
        request.method === limited!.method &&
        request.path === limited!.path &&
        JSON.stringify(request.query) === JSON.stringify(limited!.query),
    );
    expect(limited!.status).toBe(429);
    expect(retried!.status).toBe(200);
    // Waited at least what Retry-After asked (a lower bound: a slow machine only waits longer).
    expect(retried!.startedAt - limited!.finishedAt).toBeGreaterThanOrEqual(950);
  });

  it("a 429 on every request: four tries each, then a clear failure", { timeout: 30_000 }, async () => {
    agency = await startAgency(1);
    agency.simulator.injectFault({ fault: { kind: "status", status: 429 } });
    const run = await doctor(["--json"]);
    expect(run.code).toBe(1);
    const serverCheck = run
      .json<DoctorJson & { connections: Array<{ checks: Array<{ message: string }> }> }>()
      .connections[0]!.checks.find((check) => check.id === "server-smtp")!;
    expect(serverCheck).toMatchObject({ status: "fail", message: expect.stringContaining("Postmark is rate-limiting requests") });
    const getServer = agency.simulator.requests.filter((request) => request.path === "/server");
    expect(getServer).toHaveLength(4);
  });

  it("over more than 3 connections: one line per connection that passes, the problems of one that does not", async () => {
    agency = await startAgency(5);
    const broken = agency.simulator.state.webhooks.find((hook) => hook.ServerID === 5003)!;
    broken.Triggers.Open.Enabled = true;
    const run = await doctor([]);
    expect(run.code).toBe(1);
    // The whole report, line by line: a group of one-line connections stands apart from a connection's block.
    expect(run.stdout.split("\n")).toEqual([
      "",
      "✔ Client 001 / outbound (us): 9 ok",
      "✔ Client 002 / outbound (us): 9 ok",
      "",
      "Client 003 / outbound (Transactional, region US)",
      "  ✖ webhook-triggers: Webhook 70003 has the wrong settings: Open trigger is on: Customer.io tracks opens itself, so it would " +
        "count every open twice.",
      "      fix: cio-postmark doctor --fix --server 5003 --stream outbound",
      "  ✔ 8 other checks passed, 7 skipped (--verbose shows each)",
      "",
      "✔ Client 004 / outbound (us): 9 ok",
      "✔ Client 005 / outbound (us): 9 ok",
      "",
      expect.stringMatching(
        /^Network: Postmark \(127\.0\.0\.1:\d+\) direct \(no proxy is set\); Customer\.io \(\S+\) the same way; .* answered\.$/,
      ),
      "Problems found: 44 ok, 0 warnings, 1 problem, 35 skipped.",
      "To repair it: cio-postmark doctor --fix",
      "",
    ]);
    expect(run.stdout.match(/ ok$/gm)).toHaveLength(4);
    expect(run.stderr).toContain("✔ Checked 5 connections\n");
  });

  it("at a terminal, a count rewritten in place says how many are checked, over more than three connections", async () => {
    agency = await startAgency(5);
    const run = await runInTerminal(["doctor"], [], { env: agency.env, overrides: agency.overrides });
    expect(run.code).toBe(0);
    const counted = run.stderr.match(/Checking \d of 5 connections/g) ?? [];
    expect(counted[0]).toBe("Checking 0 of 5 connections");
    expect(counted.at(-1)).toBe("Checking 5 of 5 connections");
    expect(run.stderr).toContain("✔ Checked 5 connections\n");
  });

  it("at a terminal, up to three connections are one spinner step", async () => {
    agency = await startAgency(3);
    const run = await runInTerminal(["doctor"], [], { env: agency.env, overrides: agency.overrides });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("✔ Checking 3 connections\n");
    expect(run.stderr).not.toMatch(/of 3 connections/);
  });

  it("--verbose prints every check of every connection", async () => {
    agency = await startAgency(5);
    const run = await doctor(["--verbose"]);
    expect(run.code).toBe(0);
    expect(run.stdout.match(/^Client 00\d \/ outbound \(Transactional, region US\)$/gm)).toHaveLength(5);
    expect(run.stdout.match(/^ {2}[✔⚠✖-] /gm)).toHaveLength(5 * 16);
    expect(run.stdout).not.toMatch(/: 9 ok$/m);
  });

  it("3 connections or fewer: every check, as before", async () => {
    agency = await startAgency(3);
    const run = await doctor([]);
    expect(run.stdout.match(/^Client 00\d \/ outbound \(Transactional, region US\)$/gm)).toHaveLength(3);
    expect(run.stdout).not.toMatch(/: 9 ok$/m);
    expect(run.stderr).toContain("✔ Checking 3 connections\n");
  });

  it("--json is the same document whatever the count: every check of every connection", async () => {
    agency = await startAgency(5);
    const document = (await doctor(["--json"])).json<DoctorJson>();
    expect(document.connections.map((connection) => connection.server.name)).toEqual([
      "Client 001",
      "Client 002",
      "Client 003",
      "Client 004",
      "Client 005",
    ]);
    for (const connection of document.connections) expect(Object.keys(connection)).toEqual(["server", "stream", "region", "checks"]);
    expect(statusesOf(document)).toEqual(Array(5).fill(HEALTHY));
  });

  it("--server and --stream keep to the matching connections, and no request goes to the others", async () => {
    agency = await startAgency(8);
    const one = await doctor(["--json", "--server", "Client 007"]);
    expect(one.json<DoctorJson>().connections.map((connection) => connection.server.name)).toEqual(["Client 007"]);
    expect(new Set(agency.simulator.requests.map((request) => request.path)).has("/server")).toBe(true);
    expect(agency.smtp.logins.map((login) => login.accessKey)).toEqual(["ak-agency-5007"]);
    const byStream = await doctor(["--json", "--stream", "outbound"]);
    expect(byStream.json<DoctorJson>().connections).toHaveLength(8);
    const none = await doctor(["--json", "--stream", "broadcast"]);
    expect(none.code).not.toBe(0);
  });
});

describe("apply over many connections", () => {
  it(
    "40 connections at 20 ms latency, 429s among them: all applied, at most 8 requests and 4 handshakes in flight",
    { timeout: 30_000 },
    async () => {
      agency = await startAgency(40);
      agency.simulator.latencyMs = 20;
      agency.simulator.state.webhooks = []; // every webhook to be created
      agency.simulator.injectFault(oneRequestIn(7, { kind: "status", status: 429 }));
      const { document, env } = agencyFile(agency, 40);
      const file = join(agency.configDir, "..", "cio-postmark.json");
      writeFileSync(file, JSON.stringify(document));
      const run = await runCli(["apply", "--file", file, "--yes", "--json"], { env, overrides: agency.overrides });
      expect(run.code).toBe(0);
      const entries = run.json().connections;
      expect(entries.map((entry: { webhook: { action: string } }) => entry.webhook.action)).toEqual(Array(40).fill("created"));
      expect(agency.simulator.webhooksOf(5040, "outbound").map((hook) => hook.Url)).toEqual(["https://track.customer.io/postmark/events"]);
      expect(agency.simulator.requests.some((request) => request.status === 429)).toBe(true);
      expect(agency.simulator.peakInFlight).toBeLessThanOrEqual(8);
      expect(agency.simulator.peakInFlight).toBeGreaterThanOrEqual(4);
      expect(agency.smtp.peakSessions).toBeLessThanOrEqual(4);
      expect(agency.smtp.logins.filter((login) => login.accepted && login.secure)).toHaveLength(40);
    },
  );
});
