import type { MessageStream, Server, Webhook, WebhookDeliveries, WebhookStatus } from "./model.js";
import { judgeWebhookHealth, type DeliveryVerdict } from "./webhook-health.js";
import type { Region } from "./regions.js";
import {
  planChangesAnything,
  planWebhooks,
  wantedTriggerKeys,
  type Deletion,
  type DesiredWebhook,
  type WebhookPlan,
} from "./webhook-plan.js";

/**
 * What Postmark has (server, stream, webhooks, the kept webhook's statistics) against the connection
 * wanted gives the webhook plan, the problems that stop it and whether Postmark delivers to it.
 * Pure; doctor/judge.ts turns it into the verdict every command reads, words included.
 */

/** Why Customer.io cannot use a stream: it receives mail, or Postmark no longer sends from it. */
export type StreamProblem = "inbound" | "archived";

/** Every reason a stream cannot carry a Customer.io connection, inbound before archived; none for a usable one. */
export function streamProblems(stream: Pick<MessageStream, "MessageStreamType" | "ArchivedAt">): StreamProblem[] {
  return [...(stream.MessageStreamType === "Inbound" ? ["inbound" as const] : []), ...(stream.ArchivedAt ? ["archived" as const] : [])];
}

export function isUsableStream(stream: Pick<MessageStream, "MessageStreamType" | "ArchivedAt">): boolean {
  return streamProblems(stream).length === 0;
}

/**
 * A broadcast stream on Postmark's own unsubscribe handling: Postmark adds its link and headers
 * beside Customer.io's, so recipients may see two. Only Postmark support can change it.
 */
export function usesPostmarkUnsubscribe(stream: Pick<MessageStream, "MessageStreamType" | "SubscriptionManagementConfiguration">): boolean {
  return stream.MessageStreamType === "Broadcasts" && stream.SubscriptionManagementConfiguration?.UnsubscribeHandlingType === "Postmark";
}

export type ConnectionProblem = { kind: "stream"; problem: StreamProblem } | { kind: "smtp-disabled" };

export interface ConnectionPlan {
  webhooks: WebhookPlan;
  /**
   * The webhook kept (or updated) is one Postmark will not deliver to: unverified, or with a trigger
   * paused. Applying the plan has Postmark verify it (one call); until then it gets no events.
   */
  verify: boolean;
  /** What stops the connection: nothing is changed while any is left. */
  problems: ConnectionProblem[];
  /** Whether Postmark delivers to the kept webhook; undefined when there is none, or nothing tells. */
  health?: DeliveryVerdict;
  /** The deletions the plan makes, each needing a yes (from --yes or the person): other Customer.io webhooks are never removed silently. */
  needsConsent: Deletion[];
  /** The region the connection moves from, when the wanted region is not the saved one. */
  movesFrom?: Region;
  /** Whether applying the plan changes anything in Postmark or in the saved connection. */
  changesAnything: boolean;
}

export interface WantedConnection extends DesiredWebhook {
  /** False with --skip-smtp: a server with SMTP off is then a warning, not a problem. */
  needsSmtp: boolean;
  /** The region saved for this connection, if any. */
  savedRegion?: Region;
  /** False with --no-verify-webhook: the plan then never asks Postmark to verify. */
  verifies?: boolean;
}

export interface WhatPostmarkHas {
  server?: Pick<Server, "SmtpApiActivated">;
  stream?: Pick<MessageStream, "MessageStreamType" | "ArchivedAt" | "SubscriptionManagementConfiguration">;
  webhooks: Webhook[];
  /** The kept webhook's statistics, where the caller read them: they name the triggers Postmark paused. */
  deliveries?: WebhookDeliveries;
  /** This tool saved the webhook unverified (--no-verify-webhook) and Postmark has not verified it since. */
  askedUnverified?: boolean;
  /** Postmark verified the kept webhook in this run and it passed: that outweighs what was read before. */
  verifiedNow?: boolean;
}

/**
 * The kept webhook's verification state: Postmark's check in this run, else its own Status, else
 * (where it reports neither a Status nor per-trigger states, yet has verification) what this tool asked.
 */
function statusOf(kept: Webhook, have: WhatPostmarkHas): WebhookStatus {
  if (have.verifiedNow) return "verified";
  if (kept.Status) return kept.Status;
  const told = have.deliveries?.statuses !== undefined && Object.keys(have.deliveries.statuses).length > 0;
  return have.askedUnverified && have.deliveries !== undefined && !told ? "unverified" : null;
}

export function planConnection(have: WhatPostmarkHas, wanted: WantedConnection): ConnectionPlan {
  const webhooks = planWebhooks(wanted, have.webhooks);
  const problems: ConnectionProblem[] = have.stream
    ? streamProblems(have.stream).map((problem) => ({ kind: "stream" as const, problem }))
    : [];
  if (have.server && !have.server.SmtpApiActivated && wanted.needsSmtp) problems.push({ kind: "smtp-disabled" });
  const movesFrom = wanted.savedRegion !== wanted.region ? wanted.savedRegion : undefined;
  const kept = webhooks.target.kind === "create" ? undefined : webhooks.target.webhook;
  const health =
    kept &&
    judgeWebhookHealth({
      deliveries: have.deliveries,
      webhookStatus: statusOf(kept, have),
      triggers: wantedTriggerKeys(wanted.streamType),
    });
  const verify = wanted.verifies !== false && health?.unverified === true;
  return {
    webhooks,
    verify,
    problems,
    health,
    needsConsent: webhooks.deletions,
    movesFrom,
    changesAnything: planChangesAnything(webhooks) || movesFrom !== undefined || verify,
  };
}

/** The plan without the deletions a person declined: what is left to apply. */
export function withoutDeletions(plan: ConnectionPlan): ConnectionPlan {
  const webhooks = { ...plan.webhooks, deletions: [] };
  const changesAnything = planChangesAnything(webhooks) || plan.movesFrom !== undefined || plan.verify;
  return { ...plan, webhooks, needsConsent: [], changesAnything };
}

/** One step of a plan, as apply's table and JSON name it. */
export interface PlanStep {
  action: "create" | "update" | "keep" | "verify" | "delete";
  /** The webhook it acts on; null for the one a create makes. */
  webhook: number | null;
  /** Why: what drifted (update), or why the webhook goes (delete: "duplicate" or "other-region"). */
  reason?: string;
}

export function planSteps(plan: ConnectionPlan): PlanStep[] {
  const { target, deletions } = plan.webhooks;
  const steps: PlanStep[] = [];
  if (target.kind === "create") steps.push({ action: "create", webhook: null });
  if (target.kind === "update") steps.push({ action: "update", webhook: target.webhook.ID, reason: target.drift.join("; ") });
  if (target.kind === "keep") steps.push({ action: "keep", webhook: target.webhook.ID });
  if (plan.verify && target.kind !== "create") steps.push({ action: "verify", webhook: target.webhook.ID });
  for (const { webhook, reason } of deletions) steps.push({ action: "delete", webhook: webhook.ID, reason });
  return steps;
}
