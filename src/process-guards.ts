import { ExitCode } from "./errors.js";
import { installStopHandlers } from "./interrupt.js";
import { currentPlatform } from "./platform.js";
import { stoppedSummary } from "./journal.js";
import { stopActiveSpinner } from "./ui/active-spinner.js";

/**
 * What the binary installs around a run: the stop signals of this platform, and a last resort
 * for anything that escaped every handler, rendered like any other error.
 */

// A spinner may be drawing the current line and have hidden the cursor when a signal stops the run.
const CLEAR_LINE_SHOW_CURSOR = "\r\u001b[2K\u001b[?25h";

export function installProcessGuards(report: (error: unknown) => Promise<number>): void {
  installStopHandlers(currentPlatform().stopSignals, (exitCode) => {
    stopActiveSpinner();
    if (process.stderr.isTTY) process.stderr.write(CLEAR_LINE_SHOW_CURSOR);
    // Wrapped like the rest of the run's prose on a terminal (a command in it stays whole). The
    // wrapper measures with string-width, loaded only now: at start-up it would cost every run ~20 ms.
    const columns = process.stderr.isTTY && process.stderr.columns > 0 ? process.stderr.columns : undefined;
    const say = (text: string) => {
      process.stderr.write(`${text}\n`);
      process.exit(exitCode);
    };
    if (!columns) return say(stoppedSummary());
    import("./ui/wrap.js").then(
      ({ wrapText }) => say(wrapText(stoppedSummary(), columns)),
      () => say(stoppedSummary()),
    );
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
