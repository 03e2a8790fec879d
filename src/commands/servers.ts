import { CliError, usageError } from "../errors.js";
import { closeMatches } from "../core/matching.js";
import { AccountApi, ServerApi } from "../postmark/api.js";
import type { MessageStream, Server } from "../postmark/types.js";
import type { Runtime } from "../runtime.js";

/** Finding servers and streams by what a user typed, shared by setup, doctor and remove. */

export function accountApi(runtime: Runtime, token: string): AccountApi {
  return new AccountApi(token, runtime.postmark());
}

export function serverApi(runtime: Runtime, token: string): ServerApi {
  return new ServerApi(token, runtime.postmark());
}

const isNumericId = (ref: string) => /^\d+$/.test(ref);

/** `--server` is an exact name or a numeric ID. An unknown name lists close matches; a shared name lists the candidates. */
export async function findServer(account: AccountApi, ref: string): Promise<Server> {
  if (isNumericId(ref)) {
    try {
      return await account.getServer(Number(ref));
    } catch (error) {
      if (!(error instanceof CliError && error.code === "postmark_rejected")) throw error;
      throw usageError("unknown_server", `No server with ID ${ref} in this Postmark account.`, "Run without --server to choose from a list, or check the ID in the server's URL.");
    }
  }
  const candidates = await account.listServers(ref);
  const exact = candidates.filter((server) => server.Name === ref);
  const folded = exact.length ? exact : candidates.filter((server) => server.Name.toLowerCase() === ref.toLowerCase());
  if (folded.length === 1) return folded[0]!;
  if (folded.length > 1) {
    throw usageError(
      "ambiguous_server",
      `${folded.length} servers are named "${ref}": ${folded.map((server) => `${server.Name} (ID ${server.ID})`).join(", ")}.`,
      "Pass the numeric ID instead: --server <id>.",
    );
  }
  const pool = candidates.length ? candidates : await account.listServers();
  const suggestions = closeMatches(ref, pool.map((server) => server.Name));
  throw usageError(
    "unknown_server",
    `No server named "${ref}" in this Postmark account.`,
    suggestions.length ? `Did you mean: ${suggestions.map((name) => `"${name}"`).join(", ")}?` : "Run without --server to choose from a list.",
  );
}

/** Refuses streams a Customer.io webhook cannot live on, with the reason. */
export function assertUsableStream(stream: MessageStream): void {
  if (stream.MessageStreamType === "Inbound") {
    throw usageError("inbound_stream", `"${stream.ID}" is an inbound stream: it receives mail, so Customer.io cannot send through it.`, "Choose a transactional or broadcast stream, e.g. --stream outbound.");
  }
  if (stream.ArchivedAt) {
    throw usageError("archived_stream", `"${stream.ID}" is archived: Postmark does not send from archived streams.`, "Unarchive it in Postmark, or choose another stream.");
  }
}

/** Turns "stream not found" into a usage error listing the streams the server does have. */
export async function unknownStreamError(api: ServerApi, streamId: string, error: unknown): Promise<unknown> {
  if (!(error instanceof CliError && error.code === "postmark_rejected" && /stream/i.test(error.message))) return error;
  const streams = await api.listStreams().catch(() => []);
  const usable = streams.filter((stream) => stream.MessageStreamType !== "Inbound" && !stream.ArchivedAt).map((stream) => stream.ID);
  return usageError(
    "unknown_stream",
    `This server has no message stream "${streamId}".`,
    usable.length ? `Streams you can use: ${usable.join(", ")}.` : "Create a transactional or broadcast stream in Postmark first.",
  );
}

export function serverLabel(server: Pick<Server, "ID" | "Name">): string {
  return `${server.Name} (ID ${server.ID})`;
}

/** The server's page in Postmark's web app. */
function serverPage(server: Server): string {
  return server.ServerLink?.replace(/\/(streams|overview)\/?$/, "") || `https://account.postmarkapp.com/servers/${server.ID}`;
}

/** Where a stream's SMTP token is generated. */
export function streamSettingsLink(server: Server, streamId: string): string {
  return `${serverPage(server)}/streams/${encodeURIComponent(streamId)}/settings`;
}

/** Where SMTP is switched on for a server. */
export function serverSettingsLink(server: Server): string {
  return `${serverPage(server)}/settings`;
}
