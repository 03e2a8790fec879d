import { usageError } from "../errors.js";
import type { Runtime } from "../runtime.js";
import { secretsOf, type InvalidEntry, type SavedConnection, type SavedSmtp, type SecretsHome } from "../store/config-store.js";
import type { MessageStream, Server } from "../core/model.js";
import type { Region } from "../core/regions.js";
import { mask } from "../ui/redact.js";
import { matchesServerRef, sameStreamId } from "../core/matching.js";
import { shown } from "../ui/terminal-safe.js";

/** Saved connections as doctor, status and remove see them. */

export function describeConnection(connection: SavedConnection): string {
  return `${shown(connection.serverName)} / ${shown(connection.streamId)}`;
}

/**
 * The one record setup, apply and --fix save for a connection: what Postmark has now (server,
 * stream, webhook), how it sends and where its secrets live. A key pair proven in this run dates
 * verifiedAt now; otherwise the previous date stays.
 */
export function connectionRecord(
  { server, stream, region, webhook }: { server: Server; stream: MessageStream; region: Region; webhook: { ID: number; Url: string } },
  {
    smtp,
    serverToken,
    secrets,
    secretKeyEnv,
    webhookUnverified,
    provenNow,
    previous,
  }: Sending & Pick<SavedConnection, "webhookUnverified"> & { previous?: SavedConnection },
): SavedConnection {
  const now = new Date().toISOString();
  return {
    serverId: server.ID,
    serverName: server.Name,
    streamId: stream.ID,
    streamName: stream.Name,
    streamType: stream.MessageStreamType,
    region,
    webhookId: webhook.ID,
    webhookUrl: webhook.Url,
    smtp,
    ...(serverToken ? { serverToken } : {}),
    secrets,
    ...(secretKeyEnv ? { secretKeyEnv } : {}),
    ...(webhookUnverified ? { webhookUnverified } : {}),
    verifiedAt: provenNow ? now : (previous?.verifiedAt ?? null),
    updatedAt: now,
  };
}

/** How a connection sends and where its secrets live; provenNow: its key pair was proved in this run. */
export interface Sending {
  smtp: SavedSmtp | null;
  serverToken?: string;
  secrets: SecretsHome;
  secretKeyEnv?: string;
  provenNow: boolean;
}

/** A saved connection's sending as it stands, for a save that proves nothing (--fix). */
export function sendingOf(connection: SavedConnection): Sending {
  const { smtp, serverToken, secretKeyEnv } = connection;
  return {
    smtp,
    ...(serverToken ? { serverToken } : {}),
    secrets: secretsOf(connection),
    ...(secretKeyEnv ? { secretKeyEnv } : {}),
    provenNow: false,
  };
}

/** The variable a connection's Secret Key is read from when it is not saved: the one its connections file names, else setup's. */
export function secretKeyVariable(connection: Pick<SavedConnection, "secretKeyEnv">): string {
  return connection.secretKeyEnv ?? "POSTMARK_SMTP_SECRET_KEY";
}

/** Where a secret the saved config does not hold lives instead, in words: status, doctor and remove say it alike. */
export function secretHome(connection: SavedConnection, secret: "Secret Key" | "server token"): string {
  if (secretsOf(connection) !== "environment") return "not stored (--no-store-secrets)";
  const variable = secret === "Secret Key" ? secretKeyVariable(connection) : "POSTMARK_SERVER_TOKEN (or POSTMARK_ACCOUNT_TOKEN)";
  return `not stored: apply reads it from ${variable}`;
}

/** How a connection sends, as saved: the secret only where it may be kept. */
export function smtpRecord({ host, port, accessKey }: Omit<SavedSmtp, "secretKey">, secretKey: string | undefined): SavedSmtp {
  return { host, port, accessKey, ...(secretKey ? { secretKey } : {}) };
}

/** The flags that name one saved connection in a printed command. */
export function connectionFlags(connection: Pick<SavedConnection, "serverId" | "streamId">): string[] {
  return ["--server", String(connection.serverId), "--stream", connection.streamId];
}

/** The saved connections a command acts on: all of them, or those --server and --stream name. */
export function selectConnections(
  runtime: Pick<Runtime, "command">,
  saved: SavedConnection[],
  serverRef?: string,
  streamId?: string,
): SavedConnection[] {
  const selected = saved.filter(
    (connection) =>
      (serverRef === undefined || matchesServerRef(connection.serverId, connection.serverName, serverRef)) &&
      (streamId === undefined || sameStreamId(connection.streamId, streamId)),
  );
  if ((serverRef !== undefined || streamId !== undefined) && selected.length === 0) {
    const known = saved.map(describeConnection).join(", ");
    throw usageError(
      "unknown_connection",
      `No saved connection ` +
        `matches${serverRef ? ` --server ${JSON.stringify(serverRef)}` : ""}${streamId ? ` --stream ${JSON.stringify(streamId)}` : ""}.`,
      known
        ? `Saved connections: ${known}. To list them: ${runtime.command("status")}`
        : `There are no saved connections yet. To connect one: ${runtime.command("setup")}`,
    );
  }
  return selected;
}

/** Saved entries that could not be used are named (never shown whole: they may hold secrets) and left as they are. */
export async function reportInvalidEntries(runtime: Runtime): Promise<InvalidEntry[]> {
  const invalid = await runtime.store.invalid();
  for (const { key, problem } of invalid) {
    runtime.output.warn(
      `Saved connection ${shown(key)} in ${runtime.store.path} was skipped: ${problem}. It was left as it is; run setup for that server ` +
        `and stream again to replace it.`,
    );
  }
  return invalid;
}

/** Saved secrets are masked wherever they might surface, like those from the environment. */
export function registerSavedSecrets(runtime: Runtime, connections: SavedConnection[]): void {
  for (const connection of connections) {
    runtime.secrets.add(connection.smtp?.secretKey);
    runtime.secrets.add(connection.serverToken);
  }
}

/** A connection with its secrets masked: what status prints. */
export function maskedConnection(connection: SavedConnection) {
  return {
    server: { id: connection.serverId, name: connection.serverName },
    stream: { id: connection.streamId, name: connection.streamName, type: connection.streamType },
    region: connection.region,
    webhook: { id: connection.webhookId, url: connection.webhookUrl },
    smtp: connection.smtp
      ? {
          host: connection.smtp.host,
          port: connection.smtp.port,
          accessKey: connection.smtp.accessKey,
          secretKey: connection.smtp.secretKey ? mask(connection.smtp.secretKey) : null,
        }
      : null,
    serverToken: connection.serverToken ? mask(connection.serverToken) : null,
    verifiedAt: connection.verifiedAt,
    updatedAt: connection.updatedAt,
  };
}
