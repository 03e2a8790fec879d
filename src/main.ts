import { CommanderError } from "commander";
import { createProgram, type ProgramContext } from "./cli.js";
import { ExitCode, usageError } from "./errors.js";
import type { RunOverrides } from "./runtime.js";
import { colorEnabled, isTruthyEnv, processIo, type Io } from "./ui/io.js";
import { Output } from "./ui/output.js";
import { SecretRegistry } from "./ui/redact.js";
import { renderError } from "./ui/render-error.js";

const SECRET_ENV_VARS = ["POSTMARK_ACCOUNT_TOKEN", "POSTMARK_SERVER_TOKEN", "POSTMARK_SMTP_SECRET_KEY"];

/** Runs the CLI once and answers its exit code. Tests call it in-process with their own streams. */
export async function main(argv: string[], io: Io = processIo(), overrides: RunOverrides = {}): Promise<number> {
  const secrets = new SecretRegistry();
  for (const name of SECRET_ENV_VARS) secrets.add(io.env[name]?.trim());
  const json = argv.includes("--json");
  const context: ProgramContext = { io, secrets, overrides, json, exitCode: ExitCode.ok };
  const output = new Output(io, secrets, { json, color: colorEnabled(io, argv.includes("--no-color")) });
  try {
    await createProgram(context).parseAsync(argv, { from: "user" });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return ExitCode.ok; // --help, --version
      // Without --json commander has printed its message already.
      if (json) renderError(usageError("usage", error.message.replace(/^error: /, "")), output, false);
      return ExitCode.usage;
    }
    return renderError(error, output, isTruthyEnv(io.env.DEBUG));
  }
}
