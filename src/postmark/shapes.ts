import { CliError } from "../errors.js";
import { isStreamId } from "../core/inputs.js";
import type {
  Domain,
  MessageStream,
  OutboundMessage,
  SenderSignature,
  Server,
  StreamType,
  Suppression,
  TriggerCheck,
  Webhook,
  WebhookDeliveries,
  WebhookVerification,
  DeliveryCounts,
  WebhookStatus,
  WebhookTriggers,
} from "../core/model.js";

/**
 * Postmark's answers, checked at the boundary for the fields this tool uses. Extra fields, and
 * missing ones it does not use, are tolerated (real answers vary by account age); anything else is
 * a `postmark_bad_response`, never a crash further in.
 */

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
/** A whole number from 0 up: an ID or a count. */
const isWhole = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const STREAM_TYPES: StreamType[] = ["Transactional", "Broadcasts", "Inbound"];
const TRIGGERS = ["Open", "Click", "Delivery", "Bounce", "SpamComplaint", "SubscriptionChange"] as const;

export class ShapeError extends Error {}

/** Postmark's message IDs are UUIDs; one that is not could steer a request path elsewhere. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Printable ASCII without spaces: what an API token is made of. */
const TOKEN = /^[\x21-\x7e]+$/;
const isDate = (value: unknown): value is string => typeof value === "string" && !Number.isNaN(Date.parse(value));

function expect(condition: unknown, what: string): asserts condition {
  if (!condition) throw new ShapeError(what);
}

function list(answer: unknown, key: string): unknown[] {
  expect(isObject(answer), "the answer is not a JSON object");
  const items = answer[key];
  expect(Array.isArray(items), `"${key}" is not a list`);
  return items;
}

/** A page of a paged listing: the items, and how many there are in all. */
export function pageOf<T>(answer: unknown, key: string, item: (value: unknown) => T): { total: number; items: T[] } {
  const items = list(answer, key).map(item);
  const total = (answer as Json).TotalCount;
  expect(isWhole(total), '"TotalCount" is not a whole number');
  return { total, items };
}

export function server(value: unknown): Server {
  expect(isObject(value), "a server is not an object");
  expect(isWhole(value.ID), "a server has no numeric ID");
  expect(typeof value.Name === "string", `server ${value.ID} has no name`);
  expect(
    value.ApiTokens === undefined || (Array.isArray(value.ApiTokens) && value.ApiTokens.every((token) => typeof token === "string")),
    `server ${value.ID}'s ApiTokens is not a list of tokens`,
  );
  // A token goes into a header: one with spaces or control characters would be a different request (never shown: it is a secret).
  expect(
    ((value.ApiTokens as string[] | undefined) ?? []).every((token) => TOKEN.test(token)),
    `server ${value.ID} has an API token with characters no token has`,
  );
  expect(typeof value.SmtpApiActivated === "boolean", `server ${value.ID} does not say whether SMTP is on`);
  return {
    ...value,
    ApiTokens: (value.ApiTokens as string[] | undefined) ?? [],
    ServerLink: typeof value.ServerLink === "string" ? value.ServerLink : "",
  } as Server;
}

export function stream(value: unknown): MessageStream {
  expect(isObject(value), "a message stream is not an object");
  expect(
    typeof value.ID === "string" && isStreamId(value.ID),
    `a message stream's ID ${JSON.stringify(value.ID)} is not one Postmark gives`,
  );
  expect(STREAM_TYPES.includes(value.MessageStreamType as StreamType), `stream "${value.ID}" has an unknown type`);
  expect(
    value.ArchivedAt === undefined || value.ArchivedAt === null || typeof value.ArchivedAt === "string",
    `stream "${value.ID}" has an unreadable ArchivedAt`,
  );
  return { ...value, Name: typeof value.Name === "string" ? value.Name : value.ID, ArchivedAt: value.ArchivedAt ?? null } as MessageStream;
}

export const streams = (answer: unknown): MessageStream[] => list(answer, "MessageStreams").map(stream);

export function webhook(value: unknown): Webhook {
  expect(isObject(value), "a webhook is not an object");
  expect(isWhole(value.ID), "a webhook has no numeric ID");
  expect(typeof value.Url === "string", `webhook ${value.ID} has no URL`);
  expect(typeof value.MessageStream === "string", `webhook ${value.ID} names no stream`);
  expect(value.Triggers === undefined || isObject(value.Triggers), `webhook ${value.ID}'s triggers are not an object`);
  const given = (value.Triggers ?? {}) as Json;
  const triggers = Object.fromEntries(
    TRIGGERS.map((name) => {
      const trigger = given[name];
      expect(trigger === undefined || isObject(trigger), `webhook ${value.ID}'s ${name} trigger is not an object`);
      return [name, { ...(trigger ?? {}), Enabled: (trigger as Json | undefined)?.Enabled === true }];
    }),
  ) as unknown as WebhookTriggers;
  const headers = value.HttpHeaders;
  expect(headers === undefined || headers === null || Array.isArray(headers), `webhook ${value.ID}'s headers are not a list`);
  const auth = value.HttpAuth;
  expect(auth === undefined || auth === null || isObject(auth), `webhook ${value.ID}'s HttpAuth is not an object`);
  return {
    ...value,
    Triggers: triggers,
    HttpHeaders: (headers as Webhook["HttpHeaders"] | null) ?? [],
    HttpAuth: (auth as Webhook["HttpAuth"]) ?? null,
    Status: webhookStatus(value.Status),
  } as Webhook;
}

/** `verified` or `unverified` in any case; the older API sends none, and a value we do not know says nothing either. */
function webhookStatus(value: unknown): WebhookStatus {
  const status = typeof value === "string" ? value.toLowerCase() : undefined;
  return status === "verified" || status === "unverified" ? status : null;
}

/** Postmark's calls to the URL, one per trigger: from a verify answer, or a 1364 refusal's body. */
export function triggerChecks(answer: unknown): TriggerCheck[] {
  return list(answer, "Results").map((value) => {
    expect(isObject(value) && typeof value.TriggerType === "string", "a verification result names no trigger");
    return {
      trigger: value.TriggerType,
      success: value.Success === true,
      statusCode: Number.isSafeInteger(value.StatusCode) ? (value.StatusCode as number) : 0,
      message: typeof value.Message === "string" ? value.Message : "",
    };
  });
}

/** The statistics route's 24-hour counts, with each trigger's state and counts where Postmark gives them. */
export function webhookDeliveries(answer: unknown): WebhookDeliveries {
  expect(isObject(answer) && isObject(answer.Metrics), "the statistics have no Metrics");
  const deliveries: WebhookDeliveries = counts(answer.Metrics, "the statistics'");
  const { Statuses, MetricsByTrigger } = answer;
  expect(Statuses === undefined || Statuses === null || isObject(Statuses), "the statistics' Statuses is not an object");
  expect(
    MetricsByTrigger === undefined || MetricsByTrigger === null || isObject(MetricsByTrigger),
    "the statistics' MetricsByTrigger is not an object",
  );
  if (isObject(Statuses)) {
    deliveries.statuses = Object.fromEntries(
      Object.entries(Statuses).map(([trigger, status]) => {
        expect(typeof status === "string", `the statistics' status of ${JSON.stringify(trigger)} is not a word`);
        return [trigger, status.toLowerCase()];
      }),
    );
  }
  if (isObject(MetricsByTrigger)) {
    deliveries.byTrigger = Object.fromEntries(
      Object.entries(MetricsByTrigger).map(([trigger, metrics]) => {
        expect(isObject(metrics), `the statistics' metrics of ${JSON.stringify(trigger)} are not an object`);
        return [trigger, counts(metrics, `the ${JSON.stringify(trigger)} metrics'`)];
      }),
    );
  }
  return deliveries;
}

function counts(metrics: Json, whose: string): DeliveryCounts {
  const { TotalRequests, SuccessCount, FailureCount, RetryCount } = metrics;
  for (const [name, count] of Object.entries({ TotalRequests, SuccessCount, FailureCount, RetryCount })) {
    expect(isWhole(count), `${whose} ${name} is not a whole number`);
  }
  return {
    total: TotalRequests as number,
    succeeded: SuccessCount as number,
    failed: FailureCount as number,
    retries: RetryCount as number,
  };
}

/** A verify answer: passed only if Postmark says `Success` and every trigger's call succeeded. */
export function verification(answer: unknown): WebhookVerification {
  const checks = triggerChecks(answer);
  return { success: (answer as Json).Success === true && checks.every((check) => check.success), checks };
}

export const webhooks = (answer: unknown): Webhook[] => list(answer, "Webhooks").map(webhook);

export function domain(value: unknown): Domain {
  expect(isObject(value), "a domain is not an object");
  expect(typeof value.Name === "string", "a domain has no name");
  expect(
    typeof value.DKIMVerified === "boolean" && typeof value.ReturnPathDomainVerified === "boolean",
    `domain ${JSON.stringify(value.Name)} does not say whether DKIM and Return-Path are verified`,
  );
  return value as unknown as Domain;
}

/** The error a person sees for an answer that is not what Postmark's API documents. */
export function badResponse(action: string, problem: string): CliError {
  return new CliError("postmark_bad_response", `Postmark's answer when trying to ${action} was not what its API documents: ${problem}.`, {
    hint:
      "Try again shortly. If it persists, check POSTMARK_API_URL and any proxy, and run with --trace FILE to attach the exchange to " +
      "a bug report.",
  });
}

export const suppressions = (answer: unknown): Suppression[] =>
  list(answer, "Suppressions").map((value) => {
    expect(isObject(value) && typeof value.EmailAddress === "string", "a suppression names no address");
    expect(typeof value.SuppressionReason === "string" && typeof value.Origin === "string", "a suppression has no reason or origin");
    expect(isDate(value.CreatedAt), `the suppression of an address has no CreatedAt date`);
    return value as unknown as Suppression;
  });

/** Postmark's answer to one address of a suppressions/delete: "Deleted", or "Failed" with its words. */
export function suppressionChange(answer: unknown): { status: string; message: string | null } {
  const [first] = list(answer, "Suppressions");
  expect(isObject(first) && typeof first.Status === "string", "the answer has no Status for the address");
  return { status: first.Status, message: typeof first.Message === "string" ? first.Message : null };
}

export function senderSignature(value: unknown): SenderSignature {
  expect(isObject(value), "a sender signature is not an object");
  expect(typeof value.EmailAddress === "string", "a sender signature has no address");
  return { ...value, Confirmed: value.Confirmed === true, Domain: typeof value.Domain === "string" ? value.Domain : "" } as SenderSignature;
}

export function outboundMessage(value: unknown): OutboundMessage {
  expect(isObject(value), "a message is not an object");
  expect(
    typeof value.MessageID === "string" && UUID.test(value.MessageID),
    `a message's MessageID ${JSON.stringify(value.MessageID)} is not a UUID`,
  );
  expect(typeof value.MessageStream === "string", `message ${value.MessageID} names no stream`);
  expect(value.ReceivedAt === undefined || isDate(value.ReceivedAt), `message ${value.MessageID}'s ReceivedAt is not a date`);
  const events = value.MessageEvents;
  expect(
    events === undefined ||
      (Array.isArray(events) && events.every((event) => isObject(event) && typeof event.Type === "string" && isDate(event.ReceivedAt))),
    `message ${value.MessageID}'s events are unreadable (each needs a Type and a ReceivedAt date)`,
  );
  return value as unknown as OutboundMessage;
}
