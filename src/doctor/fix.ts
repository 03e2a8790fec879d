import { withoutDeletions } from "../core/connection-plan.js";
import { describePlan } from "../core/webhook-plan.js";
import type { Region } from "../core/regions.js";
import { applyAndSave, ERROR_HOOKS_STEP, errorHooksOff, judgeReading, type Planned } from "../connections/apply-plan.js";
import { serverApi, serverTokenFor } from "../connections/clients.js";
import { consent, needsYes } from "../connections/consent.js";
import { readConnection } from "../connections/read.js";
import { connectionFlags, describeConnection, sendingOf } from "../connections/saved.js";
import { criticalSection } from "../interrupt.js";
import { recordDone } from "../journal.js";
import type { Runtime } from "../runtime.js";
import type { SavedConnection } from "../store/config-store.js";
import { shown } from "../ui/terminal-safe.js";
import type { ConnectionReport } from "./collect.js";
import { wantedOf } from "./judge.js";
import { renderDoctor } from "./render.js";

/** doctor --fix: the repairs, by the same plan as setup, each under the lock and let finish by a signal. */

export interface FixOptions {
  yes: boolean;
  verify: boolean;
  verbose: boolean;
  /** --region: move the connections' webhooks to this region. */
  region?: Region;
}

/** What --fix did: whether anything changed, and whether a repair was left unfinished (so the run fails). */
export interface FixOutcome {
  repaired: boolean;
  unfinished: boolean;
}

type Repair = "repaired" | "unchanged" | "unfinished";

/** Repairs what can be repaired: the config file's mode, and each connection by the one judgement and the one writer setup uses. */
export async function fixAll(runtime: Runtime, reports: ConnectionReport[], options: FixOptions): Promise<FixOutcome> {
  const { output, store } = runtime;
  const outcome: FixOutcome = { repaired: false, unfinished: false };
  assertConsentKnown(runtime, reports, options);
  const modeFailed = reports.some((report) => report.checks.some((check) => check.id === "config-file" && check.repair !== undefined));
  if (modeFailed && store.fileMode() !== undefined) {
    store.restrictModes();
    output.success(`Set ${store.path} to mode 0600, in a folder of mode 0700.`);
    outcome.repaired = true;
  }
  for (const { connection } of reports) {
    const repair = await runtime.withLock("doctor --fix", () => repairOne(runtime, connection, reports, options));
    outcome.repaired ||= repair === "repaired";
    outcome.unfinished ||= repair === "unfinished";
  }
  return outcome;
}

/**
 * The one consent rule, before any change: where a repair deletes a webhook (an extra one, or the
 * other region's in a move) and this run cannot ask, nothing at all is changed.
 */
function assertConsentKnown(runtime: Runtime, reports: ConnectionReport[], options: FixOptions): void {
  if (options.yes || runtime.interactive) return;
  const deleting = reports.filter(
    ({ connection, checks }) =>
      (options.region !== undefined && options.region !== connection.region) ||
      checks.some((check) => check.status === "fail" && check.repair?.consent),
  );
  if (deleting.length === 0) return;
  const [only] = deleting;
  const flags = deleting.length === 1 ? connectionFlags(only!.connection) : [];
  const again = runtime.command("doctor", "--fix", ...(options.region ? ["--region", options.region] : []), "--yes", ...flags);
  throw needsYes(
    `The repair of ${deleting.map(({ connection }) => describeConnection(connection)).join(", ")} deletes a Customer.io webhook`,
    again,
  );
}

async function repairOne(runtime: Runtime, checked: SavedConnection, reports: ConnectionReport[], options: FixOptions): Promise<Repair> {
  const { output } = runtime;
  // Under the lock, what is about to change is read again: a connection removed meanwhile is left removed.
  const connection = await runtime.store.find(checked.serverId, checked.streamId);
  if (!connection) return "unchanged";
  let planned: Planned;
  try {
    const api = serverApi(runtime, await serverTokenFor(runtime, connection));
    const wanted = wantedOf(connection, { region: options.region, verifies: options.verify });
    const reading = readConnection(async () => api, { ...wanted, webhookId: connection.webhookId });
    planned = await judgeReading(runtime, api, reading, wanted, connection.webhookUnverified === true);
  } catch {
    return "unchanged"; // the checks already say why the connection cannot be read
  }
  const { wanted } = planned;
  let repair = planned.verdict.plan!;
  const errorHooks = errorHooksOff(planned.verdict);
  if (!repair.changesAnything && !errorHooks) return "unchanged";
  const moved = repair.movesFrom !== undefined;
  const again = runtime.command("doctor", "--fix", ...(moved ? ["--region", wanted.region] : []), "--yes", ...connectionFlags(connection));
  output.info(output.style.bold(`\nRepair plan for ${describeConnection(connection)}`));
  for (const line of describePlan(repair.webhooks, connection.streamId, connection.streamType, shown, { verify: repair.verify })) {
    output.info(`  ${output.symbols.bullet} ${line}`);
  }
  if (errorHooks) output.info(`  ${output.symbols.bullet} ${ERROR_HOOKS_STEP}`);
  if (repair.needsConsent.length > 0) {
    const what = repair.needsConsent.length === 1 ? "the extra Customer.io webhook" : "the extra Customer.io webhooks";
    const deleting = `The repair of ${describeConnection(connection)} deletes ${what}`;
    if (!(await consent(runtime, { yes: options.yes, what: deleting, question: `Delete ${what}?`, again }))) {
      if (moved) {
        output.warn("Nothing was changed: moving while keeping the other region's webhook would have Customer.io count events twice.");
        return "unfinished";
      }
      output.warn("Extra Customer.io webhooks left in place: run with --yes to delete them.");
      repair = withoutDeletions(repair);
      if (!repair.changesAnything && !errorHooks) return "unchanged";
    }
  }
  return criticalSection(
    async () => {
      // What exists is saved as soon as it exists, even when a deletion after it failed: a re-run then converges on it.
      const outcome = await output.step(
        repair.changesAnything ? "Repairing the webhook" : "Turning on the server's SMTP API error webhooks",
        () =>
          applyAndSave(
            runtime,
            { ...planned, verdict: { ...planned.verdict, plan: repair } },
            { verify: options.verify, sending: sendingOf(connection), previous: connection, again },
          ),
      );
      for (const warning of outcome.applied.warnings) output.warn(shown(warning));
      const done = moved ? `moved to region ${wanted.region.toUpperCase()} (webhook ${outcome.applied.webhook.ID})` : "repaired";
      // What the journal says was done: a repair of the error webhooks alone did not touch the webhook.
      recordDone(
        repair.changesAnything
          ? `the webhook of ${describeConnection(connection)} ${done}`
          : `the SMTP API error webhooks of ${shown(connection.serverName)} turned on`,
      );
      if (!outcome.unfinished) return "repaired";
      output.failure(`${outcome.unfinished.message} ${outcome.unfinished.hint}`);
      return "unfinished";
    },
    (_done, signal) => renderDoctor(runtime, reports, { verbose: options.verbose, interrupted: signal }),
  );
}
