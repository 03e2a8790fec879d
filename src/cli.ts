import { Command, CommanderError } from "commander";
import { closestWord } from "./core/matching.js";
import { usageError, type CliError } from "./errors.js";
import { ALL, describeHelp, type CommandHandler } from "./commands/register.js";
import { registerSetup } from "./commands/setup/options.js";
import { registerDoctor } from "./commands/doctor-options.js";
import { registerStatus } from "./commands/status-options.js";
import { registerRemove } from "./commands/remove-options.js";
import { registerApply } from "./commands/apply/options.js";
import { registerRecipient } from "./commands/recipient-options.js";

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
  /** Set by the command that ran: 0, or 1 when it found a failure without throwing (doctor). */
  exitCode: number;
  /** `--help --all`: every option, variable and exit code, not one screen's worth. */
  helpAll?: boolean;
}

const EXAMPLES = [
  "npx cio-postmark                    # the guided wizard",
  "npx cio-postmark --sandbox          # rehearse with a simulated account",
  `POSTMARK_SERVER_TOKEN=… POSTMARK_SMTP_ACCESS_KEY=… \\
      POSTMARK_SMTP_SECRET_KEY=… \\
      npx cio-postmark setup --stream outbound --region us --json`,
  "npx cio-postmark doctor --fix",
  "npx cio-postmark status --json",
  "POSTMARK_ACCOUNT_TOKEN=… npx cio-postmark apply --check   # fail on drift",
  'npx cio-postmark remove --server "My Server" --stream broadcast --yes',
];

/**
 * `cio-postmark doctr`: commander would take the word for setup's (and blame setup's arguments, or
 * an option setup does not have); say what happened instead.
 */
export function unknownCommand(word: string): CliError {
  const near = closestWord(word, ALL);
  return usageError(
    "unknown_command",
    `Unknown command ${JSON.stringify(word)}.${near ? ` Did you mean ${near}?` : ""}`,
    `The commands are ${ALL.join(", ")}; each takes --help.`,
  );
}

/**
 * `--smtp-secret` does not exist, on purpose: a Secret Key in a flag sits in the shell's history and
 * in every process listing. Said before commander's bare "unknown option", and the value never echoed.
 */
export function secretFlagProblem(argv: string[]): CliError | undefined {
  if (!argv.some((arg) => arg === "--smtp-secret" || arg.startsWith("--smtp-secret="))) return undefined;
  return usageError(
    "secret_in_flag",
    "There is no --smtp-secret: a Secret Key given as a flag would stay in your shell history and show in the process list.",
    "Pipe it in with --smtp-secret-stdin (for example --smtp-secret-stdin < secret.txt), or set POSTMARK_SMTP_SECRET_KEY.",
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
  const all = context.helpAll === true;
  const program = new Command("cio-postmark")
    .description("Connect Postmark to Customer.io: webhook, SMTP key pair, saved connection.")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .option("--json", "one JSON document on stdout (implies --no-input)")
    .option("--no-input", "never prompt; fail naming any missing value")
    .option("--no-color", "disable colour (also NO_COLOR)")
    .option("--config-dir <dir>", "config folder (also CIO_POSTMARK_CONFIG_DIR)")
    .option("--sandbox", "a simulated Postmark account and SMTP server")
    .option("--trace <file>", "a masked transcript of Postmark and SMTP, for bug reports")
    .showSuggestionAfterError(true)
    .exitOverride()
    // Subcommands created below inherit these settings.
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => undefined, // main.ts says it, as it says every error
    })
    // Commands by name alone: their arguments and options are in each one's own help.
    .configureHelp({ showGlobalOptions: all, subcommandTerm: (command) => command.name() });
  // One screen names the global options on one line; --help --all lists each.
  const globals = program.options.flatMap((option) => (option.long === "--help" ? [] : [option.long!]));
  describeHelp(program, "", { examples: EXAMPLES, rare: globals }, all);

  /** Runs a command with a runtime built from the merged global and command options. */
  const action =
    <O extends GlobalOptions>(load: () => Promise<(runtime: Runtime, options: O) => Promise<number>>): CommandHandler<O> =>
    async (...received: unknown[]) => {
      // Commander passes the command's declared arguments first, then its options, then the command itself.
      const command = received.at(-1) as Command;
      const declared = command.registeredArguments.length;
      if (command.args.length > declared) throw unknownCommand(command.args[declared]!);
      const options = { ...command.optsWithGlobals<O>(), ...(declared > 0 ? { args: command.processedArgs as string[] } : {}) };
      const [run, { createRuntime }] = await Promise.all([load(), import("./runtime.js")]);
      const runtime = await createRuntime(options, io, context.secrets, context.overrides);
      try {
        context.exitCode = await run(runtime, options);
      } finally {
        await runtime.close();
      }
    };

  registerSetup(
    program,
    action(async () => (await import("./commands/setup/run.js")).runSetup),
    all,
  );
  registerDoctor(
    program,
    action(async () => (await import("./commands/doctor.js")).runDoctor),
    all,
  );
  registerStatus(
    program,
    action(async () => (await import("./commands/status.js")).runStatus),
    all,
  );
  registerRemove(
    program,
    action(async () => (await import("./commands/remove.js")).runRemove),
    all,
  );

  registerApply(
    program,
    action(async () => (await import("./commands/apply/run.js")).runApply),
    all,
  );
  registerRecipient(
    program,
    action(async () => (await import("./commands/recipient.js")).runRecipient),
    all,
  );

  return program;
}
