import type { SentMessage } from "../account.js";
import { ApiError, notFound, page, sameId } from "./answers.js";
import type { RouteContext, SimulatedPostmark } from "./state.js";

/** GET /messages/outbound (search) and GET /messages/outbound/{id}/details: what Postmark has processed so far. */

/** The Messages API searches no further back than this many messages. */
const MAX_MESSAGES_REACH = 10_000;

export function messagesRoute(sim: SimulatedPostmark, method: string, segments: string[], { serverId, query }: RouteContext) {
  const [, kind, messageId, details] = segments.map((segment) => decodeURIComponent(segment));
  if (method !== "GET" || kind?.toLowerCase() !== "outbound") throw notFound();
  const now = Date.now();
  const visible = sim.state.messages.filter(
    (message) => message.ServerID === serverId && Date.parse(message.ReceivedAt) + sim.messageDelayMs <= now,
  );
  if (messageId === undefined) {
    if (Number(query.count) + Number(query.offset) > MAX_MESSAGES_REACH) {
      throw new ApiError(422, 400, `'count' and 'offset' together may not exceed ${MAX_MESSAGES_REACH}.`);
    }
    const metadata = sim.ignoreMetadataFilter ? [] : Object.entries(query).filter(([key]) => key.startsWith("metadata_"));
    const matches = visible.filter(
      (message) =>
        (query.recipient === undefined || message.Recipients.some((to) => matchesRecipient(sim, to, query.recipient!))) &&
        (query.tag === undefined || message.Tag === query.tag) &&
        (query.subject === undefined || sim.ignoreSubjectFilter || message.Subject.toLowerCase() === query.subject.toLowerCase()) &&
        (query.messagestream === undefined || sameId(message.MessageStream, query.messagestream)) &&
        metadata.every(([key, value]) => message.Metadata[key.slice("metadata_".length)] === value),
    );
    return page(
      query,
      matches.reverse().map((message) => outboundView(sim, message)),
      "Messages",
    );
  }
  const message = visible.find(
    (candidate) => candidate.MessageID === messageId && Date.parse(candidate.ReceivedAt) + sim.messageDelayMs + sim.detailsDelayMs <= now,
  );
  if (!message || details?.toLowerCase() !== "details") throw new ApiError(422, 701, "This message was not found.");
  if (message.Events) return { ...outboundView(sim, message), MessageEvents: message.Events };
  const eventDue = Date.parse(message.ReceivedAt) + sim.messageDelayMs + sim.eventDelayMs <= now;
  const bounced = message.Recipients.some((to) => to.toLowerCase().endsWith("@bounce-testing.postmarkapp.com"));
  const events = eventDue
    ? [
        {
          Recipient: message.Recipients[0],
          Type: bounced ? "Bounced" : "Delivered",
          ReceivedAt: new Date(Date.parse(message.ReceivedAt) + sim.messageDelayMs + sim.eventDelayMs + sim.clockSkewMs).toISOString(),
          Details: {},
        },
      ]
    : [];
  return { ...outboundView(sim, message), MessageEvents: events };
}

/** How `recipient` matches is not documented: exactly, or any address containing it, as the simulator is set. */
function matchesRecipient(sim: SimulatedPostmark, address: string, wanted: string): boolean {
  const [to, asked] = [address.toLowerCase(), wanted.toLowerCase()];
  return sim.recipientFilter === "contains" ? to.includes(asked) : to === asked;
}

/** A message as the API shows it, stamped by Postmark's clock. */
function outboundView(sim: SimulatedPostmark, message: SentMessage) {
  const { ServerID: _serverId, Events: _events, ...rest } = message;
  return {
    ...rest,
    ReceivedAt: new Date(Date.parse(message.ReceivedAt) + sim.clockSkewMs).toISOString(),
    Status: "Sent",
    Sandboxed: false,
  };
}
