import type { DoctorCheck } from "../types.js";
import { pass, skip, warn } from "../judge.js";
import { isResult, need, target } from "../verdicts.js";

/**
 * Whether Postmark tells anyone of the SMTP mail it refuses: a send to an address it suppresses is
 * rejected inside Postmark, and reported (as an SMTP API error bounce, by webhook) only when the
 * server's EnableSmtpApiErrorHooks is on. --fix turns it on (PUT /server).
 */
export const smtpErrorHooksCheck: DoctorCheck = {
  id: "smtp-error-hooks",
  async run(facts) {
    const server = await need(facts.server(), "the server", warn);
    if (isResult(server)) return server;
    if (server.EnableSmtpApiErrorHooks === undefined)
      return skip("Skipped: Postmark's answer does not say whether the server's SMTP API error webhooks are on.");
    if (server.EnableSmtpApiErrorHooks)
      return pass("The server's SMTP API error webhooks are on: mail Postmark refuses to a suppressed address is reported.");
    return {
      ...warn(
        "The server's SMTP API error webhooks are off: when Postmark refuses mail to an address it suppresses, it tells no one, " +
          "so Customer.io can show a message as sent that never left Postmark. (How Customer.io handles those events once they " +
          "are on is not documented.)",
        `Turn them on: ${facts.command("doctor", "--fix", ...target(facts))}`,
      ),
      repair: { consent: false },
    };
  },
};
