import { CliError, ExitCode, usageError } from "../errors.js";
import type { Region } from "../core/regions.js";
import { parseServerRef, parseStreamId } from "../core/inputs.js";
import { givenAddresses, isBounceTestAddress, sendTestAddresses } from "../core/send-test.js";
import { checkAll, hasFailure, keepCheck } from "../doctor/collect.js";
import { fixAll } from "../doctor/fix.js";
import { renderDoctor } from "../doctor/render.js";
import { tokenFor, type FactOptions } from "../doctor/facts.js";
import { once } from "../connections/read.js";
import { proveWholeChain } from "../connections/end-to-end.js";
import { askCustomerIoKey, assertRegionMatchesKey } from "../connections/customerio-key.js";
import { parseRegion, readSecretEnv } from "../core/inputs.js";
import type { Runtime } from "../runtime.js";
import { connectionKey } from "../core/matching.js";
import type { SavedConnection } from "../store/config-store.js";
import { registerSavedSecrets, reportInvalidEntries, selectConnections } from "../connections/saved.js";
import { serverApi } from "../connections/clients.js";
import { fileCommand, readConnectionsFile, type ConnectionsFile } from "../connections/file.js";
import { connectionsFromFile } from "../doctor/from-file.js";
import type { ConnectionReport } from "../doctor/collect.js";
import type { CheckedConnection } from "../doctor/types.js";
import type { DoctorOptions } from "./doctor-options.js";
import { CUSTOMERIO_KEY_HELP } from "../customerio/api.js";

/** The most --timeout may ask. */
const MAX_TIMEOUT_S = 3600;

/** `doctor`: every check on every saved connection (or the one named); `--fix` repairs drift and checks again. */
export async function runDoctor(runtime: Runtime, options: DoctorOptions): Promise<number> {
  const serverRef = parseServerRef(options.server);
  const streamId = parseStreamId(options.stream);
  const sendTo = sendTestAddresses(options);
  const customerioKey = readSecretEnv(runtime.env, "CUSTOMERIO_APP_API_KEY", "Customer.io");
  const endToEndInputs = endToEndOptions(runtime, options, customerioKey !== undefined);
  const region = parseRegion(options.region);
  if (region && !options.fix)
    throw usageError(
      "region_without_fix",
      "--region goes with --fix: doctor --fix --region moves the connections' webhooks to that region.",
    );
  runtime.postmark(); // POSTMARK_API_URL, checked before anything else
  if (customerioKey) runtime.customerio(customerioKey); // and the Customer.io hosts
  const file = options.file === undefined ? undefined : readConnectionsFile(runtime, options.file);
  if (file && (options.fix || region))
    throw usageError(
      "fix_with_file",
      "doctor --file only checks: apply repairs the file's connections.",
      `To repair them: ${runtime.command("apply", "--file", file.name, ...(runtime.interactive ? [] : ["--yes"]))}`,
    );
  // The commands a file's connections print repair through the file.
  if (file) runtime = { ...runtime, command: fileCommand(runtime.command, file, runtime.interactive) };
  const { connections, unfound } = file
    ? await fileConnections(runtime, file, serverRef, streamId)
    : await savedConnections(runtime, serverRef, streamId);
  if (connections.length === 0) {
    renderDoctor(runtime, inFileOrder([], unfound), { verbose: Boolean(options.verbose) });
    return ExitCode.failure; // only a file's connections can all be unfound: a saved list that is empty was refused above
  }
  // --end-to-end's words go to the spinner of the checks, once the spinner is there to take them.
  let sayProgress = (_text: string) => {};
  const say = (text: string) => sayProgress(text);
  const { workspace, endToEnd } = await customerioFacts(runtime, connections, customerioKey, endToEndInputs, region, say);
  // A move against the key's workspace is refused before any change, as setup refuses it.
  if (region && customerioKey) assertRegionMatchesKey(region, await workspace()!);
  const verifyWebhook = options.verifyWebhook === true;
  let reports = await checkAll(runtime, connections, { sendTo, verifyWebhook, workspace, endToEnd }, (spinner) => (sayProgress = spinner));
  // A repair --fix left half done (nothing changed without --yes, or a deletion that failed) fails the run.
  let unfinished = false;
  if (options.fix) {
    const fixed = await fixAll(runtime, reports, {
      yes: Boolean(options.yes),
      verify: options.verifyWebhook !== false,
      verbose: Boolean(options.verbose),
      region,
    });
    unfinished = fixed.unfinished;
    if (fixed.repaired) {
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
  // What is shown is what decides the exit code: a file's connection that could not be found fails the run too.
  const shownReports = inFileOrder(reports, unfound);
  renderDoctor(runtime, shownReports, { verbose: Boolean(options.verbose) });
  return unfinished || hasFailure(shownReports) ? ExitCode.failure : ExitCode.ok;
}

async function savedConnections(
  runtime: Runtime,
  serverRef?: string,
  streamId?: string,
): Promise<{ connections: CheckedConnection[]; unfound: Unfound[] }> {
  const saved = await runtime.store.list();
  registerSavedSecrets(runtime, saved);
  await reportInvalidEntries(runtime);
  const connections = selectConnections(runtime, saved, serverRef, streamId);
  if (connections.length === 0) {
    throw new CliError("no_connections", `No saved connections to check in ${runtime.store.path}.`, {
      hint: `To connect one first: ${runtime.command("setup")}`,
    });
  }
  return { connections, unfound: [] };
}

/** A file's connection doctor could not find in Postmark, with its place among the file's connections. */
interface Unfound {
  index: number;
  report: ConnectionReport;
}

/** doctor --file: the file's connections (those --server and --stream name), found in Postmark, with no saved config. */
async function fileConnections(
  runtime: Runtime,
  file: ConnectionsFile,
  serverRef?: string,
  streamId?: string,
): Promise<{ connections: CheckedConnection[]; unfound: Unfound[] }> {
  const found = await connectionsFromFile(runtime, file);
  const connections = found.flatMap((entry) => ("connection" in entry ? [entry.connection] : []));
  const unfound = found.flatMap((entry, index) => ("failed" in entry ? [{ index, report: entry.failed }] : []));
  if (serverRef === undefined && streamId === undefined) return { connections, unfound };
  return { connections: selectConnections(runtime, connections, serverRef, streamId), unfound: [] };
}

/** The reports with the connections that could not be found put back at their places in the file. */
function inFileOrder(reports: ConnectionReport[], unfound: Unfound[]): ConnectionReport[] {
  const ordered = [...reports];
  for (const { index, report } of unfound) ordered.splice(index, 0, report);
  return ordered;
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
  region: Region | undefined,
  say: (text: string) => void,
): Promise<Required<Pick<FactOptions, "workspace" | "endToEnd">>> {
  if (endToEndInputs) {
    if (new Set(connections.map((connection) => connection.serverId)).size > 1) {
      throw usageError(
        "end_to_end_one_server",
        "--end-to-end sends one email, through one Postmark server: name it with --server (and --stream).",
      );
    }
    if (connections.every((connection) => connection.streamType === "Broadcasts") && isBounceTestAddress(endToEndInputs.to)) {
      throw usageError(
        "end_to_end_needs_mailbox",
        `--end-to-end through a broadcast stream needs --to: ${endToEndInputs.to} bounces, and a broadcast stream's webhook carries ` +
          `no Bounce event, so the proof could never pass.`,
        "Add --to with a mailbox you can read: its Delivery event reaches Customer.io from a broadcast stream too.",
      );
    }
    key ??= await askCustomerIoKey(runtime, "--end-to-end");
  }
  if (!key) return { workspace: () => undefined, endToEnd: () => undefined };
  const customerio = runtime.customerio(key);
  // The host of the region asked for (or saved) first: an outage of the other one then costs nothing.
  const workspace = once(() => customerio.workspace(region ?? connections[0]?.region));
  if (!endToEndInputs) return { workspace, endToEnd: () => undefined };
  const endToEnd = once(async () =>
    proveWholeChain(
      runtime,
      {
        customerio,
        workspace: await workspace(),
        api: serverApi(runtime, await tokenFor(runtime, connections[0]!)),
        connections,
        ...endToEndInputs,
        pollMs: runtime.sendTest.pollMs,
      },
      say,
    ),
  );
  return { workspace, endToEnd };
}

/** --end-to-end's addresses and deadline; --from is required, as for --send-test. */
function endToEndOptions(
  runtime: Runtime,
  options: DoctorOptions,
  hasKey: boolean,
): { from: string; to: string; timeoutMs: number } | undefined {
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
  const { from, to } = givenAddresses(options);
  if (!from) {
    // Every input a scripted run lacks is named at once, not one run at a time.
    const missing = [
      "--from <address>: a confirmed sender signature or an address on a verified domain in Postmark",
      ...(hasKey || runtime.interactive ? [] : ["CUSTOMERIO_APP_API_KEY (env): a Customer.io App API key"]),
    ];
    throw usageError(
      "missing_input",
      `--end-to-end needs:\n  ${missing.join("\n  ")}`,
      missing.length > 1 ? CUSTOMERIO_KEY_HELP : undefined,
    );
  }
  return { from, to, timeoutMs: seconds * 1000 };
}
