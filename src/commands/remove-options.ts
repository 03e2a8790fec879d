import type { Command } from "commander";
import type { GlobalOptions } from "../runtime.js";
import { environmentHelp, type CommandHandler } from "./register.js";

/** remove's options: their type, and how commander is told of them. */

export interface RemoveOptions extends GlobalOptions {
  server?: string;
  stream?: string;
  yes?: boolean;
}

export function registerRemove(program: Command, run: CommandHandler<RemoveOptions>): void {
  program
    .command("remove")
    .description("delete a connection's Customer.io webhooks and forget it")
    .option("--server <id-or-name>", "Postmark server: exact name or numeric ID")
    .option("--stream <id>", "message stream ID")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", `\nExamples:\n  $ cio-postmark remove --server 12345 --stream outbound --yes\n${environmentHelp(["remove"])}`)
    .action(run);
}
