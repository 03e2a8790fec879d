import { mapConcurrently } from "../core/concurrency.js";
import type { CustomerIoApi, RecipientRecord } from "../customerio/api.js";
import type { ServerApi } from "../postmark/api.js";
import type { RecipientFacts, SentToRecipient } from "./judge.js";

/**
 * Everything both services recorded about one address on one stream, in one round: the stream's
 * suppression of it, Postmark's last messages to it with what happened to each, and (with a
 * Customer.io key) the person and their deliveries, read once per region however many streams ask.
 * Every request keeps within the process's caps, as doctor's do.
 */

/** Postmark's last messages to the address, each with its first event: enough to answer "what happened to the last one". */
const LAST_MESSAGES = 5;
/** Events that say what became of a message; opens and clicks are Customer.io's own to count. */
const OUTCOMES = new Set(["Delivered", "Bounced", "Transient", "SubscriptionChanged"]);

export async function lastMessages(api: ServerApi, streamId: string, address: string): Promise<SentToRecipient[]> {
  const found = await api.searchOutboundMessages({ recipient: address, messagestream: streamId }, LAST_MESSAGES);
  // How Postmark matches `recipient` is not documented: only messages that name the address itself are kept.
  const toAddress = found.filter((message) =>
    (message.Recipients ?? []).some((recipient) => recipient.toLowerCase() === address.toLowerCase()),
  );
  return mapConcurrently(toAddress, LAST_MESSAGES, async (message) => {
    const details = await api.getOutboundMessageDetails(message.MessageID);
    const outcome = [...(details?.MessageEvents ?? [])]
      .filter((event) => OUTCOMES.has(event.Type))
      .sort((a, b) => Date.parse(a.ReceivedAt ?? "") - Date.parse(b.ReceivedAt ?? ""))[0];
    return {
      messageId: message.MessageID,
      subject: message.Subject ?? "",
      sentAt: new Date(message.ReceivedAt ?? 0).toISOString(),
      event: outcome?.Type ?? null,
      eventAt: outcome?.ReceivedAt ? new Date(outcome.ReceivedAt).toISOString() : null,
    };
  });
}

/** Customer.io's record of the address, in the region of the key's workspace: read at most once per run. */
export function customerioReader(customerio: CustomerIoApi | undefined, address: string): () => Promise<RecipientRecord> | null {
  let record: Promise<RecipientRecord> | undefined;
  return () => {
    if (!customerio) return null;
    record ??= customerio.workspace().then((workspace) => customerio.recipient(workspace.region, address));
    return record;
  };
}

export async function readRecipient(
  api: ServerApi,
  { streamId, address }: { streamId: string; address: string },
  customerio: () => Promise<RecipientRecord> | null,
  commands: Pick<RecipientFacts, "doctorCommand" | "reactivateCommand">,
): Promise<RecipientFacts> {
  const [suppressions, messages, record] = await Promise.all([
    api.suppressionsOf(streamId, address),
    lastMessages(api, streamId, address),
    customerio(),
  ]);
  return { address, streamId, suppression: suppressions[0] ?? null, messages, customerio: record, now: Date.now(), ...commands };
}
