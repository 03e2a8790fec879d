import { streamProblems } from "../../core/connection-plan.js";
import { CliError } from "../../errors.js";
import { shown } from "../../ui/terminal-safe.js";
import type { DoctorCheck } from "../types.js";
import { pass, fail } from "../verdicts.js";

export const streamCheck: DoctorCheck = {
  id: "stream",
  async run(facts) {
    const streamId = shown(facts.connection.streamId);
    try {
      const stream = await facts.stream();
      const problems = streamProblems(stream);
      if (problems.includes("archived"))
        return fail(
          `Stream "${streamId}" is archived: Postmark does not send from it.`,
          "Unarchive it in Postmark (Message Streams), or set up another stream.",
        );
      if (problems.includes("inbound"))
        return fail(`Stream "${streamId}" is an inbound stream.`, "Set up a transactional or broadcast stream instead.");
      return pass(`Stream "${streamId}" (${stream.MessageStreamType}) exists and can send.`);
    } catch (error) {
      if (error instanceof CliError && error.code === "postmark_rejected") {
        return fail(
          `Stream "${streamId}" no longer exists on server ${shown(facts.connection.serverName)}.`,
          `Set up another stream: ${facts.command("setup", "--server", String(facts.connection.serverId))}`,
        );
      }
      return fail(
        `Could not read stream "${streamId}": ${error instanceof CliError ? error.message : String(error)}`,
        error instanceof CliError && error.hint ? error.hint : "Run doctor again.",
      );
    }
  },
};
