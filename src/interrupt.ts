import type { StopSignal } from "./platform.js";

/**
 * Ctrl-C, SIGTERM and SIGHUP outside a prompt (prompts handle Ctrl-C themselves). Stopping at once
 * is right everywhere except while Postmark and the config are being changed: there the run
 * finishes the change and its save, then exits with the signal's code, so nothing is left half-done.
 * The lock is released by its own exit hook (store/lock.ts).
 */

let critical = 0;
let pending: { signal: NodeJS.Signals; exitCode: number } | undefined;
let stop: (exitCode: number) => void = (exitCode) => process.exit(exitCode);

export function installStopHandlers(signals: StopSignal[], onStop: (exitCode: number) => void = stop): void {
  stop = onStop;
  for (const { signal, exitCode } of signals) {
    process.on(signal, () => {
      if (critical > 0) pending ??= { signal, exitCode };
      else stop(exitCode);
    });
  }
}

/**
 * Runs a change that a signal must not cut in half. A signal that came meanwhile stops the run
 * once the change is done, after `report` has said what was done (with --json, the run's one
 * document, marked with the signal's name).
 */
export async function criticalSection<T>(work: () => Promise<T>, report?: (done: T, signal: NodeJS.Signals) => void): Promise<T> {
  critical += 1;
  let finished: { value: T } | undefined;
  try {
    finished = { value: await work() };
    return finished.value;
  } finally {
    critical -= 1;
    if (critical === 0 && pending !== undefined) {
      if (finished && report) report(finished.value, pending.signal);
      stop(pending.exitCode);
    }
  }
}
