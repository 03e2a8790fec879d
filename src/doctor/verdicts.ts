import { CliError } from "../errors.js";
import { REGION_WEBHOOK_URLS } from "../core/regions.js";
import { shown } from "../ui/terminal-safe.js";
import type { CheckResult, Facts } from "./types.js";

/** What the checks share: verdicts, the commands their fixes print, and reading a fact that may fail. */

export const octal = (mode: number) => mode.toString(8).padStart(4, "0");
export const pass = (message: string): CheckResult => ({ status: "pass", message });
export const skip = (message: string): CheckResult => ({ status: "skip", message });
export const fail = (message: string, fix: string): CheckResult => ({ status: "fail", message, fix });
export const warn = (message: string, fix: string): CheckResult => ({ status: "warn", message, fix });
export const repairable = (message: string, fix: string, consent = false): CheckResult => ({ ...fail(message, fix), repair: { consent } });

/** The connection as the printed commands name it. */
export const target = (facts: Facts) => ["--server", String(facts.connection.serverId), "--stream", shown(facts.connection.streamId)];
export const setupCommand = (facts: Facts) => facts.command("setup", ...target(facts));
export const verifyCommand = (facts: Facts) => facts.command("doctor", "--verify-webhook", ...target(facts));
export const fixCommand = (facts: Facts, yes = false) => facts.command("doctor", "--fix", ...(yes ? ["--yes"] : []), ...target(facts));

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

/** Where events stop reaching Customer.io, the usual causes, and how to make Postmark try the URL now. */
export const deliveryFix = (facts: Facts) =>
  `Check that the Customer.io workspace is in region ${facts.connection.region.toUpperCase()} (its webhook goes to ` +
  `${REGION_WEBHOOK_URLS[facts.connection.region]}) and that its Postmark integration is still on; then have Postmark call the URL now: ` +
  `${verifyCommand(facts)}`;

/** How an unverified webhook or paused trigger is brought back: Postmark checks the URL again, and a pass lifts the pause. */
export const verifyFix = (facts: Facts) =>
  `Have Postmark verify the webhook now (it calls Customer.io's URL once per trigger): ${verifyCommand(facts)}`;
