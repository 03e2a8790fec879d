import type { DoctorCheck } from "../types.js";
import { pass, fail, fixCommand, need, isResult } from "../verdicts.js";

export const webhookDuplicatesCheck: DoctorCheck = {
  id: "webhook-duplicates",
  async run(facts) {
    const plan = await need(facts.plan(), "the stream's webhooks");
    if (isResult(plan)) return plan;
    if (plan.deletions.length > 0) {
      const list = plan.deletions
        .map(({ webhook, reason }) => `${webhook.ID} (${reason === "duplicate" ? "duplicate" : "other region"})`)
        .join(", ");
      return fail(
        `${plan.deletions.length === 1 ? "An extra Customer.io webhook" : "Extra Customer.io webhooks"} on the stream: ${list}. ` +
          `Customer.io counts each event twice.`,
        fixCommand(facts, true),
      );
    }
    return pass("No duplicate or other-region Customer.io webhook.");
  },
};
