/** The streams and environment a run uses: the process's own, or a test's. */
export interface TerminalStream extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
}

export interface Io {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: TerminalStream;
  stderr: TerminalStream;
  env: NodeJS.ProcessEnv;
}

export function processIo(): Io {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** `CI=1`, `CI=true`: set and not an explicit "false"/"0". */
export function isTruthyEnv(value: string | undefined): boolean {
  if (value === undefined) return false;
  const normalized = value.trim().toLowerCase();
  return normalized !== "" && normalized !== "0" && normalized !== "false";
}

export interface InteractivityInputs {
  io: Io;
  noInput: boolean;
  json: boolean;
}

/** The one place that decides whether this run may wait for a person (contract: "Interactive or scripted"). */
export function canPrompt({ io, noInput, json }: InteractivityInputs): boolean {
  return Boolean(io.stdin.isTTY && io.stdout.isTTY) && !noInput && !json && !isTruthyEnv(io.env.CI);
}

export function colorEnabled(io: Io, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  // https://no-color.org: any non-empty value disables colour.
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
  if (isTruthyEnv(io.env.FORCE_COLOR)) return true;
  return Boolean(io.stderr.isTTY);
}
