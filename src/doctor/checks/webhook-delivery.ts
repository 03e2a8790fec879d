import { judgeDeliveries } from "../../core/webhook-health.js";
import type { DoctorCheck } from "../types.js";
import { pass, skip, fail, warn, need, isResult, deliveryFix } from "../verdicts.js";

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
    if (deliveries === undefined) return skip("Skipped: this Postmark account's API has no webhook statistics (the older API).");
    const verdict = judgeDeliveries(deliveries, plan.target.webhook.Status ?? null);
    if (verdict.status === "pass") return pass(verdict.message);
    return verdict.status === "fail" ? fail(verdict.message, deliveryFix(facts)) : warn(verdict.message, deliveryFix(facts));
  },
};
