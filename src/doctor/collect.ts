import { plural } from "../core/words.js";
import type { Runtime } from "../runtime.js";
import { isConnectionOf } from "../core/matching.js";
import { CHECKS } from "./checks/index.js";
import { accountDomains, collectFacts, type FactOptions } from "./facts.js";
import { runChecks, type CheckOutcome } from "./runner.js";
import type { CheckedConnection } from "./types.js";

/** Collecting doctor's verdicts: every check on every connection, nothing printed but the progress. */

/** Every connection at once: the process's cap on requests in flight sets the pace, not this loop. */
export function checkAll(
  runtime: Runtime,
  connections: CheckedConnection[],
  options: FactOptions,
  /** Given the step's label updater: a long check (--end-to-end) says where it is waiting. */
  onStep: (say: (text: string) => void) => void = () => undefined,
): Promise<ConnectionReport[]> {
  const shared = { ...options, domains: accountDomains(runtime) };
  const checkEach = (checked: () => void) =>
    Promise.all(
      connections.map(async (connection) => {
        const checks = await runChecks(CHECKS, collectFacts(runtime, connection, shared));
        checked();
        return { connection, checks };
      }),
    );
  const label = `Checking ${plural(connections.length, "connection")}`;
  if (connections.length <= FEW_CONNECTIONS) {
    return runtime.output.step(label, async (update) => {
      onStep((text) => update(`${label}: ${text}`));
      const reports = await checkEach(() => undefined);
      update(label); // the wait is over: the finished line says what was done, not where it last waited
      return reports;
    });
  }
  return runtime.output.counting(
    (done) => `Checking ${done} of ${connections.length} connections`,
    `Checked ${connections.length} connections`,
    checkEach,
  );
}

/** The report with one check's outcome taken from an earlier round on the same connection. */
export function keepCheck(report: ConnectionReport, earlier: ConnectionReport[], id: string): ConnectionReport {
  const { serverId, streamId } = report.connection;
  const before = earlier
    .find((candidate) => isConnectionOf(candidate.connection, serverId, streamId))
    ?.checks.find((check) => check.id === id);
  return before ? { ...report, checks: report.checks.map((check) => (check.id === id ? before : check)) } : report;
}

/** Whether any check failed: the report's verdict and the run's exit code both read it. */
export const hasFailure = (reports: ConnectionReport[]) => reports.some((report) => report.checks.some((check) => check.status === "fail"));

/** Over more than this many connections, a count replaces the spinner and all-pass connections are one line each. */
export const FEW_CONNECTIONS = 3;

export interface ConnectionReport {
  connection: CheckedConnection;
  checks: CheckOutcome[];
}
