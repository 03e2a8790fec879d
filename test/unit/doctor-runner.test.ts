import { describe, expect, it } from "vitest";
import { CliError } from "../../src/errors.js";
import { runChecks } from "../../src/doctor/runner.js";
import type { DoctorCheck, Facts } from "../../src/doctor/types.js";

const facts = {} as Facts;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("doctor's runner", () => {
  it("reports a check that throws as that check's failure, and runs the others", async () => {
    const checks: DoctorCheck[] = [
      { id: "a", run: async () => ({ status: "pass", message: "fine" }) },
      { id: "b", run: async () => { throw new TypeError("boom"); } },
      { id: "c", run: async () => { throw new CliError("x", "Known problem.", { hint: "Do this." }); } },
    ];
    expect(await runChecks(checks, facts)).toEqual([
      { id: "a", status: "pass", message: "fine" },
      { id: "b", status: "fail", message: "The check itself failed: boom", fix: "Run with DEBUG=1 and report this." },
      { id: "c", status: "fail", message: "Known problem.", fix: "Do this." },
    ]);
  });

  it("runs checks at once and answers in declaration order", async () => {
    const finished: string[] = [];
    const check = (id: string, ms: number): DoctorCheck => ({
      id,
      run: async () => {
        await delay(ms);
        finished.push(id);
        return { status: "pass", message: id };
      },
    });
    const started = Date.now();
    const results = await runChecks([check("slow", 150), check("fast", 10), check("middle", 80)], facts);
    expect(Date.now() - started).toBeLessThan(150 + 10 + 80); // not one after another
    expect(finished).toEqual(["fast", "middle", "slow"]);
    expect(results.map((result) => result.id)).toEqual(["slow", "fast", "middle"]);
  });
});
