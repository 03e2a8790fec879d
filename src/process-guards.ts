import { ExitCode } from "./errors.js";
import { installStopHandlers } from "./interrupt.js";
import { currentPlatform } from "./platform.js";

/**
 * What the binary installs around a run: the stop signals of this platform, and a last resort
 * for anything that escaped every handler, rendered like any other error.
 */

// A prompt or spinner may have hidden the cursor when a signal stops the run.
const SHOW_CURSOR = "\u001b[?25h";

export function installProcessGuards(report: (error: unknown) => Promise<number>): void {
  installStopHandlers(currentPlatform().stopSignals, (exitCode) => {
    if (process.stderr.isTTY) process.stderr.write(SHOW_CURSOR);
    process.exit(exitCode);
  });
  let reporting = false;
  const lastResort = (error: unknown) => {
    if (reporting) return; // a failure while reporting: the first report stands
    reporting = true;
    report(error).then(
      () => process.exit(ExitCode.failure),
      () => process.exit(ExitCode.failure),
    );
  };
  process.on("unhandledRejection", lastResort);
  process.on("uncaughtException", lastResort);
}
