import { CliError } from "../errors.js";

/**
 * The port could not be reached from this network: silence before any greeting, or a refusal.
 * Offices often block 587 and 2525 outright. It says nothing of the key pair, nor of Customer.io,
 * whose servers, not this network, connect to Postmark's SMTP.
 */
export const PORT_BLOCKED = "smtp_port_blocked";

/** The blocked port that stopped an exchange, if that is what did: the one test setup, apply and doctor read. */
export const blockedPort = (error: unknown): CliError | undefined =>
  error instanceof CliError && error.code === PORT_BLOCKED ? error : undefined;

/** What setup and apply say of a key pair a blocked port kept them from proving, and of the --send-test it stopped. */
export function unprovedWords(blocked: CliError, sendTest: boolean): string[] {
  return [
    `${blocked.message} The SMTP key pair is saved unproved. ${blocked.hint}`,
    ...(sendTest ? ["The test message (--send-test) needs the same port: it was not sent."] : []),
  ];
}

/** Connection failures that mean the port cannot be reached from here. */
export const UNREACHABLE = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH"]);
export const BLOCKED_PORT_HINT =
  "This network may block the port; Customer.io's servers, not this network, connect to Postmark's SMTP, so it does not stop " +
  "Customer.io sending. Try --smtp-port 2525, --smtp-proxy URL (a proxy that allows CONNECT to the port), or prove the key pair " +
  "from Customer.io's side with doctor --end-to-end (it needs a Customer.io App API key).";
