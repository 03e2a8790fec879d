import { describe, expect, it } from "vitest";
import { failedTriggerWords, judgeWebhookHealth, type HealthInput } from "../../src/core/webhook-health.js";

/** Whether Postmark delivers to Customer.io: every state of the one judgement of it, in words. */

const TRANSACTIONAL = ["Delivery", "Bounce", "SpamComplaint", "SubscriptionChange"];
const counts = (total: number, failed = 0, retries = 0) => ({ total, succeeded: total - failed, failed, retries });
const verified = { Delivery: "verified", Bounce: "verified", SpamComplaint: "verified", SubscriptionChange: "verified" };

describe("judgeWebhookHealth", () => {
  const cases: Array<[string, Partial<HealthInput>, ReturnType<typeof judgeWebhookHealth>]> = [
    ["no statistics route and no Status: nothing to judge", { deliveries: undefined, webhookStatus: null }, undefined],
    ["no statistics route, verified: nothing to judge", { deliveries: undefined, webhookStatus: "verified" }, undefined],
    [
      "unverified without statistics: fails, whatever else",
      { deliveries: undefined, webhookStatus: "unverified" },
      {
        status: "fail",
        unverified: true,
        message: "Postmark marks the webhook unverified: it sends Customer.io no events until the webhook passes verification.",
      },
    ],
    [
      "every trigger paused while the webhook says verified: the whole webhook",
      {
        webhookStatus: "verified",
        deliveries: {
          ...counts(40),
          statuses: { Delivery: "unverified", Bounce: "unverified", SpamComplaint: "unverified", SubscriptionChange: "unverified" },
        },
      },
      {
        status: "fail",
        unverified: true,
        message: "Postmark marks the webhook unverified: it sends Customer.io no events until the webhook passes verification.",
      },
    ],
    [
      "three of four paused: named, in Postmark's order",
      { deliveries: { ...counts(40), statuses: { ...verified, Delivery: "paused", Bounce: "unverified", SubscriptionChange: "x" } } },
      {
        status: "fail",
        unverified: true,
        message:
          "Postmark marks the Delivery, Bounce and Subscription Change triggers unverified (paused): it sends Customer.io no events for " +
          "them until they pass verification.",
      },
    ],
    [
      "a trigger the webhook should not carry is not judged",
      { deliveries: { ...counts(40), statuses: { ...verified, Open: "unverified" } } },
      { status: "pass", message: "40 deliveries to Customer.io in the last 24 hours, none failed." },
    ],
    [
      "the total failing is said as the total, even where a trigger fails too",
      { deliveries: { ...counts(100, 50), byTrigger: { Bounce: counts(50, 50) } } },
      { status: "fail", message: "50 of 100 deliveries to Customer.io failed in the last 24 hours." },
    ],
    [
      "exactly 10% failing for one trigger is not a failure",
      { deliveries: { ...counts(1000, 10), byTrigger: { Bounce: counts(100, 10) } } },
      { status: "warn", message: "10 of 1000 deliveries to Customer.io failed in the last 24 hours; the rest arrived." },
    ],
    [
      "two triggers failing, each named",
      { deliveries: { ...counts(1000, 60), byTrigger: { Bounce: counts(100, 30), SpamComplaint: counts(20, 5) } } },
      {
        status: "fail",
        message:
          "Postmark's deliveries to Customer.io in the last 24 hours: Bounce: 30 of 100 deliveries failed; Spam Complaint: 5 of 20 " +
          "deliveries failed.",
      },
    ],
    [
      "a failing trigger the webhook should not carry is not judged",
      { deliveries: { ...counts(1000, 0), byTrigger: { Open: counts(100, 100) } } },
      { status: "pass", message: "1000 deliveries to Customer.io in the last 24 hours, none failed." },
    ],
    [
      "no retries: none said",
      { deliveries: counts(10, 5) },
      { status: "fail", message: "5 of 10 deliveries to Customer.io failed in the last 24 hours." },
    ],
    [
      "one retry, in the singular",
      { deliveries: counts(10, 5, 1) },
      { status: "fail", message: "5 of 10 deliveries to Customer.io failed in the last 24 hours (1 retry)." },
    ],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(judgeWebhookHealth({ deliveries: counts(40), webhookStatus: null, triggers: TRANSACTIONAL, ...input })).toEqual(expected);
  });
});

describe("failedTriggerWords", () => {
  it("names each failed call with what the URL answered, or that it did not", () => {
    const checks = [
      { trigger: "Delivery", success: true, statusCode: 200, message: "OK" },
      { trigger: "SpamComplaint", success: false, statusCode: 0, message: "" },
      { trigger: "Bounce", success: false, statusCode: 404, message: "Not Found" },
    ];
    expect(failedTriggerWords(checks)).toBe('Spam Complaint (no answer), Bounce (404 "Not Found")');
  });
});
