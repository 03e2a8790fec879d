import type { StreamType, Webhook, WebhookBody, WebhookTriggers } from "./model.js";
import { sameStreamId } from "./matching.js";
import { REGION_WEBHOOK_URLS, regionOfUrl, type Region } from "./regions.js";

/**
 * The heart of setup, --dry-run, doctor and doctor --fix: what Postmark has now, against what
 * Customer.io needs, gives a plan. Pure: no I/O, tested with tables of cases.
 */

export interface DesiredWebhook {
  region: Region;
  streamId: string;
  streamType: StreamType;
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

type TriggerName = keyof WebhookTriggers;

/**
 * Delivery, Bounce, Spam Complaint and Subscription Change; never Open or Click (Customer.io tracks
 * those itself). Broadcast streams have neither Bounce nor Spam Complaint in Postmark (a hard
 * bounce or a complaint suppresses the address and arrives as Subscription Change), so there they
 * are neither asked for nor judged, whatever Postmark keeps them as.
 */
function wantedTriggers(streamType: StreamType): Record<TriggerName, boolean | "any"> {
  const broadcast = streamType === "Broadcasts";
  return {
    Delivery: true,
    Bounce: broadcast ? "any" : true,
    SpamComplaint: broadcast ? "any" : true,
    SubscriptionChange: true,
    Open: false,
    Click: false,
  };
}

/** Said once wherever a person sees a broadcast stream's plan or checks. */
export const BROADCAST_TRIGGERS_NOTE =
  "A broadcast stream gets two triggers (the events Postmark sends Customer.io), Delivery and Subscription Change: Postmark " +
  "offers no Bounce or Spam Complaint trigger there, and reports hard bounces and spam complaints as Subscription Change events.";

/** Why a trigger in the wrong state matters to Customer.io, in a marketer's words. */
const TRIGGER_WHY: Record<TriggerName, string> = {
  Delivery: "Customer.io would not learn that its messages were delivered",
  Bounce: "Customer.io would not see bounces, and would keep sending to addresses that bounce",
  SpamComplaint: "Customer.io would keep emailing people who marked its mail as spam",
  SubscriptionChange: "unsubscribes and suppressions in Postmark would not reach Customer.io",
  Open: "Customer.io tracks opens itself, so it would count every open twice",
  Click: "Customer.io tracks clicks itself, so it would count every click twice",
};

export const TRIGGER_LABELS: Record<TriggerName, string> = {
  Delivery: "Delivery",
  Bounce: "Bounce",
  SpamComplaint: "Spam Complaint",
  SubscriptionChange: "Subscription Change",
  Open: "Open",
  Click: "Click",
};
const TRIGGER_ORDER = Object.keys(TRIGGER_LABELS) as TriggerName[];

/** The triggers a webhook should have on this stream, as Postmark names them (`SpamComplaint`). */
export function wantedTriggerKeys(streamType: StreamType): TriggerName[] {
  const wanted = wantedTriggers(streamType);
  return TRIGGER_ORDER.filter((name) => wanted[name] === true);
}

/** The triggers a webhook should have on this stream, by name, for people. */
export function triggerNames(streamType: StreamType): string[] {
  return wantedTriggerKeys(streamType).map((name) => TRIGGER_LABELS[name]);
}

/** What a create or an update sends: a trigger that may be either way is left out, so Postmark keeps its own value. */
export function desiredBody({ region, streamId, streamType }: DesiredWebhook): WebhookBody {
  const wanted = wantedTriggers(streamType);
  const triggers: Partial<WebhookTriggers> = {
    Open: { Enabled: false, PostFirstOpenOnly: false },
    Click: { Enabled: false },
    Delivery: { Enabled: true },
    SubscriptionChange: { Enabled: true },
  };
  if (wanted.Bounce === true) triggers.Bounce = { Enabled: true, IncludeContent: false };
  if (wanted.SpamComplaint === true) triggers.SpamComplaint = { Enabled: true, IncludeContent: false };
  return {
    Url: REGION_WEBHOOK_URLS[region],
    MessageStream: streamId,
    HttpAuth: { Username: "", Password: "" },
    HttpHeaders: [],
    Triggers: triggers,
  };
}

/** How a Customer.io webhook differs from what it should be, in words; empty when it is right. */
export function driftOf(webhook: Webhook, desired: Pick<DesiredWebhook, "region" | "streamType">): string[] {
  const drift: string[] = [];
  const canonical = REGION_WEBHOOK_URLS[desired.region];
  if (webhook.Url !== canonical) drift.push(`URL is ${JSON.stringify(webhook.Url)}, not exactly ${canonical}`);
  const wanted = wantedTriggers(desired.streamType);
  for (const name of TRIGGER_ORDER) {
    const want = wanted[name];
    const have = webhook.Triggers[name].Enabled;
    if (want !== "any" && want !== have) drift.push(`${TRIGGER_LABELS[name]} trigger is ${have ? "on" : "off"}: ${TRIGGER_WHY[name]}`);
  }
  if (
    (wanted.Bounce === true && webhook.Triggers.Bounce.IncludeContent) ||
    (wanted.SpamComplaint === true && webhook.Triggers.SpamComplaint.IncludeContent)
  ) {
    drift.push("message content is included");
  }
  drift.push(...deliveryDrift(webhook));
  return drift;
}

/**
 * How Postmark would call the URL differently from a plain POST: HTTP auth or custom headers. The
 * one judgement of them, for the plan (doctor, --fix) and for the answer to a write (setup).
 */
export function deliveryDrift(webhook: Pick<Webhook, "HttpAuth" | "HttpHeaders">): string[] {
  const drift: string[] = [];
  if (webhook.HttpAuth && (webhook.HttpAuth.Username || webhook.HttpAuth.Password)) drift.push("HTTP auth is set");
  if (webhook.HttpHeaders.length > 0) drift.push("custom HTTP headers are set");
  return drift;
}

export function planWebhooks(desired: DesiredWebhook, current: Webhook[]): WebhookPlan {
  const onStream = current.filter((hook) => sameStreamId(hook.MessageStream, desired.streamId));
  const customerIo = onStream.filter((hook) => regionOfUrl(hook.Url) !== undefined);
  const untouched = onStream.filter((hook) => regionOfUrl(hook.Url) === undefined);
  const driftCount = (hook: Webhook) => driftOf(hook, desired).length;
  const sameRegion = customerIo
    .filter((hook) => regionOfUrl(hook.Url) === desired.region)
    // Keep a correct one if there is one, else the oldest.
    .sort((a, b) => driftCount(a) - driftCount(b) || a.ID - b.ID);
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
    const drift = driftOf(kept, desired);
    target = drift.length === 0 ? { kind: "keep", webhook: kept } : { kind: "update", webhook: kept, body: desiredBody(desired), drift };
  }
  return { target, deletions, untouched };
}

export function planChangesAnything(plan: WebhookPlan): boolean {
  return plan.target.kind !== "keep" || plan.deletions.length > 0;
}

/**
 * How what Postmark answered after a write differs from what was asked, trigger by trigger. The
 * URL and stream are checked apart: a different one there is a bad answer, not a choice.
 */
export function triggersPostmarkChanged(asked: WebhookBody, answered: Webhook): string[] {
  const changed: string[] = [];
  for (const name of TRIGGER_ORDER) {
    const want = asked.Triggers[name]?.Enabled;
    if (want === undefined) continue;
    const have = answered.Triggers[name].Enabled;
    if (want !== have)
      changed.push(`${TRIGGER_LABELS[name]} was asked ${want ? "on" : "off"} but Postmark keeps it ${have ? "on" : "off"}`);
  }
  return changed;
}

/** One line per step of the plan, for people (values from outside are made safe by the caller's output). */
export function describePlan(
  plan: WebhookPlan,
  streamId: string,
  streamType: StreamType,
  show: (value: string) => string = String,
  { verify = false }: { verify?: boolean } = {},
): string[] {
  const lines: string[] = [];
  const { target } = plan;
  const triggers = triggerNames(streamType).join(", ");
  if (target.kind === "create") lines.push(`Create a webhook on "${show(streamId)}" to ${target.body.Url} (${triggers})`);
  if (target.kind === "update")
    lines.push(`Update webhook ${target.webhook.ID} (${show(target.drift.join("; "))}) to ${target.body.Url} with ${triggers}`);
  if (target.kind === "keep") lines.push(`Keep webhook ${target.webhook.ID}: already correct`);
  if (verify && target.kind !== "create") {
    lines.push(`Have Postmark verify webhook ${target.webhook.ID}: it is unverified, so Postmark sends it no events until it passes`);
  }
  for (const { webhook, reason } of plan.deletions) {
    lines.push(
      `Delete webhook ${webhook.ID} to ${show(webhook.Url)} (${reason === "duplicate" ? "a duplicate" : "the other region's URL"}: ` +
        `events would be counted twice)`,
    );
  }
  return lines;
}
