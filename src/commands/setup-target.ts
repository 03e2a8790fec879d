import { CliError, usageError } from "../errors.js";
import { secretProblem } from "../core/inputs.js";
import { accountApi, PASTED, recogniseOtherKind, savedServerToken, serverApi, type SourcedToken } from "../connections/clients.js";
import type { ServerApi } from "../postmark/api.js";
import { TOKEN_HELP, TokenRejectedError, type TokenKind } from "../postmark/errors.js";
import { serverLabel } from "../postmark/links.js";
import { findServer } from "../postmark/lookup.js";
import type { MessageStream, Server } from "../postmark/types.js";
import type { Runtime } from "../runtime.js";
import { SANDBOX_CREDENTIALS, SANDBOX_SENDER, SANDBOX_SMTP_TOKENS } from "../sandbox/credentials.js";
import type { SavedConnection } from "../store/config-store.js";
import { required } from "../ui/prompts.js";
import { shown } from "../ui/terminal-safe.js";
import { findSavedConnection, type GivenInputs } from "./setup-inputs.js";
import { smtpDisabled } from "./setup-smtp.js";

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

/** What the tokens are known to give before the read round. */
interface Tokens {
  account?: SourcedToken;
  server?: SourcedToken;
  /** The server, when a check of the token already read it. */
  knownServer?: Server;
  /** The account's servers, when a check of the token already listed them. */
  servers?: Server[];
}

const TOKEN_TRIES = 3;

export async function chooseTarget(runtime: Runtime, given: GivenInputs, saved: SavedConnection[]): Promise<Target> {
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
  const stream = await pickStream(runtime, api, server, []);
  return { ...target, server: server ?? stream.server, stream: stream.stream, streamId: stream.stream.ID };
}

/** The tokens from the environment, else the saved connection's server token, else a person's paste. */
async function tokensToUse(runtime: Runtime, given: GivenInputs, saved: SavedConnection[]): Promise<Tokens> {
  if (given.accountToken || given.serverToken) return { account: given.accountToken, server: given.serverToken };
  const fromSaved = savedServerToken(findSavedConnection(saved, given));
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
      if (!(prompter.interactive && error instanceof CliError && error.code === "unknown_server")) throw error;
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
    const { message, link } = smtpDisabled(server);
    output.failure(`${message} Turn it on in Postmark at ${link} (Settings > SMTP), or pick another server.`);
  }
}

/** A person's choice among the usable streams (transactional or broadcast, not archived), less those in `exclude`. */
export async function pickStream(
  runtime: Runtime,
  api: ServerApi,
  known: Server | undefined,
  exclude: string[],
): Promise<{ stream: MessageStream; server: Server }> {
  const [streams, server] = await runtime.output.step("Reading the message streams", () =>
    Promise.all([api.listStreams(), known ? Promise.resolve(known) : api.getServer()]),
  );
  const usable = usableStreams(streams).filter((stream) => !exclude.some((id) => id.toLowerCase() === stream.ID.toLowerCase()));
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
  output.info("Customer.io sends through the stream you pick:");
  output.info(
    `  ${output.symbols.bullet} transactional: one message to one person, triggered by what they did (receipts, password resets)`,
  );
  output.info(`  ${output.symbols.bullet} broadcasts: one message to many (newsletters, campaigns)`);
  const stream = await runtime.prompter.select(
    "Message stream:",
    usable.map((candidate) => ({
      value: candidate,
      name: `${candidate.Name} (${candidate.ID})`,
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
  return streams.filter((stream) => stream.MessageStreamType !== "Inbound" && !stream.ArchivedAt);
}

/** The token prompt, up to three tries, each token checked at once (by the request the run needs anyway). */
async function askForToken(runtime: Runtime, serverRef: string | undefined): Promise<Tokens> {
  const { prompter, output } = runtime;
  if (runtime.sandbox) showSandboxCredentials(runtime);
  const kind = await prompter.select<TokenKind>("Which Postmark token will you use?", [
    { value: "account", name: "Account token", description: "Lists all your servers (Account > API Tokens)" },
    { value: "server", name: "Server token", description: "One server (Servers > your server > API Tokens)" },
  ]);
  const name = TOKEN_HELP[kind].name;
  for (let attempt = 1; ; attempt++) {
    const value = await prompter.password(`${name[0]!.toUpperCase()}${name.slice(1)}:`, { validate: tokenValidator });
    const token = { value, source: PASTED };
    try {
      // One step: a token of the other kind is recognised and used, shown as handled rather than as a failure.
      return await output.step(`Checking the ${name}`, async (update) => {
        try {
          return await checkToken(runtime, kind, token, serverRef);
        } catch (error) {
          if (!(error instanceof TokenRejectedError)) throw error;
          const other = await recogniseOtherKind(runtime, token, kind);
          if (!other) throw error;
          if (other === "account") {
            update("That is an account token, not a server token: carrying on with it", "note");
            return checkToken(runtime, "account", token, serverRef);
          }
          update(`That is the server token of ${serverLabel(other)}, not an account token: carrying on with it`, "note");
          return { server: token, knownServer: other };
        }
      });
    } catch (error) {
      if (!(error instanceof TokenRejectedError)) throw error;
      if (attempt >= TOKEN_TRIES) {
        throw new CliError("postmark_unauthorized", `Postmark rejected the ${name} ${TOKEN_TRIES} times.`, {
          hint: `Copy the ${name} from ${TOKEN_HELP[kind].where}, then run setup again. Nothing was changed.`,
        });
      }
      output.failure(`Postmark rejected that ${name}. Paste it again (try ${attempt + 1} of ${TOKEN_TRIES}), or press Ctrl-C to stop.`);
    }
  }
}

/** Checks a pasted token with the first request the run makes with it, and keeps what that request read. */
async function checkToken(runtime: Runtime, kind: TokenKind, token: SourcedToken, serverRef: string | undefined): Promise<Tokens> {
  if (kind === "server") return { server: token, knownServer: await serverApi(runtime, token).getServer() };
  const api = accountApi(runtime, token);
  if (serverRef) {
    try {
      return { account: token, knownServer: await findServer(api, serverRef) };
    } catch (error) {
      // The token is good; the name is judged again where a person can pick from the list.
      if (error instanceof CliError && error.code === "unknown_server") return { account: token };
      throw error;
    }
  }
  return { account: token, servers: await api.listServers() };
}

function tokenValidator(value: string): true | string {
  const empty = required("token")(value);
  if (empty !== true) return empty;
  const problem = secretProblem(value.trim());
  return problem ? `This token ${problem}.` : true;
}

function showSandboxCredentials(runtime: Runtime): void {
  const { output } = runtime;
  output.info(output.style.bold("Sandbox: a simulated Postmark account. Paste these when asked:"));
  output.info(`  account token  ${SANDBOX_CREDENTIALS.accountToken}`);
  output.info(`  server token   ${SANDBOX_CREDENTIALS.serverToken}  (server "Acme Production")`);
  output.info("  SMTP tokens, Access Key / Secret Key (each works for its own stream only):");
  for (const token of SANDBOX_SMTP_TOKENS) {
    output.info(`    ${`${token.server} / ${token.stream}`.padEnd(28)} ${token.accessKey} / ${token.secretKey}`);
  }
  output.info(`  sender for the test message  ${SANDBOX_SENDER}`);
  output.info();
}

/**
 * In a scripted run, a token Postmark rejected may be the other kind, put in the wrong variable:
 * say so (exit 2), naming the variable it belongs in. Only after a rejection: a correct run makes
 * no extra request.
 */
export async function explainRejectedToken(runtime: Runtime, error: unknown, given: GivenInputs): Promise<unknown> {
  if (!(error instanceof TokenRejectedError)) return error;
  const token = error.tokenKind === "account" ? given.accountToken : given.serverToken;
  if (!token || token.source !== TOKEN_HELP[error.tokenKind].env) return error;
  const other = await recogniseOtherKind(runtime, token, error.tokenKind).catch(() => undefined);
  if (!other) return error;
  const otherKind: TokenKind = other === "account" ? "account" : "server";
  const whose = other === "account" ? "" : ` of server ${serverLabel(other)}`;
  return usageError(
    "token_wrong_kind",
    `${token.source} holds the ${TOKEN_HELP[otherKind].name}${whose}, not ${error.tokenKind === "account" ? "an" : "a"} ${TOKEN_HELP[error.tokenKind].name}.`,
    `Set it as ${TOKEN_HELP[otherKind].env} instead, and unset ${token.source}.`,
  );
}
