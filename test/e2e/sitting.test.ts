import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KEYS, finishedSteps, runInPty, type PtyRun } from "../helpers/pty.js";
import { startWorld } from "../helpers/world.js";
import { runBinary } from "../helpers/run-binary.js";

/**
 * A marketer's whole sitting in a real terminal, as the seed's workflow runs it: wrong tokens
 * first, then the transactional stream and the broadcast one, each proven with a test message.
 * A bug that grows with each spinner shows only at the end of such a session.
 */

const ACCOUNT_TOKEN = "sandbox-account-token-0001";
const OUTBOUND = { accessKey: "sandbox-access-key-0001", secretKey: "sandbox-secret-key-0001" };
const BROADCAST = { accessKey: "sandbox-access-key-0002", secretKey: "sandbox-secret-key-0002" };
const OFFER = 'Connect stream "broadcast" (Broadcasts) of Acme Production too?';

/** The screen as one line of words: prose is wrapped to the terminal, so sentences may span lines. */
const flat = (screen: string) => screen.replace(/\s+/g, " ");
const freshDir = () => mkdtempSync(join(tmpdir(), "cio-sitting-"));
const sandboxFile = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, "sandbox", name), "utf8"));

/** Waits for the prompt drawn after the screen showed `marker` for the `nth` time, then types. */
async function answerAfter(run: PtyRun, marker: string, prompt: string, keys: string, timeoutMs?: number, nth = 1) {
  await run.waitFor((screen) => {
    const parts = flat(screen).split(marker);
    return parts.length > nth && parts.slice(nth).join(marker).includes(prompt);
  }, timeoutMs);
  run.write(keys);
}

/** Two rejected account tokens, then the right one; Acme Production; the transactional stream; US. */
async function openWithTwoWrongTokens(run: PtyRun) {
  await answerAfter(run, "", "Which Postmark token will you use?", KEYS.enter);
  await answerAfter(run, "", "? Account token:", `wrong-token-one-0000000000${KEYS.enter}`);
  await answerAfter(run, "(try 2 of 3)", "? Account token:", `wrong-token-two-0000000000${KEYS.enter}`);
  await answerAfter(run, "(try 3 of 3)", "? Account token:", `${ACCOUNT_TOKEN}${KEYS.enter}`);
  await answerAfter(run, "(try 3 of 3)", "? Server:", KEYS.enter);
  await answerAfter(run, "? Server:", "Message stream:", KEYS.enter);
  await answerAfter(run, "Message stream:", "Which Customer.io region", KEYS.enter);
}

/**
 * The key pair of one stream, and a test message from the sandbox's confirmed sender: chosen on the
 * first stream, and used again without asking on the next (the sitting remembers it).
 */
async function keyPairAndTest(run: PtyRun, after: string, pair: { accessKey: string; secretKey: string }, { asksSender = true } = {}) {
  await answerAfter(run, after, "Access Key:", `${pair.accessKey}${KEYS.enter}`);
  await answerAfter(run, after, "Secret Key:", `${pair.secretKey}${KEYS.enter}`);
  await answerAfter(run, after, "Send one test message", KEYS.enter);
  if (asksSender) await answerAfter(run, after, "Send it from:", KEYS.enter);
}

/** After the `nth` rejected key pair: paste again, keeping the Access Key offered, with this Secret Key. */
async function pasteSecretAgain(run: PtyRun, nth: number, secretKey: string) {
  const question = "Paste the Access Key and Secret Key again?";
  await answerAfter(run, "rejected the key pair", question, KEYS.enter, 30_000, nth);
  await answerAfter(run, `${question} Yes`, "Access Key:", KEYS.enter, undefined, nth);
  await answerAfter(run, `${question} Yes`, "Secret Key:", `${secretKey}${KEYS.enter}`, undefined, nth);
}

/** How many spinner steps the terminal has shown ending (a mark, then a step's words; answered prompts have other words). */

describe("a whole sitting in a real terminal", () => {
  it("two rejected tokens, then both streams with a test message each: exit 0, two webhooks, two connections", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir], { cols: 80 });
    await openWithTwoWrongTokens(run);
    await keyPairAndTest(run, "Which Customer.io region", OUTBOUND);
    await answerAfter(run, "Send it from:", "Apply this plan", KEYS.enter, 30_000);
    await answerAfter(run, "Apply this plan", OFFER, `y${KEYS.enter}`);
    await keyPairAndTest(run, OFFER, BROADCAST, { asksSender: false });
    await answerAfter(run, OFFER, "Apply this plan", KEYS.enter, 30_000);
    // The last offer: the credentials are in Customer.io, so prove the whole chain through it.
    await answerAfter(run, "Both streams of Acme Production are connected", "Copy the Access Key and Secret Key", KEYS.enter, 30_000);
    await answerAfter(
      run,
      "Copy the Access Key and Secret Key",
      "Have you added the Access Key and Secret Key in Customer.io",
      `y${KEYS.enter}`,
    );
    await answerAfter(run, "Both streams of Acme Production are connected", "Prove the whole chain through Customer.io now?", KEYS.enter);
    await answerAfter(run, "Prove the whole chain", "Customer.io App API key:", `sandbox-customerio-app-api-key-0001${KEYS.enter}`);
    const { exitCode } = await run.exited;
    const screen = flat(run.screen());
    expect(exitCode, screen.slice(-3000)).toBe(0);
    expect(screen).toContain('Both streams of Acme Production are connected: "outbound" and "broadcast".');
    // It sends from the sitting's last sender, without asking again, and never shows the key.
    expect(screen).toMatch(
      /✔ Customer\.io sent it through Postmark stream outbound; Postmark's Bounced event reached Customer\.io after \d+ s\./,
    );
    // Never shown once typed (the sandbox's opening lists its own keys before the first question).
    expect(screen.slice(screen.indexOf("Which Postmark token will you use?"))).not.toContain("sandbox-customerio-app-api-key-0001");
    expect(screen).toMatch(/went through stream "outbound", and Postmark's bounce test address bounced it, as it is made to/);
    expect(screen).toMatch(/went through stream "broadcast", and Postmark's bounce test address bounced it, as it is made to/);
    expect(screen).not.toContain("did not answer in time");
    // Where streams are chosen, one line each says which Customer.io sending goes where.
    expect(screen).toContain("• transactional: one message to one person, triggered by what they did (receipts, password resets)");
    expect(screen).toContain("• broadcasts: one message to many (newsletters, campaigns)");
    expect(finishedSteps(screen)).toBeGreaterThanOrEqual(14);

    const webhooks = sandboxFile(dir, "postmark-account.json").webhooks.map((hook: { MessageStream: string; Url: string }) => [
      hook.MessageStream,
      hook.Url,
    ]);
    expect(webhooks.sort()).toEqual([
      ["broadcast", "https://track.customer.io/postmark/events"],
      ["outbound", "https://track.customer.io/postmark/events"],
    ]);
    expect(Object.keys(sandboxFile(dir, "config.json").connections).sort()).toEqual(["1001:broadcast", "1001:outbound"]);
  }, 90_000);

  it(
    "a token from the other stream is explained and asked again, on each stream; Ctrl-C after 19 steps leaves at once with one " + "line",
    async () => {
      const dir = freshDir();
      const run = runInPty(["--sandbox", "--config-dir", dir], { cols: 80 });
      await openWithTwoWrongTokens(run);
      // Stream 1: the broadcast stream's Access Key with a mistyped Secret Key (rejected, pasted again),
      // then proven to send through "broadcast": explained and asked again.
      await keyPairAndTest(run, "Which Customer.io region", { accessKey: BROADCAST.accessKey, secretKey: "mistyped-secret-key-00000" });
      await pasteSecretAgain(run, 1, BROADCAST.secretKey);
      // "(try 2 of 3)" was said first for the second account token, then for each stream's second key pair.
      await answerAfter(run, "(try 2 of 3)", "Access Key:", `${OUTBOUND.accessKey}${KEYS.enter}`, 30_000, 2);
      await answerAfter(run, "(try 2 of 3)", "Secret Key:", `${OUTBOUND.secretKey}${KEYS.enter}`, undefined, 2);
      await answerAfter(run, "(try 2 of 3)", "Apply this plan", KEYS.enter, 30_000, 2);
      // Stream 2, the other way round.
      await answerAfter(run, "Apply this plan", OFFER, `y${KEYS.enter}`);
      await keyPairAndTest(run, OFFER, { accessKey: OUTBOUND.accessKey, secretKey: "mistyped-secret-key-00000" }, { asksSender: false });
      await pasteSecretAgain(run, 2, "mistyped-again-secret-0000");
      await pasteSecretAgain(run, 3, OUTBOUND.secretKey);
      await answerAfter(run, "(try 2 of 3)", "Access Key:", `${BROADCAST.accessKey}${KEYS.enter}`, 30_000, 3);
      await answerAfter(run, "(try 2 of 3)", "Secret Key:", `${BROADCAST.secretKey}${KEYS.enter}`, undefined, 3);
      await answerAfter(run, "(try 2 of 3)", "Apply this plan", "", 30_000, 3);
      const screen = flat(run.screen());
      expect(screen).toContain('this SMTP token belongs to stream "broadcast"');
      expect(screen).toContain('Generate an SMTP token on stream "outbound"');
      expect(screen).toContain('this SMTP token belongs to stream "outbound"');
      expect(screen).toContain('Generate an SMTP token on stream "broadcast"');
      // 19: the second stream reads no sender signatures (the sitting's sender is used again).
      expect(finishedSteps(screen)).toBeGreaterThanOrEqual(19);

      const stopped = Date.now();
      run.write(KEYS.ctrlC);
      const { exitCode } = await run.exited;
      // A hang detector, not a speed target (the bench prints how long it takes): the bug was 40 s and more.
      expect(Date.now() - stopped).toBeLessThan(5_000);
      expect(exitCode).toBe(130);
      const tail = flat(run.screen()).slice(flat(run.screen()).lastIndexOf("Apply this plan"));
      expect(tail).toContain(
        "Stopped: Acme Production / outbound connected and saved. Nothing else was changed. A test message was already sent to " +
          "softbounce@bounce-testing.postmarkapp.com.",
      );
      expect(tail.match(/Stopped:/g)).toHaveLength(1);
      // The wrong tokens changed nothing: one webhook, for the stream that was finished.
      expect(sandboxFile(dir, "postmark-account.json").webhooks.map((hook: { MessageStream: string }) => hook.MessageStream)).toEqual([
        "outbound",
      ]);
      expect(Object.keys(sandboxFile(dir, "config.json").connections)).toEqual(["1001:outbound"]);
    },
    90_000,
  );

  it("an SMTP-disabled server is marked in the list; picked, it is explained and the person picks again", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir, "--region", "us", "--stream", "outbound"], { cols: 100 });
    await answerAfter(run, "", "Which Postmark token will you use?", KEYS.enter);
    await answerAfter(run, "", "? Account token:", `${ACCOUNT_TOKEN}${KEYS.enter}`);
    await answerAfter(run, "", "Legacy Newsletters (SMTP disabled)", KEYS.down + KEYS.down + KEYS.enter);
    await answerAfter(run, "or pick another server.", "? Server:", KEYS.down + KEYS.enter);
    await answerAfter(run, "Acme Staging", "Access Key:", KEYS.ctrlC);
    expect((await run.exited).exitCode).toBe(130);
    const screen = flat(run.screen());
    expect(screen).toContain(
      "✖ SMTP is disabled on server Legacy Newsletters (ID 1003): Customer.io cannot send through it. Turn it on in Postmark: " +
        "https://account.postmarkapp.com/servers/1003/settings (Settings > SMTP), or pick another server.",
    );
    expect(screen).toContain("? Server: Acme Staging");
    expect(screen.slice(screen.lastIndexOf("Access Key:"))).toContain("Cancelled: nothing was changed.");
  }, 30_000);

  it("at 60 columns prose wraps and every URL on the screen stays whole", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir], { cols: 60 });
    await openWithTwoWrongTokens(run);
    await keyPairAndTest(run, "Which Customer.io region", OUTBOUND);
    await answerAfter(run, "Send it from:", "Apply this plan", KEYS.enter, 30_000);
    await answerAfter(run, "Apply this plan", OFFER.slice(0, 40), KEYS.enter);
    await answerAfter(run, OFFER.slice(0, 40), "? Copy the Access Key and Secret Key", KEYS.enter, 30_000);
    await answerAfter(run, "? Copy the Access Key and Secret Key", "Have you added the Access Key and Secret Key", KEYS.enter);
    expect((await run.exited).exitCode).toBe(0);
    // Not yet: the command for later is printed whole, on its own line.
    // The sender this sitting used is filled in: the command runs as printed.
    expect(run.screen()).toMatch(
      /^  cio-postmark doctor --end-to-end --from alerts@acme\.example --server 1001 --sandbox --config-dir \S+\s*$/m,
    );
    expect(flat(run.screen())).toContain("Once they are in, this proves the whole chain through Customer.io:");
    const urls = run.screen().match(/https?:\/\/[^\s"'),]+/g) ?? [];
    const whole = new Set([
      "https://track.customer.io/postmark/events",
      "https://account.postmarkapp.com/servers/1001/streams/outbound/settings",
      "https://account.postmarkapp.com/api_tokens",
      "https://account.postmarkapp.com/servers",
    ]);
    expect(urls.length).toBeGreaterThan(3);
    for (const url of urls) expect(whole, `a broken URL: ${url}`).toContain(url.replace(/[.:]$/, ""));
    // Our own prose fits: the "Now in Customer.io" steps are wrapped, not left to the terminal.
    expect(run.screen()).toMatch(/\nNow in Customer\.io: Settings > Workspace Settings > Email >\r?\n/);
  }, 60_000);

  it("SIGTERM while a spinner runs finishes the line, shows the cursor, and says nothing was changed: exit 143", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir], { cols: 80 });
    await openWithTwoWrongTokens(run);
    await keyPairAndTest(run, "Which Customer.io region", OUTBOUND);
    await run.waitFor("Looking for the test message", 30_000);
    run.kill("SIGTERM");
    expect((await run.exited).exitCode).toBe(143);
    const raw = run.raw();
    // The spinner is taken down, the line cleared and the cursor shown, and the closing line is the last thing written.
    const tail = raw.slice(raw.lastIndexOf("Looking for the test message"));
    expect(tail).toMatch(
      new RegExp(
        // Wrapped at 80 columns like the rest of the run's prose.
        String.raw`\r\u001b\[2K\u001b\[\?25hCancelled: nothing was changed\. ` +
          String.raw`A test message was already sent to\r?\nsoftbounce@bounce-testing\.postmarkapp\.com\.\r?\n(\u001b\[\?25h)?$`,
      ),
    );
    expect(flat(run.screen())).toMatch(
      /Cancelled: nothing was changed\. A test message was already sent to softbounce@bounce-testing\.postmarkapp\.com\.\s*$/,
    );
  }, 60_000);
});

describe("the opening, in real mode", () => {
  it("says what the tool will do and what to have ready, in at most 6 lines, before the first question", async () => {
    const world = await startWorld();
    try {
      const run = runInPty([], { cols: 100, env: { POSTMARK_API_URL: world.simulator.url, CIO_POSTMARK_CONFIG_DIR: world.configDir } });
      await run.waitFor("Which Postmark token will you use?");
      const before = run.screen().slice(0, run.screen().indexOf("? Which Postmark token"));
      const lines = before.split(/\r?\n/).filter((line) => line.trim() !== "");
      expect(lines).toEqual([
        "cio-postmark connects a Postmark stream to Customer.io: webhook, SMTP token, saved connection.",
        "Have ready:",
        "  • a Postmark account token (Account > API Tokens: https://account.postmarkapp.com/api_tokens)",
        "    or a server token (Servers > your server > API Tokens: https://account.postmarkapp.com/servers)",
        "  • a minute to generate an SMTP token on the stream's Settings tab in Postmark",
        "  • your Customer.io region: US (you sign in at fly.customer.io) or EU (fly-eu.customer.io)",
      ]);
      run.write(KEYS.ctrlC);
      expect((await run.exited).exitCode).toBe(130);
      expect(flat(run.screen())).toMatch(/Cancelled: nothing was changed\.\s*$/);
    } finally {
      await world.close();
    }
  }, 30_000);
});

describe("status --reveal in a terminal", () => {
  it("asks first, prints nothing on a no, and --yes skips the question", async () => {
    const dir = freshDir();
    const setup = await runBinary(["setup", "--sandbox", "--config-dir", dir, "--no-input", "--stream", "outbound", "--region", "us"], {
      POSTMARK_SERVER_TOKEN: "sandbox-server-token-acme-prod",
      POSTMARK_SMTP_ACCESS_KEY: OUTBOUND.accessKey,
      POSTMARK_SMTP_SECRET_KEY: OUTBOUND.secretKey,
    });
    expect(setup.status).toBe(0);
    const declined = runInPty(["status", "--reveal", "--sandbox", "--config-dir", dir]);
    await answerAfter(declined, "", "Print the Secret Key of Acme Production / outbound on the screen?", `n${KEYS.enter}`);
    expect((await declined.exited).exitCode).toBe(1);
    expect(declined.screen()).not.toContain(OUTBOUND.secretKey);
    expect(flat(declined.screen())).toContain("Cancelled: nothing was printed.");

    const confirmed = runInPty(["status", "--reveal", "--yes", "--sandbox", "--config-dir", dir]);
    expect((await confirmed.exited).exitCode).toBe(0);
    expect(confirmed.screen()).not.toContain("Print the Secret Key");
    expect(confirmed.screen()).toContain(`Secret Key   ${OUTBOUND.secretKey}`);
  }, 30_000);

  it("with two saved connections and none named, offers a pick, as remove does", async () => {
    const dir = freshDir();
    for (const [stream, keys] of [
      ["outbound", OUTBOUND],
      ["broadcast", BROADCAST],
    ] as const) {
      const saved = await runBinary(["setup", "--sandbox", "--config-dir", dir, "--no-input", "--stream", stream, "--region", "us"], {
        POSTMARK_SERVER_TOKEN: "sandbox-server-token-acme-prod",
        POSTMARK_SMTP_ACCESS_KEY: keys.accessKey,
        POSTMARK_SMTP_SECRET_KEY: keys.secretKey,
      });
      expect(saved.status).toBe(0);
    }
    const run = runInPty(["status", "--reveal", "--yes", "--sandbox", "--config-dir", dir]);
    await answerAfter(run, "", "Which connection's Access Key and Secret Key?", KEYS.down + KEYS.enter);
    expect((await run.exited).exitCode).toBe(0);
    const screen = run.screen();
    expect(screen).toContain(`Secret Key   ${BROADCAST.secretKey}`);
    expect(screen).not.toContain(OUTBOUND.secretKey);
  }, 30_000);
});

describe("links the wizard offers to open", () => {
  /** Up to the SMTP token step, in a desktop session, with the server's link as the API gives it. */
  async function smtpStepWith(serverLink: string): Promise<string> {
    const world = await startWorld();
    try {
      world.simulator.state.servers[0]!.ServerLink = serverLink;
      const run = runInPty(["setup", "--server", "Production", "--stream", "outbound", "--region", "us"], {
        cols: 120,
        env: {
          POSTMARK_API_URL: world.simulator.url,
          CIO_POSTMARK_CONFIG_DIR: world.configDir,
          POSTMARK_ACCOUNT_TOKEN: "acct-token-1234567890-abcdef",
          DISPLAY: ":0",
        },
      });
      await run.waitFor((screen) => screen.includes("Open that page in your browser?") || screen.includes("Access Key:"));
      const screen = run.screen();
      run.write(KEYS.ctrlC);
      await run.exited;
      return screen;
    } finally {
      await world.close();
    }
  }

  it("offers to open only Postmark's own web app; another origin from an API answer is printed, not opened", async () => {
    expect(await smtpStepWith("https://account.postmarkapp.com/servers/2001/streams")).toContain("Open that page in your browser?");
    const elsewhere = await smtpStepWith("https://evil.example/servers/2001/streams");
    expect(elsewhere).toContain("https://evil.example/servers/2001/streams/outbound/settings");
    expect(elsewhere).not.toContain("Open that page in your browser?");
  }, 30_000);
});

describe("sender signatures offered in the wizard", () => {
  it("get the checks --from gets: one with a line break in it is not offered", async () => {
    const world = await startWorld({
      accountToken: "acct-token-1234567890-abcdef",
      servers: [{ id: 2001, name: "Production", tokens: ["srv-token-prod-1234567890-abcd"] }],
      senders: [
        { EmailAddress: "alerts@signature.test" },
        { EmailAddress: "evil@signature.test\r\nBcc: victim@example.com" },
        { EmailAddress: "two@a.test, three@b.test" },
      ],
    });
    try {
      const run = runInPty(["setup", "--server", "Production", "--stream", "outbound", "--region", "us"], {
        cols: 120,
        env: { ...world.env(), POSTMARK_ACCOUNT_TOKEN: "acct-token-1234567890-abcdef" },
      });
      await answerAfter(run, "", "Send one test message", KEYS.enter);
      await run.waitFor("Send it from:");
      await new Promise((resolve) => setTimeout(resolve, 200));
      const screen = run.screen();
      run.write(KEYS.ctrlC);
      await run.exited;
      const list = screen.slice(screen.lastIndexOf("Send it from:"));
      expect(list).toContain("alerts@signature.test");
      expect(list).not.toContain("evil@signature.test");
      expect(list).not.toContain("two@a.test");
    } finally {
      await world.close();
    }
  }, 30_000);
});
