import { PassThrough, Readable } from "node:stream";
import { main } from "../../src/main.js";
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
