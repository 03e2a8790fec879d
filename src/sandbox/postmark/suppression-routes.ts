import { findServer, findStream } from "./server-routes.js";
import { ApiError, fail, isObject, sameId } from "./answers.js";
import type { RouteContext, SimulatedPostmark } from "./state.js";

/**
 * A stream's suppression list (dump, and delete: Postmark's "reactivate"), and the server switch that
 * reports refused SMTP sends. What may be lifted follows Postmark's client docs: a hard bounce of the
 * recipient's, or a suppression this account added; a spam complaint never, an unsubscribe through
 * Postmark's link or Postmark's own suppression not by this account (the same refusal is assumed).
 */

const NO_AUTHORITY = "You do not have the required authority to change this suppression.";
const MAX_PER_REQUEST = 50;

export function suppressionsRoute(sim: SimulatedPostmark, method: string, segments: string[], { serverId, query, body }: RouteContext) {
  const stream = findStream(sim, serverId!, decodeURIComponent(segments[1]!));
  const rest = segments.slice(3).join("/").toLowerCase();
  const ofStream = (entry: { ServerID: number; MessageStream: string }) =>
    entry.ServerID === serverId && sameId(entry.MessageStream, stream.ID);
  if (method === "GET" && rest === "dump") {
    const wanted = query.emailaddress?.toLowerCase();
    const matches = (address: string) =>
      wanted === undefined ||
      (sim.suppressionFilter === "contains" ? address.toLowerCase().includes(wanted) : address.toLowerCase() === wanted);
    const rows = sim.state.suppressions.filter((row) => ofStream(row) && matches(row.EmailAddress));
    return { Suppressions: rows.map(({ ServerID: _s, MessageStream: _m, ...row }) => row) };
  }
  if (method === "POST" && rest === "delete") {
    const items = isObject(body) && Array.isArray(body.Suppressions) ? body.Suppressions : fail(422, 402, "Suppressions is required.");
    if (items.length > MAX_PER_REQUEST)
      fail(422, 1410, "You cannot provide more than the maximum number of suppressions for this request.");
    return {
      Suppressions: items.map((item: unknown) => {
        const address = isObject(item) && typeof item.EmailAddress === "string" ? item.EmailAddress : "";
        if (!/^[^@\s]+@[^@\s]+$/.test(address))
          return { EmailAddress: address, Status: "Failed", Message: "An invalid email address was provided." };
        const row = sim.state.suppressions.find((candidate) => ofStream(candidate) && sameId(candidate.EmailAddress, address));
        const liftable =
          !row ||
          (row.SuppressionReason === "HardBounce" && row.Origin === "Recipient") ||
          (row.SuppressionReason === "ManualSuppression" && row.Origin === "Customer");
        if (!liftable) return { EmailAddress: address, Status: "Failed", Message: NO_AUTHORITY };
        sim.state.suppressions = sim.state.suppressions.filter((candidate) => candidate !== row);
        return { EmailAddress: address, Status: "Deleted", Message: null };
      }),
    };
  }
  throw new ApiError(404, 0, "The requested resource was not found.");
}

/** PUT /servers/{id} (an account token): the one field this tool changes on a server. */
export function editServer(sim: SimulatedPostmark, { serverId, body }: RouteContext) {
  const server = findServer(sim, serverId!);
  if (!isObject(body)) fail(422, 402, "The request body is not valid JSON.");
  if (typeof body.EnableSmtpApiErrorHooks === "boolean") server.EnableSmtpApiErrorHooks = body.EnableSmtpApiErrorHooks;
  return server;
}
