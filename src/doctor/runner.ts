import { CliError } from "../errors.js";
import type { CheckResult, DoctorCheck, Facts } from "./types.js";

export interface CheckOutcome extends CheckResult {
  id: string;
}

/** Runs every check at once and answers in declaration order; a check that throws fails alone. */
export async function runChecks(checks: DoctorCheck[], facts: Facts): Promise<CheckOutcome[]> {
  return Promise.all(
    checks.map(async (check) => {
      try {
        return { id: check.id, ...(await check.run(facts)) };
      } catch (error) {
        const message = error instanceof CliError ? error.message : `The check itself failed: ${(error as Error)?.message ?? error}`;
        return {
          id: check.id,
          status: "fail" as const,
          message,
          fix: error instanceof CliError && error.hint ? error.hint : "Run with DEBUG=1 and report this.",
        };
      }
    }),
  );
}
