/**
 * The contract's exit codes, the one place they are written as numbers. A stop signal's code is
 * 128 + its number, as shells report it. This module imports nothing: every layer may use it.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  hungUp: 129,
  interrupted: 130,
  stopped: 143,
  /** Ctrl-Break on Windows. */
  broken: 149,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** What each code means, in the order --help lists them (Ctrl-Break is Windows' own and left out). */
const EXIT_CODE_WORDS: Array<[ExitCodeValue, string]> = [
  [ExitCode.ok, "success"],
  [ExitCode.failure, "failure"],
  [ExitCode.usage, "usage error (bad or missing input)"],
  [ExitCode.interrupted, "interrupted (Ctrl-C)"],
  [ExitCode.stopped, "stopped (SIGTERM)"],
  [ExitCode.hungUp, "hung up (SIGHUP)"],
];

/** The exit codes as --help prints them. */
export function exitCodeHelp(): string {
  const words = EXIT_CODE_WORDS.map(([code, meaning]) => `${code} ${meaning}`);
  return `Exit codes: ${words.slice(0, 3).join(", ")},\n${words.slice(3).join(", ")}.`;
}

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
