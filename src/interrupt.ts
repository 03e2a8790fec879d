import type { StopSignal } from "./platform.js";

/**
 * Ctrl-C, SIGTERM and SIGHUP outside a prompt (prompts handle Ctrl-C themselves). Stopping at once
 * is right everywhere except while Postmark and the config are being changed: there the run
 * finishes the change and its save, then exits with the signal's code, so nothing is left half-done.
 * The lock is released by its own exit hook (store/lock.ts).
 */

let critical = 0;
let pendingExitCode: number | undefined;
let stop: (exitCode: number) => void = (exitCode) => process.exit(exitCode);

export function installStopHandlers(signals: StopSignal[], onStop: (exitCode: number) => void = stop): void {
  stop = onStop;
  for (const { signal, exitCode } of signals) {
    process.on(signal, () => {
      if (critical > 0) pendingExitCode ??= exitCode;
      else stop(exitCode);
    });
  }
}

export async function criticalSection<T>(work: () => Promise<T>): Promise<T> {
  critical += 1;
  try {
    return await work();
  } finally {
    critical -= 1;
    if (critical === 0 && pendingExitCode !== undefined) stop(pendingExitCode);
  }
}
