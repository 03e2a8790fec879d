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
      {
        id: "b",
        run: async () => {
          throw new TypeError("boom");
        },
      },
      {
        id: "c",
        run: async () => {
          throw new CliError("x", "Known problem.", { hint: "Do this." });
        },
      },
    ];
    expect(await runChecks(checks, facts)).toEqual([
      { id: "a", status: "pass", message: "fine" },
      { id: "b", status: "fail", message: "The check itself failed: boom", fix: "Run with DEBUG=1 and report this." },
      { id: "c", status: "fail", message: "Known problem.", fix: "Do this." },
    ]);
  });

  it("runs checks at once and answers in declaration order", async () => {
    // Each check waits until all three have started: a runner that ran them one after another
    // would never let the first one finish.
    const events: string[] = [];
    let release!: () => void;
    const allStarted = new Promise<void>((resolve) => (release = resolve));
    const check = (id: string, ms: number): DoctorCheck => ({
      id,
      run: async () => {
        events.push(`start ${id}`);
        if (events.length === 3) release();
        await allStarted;
        await delay(ms);
        events.push(`end ${id}`);
        return { status: "pass", message: id };
      },
    });
    const results = await runChecks([check("slow", 60), check("fast", 1), check("middle", 30)], facts);
    expect(events.slice(0, 3)).toEqual(["start slow", "start fast", "start middle"]);
    expect(events.slice(3).sort()).toEqual(["end fast", "end middle", "end slow"]);
    expect(results.map((result) => result.id)).toEqual(["slow", "fast", "middle"]);
  });
});
