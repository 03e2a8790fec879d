import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS_KEY, ACCOUNT_TOKEN, OTHER_SERVER_TOKEN, SECRET_KEY, SENDER, SERVER_TOKEN, startWorld, type World } from "../helpers/world.js";

/** --trace: a transcript of every Postmark exchange and the SMTP dialogue, with no secret in any encoding. */

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.close());

const SECRETS = [ACCOUNT_TOKEN, SERVER_TOKEN, OTHER_SERVER_TOKEN, SECRET_KEY];
/** Every form a secret could take in the file: plain, JSON-escaped, base64 alone and inside SMTP AUTH PLAIN. */
function encodings(secret: string): string[] {
  const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  return [secret, JSON.stringify(secret).slice(1, -1), base64(secret), base64(`\u0000${ACCESS_KEY}\u0000${secret}`), base64(`${ACCESS_KEY}\u0000${secret}`)];
}

function readTrace(path: string): Array<Record<string, any>> {
  return readFileSync(path, "utf8").trim().split("\n").map((line) => JSON.parse(line));
}

describe("--trace", () => {
  it("setup --send-test and doctor write JSON lines of every request and the SMTP dialogue, with no secret in any form", async () => {
    const setupTrace = join(world.configDir, "..", "setup-trace.jsonl");
    const doctorTrace = join(world.configDir, "..", "doctor-trace.jsonl");
    const setup = await world.run(["setup", "--no-input", "--server", "Production", "--stream", "outbound", "--region", "us", "--send-test", "--from", SENDER, "--trace", setupTrace], {
      env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
    });
    expect(setup.code).toBe(0);
    const doctor = await world.run(["doctor", "--send-test", "--from", SENDER, "--trace", doctorTrace], { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } });
    expect(doctor.code).toBe(0);

    for (const path of [setupTrace, doctorTrace]) {
      const text = readFileSync(path, "utf8");
      for (const secret of SECRETS) for (const form of encodings(secret)) expect(text).not.toContain(form);
      const entries = readTrace(path);
      const http = entries.filter((entry) => entry.kind === "http");
      const smtp = entries.filter((entry) => entry.kind === "smtp");
      // Every request the simulator served is in the file, with its status and timing.
      expect(http.length).toBeGreaterThan(3);
      for (const entry of http) expect(entry).toMatchObject({ method: expect.any(String), path: expect.stringMatching(/^\//), status: expect.any(Number), ms: expect.any(Number) });
      expect(smtp.map((entry) => entry.line)).toEqual(expect.arrayContaining(["STARTTLS", expect.stringMatching(/^AUTH PLAIN/), expect.stringMatching(/^MAIL FROM:<alerts@signature\.test>/), "DATA"]));
      expect(smtp.some((entry) => entry.direction === "server" && /^235/.test(entry.line))).toBe(true);
    }
    // The server listing answers carry the servers' tokens: masked by field name too.
    const listing = readTrace(setupTrace).find((entry) => entry.path === "/servers");
    expect(listing!.responseBody.Servers[0].ApiTokens[0]).toMatch(/^••••/);
  });

  it("a trace file that cannot be written is a usage error before anything is done", async () => {
    const run = await world.run(["status", "--trace", "/proc/no-such-dir/trace.jsonl", "--json"]);
    expect(run.code).toBe(2);
    expect(run.json().error.message).toMatch(/Cannot write the trace file/);
  });
});
