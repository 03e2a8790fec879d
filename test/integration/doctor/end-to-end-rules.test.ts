import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { CustomerIoSimulator } from "../../../src/sandbox/customerio-simulator.js";
import type { SimulatorOptions } from "../../../src/sandbox/postmark/state.js";
import { CIO_US_KEY, startCustomerIo } from "../../helpers/customerio.js";
import {
  BROADCAST_ACCESS_KEY,
  BROADCAST_SECRET_KEY,
  DEFAULT_SPEC,
  SENDER,
  SERVER_TOKEN,
  startWorld,
  type World,
} from "../../helpers/world.js";

/**
 * doctor --end-to-end under each behaviour Customer.io and Postmark may show: a fresh delivery's 404
 * (Customer.io's own CLI calls it "not yet"), blips on the reads, an email Customer.io drops or calls
 * undeliverable, Postmark's clock minutes off ours, a send that never answers, and a broadcast stream.
 */

let world: World;
let customerio: CustomerIoSimulator;
afterEach(async () => {
  await customerio?.close();
  await world?.close();
});

async function start(
  options: Parameters<typeof startCustomerIo>[2] = {},
  changes: Parameters<typeof startCustomerIo>[1] = {},
  postmark: SimulatorOptions = {},
) {
  world = await startWorld(DEFAULT_SPEC, {}, { messageDelayMs: 50, eventDelayMs: 50, ...postmark });
  customerio = await startCustomerIo(world, changes, options);
}
const run = (argv: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 3_000) =>
  world.run(argv, {
    env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...customerio.env, ...env },
    overrides: { ...world.overrides, endToEndTimeoutMs: timeoutMs },
  });
const setup = (stream = "outbound", env: NodeJS.ProcessEnv = {}) =>
  run(["setup", "--no-input", "--json", "--stream", stream, "--region", "us"], env);
async function endToEnd(extra: string[] = [], timeoutMs = 3_000) {
  const result = await run(
    ["doctor", "--json", "--end-to-end", "--from", SENDER, ...extra],
    { CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
    timeoutMs,
  );
  const checks = result.json().connections?.[0]?.checks ?? [];
  return { ...result, check: checks.find((check: { id: string }) => check.id === "end-to-end") };
}

describe("a fresh delivery Customer.io has not indexed yet", () => {
  it.each([0, 400])("answers 404 for %i ms: not yet, and the chain is proven", async (indexDelayMs) => {
    await start({ indexDelayMs });
    expect((await setup()).code).toBe(0);
    const result = await endToEnd();
    expect(result.code).toBe(0);
    expect(result.check).toMatchObject({ status: "pass", stage: "matched", stream: "outbound" });
    const reads = customerio.requests.filter((request) => request.method === "GET" && request.path.startsWith("/v1/messages/"));
    if (indexDelayMs > 0) expect(reads.some((request) => request.status === 404)).toBe(true);
  });

  it("never indexed within the deadline: fail at stage queued, with the delivery id, never as an error", async () => {
    await start({ indexDelayMs: 60_000 });
    expect((await setup()).code).toBe(0);
    const result = await endToEnd(["--timeout", "1"]);
    expect(result.code).toBe(1);
    expect(result.check).toMatchObject({ status: "fail", stage: "queued", message: "Customer.io had not sent it within 1 s." });
    expect(result.check.deliveryId).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe("blips on the way", () => {
  it("a 502 on a delivery read is tried again; the send is never repeated", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    let reads = 0;
    customerio.injectFault({
      fault: { kind: "status", status: 502 },
      match: ({ method, path }) => method === "GET" && path.startsWith("/v1/messages/") && ++reads === 2,
    });
    const result = await endToEnd();
    expect(result.check).toMatchObject({ status: "pass", stage: "matched" });
    expect(customerio.requests.filter((request) => request.status === 502)).toHaveLength(1);
    expect(customerio.requests.filter((request) => request.method === "POST")).toHaveLength(1);
  });

  it("a read failing for good after the send keeps the delivery id, the stage and the seconds in the JSON", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    customerio.injectFault({ fault: { kind: "status", status: 500 }, match: ({ path }) => path.startsWith("/v1/messages/") });
    const result = await endToEnd();
    expect(result.code).toBe(1);
    expect(result.check).toMatchObject({
      status: "fail",
      stage: "queued",
      stream: null,
      message:
        "Could not follow the test email: Customer.io answered 500 (while trying to read the test email's delivery): internal error.",
      fix: "Run again with --trace FILE to see the exchange.",
    });
    expect(result.check.deliveryId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Number.isInteger(result.check.seconds)).toBe(true);
    expect(customerio.requests.filter((request) => request.method === "POST")).toHaveLength(1);
  });

  it("delivery reads that never answer before the deadline: could not follow it, never 'had not sent it'", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    customerio.injectFault({ fault: { kind: "hang" }, match: ({ method, path }) => method === "GET" && path.startsWith("/v1/messages/") });
    const result = await endToEnd(["--timeout", "2"]);
    expect(result.code).toBe(1);
    expect(result.check).toMatchObject({
      status: "fail",
      stage: "queued",
      message: "Could not follow the test email: Customer.io answered no read of its delivery within 2 s.",
      fix: "Customer.io may have sent it all the same: look in its Deliveries & Activity, then run again when it answers.",
    });
    expect(result.check.message).not.toMatch(/had not sent|longer --timeout/);
  });

  it("a send that never answers says an email may already be on its way, so a re-run is a second email", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    customerio.injectFault({ fault: { kind: "hang" }, match: ({ method }) => method === "POST" });
    const result = await endToEnd();
    expect(result.code).toBe(1);
    const verdict = result.check;
    expect(verdict.status).toBe("fail");
    expect(verdict.message).toMatch(/^Could not read what became of the end-to-end test email: Customer\.io did not answer in time/);
    expect(verdict.fix).toBe(
      "Customer.io may have accepted it all the same: an email may already be on its way to softbounce@bounce-testing.postmarkapp.com, " +
        "so running again sends a second one. Look in Customer.io's Deliveries & Activity first.",
    );
    expect(customerio.requests.filter((request) => request.method === "POST")).toHaveLength(1);
  });
});

describe("a Postmark read that fails once the message is found", () => {
  it("keeps the stage reached: in Postmark, not back at 'sent'", async () => {
    await start({}, {}, { eventDelayMs: 60_000 });
    expect((await setup()).code).toBe(0);
    let detailReads = 0;
    world.simulator.injectFault({
      match: ({ path }) => path.endsWith("/details") && ++detailReads > 1,
      fault: { kind: "status", status: 500 },
    });
    const result = await endToEnd(["--timeout", "10"]);
    expect(result.code).toBe(1);
    expect(result.check).toMatchObject({ status: "fail", stage: "in-postmark", stream: "outbound" });
    expect(result.check.message).toMatch(/^Could not follow the test email: /);
  });
});

describe("--timeout bounds every wait", () => {
  it("a 429 asking to wait 30 s on the delivery reads ends by the deadline, claiming nothing it never read", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    customerio.injectFault({
      fault: { kind: "status", status: 429, retryAfter: "30" },
      match: ({ method, path }) => method === "GET" && path.startsWith("/v1/messages/"),
    });
    const result = await world.run(["doctor", "--json", "--end-to-end", "--from", SENDER, "--timeout", "2"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...customerio.env, CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
      overrides: { ...world.overrides, rateLimit: { tries: 4, baseDelayMs: 1_000, maxDelayMs: 60_000 } },
    });
    const verdict = result.json().connections[0].checks.find((check: { id: string }) => check.id === "end-to-end");
    expect(verdict).toMatchObject({
      status: "fail",
      stage: "queued",
      message: "Could not follow the test email: Customer.io answered no read of its delivery within 2 s.",
    });
    // The first read's 30 s wait was cut at the deadline, and no read was tried after it.
    expect(customerio.requests.filter((request) => request.status === 429)).toHaveLength(1);
  });
});

describe("--timeout bounds Postmark's waits too", () => {
  it("a 429 asking to wait 30 s on the Messages API ends by the deadline, as a time-out verdict", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    world.simulator.injectFault({
      match: (request) => request.path.startsWith("/messages/outbound"),
      fault: { kind: "status", status: 429, retryAfter: "30" },
    });
    const result = await world.run(["doctor", "--json", "--end-to-end", "--from", SENDER, "--timeout", "2"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...customerio.env, CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
      overrides: { ...world.overrides, rateLimit: { tries: 4, baseDelayMs: 1_000, maxDelayMs: 60_000 } },
    });
    const verdict = result.json().connections[0].checks.find((check: { id: string }) => check.id === "end-to-end");
    expect(verdict).toMatchObject({ status: "fail", stage: "sent" });
    expect(verdict.message).toMatch(/within 2 s/);
    // One search, its wait cut at the deadline: none after it.
    expect(world.simulator.requests.filter((request) => request.path.startsWith("/messages/outbound"))).toHaveLength(1);
  });
});

describe("an email Customer.io does not send", () => {
  it.each([
    ["dropped", "Customer.io did not send it: it dropped the email (Customer.io drops email to a suppressed or unsubscribed person)."],
    ["undeliverable", "Customer.io did not send it: it reports the email as undeliverable."],
  ] as const)("%s: the wait ends at once with Customer.io's word", async (outcome, message) => {
    await start({ outcome });
    expect((await setup()).code).toBe(0);
    const result = await endToEnd(["--timeout", "30"]);
    expect(result.code).toBe(1);
    expect(result.check).toMatchObject({ status: "fail", stage: "not-sent", stream: null, message });
    expect(result.check.seconds).toBeLessThan(5);
  });
});

describe("Customer.io's own words for a delivery that failed", () => {
  const answering = (message: object) =>
    customerio.injectFault({
      fault: { kind: "answer", status: 200, body: JSON.stringify({ message }) },
      match: ({ method, path }) => method === "GET" && path.startsWith("/v1/messages/"),
    });

  it("only a failed metric: it reports the delivery as failed", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    const now = Math.floor(Date.now() / 1000);
    answering({ id: "x", failure_message: null, metrics: { created: now, failed: now } });
    const result = await endToEnd(["--timeout", "30"]);
    expect(result.check).toMatchObject({
      status: "fail",
      stage: "not-sent",
      message: "Customer.io did not send it: it reports the delivery as failed.",
    });
  });

  it("a failure message is said once, without its own closing stops and spaces", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    const now = Math.floor(Date.now() / 1000);
    answering({ id: "x", failure_message: "550 relay refused. ", metrics: { created: now, failed: now } });
    const result = await endToEnd(["--timeout", "30"]);
    expect(result.check).toMatchObject({ stage: "not-sent", message: "Customer.io did not send it: 550 relay refused." });
  });
});

describe("an event older than the email", () => {
  it.each(["delivered", "bounced"])("never counts: %s stamped before Customer.io's own 'sent' is not this email's", async (metric) => {
    await start();
    expect((await setup()).code).toBe(0);
    const now = Math.floor(Date.now() / 1000);
    const stale = { message: { id: "x", failure_message: null, metrics: { created: now, sent: now, [metric]: now - 600 } } };
    customerio.injectFault({
      fault: { kind: "answer", status: 200, body: JSON.stringify(stale) },
      match: ({ method, path }) => method === "GET" && path.startsWith("/v1/messages/"),
    });
    const result = await endToEnd(["--timeout", "2"]);
    expect(result.code).toBe(1);
    expect(result.check).toMatchObject({ status: "fail" });
    expect(result.check.stage).not.toBe("matched");
  });
});

describe("a busy recipient, and a search that ignores the subject", () => {
  it.each([
    [600, "500"],
    [9_600, "9500"], // the last page Postmark lets a search reach: count and offset together at most 10,000
  ])("%i newer messages: the run's own is found on the page at offset %s", async (newer, offset) => {
    await start({}, {}, { ignoreSubjectFilter: true });
    expect((await setup()).code).toBe(0);
    // As soon as the run's email lands in Postmark, more reach the same address.
    const flood = setInterval(() => {
      const ours = world.simulator.state.messages.find((message) => message.Subject.startsWith("cio-postmark end-to-end test"));
      if (!ours) return;
      clearInterval(flood);
      // Received in the same moment, so they show in the search as soon as the run's own does, listed before it.
      for (let index = 0; index < newer; index++) {
        world.simulator.state.messages.push({ ...ours, MessageID: randomUUID(), Subject: `Newsletter ${index}`, Metadata: {} });
      }
    }, 2);
    try {
      const result = await endToEnd(["--to", "softbounce@bounce-testing.postmarkapp.com"], 10_000);
      expect(result.check).toMatchObject({ status: "pass", stage: "matched", stream: "outbound" });
      const searches = world.simulator.requests.filter((request) => request.path === "/messages/outbound");
      expect(searches.some((request) => request.query.offset === offset)).toBe(true);
    } finally {
      clearInterval(flood);
    }
  });
});

describe("Postmark's clock is not ours", () => {
  it.each([10 * 60_000, -10 * 60_000])("%i ms off: the run's own message is found by its marker", async (clockSkewMs) => {
    await start({}, {}, { clockSkewMs });
    expect((await setup()).code).toBe(0);
    const result = await endToEnd();
    expect(result.code).toBe(0);
    expect(result.check).toMatchObject({ status: "pass", stage: "matched", stream: "outbound" });
  });
});

describe("through a broadcast stream", () => {
  const broadcastKeys = { POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY, POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY };
  const throughBroadcast = { us: { smtp: { accessKey: BROADCAST_ACCESS_KEY, secretKey: BROADCAST_SECRET_KEY } } };

  it("checked alone with the soft-bounce address: refused before any email is sent, asking for --to", async () => {
    await start({}, throughBroadcast);
    expect((await setup("broadcast", broadcastKeys)).code).toBe(0);
    const result = await run(["doctor", "--json", "--end-to-end", "--from", SENDER], { CUSTOMERIO_APP_API_KEY: CIO_US_KEY });
    expect(result.code).toBe(2);
    expect(result.json().error).toMatchObject({
      code: "end_to_end_needs_mailbox",
      message:
        "--end-to-end through a broadcast stream needs --to: softbounce@bounce-testing.postmarkapp.com bounces, and a broadcast " +
        "stream's webhook carries no Bounce event, so the proof could never pass.",
    });
    expect(customerio.requests.filter((request) => request.method === "POST")).toHaveLength(0);
  });

  it("with --to a mailbox: Postmark's Delivery event reaches Customer.io, and the proof passes", async () => {
    await start({}, throughBroadcast);
    expect((await setup("broadcast", broadcastKeys)).code).toBe(0);
    const result = await endToEnd(["--to", "person@example.com"]);
    expect(result.code).toBe(0);
    expect(result.check).toMatchObject({ status: "pass", stage: "matched", stream: "broadcast" });
    expect(result.check.message).toMatch(/Postmark's Delivered event reached Customer\.io/);
  });

  it("reached through a broadcast stream among others with the soft-bounce address: ends at once, saying why, with no --fix", async () => {
    await start({}, throughBroadcast);
    expect((await setup()).code).toBe(0);
    expect((await setup("broadcast", broadcastKeys)).code).toBe(0);
    const result = await run(["doctor", "--json", "--end-to-end", "--from", SENDER, "--server", "2001", "--timeout", "30"], {
      CUSTOMERIO_APP_API_KEY: CIO_US_KEY,
    });
    const broadcast = result.json().connections.find((connection: { stream: { id: string } }) => connection.stream.id === "broadcast");
    const verdict = broadcast.checks.find((check: { id: string }) => check.id === "end-to-end");
    expect(verdict).toMatchObject({
      status: "fail",
      stage: "in-postmark",
      stream: "broadcast",
      message:
        "Customer.io sent it through broadcast stream broadcast, to softbounce@bounce-testing.postmarkapp.com, which bounces: a " +
        "broadcast stream's webhook carries no Bounce event, so this proof could never pass.",
      fix: "Run again with --to set to a mailbox you can read: its Delivery event reaches Customer.io from a broadcast stream too.",
    });
    expect(verdict.seconds).toBeLessThan(10);
  });
});
