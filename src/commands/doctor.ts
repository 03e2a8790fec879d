import { CliError, ExitCode, usageError } from "../errors.js";
import { describePlan, planChangesAnything, planWebhooks, type WebhookPlan } from "../core/webhook-plan.js";
import { parseServerRef, parseStreamId } from "../core/inputs.js";
import { DEFAULT_TEST_RECIPIENT, parseAddress } from "../core/send-test.js";
import { plural } from "../core/words.js";
import type { SendTestAddresses } from "../connections/send-test.js";
import { CHECKS } from "../doctor/checks.js";
import { accountDomains, collectFacts, desiredFor, once, type FactOptions } from "../doctor/facts.js";
import { proveWholeChain } from "../connections/end-to-end.js";
import { askCustomerIoKey } from "../connections/customerio-key.js";
import { parseRegion, readSecretEnv } from "../core/inputs.js";
import type { Region } from "../core/regions.js";
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
  /** --end-to-end: one email through Customer.io, followed both ways (with --from, --to, --timeout). */
  endToEnd?: boolean;
  timeout?: string;
  /** With --fix: move the connections to this region (the customerio-region check's fix). */
  region?: string;
}

/** The most --timeout may ask. */
const MAX_TIMEOUT_S = 3600;

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
  const endToEndInputs = endToEndOptions(runtime, options);
  const region = parseRegion(options.region);
  if (region && !options.fix)
    throw usageError(
      "region_without_fix",
      "--region goes with --fix: doctor --fix --region moves the connections' webhooks to that region.",
    );
  const customerioKey = readSecretEnv(runtime.env, "CUSTOMERIO_APP_API_KEY", "Customer.io");
  runtime.postmark(); // POSTMARK_API_URL, checked before anything else
  if (customerioKey) runtime.customerio(customerioKey); // and the Customer.io hosts
  const saved = await runtime.store.list();
  registerSavedSecrets(runtime, saved);
  await reportInvalidEntries(runtime);
  const connections = selectConnections(runtime, saved, serverRef, streamId);
  if (connections.length === 0) {
    throw new CliError("no_connections", `No saved connections to check in ${runtime.store.path}.`, {
      hint: `Run \`${runtime.command("setup")}\` first.`,
    });
  }
  const { workspace, endToEnd } = await customerioFacts(runtime, connections, customerioKey, endToEndInputs);
  const verifyWebhook = options.verifyWebhook === true;
  let reports = await checkAll(runtime, connections, { sendTo, verifyWebhook, workspace, endToEnd });
  if (options.fix) {
    const repaired = await fixAll(runtime, reports, {
      yes: Boolean(options.yes),
      verify: options.verifyWebhook !== false,
      verbose: Boolean(options.verbose),
      region,
    });
    if (repaired) {
      runtime.output.info(runtime.output.style.bold("\nChecking again after the repairs"));
      const checked = new Set(connections.map((connection) => connectionKey(connection.serverId, connection.streamId)));
      const current = await runtime.store.list(); // the repairs may have saved new webhook ids
      const first = reports;
      reports = await checkAll(
        runtime,
        current.filter((connection) => checked.has(connectionKey(connection.serverId, connection.streamId))),
        { verifyWebhook, workspace },
      );
      // The test messages proved their point in the first round: one message per run, its verdict kept.
      if (sendTo) reports = reports.map((report) => keepCheck(report, first, "smtp-send"));
      if (endToEndInputs) reports = reports.map((report) => keepCheck(report, first, "end-to-end"));
    }
  }
  render(runtime, reports, { verbose: Boolean(options.verbose) });
  return reports.some((report) => report.checks.some((check) => check.status === "fail")) ? ExitCode.failure : ExitCode.ok;
}

/**
 * What the Customer.io checks read, once for every connection of the run: the key's workspace, and
 * --end-to-end's one email (one server per run: Customer.io sends through one SMTP token).
 */
async function customerioFacts(
  runtime: Runtime,
  connections: SavedConnection[],
  key: string | undefined,
  endToEndInputs: ReturnType<typeof endToEndOptions>,
): Promise<Required<Pick<FactOptions, "workspace" | "endToEnd">>> {
  if (endToEndInputs) {
    if (new Set(connections.map((connection) => connection.serverId)).size > 1) {
      throw usageError(
        "end_to_end_one_server",
        "--end-to-end sends one email, through one Postmark server: name it with --server (and --stream).",
      );
    }
    key ??= await askCustomerIoKey(runtime, "--end-to-end");
  }
  if (!key) return { workspace: () => undefined, endToEnd: () => undefined };
  const customerio = runtime.customerio(key);
  const workspace = once(() => customerio.workspace());
  if (!endToEndInputs) return { workspace, endToEnd: () => undefined };
  const endToEnd = once(async () =>
    proveWholeChain(runtime, {
      customerio,
      workspace: await workspace(),
      api: serverApi(runtime, await serverTokenFor(runtime, connections[0]!)),
      connections,
      ...endToEndInputs,
      pollMs: runtime.sendTest.pollMs,
    }),
  );
  return { workspace, endToEnd };
}

/** Doctor knows the server by its saved ID: the page's address is built from it. */
function webhooksPageOf(connection: SavedConnection): string {
  return shown(streamWebhooksLink({ ID: connection.serverId, ServerLink: "" }, connection.streamId));
}

/** The report with one check's outcome taken from an earlier round on the same connection. */
function keepCheck(report: ConnectionReport, earlier: ConnectionReport[], id: string): ConnectionReport {
  const key = connectionKey(report.connection.serverId, report.connection.streamId);
  const before = earlier
    .find((candidate) => connectionKey(candidate.connection.serverId, candidate.connection.streamId) === key)
    ?.checks.find((check) => check.id === id);
  return before ? { ...report, checks: report.checks.map((check) => (check.id === id ? before : check)) } : report;
}

/** --end-to-end's addresses and deadline; --from is required, as for --send-test. */
function endToEndOptions(runtime: Runtime, options: DoctorOptions): { from: string; to: string; timeoutMs: number } | undefined {
  const timeout = options.timeout === undefined ? undefined : options.timeout.trim();
  if (timeout !== undefined && !/^\d{1,4}$/.test(timeout))
    throw usageError(
      "invalid_timeout",
      `--timeout must be a whole number of seconds (got ${JSON.stringify(options.timeout)}).`,
      "For example --timeout 180.",
    );
  const seconds = timeout === undefined ? runtime.endToEndTimeoutMs / 1000 : Number(timeout);
  if (seconds <= 0 || seconds > MAX_TIMEOUT_S)
    throw usageError("invalid_timeout", `--timeout must be between 1 and ${MAX_TIMEOUT_S} seconds (got ${seconds}).`);
  if (!options.endToEnd) {
    if (timeout !== undefined) throw usageError("timeout_without_end_to_end", "--timeout goes with --end-to-end.");
    return undefined;
  }
  const from = parseAddress("--from", options.from);
  if (!from)
    throw usageError(
      "missing_input",
      "--end-to-end needs --from <address>: a confirmed sender signature or an address on a verified domain in Postmark.",
    );
  return { from, to: parseAddress("--to", options.to) ?? DEFAULT_TEST_RECIPIENT, timeoutMs: seconds * 1000 };
}

/** --send-test's addresses; --from is required with it, since this run cannot know a sender. */
function sendTestAddresses(options: DoctorOptions): SendTestAddresses | undefined {
  const from = parseAddress("--from", options.from);
  const to = parseAddress("--to", options.to) ?? DEFAULT_TEST_RECIPIENT;
  if (!options.sendTest) return undefined;
  if (!from)
    throw usageError(
      "missing_input",
      "--send-test needs --from <address>: a confirmed sender signature or an address on a verified domain.",
    );
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
  return runtime.output.counting(
    (done) => `Checking ${done} of ${connections.length} connections`,
    `Checked ${connections.length} connections`,
    checkEach,
  );
}

/** Repairs what can be repaired: the config file's mode, and webhook drift by the same plan as setup. */
async function fixAll(
  runtime: Runtime,
  reports: ConnectionReport[],
  { yes, verify, verbose, region }: { yes: boolean; verify: boolean; verbose: boolean; region?: Region },
): Promise<boolean> {
  const { output, prompter, store } = runtime;
  let repaired = false;
  if (
    reports.some((report) => report.checks.some((check) => check.id === "config-file" && check.status === "fail")) &&
    store.fileMode() !== undefined
  ) {
    store.restrictModes();
    output.success(`Set ${store.path} to mode 0600, in a folder of mode 0700.`);
    repaired = true;
  }
  for (const { connection } of reports) {
    const fixed = await runtime.withLock("doctor --fix", async () => {
      const desired = { ...desiredFor(connection), region: region ?? connection.region };
      const moved = desired.region !== connection.region;
      let plan: WebhookPlan;
      let api: ServerApi;
      try {
        api = serverApi(runtime, await serverTokenFor(runtime, connection));
        plan = planWebhooks(desired, await api.listWebhooks(connection.streamId));
      } catch {
        return false; // the checks already say why the webhooks cannot be read
      }
      if (!planChangesAnything(plan) && !moved) return false;
      output.info(output.style.bold(`\nRepair plan for ${describeConnection(connection)}`));
      for (const line of describePlan(plan, connection.streamId, connection.streamType, shown))
        output.info(`  ${output.symbols.bullet} ${line}`);
      const extras = plan.deletions.length === 1 ? "the extra Customer.io webhook" : "the extra Customer.io webhooks";
      if (plan.deletions.length && !yes && !(prompter.interactive && (await prompter.confirm(`Delete ${extras}?`, true)))) {
        output.warn("Extra Customer.io webhooks left in place: run with --yes to delete them.");
        plan = { ...plan, deletions: [] };
        if (!planChangesAnything(plan) && !moved) return false;
      }
      await criticalSection(
        async () => {
          const applied = await output.step("Repairing the webhook", () =>
            applyWebhookPlan(api, plan, desired, { verify, webhooksPage: webhooksPageOf(connection) }),
          );
          for (const warning of applied.warnings) output.warn(shown(warning));
          await store.save({
            ...connection,
            region: desired.region,
            webhookId: applied.webhook.ID,
            webhookUrl: applied.webhook.Url,
            updatedAt: new Date().toISOString(),
          });
          recordDone(
            `the webhook of ${describeConnection(connection)} ${moved ? `moved to region ${desired.region.toUpperCase()}` : "repaired"}`,
          );
        },
        (_done, signal) => render(runtime, reports, { verbose, interrupted: signal }),
      );
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
        checks: checks.map(({ id, status, message, fix, details }) => ({ id, status, message, fix: fix ?? null, ...details })),
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
    lines.push(
      "",
      output.style.bold(`${describeConnection(connection)} (${connection.streamType}, region ${connection.region.toUpperCase()})`),
    );
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
