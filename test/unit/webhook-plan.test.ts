import { describe, expect, it } from "vitest";
import { DESIRED_TRIGGERS, describePlan, driftOf, planChangesAnything, planWebhooks } from "../../src/core/webhook-plan.js";
import { REGION_WEBHOOK_URLS } from "../../src/core/regions.js";
import type { Webhook } from "../../src/postmark/types.js";

const US = REGION_WEBHOOK_URLS.us;
const EU = REGION_WEBHOOK_URLS.eu;

function hook(id: number, url: string, changes: Partial<Webhook> & { open?: boolean; delivery?: boolean } = {}, stream = "outbound"): Webhook {
  const triggers = structuredClone(DESIRED_TRIGGERS);
  if (changes.open) triggers.Open.Enabled = true;
  if (changes.delivery === false) triggers.Delivery.Enabled = false;
  return { ID: id, Url: url, MessageStream: stream, HttpAuth: { Username: "", Password: "" }, HttpHeaders: [], Triggers: triggers, ...changes };
}

type Case = [name: string, current: Webhook[], target: "create" | "update" | "keep", targetId: number | null, deleted: number[], untouched: number[]];

const cases: Case[] = [
  ["nothing there: create", [], "create", null, [], []],
  ["a correct one: keep", [hook(1, US)], "keep", 1, [], []],
  ["trailing slash and upper case still count as Customer.io", [hook(1, `${US.toUpperCase()}/`)], "keep", 1, [], []],
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
    const plan = planWebhooks({ region: "us", streamId: "outbound" }, current);
    expect(plan.target.kind).toBe(target);
    expect(plan.target.kind === "create" ? null : plan.target.webhook.ID).toBe(targetId);
    expect(plan.deletions.map((d) => d.webhook.ID)).toEqual(deleted);
    expect(plan.untouched.map((w) => w.ID)).toEqual(untouched);
    expect(planChangesAnything(plan)).toBe(target !== "keep" || deleted.length > 0);
    expect(describePlan(plan, "outbound")).toHaveLength(1 + deleted.length);
  });

  it("creates with exactly the four triggers, Open and Click off, no content, auth or headers", () => {
    const plan = planWebhooks({ region: "eu", streamId: "broadcast" }, []);
    if (plan.target.kind !== "create") throw new Error("expected create");
    expect(plan.target.body).toEqual({
      Url: EU,
      MessageStream: "broadcast",
      HttpAuth: { Username: "", Password: "" },
      HttpHeaders: [],
      Triggers: {
        Open: { Enabled: false, PostFirstOpenOnly: false },
        Click: { Enabled: false },
        Delivery: { Enabled: true },
        Bounce: { Enabled: true, IncludeContent: false },
        SpamComplaint: { Enabled: true, IncludeContent: false },
        SubscriptionChange: { Enabled: true },
      },
    });
  });

  it("names each drift in words", () => {
    const drifted = hook(1, US, { open: true, delivery: false });
    drifted.Triggers.Click.Enabled = true;
    drifted.Triggers.Bounce.IncludeContent = true;
    expect(driftOf(drifted)).toEqual(["Delivery trigger is off", "Open trigger is on", "Click trigger is on", "message content is included"]);
    expect(driftOf(hook(1, US))).toEqual([]);
  });
});
