import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { KeyPair, ReceivedMessage } from "../../../src/sandbox/smtp-server.js";
import { sentMessageOf } from "../../../src/sandbox/smtp-server.js";
import {
  BROADCAST_ACCESS_KEY,
  BROADCAST_SECRET_KEY,
  DEFAULT_SPEC,
  SENDER,
  SERVER_TOKEN,
  startWorld,
  type World,
} from "../../helpers/world.js";

/** --send-test: one real message through the SMTP token, found again with the Messages API, proves the token's stream. */

const PROD = 2001;
const SOFT_BOUNCE = "softbounce@bounce-testing.postmarkapp.com";
let world: World;
let received: ReceivedMessage[];

async function start(keyPairs?: KeyPair[]) {
  received = [];
  world = await startWorld(DEFAULT_SPEC, {
    ...(keyPairs ? { keyPairs } : {}),
    onMessage: (message) => {
      received.push(message);
      world.simulator.recordMessage(sentMessageOf(message));
    },
  });
}
afterEach(() => world.close());

const setup = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json", ...args], {
    env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...env },
  });
const configPath = () => join(world.configDir, "config.json");

describe("setup --send-test", () => {
  it("with the stream's own token: exit 0, the message found on the chosen stream with its first event", async () => {
    await start();
    const run = await setup(["--send-test", "--from", SENDER]);
    expect(run.code).toBe(0);
    const { smtp } = run.json();
    expect(smtp.sendTest).toMatchObject({ to: SOFT_BOUNCE, from: SENDER, stream: "outbound", firstEvent: "Bounced" });
    expect(smtp.sendTest.messageId).toBe(world.simulator.state.messages[0]!.MessageID);
    expect(smtp.sendTest.seconds).toEqual(expect.any(Number));
    // Exactly one message, carrying a unique id in Postmark metadata and the tag it is found by.
    expect(received).toHaveLength(1);
    const [message] = received;
    expect(message!.to).toEqual([SOFT_BOUNCE]);
    expect(message!.headers["x-pm-tag"]).toBe("cio-postmark-test");
    expect(message!.headers["x-pm-metadata-cio-postmark-test"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(message!.raw).not.toContain("pm:unsubscribe"); // transactional mail needs no unsubscribe link
    // The search asked for that id, and polling stayed within the test's bounds.
    const searches = world.simulator.requests.filter((request) => request.path === "/messages/outbound");
    expect(searches.at(-1)!.query).toMatchObject({
      tag: "cio-postmark-test",
      recipient: SOFT_BOUNCE,
      "metadata_cio-postmark-test": message!.headers["x-pm-metadata-cio-postmark-test"],
    });
    expect(world.simulator.webhooksOf(PROD, "outbound")).toHaveLength(1);
  });

  it("with --to, the message goes there and its first event is Delivered", async () => {
    await start();
    const run = await setup(["--send-test", "--from", SENDER, "--to", "someone@example.com"]);
    expect(run.code).toBe(0);
    expect(run.json().smtp.sendTest).toMatchObject({ to: "someone@example.com", firstEvent: "Delivered" });
  });

  it("with a token of another stream: exit 1 send_test_wrong_stream naming it; no webhook write, nothing saved", async () => {
    await start();
    const run = await setup(["--send-test", "--from", SENDER], {
      POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
      POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
    });
    expect(run.code).toBe(1);
    const { error } = run.json();
    expect(error.code).toBe("send_test_wrong_stream");
    expect(error.message).toContain('went through stream "broadcast" of server Production');
    expect(error.message).toContain("Customer.io would send through a stream with no Customer.io webhook.");
    expect(error.hint).toMatch(/Generate an SMTP token on stream "outbound"/);
    expect(world.simulator.writes).toEqual([]);
    expect(existsSync(configPath())).toBe(false);
    expect(JSON.stringify(run.json())).not.toContain(BROADCAST_SECRET_KEY);
  });

  it("with the token of a stream connected a moment ago: says so, never that it has no Customer.io webhook", async () => {
    await start();
    const broadcast = await world.run(["setup", "--no-input", "--stream", "broadcast", "--region", "us", "--json"], {
      env: {
        POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
        POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
        POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
      },
    });
    expect(broadcast.code).toBe(0);
    const run = await setup(["--send-test", "--from", SENDER], {
      POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
      POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
    });
    expect(run.code).toBe(1);
    const { error } = run.json();
    expect(error.code).toBe("send_test_wrong_stream");
    expect(error.message).toContain(
      "Customer.io would send this stream's mail through stream \"broadcast\" instead, mixing the two streams' events.",
    );
    expect(error.message).not.toContain("no Customer.io webhook");
  });

  it("with a token of another server: send_test_not_found, with a hint about the server", async () => {
    await start([{ accessKey: "ak-staging-0000000000", secretKey: "sk-staging-secret-000000000", serverId: 2002, streamId: "outbound" }]);
    const run = await world.run(
      ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json", "--send-test", "--from", SENDER],
      {
        env: {
          POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
          POSTMARK_SMTP_ACCESS_KEY: "ak-staging-0000000000",
          POSTMARK_SMTP_SECRET_KEY: "sk-staging-secret-000000000",
        },
        overrides: { ...world.overrides, sendTest: { pollMs: 25, timeoutMs: 400 } },
      },
    );
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({ code: "send_test_not_found" });
    expect(run.json().error.hint).toMatch(/another Postmark server/);
    expect(world.simulator.writes).toEqual([]);
  });

  it("a From that is no confirmed sender signature: exit 1 send_test_rejected with the server's reply", async () => {
    await start();
    const run = await setup(["--send-test", "--from", "pending@signature.test"]);
    expect(run.code).toBe(1);
    const { error } = run.json();
    expect(error.code).toBe("send_test_rejected");
    expect(error.message).toMatch(/MAIL FROM: 550 5\.7\.1 Sender signature not confirmed/);
    expect(error.hint).toMatch(/confirmed sender signature/);
    expect(existsSync(configPath())).toBe(false);
  });

  it("scripted without --from: exit 2 naming the flag", async () => {
    await start();
    const run = await setup(["--send-test"]);
    expect(run.code).toBe(2);
    expect(run.json().error.message).toMatch(/--from <address>/);
    expect(world.simulator.requests).toEqual([]);
  });

  it("on a broadcast stream, the message carries Postmark's unsubscribe placeholder", async () => {
    await start();
    const run = await world.run(
      ["setup", "--no-input", "--stream", "broadcast", "--region", "us", "--json", "--send-test", "--from", SENDER],
      {
        env: {
          POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
          POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
          POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
        },
      },
    );
    expect(run.code).toBe(0);
    expect(run.json().smtp.sendTest.stream).toBe("broadcast");
    // Quoted-printable folds long lines with "=" at the end: unfold before looking.
    expect(received[0]!.raw.replace(/=\r\n/g, "")).toContain("{{{ pm:unsubscribe }}}");
  });

  it("without --send-test, sendTest is null and no message is sent", async () => {
    await start();
    const run = await setup([]);
    expect(run.code).toBe(0);
    expect(run.json().smtp.sendTest).toBeNull();
    expect(received).toEqual([]);
  });
});

describe("doctor --send-test", () => {
  it("passes smtp-send on a healthy connection, and fails it when the saved token sends through another stream", async () => {
    await start();
    expect((await setup([])).code).toBe(0);
    const doctor = () => world.run(["doctor", "--json", "--send-test", "--from", SENDER], { env: {} });
    const healthy = await doctor();
    expect(healthy.code).toBe(0);
    const check = (run: Awaited<ReturnType<typeof doctor>>) =>
      run.json().connections[0].checks.find((c: { id: string }) => c.id === "smtp-send");
    expect(check(healthy)).toMatchObject({ status: "pass", message: expect.stringContaining('went through stream "outbound"') });

    const config = JSON.parse(readFileSync(configPath(), "utf8"));
    Object.assign(config.connections[`${PROD}:outbound`].smtp, { accessKey: BROADCAST_ACCESS_KEY, secretKey: BROADCAST_SECRET_KEY });
    writeFileSync(configPath(), JSON.stringify(config), { mode: 0o600 });
    const wrong = await doctor();
    expect(wrong.code).toBe(1);
    expect(check(wrong)).toMatchObject({ status: "fail", message: expect.stringContaining('"broadcast"') });
    expect(check(wrong).fix).toMatch(/Generate an SMTP token on stream "outbound"/);
  });

  it("without --send-test, smtp-send is skipped and nothing is sent", async () => {
    await start();
    expect((await setup([])).code).toBe(0);
    const run = await world.run(["doctor", "--json"], { env: {} });
    expect(run.json().connections[0].checks.find((c: { id: string }) => c.id === "smtp-send")).toMatchObject({ status: "skip" });
    expect(received).toEqual([]);
  });

  it("--send-test without --from: exit 2", async () => {
    await start();
    const run = await world.run(["doctor", "--json", "--send-test"], { env: {} });
    expect(run.code).toBe(2);
    expect(run.json().error.message).toMatch(/--from/);
  });
});

describe("the Messages API as it behaves", () => {
  it("a 422/701 from the details of a message the search just listed means 'not yet': polling goes on", async () => {
    await start();
    world.simulator.detailsDelayMs = 300;
    const run = await setup(["--send-test", "--from", SENDER]);
    expect(run.code).toBe(0);
    expect(run.json().smtp.sendTest).toMatchObject({ stream: "outbound", firstEvent: "Bounced" });
    const details = world.simulator.requests.filter((request) => request.path.endsWith("/details"));
    expect(details.filter((request) => request.status === 422).length).toBeGreaterThan(0);
    expect(details.at(-1)!.status).toBe(200);
  });

  it("searches stay within count + offset <= 10,000", async () => {
    await start();
    expect((await setup(["--send-test", "--from", SENDER])).code).toBe(0);
    const searches = world.simulator.requests.filter((request) => request.path === "/messages/outbound");
    expect(searches.length).toBeGreaterThan(0);
    for (const search of searches) expect(Number(search.query.count) + Number(search.query.offset)).toBeLessThanOrEqual(10_000);
  });

  it("an event whose Details hold BounceID as a string, and that lacks other fields, is read", async () => {
    await start();
    world.simulator.injectFault({
      match: (request) => request.path.endsWith("/details"),
      fault: {
        kind: "answer",
        status: 200,
        body: JSON.stringify({
          MessageID: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817",
          MessageStream: "outbound",
          MessageEvents: [
            {
              Type: "Bounced",
              ReceivedAt: "2026-11-29T10:59:44.0000000-05:00",
              Details: { BounceID: "4323372036854775807", Summary: "soft bounce" },
            },
          ],
        }),
      },
    });
    const run = await setup(["--send-test", "--from", SENDER]);
    expect(run.code).toBe(0);
    expect(run.json().smtp.sendTest).toMatchObject({ stream: "outbound", firstEvent: "Bounced" });
  });
});

describe("the proof is the run's own message", () => {
  const earlier = (stream: string, minutesAgo: number, id = "11111111-2222-4333-8444-555555555555") => ({
    MessageID: id,
    ServerID: PROD,
    MessageStream: stream,
    Tag: "cio-postmark-test",
    From: SENDER,
    To: [{ Email: SOFT_BOUNCE, Name: "" }],
    Recipients: [SOFT_BOUNCE],
    Subject: `cio-postmark stream test ${id}`,
    Metadata: { "cio-postmark-test": id },
    ReceivedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
  });

  it(
    "a Messages API that ignores the metadata filter, with an older test message on the right stream: no false proof, nothing " + "changed",
    async () => {
      await start();
      world.simulator.ignoreMetadataFilter = true;
      world.simulator.messageDelayMs = 300;
      world.simulator.state.messages.push(earlier("outbound", 60));
      // The broadcast stream's token, given for outbound: its own message goes through "broadcast".
      const run = await setup(["--send-test", "--from", SENDER], {
        POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
        POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
      });
      expect(run.code).toBe(1);
      expect(run.json().error.code).toBe("send_test_wrong_stream");
      expect(world.simulator.webhooksOf(PROD)).toEqual([]);
      expect(existsSync(configPath())).toBe(false);
    },
  );

  it("an older message carrying another run's marker is never taken, however it is listed", async () => {
    await start();
    world.simulator.ignoreMetadataFilter = true;
    world.simulator.messageDelayMs = 5_000; // the run's own message never shows within the deadline
    world.simulator.state.messages.push(earlier("outbound", 1));
    const run = await world.run(
      ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json", "--send-test", "--from", SENDER],
      {
        env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
        overrides: { ...world.overrides, sendTest: { pollMs: 25, timeoutMs: 400 } },
      },
    );
    expect(run.code).toBe(1);
    expect(run.json().error.code).toBe("send_test_not_found");
    expect(world.simulator.webhooksOf(PROD)).toEqual([]);
  });

  it("thousands of unrelated messages on the list: one page a poll, and the run's own is found", async () => {
    await start();
    world.simulator.ignoreMetadataFilter = true;
    for (let i = 0; i < 3_000; i++)
      world.simulator.state.messages.push(earlier("outbound", 30, `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`));
    const run = await setup(["--send-test", "--from", SENDER]);
    expect(run.code).toBe(0);
    expect(run.json().smtp.sendTest.stream).toBe("outbound");
    const searches = world.simulator.requests.filter((request) => request.path === "/messages/outbound");
    for (const search of searches) {
      expect(search.query.offset).toBe("0");
      expect(Number(search.query.count)).toBeLessThanOrEqual(500);
    }
  });
});
