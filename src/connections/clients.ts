import { CliError } from "../errors.js";
import { readSecretEnv } from "../core/inputs.js";
import { AccountApi, ServerApi } from "../postmark/api.js";
import type { Runtime } from "../runtime.js";
import type { SavedConnection } from "../store/config-store.js";
import { describeConnection } from "./saved.js";

/** Postmark clients made from tokens, shared by the commands and doctor. */

export function accountApi(runtime: Runtime, token: string): AccountApi {
  return new AccountApi(token, runtime.postmark());
}

export function serverApi(runtime: Runtime, token: string): ServerApi {
  return new ServerApi(token, runtime.postmark());
}

/** A connection's server token: the saved one, else POSTMARK_SERVER_TOKEN, else looked up with POSTMARK_ACCOUNT_TOKEN. */
export async function serverTokenFor(runtime: Runtime, connection: SavedConnection): Promise<string> {
  const token = connection.serverToken ?? readSecretEnv(runtime.env, "POSTMARK_SERVER_TOKEN");
  if (token) return token;
  const accountToken = readSecretEnv(runtime.env, "POSTMARK_ACCOUNT_TOKEN");
  if (accountToken) {
    const server = await accountApi(runtime, accountToken).getServer(connection.serverId);
    const found = server.ApiTokens[0];
    runtime.secrets.add(found);
    if (found) return found;
  }
  throw new CliError("missing_server_token", `No server token for ${describeConnection(connection)}: it was saved with --no-store-secrets.`, {
    exitCode: 2,
    hint: "Set POSTMARK_SERVER_TOKEN (or POSTMARK_ACCOUNT_TOKEN) and run again.",
  });
}
