import { shown } from "../../ui/terminal-safe.js";
import type { DoctorCheck } from "../types.js";
import type { EndToEndResult } from "../../connections/end-to-end.js";
import { skip } from "../judge.js";
import { couldNotRead } from "../verdicts.js";

export const endToEndCheck: DoctorCheck = {
  id: "end-to-end",
  async run(facts) {
    const request = facts.endToEnd();
    if (!request)
      return skip(
        "Skipped: run with --end-to-end --from ADDRESS (and CUSTOMERIO_APP_API_KEY) to send one email through Customer.io and follow it " +
          "through Postmark and back.",
      );
    let outcome: EndToEndResult;
    try {
      outcome = await request;
    } catch (error) {
      return couldNotRead(error, "what became of the end-to-end test email");
    }
    const { status, message, fix, ...details } = outcome;
    // One email per run: its verdict belongs to the connection whose stream it went through.
    const elsewhere =
      outcome.stage !== "wrong-stream" &&
      outcome.stream !== null &&
      outcome.stream.toLowerCase() !== facts.connection.streamId.toLowerCase();
    if (elsewhere)
      return {
        status: "skip",
        message: `Skipped: Customer.io's test email went through stream ${shown(outcome.stream!)}; its verdict is there.`,
        details,
      };
    return { status, message, ...(fix ? { fix } : {}), details };
  },
};
