import { afterEach, describe, expect, it } from "vitest";
import { US_URL, transactionalTriggers } from "../../helpers/expected.js";
import { SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";

/**
 * Webhook writes that fail: never repeated blindly (Postmark is read first), never more than three
 * tries, a refusal named for the trigger it concerns, and an answer that is not what was asked refused.
 */

const PROD = 2001;
const SETUP = ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json"];
const env = { POSTMARK_SERVER_TOKEN: SERVER_TOKEN };

let world: World;
afterEach(() => world?.close());

const calls = () => world.simulator.requests.map((request) => `${request.method} ${request.path}`);
const writes = (method: string) => world.simulator.requests.filter((request) => request.method === method);
const addWebhook = (ID: number, Url: string, triggers = transactionalTriggers()) =>
  world.simulator.state.webhooks.push({
    ID,
    ServerID: PROD,
    Url,
    MessageStream: "outbound",
    HttpAuth: null,
    HttpHeaders: [],
    Triggers: triggers,
  });
const refusal = (message: string) => ({
  kind: "answer" as const,
  status: 422,
  body: JSON.stringify({ ErrorCode: 1352, Message: message }),
});

describe("creating the webhook", () => {
  it("a refusal is reported at once, with one POST", async () => {
    world = await startWorld();
    world.simulator.injectFault({ match: (request) => request.method === "POST", fault: refusal("Invalid URL.") });
    const run = await world.run(SETUP, { env });
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({ code: "postmark_rejected", message: "Postmark refused to create the webhook: Invalid URL." });
    expect(writes("POST")).toHaveLength(1);
  });

  it.each(["Invalid trigger: SpamComplaint", "The spam complaint trigger is not available here"])(
    "a refusal naming a trigger (%j) says which",
    async (message) => {
      world = await startWorld();
      world.simulator.injectFault({ match: (request) => request.method === "POST", fault: refusal(message) });
      const run = await world.run(SETUP, { env });
      expect(run.code).toBe(1);
      expect(run.json().error).toMatchObject({
        code: "postmark_trigger_refused",
        message: `Postmark refused the Spam Complaint trigger on stream "outbound": Postmark refused to create the webhook: ${message}`,
        hint:
          "Postmark may not offer the Spam Complaint trigger on this kind of stream. Nothing else was changed; run with --trace " +
          "FILE and report it.",
      });
    },
  );

  it("a failure that may have landed is checked before each new try, and there are three tries at most", async () => {
    world = await startWorld();
    world.simulator.injectFault({ match: (request) => request.method === "POST", fault: { kind: "status", status: 500 } });
    const run = await world.run(SETUP, { env });
    expect(run.code).toBe(1);
    expect(run.json().error.code).toBe("postmark_unavailable");
    expect(calls().slice(-5)).toEqual(["POST /webhooks", "GET /webhooks", "POST /webhooks", "GET /webhooks", "POST /webhooks"]);
    expect(writes("POST")).toHaveLength(3);
  });

  it("a create whose answer was lost is found on the stream, and not sent again", async () => {
    world = await startWorld();
    world.simulator.injectFault({ match: (request) => request.method === "POST", fault: { kind: "lose-response" }, times: 1 });
    const run = await world.run(SETUP, { env });
    expect(run.code).toBe(0);
    expect(run.json().webhook).toMatchObject({ action: "created", url: US_URL });
    expect(writes("POST")).toHaveLength(1);
    expect(world.simulator.webhooksOf(PROD, "outbound")).toHaveLength(1);
  });

  it("after a failed POST, another webhook on the stream is not taken for ours: the POST is tried again", async () => {
    world = await startWorld();
    addWebhook(7, "https://hooks.example.com/postmark");
    world.simulator.injectFault({ match: (request) => request.method === "POST", fault: { kind: "status", status: 500 }, times: 1 });
    const run = await world.run(SETUP, { env });
    expect(run.code).toBe(0);
    expect(run.json().webhook).toMatchObject({ action: "created", url: US_URL });
    expect(writes("POST")).toHaveLength(2);
    expect(
      world.simulator
        .webhooksOf(PROD, "outbound")
        .map((hook) => hook.Url)
        .sort(),
    ).toEqual(["https://hooks.example.com/postmark", US_URL]);
  });

  it("an answer on another stream is a bad answer, with what to check", async () => {
    world = await startWorld();
    const answered = {
      ID: 31,
      Url: US_URL,
      MessageStream: "broadcast",
      Triggers: transactionalTriggers(),
      HttpAuth: null,
      HttpHeaders: [],
    };
    world.simulator.injectFault({
      match: (request) => request.method === "POST",
      fault: { kind: "answer", status: 200, body: JSON.stringify(answered) },
    });
    const run = await world.run(SETUP, { env });
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({
      code: "postmark_bad_response",
      message: `Postmark answered the webhook write with URL "${US_URL}" on stream "broadcast", not ${US_URL} on "outbound" as asked.`,
      hint: "Check webhook 31 in Postmark, and run with --trace FILE to see the exchange; please report it.",
    });
  });
});

describe("updating and deleting", () => {
  /** A stream with two Customer.io webhooks of the region: setup --yes keeps 50 and deletes 51. */
  async function withDuplicate() {
    world = await startWorld();
    addWebhook(50, US_URL);
    addWebhook(51, US_URL);
  }
  const deleting = () => world.run([...SETUP, "--yes"], { env });
  const callsTo51 = () => calls().filter((call) => call.includes("/webhooks/51"));

  it("an update whose answer was lost is read back, and found done", async () => {
    world = await startWorld();
    addWebhook(40, US_URL, { ...transactionalTriggers(), Open: { Enabled: true, PostFirstOpenOnly: false } });
    world.simulator.injectFault({ match: (request) => request.method === "PUT", fault: { kind: "lose-response" }, times: 1 });
    const run = await world.run(SETUP, { env });
    expect(run.code).toBe(0);
    expect(run.json().webhook).toMatchObject({ id: 40, action: "updated", url: US_URL });
    expect(calls().filter((call) => call.endsWith("/webhooks/40"))).toEqual(["PUT /webhooks/40", "GET /webhooks/40"]);
  });

  // Either way webhook 51 is gone when the delete's answer does not say so: read back once, found gone, not sent again.
  it.each([
    [
      "a delete whose answer was lost",
      () => world.simulator.injectFault({ match: (request) => request.method === "DELETE", fault: { kind: "lose-response" }, times: 1 }),
    ],
    [
      // Deleted in Postmark's web app between our read and our delete: Postmark itself then answers 422 (1352).
      "a webhook someone else deleted just before our delete",
      () =>
        world.simulator.injectFault({
          match: (request) => {
            const { state } = world.simulator;
            if (request.method === "DELETE") state.webhooks = state.webhooks.filter((hook) => hook.ID !== 51);
            return false;
          },
          fault: { kind: "lose-response" },
        }),
    ],
  ])("%s counts as deleted: it sends nothing", async (_name, fault) => {
    await withDuplicate();
    fault();
    const run = await deleting();
    expect(run.code).toBe(0);
    expect(run.json().webhook.removed).toEqual([51]);
    expect(callsTo51()).toEqual(["DELETE /webhooks/51", "GET /webhooks/51"]);
  });

  it("a delete Postmark refuses for a webhook it still has is reported, and the webhook is still there", async () => {
    await withDuplicate();
    world.simulator.injectFault({
      match: (request) => request.method === "DELETE",
      fault: { kind: "answer", status: 422, body: JSON.stringify({ ErrorCode: 1361, Message: "Not allowed." }) },
    });
    const run = await deleting();
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({
      code: "webhook_not_removed",
      message:
        "Saved Production / outbound with webhook 50, but could not delete webhook 51: Postmark refused to delete webhook 51: Not " +
        "allowed. Until it is deleted, Customer.io counts events twice.",
    });
    expect(world.simulator.webhooksOf(PROD, "outbound").map((hook) => hook.ID)).toEqual([50, 51]);
  });

  it("a delete that may have landed, and a read-back that fails too, is not taken for deleted", async () => {
    await withDuplicate();
    world.simulator.injectFault({ match: (request) => request.method === "DELETE", fault: { kind: "status", status: 503 }, times: 1 });
    world.simulator.injectFault({
      match: (request) => request.method === "GET" && request.path === "/webhooks/51",
      fault: { kind: "status", status: 500 },
    });
    const run = await deleting();
    expect(run.code).toBe(1);
    expect(run.json().error.code).toBe("webhook_not_removed");
    expect(world.simulator.webhooksOf(PROD, "outbound").map((hook) => hook.ID)).toEqual([50, 51]);
  });

  it("a delete that failed without landing is found still there, and sent again", async () => {
    await withDuplicate();
    world.simulator.injectFault({ match: (request) => request.method === "DELETE", fault: { kind: "status", status: 503 }, times: 1 });
    const run = await deleting();
    expect(run.code).toBe(0);
    expect(callsTo51()).toEqual(["DELETE /webhooks/51", "GET /webhooks/51", "DELETE /webhooks/51"]);
    expect(world.simulator.webhooksOf(PROD, "outbound").map((hook) => hook.ID)).toEqual([50]);
  });
});
