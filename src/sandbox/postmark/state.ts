import type { AccountState } from "../account.js";
import type { DeliveryCounts, ReceiverRefusal } from "./webhook-receiver.js";

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
}

/** What a route reads and changes: the account, and how this Postmark answers. */
export interface SimulatedPostmark {
  state: AccountState;
  api: ApiGeneration;
  broadcastBounce: BroadcastTriggerAnswer;
  broadcastSpamComplaint: BroadcastTriggerAnswer;
  verifyOptOut: VerifyOptOut;
  /** Customer.io's URL refusing Postmark's calls for some triggers (verification and deliveries). */
  receiverRefusal?: ReceiverRefusal;
  /** Postmark's deliveries to every webhook in the last 24 hours. */
  deliveries: DeliveryCounts;
  messageDelayMs: number;
  eventDelayMs: number;
  detailsDelayMs: number;
  ignoreMetadataFilter: boolean;
}

/** One request as the route handlers see it. */
export interface RouteContext {
  query: Record<string, string>;
  body: unknown;
  serverId?: number;
}
