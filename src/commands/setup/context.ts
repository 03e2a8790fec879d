import { usageError } from "../../errors.js";
import {
  MAX_SECRET_LENGTH,
  parseRegion,
  parseServerRef,
  parseSmtpHost,
  parseSmtpPort,
  parseStreamId,
  readSecretEnv,
  secretProblem,
} from "../../core/inputs.js";
import { type Region } from "../../core/regions.js";
import { givenAddresses } from "../../core/send-test.js";
import { matchesServerRef, sameStreamId } from "../../core/matching.js";
import type { Server } from "../../core/model.js";
import { envToken, type SourcedToken } from "../../connections/clients.js";
import type { Runtime } from "../../runtime.js";
import type { SavedConnection } from "../../store/config-store.js";
import { workspaceFromKey } from "./region.js";
import { Sitting } from "./sitting.js";
import type { SetupOptions } from "./options.js";

/** setup's inputs, in the contract's order: flag, then environment, then saved config, then a prompt. */

/** What flags and environment give, validated; prompts and saved config fill the rest later. */
export interface GivenInputs {
  serverRef?: string;
  streamId?: string;
  region?: Region;
  smtpHost?: string;
  smtpPort?: number;
  accessKey?: string;
  secretKey?: string;
  accountToken?: SourcedToken;
  serverToken?: SourcedToken;
  sendTest: boolean;
  from?: string;
  to: string;
  /** --skip-smtp: a server with SMTP disabled can still get its webhook. */
  skipSmtp: boolean;
  /** --dry-run: the plan only; nothing is proven by sending, changed or saved. */
  dryRun: boolean;
  /** False with --no-verify-webhook: Postmark saves the webhook without calling Customer.io first. */
  verifies: boolean;
  /** Whether the SMTP Secret Key and server token are saved (not with --no-store-secrets, nor in a dry run). */
  storeSecrets: boolean;
  /** --yes: the changes that need a yes have it. */
  yes: boolean;
  /** What the sitting learns as it goes; the inputs themselves never change once read. */
  sitting: Sitting;
}

/** setup's inputs, validated and resolved once (the key's region included), and the connections saved before it. */
export interface SetupContext {
  given: Readonly<GivenInputs>;
  saved: SavedConnection[];
}

/**
 * The context every step reads, resolved once: every flag and variable validated before the first
 * prompt or request, what a scripted run lacks named at once, then (after the wizard's opening)
 * the region a Customer.io key decides.
 */
export async function resolveSetupContext(runtime: Runtime, options: SetupOptions, showOpening: () => void): Promise<SetupContext> {
  const given = await readGivenInputs(runtime, options);
  const saved = await runtime.store.list();
  if (!runtime.interactive) assertNothingMissing(given, findSavedConnection(saved, given));
  if (runtime.interactive && !runtime.sandbox) showOpening();
  const workspace = await workspaceFromKey(runtime, given);
  return { given: Object.freeze({ ...given, region: workspace?.region ?? given.region }), saved };
}

/** Every flag and variable, validated before the first prompt or request. */
async function readGivenInputs(runtime: Runtime, options: SetupOptions): Promise<GivenInputs> {
  const { env } = runtime;
  if (options.smtpAccessKey !== undefined && options.smtpAccessKey.trim() === "") {
    throw usageError("empty_access_key", "--smtp-access-key is empty.");
  }
  if (options.skipSmtp && options.sendTest)
    throw usageError("send_test_without_smtp", "--send-test needs the SMTP token that --skip-smtp leaves out.", "Drop one of the two.");
  if (options.dryRun && options.sendTest) {
    throw usageError(
      "send_test_dry_run",
      "--dry-run changes and sends nothing, but --send-test sends a real message.",
      "Drop --send-test to see the plan, or --dry-run to send the test message.",
    );
  }
  runtime.postmark(); // POSTMARK_API_URL, checked now rather than at the first request
  const given: Readonly<GivenInputs> = {
    serverRef: parseServerRef(options.server),
    streamId: parseStreamId(options.stream),
    region: parseRegion(options.region),
    smtpHost: parseSmtpHost(options.smtpHost),
    smtpPort: parseSmtpPort(options.smtpPort),
    accessKey: options.smtpAccessKey?.trim() || env.POSTMARK_SMTP_ACCESS_KEY?.trim() || undefined,
    secretKey: options.smtpSecretStdin ? await readSecretFromStdin(runtime) : readSecretEnv(env, "POSTMARK_SMTP_SECRET_KEY"),
    accountToken: envToken(env, "account"),
    serverToken: envToken(env, "server"),
    sendTest: Boolean(options.sendTest),
    ...givenAddresses(options),
    skipSmtp: Boolean(options.skipSmtp),
    dryRun: Boolean(options.dryRun),
    verifies: options.verifyWebhook !== false,
    storeSecrets: !options.dryRun && options.storeSecrets !== false,
    yes: Boolean(options.yes),
    sitting: new Sitting(readSecretEnv(env, "CUSTOMERIO_APP_API_KEY", "Customer.io")),
  };
  runtime.secrets.add(given.secretKey);
  const { customerioKey } = given.sitting;
  if (customerioKey) runtime.customerio(customerioKey); // its hosts, checked now too
  return given;
}

async function readSecretFromStdin(runtime: Runtime): Promise<string> {
  // Waiting on a terminal would echo the key as it is typed, with no prompt saying what is wanted.
  if (runtime.io.stdin.isTTY) {
    throw usageError(
      "stdin_is_terminal",
      "stdin is a terminal: pipe the Secret Key in, or leave out --smtp-secret-stdin to be asked (masked).",
      "For example: --smtp-secret-stdin < secret.txt",
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of runtime.io.stdin) {
    const buffer = Buffer.from(chunk as Buffer);
    size += buffer.length;
    if (size > MAX_SECRET_LENGTH + 2)
      throw usageError(
        "invalid_secret",
        `--smtp-secret-stdin read more than ${MAX_SECRET_LENGTH} bytes: that is not a Secret Key.`,
        "Pipe in only the Secret Key: --smtp-secret-stdin < secret.txt",
      );
    chunks.push(buffer);
  }
  // A trailing line break (echo, a file saved by an editor) is not part of the key.
  const secret = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/[\r\n]+$/, "")
    .trim();
  if (secret === "")
    throw usageError(
      "empty_secret",
      "--smtp-secret-stdin read nothing from standard input.",
      "Pipe the Secret Key in: --smtp-secret-stdin < secret.txt",
    );
  const problem = secretProblem(secret);
  if (problem)
    throw usageError(
      "invalid_secret",
      `The Secret Key read by --smtp-secret-stdin ${problem}.`,
      "Pipe in only the Secret Key, on one line: --smtp-secret-stdin < secret.txt",
    );
  return secret;
}

/**
 * The saved connection a run refers to: on the server once it is known, else the one --server names
 * or (a server token belongs to one server) the one saved with the same token; none without a stream.
 */
export function findSavedConnection(
  saved: SavedConnection[],
  { serverRef, serverToken, streamId }: Pick<GivenInputs, "serverRef" | "serverToken" | "streamId">,
  server?: Pick<Server, "ID">,
): SavedConnection | undefined {
  if (!streamId) return undefined;
  return saved.find(
    (connection) =>
      sameStreamId(connection.streamId, streamId) &&
      (server
        ? connection.serverId === server.ID
        : serverRef
          ? matchesServerRef(connection.serverId, connection.serverName, serverRef)
          : serverToken !== undefined && connection.serverToken === serverToken.value),
  );
}

/** A scripted run never waits: every value it lacks is named at once. */
function assertNothingMissing(given: Readonly<GivenInputs>, saved: SavedConnection | undefined): void {
  const missing: string[] = [];
  const serverToken = given.serverToken ?? saved?.serverToken;
  if (!given.accountToken && !serverToken) missing.push("POSTMARK_SERVER_TOKEN or POSTMARK_ACCOUNT_TOKEN (env)");
  if (given.accountToken && !serverToken && !given.serverRef) missing.push("--server <id-or-name>");
  if (!given.streamId) missing.push("--stream <id>");
  if (!given.region && !saved?.region && !given.sitting.customerioKey)
    missing.push("--region <us|eu> (or CUSTOMERIO_APP_API_KEY, which knows it)");
  if (!given.skipSmtp) {
    if (!given.accessKey && !saved?.smtp?.accessKey) missing.push("--smtp-access-key <key> (or POSTMARK_SMTP_ACCESS_KEY)");
    if (!given.secretKey && !saved?.smtp?.secretKey) missing.push("POSTMARK_SMTP_SECRET_KEY (env, or --smtp-secret-stdin)");
  }
  if (given.sendTest && !given.from) missing.push("--from <address> (the sender of --send-test's message)");
  if (missing.length === 0) return;
  throw usageError(
    "missing_input",
    `Missing input, and this run cannot prompt:\n  ${missing.join("\n  ")}`,
    "Pass the flags and environment variables above (see --help), or run in a terminal without --no-input/--json/CI to be asked.",
  );
}
