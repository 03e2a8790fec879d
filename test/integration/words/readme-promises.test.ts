import { PassThrough } from "node:stream";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliError } from "../../../src/errors.js";
import { Output } from "../../../src/ui/output.js";
import { SecretRegistry } from "../../../src/ui/redact.js";
import { renderError } from "../../../src/ui/render-error.js";
import {
  ACCESS_KEY,
  ACCOUNT_TOKEN,
  BROADCAST_ACCESS_KEY,
  BROADCAST_SECRET_KEY,
  DEFAULT_SPEC,
  SECRET_KEY,
  SERVER_TOKEN,
  startWorld,
  type World,
} from "../../helpers/world.js";

/** What README and the contract promise, each held to by a test that fails when the promise breaks. */

let world: World;
afterEach(() => world.close());
beforeEach(async () => {
  world = await startWorld({ ...DEFAULT_SPEC, domains: [{ Name: "example.com" }, { Name: "no-dkim.example", DKIMVerified: false }] });
});

const setup = (args: string[], env: NodeJS.ProcessEnv = { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }) =>
  world.run(["setup", "--no-input", "--region", "us", "--json", ...args], { env });
const checkOf = (run: { json(): any }, id: string, connection = 0) =>
  run.json().connections[connection].checks.find((check: { id: string }) => check.id === id);

describe("inputs", () => {
  it("a flag wins over the environment: --smtp-access-key over POSTMARK_SMTP_ACCESS_KEY", async () => {
    const run = await setup(["--stream", "outbound", "--smtp-access-key", ACCESS_KEY], {
      POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
      POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
    });
    expect(run.code).toBe(0);
    expect(run.json().smtp.accessKey).toBe(ACCESS_KEY);
    expect(world.smtp.logins.map((login) => login.accessKey)).toEqual([ACCESS_KEY]);
  });

  it("the environment wins over the saved connection", async () => {
    expect((await setup(["--stream", "outbound"])).code).toBe(0); // saves ACCESS_KEY
    const run = await setup(["--stream", "outbound"], {
      POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
      POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
      POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
    });
    expect(run.code).toBe(0);
    expect(run.json().smtp.accessKey).toBe(BROADCAST_ACCESS_KEY);
  });

  it("secrets never come from a flag value: there is no flag for a token or the Secret Key", async () => {
    for (const flag of ["--account-token", "--server-token", "--smtp-secret-key", "--secret-key", "--token"]) {
      const run = await world.run(["setup", flag, "x", "--json"]);
      expect(run.code).toBe(2);
      expect(run.json().error.message).toContain(`unknown option '${flag}'`);
    }
  });
});

describe("doctor's warnings", () => {
  it("sending-domains warns about a domain whose DKIM is not verified", async () => {
    expect((await setup(["--stream", "outbound"])).code).toBe(0);
    const run = await world.run(["doctor", "--json"], { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } });
    expect(run.code).toBe(0);
    expect(checkOf(run, "sending-domains")).toMatchObject({
      status: "warn",
      message: "no-dkim.example: DKIM not verified. Until they are verified, mail Customer.io sends from them is likelier to land in spam.",
    });
  });

  it("unsubscribe-handling warns on a broadcast stream that uses Postmark's own unsubscribe handling", async () => {
    expect(
      (
        await setup(["--stream", "broadcast"], {
          POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
          POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
          POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
        })
      ).code,
    ).toBe(0);
    const run = await world.run(["doctor", "--json"], { env: {} });
    expect(run.code).toBe(0);
    expect(checkOf(run, "unsubscribe-handling")).toMatchObject({
      status: "warn",
      message: expect.stringContaining("Postmark adds its own unsubscribe link"),
    });
  });
});

describe("output", () => {
  it("DEBUG=1 adds a stack trace to an error; without it there is none", async () => {
    const env = { POSTMARK_SERVER_TOKEN: "not-a-real-token-0000000" };
    const plain = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us"], { env });
    const debug = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us"], { env: { ...env, DEBUG: "1" } });
    expect([plain.code, debug.code]).toEqual([1, 1]);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect(debug.stderr).not.toContain("not-a-real-token-0000000");
  });

  it("status --json gives configFile; remove --json gives ok, server, stream, removedWebhooks and configFile", async () => {
    expect((await setup(["--stream", "outbound"])).code).toBe(0);
    const status = await world.run(["status", "--json"]);
    expect(status.json().configFile).toBe(join(world.configDir, "config.json"));
    const removed = await world.run(["remove", "--server", "Production", "--stream", "outbound", "--yes", "--json"]);
    expect(removed.code).toBe(0);
    const document = removed.json();
    expect(Object.keys(document).sort()).toEqual(["configFile", "ok", "removedWebhooks", "server", "stream"]);
    expect(document).toMatchObject({
      ok: true,
      server: { id: 2001, name: "Production" },
      stream: { id: "outbound" },
      configFile: join(world.configDir, "config.json"),
    });
    expect(document.removedWebhooks).toHaveLength(1);
  });
});

describe("redaction", () => {
  /** An error as a library might throw it, with a secret inside its message. */
  function render(json: boolean, secret: string) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let text = "";
    stdout.on("data", (chunk) => (text += chunk));
    stderr.on("data", (chunk) => (text += chunk));
    const secrets = new SecretRegistry();
    secrets.add(secret);
    const output = new Output({ stdin: new PassThrough(), stdout, stderr, env: {} }, secrets, { json, color: false });
    renderError(new Error(`connect failed: auth=${secret}; retry`), output, true);
    renderError(new CliError("postmark_rejected", `Postmark refused: token ${secret} unknown`, { hint: `Check ${secret}` }), output, false);
    return text;
  }

  it.each([false, true])("a secret inside a library's error and a Postmark message is masked (json %s), escaped forms included", (json) => {
    for (const secret of [SECRET_KEY, 'sk"with\\\\quote-and-slash-123']) {
      const text = render(json, secret);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
      expect(text).toContain(`••••${secret.slice(-4)}`);
    }
  });
});
