import { CliError } from "../../errors.js";
import { secretProblem } from "../../core/inputs.js";
import { accountApi, PASTED, recogniseOtherKind, serverApi, type SourcedToken } from "../../connections/clients.js";
import { TOKEN_HELP, TokenRejectedError, type TokenKind } from "../../postmark/errors.js";
import { serverLabel } from "../../postmark/links.js";
import { findServer } from "../../postmark/lookup.js";
import type { Server } from "../../core/model.js";
import { plural } from "../../core/words.js";
import type { Runtime } from "../../runtime.js";
import { SANDBOX_CREDENTIALS, SANDBOX_SENDER, SANDBOX_SMTP_TOKENS } from "../../sandbox/credentials.js";
import { required } from "../../ui/prompts.js";

/** The Postmark token a person pastes: up to three tries, each checked by the request the run needs anyway. */

/** The token prompt, up to three tries, each token checked at once (by the request the run needs anyway). */
export async function askForToken(runtime: Runtime, serverRef: string | undefined): Promise<Tokens> {
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
          const found = await checkToken(runtime, kind, token, serverRef);
          // As gh says who you are: the server the token belongs to, or what the account holds.
          if (found.knownServer) update(`Postmark took the server token of ${serverLabel(found.knownServer)}`);
          else if (found.servers) update(`Postmark took the account token: ${plural(found.servers.length, "server")}`);
          return found;
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
export async function checkToken(runtime: Runtime, kind: TokenKind, token: SourcedToken, serverRef: string | undefined): Promise<Tokens> {
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

export function tokenValidator(value: string): true | string {
  const empty = required("token")(value);
  if (empty !== true) return empty;
  const problem = secretProblem(value.trim());
  return problem ? `This token ${problem}.` : true;
}

export function showSandboxCredentials(runtime: Runtime): void {
  const { output } = runtime;
  // One value a line, each under its label: it reads the same on a 50-column screen as on a wide one.
  const { bullet } = output.symbols;
  output.info(output.style.bold("Sandbox: a simulated Postmark account and Customer.io workspace. Paste these when asked:"));
  output.info(`  ${bullet} account token: ${SANDBOX_CREDENTIALS.accountToken}`);
  output.info(`  ${bullet} server token of Acme Production: ${SANDBOX_CREDENTIALS.serverToken}`);
  output.info(`  ${bullet} SMTP tokens (each works for its own stream only):`);
  for (const token of SANDBOX_SMTP_TOKENS) {
    output.info(`      ${token.server} / ${token.stream}:`);
    output.info(`        Access Key ${token.accessKey}`);
    output.info(`        Secret Key ${token.secretKey}`);
  }
  output.info(`  ${bullet} sender for the test message: ${SANDBOX_SENDER}`);
  output.info(`  ${bullet} Customer.io App API key, for the last proof:`);
  output.info(`      ${SANDBOX_CREDENTIALS.customerioKey} (workspace Acme: stream outbound)`);
  output.info(`      ${SANDBOX_CREDENTIALS.customerioBroadcastKey} (workspace Acme Newsletters: stream broadcast)`);
  output.info();
}

/** What the tokens are known to give before the read round. */
export interface Tokens {
  account?: SourcedToken;
  server?: SourcedToken;
  /** The server, when a check of the token already read it. */
  knownServer?: Server;
  /** The account's servers, when a check of the token already listed them. */
  servers?: Server[];
}

export const TOKEN_TRIES = 3;
