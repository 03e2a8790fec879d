import { CliError, ExitCode } from "../errors.js";
import { readSecretEnv } from "../core/inputs.js";
import { AccountApi } from "../postmark/account-api.js";
import { ServerApi } from "../postmark/api.js";
import { TokenRejectedError, TOKEN_HELP, type TokenKind } from "../postmark/errors.js";
import type { Server } from "../core/model.js";
import type { Runtime } from "../runtime.js";
import type { SavedConnection } from "../store/config-store.js";
import { describeConnection, secretHome } from "./saved.js";

/** Postmark clients made from tokens, shared by the commands and doctor. */

/** A token and where it came from, so every message about it names the real source. */
export interface SourcedToken {
  value: string;
  /** "POSTMARK_SERVER_TOKEN", "the token you pasted", "the saved connection …". */
  source: string;
}

export const PASTED = "the token you pasted";

export function accountApi(runtime: Runtime, token: SourcedToken): AccountApi {
  return new AccountApi(token.value, runtime.postmark(), token.source);
}

export function serverApi(runtime: Runtime, token: SourcedToken): ServerApi {
  return new ServerApi(token.value, runtime.postmark(), token.source);
}

/** A token from the environment, validated, with its variable as its source. */
export function envToken(env: NodeJS.ProcessEnv, kind: TokenKind): SourcedToken | undefined {
  const name = TOKEN_HELP[kind].env;
  const value = readSecretEnv(env, name);
  return value === undefined ? undefined : { value, source: name };
}

/** The server token saved with a connection, named as such in any message about it. */
export function savedServerToken(connection: SavedConnection | undefined): SourcedToken | undefined {
  return connection?.serverToken
    ? { value: connection.serverToken, source: `the server token saved with ${describeConnection(connection)}` }
    : undefined;
}

/** A connection's server token: the saved one, else POSTMARK_SERVER_TOKEN, else looked up with POSTMARK_ACCOUNT_TOKEN. */
export async function serverTokenFor(runtime: Runtime, connection: SavedConnection): Promise<SourcedToken> {
  const saved = savedServerToken(connection);
  if (saved) return saved;
  const fromEnv = envToken(runtime.env, "server");
  if (fromEnv) return fromEnv;
  const accountToken = envToken(runtime.env, "account");
  if (accountToken) {
    const server = await accountApi(runtime, accountToken).getServer(connection.serverId);
    const found = server.ApiTokens[0];
    runtime.secrets.add(found);
    if (found) return { value: found, source: `the first API token of server ${connection.serverName}` };
  }
  throw new CliError(
    "missing_server_token",
    `No server token for ${describeConnection(connection)}: it is ${secretHome(connection, "server token")}.`,
    {
      exitCode: ExitCode.usage,
      hint: "Set POSTMARK_SERVER_TOKEN (or POSTMARK_ACCOUNT_TOKEN) and run again.",
    },
  );
}

/**
 * After Postmark rejected a token as one kind, one request tells whether it is the other kind:
 * the likeliest first mistake. Answers the server for a server token, or "account".
 */
export async function recogniseOtherKind(
  runtime: Runtime,
  token: SourcedToken,
  rejectedAs: TokenKind,
): Promise<Server | "account" | undefined> {
  try {
    if (rejectedAs === "account") return await serverApi(runtime, token).getServer();
    await accountApi(runtime, token).accepted();
    return "account";
  } catch (error) {
    if (error instanceof TokenRejectedError) return undefined;
    throw error;
  }
}
