import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN, DEFAULT_SPEC, SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";
import { US_URL, transactionalTriggers } from "../../helpers/expected.js";

/**
 * A hostile or broken world: a Postmark API that redirects, lies about counts and shapes, names
 * that try to drive the terminal, loose folders and planted files.
 */

const PROD = 2001;
let world: World;
afterEach(() => world?.close());

const base = ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp"];
const serverEnv = { POSTMARK_SERVER_TOKEN: SERVER_TOKEN };
const configPath = () => join(world.configDir, "config.json");

/** A run's --json output is exactly one JSON document, and no stack trace reaches either stream. */
function oneDocument(run: { stdout: string; stderr: string }) {
  expect(run.stdout.trim().split("\n{").length).toBe(1);
  expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  return JSON.parse(run.stdout);
}

describe("security", () => {
  it("a redirect is never followed: the token is not sent to the other origin, and the Location host is named", async () => {
    world = await startWorld();
    let elsewhere = 0;
    const other = createServer((_request, response) => {
      elsewhere += 1;
      response.end("{}");
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const port = (other.address() as AddressInfo).port;
    try {
      for (const status of [301, 302, 307, 308]) {
        world.simulator.clearFaults();
        world.simulator.injectFault({
          fault: { kind: "answer", status, body: "", headers: { Location: `http://127.0.0.1:${port}/server` } },
        });
        const run = await world.run([...base, "--json"], { env: serverEnv });
        expect(run.code).toBe(1);
        const { error } = oneDocument(run);
        expect(error.code).toBe("postmark_redirect");
        expect(error.message).toContain(`a redirect to 127.0.0.1:${port}`);
      }
      expect(elsewhere).toBe(0);
      expect(existsSync(configPath())).toBe(false);
    } finally {
      other.close();
    }
  });

  it("names from outside never drive the terminal; --json keeps them exact", async () => {
    const hostile = "Acme\u001b]0;pwned\u0007 \u001b[2J\n✔ Webhook verified \u202eevil";
    world = await startWorld({ ...DEFAULT_SPEC, servers: [{ id: PROD, name: hostile, tokens: [SERVER_TOKEN] }] });
    const human = await world.run(base, { env: serverEnv });
    expect(human.code).toBe(0);
    const status = await world.run(["status"]);
    const doctor = await world.run(["doctor"], { env: {} });
    for (const run of [human, status, doctor]) {
      const all = run.stdout + run.stderr;
      expect(all).not.toContain("\u001b]0;");
      expect(all).not.toContain("\u001b[2J");
      expect(all).not.toContain("\u202e");
      expect(all).not.toMatch(/\n✔ Webhook verified/);
      expect(all).toContain("Acme\\x1b]0;pwned\\x07 \\x1b[2J\\x0a✔ Webhook verified \\u202eevil");
    }
    const json = await world.run(["status", "--json"]);
    expect(oneDocument(json).connections[0].server.name).toBe(hostile);
  });

  it("an error message from Postmark is shown escaped too", async () => {
    world = await startWorld();
    world.simulator.injectFault({
      fault: { kind: "answer", status: 422, body: JSON.stringify({ ErrorCode: 1, Message: "Bad\u001b[2J\nthing" }) },
    });
    const run = await world.run(base, { env: serverEnv });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Bad\\x1b[2J\\x0athing");
    expect(run.stderr).not.toContain("\u001b[2J");
  });

  it("setup tightens an existing 0777 config folder to 0700; doctor fails config-file on a loose folder, with the fix", async () => {
    world = await startWorld();
    mkdirSync(world.configDir, { recursive: true });
    chmodSync(world.configDir, 0o777);
    expect((await world.run(base, { env: serverEnv })).code).toBe(0);
    expect(statSync(world.configDir).mode & 0o777).toBe(0o700);
    chmodSync(world.configDir, 0o755);
    const doctor = await world.run(["doctor", "--json"], { env: {} });
    expect(doctor.code).toBe(1);
    const check = oneDocument(doctor).connections[0].checks.find((c: { id: string }) => c.id === "config-file");
    expect(check).toMatchObject({
      status: "fail",
      message: expect.stringContaining("mode 0755"),
      fix: expect.stringContaining(`chmod 700 "${world.configDir}"`),
    });
    expect((await world.run(["doctor", "--fix", "--json"], { env: {} })).code).toBe(0);
    expect(statSync(world.configDir).mode & 0o777).toBe(0o700);
  });

  it("a symlinked config.json is refused and nothing is changed, the file it points to included", async () => {
    world = await startWorld();
    mkdirSync(world.configDir, { recursive: true, mode: 0o700 });
    const elsewhere = join(world.configDir, "..", "someone-elses.json");
    writeFileSync(elsewhere, "{}", { mode: 0o644 });
    symlinkSync(elsewhere, configPath());
    const run = await world.run([...base, "--json"], { env: serverEnv });
    expect(run.code).toBe(1);
    expect(oneDocument(run).error).toMatchObject({ code: "config_symlink" });
    expect(readFileSync(elsewhere, "utf8")).toBe("{}");
    expect(world.simulator.writes).toEqual([]);
  });

  it("a secret containing quotes and backslashes is masked in --json, not shown in its escaped form", async () => {
    const token = 'tok"en\\with-quote-1234567890';
    world = await startWorld();
    world.simulator.injectFault({
      fault: { kind: "answer", status: 422, body: JSON.stringify({ ErrorCode: 1, Message: `The token ${token} is not allowed here.` }) },
    });
    const run = await world.run([...base, "--json"], { env: { POSTMARK_SERVER_TOKEN: token } });
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain(JSON.stringify(token).slice(1, -1));
    expect(run.stdout).not.toContain(token);
    expect(oneDocument(run).error.message).toContain("The token ••••7890 is not allowed here.");
  });
});

describe("a server that misbehaves", () => {
  it.each([
    ["explicit port 443", "https://track.customer.io:443/postmark/events"],
    ["plain http", "http://track.customer.io/postmark/events"],
    ["a query", "https://track.customer.io/postmark/events?utm=1"],
    ["a fragment", "https://track.customer.io/postmark/events#x"],
    ["a doubled slash", "https://track.customer.io//postmark/events"],
    ["upper-case host", "https://TRACK.CUSTOMER.IO/postmark/events"],
  ])("a Customer.io webhook URL with %s is repaired, never duplicated", async (_name, url) => {
    world = await startWorld();
    world.simulator.state.webhooks.push({
      ID: 55,
      ServerID: PROD,
      Url: url,
      MessageStream: "outbound",
      HttpAuth: null,
      HttpHeaders: [],
      Triggers: transactionalTriggers(),
    });
    const before = await world.run(["doctor", "--json"], { env: {} }); // nothing saved yet
    expect(before.code).toBe(1);
    const run = await world.run([...base, "--json"], { env: serverEnv });
    expect(run.code).toBe(0);
    expect(oneDocument(run).webhook).toMatchObject({ id: 55, action: "updated", url: US_URL });
    expect(world.simulator.webhooksOf(PROD, "outbound").map((hook) => hook.Url)).toEqual([US_URL]);
  });

  it("paging stops at the first short page, whatever TotalCount says", async () => {
    world = await startWorld();
    world.simulator.injectFault({
      match: (request) => request.path === "/servers",
      fault: { kind: "answer", status: 200, body: JSON.stringify({ TotalCount: 1_000_000, Servers: [] }) },
    });
    const run = await world.run(
      ["setup", "--no-input", "--server", "Nope", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json"],
      { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } },
    );
    expect(run.code).toBe(2);
    expect(oneDocument(run).error.code).toBe("unknown_server");
    // The name filter's page and the full listing's first page: one request each, not 2,000.
    expect(world.simulator.requests.filter((request) => request.path === "/servers")).toHaveLength(2);
  });

  it("a TotalCount no account has is a bad response (no crash, no flood of requests)", async () => {
    world = await startWorld();
    const page = {
      TotalCount: 1e12,
      Servers: Array.from({ length: 500 }, (_, i) => ({ ID: i + 1, Name: `S${i}`, ApiTokens: [], SmtpApiActivated: true })),
    };
    world.simulator.injectFault({
      match: (request) => request.path === "/servers",
      fault: { kind: "answer", status: 200, body: JSON.stringify(page) },
    });
    const run = await world.run(
      ["setup", "--no-input", "--server", "S1", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json"],
      { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } },
    );
    expect(run.code).toBe(1);
    expect(oneDocument(run).error).toMatchObject({ code: "postmark_bad_response", message: expect.stringContaining("1000000000000") });
    expect(world.simulator.requests).toHaveLength(1);
  });

  it("a page that fails stops the listing: no new page is asked for after it", async () => {
    world = await startWorld({ ...DEFAULT_SPEC, servers: Array.from({ length: 6000 }, (_, i) => ({ id: 7000 + i, name: `Client ${i}` })) });
    world.simulator.injectFault({
      match: (request) => request.path === "/servers" && request.index > 0,
      fault: { kind: "status", status: 500 },
    });
    const run = await world.run(
      ["setup", "--no-input", "--server", "Client", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json"],
      { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } },
    );
    expect(run.code).toBe(1);
    oneDocument(run);
    // 12 pages in all: the first alone, then 8 at once; after they fail, none of the last 3 may start.
    const offsets = new Set(world.simulator.requests.map((request) => request.query.offset));
    expect([...offsets].map(Number).filter((offset) => offset >= 4500)).toEqual([]);
  });

  it("an answer larger than 32 MB is refused with a clear error", async () => {
    world = await startWorld();
    world.simulator.injectFault({ fault: { kind: "answer", status: 200, body: `{"x":"${"a".repeat(33 * 1024 * 1024)}"}` } });
    const run = await world.run([...base, "--json"], { env: serverEnv });
    expect(run.code).toBe(1);
    expect(oneDocument(run).error).toMatchObject({ code: "postmark_response_too_large" });
  });

  it.each([
    ["HTML with status 200", "/server", "<html><body>Welcome</body></html>"],
    ["Servers: null", "/servers", JSON.stringify({ TotalCount: 3, Servers: null })],
    ["Webhooks: null", "/webhooks", JSON.stringify({ Webhooks: null })],
    ["a server with no ID", "/server", JSON.stringify({ Name: "x", SmtpApiActivated: true })],
  ])("%s is a postmark_bad_response with a hint, not an internal error", async (_name, path, body) => {
    world = await startWorld();
    world.simulator.injectFault({ match: (request) => request.path === path, fault: { kind: "answer", status: 200, body } });
    const env = path === "/servers" ? { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } : serverEnv;
    const args =
      path === "/servers"
        ? ["setup", "--no-input", "--server", "Production", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json"]
        : [...base, "--json"];
    const run = await world.run(args, { env });
    expect(run.code).toBe(1);
    const { error } = oneDocument(run);
    expect(error.code).toBe("postmark_bad_response");
    expect(error.hint).toMatch(/--trace/);
  });

  it.each([
    ["500", { kind: "status", status: 500 } as const],
    ["401", { kind: "answer", status: 401, body: JSON.stringify({ ErrorCode: 10, Message: "Bad token" }) } as const],
  ])("doctor with /webhooks answering %s fails the webhook checks, saying what could not be read", async (_name, fault) => {
    world = await startWorld();
    expect((await world.run(base, { env: serverEnv })).code).toBe(0);
    world.simulator.injectFault({ match: (request) => request.path === "/webhooks", fault });
    const run = await world.run(["doctor", "--json"], { env: {} });
    expect(run.code).toBe(1);
    const report = oneDocument(run);
    expect(report.ok).toBe(false);
    const checks = Object.fromEntries(report.connections[0].checks.map((c: { id: string; status: string; message: string }) => [c.id, c]));
    for (const id of ["webhook-exists", "webhook-triggers", "webhook-duplicates"]) {
      expect(checks[id]).toMatchObject({ status: "fail", message: expect.stringContaining("Could not read the stream's webhooks") });
    }
  });
});

describe("inputs", () => {
  it("--config-dir empty or blank is a usage error, and no default folder is created", async () => {
    world = await startWorld();
    const home = join(world.configDir, "..", "home");
    mkdirSync(home);
    for (const dir of ["", "   "]) {
      const run = await world.run(["status", "--config-dir", dir, "--json"], {
        env: { HOME: home, XDG_CONFIG_HOME: join(home, ".config"), CIO_POSTMARK_CONFIG_DIR: undefined },
      });
      expect(run.code).toBe(2);
      expect(oneDocument(run).error.message).toMatch(/--config-dir is empty/);
    }
    expect(existsSync(join(home, ".config"))).toBe(false);
  });

  it("bad saved entries are reported with their server and stream, left as they are, and the others still work", async () => {
    world = await startWorld();
    expect((await world.run(base, { env: serverEnv })).code).toBe(0);
    const config = JSON.parse(readFileSync(configPath(), "utf8"));
    config.connections["2001:broadcast"] = { ...config.connections["2001:outbound"], streamId: "broadcast", region: "asia" };
    config.connections["2002:outbound"] = null;
    config.connections["2003:outbound"] = { serverId: 2003 };
    const text = JSON.stringify(config);
    writeFileSync(configPath(), text, { mode: 0o600 });
    const status = await world.run(["status"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("1 saved connection in");
    expect(status.stderr).toContain("Saved connection 2001:broadcast in");
    expect(status.stderr).toContain('region is not "us" or "eu"');
    expect(status.stderr).toContain("Saved connection 2002:outbound");
    expect(status.stderr).toContain("Saved connection 2003:outbound");
    const json = oneDocument(await world.run(["status", "--json"]));
    expect(json.skipped.map((entry: { key: string }) => entry.key)).toEqual(["2001:broadcast", "2002:outbound", "2003:outbound"]);
    const doctor = await world.run(["doctor", "--json"], { env: {} });
    expect(doctor.code).toBe(0);
    expect(oneDocument(doctor).connections).toHaveLength(1);
    expect((await world.run(base, { env: serverEnv })).code).toBe(0);
    const after = JSON.parse(readFileSync(configPath(), "utf8")).connections;
    expect([after["2001:broadcast"], after["2002:outbound"], after["2003:outbound"]]).toEqual([
      config.connections["2001:broadcast"],
      null,
      { serverId: 2003 },
    ]);
  });

  it.each(["US", " Eu ", "eU"])("--region %j is taken in any case and with spaces", async (region) => {
    world = await startWorld();
    const run = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", region, "--skip-smtp", "--json"], {
      env: serverEnv,
    });
    expect(run.code).toBe(0);
    expect(oneDocument(run).region).toBe(region.trim().toLowerCase());
  });

  it("--smtp-port takes a custom relay's port", async () => {
    world = await startWorld();
    const run = await world.run(
      ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--smtp-host", "relay.internal", "--smtp-port", "2526", "--json"],
      { env: serverEnv },
    );
    expect(run.code).toBe(1); // the relay's certificate is not for relay.internal: the TLS check still holds
    expect(oneDocument(run).error.code).toBe("smtp_certificate");
    const ok = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--smtp-port", "2526", "--json"], {
      env: serverEnv,
    });
    expect(ok.code).toBe(0);
    expect(oneDocument(ok).smtp).toMatchObject({ port: 2526, verified: true });
  });

  it("--server 42 falls back to the server named 42; --server 001 is server ID 1 and needs no server token", async () => {
    world = await startWorld({
      ...DEFAULT_SPEC,
      servers: [
        ...DEFAULT_SPEC.servers,
        { id: 1, name: "One", tokens: ["srv-token-one-1111111111"] },
        { id: 3001, name: "42", tokens: ["srv-token-42-4242424242"] },
      ],
    });
    const byName = await world.run(
      ["setup", "--no-input", "--server", "42", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json"],
      { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } },
    );
    expect(byName.code).toBe(0);
    expect(oneDocument(byName).server).toEqual({ id: 3001, name: "42" });
    const padded = await world.run(
      ["setup", "--no-input", "--server", "001", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json"],
      { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } },
    );
    expect(padded.code).toBe(0);
    expect(oneDocument(padded).server).toEqual({ id: 1, name: "One" });
  });
});
