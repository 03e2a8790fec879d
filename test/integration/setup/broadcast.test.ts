import { afterEach, describe, expect, it } from "vitest";
import { BROADCAST_TRIGGER_ANSWERS, type BroadcastTriggerAnswer, type SimulatorOptions } from "../../../src/sandbox/postmark/state.js";
import { BROADCAST_ACCESS_KEY, BROADCAST_SECRET_KEY, DEFAULT_SPEC, SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";
import { TRANSACTIONAL_TRIGGERS, US_URL } from "../../helpers/expected.js";

/**
 * Broadcast streams have neither Bounce nor Spam Complaint in Postmark. What its API does when
 * asked for either is unknown, so the simulator plays each plausible answer for each trigger, and
 * every run must pass under all nine combinations.
 */

const PROD = 2001;
let world: World;
afterEach(() => world.close());

const start = (options: SimulatorOptions = {}) =>
  startWorld(DEFAULT_SPEC, {}, { messageDelayMs: 50, eventDelayMs: 50, ...options }).then((started) => (world = started));
const broadcastEnv = {
  POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
  POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
  POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
};
const setup = (stream: string, extra: string[] = [], env: NodeJS.ProcessEnv = broadcastEnv) =>
  world.run(["setup", "--no-input", "--stream", stream, "--region", "us", ...extra], { env });
const combinations = BROADCAST_TRIGGER_ANSWERS.flatMap((bounce) =>
  BROADCAST_TRIGGER_ANSWERS.map((spamComplaint) => [bounce, spamComplaint] as [BroadcastTriggerAnswer, BroadcastTriggerAnswer]),
);

it("plays the nine combinations, with refusal as the default", async () => {
  expect(combinations).toHaveLength(9);
  await start();
  expect([world.simulator.broadcastBounce, world.simulator.broadcastSpamComplaint]).toEqual(["reject", "reject"]);
});

describe.each(combinations)(
  "a broadcast stream, when Postmark answers Bounce with %s and Spam Complaint with %s",
  (broadcastBounce, broadcastSpamComplaint) => {
    it("setup exits 0 with Delivery and Subscription Change; a re-run, doctor and doctor --fix write nothing", async () => {
      await start({ broadcastBounce, broadcastSpamComplaint });
      const first = await setup("broadcast", ["--json"]);
      expect(first.code).toBe(0);
      expect(first.json().webhook.action).toBe("created");
      const [hook] = world.simulator.webhooksOf(PROD, "broadcast");
      expect(hook!.Url).toBe(US_URL);
      expect(hook!.Triggers).toMatchObject({
        Open: { Enabled: false },
        Click: { Enabled: false },
        Delivery: { Enabled: true },
        SubscriptionChange: { Enabled: true },
      });
      const writes = world.simulator.writes.length;
      expect(writes).toBe(1);

      const again = await setup("broadcast", ["--json"]);
      expect(again.code).toBe(0);
      expect(again.json().webhook.action).toBe("unchanged");
      const doctor = await world.run(["doctor", "--json"], { env: {} });
      expect(doctor.code).toBe(0);
      expect(doctor.json().connections[0].checks.find((c: { id: string }) => c.id === "webhook-triggers").status).toBe("pass");
      const fix = await world.run(["doctor", "--fix", "--yes", "--json"], { env: {} });
      expect(fix.code).toBe(0);
      expect(world.simulator.writes.length).toBe(writes);
    });

    it.each([
      [true, true],
      [true, false],
      [false, true],
    ])("a Customer.io webhook already there with Bounce %s and Spam Complaint %s is kept as it is", async (bounce, spamComplaint) => {
      await start({ broadcastBounce, broadcastSpamComplaint });
      const triggers = {
        ...structuredClone(TRANSACTIONAL_TRIGGERS),
        Bounce: { Enabled: bounce, IncludeContent: false },
        SpamComplaint: { Enabled: spamComplaint, IncludeContent: false },
      };
      world.simulator.state.webhooks.push({
        ID: 777,
        ServerID: PROD,
        Url: US_URL,
        MessageStream: "broadcast",
        HttpAuth: null,
        HttpHeaders: [],
        Triggers: triggers,
      });
      const run = await setup("broadcast", ["--json"]);
      expect(run.code).toBe(0);
      expect(run.json().webhook).toMatchObject({ id: 777, action: "unchanged" });
      expect(world.simulator.writes).toEqual([]);
      expect((await world.run(["doctor", "--json"], { env: {} })).code).toBe(0);
      expect((await world.run(["doctor", "--fix", "--yes", "--json"], { env: {} })).code).toBe(0);
      expect(world.simulator.writes).toEqual([]);
      expect(world.simulator.webhooksOf(PROD, "broadcast")[0]!.Triggers).toMatchObject({
        Bounce: { Enabled: bounce },
        SpamComplaint: { Enabled: spamComplaint },
      });
    });

    it("the transactional stream still gets exactly the four triggers", async () => {
      await start({ broadcastBounce, broadcastSpamComplaint });
      const run = await setup("outbound", ["--json"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN });
      expect(run.code).toBe(0);
      expect(world.simulator.webhooksOf(PROD, "outbound")[0]!.Triggers).toEqual(TRANSACTIONAL_TRIGGERS);
    });
  },
);

describe("broadcast in words", () => {
  it("says once why a broadcast stream has two triggers", async () => {
    await start();
    const run = await setup("broadcast");
    expect(run.code).toBe(0);
    expect(run.stderr.match(/two triggers/g)).toHaveLength(1);
    expect(run.stderr).toContain(
      "A broadcast stream gets two triggers (the events Postmark sends Customer.io), Delivery and Subscription Change: " +
        "Postmark offers no Bounce or Spam Complaint trigger " +
        "there, and reports hard bounces and spam complaints as Subscription Change events.",
    );
    expect(run.stderr).toContain(
      'Create a webhook on "broadcast" to https://track.customer.io/postmark/events (Delivery, Subscription Change)',
    );
  });
});

describe("what Postmark answers after a write", () => {
  it("a trigger Postmark keeps otherwise is said as Postmark's, and fails the run as doctor would fail it", async () => {
    await start();
    const imposed = { ...structuredClone(TRANSACTIONAL_TRIGGERS), SubscriptionChange: { Enabled: false } };
    world.simulator.injectFault({
      times: 1,
      match: (request) => request.method === "POST" && request.path === "/webhooks",
      fault: {
        kind: "answer",
        status: 200,
        body: JSON.stringify({
          ID: 4242,
          Url: US_URL,
          MessageStream: "outbound",
          HttpAuth: { Username: "", Password: "" },
          HttpHeaders: [],
          Triggers: imposed,
        }),
      },
    });
    const run = await setup("outbound", ["--json"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN });
    expect(run.code).toBe(1);
    expect(run.json().warnings).toContain("Webhook 4242: Subscription Change was asked on but Postmark keeps it off.");
    expect(run.json().warnings.join("\n")).toContain("Webhook 4242 has the wrong settings: Subscription Change trigger is off");
  });

  it("an answer with another URL than was sent is a bad response, not a success", async () => {
    await start();
    world.simulator.injectFault({
      match: (request) => request.method === "POST" && request.path === "/webhooks",
      fault: {
        kind: "answer",
        status: 200,
        body: JSON.stringify({ ID: 4243, Url: "https://evil.example/hook", MessageStream: "outbound", Triggers: TRANSACTIONAL_TRIGGERS }),
      },
    });
    const run = await setup("outbound", ["--json"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN });
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({ code: "postmark_bad_response" });
    expect(run.json().error.message).toContain("https://evil.example/hook");
  });

  it("a 422 that names a trigger says which trigger Postmark refused", async () => {
    await start();
    world.simulator.injectFault({
      match: (request) => request.method === "POST" && request.path === "/webhooks",
      fault: {
        kind: "answer",
        status: 422,
        body: JSON.stringify({ ErrorCode: 1353, Message: "The 'SpamComplaint' trigger is not supported on this message stream." }),
      },
    });
    const run = await setup("outbound", ["--json"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN });
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({
      code: "postmark_trigger_refused",
      message: expect.stringContaining("refused the Spam Complaint trigger"),
    });
    expect(run.json().error.hint).toMatch(/Spam Complaint/);
  });
});
