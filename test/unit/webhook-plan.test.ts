import { describe, expect, it } from "vitest";
import { describePlan, driftOf, planChangesAnything, planWebhooks, triggersPostmarkChanged } from "../../src/core/webhook-plan.js";
import { EU_URL, TRANSACTIONAL_TRIGGERS, US_URL, transactionalTriggers } from "../helpers/expected.js";
import type { Webhook } from "../../src/core/model.js";

const US = US_URL;
const EU = EU_URL;

function hook(
  id: number,
  url: string,
  changes: Partial<Webhook> & { open?: boolean; delivery?: boolean } = {},
  stream = "outbound",
): Webhook {
  const triggers = transactionalTriggers();
  if (changes.open) triggers.Open.Enabled = true;
  if (changes.delivery === false) triggers.Delivery.Enabled = false;
  return {
    ID: id,
    Url: url,
    MessageStream: stream,
    HttpAuth: { Username: "", Password: "" },
    HttpHeaders: [],
    Triggers: triggers,
    ...changes,
  };
}

type Case = [
  name: string,
  current: Webhook[],
  target: "create" | "update" | "keep",
  targetId: number | null,
  deleted: number[],
  untouched: number[],
];

const cases: Case[] = [
  ["nothing there: create", [], "create", null, [], []],
  ["a correct one: keep", [hook(1, US)], "keep", 1, [], []],
  ["trailing slash and upper case: Customer.io's, repaired to the exact URL", [hook(1, `${US.toUpperCase()}/`)], "update", 1, [], []],
  ["explicit :443 port: Customer.io's, repaired", [hook(1, "https://track.customer.io:443/postmark/events")], "update", 1, [], []],
  ["plain http: Customer.io's, repaired", [hook(1, "http://track.customer.io/postmark/events")], "update", 1, [], []],
  ["a query string: Customer.io's, repaired", [hook(1, "https://track.customer.io/postmark/events?x=1")], "update", 1, [], []],
  ["a fragment: Customer.io's, repaired", [hook(1, "https://track.customer.io/postmark/events#top")], "update", 1, [], []],
  ["a doubled slash: Customer.io's, repaired", [hook(1, "https://track.customer.io//postmark/events")], "update", 1, [], []],
  [
    "another port and upper-case host: Customer.io's, repaired",
    [hook(1, "https://TRACK.Customer.IO:8443/postmark/events")],
    "update",
    1,
    [],
    [],
  ],
  [
    "a variant beside the exact URL: the variant is a duplicate",
    [hook(1, US), hook(2, "http://track.customer.io:80/postmark/events/")],
    "keep",
    1,
    [2],
    [],
  ],
  ["EU variant on a US connection: other region", [hook(4, "HTTPS://track-eu.customer.io:443//postmark/events")], "create", null, [4], []],
  [
    "another path on Customer.io's host is not Customer.io's webhook",
    [hook(7, "https://track.customer.io/other/events")],
    "create",
    null,
    [],
    [7],
  ],
  ["a look-alike host is not Customer.io", [hook(7, "https://track.customer.io.evil.example/postmark/events")], "create", null, [], [7]],
  ["Open on: update", [hook(1, US, { open: true })], "update", 1, [], []],
  ["Delivery off: update", [hook(1, US, { delivery: false })], "update", 1, [], []],
  ["HTTP auth set: update", [hook(1, US, { HttpAuth: { Username: "u", Password: "p" } })], "update", 1, [], []],
  ["headers set: update", [hook(1, US, { HttpHeaders: [{ Name: "X", Value: "1" }] })], "update", 1, [], []],
  ["other URL only: create, other left alone", [hook(7, "https://example.com/hook")], "create", null, [], [7]],
  ["other URL with Open on is never touched", [hook(1, US), hook(7, "https://example.com/hook", { open: true })], "keep", 1, [], [7]],
  ["two same-region: keep the oldest, delete the other", [hook(3, US), hook(2, US)], "keep", 2, [3], []],
  ["two same-region, only the newer correct: keep the correct one", [hook(2, US, { open: true }), hook(3, US)], "keep", 3, [2], []],
  ["other region only: create ours, delete theirs", [hook(4, EU)], "create", null, [4], []],
  ["both regions: keep ours, delete the other region", [hook(4, EU), hook(5, US)], "keep", 5, [4], []],
  ["webhooks on other streams are ignored", [hook(1, US, {}, "broadcast")], "create", null, [], []],
];

describe("planWebhooks (region us, stream outbound)", () => {
  it.each(cases)("%s", (_name, current, target, targetId, deleted, untouched) => {
    const plan = planWebhooks({ region: "us", streamId: "outbound", streamType: "Transactional" }, current);
    expect(plan.target.kind).toBe(target);
    expect(plan.target.kind === "create" ? null : plan.target.webhook.ID).toBe(targetId);
    expect(plan.deletions.map((d) => d.webhook.ID)).toEqual(deleted);
    expect(plan.untouched.map((w) => w.ID)).toEqual(untouched);
    expect(planChangesAnything(plan)).toBe(target !== "keep" || deleted.length > 0);
    expect(describePlan(plan, "outbound", "Transactional")).toHaveLength(1 + deleted.length);
  });

  it("creates with exactly the four triggers, Open and Click off, no content, auth or headers", () => {
    const plan = planWebhooks({ region: "eu", streamId: "outbound", streamType: "Transactional" }, []);
    if (plan.target.kind !== "create") throw new Error("expected create");
    expect(plan.target.body).toEqual({
      Url: EU,
      MessageStream: "outbound",
      HttpAuth: { Username: "", Password: "" },
      HttpHeaders: [],
      Triggers: TRANSACTIONAL_TRIGGERS,
    });
  });

  it("names each drift in words", () => {
    const drifted = hook(1, US, { open: true, delivery: false });
    drifted.Triggers.Click.Enabled = true;
    drifted.Triggers.Bounce.IncludeContent = true;
    const transactional = { region: "us", streamType: "Transactional" } as const;
    expect(driftOf(drifted, transactional)).toEqual([
      "Delivery trigger is off: Customer.io would not learn that its messages were delivered",
      "Open trigger is on: Customer.io tracks opens itself, so it would count every open twice",
      "Click trigger is on: Customer.io tracks clicks itself, so it would count every click twice",
      "message content is included",
    ]);
    expect(driftOf(hook(1, US), transactional)).toEqual([]);
    expect(driftOf(hook(1, "http://track.customer.io/postmark/events"), transactional)).toEqual([
      'URL is "http://track.customer.io/postmark/events", not exactly https://track.customer.io/postmark/events',
    ]);
  });
});

describe("broadcast streams: Delivery and Subscription Change; Bounce and Spam Complaint are Postmark's to keep", () => {
  const broadcast = { region: "us", streamId: "broadcast", streamType: "Broadcasts" } as const;
  const onBroadcast = (bounce: boolean, spamComplaint: boolean, includeContent = false) => {
    const webhook = hook(1, US, {}, "broadcast");
    webhook.Triggers.Bounce = { Enabled: bounce, IncludeContent: includeContent };
    webhook.Triggers.SpamComplaint = { Enabled: spamComplaint, IncludeContent: includeContent };
    return webhook;
  };

  it("creates without asking for Bounce or Spam Complaint at all", () => {
    const plan = planWebhooks(broadcast, []);
    if (plan.target.kind !== "create") throw new Error("expected create");
    expect(plan.target.body.Triggers).toEqual({
      Open: { Enabled: false, PostFirstOpenOnly: false },
      Click: { Enabled: false },
      Delivery: { Enabled: true },
      SubscriptionChange: { Enabled: true },
    });
    expect(describePlan(plan, "broadcast", "Broadcasts")[0]).toBe(
      `Create a webhook on "broadcast" to ${US} (Delivery, Subscription Change)`,
    );
  });

  it.each([
    [true, true],
    [true, false],
    [false, true],
    [false, false],
  ])("keeps a webhook whose Bounce is %s and Spam Complaint %s, with or without their content", (bounce, spamComplaint) => {
    for (const includeContent of [false, true]) {
      expect(planWebhooks(broadcast, [onBroadcast(bounce, spamComplaint, includeContent)]).target.kind).toBe("keep");
      expect(driftOf(onBroadcast(bounce, spamComplaint, includeContent), broadcast)).toEqual([]);
    }
  });

  it("still repairs Open, Delivery and the rest on a broadcast stream", () => {
    const webhook = onBroadcast(false, false);
    webhook.Triggers.Open.Enabled = true;
    webhook.Triggers.SubscriptionChange.Enabled = false;
    expect(driftOf(webhook, broadcast)).toEqual([
      "Subscription Change trigger is off: unsubscribes and suppressions in Postmark would not reach Customer.io",
      "Open trigger is on: Customer.io tracks opens itself, so it would count every open twice",
    ]);
  });

  it("a transactional stream still needs Bounce and Spam Complaint on, without content", () => {
    const transactional = { region: "us", streamType: "Transactional" } as const;
    expect(driftOf(onBroadcast(false, false), transactional)).toEqual([
      "Bounce trigger is off: Customer.io would not see bounces, and would keep sending to addresses that bounce",
      "Spam Complaint trigger is off: Customer.io would keep emailing people who marked its mail as spam",
    ]);
    expect(driftOf(onBroadcast(true, true, true), transactional)).toEqual(["message content is included"]);
  });
});

describe("what Postmark answered after a write", () => {
  it("names each trigger Postmark kept otherwise than asked, and nothing when it matches", () => {
    const asked = planWebhooks({ region: "us", streamId: "outbound", streamType: "Transactional" }, []);
    if (asked.target.kind !== "create") throw new Error("expected create");
    const answer = hook(5, US);
    expect(triggersPostmarkChanged(asked.target.body, answer)).toEqual([]);
    answer.Triggers.SpamComplaint.Enabled = false;
    expect(triggersPostmarkChanged(asked.target.body, answer)).toEqual(["Spam Complaint was asked on but Postmark keeps it off"]);
  });
});

describe("the plan in words, and the drift it acts on", () => {
  const desired = { region: "us", streamId: "outbound", streamType: "Transactional" } as const;

  it("says each step: update with the drift, delete with the reason, deletions by ID", () => {
    const plan = planWebhooks(desired, [hook(2, EU), hook(3, US, { open: true }), hook(6, US, { open: true })]);
    expect(plan.deletions.map((deletion) => deletion.webhook.ID)).toEqual([2, 6]);
    expect(describePlan(plan, "outbound", "Transactional")).toEqual([
      `Update webhook 3 (Open trigger is on: Customer.io tracks opens itself, so it would count every open twice) to ${US} ` +
        `with Delivery, Bounce, Spam Complaint, Subscription Change`,
      `Delete webhook 2 to ${EU} (the other region's URL: events would be counted twice)`,
      `Delete webhook 6 to ${US} (a duplicate: events would be counted twice)`,
    ]);
    expect(describePlan(planWebhooks(desired, [hook(3, US)]), "outbound", "Transactional")).toEqual(["Keep webhook 3: already correct"]);
  });

  it("content in a Spam Complaint counts on a transactional stream only; auth counts with a password alone", () => {
    const withSpamContent = hook(1, US);
    withSpamContent.Triggers.SpamComplaint.IncludeContent = true;
    expect(driftOf(withSpamContent, desired)).toEqual(["message content is included"]);
    const onBroadcast = hook(1, US, {}, "broadcast");
    onBroadcast.Triggers.SpamComplaint.IncludeContent = true;
    expect(driftOf(onBroadcast, { region: "us", streamType: "Broadcasts" })).toEqual([]);
    expect(driftOf(hook(1, US, { HttpAuth: { Username: "", Password: "p" } }), desired)).toEqual(["HTTP auth is set"]);
    expect(driftOf(hook(1, US, { HttpHeaders: [{ Name: "X", Value: "1" }] }), desired)).toEqual(["custom HTTP headers are set"]);
  });
});
