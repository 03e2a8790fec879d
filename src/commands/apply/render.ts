import { planSteps, type PlanStep } from "../../core/connection-plan.js";
import { plural } from "../../core/words.js";
import type { Runtime } from "../../runtime.js";
import { shown } from "../../ui/terminal-safe.js";
import { table } from "../../ui/table.js";
import { errorHooksOff } from "../../connections/apply-plan.js";
import { changesPostmark, passes, type ApplyEntry } from "./connection.js";

/** apply's words: the plan as one table, then what each connection came to, or the contract's one JSON document. */

export interface RenderOptions {
  check: boolean;
  /** The apply command as this run was started, with more arguments. */
  again: (...args: string[]) => string;
  /** Before the confirmation: the table only (the JSON document comes once, at the end). */
  planOnly?: boolean;
  interrupted?: string;
}

/** In the JSON plan: the server's SMTP API error webhooks are off, and apply turns them on (with an account token, PUT /servers/{id}). */
const ERROR_WEBHOOKS_PLAN_STEP = { action: "error-webhooks", webhook: null, reason: "the server's SMTP API error webhooks are off" };

/** Longest server name and stream ID shown whole in the table; longer ones are cut. */
const NAME_COLUMNS = 32;

export function renderApply(runtime: Runtime, entries: ApplyEntry[], options: RenderOptions): void {
  const { output } = runtime;
  if (output.json) {
    if (!options.planOnly) output.writeJson(document(entries, options));
    return;
  }
  if (options.planOnly || options.check) renderPlan(runtime, entries, options.check);
  if (options.planOnly) return;
  const lines = options.check ? checkSummary(runtime, entries, options) : appliedLines(runtime, entries);
  output.result(lines.join("\n"));
}

function renderPlan(runtime: Runtime, entries: ApplyEntry[], check: boolean): void {
  const { output } = runtime;
  const rows = entries.map((entry) => [
    entry.server ? shown(entry.server.Name) : shown(entry.connection.server),
    shown(entry.stream?.ID ?? entry.connection.stream),
    entry.connection.region.toUpperCase(),
    entry.error ? output.style.red("failed (below)") : webhookWords(planSteps(entry.plan!)),
    smtpWords(entry, check),
  ]);
  const lines = table(
    [["SERVER", "STREAM", "REGION", "WEBHOOK", "SMTP"].map((title) => output.style.bold(title)), ...rows],
    [NAME_COLUMNS, NAME_COLUMNS],
  );
  // What the table's "update" and "delete" stand for, said in words: a scheduled job reads the text.
  const why = entries.flatMap((entry) =>
    entry.error
      ? []
      : [
          ...planSteps(entry.plan!)
            .filter((step) => step.reason)
            .map((step) => `  ${label(entry)}: ${step.action} webhook ${step.webhook}: ${shown(step.reason!)}`),
          ...(errorHooksOff(entry.verdict!) ? [`  ${label(entry)}: turn on the server's SMTP API error webhooks`] : []),
        ],
  );
  output.result(
    [
      "",
      output.style.bold(`Plan for ${plural(entries.length, "connection")}${check ? " (--check: nothing will change)" : ""}`),
      ...lines.map((line) => `  ${line}`),
      ...why,
    ].join("\n"),
  );
  for (const entry of entries) for (const warning of entry.warnings) output.warn(`${label(entry)}: ${warning}`);
}

/** "create", "update 123", "keep 123, verify", "keep 123, delete 456". */
function webhookWords(steps: PlanStep[]): string {
  return steps
    .map((step) => (step.action === "verify" ? "verify" : `${step.action}${step.webhook === null ? "" : ` ${step.webhook}`}`))
    .join(", ");
}

function smtpWords(entry: ApplyEntry, check: boolean): string {
  if (!entry.connection.smtp) return "not named";
  if (entry.sendTest) return `proved, sends via ${shown(entry.sendTest.stream)}`;
  if (entry.smtpUnproved) return "not proved (this network blocks the port)";
  if (entry.smtp) return "proved";
  return check ? "named (--check proves none)" : "not proved";
}

/** A connection as people read it: the server and stream, and where the file names it. */
function label(entry: ApplyEntry): string {
  const server = entry.server ? entry.server.Name : entry.connection.server;
  return `${shown(server)} / ${shown(entry.stream?.ID ?? entry.connection.stream)} (${entry.connection.place})`;
}

function errorLines(runtime: Runtime, entries: ApplyEntry[]): string[] {
  const { output } = runtime;
  return entries.flatMap((entry) =>
    entry.error
      ? [
          `${output.style.red(output.symbols.fail)} ${label(entry)}: ${entry.error.message}`,
          ...(entry.error.hint ? [`    ${entry.error.hint}`] : []),
        ]
      : [],
  );
}

function checkSummary(runtime: Runtime, entries: ApplyEntry[], options: RenderOptions): string[] {
  const changing = entries.filter(changesPostmark);
  const failed = entries.filter((entry) => entry.error).length;
  const lines = errorLines(runtime, entries);
  // What doctor would fail and no change in the plan mends (a failing delivery, SMTP off): said, and not clean.
  for (const entry of entries.filter((entry) => !entry.error && !changesPostmark(entry)))
    for (const failing of entry.failing) lines.push(`${runtime.output.style.red(runtime.output.symbols.fail)} ${label(entry)}: ${failing}`);
  if (changing.length === 0 && failed === 0 && lines.length === 0)
    return [...lines, "", "Nothing would change: every connection is as the file says."];
  const drift = changing.length
    ? `${plural(changing.length, "connection")} would change: ${changing.map(label).join(", ")}. To apply: ${options.again("--yes")}`
    : "";
  return [...lines, "", [drift, failed ? `${plural(failed, "connection")} could not be planned.` : ""].filter(Boolean).join(" ")];
}

function appliedLines(runtime: Runtime, entries: ApplyEntry[]): string[] {
  const { output } = runtime;
  const lines: string[] = [""];
  let changed = 0;
  for (const entry of entries) {
    if (entry.error) continue;
    const action = entry.applied?.action ?? "unchanged";
    if (entry.applied || entry.errorHooksTurnedOn) changed += 1;
    const webhook = entry.applied?.webhook.ID ?? webhookId(entry);
    lines.push(
      `${output.style.green(output.symbols.pass)} ${label(entry)}: webhook ${webhook} ${action}` +
        `${entry.errorHooksTurnedOn ? ", the server's SMTP API error webhooks turned on" : ""}` +
        `${entry.smtp && !entry.smtpUnproved ? ", SMTP key pair proved" : ""}`,
    );
    for (const warning of entry.applied?.warnings ?? []) lines.push(`  ${output.style.yellow(output.symbols.warn)} ${shown(warning)}`);
  }
  lines.push(...errorLines(runtime, entries));
  const failed = entries.filter((entry) => entry.error).length;
  lines.push("", `Applied: ${changed} changed, ${entries.length - changed - failed} unchanged, ${failed} failed.`);
  return lines;
}

function webhookId(entry: ApplyEntry): number | null {
  const target = entry.plan?.webhooks.target;
  return target && target.kind !== "create" ? target.webhook.ID : null;
}

/** The contract's document: {"ok", "check", "connections": [{server, stream, region, plan, webhook, smtp, error}]}. */
function document(entries: ApplyEntry[], { check, interrupted }: RenderOptions) {
  return {
    ...(interrupted ? { interrupted } : {}),
    ok: entries.every((entry) => passes(entry, check)),
    check,
    connections: entries.map((entry) => ({
      server: { ref: entry.connection.server, id: entry.server?.ID ?? null, name: entry.server?.Name ?? null },
      stream: { id: entry.stream?.ID ?? entry.connection.stream, type: entry.stream?.MessageStreamType ?? null },
      region: entry.connection.region,
      plan: entry.plan ? [...planSteps(entry.plan), ...(errorHooksOff(entry.verdict!) ? [ERROR_WEBHOOKS_PLAN_STEP] : [])] : [],
      webhook: {
        id: entry.applied?.webhook.ID ?? webhookId(entry),
        action: check ? "planned" : (entry.applied?.action ?? (entry.error ? null : "unchanged")),
      },
      smtp: entry.connection.smtp
        ? {
            host: entry.smtp?.host ?? entry.connection.smtp.host ?? null,
            port: entry.smtp?.port ?? entry.connection.smtp.port ?? null,
            accessKeyEnv: entry.connection.smtp.accessKeyEnv,
            secretKeyEnv: entry.connection.smtp.secretKeyEnv,
            verified: Boolean(entry.smtp) && !entry.smtpUnproved,
            ...(entry.sendTest ? { sendTest: entry.sendTest } : {}),
          }
        : null,
      error: entry.error ? { code: entry.error.code, message: entry.error.message, hint: entry.error.hint ?? null } : null,
    })),
  };
}
