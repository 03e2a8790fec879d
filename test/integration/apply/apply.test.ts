import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ACCESS_KEY,
  ACCOUNT_TOKEN,
  BROADCAST_ACCESS_KEY,
  BROADCAST_SECRET_KEY,
  OTHER_SERVER_TOKEN,
  SECRET_KEY,
  SENDER,
  SERVER_TOKEN,
  startWorld,
  type World,
} from "../../helpers/world.js";
import { EU_URL, US_URL, transactionalTriggers } from "../../helpers/expected.js";
import { addWebhook } from "../../helpers/drift.js";

/**
 * apply against the simulator: a file of connections across two servers and both regions, created,
 * re-run unchanged, drift found by --check and repaired, a failing connection among good ones, and
 * no secret anywhere in what it prints or saves.
 */

const PROD = 2001;
const STAGING = 2002;
let world: World;
let folder: string;
let file: string;

const SMTP_ENV = { PROD_SMTP_ACCESS: ACCESS_KEY, PROD_SMTP_SECRET: SECRET_KEY };
const FILE = {
  $schema: "./node_modules/cio-postmark/schema/connections.json",
  region: "us",
  connections: [
    { server: "Production", stream: "outbound", smtp: { accessKeyEnv: "PROD_SMTP_ACCESS", secretKeyEnv: "PROD_SMTP_SECRET" } },
    { server: "Production", stream: "broadcast" },
    { server: STAGING, stream: "outbound", region: "eu" },
  ],
};

function writeFile(document: unknown = FILE): void {
  writeFileSync(file, typeof document === "string" ? document : JSON.stringify(document, null, 2));
}

/** apply with only what the file and the CI's secret store give: no SMTP variables of setup's. */
const apply = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  world.run(["apply", "--file", file, ...args], {
    env: {
      POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN,
      POSTMARK_SMTP_ACCESS_KEY: undefined,
      POSTMARK_SMTP_SECRET_KEY: undefined,
      ...SMTP_ENV,
      ...env,
    },
  });
const hooks = (server: number, stream: string) => world.simulator.webhooksOf(server, stream);
const configFile = () => join(world.configDir, "config.json");

beforeEach(async () => {
  world = await startWorld();
  folder = mkdtempSync(join(tmpdir(), "cio-postmark-file-"));
  file = join(folder, "cio-postmark.json");
  writeFile();
});
afterEach(async () => {
  await world.close();
  rmSync(folder, { recursive: true, force: true });
});

describe("apply", () => {
  it("connects every stream the file names, on two servers and in both regions, and saves them without secrets", async () => {
    const run = await apply(["--yes", "--json"]);
    expect(run.code).toBe(0);
    const document = run.json();
    expect(Object.keys(document).sort()).toEqual(["check", "connections", "ok"]);
    expect(document).toMatchObject({ ok: true, check: false });
    expect(document.connections.map((entry: any) => [entry.server.id, entry.stream.id, entry.region, entry.webhook.action])).toEqual([
      [PROD, "outbound", "us", "created"],
      [PROD, "broadcast", "us", "created"],
      [STAGING, "outbound", "eu", "created"],
    ]);
    for (const entry of document.connections) {
      expect(Object.keys(entry).sort()).toEqual(["error", "plan", "region", "server", "smtp", "stream", "webhook"]);
      expect(entry.plan).toEqual([{ action: "create", webhook: null }]);
      expect(entry.error).toBeNull();
    }
    expect(document.connections[0].smtp).toMatchObject({ host: "smtp.postmarkapp.com", port: 587, verified: true });
    expect(document.connections[1].smtp).toBeNull();

    expect(hooks(PROD, "outbound").map((hook) => hook.Url)).toEqual([US_URL]);
    expect(hooks(PROD, "outbound")[0]!.Triggers).toEqual(transactionalTriggers());
    expect(hooks(PROD, "broadcast").map((hook) => hook.Url)).toEqual([US_URL]);
    expect(hooks(STAGING, "outbound").map((hook) => hook.Url)).toEqual([EU_URL]);
    expect(world.smtp.logins.filter((login) => login.accepted && login.secure).map((login) => login.accessKey)).toEqual([ACCESS_KEY]);

    const saved = readFileSync(configFile(), "utf8");
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(Object.keys(JSON.parse(saved).connections).sort()).toEqual(["2001:broadcast", "2001:outbound", "2002:outbound"]);
    for (const secret of [SECRET_KEY, ACCOUNT_TOKEN, SERVER_TOKEN, OTHER_SERVER_TOKEN]) {
      expect(saved).not.toContain(secret);
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });

  it("re-run with all as the file says: nothing written anywhere", async () => {
    expect((await apply(["--yes"])).code).toBe(0);
    const writes = world.simulator.writes.length;
    const saved = readFileSync(configFile(), "utf8");
    const run = await apply(["--yes", "--json"]);
    expect(run.code).toBe(0);
    expect(run.json().connections.map((entry: any) => entry.webhook.action)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(world.simulator.writes).toHaveLength(writes);
    expect(readFileSync(configFile(), "utf8")).toBe(saved);
  });

  it("--check: exit 1 naming what would change, writing nothing; exit 0 once applied; drift found and repaired", async () => {
    const before = await apply(["--check"]);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/3 connections would change: Production \/ outbound \(connections\[0\]\)/);
    expect(before.stdout).toContain(`To apply: cio-postmark apply --file ${file} --yes`);
    expect(world.simulator.writes).toHaveLength(0);
    expect(existsSync(world.configDir)).toBe(false);
    expect(world.smtp.logins).toHaveLength(0); // --check proves no SMTP pair

    expect((await apply(["--yes"])).code).toBe(0);
    const clean = await apply(["--check", "--json"]);
    expect(clean.code).toBe(0);
    expect(clean.json()).toMatchObject({ ok: true, check: true });

    const hook = world.simulator.state.webhooks.find((candidate) => candidate.ServerID === STAGING)!;
    hook.Triggers.Open = { Enabled: true, PostFirstOpenOnly: false } as never;
    const writes = world.simulator.writes.length;
    const drift = await apply(["--check", "--json"]);
    expect(drift.code).toBe(1);
    const entries = drift.json().connections;
    expect(entries.map((entry: any) => entry.plan[0].action)).toEqual(["keep", "keep", "update"]);
    expect(entries[2].plan[0]).toMatchObject({ action: "update", webhook: hook.ID });
    expect(entries[2].webhook).toEqual({ id: hook.ID, action: "planned" });
    const text = await apply(["--check"]);
    expect(text.stdout).toContain(
      `Staging / outbound (connections[2]): update webhook ${hook.ID}: Open trigger is on: Customer.io tracks opens itself, so it ` +
        "would count every open twice",
    );
    expect(world.simulator.writes).toHaveLength(writes);

    const repaired = await apply(["--yes", "--json"]);
    expect(repaired.code).toBe(0);
    expect(repaired.json().connections[2].webhook).toEqual({ id: hook.ID, action: "updated" });
    expect(hooks(STAGING, "outbound")[0]!.Triggers.Open.Enabled).toBe(false);
    expect((await apply(["--check"])).code).toBe(0);
  });

  it("prints results in the file's order, not the order they finish", async () => {
    // The first entry's stream answers slowest, so it finishes last.
    world.simulator.injectFault({ match: (request) => request.query.messagestream === "outbound", fault: { kind: "latency", ms: 300 } });
    const run = await apply(["--yes"]);
    expect(run.code).toBe(0);
    const order = ["Production / outbound", "Production / broadcast", "Staging / outbound"].map((name) => run.stdout.indexOf(name));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("a connection that fails is reported and the others still go on; exit 1", async () => {
    writeFile({ ...FILE, connections: [{ server: "Nope", stream: "outbound" }, ...FILE.connections.slice(1)] });
    const run = await apply(["--yes", "--json"]);
    expect(run.code).toBe(1);
    const [failed, ...good] = run.json().connections;
    expect(failed.error).toMatchObject({ code: "unknown_server", hint: "Write the server's exact name or its numeric ID in the file." });
    expect(failed.server).toEqual({ ref: "Nope", id: null, name: null });
    expect(good.map((entry: any) => entry.webhook.action)).toEqual(["created", "created"]);
    expect(run.json().ok).toBe(false);

    const human = await apply(["--yes"]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/✖ Nope \/ outbound \(connections\[0\]\): No server named "Nope"/);
    expect(human.stdout).toMatch(/Applied: 0 changed, 2 unchanged, 1 failed\./);
    // The progress lines never tick a run with a failure in it.
    expect(human.stderr).toContain("✖ Planned 2 of 3 connections; 1 failed");
    expect(human.stderr).toContain("✖ Applied 2 of 3 connections; 1 failed");
    expect(human.stderr).not.toMatch(/✔ (Planned|Applied) 3 connections/);
  });

  it("an SMTP pair Postmark refuses fails its connection before any change to it; the others are applied", async () => {
    const run = await apply(["--yes", "--json"], { PROD_SMTP_SECRET: "sk-wrong-0000" });
    expect(run.code).toBe(1);
    const [outbound, broadcast] = run.json().connections;
    expect(outbound.error.code).toBe("smtp_auth_rejected");
    expect(outbound.smtp.verified).toBe(false);
    expect(hooks(PROD, "outbound")).toEqual([]);
    expect(broadcast.webhook.action).toBe("created");
    expect(run.stdout).not.toContain("sk-wrong-0000");
  });

  it("a connection saved by apply says its secrets are in the environment apply read, never --no-store-secrets", async () => {
    expect((await apply(["--yes"])).code).toBe(0);
    const bare = { POSTMARK_ACCOUNT_TOKEN: undefined, POSTMARK_SMTP_ACCESS_KEY: undefined, POSTMARK_SMTP_SECRET_KEY: undefined };
    const doctor = await world.run(["doctor", "--no-input", "--server", "2001", "--stream", "outbound"], { env: bare });
    expect(doctor.stdout + doctor.stderr).not.toContain("--no-store-secrets");
    expect(doctor.stdout + doctor.stderr).toContain("not stored: apply reads it from POSTMARK_SERVER_TOKEN (or POSTMARK_ACCOUNT_TOKEN)");
    const status = await world.run(["status"], { env: bare });
    expect(status.stdout).not.toContain("--no-store-secrets");
    expect(status.stdout).toContain("Secret Key   not stored: apply reads it from PROD_SMTP_SECRET");
  });

  it("a duplicate whose delete fails: the connection is saved, and the printed command finishes it through the same file", async () => {
    expect((await apply(["--yes"])).code).toBe(0);
    const kept = hooks(PROD, "outbound")[0]!;
    addWebhook(world, PROD, US_URL);
    world.simulator.injectFault({ match: (request) => request.method === "DELETE", fault: { kind: "status", status: 500 } });
    const half = await apply(["--yes"]);
    world.simulator.clearFaults();
    expect(half.code).toBe(1);
    const finish = half.stdout + half.stderr;
    expect(finish).toContain(`To finish: cio-postmark apply --file ${file} --yes`);
    const command = finish
      .match(/To finish: cio-postmark (.+)/)![1]!
      .trim()
      .split(" ");
    const finished = await world.run(command, { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN, ...SMTP_ENV } });
    expect(finished.code).toBe(0);
    expect(hooks(PROD, "outbound").map((hook) => hook.ID)).toEqual([kept.ID]);
  });

  it("--send-test proves the stream each SMTP pair sends through, before any change; a wrong pair changes nothing of its own", async () => {
    const proved = await apply(["--yes", "--json", "--send-test", "--from", SENDER]);
    expect(proved.code).toBe(0);
    expect(proved.json().connections[0].smtp.sendTest).toMatchObject({ stream: "outbound" });
    expect(proved.json().connections[1].smtp).toBeNull();
    const text = await apply(["--check"]);
    expect(text.code).toBe(0);

    world.simulator.state.webhooks = [];
    const wrong = await apply(["--yes", "--json", "--send-test", "--from", SENDER], {
      PROD_SMTP_ACCESS: BROADCAST_ACCESS_KEY,
      PROD_SMTP_SECRET: BROADCAST_SECRET_KEY,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.json().connections[0].error).toMatchObject({ code: "send_test_wrong_stream" });
    expect(hooks(PROD, "outbound")).toEqual([]);
    expect(hooks(PROD, "broadcast").map((hook) => hook.Url)).toEqual([US_URL]);

    const checking = await apply(["--check", "--send-test", "--from", SENDER]);
    expect([checking.code, checking.stderr]).toEqual([2, expect.stringContaining("--check changes and sends nothing")]);
    const noSender = await apply(["--yes", "--send-test"]);
    expect([noSender.code, noSender.stderr]).toEqual([2, expect.stringContaining("--send-test needs --from <address>")]);
  });

  it("a script without --yes changes nothing and says how to apply", async () => {
    const run = await apply([]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/The plan changes 3 connections in Postmark, and this run cannot ask first\. Nothing was changed\./);
    expect(run.stderr).toContain(`cio-postmark apply --file ${file} --yes`);
    expect(world.simulator.writes).toHaveLength(0);
  });

  it("a bad file or a missing variable is exit 2 before any request", async () => {
    writeFile({
      region: "us",
      connections: [
        { server: "Production", stream: "outbound" },
        { server: "Production", stream: "" },
      ],
    });
    const bad = await apply(["--yes", "--json"]);
    expect(bad.code).toBe(2);
    expect(bad.json().error.code).toBe("invalid_connections_file");
    expect(bad.json().error.message).toMatch(/connections\[1\]\.stream must be a message stream ID/);

    writeFile();
    const missing = await apply(["--yes"], { PROD_SMTP_SECRET: undefined });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/connections\[0\]\.smtp\.secretKeyEnv names PROD_SMTP_SECRET, which is not set/);

    const noToken = await apply(["--yes"], { POSTMARK_ACCOUNT_TOKEN: undefined });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/POSTMARK_ACCOUNT_TOKEN/);

    writeFile(
      `{"region": "us", "connections": [{"server": "Production", "stream": "outbound", ` +
        `"smtp": {"accessKeyEnv": "A", "secretKey": "${SECRET_KEY}"}}]}`,
    );
    const inline = await apply(["--yes"]);
    expect(inline.code).toBe(2);
    expect(inline.stderr).toMatch(/connections\[0\]\.smtp\.secretKey is a secret/);
    expect(inline.stderr + inline.stdout).not.toContain(SECRET_KEY);

    rmSync(file);
    const absent = await apply(["--yes"]);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(/There is no connections file/);
    expect(world.simulator.requests).toHaveLength(0);
  });

  it("one server named by its name and by its ID is one server: the same stream twice is exit 2 before any change", async () => {
    writeFile({
      region: "us",
      connections: [
        { server: "Production", stream: "outbound" },
        { server: PROD, stream: "Outbound" },
      ],
    });
    const run = await apply(["--yes"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/connections\[1\] names the same server and stream as connections\[0\]/);
    expect(world.simulator.writes).toHaveLength(0);
  });

  it("with only a server token, every connection must be on its server", async () => {
    writeFile({
      region: "us",
      connections: [
        { server: "Production", stream: "outbound" },
        { server: "Staging", stream: "outbound" },
      ],
    });
    const run = await apply(["--yes", "--json"], { POSTMARK_ACCOUNT_TOKEN: undefined, POSTMARK_SERVER_TOKEN: SERVER_TOKEN });
    expect(run.code).toBe(1);
    const [production, staging] = run.json().connections;
    expect(production.webhook.action).toBe("created");
    expect(staging.error).toMatchObject({ code: "server_mismatch" });
    expect(hooks(STAGING, "outbound")).toEqual([]);
  });

  it("never touches a webhook or a saved connection the file does not name; updates the saved entry of a stream it names", async () => {
    const setup = await world.run(["setup", "--no-input", "--stream", "broadcast", "--region", "us", "--json"], {
      env: {
        POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
        POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
        POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
      },
    });
    expect(setup.code).toBe(0);
    const staged = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "eu", "--skip-smtp", "--json"], {
      env: { POSTMARK_SERVER_TOKEN: OTHER_SERVER_TOKEN },
    });
    expect(staged.code).toBe(0);
    world.simulator.state.webhooks.push({
      ID: 7777,
      ServerID: PROD,
      Url: "https://hooks.example.com/other",
      MessageStream: "outbound",
      HttpAuth: null,
      HttpHeaders: [],
      Triggers: transactionalTriggers(),
    });
    writeFile({
      region: "us",
      connections: [
        { server: "Production", stream: "outbound" },
        { server: "Production", stream: "broadcast" },
      ],
    });
    // The broadcast webhook is removed behind the saved entry's back: apply makes a new one and saves its ID there.
    const broadcastHook = hooks(PROD, "broadcast")[0]!.ID;
    world.simulator.state.webhooks = world.simulator.state.webhooks.filter((hook) => hook.ID !== broadcastHook);
    const run = await apply(["--yes", "--json"]);
    expect(run.code).toBe(0);
    expect(hooks(PROD, "outbound").map((hook) => hook.ID)).toContain(7777);
    expect(hooks(STAGING, "outbound").map((hook) => hook.Url)).toEqual([EU_URL]);
    const saved = JSON.parse(readFileSync(configFile(), "utf8")).connections;
    expect(saved["2002:outbound"].region).toBe("eu");
    expect(saved["2001:broadcast"].webhookId).toBe(run.json().connections[1].webhook.id);
    expect(saved["2001:broadcast"].webhookId).not.toBe(broadcastHook);
    expect(saved["2001:broadcast"].smtp.secretKey).toBe(BROADCAST_SECRET_KEY); // setup's saved pair kept
  });
});

describe("doctor --file", () => {
  it("checks the file's connections with an empty config folder, skipping what a missing variable would enable", async () => {
    expect((await apply(["--yes"])).code).toBe(0);
    rmSync(world.configDir, { recursive: true, force: true });
    const logins = world.smtp.logins.length;
    const run = await world.run(["doctor", "--file", file, "--json", "--send-test", "--from", SENDER], {
      env: {
        POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN,
        POSTMARK_SMTP_ACCESS_KEY: undefined,
        POSTMARK_SMTP_SECRET_KEY: undefined,
        PROD_SMTP_ACCESS: ACCESS_KEY,
      },
    });
    expect(run.code).toBe(0);
    const document = run.json();
    expect(document.connections.map((entry: any) => [entry.server.id, entry.stream.id, entry.region])).toEqual([
      [PROD, "outbound", "us"],
      [PROD, "broadcast", "us"],
      [STAGING, "outbound", "eu"],
    ]);
    const check = (index: number, id: string) => document.connections[index].checks.find((candidate: any) => candidate.id === id);
    expect(check(0, "config-file").status).toBe("skip");
    expect(check(0, "webhook-exists").status).toBe("pass");
    expect(check(2, "webhook-triggers").status).toBe("pass");
    expect(check(0, "smtp-auth")).toMatchObject({ status: "skip" });
    expect(check(0, "smtp-auth").message).toMatch(/set PROD_SMTP_SECRET \(named by connections\[0\]\.smtp/);
    expect(check(0, "smtp-send")).toMatchObject({
      status: "skip",
      message: "Skipped: set PROD_SMTP_SECRET to send with this connection's SMTP token.",
    });
    expect(world.smtp.logins).toHaveLength(logins); // no key pair to log in with, and nothing sent
    expect(existsSync(world.configDir)).toBe(false);
  });

  it("a server or stream it cannot find is one failed check in the file's order, beside the connections it can", async () => {
    expect((await apply(["--yes"])).code).toBe(0);
    writeFile({
      region: "us",
      connections: [
        { server: "Nope", stream: "outbound" },
        { server: "Production", stream: "outbound" },
        { server: "Production", stream: "no-such-stream" },
      ],
    });
    const run = await world.run(["doctor", "--file", file, "--json"], { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } });
    expect(run.code).toBe(1);
    const [unknownServer, good, unknownStream] = run.json().connections;
    expect(unknownServer).toMatchObject({ server: { id: 0, name: "Nope" }, stream: { id: "outbound", type: null }, region: "us" });
    expect(unknownServer.checks).toHaveLength(1);
    expect(unknownServer.checks[0]).toMatchObject({ id: "server-token", status: "fail" });
    expect(unknownServer.checks[0].message).toMatch(/^connections\[0\]: No server named "Nope"/);
    // The file names the server: the fix says to mend the file, not to run without a --server it never had.
    expect(unknownServer.checks[0].fix).toBe("Write the server's exact name or its numeric ID in the file.");
    expect(good.checks.find((check: any) => check.id === "webhook-exists").status).toBe("pass");
    expect(unknownStream).toMatchObject({ server: { id: PROD, name: "Production" }, stream: { id: "no-such-stream", type: null } });
    expect(unknownStream.checks).toHaveLength(1);
    expect(unknownStream.checks[0]).toMatchObject({ id: "stream", status: "fail" });
    expect(unknownStream.checks[0].message).toMatch(/^connections\[2\]: /);
    expect(unknownStream.checks[0].message).toContain("no-such-stream");
    const human = await world.run(["doctor", "--file", file], { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/Problems found: /);
    expect(human.stdout).toContain("Production / no-such-stream (stream not found, region US)");
  });

  it("proves the key pair from the file's variables, and prints fixes that go through the file", async () => {
    expect((await apply(["--yes"])).code).toBe(0);
    world.simulator.state.webhooks = world.simulator.state.webhooks.filter((hook) => hook.MessageStream !== "broadcast");
    const run = await world.run(["doctor", "--file", file, "--verbose"], {
      env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN, POSTMARK_SMTP_SECRET_KEY: undefined, ...SMTP_ENV },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✔ smtp-auth: SMTP smtp\.postmarkapp\.com:587/);
    expect(run.stdout).toContain(`fix: cio-postmark apply --file ${file}`);
    expect(run.stdout + run.stderr).not.toContain(SECRET_KEY);

    const fix = await world.run(["doctor", "--file", file, "--fix"], { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } });
    expect(fix.code).toBe(2);
    expect(fix.stderr).toContain(`cio-postmark apply --file ${file}`);

    // Printed for a run that cannot ask (CI), the fix carries its yes, and runs as printed there.
    const ci = await world.run(["doctor", "--file", file], { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN, CI: "true" } });
    const printed = /fix: cio-postmark (apply --file \S+ --yes)$/m.exec(ci.stdout)![1]!;
    const repaired = await world.run(printed.split(" "), { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN, CI: "true", ...SMTP_ENV } });
    expect(repaired.code).toBe(0);
    expect(hooks(PROD, "broadcast").map((hook) => hook.Url)).toEqual([US_URL]);
  });
});
