import type { Command } from "commander";
import { DEFAULT_TEST_RECIPIENT } from "../core/send-test.js";
import type { GlobalOptions } from "../runtime.js";
import { environmentHelp, type CommandHandler } from "./register.js";

/** doctor's options: their type, and how commander is told of them. */

export interface DoctorOptions extends GlobalOptions {
  server?: string;
  stream?: string;
  fix?: boolean;
  yes?: boolean;
  sendTest?: boolean;
  from?: string;
  to?: string;
  /** --verify-webhook (true): Postmark calls the URL now; --no-verify-webhook (false): --fix saves without that call. */
  verifyWebhook?: boolean;
  verbose?: boolean;
  /** --end-to-end: one email through Customer.io, followed both ways (with --from, --to, --timeout). */
  endToEnd?: boolean;
  timeout?: string;
  /** With --fix: move the connections to this region (the customerio-region check's fix). */
  region?: string;
  /** --file: check the connections a connections file names, with no saved config. */
  file?: string;
}

export function registerDoctor(program: Command, run: CommandHandler<DoctorOptions>): void {
  program
    .command("doctor")
    .description("check saved connections end to end; --fix repairs webhook drift")
    .option("--server <id-or-name>", "only this server (exact name or numeric ID)")
    .option("--stream <id>", "only this message stream")
    .option("--fix", "repair what can be repaired, then check again")
    .option("--verify-webhook", "ask Postmark to call Customer.io's URL now, once per trigger (check webhook-verify)")
    .option("--no-verify-webhook", "with --fix: save a repaired webhook without Postmark calling Customer.io's URL first")
    .option("-y, --yes", "answer yes to confirmations (removing duplicates)")
    .option("--send-test", "also send one real message through each saved SMTP token and check which stream it went through")
    .option(
      "--end-to-end",
      "send one email through Customer.io (needs CUSTOMERIO_APP_API_KEY) and follow it through Postmark and back (check end-to-end)",
    )
    .option("--from <address>", "sender for --send-test and --end-to-end: a confirmed sender signature or an address on a verified domain")
    .option("--to <address>", `recipient for --send-test and --end-to-end (default ${DEFAULT_TEST_RECIPIENT})`)
    .option("--timeout <seconds>", "how long --end-to-end follows its email (default 90)")
    .option("--region <us|eu>", "with --fix: move the connections' webhooks to this Customer.io region")
    .option("--file <path>", "check a connections file's connections (see apply)")
    .option("--verbose", "print every check of every connection")
    .addHelpText(
      "after",
      `\nExamples:\n  $ cio-postmark doctor\n  $ cio-postmark doctor --fix --yes\n  $ cio-postmark doctor --verify-webhook --json\n  $ ` +
        `CUSTOMERIO_APP_API_KEY=… cio-postmark doctor --end-to-end \\\n      --from you@example.com\n${environmentHelp(["doctor"])}`,
    )
    .action(run);
}
