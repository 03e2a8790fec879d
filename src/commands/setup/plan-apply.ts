import { CliError, ExitCode } from "../../errors.js";
import { BROADCAST_TRIGGERS_NOTE, describePlan, type WebhookPlan } from "../../core/webhook-plan.js";
import { matchesServerRef } from "../../core/matching.js";
import type { Region } from "../../core/regions.js";
import { plural } from "../../core/words.js";
import type { SendTestResult } from "../../connections/send-test.js";
import { applyAndSave, ERROR_HOOKS_STEP, errorHooksOff, judgeReading, type Outcome } from "../../connections/apply-plan.js";
import { consent } from "../../connections/consent.js";
import { readConnection } from "../../connections/read.js";
import { smtpRecord } from "../../connections/saved.js";
import { blockingError, findingWords } from "../../doctor/judge.js";
import { serverLabel } from "../../postmark/links.js";
import { TOKEN_HELP } from "../../postmark/errors.js";
import type { MessageStream, Server } from "../../core/model.js";
import type { AppliedPlan } from "../../postmark/webhook-writer.js";
import type { Runtime } from "../../runtime.js";
import type { SmtpCredentials } from "../../smtp/verify.js";
import type { SavedConnection } from "../../store/config-store.js";
import { criticalSection } from "../../interrupt.js";
import { recordDone } from "../../journal.js";
import { shown } from "../../ui/terminal-safe.js";
import { renderSetupResult, type SetupResult } from "./report.js";
import { checkSmtp, provenToken, type SmtpInput } from "./smtp.js";
import { type Target } from "./target.js";
import type { GivenInputs } from "./context.js";

/** One connection's locked round: read Postmark, judge, prove the token, show the plan, confirm, apply and save, judge again. */

export async function readPlanApply(runtime: Runtime, given: Readonly<GivenInputs>, target: ResolvedTarget): Promise<SetupResult> {
  // The verdict's repairs are said as setup's own re-run: a dry run has saved nothing for doctor --fix to find.
  // An account token pasted at the prompt stands where the environment's would: the error webhooks' step takes it.
  const account = target.accountToken && { [TOKEN_HELP.account.env]: target.accountToken.value };
  runtime = { ...runtime, command: asSetup(runtime.command), env: { ...runtime.env, ...account } };
  const { output, prompter } = runtime;
  const { api, streamId, region } = target;

  // One round of reads; the SMTP handshake goes alongside as soon as its host is known. All of it
  // starts inside the step, so no promise waits without a handler while the spinner loads.
  let smtpCheck: ReturnType<typeof checkSmtp> | undefined;
  const wanting = {
    region,
    streamId,
    needsSmtp: !given.skipSmtp,
    verifies: given.verifies,
    savedRegion: target.previous?.region,
  };
  const planned = await output.step("Reading the server, stream and webhooks from Postmark", () => {
    const reading = readConnection(async () => api, {
      streamId,
      region,
      webhookId: target.previous?.webhookId ?? null,
      server: target.server,
      stream: target.stream,
    });
    smtpCheck = target.smtpInput ? reading.stream().then((stream) => checkSmtp(runtime, target.smtpInput!, stream)) : undefined;
    smtpCheck?.catch(() => undefined); // awaited below, after the reads it depends on have been judged
    return judgeReading(runtime, api, reading, wanting, target.previous?.webhookUnverified);
  });
  const { facts, verdict } = planned;
  const { server, stream } = facts;
  const blocked = blockingError(verdict, server, stream.ID);
  if (blocked) throw blocked;
  assertServerMatches(server, target);
  // Before any change: a token bound to another stream changes nothing and saves nothing.
  const { smtp, sendTest, unproved } = smtpCheck
    ? await provenToken(runtime, { target, stream, server, input: target.smtpInput!, addresses: target.sendTest }, smtpCheck)
    : { smtp: null, sendTest: null, unproved: [] };
  const proved = smtp !== null && unproved.length === 0;
  // What the proofs left to say: a key pair a blocked port kept unproved, a test message with no event yet.
  const provingWords = [
    ...unproved,
    ...(sendTest && !sendTest.firstEvent
      ? [
          `The test message reached stream "${sendTest.stream}" but had no event yet after ${sendTest.seconds} s; see it in ` +
            `Postmark's Activity tab.`,
        ]
      : []),
  ];

  const plan = verdict.plan!;
  const bullet = output.symbols.bullet;
  output.info();
  output.info(output.style.bold(given.dryRun ? "Plan (dry run: nothing will change)" : "Plan"));
  for (const line of describePlan(plan.webhooks, stream.ID, stream.MessageStreamType, shown, { verify: plan.verify })) {
    output.info(`  ${bullet} ${line}`);
  }
  for (const hook of plan.webhooks.untouched)
    output.info(`  ${bullet} Leave webhook ${hook.ID} to ${shown(hook.Url)} alone (not Customer.io)`);
  const errorHooks = errorHooksOff(verdict);
  if (errorHooks) output.info(`  ${bullet} ${ERROR_HOOKS_STEP}`);
  if (stream.MessageStreamType === "Broadcasts") output.info(`  ${BROADCAST_TRIGGERS_NOTE}`);

  const { storeSecrets } = given;
  const parts = { server, stream, region, smtp, smtpProved: proved, sendTest, secretSaved: storeSecrets && smtp !== null };
  if (given.dryRun)
    return result(runtime, { ...parts, warnings: [...findingWords(verdict, "warn"), ...provingWords], plan: plan.webhooks, problems: [] });
  const again = runtime.command("setup", "--yes", "--server", String(server.ID), "--stream", stream.ID);
  await confirmDeletions(runtime, plan.webhooks, given.yes, again);
  if (runtime.interactive && !given.yes && !(await prompter.confirm("Apply this plan and save the connection?", true))) {
    throw new CliError("cancelled", "Cancelled: nothing was changed.");
  }

  // --skip-smtp repairs the webhook only: an SMTP token proven before is kept.
  const previous = await runtime.store.find(server.ID, stream.ID);
  const savedSmtp = smtp ?? previous?.smtp;
  const sending = {
    smtp: savedSmtp ? smtpRecord(savedSmtp, storeSecrets ? savedSmtp.secretKey : undefined) : null,
    ...(storeSecrets ? { serverToken: target.serverToken.value } : {}),
    secrets: storeSecrets ? ("saved" as const) : ("not-stored" as const),
    provenNow: proved,
  };
  const outcome = (done: Outcome) =>
    result(runtime, {
      ...parts,
      warnings: [...findingWords(done.after, "warn"), ...provingWords, ...done.applied.warnings],
      plan: plan.webhooks,
      applied: done.applied,
      errorHooksTurnedOn: done.errorHooksTurnedOn,
      // Doctor's verdict on what now stands: what it would fail, setup does not call a success.
      problems: findingWords(done.after, "fail"),
    });
  const done = await criticalSection(
    async () => {
      const finished = await output.step(applyLabel(plan.webhooks, plan.verify, errorHooks), () =>
        applyAndSave(runtime, planned, { verify: given.verifies, sending, previous, again }),
      );
      recordDone(`${shown(server.Name)} / ${shown(stream.ID)} connected and saved`);
      return finished;
    },
    (finished, signal) => renderSetupResult(runtime, outcome(finished), { interrupted: signal }),
  );
  // Saved as it is; a deletion that failed after the write is said, with the command that finishes it.
  if (done.unfinished) throw done.unfinished;
  return outcome(done);
}

/** `doctor --fix …` as setup's words give it: setup with the same flags, which applies the same plan. */
const asSetup =
  (command: Runtime["command"]): Runtime["command"] =>
  (name, ...rest) =>
    name === "doctor" && rest.includes("--fix") ? command("setup", ...rest.filter((arg) => arg !== "--fix")) : command(name!, ...rest);

/** What the step does, in words: no "Updating" for a webhook the plan keeps as it is. */
export function applyLabel(plan: WebhookPlan, verify: boolean, errorHooks: boolean): string {
  if (plan.target.kind === "create") return "Creating the webhook in Postmark";
  if (plan.target.kind === "update") return "Updating the webhook in Postmark";
  if (plan.deletions.length > 0) return "Removing the extra Customer.io webhooks";
  if (errorHooks) return "Turning on the server's SMTP API error webhooks";
  return verify ? "Having Postmark verify the webhook" : "Saving the connection";
}

/** A server token decides the server; a --server beside it must name the same one. */
export function assertServerMatches(server: Server, target: Target): void {
  const { serverRef, serverToken } = target;
  if (serverRef === undefined || matchesServerRef(server.ID, server.Name, serverRef)) return;
  throw new CliError(
    "server_mismatch",
    `${serverToken.source} belongs to server ${serverLabel(server)}, not to --server ${JSON.stringify(serverRef)}.`,
    {
      exitCode: ExitCode.usage,
      hint: "Drop --server, or use that server's token (or an account token).",
    },
  );
}

/** Removing extra Customer.io webhooks needs a yes: from --yes, or from the person at the prompt. */
export async function confirmDeletions(runtime: Runtime, plan: WebhookPlan, yes: boolean, again: string): Promise<void> {
  if (plan.deletions.length === 0) return;
  const list = plan.deletions
    .map(({ webhook, reason }) => `${webhook.ID} (${shown(webhook.Url)}${reason === "other-region" ? ", the other region" : ""})`)
    .join(", ");
  const what = `${plural(plan.deletions.length, "other Customer.io webhook")} on this stream (${list})`;
  const ok = await consent(runtime, {
    yes,
    what: `Setup would remove ${what}: with two, Customer.io counts each event twice`,
    question: `Remove ${what}?`,
    again,
  });
  if (!ok)
    throw new CliError("cancelled", "Cancelled: nothing was changed.", {
      hint: "Extra Customer.io webhooks make Customer.io count events twice.",
    });
}

export function result(
  runtime: Runtime,
  parts: {
    server: Server;
    stream: MessageStream;
    region: Region;
    smtp: SmtpCredentials | null;
    /** The handshake went through: false when this network blocked the port. */
    smtpProved: boolean;
    sendTest: SendTestResult | null;
    warnings: string[];
    plan: WebhookPlan;
    applied?: AppliedPlan;
    errorHooksTurnedOn?: boolean;
    secretSaved: boolean;
    problems: string[];
  },
): SetupResult {
  const { plan, applied } = parts;
  const planned = plan.target.kind === "create" ? undefined : plan.target.webhook;
  return {
    ...parts,
    dryRun: applied === undefined,
    webhook: {
      id: applied?.webhook.ID ?? planned?.ID ?? null,
      url: applied?.webhook.Url ?? (plan.target.kind === "keep" ? plan.target.webhook.Url : plan.target.body.Url),
      status: (applied?.webhook ?? planned)?.Status ?? null,
      action: applied?.action ?? "planned",
      removed: applied?.removed ?? plan.deletions.map(({ webhook }) => webhook.ID),
    },
    configFile: runtime.store.path,
  };
}

export interface ResolvedTarget extends Target {
  region: Region;
  /** The connection saved before for this server and stream, looked up once. */
  previous?: SavedConnection;
  smtpInput?: SmtpInput;
  sendTest?: { from: string; to: string };
}
