import { judgeWebhookHealth } from "../../core/webhook-health.js";
import { wantedTriggerKeys } from "../../core/webhook-plan.js";
import type { DoctorCheck } from "../types.js";
import { pass, skip, fail, warn, need, isResult, deliveryFix, verifyFix } from "../verdicts.js";

export const webhookDeliveryCheck: DoctorCheck = {
  id: "webhook-delivery",
  async run(facts) {
    // Both at once: the statistics are read by the saved ID alongside the webhook list.
    const [plan, deliveries] = await Promise.all([
      need(facts.plan(), "the stream's webhooks"),
      need(facts.deliveries(), "the webhook's delivery statistics"),
    ]);
    if (isResult(plan)) return plan;
    if (isResult(deliveries)) return deliveries;
    if (deliveries === "no-webhook" || plan.target.kind === "create") return skip("Skipped: there is no Customer.io webhook to check.");
    // A check Postmark ran in this run (--verify-webhook) and passed supersedes the Status it read before.
    const checkedNow = await facts.verification()?.catch(() => undefined);
    const passedNow = typeof checkedNow === "object" && checkedNow.success;
    const verdict = judgeWebhookHealth({
      deliveries,
      webhookStatus: passedNow ? "verified" : (plan.target.webhook.Status ?? null),
      triggers: wantedTriggerKeys(facts.connection.streamType),
    });
    if (!verdict) return skip("Skipped: this Postmark account's API has no webhook statistics (the older API).");
    if (verdict.status === "pass") return pass(verdict.message);
    if (verdict.unverified) return fail(verdict.message, verifyFix(facts));
    return verdict.status === "fail" ? fail(verdict.message, deliveryFix(facts)) : warn(verdict.message, deliveryFix(facts));
  },
};
