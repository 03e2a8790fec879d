import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** Anything that escapes every handler still ends as the normal error output: a message, exit 1, one JSON document. */

const MAIN = new URL("../../dist/main.cjs", import.meta.url).pathname;
const SECRET = "sk-stray-secret-0123456789";

/** Runs the binary's entry with a stray failure: at once (before the run can print anything) or after `afterMs`. */
function runWithStray(kind: "rejection" | "exception", args: string[], env: NodeJS.ProcessEnv = {}, afterMs?: number) {
  const fail =
    kind === "rejection"
      ? `Promise.reject(new Error("stray failure with ${SECRET}"))`
      : `(() => { throw new Error("stray failure with ${SECRET}"); })()`;
  const stray = afterMs === undefined ? `${fail};` : `setTimeout(() => ${fail}, ${afterMs});`;
  const script = `require(${JSON.stringify(MAIN)}).runFromProcess(${JSON.stringify(args)}); ${stray} setTimeout(() => {}, 5000);`;
  return spawnSync(process.execPath, ["-e", script], {
    env: {
      PATH: process.env.PATH,
      CIO_POSTMARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), "cio-stray-")),
      POSTMARK_SMTP_SECRET_KEY: SECRET,
      ...env,
    },
    encoding: "utf8",
  });
}

describe("the last-resort handler", () => {
  it.each(["rejection", "exception"] as const)(
    "an unhandled %s during the run: exit 1, one JSON document, the secret masked, no stack",
    (kind) => {
      const run = runWithStray(kind, ["status", "--json"]);
      expect(run.status).toBe(1);
      // Exactly one document: the failure itself, or (when the run's own document won the race) the run's, with the failure on stderr.
      const document = JSON.parse(run.stdout);
      if (document.ok === false) {
        expect(document.error).toMatchObject({ code: "internal_error", message: expect.stringContaining("stray failure with ••••6789") });
      } else {
        expect(document).toHaveProperty("connections");
        expect(run.stderr).toContain("Unexpected error: stray failure with ••••6789");
      }
      expect(run.stdout + run.stderr).not.toContain(SECRET);
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it("after the run's document is out: the failure goes to stderr, never as a second document", () => {
    const run = runWithStray("rejection", ["status", "--json"], {}, 1500);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toHaveProperty("connections");
    expect(run.stderr).toContain("Unexpected error: stray failure with ••••6789");
  });

  it("in human output: a message, no stack trace unless DEBUG is set", () => {
    const plain = runWithStray("rejection", ["status"]);
    expect(plain.status).toBe(1);
    expect(plain.stderr).toContain("Unexpected error: stray failure with ••••6789");
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = runWithStray("rejection", ["status"], { DEBUG: "1" });
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect(debug.stderr).not.toContain(SECRET);
  });
});
