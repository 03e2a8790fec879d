import { clearLine, cursorTo, moveCursor } from "node:readline";
import { PassThrough, Readable } from "node:stream";
import { main } from "../../src/main.js";
import { withoutEscapes } from "./escapes.js";
import type { RunOverrides } from "../../src/runtime.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as the single JSON document of a --json run. */
  json<T = any>(): T;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  overrides?: RunOverrides;
}

/** Runs the CLI in-process with captured streams that are not terminals (a scripted run). */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on("data", (chunk) => out.push(String(chunk)));
  stderr.on("data", (chunk) => err.push(String(chunk)));
  const stdin = Readable.from(options.stdin === undefined ? [] : [options.stdin]);
  // Printed commands start as they would from an installed `cio-postmark` (the test runner is no command of ours).
  const overrides = { commandPrefix: "cio-postmark", ...options.overrides };
  const code = await main(argv, { stdin, stdout, stderr, env: { PATH: process.env.PATH, ...options.env } }, overrides);
  const result = { code, stdout: out.join(""), stderr: err.join("") };
  return {
    ...result,
    json() {
      return JSON.parse(result.stdout);
    },
  };
}

/** A stream that says it is a terminal 100 columns wide, moving its cursor as a TTY's does (spinners redraw with it). */
function terminalStream() {
  const stream: PassThrough & { isTTY: true; columns: number } = Object.assign(new PassThrough(), {
    isTTY: true as const,
    columns: 100,
    cursorTo: (x: number, y?: number) => cursorTo(stream, x, y),
    moveCursor: (dx: number, dy: number) => moveCursor(stream, dx, dy),
    clearLine: (dir: -1 | 0 | 1) => clearLine(stream, dir),
    getColorDepth: () => 1,
    hasColors: () => false,
  });
  // Like process.stderr, a terminal is not closed by a prompt that piped into it and ended.
  stream.end = () => stream;
  return stream;
}

/** An answer typed at a prompt: once stderr shows `after` (past the previous answer's prompt), `keys` are typed. */
export interface TypedAnswer {
  after: string;
  keys: string;
}

/**
 * Runs the CLI in-process as if in a terminal: stdin and stdout say they are TTYs, so the real prompts ask on
 * stderr and read keys from stdin. For the interactive paths the in-process tests (and so mutation testing) reach;
 * the built binary in a real pseudo-terminal is test/e2e's job.
 */
export async function runInTerminal(argv: string[], answers: TypedAnswer[], options: RunOptions = {}): Promise<CliRun & { asked: number }> {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin });
  const stdout = terminalStream();
  const stderr = terminalStream();
  const out: string[] = [];
  let said = "";
  let seenUpTo = 0;
  let asked = 0;
  stdout.on("data", (chunk) => out.push(String(chunk)));
  stderr.on("data", (chunk) => {
    said += String(chunk);
    const next = answers[asked];
    const at = next === undefined ? -1 : said.indexOf(next.after, seenUpTo);
    if (next === undefined || at < 0) return;
    seenUpTo = at + next.after.length;
    asked += 1;
    setImmediate(() => stdin.write(next.keys));
  });
  const overrides = { commandPrefix: "cio-postmark", ...options.overrides };
  const env = { PATH: process.env.PATH, NO_COLOR: "1", ...options.env };
  const code = await main(argv, { stdin, stdout, stderr, env }, overrides);
  stdin.end();
  const result = { code, stdout: withoutEscapes(out.join("")), stderr: withoutEscapes(said), asked };
  return { ...result, json: () => JSON.parse(result.stdout) };
}
