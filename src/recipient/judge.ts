import { eventRecorded, type PersonDelivery, type RecipientRecord } from "../customerio/api.js";
import type { Suppression } from "../core/model.js";

/**
 * "Why didn't she get it?", judged from what Postmark and Customer.io each recorded about one address
 * on one stream: pure, so the words and the exit code follow from the facts alone. An unsubscribe and a
 * spam complaint are the person's wish: said as such, never offered as something to lift.
 */

/** Postmark keeps messages this long by default; an older delivery of Customer.io's has no Postmark message to match. */
export const RETENTION_DAYS = 45;
const DAY_S = 24 * 3600;
/** A Customer.io delivery and a Postmark message are the same email when both name the address and subject within this window. */
const SAME_EMAIL_S = 10 * 60;
/** Within this, and the only candidate, the match is certain; otherwise it is "probably". */
const CERTAIN_S = 2 * 60;

export interface SentToRecipient {
  messageId: string;
  subject: string;
  sentAt: string;
  /** Its first event (Delivered, Bounced, ...), or null while Postmark has none yet. */
  event: string | null;
  eventAt: string | null;
}

export interface RecipientFacts {
  address: string;
  streamId: string;
  suppression: Suppression | null;
  /** Newest first. */
  messages: SentToRecipient[];
  /** Null without CUSTOMERIO_APP_API_KEY. */
  customerio: RecipientRecord | null;
  now: number;
  /** A printed command that looks at this connection's webhook. */
  doctorCommand: string;
  /** A printed command that lifts the suppression (asks first). */
  reactivateCommand: string;
}

export interface RecipientFinding {
  id: "suppression" | "messages" | "customerio";
  status: "pass" | "warn" | "fail";
  message: string;
  fix: string | null;
}

export interface RecipientVerdict {
  verdict: string;
  suppression: { reason: string; origin: string; since: string; canReactivate: boolean } | null;
  findings: RecipientFinding[];
}

/** Whether Postmark lets this account lift the suppression: a hard bounce of the recipient's, or one this account added. */
export function canReactivate({ SuppressionReason: reason, Origin: origin }: Suppression): boolean {
  return (reason === "HardBounce" && origin === "Recipient") || (reason === "ManualSuppression" && origin === "Customer");
}

const day = (iso: string) => iso.slice(0, 10);
const clock = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** What the suppression means for the person, and what (if anything) should be done. */
function suppressionFinding(facts: RecipientFacts, suppression: Suppression): RecipientFinding {
  const { address, streamId } = facts;
  const since = `Postmark suppresses ${address} on ${streamId} since ${day(new Date(suppression.CreatedAt).toISOString())}`;
  const nothing = "they will get nothing from this stream";
  const wish = "Customer.io may still count them as subscribed: mark them unsubscribed there so its numbers agree.";
  const { SuppressionReason: reason, Origin: origin } = suppression;
  if (reason === "HardBounce")
    return {
      id: "suppression",
      status: "fail",
      message: `${since}: a message to it hard-bounced (the mailbox does not exist or refused mail), so ${nothing}.`,
      fix:
        `If the address works again, lift it (a hard bounce lifted will bounce again if the mailbox is still gone): ` +
        facts.reactivateCommand,
    };
  if (reason === "SpamComplaint")
    return {
      id: "suppression",
      status: "fail",
      message: `${since}: they marked a message as spam. That is their wish; ${nothing}, and no one can lift it.`,
      fix: wish,
    };
  if (origin === "Recipient")
    return {
      id: "suppression",
      status: "fail",
      message: `${since}: they unsubscribed through Postmark's own link. That is their wish; ${nothing}.`,
      fix: wish,
    };
  if (origin === "Customer")
    return {
      id: "suppression",
      status: "fail",
      message: `${since}: someone on this account suppressed the address (in Postmark or by its API), so ${nothing}.`,
      fix: `If that was a mistake, lift it: ${facts.reactivateCommand}`,
    };
  return {
    id: "suppression",
    status: "fail",
    message: `${since}: Postmark itself suppressed the address (origin ${origin}), so ${nothing}.`,
    fix: "Ask Postmark support why: this account cannot lift it.",
  };
}

function messagesFinding({ address, streamId, messages }: RecipientFacts): RecipientFinding {
  if (messages.length === 0)
    return {
      id: "messages",
      status: "pass",
      message:
        `Postmark has no message to ${address} on ${streamId} in the last ${RETENTION_DAYS} days (its retention by default; ` +
        `older messages are gone from Postmark, not lost).`,
      fix: null,
    };
  const told = messages.map((message) => `"${message.subject}" at ${clock(message.sentAt)}: ${message.event ?? "no event yet"}`);
  return {
    id: "messages",
    status: "pass",
    message: `Postmark's last messages to ${address} on ${streamId}: ${told.join("; ")}.`,
    fix: null,
  };
}

/** Postmark's events that come back to Customer.io by webhook: the trigger that carries each, and its word. */
const HEARD_BY: Record<string, { trigger: string; said: string }> = {
  Delivered: { trigger: "Delivery", said: "delivered" },
  Bounced: { trigger: "Bounce", said: "bounced" },
};

/**
 * Customer.io's delivery of this Postmark message: same address and subject, sent nearest in time
 * within the window. Only deliveries Customer.io has sent are given (one not sent yet is no mismatch).
 */
function deliveryOf(message: SentToRecipient, deliveries: PersonDelivery[], address: string) {
  const apart = (delivery: PersonDelivery) => Math.abs(delivery.metrics.sent! - seconds(message.sentAt));
  const candidates = deliveries.filter(
    (delivery) =>
      (delivery.recipient === null || delivery.recipient.toLowerCase() === address.toLowerCase()) &&
      delivery.subject === message.subject &&
      apart(delivery) <= SAME_EMAIL_S,
  );
  const [nearest] = candidates.sort((a, b) => apart(a) - apart(b));
  return nearest && { delivery: nearest, certain: candidates.length === 1 && apart(nearest) <= CERTAIN_S };
}

function customerioFinding(facts: RecipientFacts, record: RecipientRecord): RecipientFinding {
  const { address } = facts;
  if (record.people === 0)
    return {
      id: "customerio",
      status: "warn",
      message: `Customer.io has no person with the email ${address} (it may know them by another address).`,
      fix: null,
    };
  const retained = (delivery: PersonDelivery) => facts.now / 1000 - delivery.created <= RETENTION_DAYS * DAY_S;
  const deliveries = record.deliveries.filter((delivery) => retained(delivery) && delivery.metrics.sent !== undefined);
  let heard = 0;
  for (const message of facts.messages) {
    const expected = message.event ? HEARD_BY[message.event] : undefined;
    if (!expected) continue;
    const match = deliveryOf(message, deliveries, address);
    if (!match) continue;
    if (eventRecorded(match.delivery.metrics, match.delivery.metrics.sent!) === message.event) {
      heard += 1;
      continue;
    }
    const same = match.certain ? "" : "probably ";
    return {
      id: "customerio",
      status: "fail",
      message:
        `Postmark ${expected.said} "${message.subject}" at ${clock(message.eventAt ?? message.sentAt)}; Customer.io's delivery ` +
        `${match.delivery.id} (${same}the same email) never heard of it: the webhook is not passing ${expected.trigger} events.`,
      fix: `Check the webhook: ${facts.doctorCommand}`,
    };
  }
  if (facts.suppression) {
    const refused = deliveries.find((delivery) => !facts.messages.some((message) => deliveryOf(message, [delivery], address)));
    if (refused)
      return {
        id: "customerio",
        status: "warn",
        message:
          `Customer.io shows "${refused.subject ?? "a delivery"}" as sent (${refused.id}), but Postmark has no such message: ` +
          `Postmark refuses SMTP mail to a suppressed address, and Customer.io is not told unless the server's SMTP API error ` +
          `webhooks are on (doctor checks them).`,
        fix: `Check the server: ${facts.doctorCommand}`,
      };
  }
  // A pass says what it rests on: with no email on both sides, nothing here has seen an event come back.
  const rests =
    heard > 0
      ? ` and recorded what Postmark did with ${heard === 1 ? "the email" : `the ${heard} emails`} both show`
      : `, but no email of the last ${RETENTION_DAYS} days shows on both sides with Postmark's event yet: this says nothing of ` +
        `the webhook (doctor --end-to-end proves it)`;
  return { id: "customerio", status: "pass", message: `Customer.io knows ${address}${rests}.`, fix: null };
}

export function judgeRecipient(facts: RecipientFacts): RecipientVerdict {
  const { suppression } = facts;
  const findings: RecipientFinding[] = [
    suppression
      ? suppressionFinding(facts, suppression)
      : { id: "suppression", status: "pass", message: `Postmark does not suppress ${facts.address} on ${facts.streamId}.`, fix: null },
    messagesFinding(facts),
    ...(facts.customerio ? [customerioFinding(facts, facts.customerio)] : []),
  ];
  const first = findings.find((finding) => finding.status === "fail");
  return {
    verdict: first?.message ?? `Nothing stops mail to ${facts.address} on ${facts.streamId}.`,
    suppression: suppression
      ? {
          reason: suppression.SuppressionReason,
          origin: suppression.Origin,
          since: new Date(suppression.CreatedAt).toISOString(),
          canReactivate: canReactivate(suppression),
        }
      : null,
    findings,
  };
}
