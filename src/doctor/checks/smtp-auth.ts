import { CliError } from "../../errors.js";
import { shown } from "../../ui/terminal-safe.js";
import { streamSettingsLink } from "../../postmark/links.js";
import { secretHome, secretKeyVariable } from "../../connections/saved.js";
import type { DoctorCheck } from "../types.js";
import { fail, pass, skip } from "../judge.js";
import { portBlocked, setupCommand } from "../verdicts.js";
import { blockedPort } from "../../smtp/blocked-port.js";

export const smtpAuthCheck: DoctorCheck = {
  id: "smtp-auth",
  async run(facts) {
    const origin = facts.connection.origin;
    if (origin?.smtpMissing === null) return skip(`Skipped: ${origin.file} names no SMTP key pair for ${origin.place}.`);
    if (origin?.smtpMissing.length)
      return skip(
        `Skipped: set ${origin.smtpMissing.join(" and ")} (named by ${origin.place}.smtp in ${origin.file}) to check the SMTP key pair.`,
      );
    if (!facts.connection.smtp) return skip("Skipped: this connection was set up with --skip-smtp.");
    const credentials = facts.smtpCredentials();
    if (!credentials)
      return skip(
        `Skipped: the Secret Key is ${secretHome(facts.connection, "Secret Key")}; set ${secretKeyVariable(facts.connection)} to check it.`,
      );
    try {
      await facts.verifySmtp(credentials);
      return pass(
        `SMTP ${credentials.host}:${credentials.port}: STARTTLS and the key pair (Access Key ${credentials.accessKey}) accepted.`,
      );
    } catch (error) {
      // This network, not the key pair: a check that cannot know says so, and names the proof that needs no port.
      const blocked = blockedPort(error);
      if (blocked) {
        const proved = facts.connection.verifiedAt ? `it was last proved ${facts.connection.verifiedAt}` : "it has never been proved";
        return portBlocked(facts, blocked, `The key pair is not checked from here (${proved})`);
      }
      const cliError = error instanceof CliError ? error : undefined;
      if (cliError?.code !== "smtp_auth_rejected") return fail(cliError?.message ?? String(error), cliError?.hint ?? "Run doctor again.");
      const server = await facts.server().catch(() => undefined);
      const where = server ? streamSettingsLink(server, facts.connection.streamId) : "the stream's Settings tab in Postmark";
      return fail(cliError.message, `Generate a new SMTP token at ${shown(where)}, then: ${setupCommand(facts)}`);
    }
  },
};
