import { isUsableStream } from "../../core/connection-plan.js";
import { isConnectionOf, matchesServerRef, sameStreamId } from "../../core/matching.js";
import { CliError, usageError } from "../../errors.js";
import { accountApi, recogniseOtherKind, savedServerToken, serverApi, type SourcedToken } from "../../connections/clients.js";
import type { ServerApi } from "../../postmark/api.js";
import { TOKEN_HELP, TokenRejectedError, type TokenKind } from "../../postmark/errors.js";
import { serverLabel } from "../../postmark/links.js";
import { findServer } from "../../postmark/lookup.js";
import type { MessageStream, Server } from "../../core/model.js";
import type { Runtime } from "../../runtime.js";
import type { SavedConnection } from "../../store/config-store.js";
import { shown } from "../../ui/terminal-safe.js";
import { findSavedConnection, type GivenInputs } from "./context.js";
import { Tokens, askForToken } from "./token-prompt.js";
import { smtpDisabledWords } from "../../doctor/judge.js";

/**
 * Which server and stream setup works on, and with which tokens: from the environment, a saved
 * connection, or a person at the prompts. A person who pastes a wrong token is told so and asked
 * again; one who pastes the other kind of token is told which kind it is and carried on with it.
 */

export interface Target {
  api: ServerApi;
  serverToken: SourcedToken;
  /** Known before the read round when an account token or a prompt found it. */
  server?: Server;
  stream?: MessageStream;
  streamId: string;
  /** --server as given, to check against the server a server token belongs to. */
  serverRef?: string;
  /** Kept for offering sender signatures and a second stream. */
  accountToken?: SourcedToken;
}

export async function chooseTarget(runtime: Runtime, given: Readonly<GivenInputs>, saved: SavedConnection[]): Promise<Target> {
  const tokens = await tokensToUse(runtime, given, saved);
  for (const token of [tokens.account, tokens.server]) runtime.secrets.add(token?.value);

  let server = tokens.knownServer;
  let serverToken = tokens.server;
  let serverRef = given.serverRef;
  if (tokens.account && (given.serverRef || !serverToken)) {
    // The account token picks the server: from --server, or from the list.
    if (!server) server = await pickServer(runtime, tokens.account, given, tokens.servers);
    const first = server.ApiTokens[0];
    if (!first)
      throw new CliError("no_server_token", `Server ${serverLabel(server)} has no API token.`, {
        hint: "Create one under the server's API Tokens tab.",
      });
    serverToken = { value: first, source: `the API token of server ${shown(server.Name)}` };
    runtime.secrets.add(first);
    serverRef = undefined; // the server was found by it
  }
  const api = serverApi(runtime, serverToken!);
  const target = { api, serverToken: serverToken!, server, serverRef, accountToken: tokens.account };
  if (given.streamId) return { ...target, streamId: given.streamId };
  const stream = await pickStream(runtime, api, server, [], saved);
  return { ...target, server: server ?? stream.server, stream: stream.stream, streamId: stream.stream.ID };
}

/** The tokens from the environment, else the saved connection's server token, else a person's paste. */
async function tokensToUse(runtime: Runtime, given: Readonly<GivenInputs>, saved: SavedConnection[]): Promise<Tokens> {
  if (given.accountToken || given.serverToken) return { account: given.accountToken, server: given.serverToken };
  // setup --server ID (the pick-up command) has no stream yet: any saved connection of that server knows its token.
  const { serverRef } = given;
  const ofServer =
    serverRef === undefined ? undefined : saved.find((one) => one.serverToken && matchesServerRef(one.serverId, one.serverName, serverRef));
  const fromSaved = savedServerToken(findSavedConnection(saved, given) ?? ofServer);
  return fromSaved ? { server: fromSaved } : askForToken(runtime, given.serverRef);
}

/**
 * The account's server by --server, or a person's choice from the list (also when --server matched
 * nothing). A server with SMTP disabled is marked in the list; picked, it is explained and the
 * person picks again (unless --skip-smtp, which needs no SMTP).
 */
async function pickServer(
  runtime: Runtime,
  account: SourcedToken,
  { serverRef, skipSmtp }: GivenInputs,
  listed: Server[] | undefined,
): Promise<Server> {
  const { output, prompter } = runtime;
  const api = accountApi(runtime, account);
  if (serverRef) {
    try {
      return await findServer(api, serverRef);
    } catch (error) {
      if (!(runtime.interactive && error instanceof CliError && error.code === "unknown_server")) throw error;
      output.failure(`${error.message} ${error.hint ?? ""}`.trim());
    }
  }
  const servers = listed ?? (await output.step("Listing your Postmark servers", () => api.listServers()));
  if (servers.length === 0)
    throw new CliError("no_servers", "This Postmark account has no servers.", { hint: "Create a server in Postmark first." });
  const choices = servers.map((candidate) => ({
    value: candidate,
    name: candidate.SmtpApiActivated || skipSmtp ? candidate.Name : `${candidate.Name} (SMTP disabled)`,
    description: `ID ${candidate.ID}`,
  }));
  for (;;) {
    const server =
      servers.length > 10 ? await prompter.search("Server (type to filter):", choices) : await prompter.select("Server:", choices);
    if (server.SmtpApiActivated || skipSmtp) return server;
    const [message, fix] = smtpDisabledWords(server);
    output.failure(`${message} ${fix.replace(/\.$/, "")}, or pick another server.`);
  }
}

/**
 * A person's choice among the usable streams (transactional or broadcast, not archived), less those
 * in `exclude`; those connected before are marked. The only usable stream is taken without asking.
 */
export async function pickStream(
  runtime: Runtime,
  api: ServerApi,
  known: Server | undefined,
  exclude: string[],
  saved: SavedConnection[] = [],
): Promise<{ stream: MessageStream; server: Server }> {
  const [streams, server] = await runtime.output.step("Reading the message streams", () =>
    Promise.all([api.listStreams(), known ? Promise.resolve(known) : api.getServer()]),
  );
  const usable = usableStreams(streams).filter((stream) => !exclude.some((id) => sameStreamId(id, stream.ID)));
  if (usable.length === 0) {
    throw new CliError(
      "no_usable_streams",
      `Server ${serverLabel(server)} has no ${exclude.length ? "other " : ""}transactional or broadcast stream.`,
      {
        hint: "Create one in Postmark, then run setup again.",
      },
    );
  }
  const { output } = runtime;
  const [only] = usable;
  if (usable.length === 1) {
    output.info(
      `Using stream "${shown(only!.ID)}" (${only!.MessageStreamType}): the only one of ${serverLabel(server)} that Customer.io can ` +
        `send through.`,
    );
    return { stream: only!, server };
  }
  const connectedBefore = (stream: MessageStream) => {
    const connection = saved.find((one) => isConnectionOf(one, server.ID, stream.ID));
    return connection ? `, connected (region ${connection.region.toUpperCase()})` : "";
  };
  output.info("Customer.io sends through the stream you pick:");
  output.info(
    `  ${output.symbols.bullet} transactional: one message to one person, triggered by what they did (receipts, password resets)`,
  );
  output.info(`  ${output.symbols.bullet} broadcasts: one message to many (newsletters, campaigns)`);
  const stream = await runtime.prompter.select(
    "Message stream:",
    usable.map((candidate) => ({
      value: candidate,
      name: `${candidate.Name} (${candidate.ID})${connectedBefore(candidate)}`,
      description: STREAM_PURPOSE[candidate.MessageStreamType],
    })),
  );
  return { stream, server };
}

const STREAM_PURPOSE: Record<MessageStream["MessageStreamType"], string> = {
  Transactional: "Transactional: one message to one person",
  Broadcasts: "Broadcasts: one message to many",
  Inbound: "Inbound",
};

export function usableStreams(streams: MessageStream[]): MessageStream[] {
  return streams.filter(isUsableStream);
}

/**
 * In a scripted run, a token Postmark rejected may be the other kind, put in the wrong variable:
 * say so (exit 2), naming the variable it belongs in. Only after a rejection: a correct run makes
 * no extra request.
 */
export async function explainRejectedToken(runtime: Runtime, error: unknown, given: Readonly<GivenInputs>): Promise<unknown> {
  if (!(error instanceof TokenRejectedError)) return error;
  const token = error.tokenKind === "account" ? given.accountToken : given.serverToken;
  if (!token || token.source !== TOKEN_HELP[error.tokenKind].env) return error;
  const other = await recogniseOtherKind(runtime, token, error.tokenKind).catch(() => undefined);
  if (!other) return error;
  const otherKind: TokenKind = other === "account" ? "account" : "server";
  const whose = other === "account" ? "" : ` of server ${serverLabel(other)}`;
  return usageError(
    "token_wrong_kind",
    `${token.source} holds the ${TOKEN_HELP[otherKind].name}${whose}, not ${error.tokenKind === "account" ? "an" : "a"} ` +
      `${TOKEN_HELP[error.tokenKind].name}.`,
    `Set it as ${TOKEN_HELP[otherKind].env} instead, and unset ${token.source}.`,
  );
}
