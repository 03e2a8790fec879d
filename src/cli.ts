import { Command, CommanderError } from "commander";
import { DEFAULT_TEST_RECIPIENT } from "./core/send-test.js";
import { closestWord } from "./core/matching.js";
import { usageError, type CliError } from "./errors.js";

export { CommanderError };
import type { GlobalOptions, RunOverrides, Runtime } from "./runtime.js";
import type { Io } from "./ui/io.js";
import { packageVersion } from "./version.js";
import type { SecretRegistry } from "./ui/redact.js";

/**
 * Builds the commander program. Each command's module is imported only when that command runs,
 * so `--help` and `--version` load commander and nothing heavy.
 */

export interface ProgramContext {
  io: Io;
  secrets: SecretRegistry;
  overrides: RunOverrides;
  /** With --json, commander's own error line is held back: the JSON failure document replaces it. */
  json: boolean;
  /** Set by the command that ran: 0, or 1 when it found a failure without throwing (doctor). */
  exitCode: number;
}

type CommandName = "setup" | "doctor" | "status" | "remove";
const ALL: CommandName[] = ["setup", "doctor", "status", "remove"];
const POSTMARK: CommandName[] = ["setup", "doctor", "remove"];

/** Each variable, and the commands that read it: a command's help lists only its own. */
const ENVIRONMENT: Array<[name: string, what: string, readBy: CommandName[]]> = [
  ["POSTMARK_ACCOUNT_TOKEN", "Postmark account token (lists servers; lets doctor check sending domains)", POSTMARK],
  ["POSTMARK_SERVER_TOKEN", "Postmark server token (enough on its own: skips server selection)", POSTMARK],
  ["POSTMARK_SMTP_ACCESS_KEY", "SMTP token Access Key (or --smtp-access-key)", ["setup"]],
  ["POSTMARK_SMTP_SECRET_KEY", "SMTP token Secret Key (or --smtp-secret-stdin; doctor: when not stored)", ["setup", "doctor"]],
  ["POSTMARK_API_URL", "Postmark API base URL (default https://api.postmarkapp.com)", POSTMARK],
  ["CUSTOMERIO_APP_API_KEY", "Customer.io App API key, optional, never saved (finds the region; doctor --end-to-end)", ["setup", "doctor"]],
  ["CUSTOMERIO_API_URL_US", "Customer.io App API base URL, US (default https://api.customer.io)", ["setup", "doctor"]],
  ["CUSTOMERIO_API_URL_EU", "Customer.io App API base URL, EU (default https://api-eu.customer.io)", ["setup", "doctor"]],
  ["CIO_POSTMARK_CONFIG_DIR", "config folder (or --config-dir)", ALL],
  ["CI", "when truthy, never prompt", ALL],
  ["NO_COLOR", "disable colour", ALL],
  ["NODE_EXTRA_CA_CERTS", "extra CA certificates to trust (a TLS-inspecting proxy)", POSTMARK],
  ["DEBUG", "print stack traces on errors", ALL],
];

function environmentHelp(commands: CommandName[]): string {
  const lines = ENVIRONMENT.filter(([, , readBy]) => readBy.some((name) => commands.includes(name))).map(
    ([name, what]) => `  ${name.padEnd(26)} ${what}`,
  );
  return `
Environment variables:
${lines.join("\n")}

Exit codes: 0 success, 1 failure, 2 usage error (bad or missing input), 130 interrupted (Ctrl-C),
143 stopped (SIGTERM), 129 hung up (SIGHUP).`;
}

const EXAMPLES = `
Examples:
  $ npx cio-postmark                                  # the guided wizard
  $ npx cio-postmark --sandbox                        # rehearse with a simulated account
  $ POSTMARK_SERVER_TOKEN=… POSTMARK_SMTP_ACCESS_KEY=… POSTMARK_SMTP_SECRET_KEY=… \\
      npx cio-postmark setup --stream outbound --region us --json
  $ npx cio-postmark doctor --fix
  $ npx cio-postmark status --json
  $ npx cio-postmark remove --server "My Server" --stream broadcast --yes`;

/**
 * `cio-postmark doctr`: commander would take the word for setup's (and blame setup's arguments, or
 * an option setup does not have); say what happened instead.
 */
export function unknownCommand(word: string): CliError {
  const near = closestWord(word, ALL);
  return usageError(
    "unknown_command",
    `Unknown command ${JSON.stringify(word)}.${near ? ` Did you mean ${near}?` : ""}`,
    `The commands are ${ALL.join(", ")}; see cio-postmark --help.`,
  );
}

/** A first word that is not an option must be a command (or commander's own `help`). */
export function firstWordProblem(argv: string[]): CliError | undefined {
  const [first] = argv;
  if (first === undefined || first.startsWith("-") || first === "help" || (ALL as string[]).includes(first)) return undefined;
  return unknownCommand(first);
}

export function createProgram(context: ProgramContext): Command {
  const { io } = context;
  const program = new Command("cio-postmark")
    .description("Connect a Postmark server and message stream to Customer.io: webhook, SMTP token check, saved connection.")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .option("--json", "print one JSON document on stdout (implies --no-input)")
    .option("--no-input", "never prompt; fail naming any missing value")
    .option("--no-color", "disable colour (also NO_COLOR)")
    .option("--config-dir <dir>", "config folder (also CIO_POSTMARK_CONFIG_DIR)")
    .option("--sandbox", "use a built-in simulated Postmark account and SMTP server")
    .option(
      "--trace <file>",
      "write every Postmark request/response and the SMTP dialogue to FILE as JSON lines, secrets masked (for bug reports)",
    )
    .showSuggestionAfterError(true)
    .exitOverride()
    // Subcommands created below inherit these settings.
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => (context.json ? undefined : write(text)),
    })
    .configureHelp({ showGlobalOptions: true })
    .addHelpText("after", `${EXAMPLES}\n${environmentHelp(ALL)}`);

  /** Runs a command with a runtime built from the merged global and command options. */
  const action =
    <O>(load: () => Promise<(runtime: Runtime, options: O) => Promise<number>>) =>
    async (_options: O, command: Command) => {
      if (command.args.length > 0) throw unknownCommand(command.args[0]!);
      const options = command.optsWithGlobals<O & GlobalOptions>();
      const [run, { createRuntime }] = await Promise.all([load(), import("./runtime.js")]);
      const runtime = await createRuntime(options, io, context.secrets, context.overrides);
      try {
        context.exitCode = await run(runtime, options);
      } finally {
        await runtime.close();
      }
    };

  program
    .command("setup", { isDefault: true })
    // setup takes no arguments: a word here is a mistyped command, said as such in the action.
    .allowExcessArguments()
    .description("create or repair the Customer.io webhook, prove an SMTP token, and save the connection (default)")
    .option("--server <id-or-name>", "Postmark server: exact name or numeric ID")
    .option("--stream <id>", "message stream ID, e.g. outbound or broadcast")
    .option("--region <us|eu>", "Customer.io data-center region (any case)")
    .option("--smtp-access-key <key>", "SMTP token Access Key (also POSTMARK_SMTP_ACCESS_KEY)")
    .option("--smtp-secret-stdin", "read the SMTP Secret Key from standard input")
    .option("--smtp-host <host>", "SMTP host (default by stream type)")
    .option("--smtp-port <port>", "SMTP port with STARTTLS: 587 (default), 2525 or 25; any port for a custom --smtp-host; never 465")
    .option("--skip-smtp", "set up the webhook only; skip the SMTP token")
    .option("--no-store-secrets", "keep the Secret Key and server token out of the saved file")
    .option("--no-verify-webhook", "save the webhook without Postmark calling Customer.io's URL first (it stays unverified)")
    .option("--dry-run", "print the plan; change nothing in Postmark or on disk")
    .option("-y, --yes", "answer yes to confirmations (including removing duplicate webhooks)")
    .option(
      "--send-test",
      "send one real message through the SMTP token and find it with the Messages API, to prove which stream it sends through",
    )
    .option("--from <address>", "--send-test's sender: a confirmed sender signature or an address on a verified domain")
    .option("--to <address>", `--send-test's recipient (default ${DEFAULT_TEST_RECIPIENT}, Postmark's soft-bounce test address)`)
    .addHelpText(
      "after",
      `
Examples:
  $ cio-postmark setup
  $ POSTMARK_ACCOUNT_TOKEN=… cio-postmark setup --server "Production" --stream outbound --region eu \\
      --smtp-access-key AK… --smtp-secret-stdin < secret.txt
  $ cio-postmark setup --stream broadcast --region us --skip-smtp --dry-run

Triggers: Delivery, Bounce, Spam Complaint and Subscription Change on a transactional stream; a broadcast
stream gets two, Delivery and Subscription Change (Postmark reports its hard bounces and spam complaints
as Subscription Change). Never Open or Click: Customer.io would count them twice.
${environmentHelp(["setup"])}`,
    )
    .action(action(async () => (await import("./commands/setup.js")).runSetup));

  program
    .command("doctor")
    .description("check saved connections end to end; --fix repairs webhook drift")
    .option("--server <id-or-name>", "only this server (exact name or numeric ID)")
    .option("--stream <id>", "only this message stream")
    .option("--fix", "repair what the webhook rules can repair, then check again")
    .option("--verify-webhook", "ask Postmark to call Customer.io's URL now, once per trigger (check webhook-verify)")
    .option("--no-verify-webhook", "with --fix: save a repaired webhook without Postmark calling Customer.io's URL first")
    .option("-y, --yes", "answer yes to confirmations (removing duplicate webhooks)")
    .option("--send-test", "also send one real message through each saved SMTP token and check which stream it went through")
    .option(
      "--end-to-end",
      "send one email through Customer.io (needs CUSTOMERIO_APP_API_KEY) and follow it through Postmark and back (check end-to-end)",
    )
    .option("--from <address>", "sender for --send-test and --end-to-end: a confirmed sender signature or an address on a verified domain")
    .option("--to <address>", `recipient for --send-test and --end-to-end (default ${DEFAULT_TEST_RECIPIENT})`)
    .option("--timeout <seconds>", "how long --end-to-end follows its email (default 90)")
    .option("--region <us|eu>", "with --fix: move the connections' webhooks to this Customer.io region")
    .option("--verbose", "print every check of every connection (over more than 3, a connection whose checks all pass is one line)")
    .addHelpText(
      "after",
      `\nExamples:\n  $ cio-postmark doctor\n  $ cio-postmark doctor --fix --yes\n  $ cio-postmark doctor --verify-webhook --json\n  $ CUSTOMERIO_APP_API_KEY=… cio-postmark doctor --end-to-end --from alerts@example.com\n${environmentHelp(["doctor"])}`,
    )
    .action(action(async () => (await import("./commands/doctor.js")).runDoctor));

  program
    .command("status")
    .description("list saved connections (secrets masked); --reveal prints one connection's Access Key and Secret Key")
    .option("--reveal", "print the saved Access Key and Secret Key of one connection (asks first in a terminal)")
    .option("--server <id-or-name>", "with --reveal: the connection's server (exact name or numeric ID)")
    .option("--stream <id>", "with --reveal: the connection's message stream")
    .option("-y, --yes", "with --reveal: do not ask first")
    .addHelpText(
      "after",
      `\nExamples:\n  $ cio-postmark status\n  $ cio-postmark status --json\n  $ cio-postmark status --reveal --server "My Server" --stream outbound\n${environmentHelp(["status"])}`,
    )
    .action(action(async () => (await import("./commands/status.js")).runStatus));

  program
    .command("remove")
    .description("delete a connection's Customer.io webhooks and forget it")
    .option("--server <id-or-name>", "Postmark server: exact name or numeric ID")
    .option("--stream <id>", "message stream ID")
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", `\nExamples:\n  $ cio-postmark remove --server 12345 --stream outbound --yes\n${environmentHelp(["remove"])}`)
    .action(action(async () => (await import("./commands/remove.js")).runRemove));

  return program;
}
