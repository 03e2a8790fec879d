import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CustomerIoSimulator } from "../../../src/sandbox/customerio-simulator.js";
import { CIO_US_KEY, startCustomerIo } from "../../helpers/customerio.js";
import { closedPort, startProxy, type TestProxy } from "../../helpers/proxy.js";
import {
  ACCESS_KEY,
  ACCOUNT_TOKEN,
  SECRET_KEY,
  SENDER,
  SERVER_TOKEN,
  startWorld,
  startWorldWithOutbound,
  type World,
} from "../../helpers/world.js";

/**
 * An office that blocks SMTP ports outright: the local handshake cannot run. Customer.io's servers,
 * not the office, talk to Postmark's SMTP, so setup goes on with the key pair unproved, says so, and
 * the chain proof from Customer.io's side (doctor --end-to-end) proves it without the port.
 */

const LOGIN = { user: "jane", password: "smtp-pr0xy:p@ss" };
let world: World;
let customerio: CustomerIoSimulator;
afterEach(async () => {
  await customerio?.close();
  await world?.close();
});

/** Runs with SMTP dialled at a port nothing answers: what a blocked port looks like from here. */
async function blockedRun(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const port = await closedPort();
  return world.run(argv, {
    env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...customerio.env, ...env },
    overrides: {
      ...world.overrides,
      endToEndTimeoutMs: 3_000,
      smtpRoute: { ...world.overrides.smtpRoute, connectTo: { host: "127.0.0.1", port } },
    },
  });
}

describe("SMTP port blocked on this network", () => {
  it("setup saves the key pair unproved, says why that does not stop Customer.io, and names the proof that needs no port", async () => {
    world = await startWorld();
    customerio = await startCustomerIo(world);
    const run = await blockedRun(["setup", "--no-input", "--json", "--stream", "outbound", "--region", "us"]);
    expect(run.code).toBe(0);
    const document = run.json();
    expect(document.smtp).toMatchObject({ host: "smtp.postmarkapp.com", port: 587, verified: false });
    // One warning: no --send-test, so nothing is said of a test message.
    expect(document.warnings).toHaveLength(1);
    const [warning] = document.warnings;
    expect(warning).toContain("the port may be blocked on this network. The SMTP key pair is saved unproved.");
    expect(warning).toContain("Customer.io's servers, not this network, connect to Postmark's SMTP");
    expect(warning).toContain("doctor --end-to-end");
    const saved = JSON.parse(readFileSync(join(world.configDir, "config.json"), "utf8")).connections["2001:outbound"];
    expect(saved.smtp.accessKey).toBeTruthy();
    expect(saved.verifiedAt).toBeNull(); // the record says it was never proved

    // doctor cannot know from here either: a warning that says so, not a failure, and the proof to run.
    const doctor = await blockedRun(["doctor", "--json"]);
    expect(doctor.code).toBe(0);
    const auth = doctor.json().connections[0].checks.find((check: { id: string }) => check.id === "smtp-auth");
    expect(auth.status).toBe("warn");
    expect(auth.message).toContain("the port may be blocked on this network");
    expect(auth.message).toContain(
      "The key pair is not checked from here (it has never been proved); Customer.io's servers, not this network, connect to " +
        "Postmark's SMTP.",
    );
    const human = await blockedRun(["doctor"]);
    expect(human.stdout).toMatch(/^Network: .*; SMTP smtp\.postmarkapp\.com:587 blocked here\.$/m);
    expect(auth.fix).toContain("doctor --end-to-end --from");
    expect(doctor.json().network.smtp).toEqual([{ host: "smtp.postmarkapp.com", port: 587, answered: false }]);

    const sending = await blockedRun(["doctor", "--json", "--send-test", "--from", SENDER]);
    expect(sending.code).toBe(0);
    const send = sending.json().connections[0].checks.find((check: { id: string }) => check.id === "smtp-send");
    expect(send).toMatchObject({ status: "warn", fix: expect.stringContaining("doctor --end-to-end --from ADDRESS") });
    expect(send.message).toContain("The test message was not sent from here");
    expect(world.simulator.state.messages).toHaveLength(0);

    // The chain proof from Customer.io's side: its servers reach Postmark's SMTP, and the key pair is proved.
    const chain = await blockedRun(["doctor", "--json", "--end-to-end", "--from", SENDER], { CUSTOMERIO_APP_API_KEY: CIO_US_KEY });
    expect(chain.code).toBe(0);
    const endToEnd = chain.json().connections[0].checks.find((check: { id: string }) => check.id === "end-to-end");
    expect(endToEnd.status).toBe("pass");
  });

  it("in words: the check ends as a note, not a failure, and the warning says what it means", async () => {
    world = await startWorld();
    customerio = await startCustomerIo(world);
    const run = await blockedRun(["setup", "--no-input", "--stream", "outbound", "--region", "us"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^ℹ SMTP smtp\.postmarkapp\.com:587: not reached from this network; the key pair is saved unproved$/m);
    expect(run.stderr).not.toMatch(/✖/);
    expect(run.stderr + run.stdout).toContain("Customer.io's servers, not this network, connect to Postmark's SMTP");
  });

  it("--send-test cannot send either: said, and nothing is sent", async () => {
    world = await startWorld();
    customerio = await startCustomerIo(world);
    const run = await blockedRun([
      "setup",
      "--no-input",
      "--json",
      "--stream",
      "outbound",
      "--region",
      "us",
      "--send-test",
      "--from",
      SENDER,
    ]);
    expect(run.code).toBe(0);
    expect(run.json().smtp).toMatchObject({ verified: false, sendTest: null });
    expect(run.json().warnings).toContain("The test message (--send-test) needs the same port: it was not sent.");
    expect(world.simulator.state.messages).toHaveLength(0);
  });
});

describe("SMTP through a proxy that allows CONNECT to the port", () => {
  it.each([
    ["ALL_PROXY", (proxy: TestProxy) => ({ args: [], env: { ALL_PROXY: proxy.url } })],
    [
      "--smtp-proxy with a login",
      (proxy: TestProxy) => ({
        args: ["--smtp-proxy", `http://jane:${encodeURIComponent(LOGIN.password)}@127.0.0.1:${proxy.port}`],
        env: {},
      }),
    ],
  ])("%s: the handshake goes through it and proves the key pair", async (_name, how) => {
    world = await startWorld();
    customerio = await startCustomerIo(world);
    const routes = { "smtp.postmarkapp.com": world.smtp.port };
    const proxy = await startProxy(routes, _name.includes("login") ? LOGIN : undefined);
    try {
      const { args, env } = how(proxy);
      const run = await world.run(["setup", "--no-input", "--json", "--stream", "outbound", "--region", "us", ...args], {
        env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...env },
        // Trust the run's certificate, and dial nothing but the proxy: the SMTP host's name only it resolves.
        overrides: { ...world.overrides, smtpRoute: { ca: world.certificate.cert } },
      });
      expect(run.code).toBe(0);
      expect(run.json().smtp).toMatchObject({ host: "smtp.postmarkapp.com", port: 587, verified: true });
      expect(proxy.connects.map((connect) => connect.target)).toEqual(["smtp.postmarkapp.com:587"]);
      const doctor = await world.run(["doctor", ...args], {
        env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...env },
        overrides: { ...world.overrides, smtpRoute: { ca: world.certificate.cert } },
      });
      expect(doctor.stdout).toMatch(/SMTP smtp\.postmarkapp\.com:587 through the proxy http:\/\/(jane:••••@)?127\.0\.0\.1:\d+ answered\./);
      expect(run.stdout + run.stderr).not.toContain(LOGIN.password);
      // Each step of the handshake is seen through the tunnel, its connection first.
      const words = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", ...args], {
        env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...env },
        overrides: { ...world.overrides, smtpRoute: { ca: world.certificate.cert } },
      });
      expect(words.stderr).toContain("SMTP smtp.postmarkapp.com:587: connected, STARTTLS encryption on, key pair accepted");
    } finally {
      await proxy.close();
    }
  });
});

describe("an SMTP proxy that will not help is named as the proxy", () => {
  it.each([
    [
      "wants a login",
      LOGIN,
      "proxy_auth_required",
      /^The SMTP proxy http:\/\/127\.0\.0\.1:\d+ wants a login \(407\) before it connects to smtp\.postmarkapp\.com:587\.$/,
      "Put your proxy login in the proxy's URL (--smtp-proxy or ALL_PROXY): user name, a colon, password, then @ before its host.",
    ],
    [
      "allows only web ports",
      undefined,
      "proxy_refused",
      /^The SMTP proxy http:\/\/127\.0\.0\.1:\d+ refused to connect to smtp\.postmarkapp\.com:587 \(it answered 502\)\.$/,
      "Many proxies allow only web ports. Ask your IT team to allow the SMTP port, or prove the key pair from Customer.io's side " +
        "with doctor --end-to-end (it needs a Customer.io App API key).",
    ],
    [
      "cannot be reached",
      "closed" as const,
      "proxy_unreachable",
      /^Could not reach the SMTP proxy http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*\.$/,
      "Check --smtp-proxy (or ALL_PROXY) against your network's proxy settings.",
    ],
  ])("a proxy that %s: %s, nothing saved", async (_name, login, code, message, hint) => {
    world = await startWorld();
    customerio = await startCustomerIo(world);
    const proxy =
      login === "closed"
        ? { url: `http://127.0.0.1:${await closedPort()}`, close: async () => {} }
        : await startProxy(login ? { "smtp.postmarkapp.com": world.smtp.port } : {}, login);
    try {
      const run = await world.run(["setup", "--no-input", "--json", "--stream", "outbound", "--region", "us", "--smtp-proxy", proxy.url], {
        env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
        overrides: { ...world.overrides, smtpRoute: { ca: world.certificate.cert } },
      });
      expect(run.code).toBe(1);
      expect(run.json().error).toMatchObject({ code, message: expect.stringMatching(message), hint });
      expect(world.simulator.writes).toHaveLength(0);
    } finally {
      await proxy.close();
    }
  });
});

describe("apply where the SMTP port is blocked", () => {
  it("saves each key pair unproved and says so, in words and in JSON", async () => {
    world = await startWorld();
    customerio = await startCustomerIo(world);
    const folder = mkdtempSync(join(tmpdir(), "cio-blocked-"));
    const file = join(folder, "cio-postmark.json");
    writeFileSync(
      file,
      JSON.stringify({
        region: "us",
        connections: [{ server: "Production", stream: "outbound", smtp: { accessKeyEnv: "SMTP_ACCESS", secretKeyEnv: "SMTP_SECRET" } }],
      }),
    );
    const env = { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN, SMTP_ACCESS: ACCESS_KEY, SMTP_SECRET: SECRET_KEY };
    const json = await blockedRun(["apply", "--file", file, "--yes", "--json"], env);
    expect(json.code).toBe(0);
    expect(json.json().connections[0].smtp).toMatchObject({ verified: false });
    const saved = JSON.parse(readFileSync(join(world.configDir, "config.json"), "utf8")).connections["2001:outbound"];
    expect(saved).toMatchObject({ smtp: { accessKey: ACCESS_KEY }, verifiedAt: null });
    const text = await blockedRun(["apply", "--file", file, "--yes"], env);
    expect(text.code).toBe(0);
    expect(text.stdout + text.stderr).toContain("not proved (this network blocks the port)");
    expect(text.stdout + text.stderr).toContain("Customer.io's servers, not this network, connect to Postmark's SMTP");
    rmSync(folder, { recursive: true, force: true });
  });
});

describe("in-process, an http:// API address through HTTP_PROXY", () => {
  it("each request goes through the proxy's tunnel; NO_PROXY naming the host sends it direct", async () => {
    world = await startWorldWithOutbound();
    customerio = await startCustomerIo(world);
    const proxy = await startProxy({ "127.0.0.1": Number(new URL(world.simulator.url).port) });
    try {
      const through = await world.run(["doctor", "--json"], { env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, HTTP_PROXY: proxy.url } });
      expect(through.code).toBe(0);
      expect(proxy.connects.length).toBeGreaterThan(0);
      expect(new Set(proxy.connects.map((connect) => connect.target))).toEqual(new Set([`127.0.0.1:${new URL(world.simulator.url).port}`]));
      expect(through.json().network.postmark).toMatchObject({ proxy: proxy.url, variable: "HTTP_PROXY" });
      const before = proxy.connects.length;
      const direct = await world.run(["doctor", "--json"], {
        env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" },
      });
      expect(direct.code).toBe(0);
      expect(proxy.connects).toHaveLength(before);
      expect(direct.json().network.postmark).toMatchObject({ direct: "NO_PROXY names it" });
    } finally {
      await proxy.close();
    }
  });
});

describe("a malformed ALL_PROXY", () => {
  it("fails only the commands that speak SMTP, as a usage error naming it; --smtp-proxy is checked before anything is read", async () => {
    world = await startWorldWithOutbound();
    customerio = await startCustomerIo(world);
    const env = { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ALL_PROXY: "http://jane:hunter22@[bad" };
    const status = await world.run(["status", "--json"], { env });
    expect(status.code).toBe(0);
    const doctor = await world.run(["doctor", "--json"], { env });
    expect(doctor.code).toBe(2);
    expect(doctor.json().error).toMatchObject({ code: "proxy_invalid", message: expect.stringContaining("in ALL_PROXY") });
    expect(doctor.stdout + doctor.stderr).not.toContain("hunter22");
    const requests = world.simulator.requests.length;
    const flag = await world.run(["setup", "--no-input", "--json", "--stream", "outbound", "--region", "us", "--smtp-proxy", "ftp://x:1"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    });
    expect(flag.code).toBe(2);
    expect(flag.json().error.message).toContain("in --smtp-proxy");
    expect(world.simulator.requests).toHaveLength(requests);
  });
});
