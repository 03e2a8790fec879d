import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SANDBOX_CREDENTIALS } from "../../src/sandbox/credentials.js";
import { runBinary } from "../helpers/run-binary.js";
import { KEYS, finalLines, runInPty } from "../helpers/pty.js";

/** The sandbox recipe (docs/sandbox.md), run as written, with the documented sandbox values. */

const SANDBOX_ENV = {
  POSTMARK_SERVER_TOKEN: SANDBOX_CREDENTIALS.serverToken,
  POSTMARK_SMTP_ACCESS_KEY: SANDBOX_CREDENTIALS.accessKey,
  POSTMARK_SMTP_SECRET_KEY: SANDBOX_CREDENTIALS.secretKey,
};

describe("--sandbox", () => {
  it("setup, doctor, status and remove behave like one account over time, and the real config is untouched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-sandbox-"));
    const env = { ...SANDBOX_ENV, CIO_POSTMARK_CONFIG_DIR: dir };
    const setup = await runBinary(["setup", "--sandbox", "--no-input", "--stream", "outbound", "--region", "us"], env);
    expect(setup.stderr).toContain("key pair accepted");
    expect(setup.status).toBe(0);

    const doctor = await runBinary(["doctor", "--sandbox"], { CIO_POSTMARK_CONFIG_DIR: dir });
    expect(doctor.status).toBe(0);
    expect(doctor.stdout).toMatch(/No problems found/);

    const status = await runBinary(["status", "--sandbox"], { CIO_POSTMARK_CONFIG_DIR: dir });
    expect(status.status).toBe(0);
    expect(status.stdout).toContain("Acme Production / outbound");
    expect(status.stdout).not.toContain(SANDBOX_CREDENTIALS.secretKey);

    // The real config folder holds only the sandbox's own folder: no real config was read or written.
    expect(readdirSync(dir)).toEqual(["sandbox"]);
    const realStatus = await runBinary(["status", "--json"], { CIO_POSTMARK_CONFIG_DIR: dir });
    expect(JSON.parse(realStatus.stdout).connections).toEqual([]);
    expect(existsSync(join(dir, "config.json"))).toBe(false);

    const again = await runBinary(["setup", "--sandbox", "--json", "--stream", "outbound", "--region", "us"], env);
    expect(JSON.parse(again.stdout).webhook.action).toBe("unchanged");

    const remove = await runBinary(["remove", "--sandbox", "--server", "Acme Production", "--stream", "outbound", "--yes"], {
      CIO_POSTMARK_CONFIG_DIR: dir,
    });
    expect(remove.status).toBe(0);
    const after = await runBinary(["status", "--sandbox", "--json"], { CIO_POSTMARK_CONFIG_DIR: dir });
    expect(JSON.parse(after.stdout).connections).toEqual([]);
  });

  it("refuses SMTP on the sandbox server that has it disabled", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-sandbox-"));
    const run = await runBinary(
      ["setup", "--sandbox", "--no-input", "--stream", "outbound", "--region", "us", "--server", "Legacy Newsletters"],
      {
        ...SANDBOX_ENV,
        POSTMARK_SERVER_TOKEN: undefined,
        POSTMARK_ACCOUNT_TOKEN: SANDBOX_CREDENTIALS.accountToken,
        CIO_POSTMARK_CONFIG_DIR: dir,
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/SMTP is disabled on server/);
  });

  it("doctor --end-to-end's spinner says the stage it waits at and the seconds left", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-sandbox-"));
    const env = { ...SANDBOX_ENV, CIO_POSTMARK_CONFIG_DIR: dir };
    expect((await runBinary(["setup", "--sandbox", "--no-input", "--stream", "outbound", "--region", "us"], env)).status).toBe(0);
    const run = runInPty(["doctor", "--sandbox", "--end-to-end", "--from", "alerts@acme.example"], {
      env: { CIO_POSTMARK_CONFIG_DIR: dir, CUSTOMERIO_APP_API_KEY: SANDBOX_CREDENTIALS.customerioKey },
    });
    // Whichever stage the spinner is at when looked at, with the seconds so far and those left.
    await run.waitFor(/Checking 1 connection: (Waiting for|Customer\.io sent it;|Found in Postmark;)[^(]*\(\d+ s; gives up in \d+ s\)/);
    expect((await run.exited).exitCode).toBe(0);
    expect(run.screen()).toMatch(/✔ end-to-end: Customer\.io sent it through Postmark stream outbound/);
  }, 30_000);

  it("doctor at 80 columns reads at a glance: the problem, why, its fix unbroken, one line for the rest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-sandbox-"));
    const env = { ...SANDBOX_ENV, CIO_POSTMARK_CONFIG_DIR: dir };
    expect((await runBinary(["setup", "--sandbox", "--no-input", "--stream", "outbound", "--region", "us"], env)).status).toBe(0);
    const accountFile = join(dir, "sandbox", "postmark-account.json");
    const account = JSON.parse(readFileSync(accountFile, "utf8"));
    account.webhooks[0].Triggers.Open.Enabled = true;
    writeFileSync(accountFile, JSON.stringify(account));
    const run = runInPty(["doctor", "--sandbox"], { cols: 80, env: { CIO_POSTMARK_CONFIG_DIR: dir } });
    expect((await run.exited).exitCode).toBe(1);
    const lines = finalLines(run.screen());
    expect(lines.filter((line) => [...line].length > 80)).toEqual([]);
    expect(lines).toContain("  ✖ webhook-triggers: Webhook 9001 has the wrong settings: Open trigger is on:");
    expect(lines).toContain("      fix: cio-postmark doctor --fix --server 1001 --stream outbound --sandbox");
    expect(lines.some((line) => /^  ✔ \d+ other checks passed, \d+ skipped \(--verbose shows each\)$/.test(line))).toBe(true);
    expect(lines.at(-1) === "" ? lines.at(-2) : lines.at(-1)).toBe("To repair it: cio-postmark doctor --fix --sandbox");
  }, 30_000);
  /** A sandbox connection of outbound, its account file and how many Customer.io webhooks the stream has. */
  async function connected() {
    const dir = mkdtempSync(join(tmpdir(), "cio-sandbox-"));
    const env = { ...SANDBOX_ENV, CIO_POSTMARK_CONFIG_DIR: dir };
    expect((await runBinary(["setup", "--sandbox", "--no-input", "--stream", "outbound", "--region", "us"], env)).status).toBe(0);
    const accountFile = join(dir, "sandbox", "postmark-account.json");
    const account = () => JSON.parse(readFileSync(accountFile, "utf8"));
    const webhooks = () => account().webhooks.filter((hook: { MessageStream: string }) => hook.MessageStream === "outbound");
    return { dir, accountFile, account, webhooks };
  }

  it("doctor --fix asks before it deletes an extra webhook: no keeps it, saying how to delete it; yes (default) deletes it", async () => {
    const { dir, accountFile, account, webhooks } = await connected();
    const state = account();
    state.webhooks.push({ ...state.webhooks[0], ID: 9002 });
    writeFileSync(accountFile, JSON.stringify(state));

    const declined = runInPty(["doctor", "--sandbox", "--fix"], { env: { CIO_POSTMARK_CONFIG_DIR: dir } });
    await declined.waitFor("Delete the extra Customer.io webhook?");
    declined.write(`n${KEYS.enter}`);
    expect((await declined.exited).exitCode).toBe(1);
    expect(declined.screen()).toContain("Extra Customer.io webhooks left in place: run with --yes to delete them.");
    expect(webhooks()).toHaveLength(2);

    const accepted = runInPty(["doctor", "--sandbox", "--fix"], { env: { CIO_POSTMARK_CONFIG_DIR: dir } });
    await accepted.waitFor("Delete the extra Customer.io webhook?");
    accepted.write(KEYS.enter);
    expect((await accepted.exited).exitCode).toBe(0);
    expect(webhooks()).toHaveLength(1);
  }, 30_000);

  it("a move to the other region that is declined changes nothing: keeping the old webhook would count events twice", async () => {
    const { dir, webhooks } = await connected();
    const before = webhooks();
    const declined = runInPty(["doctor", "--sandbox", "--fix", "--region", "eu"], { env: { CIO_POSTMARK_CONFIG_DIR: dir } });
    await declined.waitFor("Delete the extra Customer.io webhook?");
    declined.write(`n${KEYS.enter}`);
    expect((await declined.exited).exitCode).toBe(1);
    expect(declined.screen().replace(/\s+/g, " ")).toContain(
      "Nothing was changed: moving while keeping the other region's webhook would have Customer.io count events twice.",
    );
    expect(webhooks()).toEqual(before);
  }, 30_000);

  it("a damaged account file is said, with the file and how to start afresh, and left as it is", async () => {
    const { dir, accountFile } = await connected();
    const shapes = ['{"servers": [', "[]", '{"accountTokens": ["t"], "servers": {}}', '{"accountTokens": ["t"], "servers": [1]}'];
    for (const text of shapes) {
      writeFileSync(accountFile, text);
      const run = await runBinary(["doctor", "--sandbox", "--json"], { CIO_POSTMARK_CONFIG_DIR: dir });
      expect(run.status).toBe(1);
      const { error } = JSON.parse(run.stdout);
      expect(error.code).toBe("sandbox_damaged");
      expect(error.message).toContain(accountFile);
      expect(error.message).toContain("it was left as it is");
      expect(error.hint).toContain(`mv "${accountFile}" "${accountFile}.bak"`);
      expect(readFileSync(accountFile, "utf8")).toBe(text);
    }
    writeFileSync(accountFile, "{");
    const text = await runBinary(["status", "--sandbox"], { CIO_POSTMARK_CONFIG_DIR: dir });
    expect(text.stderr).toContain(`The sandbox's account file ${accountFile} is not valid JSON; it was left as it is.`);
    expect(text.stderr).not.toContain("Unexpected error");
  }, 30_000);

  it("an account file from before sender signatures, messages and suppressions runs, and gets the people to try recipient on", async () => {
    const { dir, accountFile, account } = await connected();
    const { senders: _senders, messages: _messages, suppressions: _suppressions, ...older } = account();
    writeFileSync(accountFile, JSON.stringify(older));
    const doctor = await runBinary(["doctor", "--sandbox"], { CIO_POSTMARK_CONFIG_DIR: dir });
    expect(doctor.stderr).not.toContain("Unexpected error");
    expect(doctor.status).toBe(0);
    const recipient = await runBinary(["recipient", "gone@acme.example", "--sandbox", "--json"], { CIO_POSTMARK_CONFIG_DIR: dir });
    expect(JSON.parse(recipient.stdout).connections[0].suppression.reason).toBe("HardBounce");
    expect(account().senders).toEqual([]);
  }, 30_000);
});
