import type { ConnectionWarning } from "../core/connection-plan.js";
import type { MessageStream, Server } from "../core/model.js";
import { serverLabel, serverSettingsLink } from "../postmark/links.js";

/** A warning of the connection plan, in words: setup and apply say it the same way. */
export function warningWords(warning: ConnectionWarning, server: Server, stream: MessageStream): string {
  if (warning === "postmark-unsubscribe") {
    return (
      `Stream "${stream.ID}" uses Postmark's own unsubscribe handling: Postmark adds its unsubscribe link and List-Unsubscribe ` +
      `headers, so recipients may see two links. Unsubscribes reach Customer.io through the Subscription Change trigger; only Postmark ` +
      `support can switch the stream to custom handling.`
    );
  }
  return (
    `SMTP is not enabled on server ${serverLabel(server)}: turn it on (${serverSettingsLink(server)}) before Customer.io sends ` +
    `through it.`
  );
}
