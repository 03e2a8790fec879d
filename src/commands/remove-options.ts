import type { Command } from "commander";
import type { GlobalOptions } from "../runtime.js";
import { describeHelp, type CommandHandler } from "./register.js";

/** remove's options: their type, and how commander is told of them. */

export interface RemoveOptions extends GlobalOptions {
  server?: string;
  stream?: string;
  yes?: boolean;
}

export function registerRemove(program: Command, run: CommandHandler<RemoveOptions>, all: boolean): void {
  const command = program
    .command("remove")
    .description("delete a connection's webhooks in Postmark and forget it")
    .option("--server <id-or-name>", "Postmark server: exact name or numeric ID")
    .option("--stream <id>", "message stream ID")
    .option("-y, --yes", "do not ask for confirmation")
    .action(run);
  describeHelp(command, "remove", { examples: ["cio-postmark remove --server 12345 --stream outbound --yes"] }, all);
}
