import { CliError, ExitCode } from "../errors.js";
import { DEFAULT_SMTP_PORT, defaultSmtpHost } from "../core/inputs.js";
import { BROADCAST_TRIGGERS_NOTE, describePlan, planWebhooks, type DesiredWebhook, type WebhookPlan } from "../core/webhook-plan.js";
import type { Region } from "../core/regions.js";
import type { ServerApi } from "../postmark/api.js";
import type { MessageStream, Server, Webhook } from "../postmark/types.js";
import { applyWebhookPlan, type AppliedPlan } from "../postmark/webhook-writer.js";
import type { Runtime } from "../runtime.js";
import { STEP_LABELS, verifySmtp, type SmtpCredentials, type SmtpStep } from "../smtp/verify.js";
import { withConfigLock } from "../store/lock.js";
import { required } from "../ui/prompts.js";
import { shown } from "../ui/terminal-safe.js";
import { criticalSection } from "../interrupt.js";
import { connectionKey, type SavedConnection } from "../store/config-store.js";
import {
  assertNothingMissing,
  findSavedConnection,
  promptRegion,
  promptToken,
  readGivenInputs,
  type GivenInputs,
  type SetupOptions,
} from "./setup-inputs.js";
import { renderSetupResult, type SetupResult } from "./setup-report.js";
import { accountApi, serverApi } from "../connections/clients.js";
import { assertUsableStream, findServer, unknownStreamError } from "../postmark/lookup.js";
import { serverLabel, serverSettingsLink, streamSettingsLink } from "../postmark/links.js";

/**
 * setup, in the contract's order: resolve inputs, read Postmark, verify SMTP, show the plan and
 * confirm, change the webhook(s), save. Anything failing before the change leaves Postmark and
 * the saved config as they were.
 */
export async function runSetup(runtime: Runtime, options: SetupOptions): Promise<number> {
  const given = await readGivenInputs(runtime, options);
  const skipSmtp = Boolean(options.skipSmtp);
  const saved = await runtime.store.list();
  if (!runtime.interactive) assertNothingMissing(given, findSavedConnection(saved, given), skipSmtp);

  const target = await chooseTarget(runtime, given, saved);
  const previous = target.server
    ? saved.find((connection) => connectionKey(connection.serverId, connection.streamId) === connectionKey(target.server!.ID, target.streamId))
    : findSavedConnection(saved, given);
  const region = given.region ?? previous?.region ?? (await promptRegion(runtime));
  const smtpInput = skipSmtp ? undefined : await smtpInputs(runtime, given, previous, target);

  const work = () => readPlanApply(runtime, options, { ...target, region, smtpInput });
  const result = options.dryRun ? await work() : await withConfigLock(runtime.configDir, { command: "setup", waitMs: runtime.lockWaitMs }, work);
  renderSetupResult(runtime, result);
  return ExitCode.ok;
}

interface Target {
  api: ServerApi;
  serverToken: string;
  /** Known before the read round when an account token or a prompt found it. */
  server?: Server;
  stream?: MessageStream;
  streamId: string;
  /** --server as given, checked against the server a server token belongs to. */
  serverRef?: string;
}

/** Which server and stream: from flags, the tokens, or the user's choice from lists. */
async function chooseTarget(runtime: Runtime, given: GivenInputs, saved: SavedConnection[]): Promise<Target> {
  const { prompter } = runtime;
  let { accountToken, serverToken } = given;
  serverToken ??= findSavedConnection(saved, given)?.serverToken;
  if (!accountToken && !serverToken) ({ accountToken, serverToken } = await promptToken(runtime));
  runtime.secrets.add(accountToken);
  runtime.secrets.add(serverToken);

  let server: Server | undefined;
  if (accountToken && (given.serverRef || !serverToken)) {
    const account = accountApi(runtime, accountToken);
    if (given.serverRef) server = await findServer(account, given.serverRef);
    else {
      const servers = await runtime.output.step("Listing your Postmark servers", () => account.listServers());
      if (servers.length === 0) throw new CliError("no_servers", "This Postmark account has no servers.", { hint: "Create a server in Postmark first." });
      const choices = servers.map((candidate) => ({ value: candidate, name: candidate.Name, description: `ID ${candidate.ID}` }));
      server = await (servers.length > 10 ? prompter.search("Server (type to filter):", choices) : prompter.select("Server:", choices));
    }
    serverToken = server.ApiTokens[0];
    if (!serverToken) throw new CliError("no_server_token", `Server ${serverLabel(server)} has no API token.`, { hint: "Create one under the server's API Tokens tab." });
    runtime.secrets.add(serverToken);
  }
  const api = serverApi(runtime, serverToken!);
  if (given.streamId) return { api, serverToken: serverToken!, server, streamId: given.streamId, serverRef: given.serverRef };

  // Only a person gets here (scripted runs named --stream as missing): offer the usable streams.
  const [streams, knownServer] = await runtime.output.step("Reading the message streams", () =>
    Promise.all([api.listStreams(), server ? Promise.resolve(server) : api.getServer()]),
  );
  const usable = streams.filter((stream) => stream.MessageStreamType !== "Inbound" && !stream.ArchivedAt);
  if (usable.length === 0) {
    throw new CliError("no_usable_streams", `Server ${serverLabel(knownServer)} has no transactional or broadcast stream.`, { hint: "Create one in Postmark, then run setup again." });
  }
  const stream = await prompter.select(
    "Message stream:",
    usable.map((candidate) => ({ value: candidate, name: `${candidate.Name} (${candidate.ID})`, description: candidate.MessageStreamType })),
  );
  return { api, serverToken: serverToken!, server: knownServer, stream, streamId: stream.ID };
}

interface SmtpInput {
  host?: string;
  port: number;
  accessKey: string;
  secretKey: string;
}

async function smtpInputs(runtime: Runtime, given: GivenInputs, previous: SavedConnection | undefined, target: Target): Promise<SmtpInput> {
  // Known already when chosen from a list: say so before asking for keys that could not be used.
  if (target.server) assertSmtpEnabled(target.server);
  let accessKey = given.accessKey ?? previous?.smtp?.accessKey;
  let secretKey = given.secretKey ?? previous?.smtp?.secretKey;
  if (!accessKey || !secretKey) {
    const { output, prompter } = runtime;
    output.info();
    output.info(output.style.bold("SMTP token"));
    output.info(`Customer.io sends through Postmark with an SMTP token made for stream "${target.streamId}":`);
    output.info(`  1. Open ${target.server ? streamSettingsLink(target.server, target.streamId) : `the stream "${target.streamId}" in Postmark`}`);
    output.info('  2. On the Settings tab, click "Generate an SMTP Token".');
    output.info("  3. Copy the Access Key and the Secret Key (Postmark shows the Secret Key only once).");
    accessKey ??= await prompter.input("Access Key:", { validate: required("Access Key") });
    secretKey ??= await prompter.password("Secret Key:", { validate: required("Secret Key") });
  }
  runtime.secrets.add(secretKey);
  return {
    host: given.smtpHost ?? previous?.smtp?.host,
    port: given.smtpPort ?? previous?.smtp?.port ?? DEFAULT_SMTP_PORT,
    accessKey,
    secretKey,
  };
}

interface ResolvedTarget extends Target {
  region: Region;
  smtpInput?: SmtpInput;
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
    return Promise.all([serverRead, streamRead, hooksRead]).catch(async (error) => Promise.reject(await unknownStreamError(api, streamId, error)));
  });
  assertUsableStream(stream);
  assertServerMatches(server, target.serverRef);
  const warnings = serverWarnings(server, stream, Boolean(options.skipSmtp));
  if (!options.skipSmtp) assertSmtpEnabled(server);
  const smtp = smtpCheck ? await provenSmtp(runtime, target.smtpInput!, stream, smtpCheck) : null;

  const desired: DesiredWebhook = { region, streamId: stream.ID, streamType: stream.MessageStreamType };
  const plan = planWebhooks(desired, webhooks);
  const bullet = output.symbols.bullet;
  output.info();
  output.info(output.style.bold(options.dryRun ? "Plan (dry run: nothing will change)" : "Plan"));
  for (const line of describePlan(plan, stream.ID, stream.MessageStreamType, shown)) output.info(`  ${bullet} ${line}`);
  for (const hook of plan.untouched) output.info(`  ${bullet} Leave webhook ${hook.ID} to ${shown(hook.Url)} alone (not Customer.io)`);
  if (stream.MessageStreamType === "Broadcasts") output.info(`  ${BROADCAST_TRIGGERS_NOTE}`);

  if (options.dryRun) return result(runtime, { server, stream, region, smtp, warnings, dryRun: true, plan });
  await confirmDeletions(runtime, plan, Boolean(options.yes));
  if (prompter.interactive && !options.yes && !(await prompter.confirm("Apply this plan and save the connection?", true))) {
    throw new CliError("cancelled", "Cancelled: nothing was changed.");
  }

  const applied = await criticalSection(() => applyAndSave(runtime, options, target, { server, stream, smtp, plan, desired }));
  return result(runtime, { server, stream, region, smtp, warnings: [...warnings, ...applied.warnings], dryRun: false, plan, applied });
}

/** Changes the webhook(s), then saves: the part a Ctrl-C waits for. */
async function applyAndSave(
  runtime: Runtime,
  options: SetupOptions,
  target: ResolvedTarget,
  { server, stream, smtp, plan, desired }: { server: Server; stream: MessageStream; smtp: SmtpCredentials | null; plan: WebhookPlan; desired: DesiredWebhook },
): Promise<AppliedPlan> {
  const applied = await runtime.output.step("Updating the webhook in Postmark", () => applyWebhookPlan(target.api, plan, desired));
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
      ? { host: savedSmtp.host, port: savedSmtp.port, accessKey: savedSmtp.accessKey, ...(storeSecrets && savedSmtp.secretKey ? { secretKey: savedSmtp.secretKey } : {}) }
      : null,
    ...(storeSecrets ? { serverToken: target.serverToken } : {}),
    verifiedAt: smtp ? now : (previous?.verifiedAt ?? null),
    updatedAt: now,
  });
  return applied;
}

/**
 * Waits for the SMTP check. A person whose key pair was rejected (a mis-paste is the usual cause)
 * may paste it again; a scripted run fails.
 */
async function provenSmtp(runtime: Runtime, input: SmtpInput, stream: MessageStream, check: ReturnType<typeof checkSmtp>): Promise<SmtpCredentials> {
  const { output, prompter } = runtime;
  for (let pending = check; ; ) {
    try {
      return await output.step("Checking the SMTP key pair", async (update) => {
        const { credentials, steps } = await pending;
        update(`SMTP ${credentials.host}:${credentials.port}: ${steps.map((step) => STEP_LABELS[step]).join(", ")}`);
        return credentials;
      });
    } catch (error) {
      const retryable = error instanceof CliError && error.code === "smtp_auth_rejected" && prompter.interactive;
      if (!retryable) throw error;
      output.failure(error.message);
      if (!(await prompter.confirm("Paste the Access Key and Secret Key again?", true))) throw error;
      const accessKey = await prompter.input("Access Key:", { default: input.accessKey, validate: required("Access Key") });
      const secretKey = await prompter.password("Secret Key:", { validate: required("Secret Key") });
      input = { ...input, accessKey, secretKey };
      pending = checkSmtp(runtime, input, stream);
    }
  }
}

function assertSmtpEnabled(server: Server): void {
  if (server.SmtpApiActivated) return;
  throw new CliError("smtp_disabled", `SMTP is not enabled on server ${serverLabel(server)}, so Customer.io could not send through it.`, {
    hint: `Turn it on in Postmark: ${serverSettingsLink(server)} (Settings > SMTP), then run setup again. Nothing was changed.`,
  });
}

/** A server token decides the server; a --server beside it must name the same one. */
function assertServerMatches(server: Server, serverRef: string | undefined): void {
  if (serverRef === undefined || String(server.ID) === serverRef || server.Name === serverRef) return;
  throw new CliError("server_mismatch", `POSTMARK_SERVER_TOKEN belongs to server ${serverLabel(server)}, not to --server "${serverRef}".`, {
    exitCode: 2,
    hint: "Drop --server, or use that server's token (or POSTMARK_ACCOUNT_TOKEN).",
  });
}

async function checkSmtp(runtime: Runtime, input: SmtpInput, stream: MessageStream) {
  const credentials: SmtpCredentials = { ...input, host: input.host ?? defaultSmtpHost(stream.MessageStreamType) };
  const steps: SmtpStep[] = [];
  await verifySmtp(credentials, { route: runtime.smtpRoute, timeoutMs: runtime.smtpTimeoutMs, onStep: (step) => steps.push(step) });
  return { credentials, steps };
}

function serverWarnings(server: Server, stream: MessageStream, skipSmtp: boolean): string[] {
  const warnings: string[] = [];
  if (stream.MessageStreamType === "Broadcasts" && stream.SubscriptionManagementConfiguration?.UnsubscribeHandlingType === "Postmark") {
    warnings.push(
      `Stream "${stream.ID}" uses Postmark's own unsubscribe handling: Postmark adds its unsubscribe link and List-Unsubscribe headers, so recipients may see two links. Unsubscribes reach Customer.io through the Subscription Change trigger; only Postmark support can switch the stream to custom handling.`,
    );
  }
  if (skipSmtp && !server.SmtpApiActivated) {
    warnings.push(`SMTP is not enabled on server ${serverLabel(server)}: turn it on (${serverSettingsLink(server)}) before Customer.io sends through it.`);
  }
  return warnings;
}

/** Removing extra Customer.io webhooks needs a yes: from --yes, or from the person at the prompt. */
async function confirmDeletions(runtime: Runtime, plan: WebhookPlan, yes: boolean): Promise<void> {
  if (plan.deletions.length === 0 || yes) return;
  const list = plan.deletions.map(({ webhook }) => `${webhook.ID} (${webhook.Url})`).join(", ");
  if (!runtime.prompter.interactive) {
    throw new CliError("duplicate_webhooks", `The stream has more than one Customer.io webhook (${list}): each event would be counted twice. Nothing was changed.`, {
      hint: "Run again with --yes to remove the extras.",
    });
  }
  const ok = await runtime.prompter.confirm(`Remove ${plan.deletions.length} extra Customer.io webhook(s) (${list})?`, true);
  if (!ok) throw new CliError("cancelled", "Cancelled: nothing was changed.", { hint: "Extra Customer.io webhooks make Customer.io count events twice." });
}

function result(
  runtime: Runtime,
  parts: {
    server: Server;
    stream: MessageStream;
    region: Region;
    smtp: SmtpCredentials | null;
    warnings: string[];
    dryRun: boolean;
    plan: WebhookPlan;
    applied?: AppliedPlan;
  },
): SetupResult {
  const { plan, applied } = parts;
  const planned: Webhook | undefined = plan.target.kind === "create" ? undefined : plan.target.webhook;
  return {
    ...parts,
    webhook: {
      id: applied?.webhook.ID ?? planned?.ID ?? null,
      url: applied?.webhook.Url ?? (plan.target.kind === "create" ? plan.target.body.Url : planned!.Url),
      action: applied?.action ?? "planned",
      removed: applied?.removed ?? plan.deletions.map(({ webhook }) => webhook.ID),
    },
    configFile: runtime.store.path,
  };
}
