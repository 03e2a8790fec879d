import { CliError } from "../errors.js";
import {
  deliveryDrift,
  driftOf,
  planWebhooks,
  TRIGGER_LABELS,
  triggersPostmarkChanged,
  type DesiredWebhook,
  type WebhookPlan,
} from "../core/webhook-plan.js";
import { regionOfUrl } from "../core/regions.js";
import { failedTriggerWords } from "../core/webhook-health.js";
import type { ServerApi } from "./api.js";
import { isTransient, statusOf } from "./errors.js";
import type { Webhook, WebhookBody, WebhookDeliveries } from "../core/model.js";

/**
 * Applies a webhook plan. Writes are never repeated blindly: after a write that failed in a way
 * that may still have landed (timeout, dropped connection, 5xx), Postmark is read again first.
 * What Postmark answers is compared with what was asked: a trigger it keeps otherwise is reported
 * as a warning (and not fought later); a different URL or stream is a bad answer.
 */

export type AppliedAction = "created" | "updated" | "unchanged";

export interface AppliedPlan {
  webhook: Webhook;
  action: AppliedAction;
  removed: number[];
  /** Deletions that failed after the webhook itself was written: the caller saves what exists, then says so. */
  notRemoved: Array<{ id: number; error: CliError }>;
  /** Differences Postmark imposed on what was asked. */
  warnings: string[];
  /**
   * Whether the webhook now stands unverified by this run's doing: written with --no-verify-webhook,
   * or failed Postmark's check (true); passed it (false); undefined when this run did not say.
   */
  unverified?: boolean;
  /** The stream's webhooks and the kept one's statistics, where a create read them back (racing runs converge). */
  seen?: { webhooks: Webhook[]; deliveries?: WebhookDeliveries };
}

const WRITE_TRIES = 3;

/** A failure after which the write may or may not have happened. */
function uncertain(error: unknown): boolean {
  return error instanceof CliError && isTransient(error.cause);
}

async function repeatSafely<T>(write: () => Promise<T>, landed: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!uncertain(error) || attempt >= WRITE_TRIES) throw error;
      const result = await landed();
      if (result !== undefined) return result;
    }
  }
}

export interface ApplyOptions {
  /** False: Postmark saves without calling the URL first (--no-verify-webhook); the webhook is then unverified. */
  verify: boolean;
  /** The stream's Webhooks page in Postmark, named when Postmark keeps a trigger on that must be off. */
  webhooksPage: string;
  /** The plan says the webhook kept needs Postmark's verification (a trigger paused, say), whatever its Status. */
  alsoVerify: boolean;
}

export async function applyWebhookPlan(
  api: ServerApi,
  plan: WebhookPlan,
  desired: DesiredWebhook,
  { verify, webhooksPage, alsoVerify }: ApplyOptions,
): Promise<AppliedPlan> {
  const { target } = plan;
  const correct = (hook: Webhook) => driftOf(hook, desired).length === 0;
  let webhook: Webhook;
  let action: AppliedAction;
  let seen: AppliedPlan["seen"];
  const warnings: string[] = [];
  if (target.kind === "create") {
    const known = new Set(plan.deletions.map((deletion) => deletion.webhook.ID));
    webhook = await repeatSafely(
      () => namingTrigger(api.createWebhook(target.body, { verify }), desired.streamId),
      async () => (await api.listWebhooks(desired.streamId)).find((hook) => !known.has(hook.ID) && correct(hook)),
    );
    warnings.push(...checkAnswer(target.body, webhook, desired.streamId, webhooksPage));
    action = "created";
    const converged = await convergeAfterCreate(api, webhook, desired);
    webhook = converged.webhook;
    seen = converged.seen;
    warnings.push(...converged.warnings);
  } else if (target.kind === "update") {
    webhook = await repeatSafely(
      () => namingTrigger(api.editWebhook(target.webhook.ID, target.body, { verify }), desired.streamId),
      async () => {
        const hook = await api.getWebhook(target.webhook.ID);
        return correct(hook) ? hook : undefined;
      },
    );
    warnings.push(...checkAnswer(target.body, webhook, desired.streamId, webhooksPage));
    action = "updated";
  } else {
    webhook = target.webhook;
    action = "unchanged";
  }
  let unverified = action === "unchanged" || verify ? undefined : true;
  if (verify && (alsoVerify || webhook.Status === "unverified")) {
    const verified = await verifyNow(api, webhook);
    webhook = verified.webhook;
    warnings.push(...verified.warnings);
    unverified = verified.unverified;
    seen = undefined; // read before Postmark's check, which may have lifted a pause
  } else if (verify && action !== "unchanged") unverified = false;

  // Each deletion on its own: one that fails leaves the others to go on, and never hides the webhook just written.
  const removed: number[] = [];
  const notRemoved: AppliedPlan["notRemoved"] = [];
  for (const { webhook: duplicate } of plan.deletions) {
    try {
      await deleteWebhookSafely(api, duplicate.ID);
      removed.push(duplicate.ID);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      notRemoved.push({ id: duplicate.ID, error });
    }
  }
  // What a create read back stands less what was deleted after it.
  if (seen) seen = { ...seen, webhooks: seen.webhooks.filter((hook) => !removed.includes(hook.ID)) };
  return { webhook, action, removed, notRemoved, warnings, unverified, seen };
}

/**
 * A webhook Postmark will not deliver to (unverified, or a trigger paused) is verified once: a pass
 * lifts the pause; a failure leaves it unverified, said with each trigger's answer, for the caller's
 * verdict. The older API, which has no such route, keeps the webhook as it is.
 */
async function verifyNow(api: ServerApi, webhook: Webhook): Promise<{ webhook: Webhook; warnings: string[]; unverified?: boolean }> {
  const outcome = await api.verifyWebhook(webhook.ID);
  if (!outcome) return { webhook, warnings: [] };
  if (outcome.success) return { webhook: { ...webhook, Status: "verified" }, warnings: [], unverified: false };
  const failed = failedTriggerWords(outcome.checks);
  return {
    webhook: { ...webhook, Status: "unverified" },
    unverified: true,
    warnings: [`Postmark could not verify webhook ${webhook.ID}${failed ? `: Customer.io's URL failed its call for ${failed}` : ""}.`],
  };
}

/**
 * Another run (another machine, another config folder) may have created the same webhook at the
 * same moment: both would stand, and Customer.io would count every event twice. So the stream is
 * read back after a create (the new webhook's statistics alongside), and of this region's
 * Customer.io webhooks the plan's choice is kept (a correct one before a drifted one, then the
 * lowest ID) and the others deleted. Every racing run applies the same rule, so they converge on one.
 */
async function convergeAfterCreate(
  api: ServerApi,
  created: Webhook,
  desired: DesiredWebhook,
): Promise<{ webhook: Webhook; warnings: string[]; seen?: AppliedPlan["seen"] }> {
  const [read, deliveries] = await Promise.all([
    api.listWebhooks(desired.streamId),
    api.webhookDeliveries(created.ID).catch(() => undefined),
  ]);
  const webhooks = read.some((hook) => hook.ID === created.ID) ? read : [created, ...read];
  const { target, deletions } = planWebhooks(desired, webhooks);
  const kept = target.kind === "create" ? created : target.webhook;
  const others = deletions.filter((deletion) => deletion.reason === "duplicate").map((deletion) => deletion.webhook);
  if (others.length === 0) return { webhook: kept, warnings: [], seen: { webhooks, deliveries } };
  for (const other of others) await deleteWebhookSafely(api, other.ID);
  const theirs = [kept, ...others].filter((hook) => hook.ID !== created.ID).map((hook) => hook.ID);
  const removedOurs = kept.ID !== created.ID ? ` and removed ours, ${created.ID}` : "";
  const standing = webhooks.filter((hook) => !others.includes(hook));
  return {
    webhook: kept,
    // The statistics read were of ours: of another run's webhook, just made, nothing is known yet.
    seen: { webhooks: standing, deliveries: kept === created ? deliveries : undefined },
    warnings: [
      `Another run created webhook ${theirs.join(", ")} at the same time; kept ${kept.ID}${removedOurs}, so Customer.io hears each ` +
        `event once.`,
    ],
  };
}

/**
 * The answer to a create or update, against what was asked. Open or Click still on is a failure:
 * Customer.io tracks those itself and would count each event twice. Other triggers Postmark keeps
 * its own way are warnings.
 */
function checkAnswer(asked: WebhookBody, answered: Webhook, streamId: string, webhooksPage: string): string[] {
  if (answered.Url !== asked.Url || answered.MessageStream.toLowerCase() !== streamId.toLowerCase()) {
    throw new CliError(
      "postmark_bad_response",
      `Postmark answered the webhook write with URL ${JSON.stringify(answered.Url)} on stream ` +
        `${JSON.stringify(answered.MessageStream)}, not ${asked.Url} on "${streamId}" as asked.`,
      { hint: `Check webhook ${answered.ID} in Postmark, and run with --trace FILE to see the exchange; please report it.` },
    );
  }
  const doubled = (["Open", "Click"] as const).filter((name) => answered.Triggers[name].Enabled);
  if (doubled.length > 0) {
    const names = doubled.map((name) => TRIGGER_LABELS[name]).join(" and ");
    throw new CliError(
      "webhook_open_click_on",
      `Postmark kept the ${names} trigger on for webhook ${answered.ID} after it was asked off: Customer.io would count each ` +
        `${names.toLowerCase()} twice. Nothing was saved.`,
      {
        hint: `Turn ${names} off for that webhook on the stream's Webhooks page (${webhooksPage}), then run this again.`,
      },
    );
  }
  // Judged as doctor judges it: what doctor would fail right after, setup does not call a success.
  const kept = deliveryDrift(answered);
  if (kept.length > 0) {
    throw new CliError(
      "webhook_not_as_asked",
      `Postmark kept webhook ${answered.ID} other than asked: ${kept.join("; ")}. Nothing was saved.`,
      {
        hint: `Clear them for that webhook on the stream's Webhooks page (${webhooksPage}), then run this again.`,
      },
    );
  }
  return triggersPostmarkChanged(asked, answered).map((change) => `Webhook ${answered.ID}: ${change}.`);
}

/** A 422 that names a trigger says which one, so the person knows what Postmark refused. */
async function namingTrigger<T>(write: Promise<T>, streamId: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (!(error instanceof CliError && error.code === "postmark_rejected")) throw error;
    const trigger = Object.entries(TRIGGER_LABELS).find(
      ([key, label]) =>
        error.message.toLowerCase().includes(key.toLowerCase()) || error.message.toLowerCase().includes(label.toLowerCase()),
    );
    if (!trigger) throw error;
    throw new CliError("postmark_trigger_refused", `Postmark refused the ${trigger[1]} trigger on stream "${streamId}": ${error.message}`, {
      hint:
        `Postmark may not offer the ${trigger[1]} trigger on this kind of stream. Nothing else was changed; run with --trace FILE ` +
        `and report it.`,
      cause: error.cause,
    });
  }
}

/** Deletes a webhook. One already gone (another run, or a person, deleted it first) counts as deleted: it sends nothing. */
export async function deleteWebhookSafely(api: ServerApi, id: number): Promise<void> {
  await repeatSafely(
    async () => {
      try {
        await api.deleteWebhook(id);
      } catch (error) {
        // Postmark refuses with a 422 both a webhook it no longer has and one it will not delete: reading it back tells which.
        if (!(error instanceof CliError && statusOf(error.cause) === 422 && (await webhookGone(api, id)))) throw error;
      }
      return true;
    },
    async () => ((await webhookGone(api, id)) ? true : undefined),
  );
}

async function webhookGone(api: ServerApi, id: number): Promise<boolean> {
  try {
    await api.getWebhook(id);
    return false;
  } catch (error) {
    if (error instanceof CliError && statusOf(error.cause) === 422) return true;
    throw error;
  }
}

/** Customer.io webhooks on a stream (any region): what `remove` deletes. */
export function customerIoWebhooks(hooks: Webhook[]): Webhook[] {
  return hooks.filter((hook) => regionOfUrl(hook.Url) !== undefined);
}
