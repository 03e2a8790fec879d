import { CliError, usageError } from "../errors.js";
import { closeMatches } from "../core/matching.js";
import { isUsableStream } from "../core/connection-plan.js";
import type { AccountApi } from "./account-api.js";
import type { ServerApi } from "./api.js";
import type { Server } from "../core/model.js";
import { shown } from "../ui/terminal-safe.js";

/** Finding servers and streams by what a user typed. */

const isNumericId = (ref: string) => /^\d+$/.test(ref);

/** How to name a server instead, where the reference came from: setup's --server, or a connections file. */
const RENAMING = {
  flag: {
    unknownId: "Run without --server to choose from a list, or check the ID in the server's URL.",
    unknownName: "Run without --server to choose from a list.",
    shared: "Pass the numeric ID instead: --server <id>.",
  },
  file: {
    unknownId: "Write the server's exact name in the file, or check the ID in the server's URL.",
    unknownName: "Write the server's exact name or its numeric ID in the file.",
    shared: "Write the server's numeric ID in the file instead.",
  },
};

/**
 * `--server` (or a connections file's server) is an exact name or a numeric ID; a number that is no
 * server's ID may still be a server's name ("42"). An unknown name lists close matches; a shared name
 * lists the candidates.
 */
export async function findServer(account: AccountApi, ref: string, from: keyof typeof RENAMING = "flag"): Promise<Server> {
  const renaming = RENAMING[from];
  if (isNumericId(ref)) {
    try {
      return await account.getServer(Number(ref));
    } catch (error) {
      if (!(error instanceof CliError && error.code === "postmark_rejected")) throw error;
      const named = (await account.listServers(ref)).filter((server) => server.Name === ref);
      if (named.length === 1) return named[0]!;
      throw usageError("unknown_server", `No server with ID or name ${ref} in this Postmark account.`, renaming.unknownId);
    }
  }
  const candidates = await account.listServers(ref);
  const exact = candidates.filter((server) => server.Name === ref);
  const folded = exact.length ? exact : candidates.filter((server) => server.Name.toLowerCase() === ref.toLowerCase());
  if (folded.length === 1) return folded[0]!;
  if (folded.length > 1) {
    throw usageError(
      "ambiguous_server",
      `${folded.length} servers are named ${JSON.stringify(ref)}: ` +
        `${folded.map((server) => `${shown(server.Name)} (ID ${server.ID})`).join(", ")}.`,
      renaming.shared,
    );
  }
  const pool = candidates.length ? candidates : await account.listServers();
  const suggestions = closeMatches(
    ref,
    pool.map((server) => server.Name),
  );
  throw usageError(
    "unknown_server",
    `No server named ${JSON.stringify(ref)} in this Postmark account.`,
    suggestions.length ? `Did you mean: ${suggestions.map((name) => `"${shown(name)}"`).join(", ")}?` : renaming.unknownName,
  );
}

/** Turns "stream not found" into a usage error listing the streams the server does have. */
export async function unknownStreamError(api: ServerApi, streamId: string, error: unknown): Promise<unknown> {
  if (!(error instanceof CliError && error.code === "postmark_rejected" && /stream/i.test(error.message))) return error;
  const streams = await api.listStreams().catch(() => []);
  const usable = streams.filter(isUsableStream).map((stream) => stream.ID);
  return usageError(
    "unknown_stream",
    `This server has no message stream "${streamId}".`,
    usable.length ? `Streams you can use: ${usable.join(", ")}.` : "Create a transactional or broadcast stream in Postmark first.",
  );
}
