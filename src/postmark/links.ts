import type { Server } from "../core/model.js";
import { shown } from "../ui/terminal-safe.js";

/** Links into Postmark's web app, and how a server is named in messages. */

export const POSTMARK_WEB_APP = "https://account.postmarkapp.com";

export function serverLabel(server: Pick<Server, "ID" | "Name">): string {
  return `${shown(server.Name)} (ID ${server.ID})`;
}

/** The server's page in Postmark's web app. */
function serverPage(server: Pick<Server, "ID" | "ServerLink">): string {
  return server.ServerLink.replace(/\/(streams|overview)\/?$/, "") || `${POSTMARK_WEB_APP}/servers/${server.ID}`;
}

/** Where a stream's SMTP token is generated. */
export function streamSettingsLink(server: Server, streamId: string): string {
  return `${serverPage(server)}/streams/${encodeURIComponent(streamId)}/settings`;
}

/** Where a stream's webhooks are listed and edited. */
export function streamWebhooksLink(server: Pick<Server, "ID" | "ServerLink">, streamId: string): string {
  return `${serverPage(server)}/streams/${encodeURIComponent(streamId)}/webhooks`;
}

/** Where SMTP is switched on for a server. */
export function serverSettingsLink(server: Server): string {
  return `${serverPage(server)}/settings`;
}
