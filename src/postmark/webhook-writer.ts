import { CliError } from "../errors.js";
import { driftOf, type WebhookPlan } from "../core/webhook-plan.js";
import { regionOfUrl } from "../core/regions.js";
import type { ServerApi } from "./api.js";
import { isTransient, statusOf } from "./errors.js";
import type { Webhook } from "./types.js";

/**
 * Applies a webhook plan. Writes are never repeated blindly: after a write that failed in a way
 * that may still have landed (timeout, dropped connection, 5xx), Postmark is read again first.
 */

export type AppliedAction = "created" | "updated" | "unchanged";

export interface AppliedPlan {
  webhook: Webhook;
  action: AppliedAction;
  removed: number[];
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

export async function applyWebhookPlan(api: ServerApi, plan: WebhookPlan, streamId: string): Promise<AppliedPlan> {
  const { target } = plan;
  let webhook: Webhook;
  let action: AppliedAction;
  if (target.kind === "create") {
    const known = new Set(plan.deletions.map((deletion) => deletion.webhook.ID));
    webhook = await repeatSafely(
      () => api.createWebhook(target.body),
      async () => {
        const hooks = await api.listWebhooks(streamId);
        return hooks.find((hook) => !known.has(hook.ID) && hook.Url === target.body.Url && driftOf(hook).length === 0);
      },
    );
    action = "created";
  } else if (target.kind === "update") {
    webhook = await repeatSafely(
      () => api.editWebhook(target.webhook.ID, target.body),
      async () => {
        const hook = await api.getWebhook(target.webhook.ID);
        return driftOf(hook).length === 0 ? hook : undefined;
      },
    );
    action = "updated";
  } else {
    webhook = target.webhook;
    action = "unchanged";
  }

  const removed: number[] = [];
  for (const { webhook: duplicate } of plan.deletions) {
    await deleteWebhookSafely(api, duplicate.ID);
    removed.push(duplicate.ID);
  }
  return { webhook, action, removed };
}

export async function deleteWebhookSafely(api: ServerApi, id: number): Promise<void> {
  await repeatSafely(
    () => api.deleteWebhook(id).then(() => true),
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
