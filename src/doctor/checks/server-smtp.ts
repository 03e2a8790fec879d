import { smtpEnabled } from "../../core/connection-plan.js";
import { shown } from "../../ui/terminal-safe.js";
import { serverSettingsLink } from "../../postmark/links.js";
import type { DoctorCheck } from "../types.js";
import { pass, fail, need, isResult } from "../verdicts.js";

export const serverSmtpCheck: DoctorCheck = {
  id: "server-smtp",
  async run(facts) {
    const server = await need(facts.server(), "the server");
    if (isResult(server)) return server;
    if (!smtpEnabled(server)) {
      return fail(
        `SMTP is disabled on server ${shown(server.Name)}: Customer.io cannot send through it.`,
        `Turn it on in Postmark: ${shown(serverSettingsLink(server))} (Settings > SMTP).`,
      );
    }
    return pass(`Server ${shown(server.Name)} exists and has SMTP enabled.`);
  },
};
