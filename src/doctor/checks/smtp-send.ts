import { describeSendTest } from "../../connections/send-test.js";
import type { DoctorCheck } from "../types.js";
import { pass, skip } from "../judge.js";
import { blockedPort } from "../../smtp/blocked-port.js";
import { couldNotRead, isResult, portBlocked } from "../verdicts.js";

export const smtpSendCheck: DoctorCheck = {
  id: "smtp-send",
  async run(facts) {
    const request = facts.sendTest();
    if (!request) return skip("Skipped: run with --send-test --from ADDRESS to prove which stream the SMTP token sends through.");
    const outcome = await request.catch((error: unknown) => {
      const blocked = blockedPort(error);
      return blocked
        ? portBlocked(facts, blocked, "The test message was not sent from here")
        : couldNotRead(error, "where the test message went");
    });
    if (isResult(outcome)) return outcome;
    const missing = facts.connection.origin?.smtpMissing;
    if (outcome === "no-smtp" && missing?.length)
      return skip(`Skipped: set ${missing.join(" and ")} to send with this connection's SMTP token.`);
    if (outcome === "no-smtp") return skip("Skipped: this connection has no SMTP token to send with.");
    return pass(`${describeSendTest(outcome)}.`);
  },
};
