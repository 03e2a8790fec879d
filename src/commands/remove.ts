import { CliError, ExitCode, usageError } from "../errors.js";
import { parseServerRef, parseStreamId } from "../core/inputs.js";
import { customerIoWebhooks, deleteWebhookSafely } from "../postmark/webhook-writer.js";
import type { Runtime } from "../runtime.js";
import { criticalSection } from "../interrupt.js";
import { recordDone } from "../journal.js";
import { connectionFlags, describeConnection, registerSavedSecrets, selectConnections } from "../connections/saved.js";
import { consent } from "../connections/consent.js";
import { serverApi, serverTokenFor } from "../connections/clients.js";
import type { ServerApi } from "../postmark/api.js";
import type { Webhook } from "../core/model.js";
import type { SavedConnection } from "../store/config-store.js";
import { shown } from "../ui/terminal-safe.js";
import type { RemoveOptions } from "./remove-options.js";

/** `remove`: delete a connection's Customer.io webhooks (no others) and forget it (no other). */
export async function runRemove(runtime: Runtime, options: RemoveOptions): Promise<number> {
  const { output, prompter, store } = runtime;
  const serverRef = parseServerRef(options.server);
  const streamId = parseStreamId(options.stream);
  runtime.postmark(); // POSTMARK_API_URL, checked before anything else
  const saved = await store.list();
  registerSavedSecrets(runtime, saved);

  let connection: SavedConnection;
  if (serverRef && streamId) [connection] = oneServer(selectConnections(runtime, saved, serverRef, streamId), serverRef);
  else if (runtime.interactive && saved.length > 0) {
    const candidates = selectConnections(runtime, saved, serverRef, streamId);
    connection = await prompter.select(
      "Which connection should be removed?",
      candidates.map((candidate) => ({
        value: candidate,
        name: describeConnection(candidate),
        description: `region ${candidate.region.toUpperCase()}`,
      })),
    );
  } else {
    const missing = [!serverRef && "--server <id-or-name>", !streamId && "--stream <id>"].filter(Boolean).join(" and ");
    throw usageError(
      "missing_input",
      `remove needs ${missing}.`,
      saved.length ? `Saved connections: ${saved.map(describeConnection).join(", ")}.` : "There are no saved connections.",
    );
  }

  // Said before the question: the custom SMTP server in Customer.io is the person's to remove, and easy to forget after.
  const customerIoToo = "Also remove the custom SMTP server in Customer.io (Settings > Workspace Settings > Email > Custom SMTP Settings).";
  if (!options.yes && runtime.interactive) runtime.output.info(customerIoToo);
  const yes = await consent(runtime, {
    yes: Boolean(options.yes),
    what: `Removing ${describeConnection(connection)} deletes its Customer.io webhooks in Postmark`,
    question: `Delete the Customer.io webhooks of ${describeConnection(connection)} and forget it?`,
    again: runtime.command("remove", "--yes", ...connectionFlags(connection)),
    answer: false,
  });
  if (!yes) throw new CliError("cancelled", "Cancelled: nothing was changed.");

  const api = serverApi(runtime, await serverTokenFor(runtime, connection));
  const removed = await runtime.withLock("remove", () =>
    criticalSection(
      async () => {
        const hooks = await output.step(`Finding Customer.io webhooks on ${describeConnection(connection)}`, () =>
          webhooksLeft(runtime, api, connection),
        );
        const ids: number[] = [];
        for (const hook of customerIoWebhooks(hooks)) {
          await output.step(`Deleting webhook ${hook.ID} (${shown(hook.Url)})`, () => deleteWebhookSafely(api, hook.ID));
          ids.push(hook.ID);
        }
        await store.remove(connection.serverId, connection.streamId);
        recordDone(`${describeConnection(connection)} removed`);
        return ids;
      },
      (ids, signal) => renderRemoved(runtime, connection, ids, signal),
    ),
  );
  renderRemoved(runtime, connection, removed);
  return ExitCode.ok;
}

const CUSTOMER_IO_TOO = "Also remove the custom SMTP server in Customer.io (Settings > Workspace Settings > Email > Custom SMTP Settings).";

/** What was removed; `interrupted` names the signal that stops the run right after. */
function renderRemoved(runtime: Runtime, connection: SavedConnection, removed: number[], interrupted?: string): void {
  const { output, store } = runtime;
  if (output.json) {
    output.writeJson({
      ...(interrupted ? { interrupted } : {}),
      ok: true,
      server: { id: connection.serverId, name: connection.serverName },
      stream: { id: connection.streamId },
      removedWebhooks: removed,
      configFile: store.path,
    });
  } else {
    const deleted = removed.length
      ? `deleted ${removed.length === 1 ? "webhook" : "webhooks"} ${removed.join(", ")}`
      : "no Customer.io webhook was left on the stream";
    // What removing here cannot undo: the token still sends until Postmark revokes it, and Customer.io still uses it.
    const token = connection.smtp
      ? `\nThe SMTP token (Access Key ${shown(connection.smtp.accessKey)}) still works in Postmark until you revoke it on the ` +
        `stream's Settings tab.`
      : "";
    output.result(`Removed ${describeConnection(connection)}: ${deleted}; forgotten in ${store.path}.${token}\n` + CUSTOMER_IO_TOO);
  }
}

/** Two saved servers may share a name: removing "the first" would delete the wrong server's webhook. */
function oneServer(connections: SavedConnection[], serverRef: string): SavedConnection[] {
  const servers = [...new Map(connections.map((connection) => [connection.serverId, connection])).values()];
  if (servers.length < 2) return connections;
  throw usageError(
    "ambiguous_server",
    `${servers.length} saved servers are named ${JSON.stringify(serverRef)}: ` +
      `${servers.map((connection) => `${shown(connection.serverName)} (ID ${connection.serverId})`).join(", ")}. Nothing was removed.`,
    "Pass the numeric ID instead: --server <id>.",
  );
}

/** The stream's webhooks; none when the stream itself is gone from Postmark, so it can still be forgotten. */
async function webhooksLeft(runtime: Runtime, api: ServerApi, connection: SavedConnection): Promise<Webhook[]> {
  try {
    return await api.listWebhooks(connection.streamId);
  } catch (error) {
    if (!(error instanceof CliError && error.code === "postmark_rejected")) throw error;
    runtime.output.warn(`Stream "${shown(connection.streamId)}" is no longer in Postmark (${error.message}); forgetting the connection.`);
    return [];
  }
}
