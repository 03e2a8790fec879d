import { planConnection, type ConnectionPlan, type WantedConnection, type WhatPostmarkHas } from "../core/connection-plan.js";
import type { ServerApi } from "../postmark/api.js";

/**
 * What Postmark has for a stream, read for its connection plan: the webhooks, then the kept
 * webhook's statistics, which name the triggers Postmark paused (skipped when the plan may not
 * verify, and read as "none" where the API has no statistics route). doctor --fix and apply read it.
 */
export async function readConnectionPlan(
  api: ServerApi,
  have: Omit<WhatPostmarkHas, "webhooks" | "deliveries">,
  wanted: WantedConnection,
): Promise<ConnectionPlan> {
  const webhooks = await api.listWebhooks(wanted.streamId);
  const first = planConnection({ ...have, webhooks }, wanted);
  const { target } = first.webhooks;
  if (target.kind === "create" || wanted.verifies === false) return first;
  const deliveries = await api.webhookDeliveries(target.webhook.ID).catch(() => undefined);
  return planConnection({ ...have, webhooks, deliveries }, wanted);
}
