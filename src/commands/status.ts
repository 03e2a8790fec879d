import { ExitCode } from "../errors.js";
import type { Runtime } from "../runtime.js";
import { describeConnection, maskedConnection, registerSavedSecrets } from "../connections/saved.js";

/** `status`: the saved connections, secrets masked. */
export async function runStatus(runtime: Runtime): Promise<number> {
  const { output, store } = runtime;
  const connections = await store.list();
  registerSavedSecrets(runtime, connections);
  if (output.json) {
    output.writeJson({ configFile: store.path, connections: connections.map(maskedConnection) });
    return ExitCode.ok;
  }
  if (connections.length === 0) {
    output.result(`No saved connections in ${store.path}.\nRun \`cio-postmark setup\` to connect a Postmark stream to Customer.io.`);
    return ExitCode.ok;
  }
  const lines = [`${connections.length} saved connection(s) in ${store.path}`, ""];
  for (const connection of connections) {
    const shown = maskedConnection(connection);
    lines.push(output.style.bold(describeConnection(connection)));
    lines.push(`  server       ${shown.server.name} (ID ${shown.server.id})`);
    lines.push(`  stream       ${shown.stream.id} (${shown.stream.type})`);
    lines.push(`  region       ${shown.region.toUpperCase()}`);
    lines.push(`  webhook      ${shown.webhook.id ?? "none"} → ${shown.webhook.url}`);
    if (shown.smtp) {
      lines.push(`  SMTP         ${shown.smtp.host}:${shown.smtp.port}`);
      lines.push(`  Access Key   ${shown.smtp.accessKey}`);
      lines.push(`  Secret Key   ${shown.smtp.secretKey ?? "not stored (--no-store-secrets)"}`);
    } else {
      lines.push("  SMTP         not set up (--skip-smtp)");
    }
    lines.push(`  server token ${shown.serverToken ?? "not stored (--no-store-secrets)"}`);
    lines.push(`  verified     ${shown.verifiedAt ?? "never"}`);
    lines.push("");
  }
  output.result(lines.join("\n").trimEnd());
  return ExitCode.ok;
}
