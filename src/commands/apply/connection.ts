import { CliError } from "../../errors.js";
import type { FileConnection } from "../../core/connections-file.js";
import { smtpFromEnv } from "../../core/connections-file.js";
import type { ConnectionPlan } from "../../core/connection-plan.js";
import { DEFAULT_SMTP_PORT, defaultSmtpHost } from "../../core/inputs.js";
import type { MessageStream, Server } from "../../core/model.js";
import type { Resolved } from "../../connections/file.js";
import { readConnectionPlan } from "../../connections/read-plan.js";
import type { ServerApi } from "../../postmark/api.js";
import { streamWebhooksLink } from "../../postmark/links.js";
import { streamProblemError, unknownStreamError } from "../../postmark/lookup.js";
import { applyWebhookPlan, type AppliedPlan } from "../../postmark/webhook-writer.js";
import type { Runtime } from "../../runtime.js";
import { verifySmtp, type SmtpCredentials } from "../../smtp/verify.js";
import type { SavedConnection } from "../../store/config-store.js";
import { connectionRecord, smtpRecord } from "../../connections/saved.js";
import { shown } from "../../ui/terminal-safe.js";
import { smtpDisabledError } from "../setup/smtp-enabled.js";

/** One connection of the file through apply: planned as setup plans, its SMTP pair proved, then applied and saved. */

export interface ApplyEntry {
  connection: FileConnection;
  server?: Server;
  stream?: MessageStream;
  api?: ServerApi;
  plan?: ConnectionPlan;
  /** The key pair the file names, once proved by a handshake. */
  smtp?: SmtpCredentials;
  applied?: AppliedPlan;
  /** Why this connection failed; the others go on. */
  error?: CliError;
}

/** What Postmark has against what the file wants, and (unless --check) the SMTP pair proved, all before any change. */
export async function planEntry(
  runtime: Runtime,
  resolved: Resolved,
  { check, verify }: { check: boolean; verify: boolean },
): Promise<ApplyEntry> {
  const { connection } = resolved;
  if ("error" in resolved) return { connection, error: resolved.error };
  const { server, api } = resolved.target;
  const entry: ApplyEntry = { connection, server, api };
  try {
    const stream = await api
      .getStream(connection.stream)
      .catch(async (error) => Promise.reject(await unknownStreamError(api, connection.stream, error)));
    entry.stream = stream;
    const wanted = {
      region: connection.region,
      streamId: stream.ID,
      streamType: stream.MessageStreamType,
      needsSmtp: Boolean(connection.smtp),
      verifies: verify,
    };
    entry.plan = await readConnectionPlan(api, { server, stream }, wanted);
    const [problem] = entry.plan.problems;
    if (problem) throw problem.kind === "stream" ? streamProblemError(stream.ID, problem.problem) : smtpDisabledError(server);
    if (connection.smtp && !check) entry.smtp = await proveSmtp(runtime, { ...connection, smtp: connection.smtp }, stream);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    entry.error = error;
  }
  return entry;
}

async function proveSmtp(
  runtime: Runtime,
  connection: FileConnection & { smtp: NonNullable<FileConnection["smtp"]> },
  stream: MessageStream,
): Promise<SmtpCredentials> {
  const keys = smtpFromEnv(connection, runtime.env).keys!; // run.ts made sure of every variable before any request
  runtime.secrets.add(keys.secretKey);
  const credentials: SmtpCredentials = {
    host: connection.smtp.host ?? defaultSmtpHost(stream.MessageStreamType),
    port: connection.smtp.port ?? DEFAULT_SMTP_PORT,
    accessKey: keys.accessKey,
    secretKey: keys.secretKey,
  };
  await verifySmtp(credentials, runtime.smtp);
  return credentials;
}

/** Whether the entry changes anything in Postmark: what the one confirmation is about. */
export const changesPostmark = (entry: ApplyEntry) => !entry.error && entry.plan!.changesAnything;

/**
 * Applies one planned entry and saves it; saving goes through `save`, one at a time. Nothing is
 * written for an entry whose Postmark side and saved connection are already right.
 */
export async function applyEntry(
  runtime: Runtime,
  entry: ApplyEntry,
  verify: boolean,
  save: (connection: SavedConnection) => Promise<void>,
): Promise<ApplyEntry> {
  if (entry.error) return entry;
  const { server, stream, api, plan, connection } = entry as Required<Pick<ApplyEntry, "server" | "stream" | "api" | "plan">> & ApplyEntry;
  try {
    const desired = { region: connection.region, streamId: stream.ID, streamType: stream.MessageStreamType };
    if (plan.changesAnything) {
      entry.applied = await applyWebhookPlan(api, plan.webhooks, desired, {
        verify,
        alsoVerify: plan.verify,
        webhooksPage: shown(streamWebhooksLink(server, stream.ID)),
      });
    }
    const webhook = entry.applied?.webhook ?? (plan.webhooks.target.kind === "create" ? undefined : plan.webhooks.target.webhook);
    if (webhook) {
      const previous = await runtime.store.find(server.ID, stream.ID);
      const next = savedEntry(previous, { server, stream, region: connection.region, webhook }, entry.smtp);
      if (!previous || differs(previous, next)) await save(next);
    }
    const notRemoved = entry.applied?.notRemoved ?? [];
    if (notRemoved.length > 0) {
      entry.error = new CliError(
        "webhook_not_removed",
        `Saved with webhook ${webhook!.ID}, but could not delete webhook ${notRemoved.map(({ id }) => id).join(", ")}: ` +
          `${notRemoved[0]!.error.message} ` +
          `Until it is deleted, Customer.io counts events twice.`,
        { hint: `To finish: ${runtime.command("apply", "--yes")}` },
      );
    }
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    entry.error = error;
  }
  return entry;
}

/**
 * The saved connection after apply: what Postmark has now, never a secret from the file's variables
 * (they stay in the environment); a secret setup saved before is kept while it still belongs.
 */
function savedEntry(
  previous: SavedConnection | undefined,
  connection: Parameters<typeof connectionRecord>[0],
  smtp: SmtpCredentials | undefined,
): SavedConnection {
  const keptSecret = smtp && previous?.smtp?.accessKey === smtp.accessKey ? previous.smtp.secretKey : undefined;
  return connectionRecord(connection, {
    smtp: smtp ? smtpRecord(smtp, keptSecret) : (previous?.smtp ?? null),
    ...(previous?.serverToken ? { serverToken: previous.serverToken } : {}),
    provenNow: smtp !== undefined,
    previous,
  });
}

/** Whether saving would change anything but the times. */
function differs(previous: SavedConnection, next: SavedConnection): boolean {
  const { updatedAt: _a, verifiedAt: _b, ...before } = previous;
  const { updatedAt: _c, verifiedAt: _d, ...after } = next;
  return stable(before) !== stable(after);
}

/** JSON with every object's keys in order, so equal entries read the same whatever order they were written in. */
const stable = (value: unknown) =>
  JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "object" && item !== null && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort()) : item,
  );
