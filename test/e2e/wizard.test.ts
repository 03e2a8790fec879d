import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SANDBOX_CREDENTIALS } from "../../src/sandbox/credentials.js";
import { KEYS, runInPty, type PtyRun } from "../helpers/pty.js";
import { runBinary } from "../helpers/run-binary.js";

/** The sandbox wizard in a real pseudo-terminal: arrow keys, masked secrets, Ctrl-C, a narrow screen. */

const freshDir = () => mkdtempSync(join(tmpdir(), "cio-pty-"));
const savedConnections = (dir: string) => JSON.parse(readFileSync(join(dir, "sandbox", "config.json"), "utf8")).connections;
const sandboxWebhooks = (dir: string) => JSON.parse(readFileSync(join(dir, "sandbox", "postmark-account.json"), "utf8")).webhooks;

async function answer(run: PtyRun, prompt: string | RegExp, keys: string) {
  await run.waitFor(prompt);
  run.write(keys);
}

/** Walks the wizard to the end: account token, Acme Staging, outbound, EU, the SMTP key pair, confirm. */
async function completeWizard(run: PtyRun) {
  await answer(run, "Which Postmark token will you use?", KEYS.enter);
  await answer(run, "Account token:", `${SANDBOX_CREDENTIALS.accountToken}${KEYS.enter}`);
  await answer(run, "? Server:", KEYS.down + KEYS.enter);
  // Acme Staging has one usable stream: it is taken without asking, and said.
  await answer(run, 'Using stream "outbound"', "");
  await answer(run, "Which Customer.io region", KEYS.down + KEYS.enter);
  await answer(run, "Access Key:", `${SANDBOX_CREDENTIALS.accessKey}${KEYS.enter}`);
  await answer(run, "Secret Key:", `${SANDBOX_CREDENTIALS.secretKey}${KEYS.enter}`);
  await answer(run, "Send one test message", `n${KEYS.enter}`);
  await answer(run, "Apply this plan", KEYS.enter);
  // Acme Staging has no other usable stream, so no other is offered; the last question is about Customer.io.
  await notInCustomerIoYet(run);
}

/** The wizard's last question: the credentials are not in Customer.io yet (the default, No). */
async function notInCustomerIoYet(run: PtyRun) {
  await answer(run, "? Copy the Access Key and Secret Key", KEYS.enter); // no copying (the default)
  await answer(run, "Have you added the", KEYS.enter); // short: at 40 columns the question wraps
}

/** With a server token: Acme Production, its first stream, US, the SMTP key pair with the given Secret Key. */
async function throughServerToken(run: PtyRun, secretKey: string) {
  await answer(run, "Which Postmark token will you use?", KEYS.down + KEYS.enter);
  await answer(run, "Server token:", `${SANDBOX_CREDENTIALS.serverToken}${KEYS.enter}`);
  await answer(run, "Message stream:", KEYS.enter);
  await answer(run, "Which Customer.io region", KEYS.enter);
  await answer(run, "Access Key:", `${SANDBOX_CREDENTIALS.accessKey}${KEYS.enter}`);
  await answer(run, "Secret Key:", `${secretKey}${KEYS.enter}`);
  await answer(run, "Send one test message", `n${KEYS.enter}`);
}

describe("the wizard in a pseudo-terminal", () => {
  it("a re-run marks the streams connected before and never offers one of them again", async () => {
    const dir = freshDir();
    const scripted = await runBinary(["setup", "--sandbox", "--config-dir", dir, "--no-input", "--stream", "outbound", "--region", "us"], {
      POSTMARK_SERVER_TOKEN: SANDBOX_CREDENTIALS.serverToken,
      POSTMARK_SMTP_ACCESS_KEY: SANDBOX_CREDENTIALS.accessKey,
      POSTMARK_SMTP_SECRET_KEY: SANDBOX_CREDENTIALS.secretKey,
    });
    expect(scripted.status).toBe(0);
    const run = runInPty(["--sandbox", "--config-dir", dir], { cols: 100 });
    await answer(run, "Which Postmark token will you use?", KEYS.down + KEYS.enter);
    await answer(run, "Server token:", `${SANDBOX_CREDENTIALS.serverToken}${KEYS.enter}`);
    await answer(run, "connected (region US)", KEYS.down + KEYS.enter); // broadcast
    await answer(run, "Which Customer.io region", KEYS.enter);
    await answer(run, "Access Key:", `sandbox-access-key-0002${KEYS.enter}`);
    await answer(run, "Secret Key:", `sandbox-secret-key-0002${KEYS.enter}`);
    await answer(run, "Send one test message", `n${KEYS.enter}`);
    await answer(run, "Apply this plan", KEYS.enter);
    await notInCustomerIoYet(run);
    expect((await run.exited).exitCode).toBe(0);
    const screen = run.screen();
    expect(screen).toContain("✔ Postmark took the server token of Acme Production (ID 1001)");
    expect(screen).toContain("Default Transactional Stream (outbound), connected (region US)");
    expect(screen).not.toContain('Connect stream "outbound"');
  });

  it("driven with arrows and masked secrets, ends in the same state as the scripted run", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir]);
    await completeWizard(run);
    expect((await run.exited).exitCode).toBe(0);
    const screen = run.screen();
    expect(screen).toContain("Now in Customer.io");
    expect(screen).toContain("? Secret Key: ••••");
    // Masked input: the Secret Key and the account token were never echoed after the intro that lists them.
    const afterIntro = screen.slice(screen.indexOf("Which Postmark token"));
    expect(afterIntro).not.toContain(SANDBOX_CREDENTIALS.secretKey);
    expect(afterIntro).not.toContain(SANDBOX_CREDENTIALS.accountToken);

    const scriptedDir = freshDir();
    const scripted = await runBinary(
      [
        "setup",
        "--sandbox",
        "--config-dir",
        scriptedDir,
        "--no-input",
        "--server",
        "Acme Staging",
        "--stream",
        "outbound",
        "--region",
        "eu",
      ],
      {
        POSTMARK_ACCOUNT_TOKEN: SANDBOX_CREDENTIALS.accountToken,
        POSTMARK_SMTP_ACCESS_KEY: SANDBOX_CREDENTIALS.accessKey,
        POSTMARK_SMTP_SECRET_KEY: SANDBOX_CREDENTIALS.secretKey,
      },
    );
    expect(scripted.status).toBe(0);
    const comparable = (connections: Record<string, any>) =>
      Object.values(connections).map(({ verifiedAt: _v, updatedAt: _u, ...rest }) => rest);
    expect(comparable(savedConnections(dir))).toEqual(comparable(savedConnections(scriptedDir)));
    expect(comparable(savedConnections(dir))[0]).toMatchObject({ serverName: "Acme Staging", streamId: "outbound", region: "eu" });
    expect(sandboxWebhooks(dir)).toEqual(sandboxWebhooks(scriptedDir));
  });

  it("Ctrl-C at a prompt exits 130 with no stack trace, and nothing is saved or changed", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir]);
    await answer(run, "Which Postmark token will you use?", KEYS.enter);
    await answer(run, "Account token:", `${SANDBOX_CREDENTIALS.accountToken}${KEYS.enter}`);
    await answer(run, "? Server:", KEYS.ctrlC);
    expect((await run.exited).exitCode).toBe(130);
    expect(run.screen()).not.toMatch(/\n\s+at /);
    expect(run.screen()).not.toMatch(/Error/);
    expect(existsSync(join(dir, "sandbox", "config.json"))).toBe(false);
    expect(sandboxWebhooks(dir)).toEqual([]);
  });

  it("Ctrl-C at the final confirmation changes nothing", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir]);
    await throughServerToken(run, SANDBOX_CREDENTIALS.secretKey);
    await answer(run, "Apply this plan", KEYS.ctrlC);
    expect((await run.exited).exitCode).toBe(130);
    expect(existsSync(join(dir, "sandbox", "config.json"))).toBe(false);
    expect(sandboxWebhooks(dir)).toEqual([]);
  });

  it("lets a person paste a rejected key pair again", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir]);
    await throughServerToken(run, "not-the-secret-key-123");
    await answer(run, "Paste the Access Key and Secret Key again?", KEYS.enter);
    const afterRetry = (text: string) => (screen: string) => (screen.split("again? Yes")[1] ?? "").includes(text);
    await run.waitFor(afterRetry(`Access Key: (${SANDBOX_CREDENTIALS.accessKey})`)); // offered as the default
    run.write(KEYS.enter);
    await run.waitFor(afterRetry("Secret Key:"));
    run.write(`${SANDBOX_CREDENTIALS.secretKey}${KEYS.enter}`);
    await answer(run, "Apply this plan", KEYS.enter);
    await answer(run, 'Connect stream "broadcast"', KEYS.enter);
    await notInCustomerIoYet(run);
    expect((await run.exited).exitCode).toBe(0);
    expect(run.screen()).toContain("rejected the key pair");
    expect(Object.keys(savedConnections(dir))).toHaveLength(1);
  });

  it("still renders and completes in a 40-column terminal", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir], { cols: 40 });
    await completeWizard(run);
    expect((await run.exited).exitCode).toBe(0);
    expect(Object.keys(savedConnections(dir))).toHaveLength(1);
  });

  it("a sitting on a broadcast stream alone asks where to send the proof, and its Delivery event proves the chain", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir]);
    await answer(run, "Which Postmark token will you use?", KEYS.down + KEYS.enter);
    await answer(run, "Server token:", `${SANDBOX_CREDENTIALS.serverToken}${KEYS.enter}`);
    await answer(run, "Message stream:", KEYS.down + KEYS.enter); // broadcast
    await answer(run, "Which Customer.io region", KEYS.enter);
    await answer(run, "Access Key:", `sandbox-access-key-0002${KEYS.enter}`);
    await answer(run, "Secret Key:", `sandbox-secret-key-0002${KEYS.enter}`);
    await answer(run, "Send one test message", `n${KEYS.enter}`);
    await answer(run, "Apply this plan", KEYS.enter);
    await answer(run, 'Connect stream "outbound"', KEYS.enter); // no
    await answer(run, "? Copy the Access Key and Secret Key", KEYS.enter);
    await answer(run, "Have you added the", `y${KEYS.enter}`);
    await answer(run, "Prove the whole chain", KEYS.enter);
    await answer(run, "Customer.io App API key:", `${SANDBOX_CREDENTIALS.customerioBroadcastKey}${KEYS.enter}`);
    await answer(run, "Send it from", `alerts@acme.example${KEYS.enter}`);
    await answer(run, "Send it to (a mailbox you can read", `person@acme.example${KEYS.enter}`);
    expect((await run.exited).exitCode).toBe(0);
    // Before the proof, it says the test creates (or reuses) a person in Customer.io, and how to delete it.
    expect(run.screen().replace(/\s+/g, " ")).toContain(
      "The test email is sent to person@acme.example with Customer.io's transactional API, which creates (or reuses) a person with " +
        "that address in your workspace; delete it afterwards under People",
    );
    // Wrapped to the terminal's width: compare the words.
    expect(run.screen().replace(/\s+/g, " ")).toMatch(
      /Customer\.io sent it through Postmark stream broadcast; Postmark's Delivered event reached Customer\.io/,
    );
  }, 60_000);

  it("remove says what is left to do in Customer.io before it asks", async () => {
    const dir = freshDir();
    const scripted = await runBinary(
      ["setup", "--sandbox", "--config-dir", dir, "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp"],
      {
        POSTMARK_SERVER_TOKEN: SANDBOX_CREDENTIALS.serverToken,
      },
    );
    expect(scripted.status).toBe(0);
    const run = runInPty(["remove", "--sandbox", "--config-dir", dir], { env: { POSTMARK_SERVER_TOKEN: SANDBOX_CREDENTIALS.serverToken } });
    await answer(run, "Which connection should be removed?", KEYS.enter);
    await answer(run, "Delete the Customer.io webhooks of", `y${KEYS.enter}`);
    expect((await run.exited).exitCode).toBe(0);
    const screen = run.screen().replace(/\s+/g, " ");
    const reminder = screen.indexOf("Also remove the custom SMTP server in Customer.io");
    expect(reminder).toBeGreaterThanOrEqual(0);
    expect(reminder).toBeLessThan(screen.indexOf("Delete the Customer.io webhooks of"));
  });
});
