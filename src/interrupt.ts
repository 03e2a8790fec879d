import { ExitCode } from "./errors.js";

/**
 * Ctrl-C outside a prompt (prompts handle their own). Stopping at once is right everywhere except
 * while Postmark and the config are being changed: there the run finishes the change and its save,
 * then exits 130, so nothing is left half-done.
 */

let critical = 0;
let interruptedDuringCritical = false;
let exitLater: () => void = () => undefined;

export function installInterruptHandler(onInterrupt: () => void = () => process.exit(ExitCode.interrupted)): void {
  process.on("SIGINT", () => {
    if (critical > 0) interruptedDuringCritical = true;
    else onInterrupt();
  });
  exitLater = onInterrupt;
}

export async function criticalSection<T>(work: () => Promise<T>): Promise<T> {
  critical += 1;
  try {
    return await work();
  } finally {
    critical -= 1;
    if (critical === 0 && interruptedDuringCritical) exitLater();
  }
}
