import { CliError, ExitCode } from "../errors.js";
import { BROADCAST_TRIGGERS_NOTE, describePlan, planWebhooks, type DesiredWebhook, type WebhookPlan } from "../core/webhook-plan.js";
import { matchesServerRef } from "../core/matching.js";
import type { Region } from "../core/regions.js";
import { plural } from "../core/words.js";
import type { SendTestResult } from "../connections/send-test.js";
import { serverLabel, serverSettingsLink, streamWebhooksLink } from "../postmark/links.js";
import { assertUsableStream, unknownStreamError } from "../postmark/lookup.js";
import type { MessageStream, Server } from "../postmark/types.js";
import { applyWebhookPlan, type AppliedPlan } from "../postmark/webhook-writer.js";
import type { Runtime } from "../runtime.js";
import type { SmtpCredentials } from "../smtp/verify.js";
import { criticalSection } from "../interrupt.js";
import { recordDone } from "../journal.js";
import { connectionKey, type SavedConnection } from "../store/config-store.js";
import { shown } from "../ui/terminal-safe.js";
import {
  assertNothingMissing,
  findSavedConnection,
  promptRegion,
  readGivenInputs,
  workspaceFromKey,
  type GivenInputs,
  type SetupOptions,
} from "./setup-inputs.js";
import { renderSetupResult, type SetupResult } from "./setup-report.js";
import { offerWholeChain } from "./setup-chain.js";
import { assertSmtpEnabled, checkSmtp, provenToken, sendTestAddresses, smtpInputs, type SmtpInput } from "./setup-smtp.js";
import { chooseTarget, explainRejectedToken, pickStream, usableStreams, type Target } from "./setup-target.js";

/**
 * setup, in the contract's order: resolve inputs, read Postmark, verify SMTP (and with
 * --send-test prove its stream), show the plan and confirm, change the webhooks, save. Anything
 * failing before the change leaves Postmark and the saved config as they were.
 */
export async function runSetup(runtime: Runtime, options: SetupOptions): Promise<number> {
  const given = await readGivenInputs(runtime, options);
  const saved = await runtime.store.list();
  if (!runtime.interactive) assertNothingMissing(given, findSavedConnection(saved, given), Boolean(options.skipSmtp));
  if (runtime.interactive && !runtime.sandbox) showOpening(runtime);
  given.workspace = await workspaceFromKey(runtime, given);
  if (given.workspace) given.region = given.workspace.region;
  try {
    const target = await chooseTarget(runtime, given, saved);
    const first = await connect(runtime, options, given, saved, target);
    const connected = await connectOtherStreams(runtime, options, given, target, first);
    if (!runtime.interactive || options.dryRun || options.skipSmtp) return ExitCode.ok;
    return await offerWholeChain(runtime, given, { api: target.api, server: first.server, streams: connected });
  } catch (error) {
    throw await explainRejectedToken(runtime, error, given);
  }
}

/** What the wizard does and what to have ready, before its first question. */
function showOpening(runtime: Runtime): void {
  const { output } = runtime;
  const bullet = output.symbols.bullet;
  output.info(output.style.bold("cio-postmark connects a Postmark stream to Customer.io: webhook, SMTP token, saved connection."));
  output.info("Have ready:");
  output.info(`  ${bullet} a Postmark account token (Account > API Tokens: https://account.postmarkapp.com/api_tokens)`);
  output.info(`    or a server token (Servers > your server > API Tokens: https://account.postmarkapp.com/servers)`);
  output.info(`  ${bullet} a minute to generate an SMTP token on the stream's Settings tab in Postmark`);
  output.info(`  ${bullet} your Customer.io region: US (you sign in at fly.customer.io) or EU (fly-eu.customer.io)`);
}

/** One connection: the region and SMTP token it needs, then the locked read, plan, apply and save. */
async function connect(
  runtime: Runtime,
  options: SetupOptions,
  given: GivenInputs,
  saved: SavedConnection[],
  target: Target,
  region?: Region,
): Promise<SetupResult> {
  const previous = target.server
    ? saved.find(
        (connection) => connectionKey(connection.serverId, connection.streamId) === connectionKey(target.server!.ID, target.streamId),
      )
    : findSavedConnection(saved, given);
  if (!region && !given.region && previous)
    runtime.output.info(`Using the saved region ${previous.region.toUpperCase()} (change it with --region).`);
  const chosenRegion = region ?? given.region ?? previous?.region ?? (await promptRegion(runtime, given));
  const smtpInput = options.skipSmtp ? undefined : await smtpInputs(runtime, given, previous, target);
  // A dry run sends nothing: it does not offer the test message either.
  const sendTest = smtpInput && !options.dryRun ? await sendTestAddresses(runtime, given, target) : undefined;
  if (sendTest) given.senderUsed = sendTest.from; // the wizard's last offer sends from it too
  const work = () => readPlanApply(runtime, options, { ...target, region: chosenRegion, smtpInput, sendTest });
  return options.dryRun ? work() : runtime.withLock("setup", work);
}

/**
 * Customer.io takes one custom SMTP server per stream; "one for transactional, one for broadcast" is
 * the usual pair. After each connection the wizard offers the server's next usable stream, by name,
 * never one connected in this sitting; the result says "run setup again" only where no offer follows.
 */
async function connectOtherStreams(
  runtime: Runtime,
  options: SetupOptions,
  given: GivenInputs,
  target: Target,
  first: SetupResult,
): Promise<MessageStream[]> {
  const { server, region } = first;
  const connected = [first.stream];
  for (let latest = first; ;) {
    const others =
      runtime.interactive && !options.dryRun
        ? usableStreams(await target.api.listStreams()).filter(
            (stream) => !connected.some((done) => done.ID.toLowerCase() === stream.ID.toLowerCase()),
          )
        : [];
    renderSetupResult(runtime, latest, { offerFollows: others.length > 0 });
    if (others.length === 0) {
      if (connected.length > 1) runtime.output.success(allConnected(server, connected));
      return connected;
    }
    const [only] = others;
    const offer =
      others.length === 1
        ? `Connect stream "${shown(only!.ID)}" (${only!.MessageStreamType}) of ${shown(server.Name)} too?`
        : `Connect another stream of ${shown(server.Name)} too (${others.map((stream) => `"${shown(stream.ID)}"`).join(", ")})?`;
    if (!(await runtime.prompter.confirm(offer, false))) return connected;
    const stream =
      others.length === 1
        ? only!
        : (
            await pickStream(
              runtime,
              target.api,
              server,
              connected.map((done) => done.ID),
            )
          ).stream;
    const next = { ...target, server, stream, streamId: stream.ID, serverRef: undefined };
    latest = await connect(
      runtime,
      options,
      { ...given, streamId: stream.ID, accessKey: undefined, secretKey: undefined },
      await runtime.store.list(),
      next,
      region,
    );
    connected.push(stream);
  }
}

function allConnected(server: Server, streams: MessageStream[]): string {
  const names = streams.map((stream) => `"${shown(stream.ID)}"`);
  const list = `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return `${streams.length === 2 ? "Both streams" : `All ${streams.length} streams`} of ${shown(server.Name)} are connected: ${list}.`;
}

interface ResolvedTarget extends Target {
  region: Region;
  smtpInput?: SmtpInput;
  sendTest?: { from: string; to: string };
}

async function readPlanApply(runtime: Runtime, options: SetupOptions, target: ResolvedTarget): Promise<SetupResult> {
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
  assertUsableStream(stream);
  assertServerMatches(server, target);
  const warnings = serverWarnings(server, stream, Boolean(options.skipSmtp));
  if (!options.skipSmtp) assertSmtpEnabled(server);
  // Before any change: a token bound to another stream changes nothing and saves nothing.
  const { smtp, sendTest } = smtpCheck
    ? await provenToken(runtime, { target, stream, server, input: target.smtpInput!, addresses: target.sendTest }, smtpCheck)
    : { smtp: null, sendTest: null };
  if (sendTest && !sendTest.firstEvent)
    warnings.push(
      `The test message reached stream "${sendTest.stream}" but had no event yet after ${sendTest.seconds} s; see it in Postmark's Activity tab.`,
    );

  const desired: DesiredWebhook = { region, streamId: stream.ID, streamType: stream.MessageStreamType };
  const plan = planWebhooks(desired, webhooks);
  const bullet = output.symbols.bullet;
  output.info();
  output.info(output.style.bold(options.dryRun ? "Plan (dry run: nothing will change)" : "Plan"));
  for (const line of describePlan(plan, stream.ID, stream.MessageStreamType, shown)) output.info(`  ${bullet} ${line}`);
  for (const hook of plan.untouched) output.info(`  ${bullet} Leave webhook ${hook.ID} to ${shown(hook.Url)} alone (not Customer.io)`);
  if (stream.MessageStreamType === "Broadcasts") output.info(`  ${BROADCAST_TRIGGERS_NOTE}`);

  const parts = { server, stream, region, smtp, sendTest, plan };
  if (options.dryRun) return result(runtime, { ...parts, warnings, dryRun: true });
  await confirmDeletions(runtime, plan, Boolean(options.yes));
  if (prompter.interactive && !options.yes && !(await prompter.confirm("Apply this plan and save the connection?", true))) {
    throw new CliError("cancelled", "Cancelled: nothing was changed.");
  }

  const outcome = (applied: AppliedPlan) =>
    result(runtime, { ...parts, warnings: [...warnings, ...applied.warnings], dryRun: false, applied });
  const applied = await criticalSection(
    () => applyAndSave(runtime, options, target, { server, stream, smtp, plan, desired }),
    (done, signal) => renderSetupResult(runtime, outcome(done), { interrupted: signal }),
  );
  return outcome(applied);
}

/** Changes the webhooks, then saves: the part a Ctrl-C (or SIGTERM, SIGHUP) waits for. */
async function applyAndSave(
  runtime: Runtime,
  options: SetupOptions,
  target: ResolvedTarget,
  {
    server,
    stream,
    smtp,
    plan,
    desired,
  }: { server: Server; stream: MessageStream; smtp: SmtpCredentials | null; plan: WebhookPlan; desired: DesiredWebhook },
): Promise<AppliedPlan> {
  const applied = await runtime.output.step(applyLabel(plan), () =>
    applyWebhookPlan(target.api, plan, desired, {
      verify: options.verifyWebhook !== false,
      webhooksPage: shown(streamWebhooksLink(server, stream.ID)),
    }),
  );
  const now = new Date().toISOString();
  const storeSecrets = options.storeSecrets !== false;
  // --skip-smtp repairs the webhook only: an SMTP token proven before is kept.
  const previous = smtp ? undefined : await runtime.store.find(server.ID, stream.ID);
  const savedSmtp = smtp ?? previous?.smtp;
  await runtime.store.save({
    serverId: server.ID,
    serverName: server.Name,
    streamId: stream.ID,
    streamName: stream.Name,
    streamType: stream.MessageStreamType,
    region: target.region,
    webhookId: applied.webhook.ID,
    webhookUrl: applied.webhook.Url,
    smtp: savedSmtp
      ? {
          host: savedSmtp.host,
          port: savedSmtp.port,
          accessKey: savedSmtp.accessKey,
          ...(storeSecrets && savedSmtp.secretKey ? { secretKey: savedSmtp.secretKey } : {}),
        }
      : null,
    ...(storeSecrets ? { serverToken: target.serverToken.value } : {}),
    verifiedAt: smtp ? now : (previous?.verifiedAt ?? null),
    updatedAt: now,
  });
  recordDone(`${shown(server.Name)} / ${shown(stream.ID)} connected and saved`);
  return applied;
}

/** What the step does, in words: no "Updating" for a webhook the plan keeps as it is. */
function applyLabel(plan: WebhookPlan): string {
  if (plan.target.kind === "create") return "Creating the webhook in Postmark";
  if (plan.target.kind === "update") return "Updating the webhook in Postmark";
  return plan.deletions.length > 0 ? "Removing the extra Customer.io webhooks" : "Saving the connection";
}

/** A server token decides the server; a --server beside it must name the same one. */
function assertServerMatches(server: Server, target: Target): void {
  const { serverRef, serverToken } = target;
  if (serverRef === undefined || matchesServerRef(server.ID, server.Name, serverRef)) return;
  throw new CliError(
    "server_mismatch",
    `${serverToken.source} belongs to server ${serverLabel(server)}, not to --server ${JSON.stringify(serverRef)}.`,
    {
      exitCode: 2,
      hint: "Drop --server, or use that server's token (or an account token).",
    },
  );
}

function serverWarnings(server: Server, stream: MessageStream, skipSmtp: boolean): string[] {
  const warnings: string[] = [];
  if (stream.MessageStreamType === "Broadcasts" && stream.SubscriptionManagementConfiguration?.UnsubscribeHandlingType === "Postmark") {
    warnings.push(
      `Stream "${stream.ID}" uses Postmark's own unsubscribe handling: Postmark adds its unsubscribe link and List-Unsubscribe headers, so recipients may see two links. Unsubscribes reach Customer.io through the Subscription Change trigger; only Postmark support can switch the stream to custom handling.`,
    );
  }
  if (skipSmtp && !server.SmtpApiActivated) {
    warnings.push(
      `SMTP is not enabled on server ${serverLabel(server)}: turn it on (${serverSettingsLink(server)}) before Customer.io sends through it.`,
    );
  }
  return warnings;
}

/** Removing extra Customer.io webhooks needs a yes: from --yes, or from the person at the prompt. */
async function confirmDeletions(runtime: Runtime, plan: WebhookPlan, yes: boolean): Promise<void> {
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

function result(
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
  },
): SetupResult {
  const { plan, applied } = parts;
  const planned = plan.target.kind === "create" ? undefined : plan.target.webhook;
  return {
    ...parts,
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
