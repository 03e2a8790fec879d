import { ExitCode } from "../errors.js";
import type { Runtime } from "../runtime.js";
import { describeConnection, maskedConnection, registerSavedSecrets, reportInvalidEntries } from "../connections/saved.js";
import { plural } from "../core/words.js";
import { shown as safe } from "../ui/terminal-safe.js";

/** `status`: the saved connections, secrets masked. */
export async function runStatus(runtime: Runtime): Promise<number> {
  const { output, store } = runtime;
  const connections = await store.list();
  registerSavedSecrets(runtime, connections);
  const skipped = await reportInvalidEntries(runtime);
  if (output.json) {
    output.writeJson({ configFile: store.path, connections: connections.map(maskedConnection), skipped });
    return ExitCode.ok;
  }
  if (connections.length === 0) {
    output.result(`No saved connections in ${store.path}.\nRun \`cio-postmark setup\` to connect a Postmark stream to Customer.io.`);
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
      lines.push(`  Secret Key   ${masked.smtp.secretKey ?? "not stored (--no-store-secrets)"}`);
    } else {
      lines.push("  SMTP         not set up (--skip-smtp)");
    }
    lines.push(`  server token ${masked.serverToken ?? "not stored (--no-store-secrets)"}`);
    lines.push(`  verified     ${safe(masked.verifiedAt ?? "never")}`);
    lines.push("");
  }
  output.result(lines.join("\n").trimEnd());
  return ExitCode.ok;
}
