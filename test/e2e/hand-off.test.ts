import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SANDBOX_CREDENTIALS } from "../../src/sandbox/credentials.js";
import { pathWithInstalledBin } from "../helpers/bin-on-path.js";
import { KEYS, runInPty, type PtyRun } from "../helpers/pty.js";

/**
 * The sitting's hand-off to Customer.io, in a real pseudo-terminal: a recap block per connected
 * stream, and each value copied on request, by the platform's clipboard tool (a stand-in on PATH)
 * or, where there is none, by the terminal's OSC 52 sequence.
 */

const freshDir = () => mkdtempSync(join(tmpdir(), "cio-hand-off-"));
const OFFER = 'Connect stream "broadcast" (Broadcasts) of Acme Production too?';

async function answer(run: PtyRun, prompt: string | ((screen: string) => boolean), keys: string) {
  await run.waitFor(prompt);
  run.write(keys);
}
/** The prompt drawn again after the screen said `marker`. */
const after = (marker: string, prompt: string) => (screen: string) =>
  screen.includes(marker) && screen.slice(screen.lastIndexOf(marker)).includes(prompt);

/** Server token, stream outbound, US, its key pair, no test message, applied. */
async function connectOutbound(run: PtyRun, { desktop = false } = {}) {
  await answer(run, "Which Postmark token will you use?", KEYS.down + KEYS.enter);
  await answer(run, "Server token:", `${SANDBOX_CREDENTIALS.serverToken}${KEYS.enter}`);
  await answer(run, "Message stream:", KEYS.enter);
  await answer(run, "Which Customer.io region", KEYS.enter);
  if (desktop) await answer(run, "Open that page in your browser?", `n${KEYS.enter}`);
  await answer(run, "Access Key:", `${SANDBOX_CREDENTIALS.accessKey}${KEYS.enter}`);
  await answer(run, "Secret Key:", `${SANDBOX_CREDENTIALS.secretKey}${KEYS.enter}`);
  await answer(run, "Send one test message", `n${KEYS.enter}`);
  await answer(run, "Apply this plan", KEYS.enter);
}

describe("the hand-off to Customer.io", () => {
  it("two streams: one closing block, each stream's values and the command that shows its Secret Key; a copy by OSC 52", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir], { cols: 100 });
    await connectOutbound(run);
    await answer(run, OFFER, `y${KEYS.enter}`);
    await answer(run, after(OFFER, "Access Key:"), `sandbox-access-key-0002${KEYS.enter}`);
    await answer(run, after(OFFER, "Secret Key:"), `sandbox-secret-key-0002${KEYS.enter}`);
    await answer(run, after(OFFER, "Send one test message"), `n${KEYS.enter}`);
    await answer(run, after(OFFER, "Apply this plan"), KEYS.enter);
    await answer(run, "Copy the Access Key and Secret Key", `y${KEYS.enter}`);
    await answer(run, "Copy which value?", KEYS.down + KEYS.enter); // the Secret Key of outbound
    await answer(run, after("Sent the Secret Key of outbound", "Copy which value?"), KEYS.up + KEYS.enter); // Done
    await answer(run, "Have you added the", KEYS.enter);
    expect((await run.exited).exitCode).toBe(0);

    const screen = run
      .screen()
      .replace(/\r\n/g, "\n")
      .replace(/[ \t]+\n/g, "\n");
    // One block for the sitting: "Now in Customer.io" once, each stream's values under it.
    expect(screen.match(/Now in Customer\.io/g)).toHaveLength(1);
    const recap = screen.slice(screen.indexOf("Now in Customer.io"));
    expect(recap.replace(/\s+/g, " ")).toContain(
      "Settings > Workspace Settings > Email > Custom SMTP Settings > Add Custom SMTP Server > Postmark",
    );
    for (const [stream, accessKey, host] of [
      ["outbound", "sandbox-access-key-0001", "smtp.postmarkapp.com"],
      ["broadcast", "sandbox-access-key-0002", "smtp-broadcasts.postmarkapp.com"],
    ]) {
      expect(recap).toContain(`Acme Production / ${stream} (`);
      expect(recap).toContain(`  Access Key   ${accessKey}\n`);
      // The command that shows the Secret Key again ends its line: nothing after it to copy by mistake.
      expect(recap).toMatch(
        new RegExp(
          `^ *(To see it again: )?cio-postmark status --reveal --server 1001 --stream ${stream} --sandbox --config-dir \\S+\\r?$`,
          "m",
        ),
      );
      expect(recap).toContain(`  Server       ${host}, port 587`);
    }
    // What the sitting did not prove is said in that block: neither stream sent a test message here.
    expect(recap.replace(/\s+/g, " ")).toContain(
      "Not proved yet: that Customer.io's email comes back from Postmark as an event, and which streams the SMTP tokens of " +
        '"outbound" and "broadcast" send through (no test message was sent).',
    );
    // The Secret Key went to the terminal's clipboard, base64 in OSC 52, and never onto the screen.
    const osc52 = `\x1b]52;c;${Buffer.from("sandbox-secret-key-0001").toString("base64")}\x07`;
    expect(run.raw()).toContain(osc52);
    expect(recap).not.toContain("sandbox-secret-key-0001"); // (the sandbox's opening lists its own keys)
    expect(screen).toContain("Sent the Secret Key of outbound to your terminal's clipboard (OSC 52");
  }, 60_000);

  it("in a desktop session, the platform's clipboard tool takes the value; Customer.io's sign-in is offered", async () => {
    const dir = freshDir();
    const tools = mkdtempSync(join(tmpdir(), "cio-clipboard-"));
    const clipboard = join(tools, "clipboard.txt");
    writeFileSync(join(tools, "xclip"), `#!/bin/sh\ncat > "${clipboard}"\n`);
    chmodSync(join(tools, "xclip"), 0o755);
    const run = runInPty(["--sandbox", "--config-dir", dir], {
      cols: 100,
      env: { DISPLAY: ":0", PATH: `${tools}:${pathWithInstalledBin()}` },
    });
    await connectOutbound(run, { desktop: true });
    await answer(run, 'Connect stream "broadcast"', KEYS.enter); // no
    await answer(run, "Copy the Access Key and Secret Key", `y${KEYS.enter}`);
    await answer(run, "Copy which value?", KEYS.enter); // the Access Key
    await answer(run, after("Copied the Access Key", "Copy which value?"), KEYS.up + KEYS.enter); // Done
    await answer(run, "Open Customer.io (https://fly.customer.io) in your browser?", `n${KEYS.enter}`);
    await answer(run, "Have you added the", KEYS.enter);
    expect((await run.exited).exitCode).toBe(0);
    expect(existsSync(clipboard)).toBe(true);
    expect(readFileSync(clipboard, "utf8")).toBe(SANDBOX_CREDENTIALS.accessKey);
    expect(run.screen()).toContain("Copied the Access Key to the clipboard (xclip).");
    expect(run.raw()).not.toContain("\x1b]52;");
  }, 60_000);

  it("a sitting that stops after saving a connection says how to pick up where it stopped", async () => {
    const dir = freshDir();
    const run = runInPty(["--sandbox", "--config-dir", dir], { cols: 200 });
    await connectOutbound(run);
    await answer(run, OFFER, `y${KEYS.enter}`);
    await answer(run, after(OFFER, "Access Key:"), KEYS.ctrlC);
    expect((await run.exited).exitCode).toBe(130);
    const screen = run.screen().replace(/\s+/g, " ");
    // One line: what was saved, then the command that goes on from there (setup never offers a stream connected before).
    expect(screen).toContain(
      "Stopped: Acme Production / outbound connected and saved. Nothing else was changed. To pick up where it stopped:",
    );
    expect(screen).toMatch(
      /Nothing else was changed\. To pick up where it stopped: cio-postmark setup --server 1001 --sandbox --config-dir \S+/,
    );
  }, 60_000);
});
