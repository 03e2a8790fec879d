import { failedTriggerWords } from "../../core/webhook-health.js";
import { plural } from "../../core/words.js";
import { shown } from "../../ui/terminal-safe.js";
import type { DoctorCheck } from "../types.js";
import { pass, skip, fail, need, isResult, deliveryFix } from "../verdicts.js";

export const webhookVerifyCheck: DoctorCheck = {
  id: "webhook-verify",
  async run(facts) {
    const request = facts.verification();
    if (!request) return skip("Skipped: run with --verify-webhook to have Postmark call Customer.io's URL now, once per trigger.");
    const checks = await need(request, "Postmark's check of the webhook");
    if (isResult(checks)) return checks;
    if (checks === "no-webhook") return skip("Skipped: there is no Customer.io webhook to check.");
    if (checks === undefined) return skip("Skipped: this Postmark account's API cannot verify webhooks (the older API).");
    const failed = failedTriggerWords(checks, shown);
    if (failed) return fail(`Customer.io's URL failed Postmark's call for ${failed}.`, deliveryFix(facts));
    return pass(`Postmark called Customer.io's URL for ${plural(checks.length, "trigger")}: each answered.`);
  },
};
