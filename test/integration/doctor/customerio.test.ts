import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CustomerIoSimulator } from "../../../src/sandbox/customerio-simulator.js";
import { CustomerIoApi } from "../../../src/customerio/api.js";
import {
  ACCESS_KEY,
  ACCOUNT_TOKEN,
  BROADCAST_ACCESS_KEY,
  BROADCAST_SECRET_KEY,
  SECRET_KEY,
  SENDER,
  SERVER_TOKEN,
  startWorld,
  type World,
} from "../../helpers/world.js";
import { CIO_EU_KEY, CIO_US_KEY, startCustomerIo } from "../../helpers/customerio.js";
import { EU_URL, US_URL } from "../../helpers/expected.js";

/**
 * Customer.io's App API: the key finds the workspace's region, doctor checks the saved region
 * against it, and --end-to-end follows one email from Customer.io through Postmark and back.
 * Literal expectations: the words, stages, codes and URLs users and scripts rely on.
 */

let world: World;
let customerio: CustomerIoSimulator;
afterEach(async () => {
  await customerio?.close();
  await world?.close();
});

async function start(changes: Parameters<typeof startCustomerIo>[1] = {}, options: Parameters<typeof startCustomerIo>[2] = {}) {
  world = await startWorld();
  customerio = await startCustomerIo(world, changes, options);
}

const run = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  world.run(argv, {
    env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...customerio.env, ...env },
    overrides: { ...world.overrides, endToEndTimeoutMs: 3_000 },
  });
const setup = (args: string[], key?: string) =>
  run(["setup", "--no-input", "--json", "--stream", "outbound", ...args], key ? { CUSTOMERIO_APP_API_KEY: key } : {});
const doctorJson = async (args: string[], key?: string) => {
  const result = await run(["doctor", "--json", ...args], key ? { CUSTOMERIO_APP_API_KEY: key } : {});
  const checks = result.json().connections?.[0]?.checks ?? [];
  return { ...result, check: (id: string) => checks.find((check: { id: string }) => check.id === id) };
};
/** A webhook of another service (not Customer.io's) on the stream, as an account may have beside ours. */
function otherServiceWebhook(stream: string) {
  const state = world.simulator.state;
  state.webhooks.push({
    ...state.webhooks[0]!,
    ID: state.nextWebhookId++,
    Url: "https://hooks.example.com/postmark",
    MessageStream: stream,
  });
}
const cioRequests = () => customerio.requests.map((request) => `${request.region} ${request.method} ${request.path} ${request.status}`);

describe("the region from the App API key", () => {
  it("a US workspace's key: one read on the US host, and the US webhook, with no --region", async () => {
    await start();
    const result = await setup([], CIO_US_KEY);
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ ok: true, region: "us" });
    expect(cioRequests()).toEqual(["us GET /v1/workspaces 200"]);
    expect(world.simulator.webhooksOf(2001, "outbound").map((hook) => hook.Url)).toEqual([US_URL]);
  });

  it("an EU workspace's key: the US host refuses it (401), the EU host answers, and the EU webhook", async () => {
    await start();
    const result = await setup([], CIO_EU_KEY);
    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ ok: true, region: "eu" });
    expect(cioRequests()).toEqual(["us GET /v1/workspaces 401", "eu GET /v1/workspaces 200"]);
    expect(world.simulator.webhooksOf(2001, "outbound").map((hook) => hook.Url)).toEqual([EU_URL]);
  });

  it("a --region that disagrees with the key: exit 2 region_mismatch, naming both regions and the wrong URL, nothing changed", async () => {
    await start();
    const result = await setup(["--region", "us"], CIO_EU_KEY);
    expect(result.code).toBe(2);
    expect(result.json().error).toEqual({
      code: "region_mismatch",
      message:
        `--region us disagrees with the App API key: Customer.io workspace Acme EU is in region EU. The webhook would have ` +
        `pointed at ${US_URL}, where Customer.io would never match its events.`,
      hint: "Drop --region (the key decides it), or use --region eu. Nothing was changed.",
    });
    expect(world.simulator.writes).toEqual([]);
    expect(existsSync(join(world.configDir, "config.json"))).toBe(false);
  });

  it("a --region that agrees is fine", async () => {
    await start();
    expect((await setup(["--region", "eu"], CIO_EU_KEY)).code).toBe(0);
  });

  it("a key neither host takes: customerio_unauthorized (exit 1), both hosts asked, nothing changed", async () => {
    await start();
    const result = await setup([], "cio-app-key-nobody-00000000");
    expect(result.code).toBe(1);
    expect(result.json().error.code).toBe("customerio_unauthorized");
    expect(result.json().error.message).toBe(
      "Customer.io accepted the App API key on neither region's host (api.customer.io, api-eu.customer.io).",
    );
    expect(cioRequests()).toEqual(["us GET /v1/workspaces 401", "eu GET /v1/workspaces 401"]);
    expect(world.simulator.writes).toEqual([]);
  });

  it.each([
    ["CUSTOMERIO_API_URL_US", "http://api.customer.io.example", "insecure_api_url"],
    ["CUSTOMERIO_API_URL_EU", "https://api-eu.customer.io/v1", "invalid_api_url"],
  ])("%s=%s is refused before any request (exit 2 %s)", async (variable, value, code) => {
    await start();
    const result = await run(["setup", "--no-input", "--json", "--stream", "outbound"], {
      CUSTOMERIO_APP_API_KEY: CIO_US_KEY,
      [variable]: value,
    });
    expect(result.code).toBe(2);
    expect(result.json().error.code).toBe(code);
    expect(customerio.requests).toEqual([]);
    expect(world.simulator.requests).toEqual([]);
  });

  it("without a key, a scripted setup still needs --region, and says the key would do", async () => {
    await start();
    const result = await setup([]);
    expect(result.code).toBe(2);
    expect(result.json().error.message).toContain("--region <us|eu> (or CUSTOMERIO_APP_API_KEY, which knows it)");
  });
});

describe("doctor: customerio-region", () => {
  it("skipped without a key; passes when the saved region is the workspace's", async () => {
    await start();
    await setup(["--region", "us"]);
    expect((await doctorJson([])).check("customerio-region")).toMatchObject({ status: "skip" });
    const result = await doctorJson([], CIO_US_KEY);
    expect(result.code).toBe(0);
    expect(result.check("customerio-region")).toEqual({
      id: "customerio-region",
      status: "pass",
      message: "Customer.io workspace Acme US is in region US, as saved.",
      fix: null,
    });
  });

  it("fails when the workspace is in the other region, and its fix moves the connection there", async () => {
    await start();
    await setup(["--region", "us"]);
    const before = await doctorJson([], CIO_EU_KEY);
    expect(before.code).toBe(1);
    expect(before.check("customerio-region")).toEqual({
      id: "customerio-region",
      status: "fail",
      message:
        `Saved region US, but Customer.io workspace Acme EU is in region EU: the webhook sends Postmark's events to ${US_URL}, ` +
        `which does not know this workspace's messages.`,
      fix: "cio-postmark doctor --fix --region eu --yes --server 2001 --stream outbound",
    });
    const fixed = await run(["doctor", "--no-input", "--fix", "--region", "eu", "--server", "2001", "--stream", "outbound", "--yes"], {
      CUSTOMERIO_APP_API_KEY: CIO_EU_KEY,
    });
    expect(fixed.code).toBe(0);
    expect(world.simulator.webhooksOf(2001, "outbound").map((hook) => hook.Url)).toEqual([EU_URL]);
    expect(JSON.parse(readFileSync(join(world.configDir, "config.json"), "utf8")).connections["2001:outbound"]).toMatchObject({
      region: "eu",
      webhookUrl: EU_URL,
    });
    expect((await doctorJson([], CIO_EU_KEY)).check("customerio-region")).toMatchObject({ status: "pass" });
  });

  it("--region without --fix is a usage error", async () => {
    await start();
    await setup(["--region", "us"]);
    const result = await run(["doctor", "--json", "--region", "eu"]);
    expect(result.code).toBe(2);
    expect(result.json().error.code).toBe("region_without_fix");
  });
});

describe("doctor --end-to-end", () => {
  const endToEnd = (key = CIO_US_KEY, extra: string[] = []) => doctorJson(["--end-to-end", "--from", SENDER, ...extra], key);

  it("the whole chain: Customer.io sends through stream outbound, Postmark's Bounced event comes back to it", async () => {
    await start();
    await setup(["--region", "us"]);
    const result = await endToEnd();
    expect(result.code).toBe(0);
    const check = result.check("end-to-end");
    expect(check).toMatchObject({
      id: "end-to-end",
      status: "pass",
      fix: null,
      stream: "outbound",
      stage: "matched",
      deliveryId: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
    });
    expect(check.message).toMatch(
      /^Customer\.io sent it through Postmark stream outbound; Postmark's Bounced event reached Customer\.io after \d+ s\.$/,
    );
    // Whole seconds since the send, the same figure in words and in JSON; never past the 3 s deadline.
    expect(check.message).toContain(`after ${check.seconds} s.`);
    expect(Number.isInteger(check.seconds) && check.seconds >= 0 && check.seconds <= 3).toBe(true);
    const [sent] = world.simulator.state.messages;
    expect(sent).toMatchObject({
      ServerID: 2001,
      MessageStream: "outbound",
      Recipients: ["softbounce@bounce-testing.postmarkapp.com"],
      From: SENDER,
    });
    expect(sent!.Subject).toMatch(/^cio-postmark end-to-end test [0-9a-f-]{36}$/);
    expect(cioRequests().filter((line) => line.startsWith("us POST"))).toEqual(["us POST /v1/send/email 200"]);
  });

  // How Customer.io records Postmark's Bounce is not documented: its bounced metric, or a failure after the sending, each proves it.
  it.each(["bounced", "failed", "undeliverable"] as const)(
    "Customer.io records the bounce as %s: the chain is proven, never 'did not send it'",
    async (bounceRecord) => {
      await start({}, { bounceRecord });
      await setup(["--region", "us"]);
      const result = await endToEnd();
      expect(result.code).toBe(0);
      expect(result.check("end-to-end")).toMatchObject({ status: "pass", stage: "matched", stream: "outbound" });
      expect(result.check("end-to-end").message).toMatch(/Postmark's Bounced event reached Customer\.io after \d+ s\.$/);
    },
  );

  it("over two connections, the one email proves the chain: All good, though the other connection's check is skipped", async () => {
    await start();
    await setup(["--region", "us"]);
    await run(["setup", "--no-input", "--json", "--stream", "broadcast", "--region", "us"], {
      POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
      POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
    });
    const result = await run(["doctor", "--end-to-end", "--from", SENDER, "--server", "2001"], { CUSTOMERIO_APP_API_KEY: CIO_US_KEY });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/All good: /);
    expect(result.stdout).not.toContain("Not checked");
    // The spinner said where the proof waited; its finished line no longer says "looking for it".
    expect(result.stderr).toBe("✔ Checking 2 connections\n");
  });

  it("--to another address: Postmark's Delivered event", async () => {
    await start();
    await setup(["--region", "us"]);
    const check = (await endToEnd(CIO_US_KEY, ["--to", "person@example.com"])).check("end-to-end");
    expect(check.message).toMatch(
      /^Customer\.io sent it through Postmark stream outbound; Postmark's Delivered event reached Customer\.io after \d+ s\.$/,
    );
  });

  it.each([
    [
      "no custom SMTP server in the workspace",
      { smtp: null },
      "Customer.io did not send it: No custom SMTP server is set up for this workspace's email.",
    ],
    [
      "wrong SMTP credentials in the workspace",
      { smtp: { accessKey: "ak-5b7c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d", secretKey: "sk-not-the-secret" } },
      "Customer.io did not send it: SMTP error from the custom SMTP server: 535 5.7.8 Error: authentication failed.",
    ],
  ])("%s: fail at stage not-sent, with Customer.io's settings path as the fix", async (_name, change, message) => {
    await start({ us: change });
    await setup(["--region", "us"]);
    const result = await endToEnd();
    expect(result.code).toBe(1);
    expect(result.check("end-to-end")).toMatchObject({ status: "fail", stage: "not-sent", stream: null, message });
    expect(result.check("end-to-end").fix).toBe(
      "In Customer.io, Settings > Workspace Settings > Email > Custom SMTP Settings: add Postmark with the Access Key and Secret Key of " +
        "stream outbound's SMTP token; this shows them: cio-postmark status --reveal --server 2001 --stream outbound",
    );
  });

  it("sent through stream broadcast, which has no Customer.io webhook (only another service's): fail", async () => {
    await start({ us: { smtp: { accessKey: BROADCAST_ACCESS_KEY, secretKey: BROADCAST_SECRET_KEY } } });
    await setup(["--region", "us"]);
    otherServiceWebhook("broadcast");
    // Another server's broadcast stream is connected: that is not this stream, so setup is what is offered.
    const staging = await run(
      ["setup", "--no-input", "--json", "--server", "2002", "--stream", "broadcast", "--region", "us", "--skip-smtp"],
      {
        POSTMARK_SERVER_TOKEN: undefined,
        POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN,
      },
    );
    expect(staging.code).toBe(0);
    const result = await endToEnd(CIO_US_KEY, ["--server", "2001"]);
    expect(result.code).toBe(1);
    expect(result.check("end-to-end")).toMatchObject({
      status: "fail",
      stage: "wrong-stream",
      stream: "broadcast",
      message: "Sent through stream broadcast, which has no Customer.io webhook.",
    });
    expect(result.check("end-to-end").fix).toContain("cio-postmark setup --server 2001 --stream broadcast");
  });

  it("sent through another connected stream than the one checked: fail, naming both", async () => {
    await start({ us: { smtp: { accessKey: BROADCAST_ACCESS_KEY, secretKey: BROADCAST_SECRET_KEY } } });
    await setup(["--region", "us"]);
    await run(["setup", "--no-input", "--json", "--stream", "broadcast", "--region", "us"], {
      POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
      POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
    });
    // A webhook of another service beside Customer.io's changes nothing: the stream has Customer.io's.
    otherServiceWebhook("broadcast");
    const result = await endToEnd(CIO_US_KEY, ["--server", "2001", "--stream", "outbound"]);
    expect(result.check("end-to-end")).toMatchObject({
      status: "fail",
      stage: "wrong-stream",
      stream: "broadcast",
      message: "Sent through stream broadcast, not through outbound.",
    });
    // broadcast is connected already: its own proof is offered, not a second setup.
    expect(result.check("end-to-end").fix).toBe(
      "In Customer.io, Settings > Workspace Settings > Email > Custom SMTP Settings: use the SMTP token of stream outbound; or, since " +
        "stream broadcast is connected too, prove it: cio-postmark doctor --end-to-end --from alerts@signature.test --server 2001 " +
        "--stream broadcast.",
    );
  });

  it("a US webhook for an EU workspace: no wait for an event that cannot be matched; both regions named, with the move", async () => {
    await start();
    await setup(["--region", "us"]);
    const result = await endToEnd(CIO_EU_KEY, ["--timeout", "2"]);
    expect(result.code).toBe(1);
    expect(result.check("end-to-end")).toMatchObject({
      status: "fail",
      stage: "in-postmark",
      stream: "outbound",
      message:
        `Customer.io sent it through Postmark stream outbound, but that stream's webhook sends its events to region US (${US_URL}) ` +
        `and the workspace Acme EU is in region EU: Customer.io can never match them, so the proof stops here.`,
      fix: "cio-postmark doctor --fix --region eu --yes --server 2001 --stream outbound",
    });
  });

  it("events never matched although the regions agree: fail, with a fix that changes something (Postmark's check)", async () => {
    await start({}, { matchEvents: false });
    await setup(["--region", "us"]);
    const result = await endToEnd(CIO_US_KEY, ["--timeout", "2"]);
    expect(result.check("end-to-end")).toMatchObject({
      status: "fail",
      stage: "event",
      message:
        `Postmark has the event, but Customer.io never matched it within 2 s: the webhook sends to region US (${US_URL}), as the ` +
        `workspace Acme US is; Postmark may have paused the trigger, or Customer.io's Postmark integration is off.`,
      fix: "Have Postmark verify the webhook now: cio-postmark doctor --verify-webhook --server 2001 --stream outbound",
    });
  });

  it("events never matched on the second of two checked streams: the fix names the stream the email went through", async () => {
    await start({ us: { smtp: { accessKey: BROADCAST_ACCESS_KEY, secretKey: BROADCAST_SECRET_KEY } } }, { matchEvents: false });
    await setup(["--region", "us"]);
    await run(["setup", "--no-input", "--json", "--stream", "broadcast", "--region", "us"], {
      POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
      POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
    });
    const result = await run(["doctor", "--json", "--end-to-end", "--from", SENDER, "--to", "person@example.com", "--timeout", "2"], {
      CUSTOMERIO_APP_API_KEY: CIO_US_KEY,
    });
    const verdicts = result
      .json()
      .connections.flatMap((connection: { checks: Array<{ id: string; status: string }> }) => connection.checks)
      .filter((check: { id: string; status: string }) => check.id === "end-to-end" && check.status === "fail");
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]).toMatchObject({
      stage: "event",
      stream: "broadcast",
      fix: "Have Postmark verify the webhook now: cio-postmark doctor --verify-webhook --server 2001 --stream broadcast",
    });
  });

  it("sent, but through another Postmark server's SMTP token: fail at stage sent", async () => {
    const staging = { accessKey: "ak-staging-0000-1111", secretKey: "sk-staging-secret-2222" };
    world = await startWorld(undefined, {
      keyPairs: [
        { accessKey: ACCESS_KEY, secretKey: SECRET_KEY, serverId: 2001, streamId: "outbound" },
        { ...staging, serverId: 2002, streamId: "outbound" },
      ],
    });
    customerio = await startCustomerIo(world, { us: { smtp: staging } });
    await setup(["--region", "us"]);
    const result = await endToEnd(CIO_US_KEY, ["--timeout", "2"]);
    expect(result.check("end-to-end")).toMatchObject({
      status: "fail",
      stage: "sent",
      stream: null,
      message:
        "Customer.io sent it, but server Production has no message with this run's marker within 2 s: Customer.io's custom SMTP server " +
        "is not an SMTP token of this server.",
    });
    expect(world.simulator.state.messages.map((message) => message.ServerID)).toEqual([2002]);
    // A short page is the last: each search asked for one page, never a second.
    const searches = world.simulator.requests.filter((request) => request.path === "/messages/outbound");
    expect(searches.length).toBeGreaterThan(0);
    expect(searches.map((request) => request.query.offset)).toEqual(searches.map(() => "0"));
  });

  it("in Postmark, but no event for it before the deadline: fail at stage in-postmark", async () => {
    await start();
    world.simulator.eventDelayMs = 60_000;
    await setup(["--region", "us"]);
    const result = await endToEnd(CIO_US_KEY, ["--timeout", "2"]);
    expect(result.check("end-to-end")).toMatchObject({
      status: "fail",
      stage: "in-postmark",
      stream: "outbound",
      message: "Postmark has the message on stream outbound, but no event for it within 2 s.",
      fix: "Postmark may be slow: run again with a longer --timeout.",
    });
  });

  it("Customer.io slower than the deadline: fail at stage queued", async () => {
    await start({}, { processingMs: 60_000 });
    await setup(["--region", "us"]);
    const result = await endToEnd(CIO_US_KEY, ["--timeout", "1"]);
    expect(result.check("end-to-end")).toMatchObject({
      status: "fail",
      stage: "queued",
      stream: null,
      message: "Customer.io had not sent it within 1 s.",
      fix: "Customer.io may be slow: run again with a longer --timeout, or look at the delivery in Customer.io's Deliveries & Activity.",
    });
  });

  it("Customer.io answering 429 to every other request: waited out, and the chain still proven", async () => {
    await start();
    await setup(["--region", "us"]);
    customerio.injectFault({ fault: { kind: "status", status: 429, retryAfter: "0" }, match: ({ index }) => index % 2 === 1 });
    const result = await endToEnd();
    expect(result.check("end-to-end")).toMatchObject({ status: "pass", stage: "matched" });
    expect(customerio.requests.filter((request) => request.status === 429).length).toBeGreaterThanOrEqual(2);
  });

  it("keeps to Customer.io's 10 requests a second: 15 reads at once take at least 1.4 s", async () => {
    await start();
    const api = new CustomerIoApi(CIO_US_KEY, { origins: customerio.urls, timeoutMs: 5_000 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 15 }, () => api.workspace()));
    // A lower bound (the 15th start waits 14 paces of 100 ms): a slow machine only takes longer.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(customerio.requests).toHaveLength(15);
  });

  it.each([
    [
      "without --from",
      ["doctor", "--json", "--end-to-end"],
      { CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
      "missing_input",
      "--end-to-end needs:\n  --from <address>: a confirmed sender signature or an address on a verified domain in Postmark",
    ],
    [
      "without --from or a key, in a scripted run: both named at once",
      ["doctor", "--json", "--end-to-end"],
      {},
      "missing_input",
      "--end-to-end needs:\n  --from <address>: a confirmed sender signature or an address on a verified domain in Postmark\n" +
        "  CUSTOMERIO_APP_API_KEY (env): a Customer.io App API key",
    ],
    [
      "without a key, in a scripted run",
      ["doctor", "--json", "--end-to-end", "--from", SENDER],
      {},
      "missing_input",
      "--end-to-end needs a Customer.io App API key: set CUSTOMERIO_APP_API_KEY (env).",
    ],
    [
      "--timeout that is not a number",
      ["doctor", "--json", "--end-to-end", "--from", SENDER, "--timeout", "soon"],
      { CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
      "invalid_timeout",
      "--timeout must be a whole number of seconds",
    ],
    [
      "--timeout 0",
      ["doctor", "--json", "--end-to-end", "--from", SENDER, "--timeout", "0"],
      { CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
      "invalid_timeout",
      "--timeout must be between 1 and 3600 seconds",
    ],
    [
      "--timeout without --end-to-end",
      ["doctor", "--json", "--timeout", "5"],
      {},
      "timeout_without_end_to_end",
      "--timeout goes with --end-to-end.",
    ],
  ])("%s: exit 2 before any request", async (_name, argv, env, code, words) => {
    await start();
    await setup(["--region", "us"]);
    const before = { postmark: world.simulator.requests.length, customerio: customerio.requests.length };
    const result = await run(argv, env);
    expect(result.code).toBe(2);
    expect(result.json().error.code).toBe(code);
    expect(result.json().error.message).toContain(words);
    expect({ postmark: world.simulator.requests.length, customerio: customerio.requests.length }).toEqual(before);
  });
});

describe("the App API key goes to Customer.io's hosts only, and nowhere else", () => {
  const encodings = (secret: string) => [
    secret,
    Buffer.from(secret).toString("base64"),
    Buffer.from(`:${secret}`).toString("base64"),
    encodeURIComponent(secret),
    secret.slice(-12),
  ];

  it("not to Postmark, not to output, JSON or trace, in any encoding", async () => {
    await start();
    const trace = join(mkdtempSync(join(tmpdir(), "cio-trace-")), "trace.jsonl");
    const runs = [
      await run(["setup", "--no-input", "--stream", "outbound", "--trace", trace], { CUSTOMERIO_APP_API_KEY: CIO_EU_KEY }),
      await run(["doctor", "--end-to-end", "--from", SENDER, "--trace", trace], { CUSTOMERIO_APP_API_KEY: CIO_EU_KEY, DEBUG: "1" }),
      await run(["doctor", "--json", "--end-to-end", "--from", SENDER], { CUSTOMERIO_APP_API_KEY: CIO_EU_KEY }),
      await run(["setup", "--no-input", "--json", "--stream", "outbound", "--region", "us"], { CUSTOMERIO_APP_API_KEY: CIO_EU_KEY }),
    ];
    expect(runs.map((result) => result.code)).toEqual([0, 0, 0, 2]);
    const traced = readFileSync(trace, "utf8");
    expect(traced).toContain('"service":"customerio"');
    for (const form of encodings(CIO_EU_KEY)) {
      for (const result of runs) expect(result.stdout + result.stderr).not.toContain(form);
      expect(traced).not.toContain(form);
      for (const request of world.simulator.requests) expect(request.rawHeaders.join("\n")).not.toContain(form);
      expect(JSON.stringify(world.simulator.requests.map((request) => request.body))).not.toContain(form);
    }
    expect(readFileSync(join(world.configDir, "config.json"), "utf8")).not.toContain(CIO_EU_KEY);
    // Every request that carried it went to a Customer.io host, as the Authorization header alone.
    expect(customerio.requests.every((request) => request.authorization === `Bearer ${CIO_EU_KEY}`)).toBe(true);
  });
});

/** The simulator answers as ../shared/reference/customerio-api.md says Customer.io does: the facts, kept in a test. */
describe("the Customer.io simulator, against the reference", () => {
  const call = (region: "us" | "eu", method: string, path: string, key?: string, body?: object) =>
    fetch(`${customerio.urls[region]}${path}`, {
      method,
      headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  it("GET /v1/workspaces: the key's workspace, with the documented keys; the wrong region's host answers 401", async () => {
    await start();
    const answer = await call("us", "GET", "/v1/workspaces", CIO_US_KEY);
    expect(answer.status).toBe(200);
    const [workspace] = ((await answer.json()) as { workspaces: object[] }).workspaces;
    expect(Object.keys(workspace).sort()).toEqual([
      "billable_messages_sent",
      "id",
      "messages_sent",
      "name",
      "object_types",
      "objects",
      "people",
    ]);
    expect((await call("us", "GET", "/v1/workspaces", CIO_EU_KEY)).status).toBe(401);
    expect(await (await call("eu", "GET", "/v1/workspaces")).json()).toEqual({
      errors: [{ detail: "Unauthorized request", status: "401" }],
    });
  });

  it(
    "POST /v1/send/email answers delivery_id and queued_at; GET /v1/messages/{id} holds only the metrics that happened, as unix " + "times",
    async () => {
      await start();
      await setup(["--region", "us"]);
      const sent = await call("us", "POST", "/v1/send/email", CIO_US_KEY, {
        to: "softbounce@bounce-testing.postmarkapp.com",
        from: SENDER,
        subject: "s",
        body: "b",
        identifiers: { email: "softbounce@bounce-testing.postmarkapp.com" },
      });
      const { delivery_id: id, queued_at: queued } = (await sent.json()) as { delivery_id: string; queued_at: number };
      expect(typeof id).toBe("string");
      expect(queued).toBe(Math.floor(queued));
      const read = async () =>
        ((await (await call("us", "GET", `/v1/messages/${id}`, CIO_US_KEY)).json()) as { message: { metrics: Record<string, number> } })
          .message;
      const first = await read();
      expect(Object.keys(first.metrics)).toEqual(["created"]);
      expect(first).toMatchObject({
        id,
        type: "email",
        recipient: "softbounce@bounce-testing.postmarkapp.com",
        subject: "s",
        failure_message: null,
      });
      await new Promise((resolve) => setTimeout(resolve, 400)); // its queue (30 ms), then Postmark's 50 ms + 50 ms to the event
      const later = await read();
      expect(Object.keys(later.metrics).sort()).toEqual(["bounced", "created", "sent"]);
      for (const value of Object.values(later.metrics)) expect(value).toBe(Math.floor(value));
      expect((await call("us", "GET", `/v1/messages/${id}`, CIO_EU_KEY)).status).toBe(401);
    },
  );

  it("a 429 carries Retry-After and the documented body", async () => {
    await start();
    customerio.injectFault({ fault: { kind: "status", status: 429, retryAfter: "1" }, times: 1 });
    const answer = await call("us", "GET", "/v1/workspaces", CIO_US_KEY);
    expect(answer.status).toBe(429);
    expect(answer.headers.get("retry-after")).toBe("1");
    expect(await answer.json()).toEqual({ errors: [{ detail: "rate limited to 10 requests per 1s", status: "429" }] });
  });
});
