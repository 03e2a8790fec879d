import { planConnection, withoutDeletions, type ConnectionPlan } from "../core/connection-plan.js";
import { describePlan } from "../core/webhook-plan.js";
import type { Region } from "../core/regions.js";
import { serverApi, serverTokenFor } from "../connections/clients.js";
import { describeConnection } from "../connections/saved.js";
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

/** Repairs what can be repaired: the config file's mode, and webhook drift by the same plan as setup. */
export async function fixAll(
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
      let repair: ConnectionPlan;
      let api: ServerApi;
      try {
        api = serverApi(runtime, await serverTokenFor(runtime, connection));
        const wanted = { ...desired, needsSmtp: connection.smtp !== null, savedRegion: connection.region };
        repair = planConnection({ webhooks: await api.listWebhooks(connection.streamId) }, wanted);
      } catch {
        return false; // the checks already say why the webhooks cannot be read
      }
      if (!repair.changesAnything) return false;
      const moved = repair.movesFrom !== undefined;
      output.info(output.style.bold(`\nRepair plan for ${describeConnection(connection)}`));
      for (const line of describePlan(repair.webhooks, connection.streamId, connection.streamType, shown))
        output.info(`  ${output.symbols.bullet} ${line}`);
      const extras = repair.needsConsent.length === 1 ? "the extra Customer.io webhook" : "the extra Customer.io webhooks";
      if (repair.needsConsent.length && !yes && !(prompter.interactive && (await prompter.confirm(`Delete ${extras}?`, true)))) {
        output.warn("Extra Customer.io webhooks left in place: run with --yes to delete them.");
        repair = withoutDeletions(repair);
        if (!repair.changesAnything) return false;
      }
      const plan = repair.webhooks;
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
        (_done, signal) => renderDoctor(runtime, reports, { verbose, interrupted: signal }),
      );
      return true;
    });
    repaired ||= fixed;
  }
  return repaired;
}

/** Doctor knows the server by its saved ID: the page's address is built from it. */
export function webhooksPageOf(connection: SavedConnection): string {
  return shown(streamWebhooksLink({ ID: connection.serverId, ServerLink: "" }, connection.streamId));
}
