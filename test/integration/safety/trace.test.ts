import { existsSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACCESS_KEY,
  ACCOUNT_TOKEN,
  OTHER_SERVER_TOKEN,
  SECRET_KEY,
  SENDER,
  SERVER_TOKEN,
  startWorld,
  type World,
} from "../../helpers/world.js";

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
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    base64(secret),
    base64(`\u0000${ACCESS_KEY}\u0000${secret}`),
    base64(`${ACCESS_KEY}\u0000${secret}`),
  ];
}

function readTrace(path: string): Array<Record<string, any>> {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

describe("--trace", () => {
  it("setup --send-test and doctor write JSON lines of every request and the SMTP dialogue, with no secret in any form", async () => {
    const setupTrace = join(world.configDir, "..", "setup-trace.jsonl");
    const doctorTrace = join(world.configDir, "..", "doctor-trace.jsonl");
    const setup = await world.run(
      [
        "setup",
        "--no-input",
        "--server",
        "Production",
        "--stream",
        "outbound",
        "--region",
        "us",
        "--send-test",
        "--from",
        SENDER,
        "--trace",
        setupTrace,
      ],
      {
        env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
      },
    );
    expect(setup.code).toBe(0);
    const doctor = await world.run(["doctor", "--send-test", "--from", SENDER, "--trace", doctorTrace], {
      env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
    });
    expect(doctor.code).toBe(0);

    for (const path of [setupTrace, doctorTrace]) {
      const text = readFileSync(path, "utf8");
      for (const secret of SECRETS) for (const form of encodings(secret)) expect(text).not.toContain(form);
      const entries = readTrace(path);
      const http = entries.filter((entry) => entry.kind === "http");
      const smtp = entries.filter((entry) => entry.kind === "smtp");
      // Every request the simulator served is in the file, with its status and timing.
      expect(http.length).toBeGreaterThan(3);
      for (const entry of http)
        expect(entry).toMatchObject({
          method: expect.any(String),
          path: expect.stringMatching(/^\//),
          status: expect.any(Number),
          ms: expect.any(Number),
        });
      expect(smtp.map((entry) => entry.line)).toEqual(
        expect.arrayContaining([
          "STARTTLS",
          expect.stringMatching(/^AUTH PLAIN/),
          expect.stringMatching(/^MAIL FROM:<alerts@signature\.test>/),
          "DATA",
        ]),
      );
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

describe("--trace never destroys a file", () => {
  const configFile = () => join(world.configDir, "config.json");
  const saveOne = async () =>
    expect(
      (
        await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp"], {
          env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
        })
      ).code,
    ).toBe(0);

  it("refuses the config file and anything in the config folder, leaving it whole", async () => {
    await saveOne();
    const before = readFileSync(configFile(), "utf8");
    for (const target of [configFile(), join(world.configDir, "notes.jsonl"), join(world.configDir, "sandbox", "x.jsonl")]) {
      const run = await world.run(["status", "--trace", target, "--json"]);
      expect(run.code).toBe(2);
      expect(run.json().error).toMatchObject({
        code: "invalid_trace",
        message: `The trace file ${target} is in the config folder ${world.configDir}; nothing there is written as a trace.`,
      });
    }
    expect(readFileSync(configFile(), "utf8")).toBe(before);
    expect(existsSync(join(world.configDir, "notes.jsonl"))).toBe(false);
  });

  it("refuses a symlink, and never writes its target", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-trace-"));
    const target = join(dir, "precious.txt");
    writeFileSync(target, "keep me\n");
    symlinkSync(target, join(dir, "trace.jsonl"));
    const run = await world.run(["status", "--trace", join(dir, "trace.jsonl"), "--json"]);
    expect(run.code).toBe(2);
    expect(run.json().error).toMatchObject({
      code: "invalid_trace",
      message: `The trace file ${join(dir, "trace.jsonl")} is a symbolic link; it was not followed.`,
    });
    expect(readFileSync(target, "utf8")).toBe("keep me\n");
  });

  it("refuses an existing file that is not a trace (exit 2), untouched; an earlier trace is reused, 0600", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-trace-"));
    const notes = join(dir, "notes.txt");
    writeFileSync(notes, "my notes\nline two\n", { mode: 0o644 });
    const refused = await world.run(["status", "--trace", notes, "--json"]);
    expect(refused.code).toBe(2);
    expect(refused.json().error).toMatchObject({
      code: "invalid_trace",
      message: `${notes} is not a cio-postmark trace; it was left as it is.`,
    });
    expect(readFileSync(notes, "utf8")).toBe("my notes\nline two\n");
    expect(statSync(notes).mode & 0o777).toBe(0o644);

    const earlier = join(dir, "earlier.jsonl");
    writeFileSync(
      earlier,
      `${JSON.stringify({ at: "2026-11-01T00:00:00.000Z", kind: "http", method: "GET", path: "/server" })}\nold line\n`,
      { mode: 0o644 },
    );
    await saveOne();
    const reused = await world.run(["doctor", "--trace", earlier], { env: {} });
    expect(reused.code).toBe(0);
    expect(statSync(earlier).mode & 0o777).toBe(0o600);
    expect(readFileSync(earlier, "utf8")).not.toContain("old line");
    expect(readTrace(earlier).length).toBeGreaterThan(0);

    const fresh = join(dir, "new.jsonl");
    expect((await world.run(["doctor", "--trace", fresh], { env: {} })).code).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
  });

  it("a trace that cannot be written stops the run at once as trace_unwritable, with nothing changed", async () => {
    const before = world.simulator.requests.length;
    const writesBefore = world.simulator.writes.length;
    const run = await world.run(
      ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp", "--trace", "/dev/full", "--json"],
      { env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN } },
    );
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({ code: "trace_unwritable", message: "Cannot write the trace file /dev/full." });
    // The first exchange could not be written: no retries, no more requests, no change.
    // At most the first round: the server, the stream, its webhooks and the saved webhook's statistics.
    expect(world.simulator.requests.length - before).toBeLessThanOrEqual(4);
    expect(world.simulator.writes.length).toBe(writesBefore);
  });
});
