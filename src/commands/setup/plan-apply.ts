import { CliError, ExitCode } from "../../errors.js";
import {
  BROADCAST_TRIGGERS_NOTE,
  describePlan,
  wantedTriggerKeys,
  type DesiredWebhook,
  type WebhookPlan,
} from "../../core/webhook-plan.js";
import { matchesServerRef } from "../../core/matching.js";
import type { Region } from "../../core/regions.js";
import { plural } from "../../core/words.js";
import type { SendTestResult } from "../../connections/send-test.js";
import { serverLabel, streamWebhooksLink } from "../../postmark/links.js";
import { streamProblemError, unknownStreamError } from "../../postmark/lookup.js";
import { planConnection } from "../../core/connection-plan.js";
import { warningWords } from "../../connections/plan-words.js";
import { connectionRecord, smtpRecord } from "../../connections/saved.js";
import { judgeWebhookHealth } from "../../core/webhook-health.js";
import type { MessageStream, Server } from "../../core/model.js";
import { applyWebhookPlan, type AppliedPlan } from "../../postmark/webhook-writer.js";
import type { Runtime } from "../../runtime.js";
import type { SmtpCredentials } from "../../smtp/verify.js";
import { criticalSection } from "../../interrupt.js";
import { recordDone } from "../../journal.js";
import { shown } from "../../ui/terminal-safe.js";
import { renderSetupResult, type SetupResult } from "./report.js";
import { checkSmtp, provenToken, type SmtpInput } from "./smtp.js";
import { type Target } from "./target.js";
import { smtpDisabledError } from "./smtp-enabled.js";
import type { SetupOptions } from "./options.js";

/** One connection's locked round: read Postmark, prove the token, show the plan, confirm, apply and save. */

export async function readPlanApply(runtime: Runtime, options: SetupOptions, target: ResolvedTarget): Promise<SetupResult> {
  // Nothing is proven, sent or changed for a connection that could not be saved.
  if (!options.dryRun) runtime.store.assertWritable();
  const { output, prompter } = runtime;
  const { api, streamId, region } = target;

  // One round of reads; the SMTP handshake goes alongside as soon as its host is known. All of it
  // starts inside the step, so no promise waits without a handler while the spinner loads.
  let smtpCheck: ReturnType<typeof checkSmtp> | undefined;
  const [server, stream, webhooks] = await output.step("Reading the server, stream and webhooks from Postmark", () => {
    const serverRead = target.server ? Promise.resolve(target.server) : api.getServer();
    const streamRead = target.stream ? Promise.resolve(target.stream) : api.getStream(streamId);
    const hooksRead = api.listWebhooks(streamId);
    smtpCheck = target.smtpInput ? streamRead.then((stream) => checkSmtp(runtime, target.smtpInput!, stream)) : undefined;
    smtpCheck?.catch(() => undefined); // awaited below, after the reads it depends on have been judged
    return Promise.all([serverRead, streamRead, hooksRead]).catch(async (error) =>
      Promise.reject(await unknownStreamError(api, streamId, error)),
    );
  });
  const desired: DesiredWebhook = { region, streamId: stream.ID, streamType: stream.MessageStreamType };
  const wanted = { ...desired, needsSmtp: !options.skipSmtp, verifies: options.verifyWebhook !== false };
  const connection = planConnection({ server, stream, webhooks }, wanted);
  const streamProblem = connection.problems.find((problem) => problem.kind === "stream");
  if (streamProblem) throw streamProblemError(stream.ID, streamProblem.problem);
  assertServerMatches(server, target);
  const warnings = connection.warnings.map((warning) => warningWords(warning, server, stream));
  if (connection.problems.some((problem) => problem.kind === "smtp-disabled")) throw smtpDisabledError(server);
  // Before any change: a token bound to another stream changes nothing and saves nothing.
  const { smtp, sendTest } = smtpCheck
    ? await provenToken(runtime, { target, stream, server, input: target.smtpInput!, addresses: target.sendTest }, smtpCheck)
    : { smtp: null, sendTest: null };
  if (sendTest && !sendTest.firstEvent)
    warnings.push(
      `The test message reached stream "${sendTest.stream}" but had no event yet after ${sendTest.seconds} s; see it in Postmark's ` +
        `Activity tab.`,
    );

  const plan = connection.webhooks;
  const bullet = output.symbols.bullet;
  output.info();
  output.info(output.style.bold(options.dryRun ? "Plan (dry run: nothing will change)" : "Plan"));
  for (const line of describePlan(plan, stream.ID, stream.MessageStreamType, shown, { verify: connection.verify })) {
    output.info(`  ${bullet} ${line}`);
  }
  for (const hook of plan.untouched) output.info(`  ${bullet} Leave webhook ${hook.ID} to ${shown(hook.Url)} alone (not Customer.io)`);
  if (stream.MessageStreamType === "Broadcasts") output.info(`  ${BROADCAST_TRIGGERS_NOTE}`);

  const parts = {
    server,
    stream,
    region,
    smtp,
    sendTest,
    plan,
    secretSaved: !options.dryRun && options.storeSecrets !== false && smtp !== null,
  };
  if (options.dryRun) return result(runtime, { ...parts, warnings, dryRun: true });
  await confirmDeletions(runtime, plan, Boolean(options.yes));
  if (prompter.interactive && !options.yes && !(await prompter.confirm("Apply this plan and save the connection?", true))) {
    throw new CliError("cancelled", "Cancelled: nothing was changed.");
  }

  const outcome = (applied: AppliedPlan) =>
    result(runtime, { ...parts, warnings: [...warnings, ...applied.warnings], dryRun: false, applied });
  const applied = await criticalSection(
    () => applyAndSave(runtime, options, target, { server, stream, smtp, plan, desired, verifyKept: connection.verify }),
    (done, signal) => renderSetupResult(runtime, outcome(done), { interrupted: signal }),
  );
  return outcome(applied);
}

/** Changes the webhooks, then saves: the part a Ctrl-C (or SIGTERM, SIGHUP) waits for. */
export async function applyAndSave(
  runtime: Runtime,
  options: SetupOptions,
  target: ResolvedTarget,
  {
    server,
    stream,
    smtp,
    plan,
    desired,
    verifyKept,
  }: {
    server: Server;
    stream: MessageStream;
    smtp: SmtpCredentials | null;
    plan: WebhookPlan;
    desired: DesiredWebhook;
    verifyKept: boolean;
  },
): Promise<AppliedPlan> {
  const applied = await runtime.output.step(applyLabel(plan, verifyKept), () =>
    applyWebhookPlan(target.api, plan, desired, {
      verify: options.verifyWebhook !== false,
      webhooksPage: shown(streamWebhooksLink(server, stream.ID)),
      alsoVerify: verifyKept,
    }),
  );
  const storeSecrets = options.storeSecrets !== false;
  // --skip-smtp repairs the webhook only: an SMTP token proven before is kept.
  const previous = smtp ? undefined : await runtime.store.find(server.ID, stream.ID);
  const savedSmtp = smtp ?? previous?.smtp;
  await runtime.store.save(
    connectionRecord(
      { server, stream, region: target.region, webhook: applied.webhook },
      {
        smtp: savedSmtp ? smtpRecord(savedSmtp, storeSecrets ? savedSmtp.secretKey : undefined) : null,
        ...(storeSecrets ? { serverToken: target.serverToken.value } : {}),
        provenNow: smtp !== null,
        previous,
      },
    ),
  );
  recordDone(`${shown(server.Name)} / ${shown(stream.ID)} connected and saved`);
  // Saved as it is; a deletion that failed after the write is said, with the command that finishes it.
  if (applied.notRemoved.length > 0) {
    const [first] = applied.notRemoved;
    throw new CliError(
      "webhook_not_removed",
      `Saved ${shown(server.Name)} / ${shown(stream.ID)} with webhook ${applied.webhook.ID}, but could not delete webhook ` +
        `${applied.notRemoved.map(({ id }) => id).join(", ")}: ${first!.error.message} Until it is deleted, Customer.io counts events ` +
        `twice.`,
      { hint: `To finish: ${runtime.command("setup", "--yes", "--server", String(server.ID), "--stream", stream.ID)}` },
    );
  }
  return applied;
}

/** What the step does, in words: no "Updating" for a webhook the plan keeps as it is. */
export function applyLabel(plan: WebhookPlan, verify: boolean): string {
  if (plan.target.kind === "create") return "Creating the webhook in Postmark";
  if (plan.target.kind === "update") return "Updating the webhook in Postmark";
  if (plan.deletions.length > 0) return "Removing the extra Customer.io webhooks";
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
export async function confirmDeletions(runtime: Runtime, plan: WebhookPlan, yes: boolean): Promise<void> {
  if (plan.deletions.length === 0 || yes) return;
  const list = plan.deletions
    .map(({ webhook, reason }) => `${webhook.ID} (${shown(webhook.Url)}${reason === "other-region" ? ", the other region" : ""})`)
    .join(", ");
  const what = `${plural(plan.deletions.length, "other Customer.io webhook")} on this stream (${list})`;
  if (!runtime.prompter.interactive) {
    throw new CliError(
      "duplicate_webhooks",
      `Setup would remove ${what}: with two, Customer.io counts each event twice. Nothing was changed.`,
      {
        hint: "Run again with --yes to remove them.",
      },
    );
  }
  const ok = await runtime.prompter.confirm(`Remove ${what}?`, true);
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
    sendTest: SendTestResult | null;
    warnings: string[];
    dryRun: boolean;
    plan: WebhookPlan;
    applied?: AppliedPlan;
    secretSaved: boolean;
  },
): SetupResult {
  const { plan, applied, server, stream } = parts;
  const planned = plan.target.kind === "create" ? undefined : plan.target.webhook;
  const status = (applied?.webhook ?? planned)?.Status ?? null;
  // The same judgement doctor makes: a webhook Postmark will not deliver to is no connection yet.
  const health =
    applied && judgeWebhookHealth({ deliveries: undefined, webhookStatus: status, triggers: wantedTriggerKeys(stream.MessageStreamType) });
  const verify = runtime.command("doctor", "--verify-webhook", "--server", String(server.ID), "--stream", stream.ID);
  return {
    ...parts,
    webhook: {
      id: applied?.webhook.ID ?? planned?.ID ?? null,
      url: applied?.webhook.Url ?? (plan.target.kind === "keep" ? plan.target.webhook.Url : plan.target.body.Url),
      status,
      action: applied?.action ?? "planned",
      removed: applied?.removed ?? plan.deletions.map(({ webhook }) => webhook.ID),
    },
    undelivered: health?.unverified ? `${health.message} Once Customer.io's URL answers, have Postmark verify it: ${verify}` : null,
    configFile: runtime.store.path,
  };
}

export interface ResolvedTarget extends Target {
  region: Region;
  smtpInput?: SmtpInput;
  sendTest?: { from: string; to: string };
}
