import type { Webhook, WebhookTriggers } from "../../core/model.js";
import type { StoredWebhook } from "../account.js";

/**
 * What the simulator needs to play Postmark's webhook verification and delivery statistics (the
 * current API's verify and statistics routes): how the webhook's URL answers Postmark's calls, and
 * what the last 24 hours of deliveries look like.
 */

export type TriggerName = keyof WebhookTriggers;

/** Customer.io's URL refusing some triggers, as a removed integration or a wrong region would. */
export interface ReceiverRefusal {
  triggers: TriggerName[];
  statusCode: number;
  message: string;
}

/** The counts a test sets; the rest of Postmark's metrics follow from them. */
export interface DeliveryCounts {
  TotalRequests: number;
  SuccessCount: number;
  FailureCount: number;
  RetryCount: number;
}

/** A healthy day: every delivery to Customer.io accepted. */
export const HEALTHY_DELIVERIES: DeliveryCounts = { TotalRequests: 40, SuccessCount: 40, FailureCount: 0, RetryCount: 0 };

export interface VerificationResult {
  TriggerType: TriggerName;
  Success: boolean;
  StatusCode: number;
  Message: string;
}

const CUSTOMER_IO_HOSTS = new Set(["track.customer.io", "track-eu.customer.io"]);

function isCustomerIoUrl(url: string): boolean {
  try {
    return CUSTOMER_IO_HOSTS.has(new URL(url).hostname.toLowerCase());
  } catch {
    return false;
  }
}

export function enabledTriggers(triggers: WebhookTriggers): TriggerName[] {
  return (Object.keys(triggers) as TriggerName[]).filter((name) => triggers[name].Enabled);
}

/** Postmark calls the URL once per enabled trigger; only Customer.io's URLs are played as refusing. */
export function callReceiver(hook: Pick<Webhook, "Url" | "Triggers">, refusal: ReceiverRefusal | undefined): VerificationResult[] {
  return enabledTriggers(hook.Triggers).map((trigger) => {
    const refused = refusal !== undefined && isCustomerIoUrl(hook.Url) && refusal.triggers.includes(trigger);
    return refused
      ? { TriggerType: trigger, Success: false, StatusCode: refusal.statusCode, Message: refusal.message }
      : { TriggerType: trigger, Success: true, StatusCode: 200, Message: "OK" };
  });
}

/**
 * A trigger's verification state: its own where Postmark paused it, else the webhook's. A webhook
 * seeded without a status predates verification: played as one Postmark accepted.
 */
export function triggerStatus(hook: StoredWebhook, trigger: TriggerName): "verified" | "unverified" {
  return hook.TriggerStatuses?.[trigger] ?? hook.Status ?? "verified";
}

/** Whether Postmark sends this trigger's events to the webhook: on, and verified (an unverified webhook gets none). */
export function deliversEvents(hook: StoredWebhook, trigger: TriggerName): boolean {
  return hook.Triggers[trigger].Enabled && triggerStatus(hook, trigger) === "verified";
}

export interface StatisticsShape {
  /** Statuses and MetricsByTrigger beside Metrics, as Postmark's webhook guide shows them. */
  byTrigger: boolean;
  /** Counts per trigger where a test set them; the others show the totals. */
  perTrigger: Partial<Record<TriggerName, DeliveryCounts>>;
}

/** GET /webhooks/{id}/statistics, as Postmark's API reference and webhook guide show it. */
export function statisticsOf(hook: StoredWebhook, counts: DeliveryCounts, shape: StatisticsShape, now = Date.now()) {
  const metricsOf = (counted: DeliveryCounts) => ({
    ...counted,
    SuccessRate: counted.TotalRequests === 0 ? 100 : Math.round((counted.SuccessCount / counted.TotalRequests) * 1000) / 10,
    SlowCount: 0,
    VerySlowCount: 0,
    AverageTerminalResponseTimeMs: 120,
    AverageRetryResponseTimeMs: counted.RetryCount === 0 ? null : 340,
  });
  const triggers = enabledTriggers(hook.Triggers);
  return {
    WebhookId: hook.ID,
    ServerId: hook.ServerID,
    MessageStreamId: hook.MessageStream,
    Url: hook.Url,
    TimeRange: { StartTime: new Date(now - 24 * 3_600_000).toISOString(), EndTime: new Date(now).toISOString(), Hours: 24 },
    Metrics: metricsOf(counts),
    ...(shape.byTrigger
      ? {
          Statuses: Object.fromEntries(triggers.map((trigger) => [trigger, triggerStatus(hook, trigger)])),
          MetricsByTrigger: Object.fromEntries(triggers.map((trigger) => [trigger, metricsOf(shape.perTrigger[trigger] ?? counts)])),
        }
      : {}),
  };
}
