import type { MessageStream, Server } from "../core/model.js";

/**
 * The one step no API can do: a broadcast stream on Postmark's own unsubscribe handling is switched
 * to custom handling only by Postmark support. The request, written for the person to send as it is.
 */

export const POSTMARK_SUPPORT = "support@postmarkapp.com";

export interface SupportRequest {
  to: string;
  subject: string;
  body: string;
  /** The same request for a mail app. */
  mailto: string;
}

export function unsubscribeHandlingRequest(server: Pick<Server, "ID" | "Name">, stream: Pick<MessageStream, "ID">): SupportRequest {
  const subject = `Custom unsubscribe handling for stream "${stream.ID}" of server ${server.Name} (ID ${server.ID})`;
  const body =
    `Hello, please switch message stream "${stream.ID}" of server "${server.Name}" (ID ${server.ID}) to custom unsubscribe ` +
    `handling. We send this stream's email through Customer.io, which adds its own unsubscribe link and manages ` +
    `unsubscribes, so we would like Postmark's unsubscribe link and List-Unsubscribe headers removed. Thank you.`;
  const mailto = `mailto:${POSTMARK_SUPPORT}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`;
  return { to: POSTMARK_SUPPORT, subject, body, mailto };
}
