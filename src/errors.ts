import { stoppedSummary } from "./journal.js";

/** Exit codes of the contract: 0 success, 1 failure, 2 usage, 130 interrupted. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface CliErrorOptions {
  exitCode?: ExitCodeValue;
  hint?: string;
  cause?: unknown;
}

/**
 * The one error type the top-level handler renders. `code` is stable (scripts match on it),
 * `message` says what happened, `hint` says what to do about it.
 */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;

  constructor(code: string, message: string, options: CliErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "CliError";
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.hint = options.hint;
  }
}

export function usageError(code: string, message: string, hint?: string): CliError {
  return new CliError(code, message, { exitCode: ExitCode.usage, hint });
}

/** Ctrl-C at a prompt: the message is the run's one closing line (see journal.ts). */
export function interrupted(): CliError {
  return new CliError("interrupted", stoppedSummary(), { exitCode: ExitCode.interrupted });
}
