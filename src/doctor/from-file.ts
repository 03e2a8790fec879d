import { CliError } from "../errors.js";
import { smtpFromEnv, type FileConnection } from "../core/connections-file.js";
import { DEFAULT_SMTP_PORT, defaultSmtpHost } from "../core/inputs.js";
import { REGION_WEBHOOK_URLS } from "../core/regions.js";
import { resolveServers, type ConnectionsFile } from "../connections/file.js";
import { unknownStreamError } from "../postmark/lookup.js";
import type { Runtime } from "../runtime.js";
import type { SavedConnection } from "../store/config-store.js";
import type { ConnectionReport } from "./collect.js";
import type { CheckedConnection } from "./types.js";

/**
 * doctor --file: the file's connections as doctor checks them, with no saved config. Tokens and SMTP
 * keys come from the environment as the file says; a key pair whose variables are unset is skipped,
 * naming them. A connection whose server or stream cannot be found is one failed check.
 */

export type FromFile = { connection: CheckedConnection } | { failed: ConnectionReport };

export async function connectionsFromFile(runtime: Runtime, file: ConnectionsFile): Promise<FromFile[]> {
  const resolved = await runtime.output.step(`Finding the connections of ${file.name} in Postmark`, () =>
    resolveServers(runtime, file.connections),
  );
  return Promise.all(
    resolved.map(async (entry): Promise<FromFile> => {
      if ("error" in entry) return { failed: failedReport(entry.connection, "server-token", entry.error) };
      const { connection, target } = entry;
      try {
        const stream = await target.api
          .getStream(connection.stream)
          .catch(async (error) => Promise.reject(await unknownStreamError(target.api, connection.stream, error)));
        const keys = connection.smtp ? smtpFromEnv({ ...connection, smtp: connection.smtp }, runtime.env).keys : undefined;
        runtime.secrets.add(keys?.secretKey);
        const smtp = keys
          ? {
              host: connection.smtp!.host ?? defaultSmtpHost(stream.MessageStreamType),
              port: connection.smtp!.port ?? DEFAULT_SMTP_PORT,
              accessKey: keys.accessKey,
              secretKey: keys.secretKey,
            }
          : null;
        const missing = connection.smtp
          ? [connection.smtp.accessKeyEnv, connection.smtp.secretKeyEnv].filter((name) => !runtime.env[name]?.trim())
          : null;
        return {
          connection: {
            serverId: target.server.ID,
            serverName: target.server.Name,
            streamId: stream.ID,
            streamName: stream.Name,
            streamType: stream.MessageStreamType,
            region: connection.region,
            webhookId: null,
            webhookUrl: REGION_WEBHOOK_URLS[connection.region],
            smtp,
            verifiedAt: null,
            updatedAt: new Date().toISOString(),
            origin: { file: file.name, place: connection.place, serverToken: target.serverToken, smtpMissing: missing },
          },
        };
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        return { failed: failedReport(connection, "stream", error, target.server) };
      }
    }),
  );
}

/** A connection doctor could not even find: one failed check saying why, in the file's order. */
function failedReport(
  connection: FileConnection,
  id: "server-token" | "stream",
  error: CliError,
  server?: { ID: number; Name: string },
): ConnectionReport {
  return {
    connection: {
      serverId: server?.ID ?? 0,
      serverName: server?.Name ?? connection.server,
      streamId: connection.stream,
      streamName: connection.stream,
      // Unknown: the stream could not be read. Shown as null in JSON.
      streamType: null as unknown as SavedConnection["streamType"],
      region: connection.region,
      webhookId: null,
      webhookUrl: REGION_WEBHOOK_URLS[connection.region],
      smtp: null,
      verifiedAt: null,
      updatedAt: new Date().toISOString(),
    },
    checks: [
      { id, status: "fail", message: `${connection.place}: ${error.message}`, fix: error.hint ?? "Check the file and run doctor again." },
    ],
  };
}
