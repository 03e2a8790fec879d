/**
 * Commands the tool prints for a person to run (fixes, next steps): they must run as printed, so
 * they start the way this run was started (`npx cio-postmark` or `cio-postmark`), carry the flags
 * that chose what this run worked on (`--sandbox`, `--config-dir`), and quote what a shell would split.
 */

export interface CommandStyle {
  /** `npx cio-postmark` or `cio-postmark`. */
  prefix: string;
  /** Flags and values this run was given that the printed command needs too. */
  carried: string[];
  /** cmd.exe and PowerShell take double quotes; POSIX shells single quotes. */
  windows: boolean;
}

/** Arguments made only of these characters pass through any shell as they are. */
const PLAIN = /^[\w@%+=:,./-]+$/;

export function quoteArg(arg: string, windows: boolean): string {
  if (PLAIN.test(arg)) return arg;
  return windows ? `"${arg.replace(/"/g, '""')}"` : `'${arg.replace(/'/g, "'\\''")}'`;
}

export function commandLine(style: CommandStyle, args: string[]): string {
  return [style.prefix, ...[...args, ...style.carried].map((arg) => quoteArg(arg, style.windows))].join(" ");
}

/** npm 7 and later run `npx` as `npm exec`, which it says in the environment; the package then lives in npm's _npx cache. */
export function startedThroughNpx(env: NodeJS.ProcessEnv, scriptPath: string | undefined): boolean {
  return env.npm_command === "exec" || /[\\/]_npx[\\/]/.test(scriptPath ?? "");
}

/** The flags a printed command carries: those that chose the account and folder this run used. */
export function carriedFlags(options: { sandbox?: boolean; configDir?: string }): string[] {
  return [...(options.sandbox ? ["--sandbox"] : []), ...(options.configDir === undefined ? [] : ["--config-dir", options.configDir])];
}
