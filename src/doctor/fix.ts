import { withoutDeletions, type ConnectionPlan } from "../core/connection-plan.js";
import { readConnectionPlan } from "../connections/read-plan.js";
import { describePlan } from "../core/webhook-plan.js";
import type { Region } from "../core/regions.js";
import { serverApi, serverTokenFor } from "../connections/clients.js";
import { connectionFlags, describeConnection } from "../connections/saved.js";
import { criticalSection } from "../interrupt.js";
import { recordDone } from "../journal.js";
import type { ServerApi } from "../postmark/api.js";
import { streamWebhooksLink } from "../postmark/links.js";
import { applyWebhookPlan } from "../postmark/webhook-writer.js";
import type { Runtime } from "../runtime.js";
import type { SavedConnection } from "../store/config-store.js";
import { shown } from "../ui/terminal-safe.js";
import type { ConnectionReport } from "./collect.js";
import { desiredFor } from "./facts.js";
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

/** Repairs what can be repaired: the config file's mode, and webhook drift by the same plan as setup. */
export async function fixAll(runtime: Runtime, reports: ConnectionReport[], options: FixOptions): Promise<FixOutcome> {
  const { output, store } = runtime;
  const outcome: FixOutcome = { repaired: false, unfinished: false };
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

/** The plan for one connection: what Postmark has (its statistics too, which name paused triggers) against what is wanted. */
function planRepair(api: ServerApi, connection: SavedConnection, { verify, region }: FixOptions): Promise<ConnectionPlan> {
  const wanted = { ...desiredFor(connection), region: region ?? connection.region };
  return readConnectionPlan(api, {}, { ...wanted, needsSmtp: connection.smtp !== null, savedRegion: connection.region, verifies: verify });
}

async function repairOne(runtime: Runtime, connection: SavedConnection, reports: ConnectionReport[], options: FixOptions): Promise<Repair> {
  const { output, prompter, store } = runtime;
  const desired = { ...desiredFor(connection), region: options.region ?? connection.region };
  let api: ServerApi;
  let repair: ConnectionPlan;
  try {
    api = serverApi(runtime, await serverTokenFor(runtime, connection));
    repair = await planRepair(api, connection, options);
  } catch {
    return "unchanged"; // the checks already say why the webhooks cannot be read
  }
  if (!repair.changesAnything) return "unchanged";
  const moved = repair.movesFrom !== undefined;
  const again = runtime.command("doctor", "--fix", ...(moved ? ["--region", desired.region] : []), "--yes", ...connectionFlags(connection));
  output.info(output.style.bold(`\nRepair plan for ${describeConnection(connection)}`));
  for (const line of describePlan(repair.webhooks, connection.streamId, connection.streamType, shown, { verify: repair.verify })) {
    output.info(`  ${output.symbols.bullet} ${line}`);
  }
  if (repair.needsConsent.length > 0 && !options.yes) {
    const what = repair.needsConsent.length === 1 ? "the extra Customer.io webhook" : "the extra Customer.io webhooks";
    // Where nobody can be asked, nothing is changed at all: half a repair (a move that keeps the old webhook) counts events twice.
    if (!prompter.interactive) {
      output.failure(`${describeConnection(connection)}: the repair deletes ${what}; nothing was changed. To repair it: ${again}`);
      return "unfinished";
    }
    if (!(await prompter.confirm(`Delete ${what}?`, true))) {
      if (moved) {
        output.warn("Nothing was changed: moving while keeping the other region's webhook would have Customer.io count events twice.");
        return "unfinished";
      }
      output.warn("Extra Customer.io webhooks left in place: run with --yes to delete them.");
      repair = withoutDeletions(repair);
      if (!repair.changesAnything) return "unchanged";
    }
  }
  const { webhooks: plan, verify: alsoVerify } = repair;
  store.assertWritable(); // a repair that could not be saved is not made
  return criticalSection(
    async () => {
      const applied = await output.step("Repairing the webhook", () =>
        applyWebhookPlan(api, plan, desired, { verify: options.verify, alsoVerify, webhooksPage: webhooksPageOf(connection) }),
      );
      for (const warning of applied.warnings) output.warn(shown(warning));
      // What exists is saved as soon as it exists, even when a deletion after it failed: a re-run then converges on it.
      await store.save({
        ...connection,
        region: desired.region,
        webhookId: applied.webhook.ID,
        webhookUrl: applied.webhook.Url,
        updatedAt: new Date().toISOString(),
      });
      const done = moved ? `moved to region ${desired.region.toUpperCase()} (webhook ${applied.webhook.ID})` : "repaired";
      recordDone(`the webhook of ${describeConnection(connection)} ${done}`);
      if (applied.notRemoved.length === 0) return "repaired";
      for (const { id, error } of applied.notRemoved) {
        output.failure(
          `${describeConnection(connection)}: saved with webhook ${applied.webhook.ID} (region ${desired.region.toUpperCase()}), ` +
            `but webhook ${id} could not be deleted: ${error.message} Until it is, Customer.io counts events twice. To finish: ${again}`,
        );
      }
      return "unfinished";
    },
    (_done, signal) => renderDoctor(runtime, reports, { verbose: options.verbose, interrupted: signal }),
  );
}

/** Doctor knows the server by its saved ID: the page's address is built from it. */
export function webhooksPageOf(connection: SavedConnection): string {
  return shown(streamWebhooksLink({ ID: connection.serverId, ServerLink: "" }, connection.streamId));
}
