import type { AccountState } from "../account.js";
import type { DeliveryCounts, ReceiverRefusal, TriggerName } from "./webhook-receiver.js";

/**
 * The simulated Postmark's settings and state, as its routes see them. Where Postmark's behaviour
 * is not documented, each plausible answer is a setting, and the tests run under every one.
 */

/**
 * Postmark offers neither Bounce nor Spam Complaint on broadcast streams. What its API does when
 * asked for one there is not documented: each plausible answer is a setting, per trigger, and the
 * tests run under every one. Refusing (422/1353) is the default, as the documents suggest.
 */
export type BroadcastTriggerAnswer = "accept" | "store-false" | "reject";
export const BROADCAST_TRIGGER_ANSWERS: BroadcastTriggerAnswer[] = ["accept", "store-false", "reject"];

/**
 * The API Postmark documented before webhook verification (no `Status`, no verify or statistics
 * routes: 404), or the one it documents now. Accounts may meet either.
 */
export type ApiGeneration = "older" | "current";

/** Which form of "save it unverified" the current API honours: its error text names a query, its page a body field. */
export type VerifyOptOut = "body" | "query" | "both";

export interface SimulatorOptions {
  api?: ApiGeneration;
  broadcastBounce?: BroadcastTriggerAnswer;
  broadcastSpamComplaint?: BroadcastTriggerAnswer;
  verifyOptOut?: VerifyOptOut;
  /** How long Postmark takes before a message sent over SMTP shows in the Messages API. */
  messageDelayMs?: number;
  /** And then before its first event (Delivered, Bounced) shows. */
  eventDelayMs?: number;
  /** How much longer than the search its details route answers 701 (Postmark's message endpoints are eventually consistent). */
  detailsDelayMs?: number;
  /** A Messages API that ignores the `metadata_` filter (seen as possible; it must not fool the proof). */
  ignoreMetadataFilter?: boolean;
  /** And one that ignores `subject` (undocumented how it matches): the marker is what proves a message. */
  ignoreSubjectFilter?: boolean;
  /** Whether a webhook shows a top-level `Status`: the API reference shows one, Postmark's webhook guide never mentions it. */
  webhookStatus?: WebhookStatusField;
  /** Whether the statistics carry `Statuses` and `MetricsByTrigger` (the webhook guide) or `Metrics` alone. */
  statisticsByTrigger?: boolean;
  /** A verify answer as documented, or one whose `Results` list is empty while `Success` is false. */
  verifyAnswer?: VerifyAnswer;
  /** Postmark's clock minus ours, in milliseconds: the times it shows are that far off (ahead when positive). */
  clockSkewMs?: number;
  /** Whether the suppressions dump's EmailAddress filter matches the address exactly or any address containing it (undocumented). */
  suppressionFilter?: SuppressionFilter;
  /** And the Messages API's `recipient` filter, likewise undocumented. */
  recipientFilter?: SuppressionFilter;
}

export type SuppressionFilter = "exact" | "contains";

export type WebhookStatusField = "reported" | "absent";
export type VerifyAnswer = "full" | "success-only";

/** What a simulator starts with where its options are silent: Postmark as documented. */
export const DOCUMENTED_POSTMARK: Required<SimulatorOptions> = {
  api: "current",
  broadcastBounce: "reject",
  broadcastSpamComplaint: "reject",
  verifyOptOut: "both",
  messageDelayMs: 1_000,
  eventDelayMs: 1_000,
  detailsDelayMs: 0,
  ignoreMetadataFilter: false,
  ignoreSubjectFilter: false,
  webhookStatus: "reported",
  statisticsByTrigger: true,
  verifyAnswer: "full",
  clockSkewMs: 0,
  suppressionFilter: "exact",
  recipientFilter: "exact",
};

/** What a route reads and changes: the account, and how this Postmark answers. */
export interface SimulatedPostmark extends Required<SimulatorOptions> {
  state: AccountState;
  /** Customer.io's URL refusing Postmark's calls for some triggers (verification and deliveries). */
  receiverRefusal?: ReceiverRefusal;
  /** Postmark's deliveries to every webhook in the last 24 hours. */
  deliveries: DeliveryCounts;
  /** Per trigger, where a test sets them; a trigger not named here has the totals. */
  deliveriesByTrigger: Partial<Record<TriggerName, DeliveryCounts>>;
}

/** One request as the route handlers see it. */
export interface RouteContext {
  query: Record<string, string>;
  body: unknown;
  serverId?: number;
}
