import { CliError } from "../errors.js";
import { shown } from "../ui/terminal-safe.js";
import type { CheckResult, Facts } from "./types.js";
import { fail, warn } from "./judge.js";

/** What the checks share: verdicts, the commands their fixes print, and reading a fact that may fail. */

export const octal = (mode: number) => mode.toString(8).padStart(4, "0");

/** The connection as the printed commands name it. */
export const target = (facts: Facts) => ["--server", String(facts.connection.serverId), "--stream", shown(facts.connection.streamId)];
export const setupCommand = (facts: Facts) => facts.command("setup", ...target(facts));
export const verifyCommand = (facts: Facts) => facts.command("doctor", "--verify-webhook", ...target(facts));

/** An SMTP check this network's blocked port stopped: it cannot know, so it warns, naming the proof that needs no port. */
export function portBlocked(facts: Facts, error: CliError, what: string): CheckResult {
  return {
    ...warn(
      `${error.message} ${what}; Customer.io's servers, not this network, connect to Postmark's SMTP.`,
      `Prove it from Customer.io's side, with CUSTOMERIO_APP_API_KEY set and ADDRESS a confirmed sender of yours: ` +
        facts.command("doctor", "--end-to-end", "--from", "ADDRESS", ...target(facts)),
    ),
    details: { portBlocked: true },
  };
}

/**
 * A check that needs a fact which could not be had fails, saying what could not be read: "skip"
 * is only for checks that do not apply, never for "could not look".
 */
export async function need<T>(fact: Promise<T>, what: string, verdict: typeof fail | typeof warn = fail): Promise<T | CheckResult> {
  try {
    return await fact;
  } catch (error) {
    return couldNotRead(error, what, verdict);
  }
}

export function couldNotRead(error: unknown, what: string, verdict: typeof fail | typeof warn = fail): CheckResult {
  const reason = error instanceof CliError ? error.message : String(error);
  return verdict(
    `Could not read ${what}: ${reason}`,
    error instanceof CliError && error.hint ? error.hint : "Run doctor again; if it persists, run with --trace FILE and report it.",
  );
}
export const isResult = (value: unknown): value is CheckResult =>
  typeof value === "object" && value !== null && "status" in value && "message" in value;
