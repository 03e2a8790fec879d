import { BROADCAST_TRIGGERS_NOTE, triggerNames } from "../../core/webhook-plan.js";
import type { DoctorCheck } from "../types.js";
import { pass, skip, repairable, fixCommand, need, isResult } from "../verdicts.js";

export const webhookTriggersCheck: DoctorCheck = {
  id: "webhook-triggers",
  async run(facts) {
    const plan = await need(facts.plan(), "the stream's webhooks");
    if (isResult(plan)) return plan;
    if (plan.target.kind === "create") return skip("Skipped: there is no Customer.io webhook to check.");
    if (plan.target.kind === "update") {
      return repairable(`Webhook ${plan.target.webhook.ID} has the wrong settings: ${plan.target.drift.join("; ")}.`, fixCommand(facts));
    }
    const names = triggerNames(facts.connection.streamType);
    const triggers = `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
    return pass(
      facts.connection.streamType === "Broadcasts"
        ? `Triggers are exactly ${triggers} (Open and Click off). ${BROADCAST_TRIGGERS_NOTE}`
        : `Triggers are exactly ${triggers} (Open and Click off).`,
    );
  },
};
