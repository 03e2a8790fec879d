import { CliError, ExitCode } from "../errors.js";
import type { Output } from "./output.js";

/** The one place errors become output: a message and a hint on stderr, or the contract's JSON failure document. */
export function renderError(error: unknown, output: Output, debug: boolean): number {
  const cliError =
    error instanceof CliError
      ? error
      : new CliError("internal_error", `Unexpected error: ${(error as Error)?.message ?? String(error)}`, {
          hint: "Run again with DEBUG=1 for details, and report it if it persists.",
          cause: error,
        });
  if (output.json && !output.documentWritten) {
    output.writeJson({
      ok: false,
      error: { code: cliError.code, message: cliError.message, hint: cliError.hint ?? null },
    });
  } else if (cliError.exitCode === ExitCode.interrupted) {
    // A person stopped the run: one plain line saying where things stand, not an error.
    output.writeErr(`${cliError.message}\n`);
  } else {
    output.writeErr(`${output.style.red(output.symbols.fail)} ${cliError.message}\n`);
    if (cliError.hint) output.writeErr(`  ${output.style.dim(cliError.hint)}\n`);
  }
  if (debug) {
    const cause = cliError.cause instanceof Error ? cliError.cause : cliError;
    output.writeErr(`${cause.stack ?? String(cause)}\n`);
  }
  return cliError.exitCode;
}
