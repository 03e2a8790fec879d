import type { Command } from "commander";
import type { GlobalOptions } from "../runtime.js";
import { describeHelp, type CommandHandler } from "./register.js";

/** recipient's options: their type, and how commander is told of them. */

export interface RecipientOptions extends GlobalOptions {
  /** The ADDRESS argument. */
  args?: string[];
  server?: string;
  stream?: string;
  reactivate?: boolean;
  yes?: boolean;
}

export function registerRecipient(program: Command, run: CommandHandler<RecipientOptions>, all: boolean): void {
  const command = program
    .command("recipient")
    .argument("<address>", "the email address to look up")
    .description("why did an address get nothing? Postmark and Customer.io")
    .option("--server <id-or-name>", "only this server (exact name or numeric ID)")
    .option("--stream <id>", "only this message stream")
    .option("--reactivate", "lift a suppression that may be lifted (asks first)")
    .option("-y, --yes", "with --reactivate: do not ask first")
    .action(run);
  describeHelp(
    command,
    "recipient",
    {
      examples: [
        "cio-postmark recipient jane@example.com",
        "CUSTOMERIO_APP_API_KEY=… cio-postmark recipient jane@example.com --json",
        "cio-postmark recipient jane@example.com --stream outbound --reactivate",
      ],
    },
    all,
  );
}
