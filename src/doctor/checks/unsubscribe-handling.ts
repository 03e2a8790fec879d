import { usesPostmarkUnsubscribe } from "../../core/connection-plan.js";
import type { DoctorCheck } from "../types.js";
import { pass, skip, warn, need, isResult } from "../verdicts.js";

export const unsubscribeCheck: DoctorCheck = {
  id: "unsubscribe-handling",
  async run(facts) {
    const stream = await need(facts.stream(), "the stream");
    if (isResult(stream)) return stream;
    if (stream.MessageStreamType !== "Broadcasts") return skip("Skipped: not a broadcast stream.");
    if (usesPostmarkUnsubscribe(stream)) {
      return warn(
        "Postmark adds its own unsubscribe link and List-Unsubscribe headers to this broadcast stream; recipients may see two links. " +
          "Unsubscribes reach Customer.io through the Subscription Change trigger.",
        "To use only Customer.io's link, ask Postmark support to switch the stream to custom unsubscribe handling.",
      );
    }
    return pass(
      `Broadcast stream uses ${stream.SubscriptionManagementConfiguration?.UnsubscribeHandlingType ?? "custom"} unsubscribe handling.`,
    );
  },
};
