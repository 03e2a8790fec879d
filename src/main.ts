import type { ProgramContext } from "./cli.js";
import { ExitCode, usageError } from "./errors.js";
import type { RunOverrides } from "./runtime.js";
import { colorEnabled, isTruthyEnv, processIo, type Io } from "./ui/io.js";
import { SecretRegistry } from "./ui/redact.js";
import { packageVersion } from "./version.js";

import { installProcessGuards } from "./process-guards.js";
import { resetJournal } from "./journal.js";

const SECRET_ENV_VARS = ["POSTMARK_ACCOUNT_TOKEN", "POSTMARK_SERVER_TOKEN", "POSTMARK_SMTP_SECRET_KEY"];

/** Each help text as commander prints it to a pipe, rendered from the program by scripts/build.mjs (absent in tests). */
declare const CIO_POSTMARK_HELP: Record<string, string> | undefined;

/**
 * `--help` or `<command> --help` and nothing else, written to a pipe or an 80-column terminal (the
 * width it was rendered at): the program's own help text, without loading the program.
 */
function prebuiltHelp(argv: string[], io: Io): string | undefined {
  if (typeof CIO_POSTMARK_HELP === "undefined") return undefined;
  const stdout = io.stdout as { isTTY?: boolean; columns?: number };
  if (stdout.isTTY && stdout.columns !== 80) return undefined;
  const isHelp = (word: string | undefined) => word === "--help" || word === "-h";
  const command = argv.length === 1 && isHelp(argv[0]) ? "" : argv.length === 2 && isHelp(argv[1]) ? argv[0]! : undefined;
  return command === undefined ? undefined : CIO_POSTMARK_HELP[command];
}

/** Renders an error the way the run would: human or JSON, secrets masked. Loaded only when something went wrong. */
function errorReporter(argv: string[], io: Io, secrets: SecretRegistry) {
  const json = argv.includes("--json");
  return async (error: unknown, debug: boolean) => {
    const [{ Output }, { renderError }, { currentPlatform }] = await Promise.all([
      import("./ui/output.js"),
      import("./ui/render-error.js"),
      import("./platform.js"),
    ]);
    const options = { json, color: colorEnabled(io, argv.includes("--no-color")), unicode: currentPlatform(io.env).unicode };
    return renderError(error, new Output(io, secrets, options), debug);
  };
}

/** The binary's entry: the process's own streams, signal handling and a last-resort error handler. */
export function runFromProcess(argv: string[]): void {
  const io = processIo();
  const secrets = new SecretRegistry();
  const report = errorReporter(argv, io, secrets);
  installProcessGuards((error) => report(error, isTruthyEnv(io.env.DEBUG)));
  void main(argv, io, {}, secrets).then((code) => {
    process.exitCode = code;
  });
}

/** Runs the CLI once and answers its exit code. Tests call it in-process with their own streams. */
export async function main(
  argv: string[],
  io: Io = processIo(),
  overrides: RunOverrides = {},
  secrets = new SecretRegistry(),
): Promise<number> {
  // The most common start of all answers without loading commander (start-up time is a feature).
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    io.stdout.write(`${packageVersion()}\n`);
    return ExitCode.ok;
  }
  const help = prebuiltHelp(argv, io);
  if (help !== undefined) {
    io.stdout.write(help);
    return ExitCode.ok;
  }
  resetJournal();
  for (const name of SECRET_ENV_VARS) secrets.add(io.env[name]?.trim());
  // `--help --all` is the long help; `--all` is no option of any command, so commander never sees it.
  const helpAll = argv.includes("--all") && argv.some((word) => word === "--help" || word === "-h");
  const context: ProgramContext = { io, secrets, overrides, exitCode: ExitCode.ok, helpAll };
  const report = errorReporter(argv, io, secrets);
  const { createProgram, CommanderError, firstWordProblem, secretFlagProblem } = await import("./cli.js");
  try {
    const problem = secretFlagProblem(argv) ?? firstWordProblem(argv);
    if (problem) throw problem;
    await createProgram(context).parseAsync(helpAll ? argv.filter((word) => word !== "--all") : argv, { from: "user" });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return ExitCode.ok; // --help, --version
      // Said as every other error is: the tool's own words, with commander's suggestion as the hint.
      const [said, ...more] = error.message.replace(/^error: /, "").split("\n");
      const suggestion = more
        .join(" ")
        .replace(/^\((.*)\)$/, "$1")
        .trim();
      await report(usageError("usage", `${said}.`.replace(/\.\.$/, "."), suggestion || "See --help."), false);
      return ExitCode.usage;
    }
    return report(error, isTruthyEnv(io.env.DEBUG));
  }
}
