import type { Command } from "commander";
import type { GlobalOptions } from "../runtime.js";
import { describeHelp, type CommandHandler } from "./register.js";

/** status's options: their type, and how commander is told of them. */

export interface StatusOptions extends GlobalOptions {
  reveal?: boolean;
  server?: string;
  stream?: string;
  yes?: boolean;
}

export function registerStatus(program: Command, run: CommandHandler<StatusOptions>, all: boolean): void {
  const command = program
    .command("status")
    .description("list saved connections; --reveal prints one's key pair")
    .option("--reveal", "print the saved Access Key and Secret Key of one connection (asks first in a terminal)")
    .option("--server <id-or-name>", "with --reveal: the connection's server (exact name or numeric ID)")
    .option("--stream <id>", "with --reveal: the connection's message stream")
    .option("-y, --yes", "with --reveal: do not ask first")
    .action(run);
  describeHelp(
    command,
    "status",
    {
      examples: [
        "cio-postmark status",
        "cio-postmark status --json",
        'cio-postmark status --reveal --server "My Server" --stream outbound',
      ],
    },
    all,
  );
}
