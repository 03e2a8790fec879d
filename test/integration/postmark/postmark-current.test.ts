import { afterEach, describe, expect, it } from "vitest";
import { verificationWorld } from "../../helpers/verification.js";
import type { ApiGeneration } from "../../../src/sandbox/postmark/state.js";
import { EU_URL, US_URL } from "../../helpers/expected.js";
import { SERVER_TOKEN } from "../../helpers/world.js";

/**
 * Postmark as its documents describe it now (webhook Status, verification before saving, the verify
 * and statistics routes) and as older accounts still meet it: setup, doctor and doctor --fix under both.
 */

const PROD = 2001;
const verification = verificationWorld();
const { start, setup, doctor, check, writesOf, refuse } = verification;
const env = { POSTMARK_SERVER_TOKEN: SERVER_TOKEN };
afterEach(() => verification.world.close());

describe.each<ApiGeneration>(["current", "older"])("Postmark's %s API", (api) => {
  it("setup creates the webhook, a re-run writes nothing, doctor passes writing nothing, and doctor --fix repairs drift", async () => {
    await start({ api });
    const first = await setup();
    expect(first.code).toBe(0);
    expect(first.json().webhook).toMatchObject({ action: "created", status: api === "current" ? "verified" : null });
    expect((await setup()).json().webhook).toMatchObject({ action: "unchanged", status: api === "current" ? "verified" : null });
    expect(writesOf()).toHaveLength(1);

    const checked = await doctor();
    expect(checked.code).toBe(0);
    expect(check(checked.json(), "webhook-delivery")).toMatchObject(
      api === "current"
        ? { status: "pass", message: "40 deliveries to Customer.io in the last 24 hours, none failed." }
        : { status: "skip", message: "Skipped: this Postmark account's API has no webhook statistics (the older API)." },
    );
    expect(check(checked.json(), "webhook-verify").status).toBe("skip");
    expect(writesOf()).toHaveLength(1);

    verification.world.simulator.state.webhooks[0]!.Triggers.Open.Enabled = true;
    const fixed = await doctor("--fix", "--yes");
    expect(fixed.code).toBe(0);
    expect(writesOf().map((request) => `${request.method} ${request.path}`)).toEqual([
      "POST /webhooks",
      `PUT /webhooks/${verification.world.simulator.state.webhooks[0]!.ID}`,
    ]);
    expect(verification.world.simulator.webhooksOf(PROD, "outbound")[0]!.Triggers.Open.Enabled).toBe(false);
  });

  it("doctor --verify-webhook asks Postmark to call the URL now, or skips where the API cannot", async () => {
    await start({ api });
    expect((await setup()).code).toBe(0);
    const run = await doctor("--verify-webhook");
    expect(run.code).toBe(0);
    const hookId = verification.world.simulator.state.webhooks[0]!.ID;
    expect(writesOf().map((request) => `${request.method} ${request.path}`)).toEqual(["POST /webhooks", `POST /webhooks/${hookId}/verify`]);
    expect(check(run.json(), "webhook-verify")).toMatchObject(
      api === "current"
        ? { status: "pass", message: "Postmark called Customer.io's URL for 4 triggers: each answered." }
        : { status: "skip", message: "Skipped: this Postmark account's API cannot verify webhooks (the older API)." },
    );
  });
});

describe("verification before saving (the current API)", () => {
  it("says the webhook's status in words for people, and nothing where the older API reports none", async () => {
    await start();
    const human = await verification.world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us"], { env });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("Postmark verified the webhook: Customer.io's URL answered its call for each trigger.");
    await verification.world.close();
    await start({ api: "older" });
    const older = await verification.world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us"], { env });
    expect(older.code).toBe(0);
    expect(older.stdout).not.toMatch(/verified/i);
  });

  it("a refusal on create ends setup with webhook_verification_failed, naming each failing trigger; nothing saved or retried", async () => {
    await start();
    refuse(["Bounce", "SpamComplaint"], 404, "Not Found");
    const run = await setup();
    expect(run.code).toBe(1);
    const { error } = run.json();
    expect(error.code).toBe("webhook_verification_failed");
    expect(error.message).toBe(
      "Postmark could not verify the webhook to https://track.customer.io/postmark/events (while trying to create the webhook): the URL " +
        'failed for Bounce (404 "Not Found"), Spam Complaint (404 "Not Found"). Nothing was saved.',
    );
    expect(error.hint).toContain("an EU workspace https://track-eu.customer.io/postmark/events (--region eu)");
    expect(error.hint).toContain("--no-verify-webhook");
    expect(writesOf().map((request) => `${request.method} ${request.path}`)).toEqual(["POST /webhooks"]);
    expect(verification.world.simulator.state.webhooks).toEqual([]);
    expect((await verification.world.run(["status", "--json"], { env: {} })).json().connections).toEqual([]);
  });

  it("a refusal on an edit that changes the URL ends the same way, the webhook left as it was", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    const [hook] = verification.world.simulator.state.webhooks;
    hook!.Url = "https://TRACK.customer.io/postmark/events/";
    refuse(["Delivery"], 500, "Internal Server Error");
    const run = await setup();
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({
      code: "webhook_verification_failed",
      message: expect.stringContaining('the URL failed for Delivery (500 "Internal Server Error")'),
    });
    expect(verification.world.simulator.state.webhooks[0]!.Url).toBe("https://TRACK.customer.io/postmark/events/");
    expect(writesOf().filter((request) => request.method === "PUT")).toHaveLength(1);

    const fix = await doctor("--fix", "--yes");
    expect(fix.code).toBe(1);
    expect(fix.json().error.code).toBe("webhook_verification_failed");
  });

  it.each(["body", "query", "both"] as const)(
    "--no-verify-webhook sends both forms; a server that honours the %s saves it unverified, and the run fails: Postmark sends it nothing",
    async (verifyOptOut) => {
      await start({ verifyOptOut });
      refuse(["Bounce"]);
      const run = await setup("--no-verify-webhook");
      expect(run.code).toBe(1);
      expect(run.json()).toMatchObject({ ok: false, webhook: { action: "created", status: "unverified" } });
      expect(run.json().warnings).toContain(
        "Postmark marks the webhook unverified: it sends Customer.io no events until the webhook passes verification. Have Postmark " +
          "verify the webhook now (it calls Customer.io's URL once per trigger): cio-postmark doctor --verify-webhook --server 2001 " +
          "--stream outbound",
      );
      const [post] = writesOf();
      expect(post!.query.verify).toBe("false");
      expect(post!.body).toMatchObject({ Verify: false });
      expect(post!.body).not.toHaveProperty("Status");
      expect(post!.body).not.toHaveProperty("ID");
      expect(verification.world.simulator.state.webhooks).toHaveLength(1); // saved, as asked

      const checked = await doctor();
      expect(checked.code).toBe(1);
      expect(check(checked.json(), "webhook-delivery")).toEqual({
        id: "webhook-delivery",
        status: "fail",
        message: "Postmark marks the webhook unverified: it sends Customer.io no events until the webhook passes verification.",
        fix:
          "Have Postmark verify the webhook now (it calls Customer.io's URL once per trigger): cio-postmark doctor --verify-webhook " +
          "--server 2001 --stream outbound",
      });

      // The printed fix, run as printed once Customer.io's URL answers, brings it back.
      verification.world.simulator.receiverRefusal = undefined;
      const verified = await doctor("--verify-webhook", "--server", "2001", "--stream", "outbound");
      expect(verified.code).toBe(0);
      expect(check(verified.json(), "webhook-delivery").status).toBe("pass");
      expect(verification.world.simulator.state.webhooks[0]!.Status).toBe("verified");
    },
  );

  it("writes never carry Status, and a create never an ID", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    verification.world.simulator.state.webhooks[0]!.Triggers.Click.Enabled = true;
    expect((await setup()).code).toBe(0);
    for (const write of writesOf()) {
      expect(write.body).not.toHaveProperty("Status");
      expect(write.body).not.toHaveProperty("ID");
    }
    expect(writesOf()).toHaveLength(2);
  });
});

describe("doctor webhook-verify and webhook-delivery against the simulator", () => {
  it("--verify-webhook fails naming each trigger Customer.io's URL refused", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    refuse(["Delivery", "SubscriptionChange"], 410, "Gone");
    const run = await doctor("--verify-webhook");
    expect(run.code).toBe(1);
    expect(check(run.json(), "webhook-verify")).toMatchObject({
      status: "fail",
      message: 'Customer.io\'s URL failed Postmark\'s call for Delivery (410 "Gone"), Subscription Change (410 "Gone").',
    });
  });

  it("--verify-webhook combines with --send-test and --fix", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    verification.world.simulator.state.webhooks[0]!.Triggers.Open.Enabled = true;
    const run = await doctor("--verify-webhook", "--fix", "--yes", "--send-test", "--from", "alerts@signature.test");
    expect(run.code).toBe(0);
    expect(check(run.json(), "webhook-verify").status).toBe("pass");
    expect(check(run.json(), "smtp-send").status).toBe("pass");
  });

  it.each([
    [
      { TotalRequests: 40, SuccessCount: 36, FailureCount: 4, RetryCount: 9 },
      0,
      "warn",
      "4 of 40 deliveries to Customer.io failed in the last 24 hours (9 retries); the rest arrived.",
    ],
    [
      { TotalRequests: 40, SuccessCount: 3, FailureCount: 37, RetryCount: 120 },
      1,
      "fail",
      "37 of 40 deliveries to Customer.io failed in the last 24 hours (120 retries).",
    ],
    [{ TotalRequests: 0, SuccessCount: 0, FailureCount: 0, RetryCount: 0 }, 0, "pass", "No deliveries in the last 24 hours."],
  ])("statistics %o: exit %i, %s", async (deliveries, code, status, message) => {
    await start();
    expect((await setup()).code).toBe(0);
    verification.world.simulator.deliveries = deliveries;
    const run = await doctor();
    expect(run.code).toBe(code);
    expect(check(run.json(), "webhook-delivery")).toMatchObject({ status, message });
    expect(writesOf()).toHaveLength(1);
  });

  it("a statistics read that fails is a failure that says it could not read, not a skip", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    verification.world.simulator.injectFault({
      match: (request) => request.path.endsWith("/statistics"),
      fault: { kind: "status", status: 500 },
    });
    const run = await doctor();
    expect(run.code).toBe(1);
    expect(check(run.json(), "webhook-delivery")).toMatchObject({
      status: "fail",
      message: expect.stringMatching(/^Could not read the webhook's delivery statistics: Postmark answered 500/),
    });
  });

  it("reads the statistics alongside the webhook list, by the saved webhook's ID", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    verification.world.simulator.latencyMs = 100;
    const before = verification.world.simulator.requests.length;
    expect((await doctor()).code).toBe(0);
    const doctorRequests = verification.world.simulator.requests.slice(before);
    const list = doctorRequests.find((request) => request.path === "/webhooks")!;
    const statistics = doctorRequests.filter((request) => request.path.endsWith("/statistics"));
    expect(statistics).toHaveLength(1);
    expect(statistics[0]!.startedAt).toBeLessThan(list.finishedAt);
  });

  it("a webhook replaced since setup has the statistics of the one Postmark has now", async () => {
    await start();
    expect((await setup()).code).toBe(0);
    const [hook] = verification.world.simulator.state.webhooks;
    hook!.ID = 5150;
    const run = await doctor();
    expect(run.code).toBe(0);
    expect(
      verification.world.simulator.requests.filter((request) => request.path.endsWith("/statistics")).map((request) => request.path),
    ).toEqual([
      // setup's, read back beside the stream's webhooks after its create, then doctor's by the saved ID
      `/webhooks/${verification.world.simulator.state.nextWebhookId - 1}/statistics`,
      `/webhooks/${verification.world.simulator.state.nextWebhookId - 1}/statistics`,
      "/webhooks/5150/statistics",
    ]);
    expect(check(run.json(), "webhook-delivery").status).toBe("pass");
  });
});

describe("the Postmark simulator keeps to the documents", () => {
  const call = (method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${verification.world.simulator.url}${path}`, {
      method,
      headers: init.headers ?? { Accept: "application/json", "Content-Type": "application/json", "X-Postmark-Server-Token": SERVER_TOKEN },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  it("answers 415 without Accept, or a body without Content-Type", async () => {
    await start();
    expect((await call("GET", "/server", { headers: { "X-Postmark-Server-Token": SERVER_TOKEN } })).status).toBe(415);
    expect(
      (
        await call("POST", "/webhooks", {
          body: { Url: US_URL },
          headers: { Accept: "application/json", "X-Postmark-Server-Token": SERVER_TOKEN },
        })
      ).status,
    ).toBe(415);
    expect((await call("GET", "/server")).status).toBe(200);
  });

  it("refuses Status on a write (1363) and ID on a create (1356)", async () => {
    await start();
    const withStatus = await call("POST", "/webhooks", { body: { Url: US_URL, Status: "verified" } });
    expect(withStatus.status).toBe(422);
    expect(await withStatus.json()).toMatchObject({ ErrorCode: 1363 });
    expect(await (await call("POST", "/webhooks", { body: { Url: US_URL, ID: 5 } })).json()).toMatchObject({ ErrorCode: 1356 });
  });

  it("answers 1364 with per-trigger Results, and the older API has neither route", async () => {
    await start();
    refuse(["Bounce"], 404, "Not Found");
    const refused = await call("POST", "/webhooks", { body: { Url: EU_URL, Triggers: { Bounce: { Enabled: true } } } });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({
      ErrorCode: 1364,
      Url: EU_URL,
      Success: false,
      Results: [{ TriggerType: "Bounce", Success: false, StatusCode: 404, Message: "Not Found" }],
    });

    await verification.world.close();
    await start({ api: "older" });
    const created = (await (await call("POST", "/webhooks", { body: { Url: US_URL } })).json()) as { ID: number };
    expect(created).not.toHaveProperty("Status");
    expect((await call("GET", `/webhooks/${created.ID}/statistics`)).status).toBe(404);
    expect((await call("POST", `/webhooks/${created.ID}/verify`, { body: {} })).status).toBe(404);
  });
});
