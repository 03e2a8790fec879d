import { CliError } from "../../errors.js";
import { shown } from "../../ui/terminal-safe.js";
import type { DoctorCheck } from "../types.js";
import { fail, pass } from "../judge.js";
import { setupCommand } from "../verdicts.js";

export const serverTokenCheck: DoctorCheck = {
  id: "server-token",
  async run(facts) {
    try {
      await facts.server();
      return pass("Postmark accepted the server token.");
    } catch (error) {
      if (error instanceof CliError && error.code === "postmark_unauthorized") {
        return fail(
          "Postmark rejected the server token (revoked or wrong).",
          // Words, then the command alone: `VAR=… command` runs in no Windows shell, and its "…" in none.
          `Copy a server token from Postmark > Servers > ${shown(facts.connection.serverName)} > API Tokens and set ` +
            `POSTMARK_SERVER_TOKEN to it, then: ${setupCommand(facts)}`,
        );
      }
      const message = error instanceof Error ? error.message : String(error);
      return fail(
        `Could not check the server token: ${message}`,
        error instanceof CliError && error.hint ? error.hint : "Run doctor again.",
      );
    }
  },
};
