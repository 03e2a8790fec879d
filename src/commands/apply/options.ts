import type { Command } from "commander";
import { DEFAULT_TEST_RECIPIENT } from "../../core/send-test.js";
import type { GlobalOptions } from "../../runtime.js";
import { describeHelp, type CommandHandler } from "../register.js";

/** apply's options: their type, and how commander is told of them. */

export interface ApplyOptions extends GlobalOptions {
  file?: string;
  check?: boolean;
  yes?: boolean;
  /** --no-verify-webhook (false): save created or updated webhooks without Postmark calling Customer.io's URL first. */
  verifyWebhook?: boolean;
  /** --send-test: one real message through each SMTP pair the file names, to prove the stream it sends through. */
  sendTest?: boolean;
  from?: string;
  to?: string;
}

export function registerApply(program: Command, run: CommandHandler<ApplyOptions>, all: boolean): void {
  const command = program
    .command("apply")
    .description("connect every stream a connections file names (for CI)")
    .option("--file <path>", "the connections file (default cio-postmark.json in this folder)")
    .option("--check", "plan only, change nothing anywhere: exit 0 when nothing would change, 1 when something would")
    .option("-y, --yes", "apply without asking (needed where nobody can be asked, as in CI)")
    .option("--no-verify-webhook", "save webhooks without Postmark calling Customer.io's URL first (they get no events until verified)")
    .option("--send-test", "send one real message through each SMTP pair the file names: proves the stream it sends through")
    .option("--from <address>", "--send-test's sender: a confirmed sender in Postmark")
    .option("--smtp-proxy <url>", "HTTP proxy for the SMTP checks (CONNECT; also ALL_PROXY)")
    .option("--to <address>", `--send-test's recipient (default ${DEFAULT_TEST_RECIPIENT})`)
    .action(run);
  describeHelp(
    command,
    "apply",
    {
      examples: [
        "POSTMARK_ACCOUNT_TOKEN=… cio-postmark apply --check",
        "POSTMARK_ACCOUNT_TOKEN=… cio-postmark apply --yes --json",
        "cio-postmark apply --file clients/acme.json",
      ],
      rare: ["--no-verify-webhook", "--from", "--to", "--smtp-proxy"],
    },
    all,
  );
}
