import type { Webhook, WebhookBody, WebhookTriggers } from "../postmark/types.js";
import { REGION_WEBHOOK_URLS, regionOfUrl, type Region } from "./regions.js";

/**
 * The heart of setup, --dry-run, doctor and doctor --fix: what Postmark has now, against what
 * Customer.io needs, gives a plan. Pure: no I/O, tested with tables of cases.
 */

export interface DesiredWebhook {
  region: Region;
  streamId: string;
}

export type TargetAction =
  | { kind: "create"; body: WebhookBody }
  | { kind: "update"; webhook: Webhook; body: WebhookBody; drift: string[] }
  | { kind: "keep"; webhook: Webhook };

export interface Deletion {
  webhook: Webhook;
  reason: "duplicate" | "other-region";
}

export interface WebhookPlan {
  target: TargetAction;
  /** Extra Customer.io webhooks on the stream: each would make Customer.io count events twice. */
  deletions: Deletion[];
  /** Webhooks to other URLs: never changed. */
  untouched: Webhook[];
}

/** Delivery, Bounce, Spam Complaint and Subscription Change; never Open or Click (Customer.io tracks those itself). */
export const DESIRED_TRIGGERS: WebhookTriggers = {
  Open: { Enabled: false, PostFirstOpenOnly: false },
  Click: { Enabled: false },
  Delivery: { Enabled: true },
  Bounce: { Enabled: true, IncludeContent: false },
  SpamComplaint: { Enabled: true, IncludeContent: false },
  SubscriptionChange: { Enabled: true },
};

export function desiredBody({ region, streamId }: DesiredWebhook): WebhookBody {
  return {
    Url: REGION_WEBHOOK_URLS[region],
    MessageStream: streamId,
    HttpAuth: { Username: "", Password: "" },
    HttpHeaders: [],
    Triggers: structuredClone(DESIRED_TRIGGERS),
  };
}

const TRIGGER_LABELS: Array<[keyof WebhookTriggers, string]> = [
  ["Delivery", "Delivery"],
  ["Bounce", "Bounce"],
  ["SpamComplaint", "Spam Complaint"],
  ["SubscriptionChange", "Subscription Change"],
  ["Open", "Open"],
  ["Click", "Click"],
];

/** How a Customer.io webhook differs from what it should be, in words; empty when it is right. */
export function driftOf(webhook: Webhook): string[] {
  const drift: string[] = [];
  for (const [key, label] of TRIGGER_LABELS) {
    const want = DESIRED_TRIGGERS[key].Enabled;
    const have = Boolean(webhook.Triggers?.[key]?.Enabled);
    if (want !== have) drift.push(`${label} trigger is ${have ? "on" : "off"}`);
  }
  if (webhook.Triggers?.Bounce?.IncludeContent || webhook.Triggers?.SpamComplaint?.IncludeContent) {
    drift.push("message content is included");
  }
  if (webhook.HttpAuth && (webhook.HttpAuth.Username || webhook.HttpAuth.Password)) drift.push("HTTP auth is set");
  if (webhook.HttpHeaders && webhook.HttpHeaders.length > 0) drift.push("custom HTTP headers are set");
  return drift;
}

export function planWebhooks(desired: DesiredWebhook, current: Webhook[]): WebhookPlan {
  const onStream = current.filter((hook) => hook.MessageStream.toLowerCase() === desired.streamId.toLowerCase());
  const customerIo = onStream.filter((hook) => regionOfUrl(hook.Url) !== undefined);
  const untouched = onStream.filter((hook) => regionOfUrl(hook.Url) === undefined);
  const sameRegion = customerIo
    .filter((hook) => regionOfUrl(hook.Url) === desired.region)
    // Keep a correct one if there is one, else the oldest.
    .sort((a, b) => driftOf(a).length - driftOf(b).length || a.ID - b.ID);
  const [kept, ...duplicates] = sameRegion;
  const deletions: Deletion[] = [
    ...duplicates.map((webhook) => ({ webhook, reason: "duplicate" as const })),
    ...customerIo
      .filter((hook) => regionOfUrl(hook.Url) !== desired.region)
      .map((webhook) => ({ webhook, reason: "other-region" as const })),
  ].sort((a, b) => a.webhook.ID - b.webhook.ID);

  let target: TargetAction;
  if (!kept) target = { kind: "create", body: desiredBody(desired) };
  else {
    const drift = driftOf(kept);
    target = drift.length === 0 ? { kind: "keep", webhook: kept } : { kind: "update", webhook: kept, body: desiredBody(desired), drift };
  }
  return { target, deletions, untouched };
}

export function planChangesAnything(plan: WebhookPlan): boolean {
  return plan.target.kind !== "keep" || plan.deletions.length > 0;
}

/** One line per step of the plan, for people. */
export function describePlan(plan: WebhookPlan, streamId: string): string[] {
  const lines: string[] = [];
  const { target } = plan;
  if (target.kind === "create") lines.push(`Create a webhook on "${streamId}" to ${target.body.Url} (Delivery, Bounce, Spam Complaint, Subscription Change)`);
  if (target.kind === "update") lines.push(`Update webhook ${target.webhook.ID} (${target.drift.join("; ")}) to the four triggers`);
  if (target.kind === "keep") lines.push(`Keep webhook ${target.webhook.ID}: already correct`);
  for (const { webhook, reason } of plan.deletions) {
    lines.push(`Delete webhook ${webhook.ID} to ${webhook.Url} (${reason === "duplicate" ? "a duplicate" : "the other region's URL"}: events would be counted twice)`);
  }
  return lines;
}
