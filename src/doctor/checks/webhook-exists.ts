import { REGION_WEBHOOK_URLS } from "../../core/regions.js";
import { shown } from "../../ui/terminal-safe.js";
import type { DoctorCheck } from "../types.js";
import { pass, repairable, fixCommand, need, isResult } from "../verdicts.js";

export const webhookExistsCheck: DoctorCheck = {
  id: "webhook-exists",
  async run(facts) {
    const plan = await need(facts.plan(), "the stream's webhooks");
    if (isResult(plan)) return plan;
    const url = REGION_WEBHOOK_URLS[facts.connection.region];
    if (plan.target.kind === "create") {
      return repairable(
        `No Customer.io webhook (${url}) on stream "${shown(facts.connection.streamId)}": bounces and deliveries do not reach Customer.io.`,
        fixCommand(facts),
      );
    }
    return pass(`Customer.io webhook ${plan.target.webhook.ID} ${facts.symbols.arrow} ${url}.`);
  },
};
