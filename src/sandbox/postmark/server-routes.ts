import type { IncomingMessage } from "node:http";
import type { MessageStream } from "../../core/model.js";
import { ApiError, fail, page, sameId } from "./answers.js";
import type { RouteContext, SimulatedPostmark } from "./state.js";

/** The account's servers, domains and sender signatures, a server's streams, and the tokens that open them. */

type TokenKind = "account" | "server";

/** Checks the token header the route needs; answers the server id for server tokens. */
export function authenticate(sim: SimulatedPostmark, headers: IncomingMessage["headers"], kind: TokenKind): number | undefined {
  const header = headers[kind === "account" ? "x-postmark-account-token" : "x-postmark-server-token"];
  const token = typeof header === "string" ? header : undefined;
  if (kind === "account") {
    if (token && sim.state.accountTokens.includes(token)) return undefined;
  } else {
    const server = token ? sim.state.servers.find((candidate) => candidate.ApiTokens.includes(token)) : undefined;
    if (server) return server.ID;
  }
  const headerName = kind === "account" ? "X-Postmark-Account-Token" : "X-Postmark-Server-Token";
  throw new ApiError(401, 10, `Request does not contain a valid ${headerName} header.`);
}

export function listServers(sim: SimulatedPostmark, query: Record<string, string>) {
  const name = (query.name ?? "").toLowerCase();
  const servers = sim.state.servers.filter((server) => server.Name.toLowerCase().includes(name));
  return page(query, servers, "Servers");
}

export function findServer(sim: SimulatedPostmark, id: number) {
  return sim.state.servers.find((server) => server.ID === id) ?? fail(422, 600, "Server not found.");
}

export function findStream(sim: SimulatedPostmark, serverId: number, streamId: string): MessageStream {
  return (
    sim.state.streams.find((stream) => stream.ServerID === serverId && sameId(stream.ID, streamId)) ??
    fail(422, 1226, "The message stream for the provided 'ID' was not found.")
  );
}

export function listStreams(sim: SimulatedPostmark, { serverId, query }: RouteContext) {
  const type = (query.messagestreamtype ?? "all").toLowerCase();
  const includeArchived = (query.includearchivedstreams ?? "false").toLowerCase() === "true";
  const streams = sim.state.streams.filter(
    (stream) =>
      stream.ServerID === serverId &&
      (type === "all" || stream.MessageStreamType.toLowerCase() === type) &&
      (includeArchived || !stream.ArchivedAt),
  );
  return { MessageStreams: streams, TotalCount: streams.length };
}

export function listDomains(sim: SimulatedPostmark, query: Record<string, string>) {
  return page(query, sim.state.domains, "Domains");
}

export function findDomain(sim: SimulatedPostmark, id: number) {
  return sim.state.domains.find((domain) => domain.ID === id) ?? fail(422, 510, "Domain not found.");
}

export function listSenders(sim: SimulatedPostmark, query: Record<string, string>) {
  return page(query, sim.state.senders, "SenderSignatures");
}
