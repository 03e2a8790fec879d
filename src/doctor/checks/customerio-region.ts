import { REGION_WEBHOOK_URLS } from "../../core/regions.js";
import { shown } from "../../ui/terminal-safe.js";
import type { DoctorCheck } from "../types.js";
import { fail, pass, skip } from "../judge.js";
import { target, need, isResult } from "../verdicts.js";

export const customerioRegionCheck: DoctorCheck = {
  id: "customerio-region",
  async run(facts) {
    const request = facts.workspace();
    if (!request) return skip("Skipped: set CUSTOMERIO_APP_API_KEY to check the saved region against your Customer.io workspace.");
    const workspace = await need(request, "your Customer.io workspace");
    if (isResult(workspace)) return workspace;
    const saved = facts.connection.region;
    if (workspace.region === saved)
      return pass(`Customer.io workspace ${shown(workspace.name)} is in region ${saved.toUpperCase()}, as saved.`);
    return fail(
      `Saved region ${saved.toUpperCase()}, but Customer.io workspace ${shown(workspace.name)} is in region ` +
        `${workspace.region.toUpperCase()}: the webhook sends Postmark's events to ${REGION_WEBHOOK_URLS[saved]}, which does not know ` +
        `this workspace's messages.`,
      facts.command("doctor", "--fix", "--region", workspace.region, "--yes", ...target(facts)),
    );
  },
};
