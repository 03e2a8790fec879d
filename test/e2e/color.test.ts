import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_CREDENTIALS } from "../../src/sandbox/credentials.js";
import { runInPty } from "../helpers/pty.js";
import { runBinary } from "../helpers/run-binary.js";

/** Colour in a terminal, and none with NO_COLOR or --no-color (chalk does not read NO_COLOR itself). */

const COLOUR = /\x1b\[(3[0-9]|9[0-7])m/; // eslint-disable-line no-control-regex
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cio-colour-"));
  const setup = await runBinary(["setup", "--sandbox", "--config-dir", dir, "--no-input", "--stream", "outbound", "--region", "us"], {
    POSTMARK_SERVER_TOKEN: SANDBOX_CREDENTIALS.serverToken,
    POSTMARK_SMTP_ACCESS_KEY: SANDBOX_CREDENTIALS.accessKey,
    POSTMARK_SMTP_SECRET_KEY: SANDBOX_CREDENTIALS.secretKey,
  });
  expect(setup.status).toBe(0);
});

async function doctorInTerminal(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = runInPty(["doctor", "--sandbox", "--config-dir", dir, ...args], { env });
  expect((await run.exited).exitCode).toBe(0);
  expect(run.screen()).toContain("No problems found");
  return run.raw();
}

describe("colour", () => {
  it("is on in a terminal", async () => {
    expect(await doctorInTerminal([])).toMatch(COLOUR);
  });

  it("is off with NO_COLOR", async () => {
    expect(await doctorInTerminal([], { NO_COLOR: "1" })).not.toMatch(COLOUR);
  });

  it("is off with --no-color", async () => {
    expect(await doctorInTerminal(["--no-color"])).not.toMatch(COLOUR);
  });
});
