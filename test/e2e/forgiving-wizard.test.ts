import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KEYS, runInPty, type PtyRun } from "../helpers/pty.js";

/** The wizard keeps a person in place: a rejected token is asked again, the other kind of token is recognised. */

const ACCOUNT_TOKEN = "sandbox-account-token-0001";
const SERVER_TOKEN = "sandbox-server-token-acme-prod";
const freshDir = () => mkdtempSync(join(tmpdir(), "cio-forgiving-"));
const webhooks = (dir: string) => JSON.parse(readFileSync(join(dir, "sandbox", "postmark-account.json"), "utf8")).webhooks;
const saved = (dir: string) => existsSync(join(dir, "sandbox", "config.json"));

async function answer(run: PtyRun, prompt: string | RegExp | ((screen: string) => boolean), keys: string) {
  await run.waitFor(prompt);
  run.write(keys);
}

/** The prompt drawn again after the screen said `marker` (a prompt is redrawn on every key, so count markers, not prompts). */
const after = (marker: string, prompt: string) => (screen: string) =>
  screen.includes(marker) && screen.slice(screen.lastIndexOf(marker)).includes(prompt);

/** From the stream prompt to the end, webhook only. */
async function finish(run: PtyRun) {
  await answer(run, "Message stream:", KEYS.enter);
  await answer(run, "Which Customer.io region", KEYS.enter);
  await answer(run, "Apply this plan", KEYS.enter);
  await answer(run, OFFER, KEYS.enter);
}

/** After the first stream, the wizard offers the server's other one by name. */
const OFFER = 'Connect stream "broadcast" (Broadcasts) of Acme Production too?';

describe("a wizard that forgives", () => {
  it("a wrong account token, then the right one: a successful setup with exactly one webhook", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir, "--skip-smtp"]);
    await answer(run, "Which Postmark token will you use?", KEYS.enter);
    await answer(run, "Account token:", `not-a-token-000000000${KEYS.enter}`);
    await answer(
      run,
      after("Postmark rejected that account token. Paste it again (try 2 of 3)", "? Account token:"),
      `${ACCOUNT_TOKEN}${KEYS.enter}`,
    );
    await answer(run, "? Server:", KEYS.enter);
    await finish(run);
    expect((await run.exited).exitCode).toBe(0);
    expect(webhooks(dir)).toHaveLength(1);
    expect(run.screen()).not.toMatch(/POSTMARK_ACCOUNT_TOKEN/);
    // A tick means accepted: the answered question keeps its "?", rejected or not.
    expect(run.screen()).toContain("? Account token: ••••");
    expect(run.screen()).not.toMatch(/✔ Account token/);
  });

  it.each([
    ["account", [], KEYS.enter],
    ["account", ["--server", "Acme Production"], KEYS.enter],
    ["server", [], KEYS.down + KEYS.enter],
    ["server", ["--server", "Acme Production"], KEYS.down + KEYS.enter],
  ])("three rejected %s tokens (%j): exit 1, no stack trace, nothing changed", async (kind, flags, choose) => {
    const dir = freshDir();
    const run = runInPty(["setup", "--sandbox", "--config-dir", dir, "--skip-smtp", "--stream", "outbound", "--region", "us", ...flags]);
    await answer(run, "Which Postmark token will you use?", choose);
    const prompt = `? ${kind === "account" ? "Account" : "Server"} token:`;
    await answer(run, prompt, `wrong-token-1-000000000${KEYS.enter}`);
    for (const attempt of [2, 3])
      await answer(run, after(`(try ${attempt} of 3)`, prompt), `wrong-token-${attempt}-000000000${KEYS.enter}`);
    expect((await run.exited).exitCode).toBe(1);
    expect(run.screen()).toContain(`Postmark rejected the ${kind} token 3 times.`);
    expect(run.screen()).not.toMatch(/\n\s+at |Node\.js v|CliError/);
    expect(saved(dir)).toBe(false);
    expect(webhooks(dir)).toEqual([]);
  });

  it.each([[[]], [["--server", "Acme Production", "--stream", "outbound", "--region", "us"]]])(
    "the account token pasted at the server-token prompt (%j) is recognised and setup completes",
    async (flags) => {
      const dir = freshDir();
      const run = runInPty(["setup", "--sandbox", "--config-dir", dir, "--skip-smtp", ...flags]);
      await answer(run, "Which Postmark token will you use?", KEYS.down + KEYS.enter);
      await answer(run, "? Server token:", `${ACCOUNT_TOKEN}${KEYS.enter}`);
      // Shown as handled, with the note mark: not as a failure.
      await run.waitFor("ℹ That is an account token, not a server token: carrying on with it");
      expect(run.screen()).not.toContain("✖ Checking the server token");
      if (flags.length === 0) {
        await answer(run, "? Server:", KEYS.enter);
        await finish(run);
      } else {
        await answer(run, "Apply this plan", KEYS.enter);
        await answer(run, OFFER, KEYS.enter);
      }
      expect((await run.exited).exitCode).toBe(0);
      expect(run.screen()).not.toMatch(/\n\s+at |Node\.js v/);
      expect(webhooks(dir)).toHaveLength(1);
    },
  );

  it("the server token pasted at the account-token prompt is recognised, naming its server", async () => {
    const dir = freshDir();
    const run = runInPty(["setup", "--sandbox", "--config-dir", dir, "--skip-smtp"]);
    await answer(run, "Which Postmark token will you use?", KEYS.enter);
    await answer(run, "? Account token:", `${SERVER_TOKEN}${KEYS.enter}`);
    await run.waitFor("ℹ That is the server token of Acme Production (ID 1001), not an account token: carrying on with it");
    await finish(run);
    expect((await run.exited).exitCode).toBe(0);
    expect(webhooks(dir)).toHaveLength(1);
  });

  it("a --server that matches nothing is said once, then chosen from the list", async () => {
    const dir = freshDir();
    const run = runInPty(["setup", "--sandbox", "--config-dir", dir, "--skip-smtp", "--server", "Acme Prodution"]);
    await answer(run, "Which Postmark token will you use?", KEYS.enter);
    await answer(run, "? Account token:", `${ACCOUNT_TOKEN}${KEYS.enter}`);
    await run.waitFor('No server named "Acme Prodution" in this Postmark account. Did you mean: "Acme Production"?');
    await answer(run, "? Server:", KEYS.enter);
    await finish(run);
    expect((await run.exited).exitCode).toBe(0);
  });

  it("the region prompt says how to tell your region", async () => {
    const dir = freshDir();
    const run = runInPty(["setup", "--sandbox", "--config-dir", dir, "--skip-smtp", "--stream", "outbound"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    });
    await run.waitFor("Which Customer.io region");
    expect(run.screen()).toContain("An EU account signs in at fly-eu.customer.io, a US account at fly.customer.io.");
    run.write(KEYS.ctrlC);
    expect((await run.exited).exitCode).toBe(130);
  });
});

describe("the region from a Customer.io App API key", () => {
  it("'Not sure' at the region question asks for the key (masked), and the workspace's region answers it", async () => {
    const dir = freshDir();
    const key = "sandbox-customerio-app-api-key-0001";
    const run = runInPty(["setup", "--sandbox", "--config-dir", dir, "--skip-smtp", "--stream", "outbound"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    });
    await answer(run, "Which Customer.io region", KEYS.down + KEYS.down + KEYS.enter);
    await answer(run, "Customer.io App API key:", `${key}${KEYS.enter}`);
    await answer(run, "Apply this plan", KEYS.enter);
    await answer(run, OFFER, KEYS.enter);
    expect((await run.exited).exitCode).toBe(0);
    const screen = run.screen().replace(/\s+/g, " ");
    expect(screen).toContain("Not sure: find it from a Customer.io App API key");
    expect(screen).toContain("Customer.io workspace Acme is in region US (from the App API key).");
    expect(screen).not.toContain(key);
    expect(webhooks(dir).map((hook: { Url: string }) => hook.Url)).toEqual(["https://track.customer.io/postmark/events"]);
    expect(readFileSync(join(dir, "sandbox", "config.json"), "utf8")).not.toContain(key);
  });
});

describe("a sender Postmark does not take", () => {
  it("is asked again in words for a person, and the sender it took is used for the next stream without asking", async () => {
    const dir = freshDir();
    const run = runInPty(["setup", "--sandbox", "--config-dir", dir], {
      env: {
        POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
        POSTMARK_SMTP_ACCESS_KEY: "sandbox-access-key-0001",
        POSTMARK_SMTP_SECRET_KEY: "sandbox-secret-key-0001",
      },
    });
    await answer(run, "Message stream:", KEYS.enter); // outbound
    await answer(run, "Which Customer.io region", KEYS.enter);
    await answer(run, "Send one test message", KEYS.enter);
    await answer(run, "Send it from", `nobody@unverified.example${KEYS.enter}`);
    await answer(run, after("(try 2 of 3)", "Send it from"), `alerts@acme.example${KEYS.enter}`);
    await answer(run, "Apply this plan", KEYS.enter);
    await answer(run, OFFER, `y${KEYS.enter}`);
    await answer(run, after(OFFER, "Access Key:"), `sandbox-access-key-0002${KEYS.enter}`);
    await answer(run, after(OFFER, "Secret Key:"), `sandbox-secret-key-0002${KEYS.enter}`);
    await answer(run, after(OFFER, "Send one test message"), KEYS.enter);
    // No second "Send it from": the sender Postmark took for outbound is used again.
    await answer(run, after(OFFER, "Apply this plan"), KEYS.enter);
    await answer(run, "Copy the Access Key and Secret Key", KEYS.enter); // no
    await answer(run, "Have you added the", KEYS.enter);
    expect((await run.exited).exitCode).toBe(0);
    const screen = run.screen().replace(/\s+/g, " ");
    expect(screen).toContain(
      "Postmark did not take nobody@unverified.example as the sender: it is not a confirmed sender signature, nor on a verified " +
        "domain, of this account. Confirm it in Postmark (https://account.postmarkapp.com/signature_domains), or send from another " +
        "address (try 2 of 3).",
    );
    expect(screen).not.toContain("MAIL FROM");
    expect(screen).toMatch(/\? Send it from \(a confirmed sender[^)]*\): nobody@unverified\.example/);
    expect(screen).not.toContain("✔ Send it from");
    expect(screen.slice(screen.lastIndexOf("Connect stream"))).not.toContain("Send it from");
    const connections = JSON.parse(readFileSync(join(dir, "sandbox", "config.json"), "utf8")).connections;
    expect(Object.keys(connections).sort()).toEqual(["1001:broadcast", "1001:outbound"]);
  });
});

describe("a mistyped Customer.io key", () => {
  it("at the region question is asked for again, and the right one carries on", async () => {
    const dir = freshDir();
    const run = runInPty(["setup", "--sandbox", "--config-dir", dir, "--skip-smtp", "--stream", "outbound"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    });
    await answer(run, "Which Customer.io region", KEYS.down + KEYS.down + KEYS.enter);
    await answer(run, "Customer.io App API key:", `sandbox-customerio-app-api-key-9999${KEYS.enter}`);
    await answer(run, "Paste it again (try 2 of 3)", "");
    await answer(run, after("Paste it again", "Customer.io App API key:"), `sandbox-customerio-app-api-key-0001${KEYS.enter}`);
    await answer(run, "Apply this plan", KEYS.enter);
    await answer(run, OFFER, KEYS.enter);
    expect((await run.exited).exitCode).toBe(0);
    const screen = run.screen().replace(/\s+/g, " ");
    expect(screen).toContain("Customer.io took that App API key on neither region's host. Paste it again (try 2 of 3)");
    expect(screen).toContain("Customer.io workspace Acme is in region US (from the App API key).");
    expect(webhooks(dir).map((hook: { Url: string }) => hook.Url)).toEqual(["https://track.customer.io/postmark/events"]);
  });
});

describe("two streams in one sitting", () => {
  it("after the first stream, the wizard offers the server's other usable stream, reusing the tokens and region", async () => {
    const dir = freshDir();
    const run = runInPty(["setup", "--sandbox", "--config-dir", dir, "--skip-smtp"], { env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN } });
    await answer(run, "Message stream:", KEYS.enter); // outbound, the first on the list
    await answer(run, "Which Customer.io region", KEYS.down + KEYS.enter); // EU
    await answer(run, "Apply this plan", KEYS.enter);
    // The offer names the one stream left, so no second stream question.
    await answer(run, OFFER, `y${KEYS.enter}`);
    await answer(run, after(OFFER, "Apply this plan"), KEYS.enter);
    // Both usable streams are connected: nothing more is offered, and the run ends saying so.
    expect((await run.exited).exitCode).toBe(0);
    expect(run.screen()).toContain('✔ Both streams of Acme Production are connected: "outbound" and "broadcast".');
    // No "run setup again for a broadcast stream" right before offering to do it here.
    expect(run.screen()).not.toContain("Run setup again for a broadcast stream");
    const connections = JSON.parse(readFileSync(join(dir, "sandbox", "config.json"), "utf8")).connections;
    expect(Object.keys(connections).sort()).toEqual(["1001:broadcast", "1001:outbound"]);
    expect(Object.values(connections).map((connection: any) => connection.region)).toEqual(["eu", "eu"]);
    expect(webhooks(dir)).toHaveLength(2);
    expect(run.screen().match(/Connect stream "\w+" \(\w+\) of Acme Production too\? (Yes|No)/g)).toEqual([`${OFFER} Yes`]);
  });
});
