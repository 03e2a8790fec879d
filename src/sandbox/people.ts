import { randomUUID } from "node:crypto";
import type { AccountState, SentMessage, StoredSuppression } from "./account.js";
import type { CustomerIoPerson } from "./customerio-simulator.js";
import { SANDBOX_SENDER, SANDBOX_SERVERS } from "./credentials.js";

/**
 * The sandbox's people, for `recipient`: one hard-bounced, one who unsubscribed through Postmark's own
 * link on broadcast, one whose Delivery Customer.io never heard of (an address with a `+`), and one
 * for whom all is well. Postmark's side is seeded into the account once; Customer.io's is read from
 * it on every start, so the two always agree on what was sent and when.
 */

interface Person {
  email: string;
  stream: "outbound" | "broadcast";
  subject: string;
  daysAgo: number;
  event: "Delivered" | "Bounced";
  suppression?: Pick<StoredSuppression, "SuppressionReason" | "Origin">;
  /** Customer.io's metrics for its delivery: what Postmark's webhook told it. */
  heard: boolean;
}

export const SANDBOX_PEOPLE: Person[] = [
  {
    email: "gone@acme.example",
    stream: "outbound",
    subject: "Your order has shipped",
    daysAgo: 3,
    event: "Bounced",
    suppression: { SuppressionReason: "HardBounce", Origin: "Recipient" },
    heard: true,
  },
  {
    email: "jane@acme.example",
    stream: "broadcast",
    subject: "November newsletter",
    daysAgo: 9,
    event: "Delivered",
    suppression: { SuppressionReason: "ManualSuppression", Origin: "Recipient" },
    heard: true,
  },
  { email: "sam+news@acme.example", stream: "outbound", subject: "Your receipt", daysAgo: 1, event: "Delivered", heard: false },
  { email: "fine@acme.example", stream: "outbound", subject: "Welcome to Acme", daysAgo: 2, event: "Delivered", heard: true },
];

const DAY_MS = 24 * 3600 * 1000;

/** Adds the people's messages and suppressions to a new sandbox account. */
export function seedPeople(state: AccountState, now = Date.now()): void {
  for (const person of SANDBOX_PEOPLE) {
    const sentAt = new Date(now - person.daysAgo * DAY_MS);
    const eventAt = new Date(sentAt.getTime() + 4_000).toISOString();
    const message: SentMessage = {
      MessageID: randomUUID(),
      ServerID: SANDBOX_SERVERS.production,
      MessageStream: person.stream,
      Tag: "",
      From: SANDBOX_SENDER,
      To: [{ Email: person.email, Name: "" }],
      Recipients: [person.email],
      Subject: person.subject,
      Metadata: {},
      ReceivedAt: sentAt.toISOString(),
      Events: [
        {
          Type: person.event,
          ReceivedAt: eventAt,
          Details: person.event === "Bounced" ? { Summary: "smtp;550 5.1.1 mailbox does not exist" } : {},
        },
      ],
    };
    state.messages.push(message);
    if (person.suppression)
      state.suppressions.push({
        ServerID: SANDBOX_SERVERS.production,
        MessageStream: person.stream,
        EmailAddress: person.email,
        CreatedAt: eventAt,
        ...person.suppression,
      });
  }
}

/** Customer.io's record of the same people: a delivery per message Postmark has to them, with what its webhook reported. */
export function customerioPeople(state: AccountState): CustomerIoPerson[] {
  return SANDBOX_PEOPLE.map((person, index) => {
    const messages = state.messages.filter((message) => message.Recipients.includes(person.email));
    return {
      email: person.email,
      id: null,
      cio_id: `sandbox-person-${index + 1}`,
      deliveries: messages.map((message, n) => {
        const sent = Math.floor(Date.parse(message.ReceivedAt) / 1000);
        const outcome = person.event === "Bounced" ? "bounced" : "delivered";
        return {
          id: `sandbox-delivery-${index + 1}-${n + 1}`,
          subject: message.Subject,
          recipient: person.email,
          created: sent - 1,
          metrics: { sent, ...(person.heard ? { [outcome]: sent + 4 } : {}) },
          type: "email" as const,
        };
      }),
    };
  });
}
