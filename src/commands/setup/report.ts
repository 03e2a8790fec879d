import type { Region } from "../../core/regions.js";
import type { MessageStream, Server, WebhookStatus } from "../../core/model.js";
import type { Runtime } from "../../runtime.js";
import type { SendTestResult } from "../../connections/send-test.js";
import type { SmtpCredentials } from "../../smtp/verify.js";
import { connectionFlags } from "../../connections/saved.js";
import { mask } from "../../ui/redact.js";
import { usesPostmarkUnsubscribe } from "../../core/connection-plan.js";
import { unsubscribeHandlingRequest } from "../../connections/support-request.js";
import { shown } from "../../ui/terminal-safe.js";

/** What setup did, shown to a person (with the Customer.io clicks) or as the contract's JSON document. */

export interface SetupResult {
  dryRun: boolean;
  server: Server;
  stream: MessageStream;
  region: Region;
  webhook: {
    id: number | null;
    url: string;
    action: "created" | "updated" | "unchanged" | "planned";
    status: WebhookStatus;
    removed: number[];
  };
  smtp: SmtpCredentials | null;
  smtpProved: boolean;
  sendTest: SendTestResult | null;
  configFile: string;
  warnings: string[];
  /** What doctor would fail about the connection as it now stands, each with its fix: the run fails while any is left. */
  problems: string[];
  /** The server's SMTP API error webhooks were off, and this run turned them on. */
  errorHooksTurnedOn?: boolean;
  /** Whether the Secret Key was saved (not with --no-store-secrets, nor in a dry run): `status --reveal` then shows it. */
  secretSaved: boolean;
}

export function setupJson(result: SetupResult, interrupted?: string) {
  return {
    ...(interrupted ? { interrupted } : {}),
    ok: result.problems.length === 0,
    dryRun: result.dryRun,
    server: { id: result.server.ID, name: result.server.Name },
    stream: { id: result.stream.ID, name: result.stream.Name, type: result.stream.MessageStreamType },
    region: result.region,
    webhook: result.webhook,
    smtp: result.smtp
      ? {
          host: result.smtp.host,
          port: result.smtp.port,
          accessKey: result.smtp.accessKey,
          verified: result.smtpProved,
          sendTest: result.sendTest,
        }
      : null,
    configFile: result.configFile,
    warnings: [...result.warnings, ...result.problems],
  };
}

/** What Postmark's `Status` means, for people; nothing where the API reports none. */
const STATUS_WORDS: Record<Exclude<WebhookStatus, null>, string> = {
  verified: "Postmark verified the webhook: Customer.io's URL answered its call for each trigger.",
  unverified: "Postmark marks the webhook unverified: it sends Customer.io no events until the webhook passes verification.",
};

const ACTION_WORDS = { created: "Created", updated: "Updated", unchanged: "Kept (already correct)", planned: "Would set up" };

/**
 * Where the Secret Key can be seen again, as a line of its own: `status --reveal` when it was saved
 * (the command last, whole), else only what the person kept.
 */
export function secretWhere(runtime: Runtime, result: SetupResult): string {
  if (!result.secretSaved) return "Not saved (--no-store-secrets): the one you copied from Postmark.";
  const flags = connectionFlags({ serverId: result.server.ID, streamId: result.stream.ID });
  return `To see it again: ${runtime.command("status", "--reveal", ...flags)}`;
}

/** `interrupted`: a signal's name, when the run stops right after this change (the change and save were let finish). */
export function renderSetupResult(
  runtime: Runtime,
  result: SetupResult,
  {
    suggestBroadcast = false,
    handOffFollows = false,
    interrupted,
  }: { suggestBroadcast?: boolean; handOffFollows?: boolean; interrupted?: string } = {},
): void {
  const { output } = runtime;
  if (output.json) return output.writeJson(setupJson(result, interrupted));
  for (const warning of result.warnings) output.warn(shown(warning));
  for (const problem of result.problems) output.failure(shown(problem));
  const { webhook, smtp } = result;
  const lines = [
    "",
    `${ACTION_WORDS[webhook.action]} webhook${webhook.id ? ` ${webhook.id}` : ""} on ${shown(result.server.Name)} / ` +
      `${shown(result.stream.ID)} (${result.stream.MessageStreamType}) ${output.symbols.arrow} ${shown(webhook.url)}`,
  ];
  if (webhook.status && result.problems.length === 0) lines.push(STATUS_WORDS[webhook.status]);
  if (result.errorHooksTurnedOn) lines.push("Turned on the server's SMTP API error webhooks.");
  if (webhook.removed.length)
    lines.push(
      `${result.dryRun ? "Would remove" : "Removed"} ` +
        `${webhook.removed.length === 1 ? "an extra Customer.io webhook" : "extra Customer.io webhooks"}: ${webhook.removed.join(", ")}`,
    );
  if (result.dryRun) {
    lines.push("Dry run: nothing was changed in Postmark and nothing was saved.");
    return output.result(lines.join("\n"));
  }
  lines.push(`Saved to ${result.configFile}`);
  // The wizard's hand-off says it once, for every stream of the sitting.
  if (!(handOffFollows && smtp)) {
    lines.push("", output.style.bold("Now in Customer.io:"));
    lines.push("  Settings > Workspace Settings > Email > Custom SMTP Settings > Add Custom SMTP Server > Postmark > Continue to set up");
    lines.push(`  1. Set up webhooks: already done by this tool (${shown(webhook.url)}).`);
    if (smtp) {
      lines.push("  2. Add Credentials:");
      lines.push(`       Access Key   ${shown(smtp.accessKey)}`);
      lines.push(`       Secret Key   ${mask(smtp.secretKey)}`, `       ${secretWhere(runtime, result)}`);
      lines.push(`     Server ${shown(smtp.host)}, port ${smtp.port} (STARTTLS: encrypted). If Customer.io refuses that port, use 2525.`);
    } else {
      lines.push(
        `  2. Add Credentials: generate an SMTP token on stream "${shown(result.stream.ID)}" (its Settings tab), then run setup again ` +
          `without --skip-smtp to check it.`,
      );
    }
    lines.push("  3. Finish set up.");
  }
  if (usesPostmarkUnsubscribe(result.stream)) {
    const request = unsubscribeHandlingRequest(result.server, result.stream);
    lines.push(
      "",
      `Recipients may see two unsubscribe links until Postmark support switches this stream to custom handling. Send ${request.to}:`,
      `  Subject: ${shown(request.subject)}`,
      `  ${shown(request.body)}`,
    );
  }
  if (result.stream.MessageStreamType === "Transactional" && suggestBroadcast) {
    lines.push("", "Sending broadcasts too? Run setup again for a broadcast stream: Customer.io takes one custom SMTP server per stream.");
  }
  output.result(lines.join("\n"));
}
