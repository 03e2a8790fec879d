import { CliError, ExitCode, usageError } from "../errors.js";
import { describePlan, planChangesAnything, type WebhookPlan } from "../core/webhook-plan.js";
import { parseServerRef, parseStreamId } from "../core/inputs.js";
import { DEFAULT_TEST_RECIPIENT, parseAddress } from "../core/send-test.js";
import { plural } from "../core/words.js";
import type { SendTestAddresses } from "../connections/send-test.js";
import { CHECKS } from "../doctor/checks.js";
import { accountDomains, collectFacts, desiredFor, type FactOptions } from "../doctor/facts.js";
import { shown } from "../ui/terminal-safe.js";
import { streamWebhooksLink } from "../postmark/links.js";
import { runChecks, type CheckOutcome } from "../doctor/runner.js";
import { applyWebhookPlan } from "../postmark/webhook-writer.js";
import type { GlobalOptions, Runtime } from "../runtime.js";
import { connectionKey, type SavedConnection } from "../store/config-store.js";
import { criticalSection } from "../interrupt.js";
import { recordDone } from "../journal.js";
import { describeConnection, registerSavedSecrets, reportInvalidEntries, selectConnections } from "../connections/saved.js";
import { serverApi, serverTokenFor } from "../connections/clients.js";
import type { ServerApi } from "../postmark/api.js";

interface DoctorOptions extends GlobalOptions {
  server?: string;
  stream?: string;
  fix?: boolean;
  yes?: boolean;
  sendTest?: boolean;
  from?: string;
  to?: string;
  /** --verify-webhook (true): Postmark calls the URL now; --no-verify-webhook (false): --fix saves without that call. */
  verifyWebhook?: boolean;
  verbose?: boolean;
}

/** Over more than this many connections, a count replaces the spinner and all-pass connections are one line each. */
const FEW_CONNECTIONS = 3;

interface ConnectionReport {
  connection: SavedConnection;
  checks: CheckOutcome[];
}

/** `doctor`: every check on every saved connection (or the one named); `--fix` repairs drift and checks again. */
export async function runDoctor(runtime: Runtime, options: DoctorOptions): Promise<number> {
  const serverRef = parseServerRef(options.server);
  const streamId = parseStreamId(options.stream);
  const sendTo = sendTestAddresses(options);
  runtime.postmark(); // POSTMARK_API_URL, checked before anything else
  const saved = await runtime.store.list();
  registerSavedSecrets(runtime, saved);
  await reportInvalidEntries(runtime);
  const connections = selectConnections(runtime, saved, serverRef, streamId);
  if (connections.length === 0) {
    throw new CliError("no_connections", `No saved connections to check in ${runtime.store.path}.`, { hint: `Run \`${runtime.command("setup")}\` first.` });
  }
  const verifyWebhook = options.verifyWebhook === true;
  let reports = await checkAll(runtime, connections, { sendTo, verifyWebhook });
  if (options.fix) {
    const repaired = await fixAll(runtime, reports, { yes: Boolean(options.yes), verify: options.verifyWebhook !== false, verbose: Boolean(options.verbose) });
    if (repaired) {
      runtime.output.info(runtime.output.style.bold("\nChecking again after the repairs"));
      const checked = new Set(connections.map((connection) => connectionKey(connection.serverId, connection.streamId)));
      const current = await runtime.store.list(); // the repairs may have saved new webhook ids
      // The test message proved its point in the first round: one message per run, its verdict kept.
      const first = reports;
      reports = await checkAll(runtime, current.filter((connection) => checked.has(connectionKey(connection.serverId, connection.streamId))), { verifyWebhook });
      if (sendTo) reports = reports.map((report) => keepCheck(report, first, "smtp-send"));
    }
  }
  render(runtime, reports, { verbose: Boolean(options.verbose) });
  return reports.some((report) => report.checks.some((check) => check.status === "fail")) ? ExitCode.failure : ExitCode.ok;
}

/** Doctor knows the server by its saved ID: the page's address is built from it. */
function webhooksPageOf(connection: SavedConnection): string {
  return shown(streamWebhooksLink({ ID: connection.serverId, ServerLink: "" }, connection.streamId));
}

/** The report with one check's outcome taken from an earlier round on the same connection. */
function keepCheck(report: ConnectionReport, earlier: ConnectionReport[], id: string): ConnectionReport {
  const key = connectionKey(report.connection.serverId, report.connection.streamId);
  const before = earlier.find((candidate) => connectionKey(candidate.connection.serverId, candidate.connection.streamId) === key)?.checks.find((check) => check.id === id);
  return before ? { ...report, checks: report.checks.map((check) => (check.id === id ? before : check)) } : report;
}

/** --send-test's addresses; --from is required with it, since this run cannot know a sender. */
function sendTestAddresses(options: DoctorOptions): SendTestAddresses | undefined {
  const from = parseAddress("--from", options.from);
  const to = parseAddress("--to", options.to) ?? DEFAULT_TEST_RECIPIENT;
  if (!options.sendTest) return undefined;
  if (!from) throw usageError("missing_input", "--send-test needs --from <address>: a confirmed sender signature or an address on a verified domain.");
  return { from, to };
}

/** Every connection at once: the process's cap on requests in flight sets the pace, not this loop. */
function checkAll(runtime: Runtime, connections: SavedConnection[], options: FactOptions): Promise<ConnectionReport[]> {
  const shared = { ...options, domains: accountDomains(runtime) };
  const checkEach = (checked: () => void) =>
    Promise.all(
      connections.map(async (connection) => {
        const checks = await runChecks(CHECKS, collectFacts(runtime, connection, shared));
        checked();
        return { connection, checks };
      }),
    );
  const label = `Checking ${plural(connections.length, "connection")}`;
  if (connections.length <= FEW_CONNECTIONS) return runtime.output.step(label, () => checkEach(() => undefined));
  return runtime.output.counting((done) => `Checking ${done} of ${connections.length} connections`, `Checked ${connections.length} connections`, checkEach);
}

/** Repairs what can be repaired: the config file's mode, and webhook drift by the same plan as setup. */
async function fixAll(runtime: Runtime, reports: ConnectionReport[], { yes, verify, verbose }: { yes: boolean; verify: boolean; verbose: boolean }): Promise<boolean> {
  const { output, prompter, store } = runtime;
  let repaired = false;
  if (reports.some((report) => report.checks.some((check) => check.id === "config-file" && check.status === "fail")) && store.fileMode() !== undefined) {
    store.restrictModes();
    output.success(`Set ${store.path} to mode 0600, in a folder of mode 0700.`);
    repaired = true;
  }
  for (const { connection } of reports) {
    const fixed = await runtime.withLock("doctor --fix", async () => {
      let plan: WebhookPlan;
      let api: ServerApi;
      try {
        api = serverApi(runtime, await serverTokenFor(runtime, connection));
        plan = await collectFacts(runtime, connection).plan();
      } catch {
        return false; // the checks already say why the webhooks cannot be read
      }
      if (!planChangesAnything(plan)) return false;
      output.info(output.style.bold(`\nRepair plan for ${describeConnection(connection)}`));
      for (const line of describePlan(plan, connection.streamId, connection.streamType, shown)) output.info(`  ${output.symbols.bullet} ${line}`);
      const extras = plan.deletions.length === 1 ? "the extra Customer.io webhook" : "the extra Customer.io webhooks";
      if (plan.deletions.length && !yes && !(prompter.interactive && (await prompter.confirm(`Delete ${extras}?`, true)))) {
        output.warn("Extra Customer.io webhooks left in place: run with --yes to delete them.");
        plan = { ...plan, deletions: [] };
        if (!planChangesAnything(plan)) return false;
      }
      await criticalSection(async () => {
        const applied = await output.step("Repairing the webhook", () => applyWebhookPlan(api, plan, desiredFor(connection), { verify, webhooksPage: webhooksPageOf(connection) }));
        for (const warning of applied.warnings) output.warn(shown(warning));
        await store.save({ ...connection, webhookId: applied.webhook.ID, webhookUrl: applied.webhook.Url, updatedAt: new Date().toISOString() });
        recordDone(`the webhook of ${describeConnection(connection)} repaired`);
      }, (_done, signal) => render(runtime, reports, { verbose, interrupted: signal }));
      return true;
    });
    repaired ||= fixed;
  }
  return repaired;
}

/**
 * The report; `interrupted` names the signal that stops the run after a repair (the checks shown are
 * those before it). Over more than a few connections, one that passes every check is one line.
 */
function render(runtime: Runtime, reports: ConnectionReport[], { verbose, interrupted }: { verbose: boolean; interrupted?: string }): void {
  const { output } = runtime;
  const failed = reports.some((report) => report.checks.some((check) => check.status === "fail"));
  if (output.json) {
    output.writeJson({
      ...(interrupted ? { interrupted } : {}),
      ok: !failed,
      connections: reports.map(({ connection, checks }) => ({
        server: { id: connection.serverId, name: connection.serverName },
        stream: { id: connection.streamId, type: connection.streamType },
        region: connection.region,
        checks: checks.map(({ id, status, message, fix }) => ({ id, status, message, fix: fix ?? null })),
      })),
    });
    return;
  }
  const colour = { pass: output.style.green, warn: output.style.yellow, fail: output.style.red, skip: output.style.dim };
  const lines: string[] = [];
  const counts = { pass: 0, warn: 0, fail: 0, skip: 0 };
  const brief = !verbose && reports.length > FEW_CONNECTIONS;
  let previousBrief = false;
  for (const { connection, checks } of reports) {
    for (const check of checks) counts[check.status] += 1;
    if (brief && checks.every((check) => check.status === "pass" || check.status === "skip")) {
      const passed = checks.filter((check) => check.status === "pass").length;
      if (!previousBrief) lines.push("");
      lines.push(`${colour.pass(output.symbols.pass)} ${describeConnection(connection)} (${connection.region}): ${passed} ok`);
      previousBrief = true;
      continue;
    }
    previousBrief = false;
    lines.push("", output.style.bold(`${describeConnection(connection)} (${connection.streamType}, region ${connection.region.toUpperCase()})`));
    for (const check of checks) {
      lines.push(`  ${colour[check.status](output.symbols[check.status])} ${check.id}: ${check.message}`);
      if (check.fix && check.status !== "pass") lines.push(`      ${output.style.cyan("fix:")} ${check.fix}`);
    }
  }
  lines.push(
    "",
    `${failed ? output.style.red("Problems found") : output.style.green("All good")}: ${counts.pass} ok, ${plural(counts.warn, "warning")}, ${plural(counts.fail, "problem")}, ${counts.skip} skipped.`,
  );
  output.result(lines.join("\n"));
}
