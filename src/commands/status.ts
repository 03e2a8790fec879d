import { CliError, ExitCode, usageError } from "../errors.js";
import { parseServerRef, parseStreamId } from "../core/inputs.js";
import type { Runtime } from "../runtime.js";
import type { SavedConnection } from "../store/config-store.js";
import {
  secretHome,
  connectionFlags,
  describeConnection,
  maskedConnection,
  registerSavedSecrets,
  reportInvalidEntries,
  selectConnections,
} from "../connections/saved.js";
import { plural } from "../core/words.js";
import { shown as safe } from "../ui/terminal-safe.js";
import type { StatusOptions } from "./status-options.js";

/** `status`: the saved connections, secrets masked; `status --reveal`: one connection's SMTP key pair, on purpose. */
export async function runStatus(runtime: Runtime, options: StatusOptions = {}): Promise<number> {
  const { output, store } = runtime;
  const serverRef = parseServerRef(options.server);
  const streamId = parseStreamId(options.stream);
  if (!options.reveal && (serverRef !== undefined || streamId !== undefined || options.yes)) {
    throw usageError(
      "usage",
      "--server, --stream and --yes go with --reveal.",
      `To see one connection's key pair, with ID its server's and STREAM its stream: ` +
        runtime.command("status", "--reveal", "--server", "ID", "--stream", "STREAM"),
    );
  }
  const connections = await store.list();
  registerSavedSecrets(runtime, connections);
  if (options.reveal) return reveal(runtime, connections, { serverRef, streamId, yes: Boolean(options.yes) });
  const skipped = await reportInvalidEntries(runtime);
  if (output.json) {
    output.writeJson({ configFile: store.path, connections: connections.map(maskedConnection), skipped });
    return ExitCode.ok;
  }
  if (connections.length === 0) {
    output.result(`No saved connections in ${store.path}.\nTo connect a Postmark stream to Customer.io: ${runtime.command("setup")}`);
    return ExitCode.ok;
  }
  const lines = [`${plural(connections.length, "saved connection")} in ${store.path}`, ""];
  for (const connection of connections) {
    const masked = maskedConnection(connection);
    lines.push(output.style.bold(describeConnection(connection)));
    lines.push(`  server       ${safe(masked.server.name)} (ID ${masked.server.id})`);
    lines.push(`  stream       ${safe(masked.stream.id)} (${masked.stream.type})`);
    lines.push(`  region       ${masked.region.toUpperCase()}`);
    lines.push(`  webhook      ${masked.webhook.id ?? "none"} ${output.symbols.arrow} ${safe(masked.webhook.url)}`);
    if (masked.smtp) {
      lines.push(`  SMTP         ${safe(masked.smtp.host)}:${masked.smtp.port}`);
      lines.push(`  Access Key   ${safe(masked.smtp.accessKey)}`);
      lines.push(`  Secret Key   ${masked.smtp.secretKey ?? secretHome(connection, "Secret Key")}`);
    } else {
      lines.push("  SMTP         not set up (--skip-smtp)");
    }
    lines.push(`  server token ${masked.serverToken ?? secretHome(connection, "server token")}`);
    lines.push(`  verified     ${safe(masked.verifiedAt ?? "never")}`);
    lines.push("");
  }
  output.result(lines.join("\n").trimEnd());
  return ExitCode.ok;
}

/**
 * Postmark shows a Secret Key once, and people often set up Customer.io later: the saved key pair
 * of exactly one connection, after a yes in a terminal (or --yes).
 */
async function reveal(
  runtime: Runtime,
  saved: SavedConnection[],
  { serverRef, streamId, yes }: { serverRef?: string; streamId?: string; yes: boolean },
): Promise<number> {
  const candidates = serverRef !== undefined || streamId !== undefined ? selectConnections(runtime, saved, serverRef, streamId) : saved;
  // In a terminal, a person picks among several, as remove offers.
  if (candidates.length > 1 && runtime.interactive) {
    const picked = await runtime.prompter.select(
      "Which connection's Access Key and Secret Key?",
      candidates.map((connection) => ({ value: connection, name: describeConnection(connection) })),
    );
    return reveal(runtime, [picked], { yes });
  }
  if (candidates.length !== 1) {
    throw usageError(
      "missing_input",
      `status --reveal prints one connection's key pair: name it with --server and --stream (${candidates.length} saved ` +
        `connections${serverRef || streamId ? " match" : ""}).`,
      candidates.length
        ? `Saved: ${candidates.map(describeConnection).join(", ")}.`
        : `There are no saved connections. To connect one: ${runtime.command("setup")}`,
    );
  }
  const [connection] = candidates as [SavedConnection];
  const smtp = connection.smtp;
  if (!smtp)
    throw new CliError(
      "no_smtp_token",
      `${describeConnection(connection)} was set up without an SMTP token (--skip-smtp): there is no key pair to show.`,
    );
  if (!smtp.secretKey) {
    throw new CliError(
      "secret_not_stored",
      `The Secret Key of ${describeConnection(connection)} is not in the saved config: it is ${secretHome(connection, "Secret Key")}.`,
      {
        hint: "Generate a new SMTP token on the stream's Settings tab in Postmark if you no longer have the Secret Key.",
      },
    );
  }
  if (!yes) {
    // A secret on the screen is asked for, like a deletion: where nobody can be asked, --yes says it.
    if (!runtime.interactive) {
      throw usageError(
        "confirmation_required",
        `status --reveal prints the Secret Key of ${describeConnection(connection)}, and this run cannot ask first.`,
        `Run again with --yes to print it: ${runtime.command("status", "--reveal", "--yes", ...connectionFlags(connection))}`,
      );
    }
    if (!(await runtime.prompter.confirm(`Print the Secret Key of ${describeConnection(connection)} on the screen?`, false))) {
      throw new CliError("cancelled", "Cancelled: nothing was printed.");
    }
  }
  runtime.output.revealed({
    text: [
      `${describeConnection(connection)} (${smtp.host}:${smtp.port})`,
      `Access Key   ${smtp.accessKey}`,
      `Secret Key   ${smtp.secretKey}`,
    ].join("\n"),
    document: {
      ok: true,
      server: { id: connection.serverId, name: connection.serverName },
      stream: { id: connection.streamId },
      accessKey: smtp.accessKey,
      secretKey: smtp.secretKey,
    },
  });
  return ExitCode.ok;
}
