import type { DoctorCheck } from "../types.js";
import { pass, repairable, fixCommand, need, isResult } from "../verdicts.js";

export const webhookDuplicatesCheck: DoctorCheck = {
  id: "webhook-duplicates",
  async run(facts) {
    const plan = await need(facts.plan(), "the stream's webhooks");
    if (isResult(plan)) return plan;
    if (plan.deletions.length > 0) {
      const list = plan.deletions
        .map(({ webhook, reason }) => `${webhook.ID} (${reason === "duplicate" ? "duplicate" : "other region"})`)
        .join(", ");
      return repairable(
        `${plan.deletions.length === 1 ? "An extra Customer.io webhook" : "Extra Customer.io webhooks"} on the stream: ${list}. ` +
          `Customer.io counts each event twice.`,
        fixCommand(facts, true),
        true,
      );
    }
    return pass("No duplicate or other-region Customer.io webhook.");
  },
};
