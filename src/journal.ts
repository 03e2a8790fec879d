import { CliError, ExitCode } from "./errors.js";

/**
 * What this run has done so far, for the one line a run stopped by Ctrl-C or a signal leaves on
 * stderr: what was done, or "Cancelled: nothing was changed". One run per process, so one journal;
 * in-process tests start each run with `resetJournal()`.
 */

const done: string[] = [];
let testMessageTo: string | undefined;
let pickUp: string | undefined;

export function resetJournal(): void {
  done.length = 0;
  testMessageTo = undefined;
  pickUp = undefined;
}

/** The command that picks up where a stopped sitting left off, said after what it did. */
export function recordPickUp(command: string): void {
  pickUp = command;
}

/** A change that was made and saved, in words ("Acme / outbound connected"); text from outside made safe by the caller. */
export function recordDone(what: string): void {
  done.push(what);
}

/** A real message went out: a stopped run still says so. */
export function recordTestMessage(to: string): void {
  testMessageTo = to;
}

export function stoppedSummary(): string {
  const sent = testMessageTo ? ` A test message was already sent to ${testMessageTo}.` : "";
  if (done.length === 0) return `Cancelled: nothing was changed.${sent}`;
  const again = pickUp ? ` To pick up where it stopped: ${pickUp}` : "";
  return `Stopped: ${done.join("; ")}. Nothing else was changed.${sent}${again}`;
}

/** Ctrl-C at a prompt: the message is the run's one closing line. */
export function interrupted(): CliError {
  return new CliError("interrupted", stoppedSummary(), { exitCode: ExitCode.interrupted });
}
