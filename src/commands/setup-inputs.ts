import { usageError } from "../errors.js";
import {
  parseRegion,
  parseServerRef,
  parseSmtpHost,
  parseSmtpPort,
  parseStreamId,
  readSecretEnv,
} from "../core/inputs.js";
import { REGION_WEBHOOK_URLS, type Region } from "../core/regions.js";
import type { GlobalOptions, Runtime } from "../runtime.js";
import type { SavedConnection } from "../store/config-store.js";
import { required } from "../ui/prompts.js";
import { SANDBOX_CREDENTIALS } from "../sandbox/credentials.js";

/** setup's inputs, in the contract's order: flag, then environment, then saved config, then a prompt. */

export interface SetupOptions extends GlobalOptions {
  server?: string;
  stream?: string;
  region?: string;
  smtpAccessKey?: string;
  smtpSecretStdin?: boolean;
  smtpHost?: string;
  smtpPort?: string;
  skipSmtp?: boolean;
  storeSecrets?: boolean;
  dryRun?: boolean;
  yes?: boolean;
}

/** What flags and environment give, validated; prompts and saved config fill the rest later. */
export interface GivenInputs {
  serverRef?: string;
  streamId?: string;
  region?: Region;
  smtpHost?: string;
  smtpPort?: number;
  accessKey?: string;
  secretKey?: string;
  accountToken?: string;
  serverToken?: string;
}

export async function readGivenInputs(runtime: Runtime, options: SetupOptions): Promise<GivenInputs> {
  const { env } = runtime;
  if (options.smtpAccessKey !== undefined && options.smtpAccessKey.trim() === "") {
    throw usageError("empty_access_key", "--smtp-access-key is empty.");
  }
  const given: GivenInputs = {
    serverRef: parseServerRef(options.server),
    streamId: parseStreamId(options.stream),
    region: parseRegion(options.region),
    smtpHost: parseSmtpHost(options.smtpHost),
    smtpPort: parseSmtpPort(options.smtpPort),
    accessKey: options.smtpAccessKey?.trim() || env.POSTMARK_SMTP_ACCESS_KEY?.trim() || undefined,
    secretKey: options.smtpSecretStdin ? await readSecretFromStdin(runtime) : readSecretEnv(env, "POSTMARK_SMTP_SECRET_KEY"),
    accountToken: readSecretEnv(env, "POSTMARK_ACCOUNT_TOKEN"),
    serverToken: readSecretEnv(env, "POSTMARK_SERVER_TOKEN"),
  };
  runtime.secrets.add(given.secretKey);
  return given;
}

async function readSecretFromStdin(runtime: Runtime): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of runtime.io.stdin) chunks.push(Buffer.from(chunk as Buffer));
  const secret = Buffer.concat(chunks).toString("utf8").trim();
  if (secret === "") throw usageError("empty_secret", "--smtp-secret-stdin read nothing from standard input.", "Pipe the Secret Key in: --smtp-secret-stdin < secret.txt");
  return secret;
}

/** The saved connection a run refers to, when flags or the server token say which. */
export function findSavedConnection(saved: SavedConnection[], given: GivenInputs): SavedConnection | undefined {
  const { serverRef, serverToken, streamId } = given;
  if (!streamId) return undefined;
  return saved.find(
    (connection) =>
      connection.streamId.toLowerCase() === streamId.toLowerCase() &&
      (serverRef ? String(connection.serverId) === serverRef || connection.serverName === serverRef : connection.serverToken === serverToken && serverToken !== undefined),
  );
}

/** A scripted run never waits: every value it lacks is named at once. */
export function assertNothingMissing(given: GivenInputs, saved: SavedConnection | undefined, skipSmtp: boolean): void {
  const missing: string[] = [];
  const serverToken = given.serverToken ?? saved?.serverToken;
  if (!given.accountToken && !serverToken) missing.push("POSTMARK_SERVER_TOKEN or POSTMARK_ACCOUNT_TOKEN (env)");
  if (given.accountToken && !serverToken && !given.serverRef) missing.push("--server <id-or-name>");
  if (!given.streamId) missing.push("--stream <id>");
  if (!given.region && !saved?.region) missing.push("--region <us|eu>");
  if (!skipSmtp) {
    if (!given.accessKey && !saved?.smtp?.accessKey) missing.push("--smtp-access-key <key> (or POSTMARK_SMTP_ACCESS_KEY)");
    if (!given.secretKey && !saved?.smtp?.secretKey) missing.push("POSTMARK_SMTP_SECRET_KEY (env, or --smtp-secret-stdin)");
  }
  if (missing.length === 0) return;
  throw usageError(
    "missing_input",
    `Missing input, and this run cannot prompt:\n  ${missing.join("\n  ")}`,
    "Pass the flags and environment variables above (see --help), or run in a terminal without --no-input/--json/CI to be asked.",
  );
}

export async function promptToken(runtime: Runtime): Promise<{ accountToken?: string; serverToken?: string }> {
  const { prompter, output } = runtime;
  if (runtime.sandbox) {
    output.info(output.style.bold("Sandbox: a simulated Postmark account. Paste these when asked:"));
    output.info(`  account token  ${SANDBOX_CREDENTIALS.accountToken}`);
    output.info(`  server token   ${SANDBOX_CREDENTIALS.serverToken}  (server "Acme Production")`);
    output.info(`  SMTP Access Key ${SANDBOX_CREDENTIALS.accessKey}   Secret Key ${SANDBOX_CREDENTIALS.secretKey}`);
    output.info();
  }
  const kind = await prompter.select("Which Postmark token will you use?", [
    { value: "account" as const, name: "Account token", description: "Lists all your servers (Account > API Tokens)" },
    { value: "server" as const, name: "Server token", description: "One server (Servers > your server > API Tokens)" },
  ]);
  const token = await prompter.password(kind === "account" ? "Account token:" : "Server token:", { validate: required("token") });
  return kind === "account" ? { accountToken: token } : { serverToken: token };
}

export async function promptRegion(runtime: Runtime): Promise<Region> {
  return runtime.prompter.select("Which Customer.io region is your account in?", [
    { value: "us" as const, name: "US", description: REGION_WEBHOOK_URLS.us },
    { value: "eu" as const, name: "EU", description: REGION_WEBHOOK_URLS.eu },
  ]);
}
