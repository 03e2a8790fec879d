import { failedTriggerWords } from "../../core/webhook-health.js";
import { plural } from "../../core/words.js";
import { shown } from "../../ui/terminal-safe.js";
import type { DoctorCheck } from "../types.js";
import { deliveryFix, fail, pass, skip } from "../judge.js";
import { need, isResult, verifyCommand } from "../verdicts.js";

export const webhookVerifyCheck: DoctorCheck = {
  id: "webhook-verify",
  async run(facts) {
    const request = facts.verification();
    if (!request) return skip("Skipped: run with --verify-webhook to have Postmark call Customer.io's URL now, once per trigger.");
    const outcome = await need(request, "Postmark's check of the webhook");
    if (isResult(outcome)) return outcome;
    if (outcome === "no-webhook") return skip("Skipped: there is no Customer.io webhook to check.");
    if (outcome === undefined) return skip("Skipped: this Postmark account's API cannot verify webhooks (the older API).");
    const failed = failedTriggerWords(outcome.checks, shown);
    if (failed) return fail(`Customer.io's URL failed Postmark's call for ${failed}.`, deliveryFix(facts.connection, verifyCommand(facts)));
    // Postmark's own word decides too: a check it says did not pass has not passed, whatever the list shows.
    if (!outcome.success) {
      return fail(
        "Postmark's check of the webhook did not pass (it answered Success: false), so it may send Customer.io no events.",
        deliveryFix(facts.connection, verifyCommand(facts)),
      );
    }
    return pass(`Postmark called Customer.io's URL for ${plural(outcome.checks.length, "trigger")}: each answered.`);
  },
};
