import type { Command } from "commander";
import { DEFAULT_TEST_RECIPIENT } from "../core/send-test.js";
import type { GlobalOptions } from "../runtime.js";
import { describeHelp, type CommandHandler } from "./register.js";

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

export function registerDoctor(program: Command, run: CommandHandler<DoctorOptions>, all: boolean): void {
  const command = program
    .command("doctor")
    .description("check saved connections end to end; --fix repairs drift")
    .option("--server <id-or-name>", "only this server (exact name or numeric ID)")
    .option("--stream <id>", "only this message stream")
    .option("--fix", "repair what can be repaired, then check again")
    .option("--verify-webhook", "ask Postmark to call Customer.io's URL now, once per trigger (check webhook-verify)")
    .option("--no-verify-webhook", "with --fix: save a repaired webhook without Postmark calling Customer.io's URL first")
    .option("-y, --yes", "answer yes to confirmations (removing duplicates)")
    .option("--send-test", "send one real message per SMTP token: proves its stream")
    .option("--end-to-end", "follow one email from Customer.io to Postmark and back")
    .option("--from <address>", "sender for --send-test and --end-to-end")
    .option("--to <address>", `recipient for --send-test and --end-to-end (default ${DEFAULT_TEST_RECIPIENT})`)
    .option("--smtp-proxy <url>", "HTTP proxy for the SMTP checks (CONNECT; also ALL_PROXY)")
    .option("--timeout <seconds>", "how long --end-to-end follows its email (default 90)")
    .option("--region <us|eu>", "with --fix: move the connections' webhooks to this Customer.io region")
    .option("--file <path>", "check a connections file's connections (see apply)")
    .option("--verbose", "print every check of every connection")
    .action(run);
  describeHelp(
    command,
    "doctor",
    {
      examples: [
        "cio-postmark doctor --fix",
        "cio-postmark doctor --fix --yes",
        "cio-postmark doctor --verify-webhook --json",
        "CUSTOMERIO_APP_API_KEY=… cio-postmark doctor --end-to-end \\\n      --from you@example.com",
      ],
      rare: ["--verify-webhook", "--no-verify-webhook", "--to", "--timeout", "--region", "--smtp-proxy"],
    },
    all,
  );
}
