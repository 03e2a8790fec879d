import {
  planConnection,
  streamProblems,
  usesPostmarkUnsubscribe,
  type ConnectionPlan,
  type StreamProblem,
  type WantedConnection,
  type WhatPostmarkHas,
} from "../core/connection-plan.js";
import { REGION_WEBHOOK_URLS, type Region } from "../core/regions.js";
import { BROADCAST_TRIGGERS_NOTE, triggerNames } from "../core/webhook-plan.js";
import type { MessageStream, Server, Webhook } from "../core/model.js";
import { CliError, ExitCode } from "../errors.js";
import { serverLabel, serverSettingsLink } from "../postmark/links.js";
import type { SavedConnection } from "../store/config-store.js";
import { shown } from "../ui/terminal-safe.js";
import { envToken } from "../connections/clients.js";

/**
 * The one judgement of a connection. What Postmark has (read once: connections/read.ts) and the
 * connection wanted (from the saved record, a connections file or setup's inputs) give the plan and
 * every finding, each with its check id, words and repair. Setup's preflight and its last word,
 * --dry-run, apply, apply --check, doctor and --fix all read this, so they cannot disagree. Pure.
 */

/** The check ids this judgement decides; doctor shows them in its own order. */
export type JudgedId =
  | "server-smtp"
  | "stream"
  | "webhook-exists"
  | "webhook-triggers"
  | "webhook-duplicates"
  | "webhook-delivery"
  | "smtp-error-hooks"
  | "unsubscribe-handling";

export type CheckStatus = "pass" | "warn" | "fail" | "skip";

/** One finding, as doctor shows it: a check's verdict on one connection. */
export interface CheckResult {
  status: CheckStatus;
  message: string;
  /** For anything not passing: a command to run or where to click. */
  fix?: string;
  /** More fields for the check's JSON (end-to-end: deliveryId, stream, stage, seconds). */
  details?: Record<string, unknown>;
  /** What the one writer repairs (a failure, or the error webhooks' warning); consent: it deletes a webhook, so it asks or needs --yes. */
  repair?: { consent: boolean };
}

export const pass = (message: string): CheckResult => ({ status: "pass", message });
export const skip = (message: string): CheckResult => ({ status: "skip", message });
export const fail = (message: string, fix: string): CheckResult => ({ status: "fail", message, fix });
export const warn = (message: string, fix: string): CheckResult => ({ status: "warn", message, fix });

export interface Verdict {
  /** Undefined when the stream's webhooks were not read. */
  plan?: ConnectionPlan;
  /** A finding for each id whose facts were read. */
  findings: Partial<Record<JudgedId, CheckResult>>;
}

/** How the words of a verdict name the connection and the commands that repair it. */
export interface Naming {
  serverId: number;
  command(...args: string[]): string;
  /** "→", or "->" where the terminal cannot show it. */
  arrow: string;
  /** Whether the run has an account token: what Postmark turns a server's SMTP API error webhooks on with. */
  accountToken: boolean;
}

/** How a run names a connection of this server: its command line, the arrow its terminal can show, and its tokens. */
export const namingFor = (
  runtime: { command(...args: string[]): string; output: { symbols: { arrow: string } }; env: NodeJS.ProcessEnv },
  serverId: number,
): Naming => ({
  serverId,
  command: runtime.command,
  arrow: runtime.output.symbols.arrow,
  accountToken: envToken(runtime.env, "account") !== undefined,
});

/** What was read of a connection; a fact left out (a read that failed) gets no finding. */
export interface KnownFacts extends Omit<WhatPostmarkHas, "server" | "stream" | "webhooks"> {
  server?: Server;
  stream?: MessageStream;
  webhooks?: Webhook[];
}

export function judgeConnection(facts: KnownFacts, wanted: WantedConnection, naming: Naming): Verdict {
  const findings: Verdict["findings"] = {};
  const target = ["--server", String(naming.serverId), "--stream", shown(wanted.streamId)];
  const fix = (yes: boolean) => naming.command("doctor", "--fix", ...(yes ? ["--yes"] : []), ...target);
  const { server, stream } = facts;
  if (server) {
    findings["server-smtp"] = smtpFinding(server, wanted.needsSmtp);
    findings["smtp-error-hooks"] = errorHooksFinding(server, fix(false), naming.accountToken);
  }
  if (stream) {
    const [problem] = streamProblems(stream);
    findings.stream = problem
      ? fail(...streamProblemWords(wanted.streamId, problem))
      : pass(`Stream "${shown(stream.ID)}" (${stream.MessageStreamType}) exists and can send.`);
    findings["unsubscribe-handling"] = unsubscribeFinding(stream);
  }
  if (!facts.webhooks) return { findings };
  const plan = planConnection({ ...facts, webhooks: facts.webhooks }, wanted);
  const { target: kept, deletions } = plan.webhooks;
  const url = REGION_WEBHOOK_URLS[wanted.region];
  findings["webhook-exists"] =
    kept.kind === "create"
      ? repairable(
          `No Customer.io webhook (${url}) on stream "${shown(wanted.streamId)}": bounces and deliveries do not reach Customer.io.`,
          fix(false),
        )
      : pass(`Customer.io webhook ${kept.webhook.ID} ${naming.arrow} ${url}.`);
  findings["webhook-triggers"] =
    kept.kind === "create"
      ? skip("Skipped: there is no Customer.io webhook to check.")
      : kept.kind === "update"
        ? repairable(`Webhook ${kept.webhook.ID} has the wrong settings: ${shown(kept.drift.join("; "))}.`, fix(false))
        : pass(triggersWords(wanted));
  const extra = deletions.map(({ webhook, reason }) => `${webhook.ID} (${reason === "duplicate" ? "duplicate" : "other region"})`);
  findings["webhook-duplicates"] =
    deletions.length > 0
      ? repairable(
          `${deletions.length === 1 ? "An extra Customer.io webhook" : "Extra Customer.io webhooks"} on the stream: ${extra.join(", ")}. ` +
            `Customer.io counts each event twice.`,
          fix(true),
          true,
        )
      : pass("No duplicate or other-region Customer.io webhook.");
  const verify = naming.command("doctor", "--verify-webhook", ...target);
  const health = plan.health;
  findings["webhook-delivery"] =
    kept.kind === "create"
      ? skip("Skipped: there is no Customer.io webhook to check.")
      : !health
        ? skip("Skipped: this Postmark account's API has no webhook statistics (the older API).")
        : health.status === "pass"
          ? pass(health.message)
          : health.unverified
            ? // --fix has Postmark verify it too: the summary offers it with the other repairs.
              repairable(health.message, `Have Postmark verify the webhook now (it calls Customer.io's URL once per trigger): ${verify}`)
            : (health.status === "fail" ? fail : warn)(health.message, deliveryFix(wanted, verify));
  return { plan, findings };
}

/** The connection a saved record wants: its region (or the one --fix --region moves it to), and SMTP unless it was set up without. */
export function wantedOf(
  connection: SavedConnection,
  { region, verifies }: { region?: Region; verifies?: boolean } = {},
): WantedConnection {
  return {
    region: region ?? connection.region,
    streamId: connection.streamId,
    streamType: connection.streamType,
    needsSmtp: connection.smtp !== null,
    savedRegion: connection.region,
    verifies,
  };
}

/** Where events stop reaching Customer.io, the usual causes, and how to make Postmark try the URL now. */
export function deliveryFix(wanted: Pick<WantedConnection, "region">, verify: string): string {
  return (
    `Check that the Customer.io workspace is in region ${wanted.region.toUpperCase()} (its webhook goes to ` +
    `${REGION_WEBHOOK_URLS[wanted.region]}) and that its Postmark integration is still on; then have Postmark call the URL now: ${verify}`
  );
}

/** A failure doctor --fix repairs; consent: the repair deletes a webhook, so it asks first or needs --yes. */
export const repairable = (message: string, fix: string, consent = false): CheckResult => ({ ...fail(message, fix), repair: { consent } });

/**
 * The findings of one status, each in words with its fix: what setup and apply say of a verdict. A
 * warning the plan repairs (the server's error webhooks) is one of the plan's steps, not said again.
 */
export function findingWords(verdict: Verdict, status: "fail" | "warn"): string[] {
  return Object.values(verdict.findings)
    .filter((finding) => finding.status === status && !(status === "warn" && finding.repair))
    .map((finding) => (finding.fix ? `${finding.message} ${finding.fix}` : finding.message));
}

function smtpFinding(server: Server, needsSmtp: boolean): CheckResult {
  if (server.SmtpApiActivated) return pass(`Server ${shown(server.Name)} exists and has SMTP enabled.`);
  const [message, fix] = smtpDisabledWords(server);
  // --skip-smtp (or a file's connection without smtp) chose the webhook alone: said, and not failed.
  return needsSmtp ? fail(message, fix) : warn(`${message} This connection was set up without an SMTP token (--skip-smtp).`, fix);
}

/**
 * Whether Postmark tells anyone of the SMTP mail it refuses: a send to an address it suppresses is
 * rejected inside Postmark, and reported (as an SMTP API error bounce, by webhook) only when the
 * server's EnableSmtpApiErrorHooks is on. Postmark documents turning it on with an account token
 * (PUT /servers/{id}) and says nothing of a server token's PUT /server, so this tool relies on the
 * first: with an account token, setup, apply and --fix take it as a step of their plan (applyAndSave);
 * without one, the fix says to set it.
 */
function errorHooksFinding(server: Server, fix: string, accountToken: boolean): CheckResult {
  if (server.EnableSmtpApiErrorHooks === undefined)
    return skip("Skipped: Postmark's answer does not say whether the server's SMTP API error webhooks are on.");
  if (server.EnableSmtpApiErrorHooks)
    return pass("The server's SMTP API error webhooks are on: mail Postmark refuses to a suppressed address is reported.");
  return {
    ...warn(
      "The server's SMTP API error webhooks are off: when Postmark refuses mail to an address it suppresses, it tells no one, " +
        "so Customer.io can show a message as sent that never left Postmark. (How Customer.io handles those events once they " +
        "are on is not documented.)",
      accountToken ? `Turn them on: ${fix}` : `Postmark turns them on for an account token: set POSTMARK_ACCOUNT_TOKEN, then: ${fix}`,
    ),
    // A step of the plan where the run can take it, without asking: it deletes nothing.
    ...(accountToken ? { repair: { consent: false } } : {}),
  };
}

function unsubscribeFinding(stream: MessageStream): CheckResult {
  if (stream.MessageStreamType !== "Broadcasts") return skip("Skipped: not a broadcast stream.");
  if (usesPostmarkUnsubscribe(stream))
    return warn(
      "Postmark adds its own unsubscribe link and List-Unsubscribe headers to this broadcast stream; recipients may see two links. " +
        "Unsubscribes reach Customer.io through the Subscription Change trigger.",
      "To use only Customer.io's link, ask Postmark support to switch the stream to custom unsubscribe handling.",
    );
  return pass(
    `Broadcast stream uses ${stream.SubscriptionManagementConfiguration?.UnsubscribeHandlingType ?? "custom"} unsubscribe handling.`,
  );
}

function triggersWords(wanted: Pick<WantedConnection, "streamType">): string {
  const names = triggerNames(wanted.streamType);
  const triggers = `Triggers are exactly ${names.slice(0, -1).join(", ")} and ${names.at(-1)} (Open and Click off).`;
  return wanted.streamType === "Broadcasts" ? `${triggers} ${BROADCAST_TRIGGERS_NOTE}` : triggers;
}

/** Why a stream cannot carry a Customer.io connection, and what to do instead. */
export function streamProblemWords(streamId: string, problem: StreamProblem): [message: string, fix: string] {
  return problem === "inbound"
    ? [
        `Stream "${shown(streamId)}" is an inbound stream: it receives mail, so Customer.io cannot send through it.`,
        "Choose a transactional or broadcast stream, e.g. --stream outbound.",
      ]
    : [
        `Stream "${shown(streamId)}" is archived: Postmark does not send from it.`,
        "Unarchive it in Postmark (Message Streams), or choose another stream.",
      ];
}

/** Why a server with SMTP off cannot carry Customer.io's mail, and where to turn it on. */
export function smtpDisabledWords(server: Server): [message: string, fix: string] {
  return [
    `SMTP is disabled on server ${serverLabel(server)}: Customer.io cannot send through it.`,
    `Turn it on in Postmark: ${shown(serverSettingsLink(server))} (Settings > SMTP).`,
  ];
}

/** What stops a connection before any change (setup and apply refuse it), as the error that says so. */
export function blockingError(verdict: Verdict, server: Server, streamId: string): CliError | undefined {
  const [problem] = verdict.plan?.problems ?? [];
  if (!problem) return undefined;
  if (problem.kind === "stream") {
    const [message, hint] = streamProblemWords(streamId, problem.problem);
    return new CliError(`${problem.problem}_stream`, message, { exitCode: ExitCode.usage, hint });
  }
  return smtpDisabledError(server);
}

export function smtpDisabledError(server: Server): CliError {
  const [message, fix] = smtpDisabledWords(server);
  return new CliError("smtp_disabled", message, { hint: `${fix} Then run this again. Nothing was changed.` });
}
