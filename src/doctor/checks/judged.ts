import { CliError } from "../../errors.js";
import { shown } from "../../ui/terminal-safe.js";
import type { JudgedId } from "../judge.js";
import type { CheckResult, DoctorCheck, Facts } from "../types.js";
import { fail, warn } from "../judge.js";
import { need, isResult } from "../verdicts.js";

/**
 * The checks the one judgement decides (judge.ts): each first says whether the facts it shows could
 * be read, then shows the verdict's finding. None judges again.
 */
function judged(id: JudgedId, reads: (facts: Facts) => Array<Promise<CheckResult | undefined>>): DoctorCheck {
  return {
    id,
    async run(facts) {
      for (const failed of await Promise.all(reads(facts))) if (failed) return failed;
      return (await facts.verdict()).findings[id]!;
    },
  };
}

/** Undefined when the fact could be read, else the failure (or warning) that says it could not. */
const read = async (fact: Promise<unknown>, what: string, verdict: typeof fail | typeof warn = fail) => {
  const got = await need(fact, what, verdict);
  return isResult(got) ? got : undefined;
};

const webhooks = (facts: Facts) => read(facts.webhooks(), "the stream's webhooks");

/** A stream Postmark no longer has is said as such, with the setup that picks another. */
async function streamRead(facts: Facts): Promise<CheckResult | undefined> {
  try {
    await facts.stream();
    return undefined;
  } catch (error) {
    const { streamId, serverName, serverId } = facts.connection;
    if (error instanceof CliError && error.code === "postmark_rejected")
      return fail(
        `Stream "${shown(streamId)}" no longer exists on server ${shown(serverName)}.`,
        `Set up another stream: ${facts.command("setup", "--server", String(serverId))}`,
      );
    return read(Promise.reject(error), `stream "${shown(streamId)}"`);
  }
}

export const serverSmtpCheck = judged("server-smtp", (facts) => [read(facts.server(), "the server")]);
export const streamCheck = judged("stream", (facts) => [streamRead(facts)]);
export const webhookExistsCheck = judged("webhook-exists", (facts) => [webhooks(facts)]);
export const webhookTriggersCheck = judged("webhook-triggers", (facts) => [webhooks(facts)]);
export const webhookDuplicatesCheck = judged("webhook-duplicates", (facts) => [webhooks(facts)]);
export const webhookDeliveryCheck = judged("webhook-delivery", (facts) => [
  webhooks(facts),
  read(facts.deliveries(), "the webhook's delivery statistics"),
]);
// A warning at most: the server-smtp check fails already when the server cannot be read.
export const smtpErrorHooksCheck = judged("smtp-error-hooks", (facts) => [read(facts.server(), "the server", warn)]);
export const unsubscribeCheck = judged("unsubscribe-handling", (facts) => [read(facts.stream(), "the stream")]);
