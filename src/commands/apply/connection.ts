import { CliError } from "../../errors.js";
import type { FileConnection } from "../../core/connections-file.js";
import { smtpFromEnv } from "../../core/connections-file.js";
import type { ConnectionPlan, WantedConnection } from "../../core/connection-plan.js";
import { DEFAULT_SMTP_PORT, defaultSmtpHost } from "../../core/inputs.js";
import type { MessageStream, Server } from "../../core/model.js";
import type { Resolved } from "../../connections/file.js";
import { applyAndSave, errorHooksOff, judgeReading, type ErrorHooksTurner } from "../../connections/apply-plan.js";
import { readConnection, type ConnectionFacts } from "../../connections/read.js";
import { smtpRecord, type Sending } from "../../connections/saved.js";
import { blockingError, findingWords, type Verdict } from "../../doctor/judge.js";
import type { ServerApi } from "../../postmark/api.js";
import type { AppliedPlan } from "../../postmark/webhook-writer.js";
import type { Runtime } from "../../runtime.js";
import { verifySmtp, type SmtpCredentials } from "../../smtp/verify.js";
import { blockedPort, unprovedWords } from "../../smtp/blocked-port.js";
import { proveTokenStream, type SendTestResult } from "../../connections/send-test.js";
import type { SendTestAddresses } from "../../core/send-test.js";
import type { SavedConnection } from "../../store/config-store.js";

/** One connection of the file through apply: read and judged as setup and doctor judge it, its SMTP pair proved, then applied and saved. */

export interface ApplyEntry {
  connection: FileConnection;
  server?: Server;
  stream?: MessageStream;
  api?: ServerApi;
  facts?: ConnectionFacts;
  wanted?: WantedConnection;
  verdict?: Verdict;
  plan?: ConnectionPlan;
  /** What the verdict says and does not stop the connection, each with its fix. */
  warnings: string[];
  /** What doctor would fail about the connection as it stands (before apply) or now stands (after), each with its fix. */
  failing: string[];
  /** The key pair the file names, once through its handshake (or stopped by a port this network blocks: smtpUnproved). */
  smtp?: SmtpCredentials;
  /** This network blocked the SMTP port: the key pair is saved unproved. */
  smtpUnproved?: boolean;
  /** With --send-test: where its one message went. */
  sendTest?: SendTestResult;
  applied?: AppliedPlan;
  /** The server's SMTP API error webhooks were off, and this run turned them on. */
  errorHooksTurnedOn?: boolean;
  /** Why this connection failed; the others go on. */
  error?: CliError;
}

/** What Postmark has against what the file wants, and (unless --check) the SMTP pair proved, all before any change. */
export async function planEntry(
  runtime: Runtime,
  resolved: Resolved,
  { check, verify, sendTo }: { check: boolean; verify: boolean; sendTo?: SendTestAddresses },
): Promise<ApplyEntry> {
  const { connection } = resolved;
  if ("error" in resolved) return { connection, error: resolved.error, warnings: [], failing: [] };
  const { server, api } = resolved.target;
  const entry: ApplyEntry = { connection, server, api, warnings: [], failing: [] };
  try {
    // --check reads no saved config, as doctor --file does: the two judge the same facts.
    const previous = check ? undefined : await runtime.store.find(server.ID, connection.stream);
    const reading = readConnection(async () => api, {
      streamId: connection.stream,
      region: connection.region,
      webhookId: previous?.webhookId ?? null,
      server,
    });
    const wanting = {
      region: connection.region,
      streamId: connection.stream,
      needsSmtp: Boolean(connection.smtp),
      verifies: verify,
      savedRegion: previous?.region,
    };
    const { facts, wanted, verdict } = await judgeReading(runtime, api, reading, wanting, previous?.webhookUnverified);
    const { stream } = facts;
    Object.assign(entry, { stream, facts, wanted, verdict, plan: verdict.plan });
    entry.warnings = findingWords(verdict, "warn");
    entry.failing = findingWords(verdict, "fail");
    const blocked = blockingError(verdict, server, stream.ID);
    if (blocked) throw blocked;
    if (connection.smtp && !check) {
      const { credentials, blocked } = await proveSmtp(runtime, { ...connection, smtp: connection.smtp }, stream);
      entry.smtp = credentials;
      if (blocked) {
        entry.smtpUnproved = true;
        entry.warnings.push(...unprovedWords(blocked, sendTo !== undefined));
      }
    }
    // Before any change: a pair that sends through another stream changes nothing for this connection.
    if (entry.smtp && !entry.smtpUnproved && sendTo) {
      const proving = { api, credentials: entry.smtp, serverName: server.Name, streamId: stream.ID, streamType: stream.MessageStreamType };
      entry.sendTest = await proveTokenStream(runtime, proving, sendTo);
    }
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
): Promise<{ credentials: SmtpCredentials; blocked?: CliError }> {
  const keys = smtpFromEnv(connection, runtime.env).keys!; // run.ts made sure of every variable before any request
  runtime.secrets.add(keys.secretKey);
  const credentials: SmtpCredentials = {
    host: connection.smtp.host ?? defaultSmtpHost(stream.MessageStreamType),
    port: connection.smtp.port ?? DEFAULT_SMTP_PORT,
    accessKey: keys.accessKey,
    secretKey: keys.secretKey,
  };
  try {
    await verifySmtp(credentials, runtime.smtp);
    return { credentials };
  } catch (error) {
    // A port this network blocks says nothing of the key pair: it goes on unproved, as setup's does.
    const blocked = blockedPort(error);
    if (blocked) return { credentials, blocked };
    throw error;
  }
}

/** Whether the entry changes anything in Postmark (its webhooks, or its server's error webhooks): what the one confirmation is about. */
export const changesPostmark = (entry: ApplyEntry) => !entry.error && (entry.plan!.changesAnything || errorHooksOff(entry.verdict!));

/**
 * Whether an entry lets the run pass (its exit code and its JSON's "ok" alike): it did not fail, and
 * under --check nothing would change and nothing fails that a change would not mend, as doctor would pass.
 */
export const passes = (entry: ApplyEntry, check: boolean) =>
  !entry.error && !(check && (changesPostmark(entry) || entry.failing.length > 0));

/**
 * Applies one planned entry and saves it, through the one writer setup and --fix use; saving goes
 * through `save`, one at a time. Nothing is written for an entry already right in Postmark and in
 * the saved connection. The entry fails when doctor would fail what now stands.
 */
export async function applyEntry(
  runtime: Runtime,
  entry: ApplyEntry,
  { verify, again, errorHooks }: { verify: boolean; again: string; errorHooks: ErrorHooksTurner },
  save: (connection: SavedConnection) => Promise<void>,
): Promise<ApplyEntry> {
  if (entry.error) return entry;
  const { server, stream, api, facts, wanted, verdict, connection } = entry as Required<ApplyEntry>;
  try {
    const previous = await runtime.store.find(server.ID, stream.ID);
    const outcome = await applyAndSave(
      runtime,
      { api, facts, wanted, verdict },
      {
        verify,
        sending: sendingFrom(previous, entry, connection),
        previous,
        again,
        errorHooks,
        // Nothing is written for a connection already as the file says, in Postmark and in the saved config.
        save: (next) => (previous && !differs(previous, next) ? Promise.resolve() : save(next)),
      },
    );
    if (verdict.plan!.changesAnything) entry.applied = outcome.applied;
    entry.errorHooksTurnedOn = outcome.errorHooksTurnedOn;
    entry.warnings = findingWords(outcome.after, "warn");
    entry.failing = findingWords(outcome.after, "fail");
    if (outcome.unfinished) entry.error = outcome.unfinished;
    else if (entry.failing.length > 0)
      entry.error = new CliError("connection_unhealthy", `Applied, but ${entry.failing.join(" ")}`, {
        hint: `See it whole: ${runtime.command("doctor", "--server", String(server.ID), "--stream", stream.ID)}`,
      });
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    entry.error = error;
  }
  return entry;
}

/**
 * How a connection applied from a file sends: its secrets in the environment the file names (never
 * saved from it); a secret setup saved before is kept while it still belongs.
 */
function sendingFrom(
  previous: SavedConnection | undefined,
  { smtp, smtpUnproved }: Pick<ApplyEntry, "smtp" | "smtpUnproved">,
  connection: FileConnection,
): Sending {
  const keptSecret = smtp && previous?.smtp?.accessKey === smtp.accessKey ? previous.smtp.secretKey : undefined;
  return {
    smtp: smtp ? smtpRecord(smtp, keptSecret) : (previous?.smtp ?? null),
    ...(previous?.serverToken ? { serverToken: previous.serverToken } : {}),
    secrets: keptSecret || previous?.serverToken ? "saved" : "environment",
    ...(connection.smtp ? { secretKeyEnv: connection.smtp.secretKeyEnv } : {}),
    provenNow: smtp !== undefined && !smtpUnproved,
  };
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
