import { afterEach, describe, expect, it } from "vitest";
import type { CustomerIoSimulator } from "../../../src/sandbox/customerio-simulator.js";
import type { SimulatorOptions } from "../../../src/sandbox/postmark/state.js";
import { CIO_US_KEY, startCustomerIo } from "../../helpers/customerio.js";
import { DEFAULT_SPEC, SENDER, SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";

/**
 * Postmark's own rules for what reaches Customer.io (its webhook guide): an unverified webhook gets no
 * events, a trigger that keeps failing is paused on its own, the statistics say so per trigger, and a
 * verify answer is judged by its Success as well as its results. Each rule is tried under every shape
 * of answer the simulator can give: with and without a top-level Status, with and without the
 * per-trigger statistics.
 */

let world: World;
let customerio: CustomerIoSimulator | undefined;
afterEach(async () => {
  await customerio?.close();
  customerio = undefined;
  await world.close();
});

const VERIFY_FIX =
  "Have Postmark verify the webhook now (it calls Customer.io's URL once per trigger): cio-postmark doctor --verify-webhook " +
  "--server 2001 --stream outbound";
const start = async (options: SimulatorOptions = {}) => {
  world = await startWorld(DEFAULT_SPEC, {}, { messageDelayMs: 50, eventDelayMs: 50, ...options });
};
const env = { POSTMARK_SERVER_TOKEN: SERVER_TOKEN };
const setup = (...extra: string[]) =>
  world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json", ...extra], { env });
const doctor = (...extra: string[]) => world.run(["doctor", "--no-input", "--json", ...extra], { env: {} });
const check = (document: any, id: string) => document.connections[0].checks.find((candidate: { id: string }) => candidate.id === id);
const hookId = () => world.simulator.state.webhooks[0]!.ID;

const shapes: Array<[string, SimulatorOptions]> = [
  ["a top-level Status and per-trigger statistics", {}],
  ["no top-level Status (as the webhook guide shows it)", { webhookStatus: "absent" }],
  ["no per-trigger statistics", { statisticsByTrigger: false }],
];

describe.each(shapes)("with %s", (_name, options) => {
  it("a paused trigger fails webhook-delivery where Postmark says so, and --verify-webhook lifts the pause", async () => {
    await start(options);
    expect((await setup()).code).toBe(0);
    world.simulator.pauseTrigger(hookId(), "Bounce");
    const checked = await doctor();
    if (options.statisticsByTrigger === false) {
      // Nothing says Bounce is paused: the counts are all doctor can judge.
      expect(check(checked.json(), "webhook-delivery").status).toBe("pass");
      return;
    }
    expect(checked.code).toBe(1);
    expect(check(checked.json(), "webhook-delivery")).toMatchObject({
      status: "fail",
      message: "Postmark marks the Bounce trigger unverified (paused): it sends Customer.io no event for it until it passes verification.",
      fix: VERIFY_FIX,
    });
    const verified = await doctor("--verify-webhook");
    expect(verified.code).toBe(0);
    expect(check(verified.json(), "webhook-delivery").status).toBe("pass");
    expect(check(verified.json(), "webhook-verify").status).toBe("pass");
    expect((await doctor()).code).toBe(0);
  });

  it("a trigger failing 50 of 100 fails by name when Postmark counts per trigger, whatever the total", async () => {
    await start(options);
    expect((await setup()).code).toBe(0);
    world.simulator.deliveries = { TotalRequests: 1000, SuccessCount: 950, FailureCount: 50, RetryCount: 0 };
    world.simulator.deliveriesByTrigger = { Bounce: { TotalRequests: 100, SuccessCount: 50, FailureCount: 50, RetryCount: 0 } };
    const checked = await doctor();
    const verdict = check(checked.json(), "webhook-delivery");
    if (options.statisticsByTrigger === false) {
      expect(verdict).toMatchObject({
        status: "warn",
        message: "50 of 1000 deliveries to Customer.io failed in the last 24 hours; the rest arrived.",
      });
      expect(checked.code).toBe(0);
      return;
    }
    expect(checked.code).toBe(1);
    expect(verdict).toMatchObject({
      status: "fail",
      message: "Postmark's deliveries to Customer.io in the last 24 hours: Bounce: 50 of 100 deliveries failed.",
    });
  });

  it("doctor --fix verifies a webhook Postmark will not deliver to, with one call, and it then passes", async () => {
    await start(options);
    expect((await setup()).code).toBe(0);
    world.simulator.pauseTrigger(hookId(), "Delivery");
    const before = world.simulator.writes.length;
    const fixed = await doctor("--fix");
    const writes = world.simulator.writes.slice(before).map((request) => `${request.method} ${request.path}`);
    if (options.statisticsByTrigger === false) {
      // No statistics name the pause, and the webhook's own Status (if any) says verified: nothing says to verify.
      expect(writes).toEqual([]);
      return;
    }
    expect(writes).toEqual([`POST /webhooks/${hookId()}/verify`]);
    expect(fixed.code).toBe(0);
    expect(check(fixed.json(), "webhook-delivery").status).toBe("pass");
  });
});

describe("a verify answer", () => {
  it("that says Success: false with an empty Results list fails webhook-verify", async () => {
    await start({ verifyAnswer: "success-only" });
    expect((await setup()).code).toBe(0);
    world.simulator.receiverRefusal = { triggers: ["Bounce"], statusCode: 404, message: "Not Found" };
    const checked = await doctor("--verify-webhook");
    expect(checked.code).toBe(1);
    expect(check(checked.json(), "webhook-verify")).toMatchObject({
      status: "fail",
      message: "Postmark's check of the webhook did not pass (it answered Success: false), so it may send Customer.io no events.",
    });
  });
});

describe("events reach Customer.io only through a verified webhook and trigger", () => {
  const endToEnd = () =>
    world.run(["doctor", "--json", "--end-to-end", "--from", SENDER], {
      env: { ...customerio!.env, CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
      overrides: { ...world.overrides, endToEndTimeoutMs: 1_500 },
    });

  it("a webhook saved unverified gets no event: the proof never matches, and doctor says why before it", async () => {
    await start();
    customerio = await startCustomerIo(world);
    expect((await setup("--no-verify-webhook")).code).toBe(1);
    const result = await endToEnd();
    expect(result.code).toBe(1);
    const checks = result.json().connections[0].checks;
    expect(checks.find((candidate: { id: string }) => candidate.id === "webhook-delivery")).toMatchObject({
      status: "fail",
      fix: VERIFY_FIX,
    });
    expect(checks.find((candidate: { id: string }) => candidate.id === "end-to-end")).toMatchObject({ status: "fail", stage: "event" });
  });

  it("a paused Bounce trigger stops the soft bounce's event; verifying lifts it and the proof passes", async () => {
    await start();
    customerio = await startCustomerIo(world);
    expect((await setup()).code).toBe(0);
    world.simulator.pauseTrigger(hookId(), "Bounce");
    const paused = await endToEnd();
    expect(paused.json().connections[0].checks.find((candidate: { id: string }) => candidate.id === "end-to-end")).toMatchObject({
      status: "fail",
      stage: "event",
    });
    expect((await doctor("--verify-webhook")).code).toBe(0);
    const proven = await endToEnd();
    expect(proven.code).toBe(0);
    expect(proven.json().connections[0].checks.find((candidate: { id: string }) => candidate.id === "end-to-end")).toMatchObject({
      status: "pass",
      stage: "matched",
    });
  });
});
