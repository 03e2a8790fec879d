import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CIO_US_KEY, startCustomerIo } from "../../helpers/customerio.js";
import { EU_URL, HEALTHY_OUTBOUND_CHECKS, TRANSACTIONAL_TRIGGERS, US_URL } from "../../helpers/expected.js";
import { addWebhook, patchTriggers } from "../../helpers/drift.js";
import { ACCOUNT_TOKEN, OTHER_SERVER_TOKEN, SENDER, SERVER_TOKEN, startWorldWithOutbound, type World } from "../../helpers/world.js";

const PROD = 2001;
const CHECK_IDS = [
  "config-file",
  "server-token",
  "server-smtp",
  "stream",
  "webhook-exists",
  "webhook-triggers",
  "webhook-duplicates",
  "webhook-delivery",
  "webhook-verify",
  "smtp-auth",
  "smtp-send",
  "smtp-error-hooks",
  "unsubscribe-handling",
  "sending-domains",
  "customerio-region",
  "end-to-end",
];

let world: World;
const doctor = (...args: string[]) => world.run(["doctor", "--no-input", ...args], { env: { POSTMARK_SMTP_SECRET_KEY: undefined } });
const statuses = (document: any) => Object.fromEntries(document.connections[0].checks.map((check: any) => [check.id, check.status]));
const state = () => world.simulator.state;

beforeEach(async () => {
  world = await startWorldWithOutbound();
});
afterEach(() => world.close());

describe("doctor", () => {
  it("passes a healthy connection with exit 0 and stable check ids in --json", async () => {
    const run = await doctor("--json");
    expect(run.code).toBe(0);
    const document = run.json();
    expect(document.ok).toBe(true);
    expect(document.connections).toHaveLength(1);
    expect(document.connections[0]).toMatchObject({ server: { id: PROD, name: "Production" }, stream: { id: "outbound" }, region: "us" });
    expect(document.connections[0].checks.map((check: any) => check.id)).toEqual(CHECK_IDS);
    for (const check of document.connections[0].checks) expect(Object.keys(check).sort()).toEqual(["fix", "id", "message", "status"]);
    expect(statuses(document)).toEqual(HEALTHY_OUTBOUND_CHECKS);
  });

  it("reads at a glance: a healthy connection is one line of passes; --verbose prints a mark per check", async () => {
    const run = await doctor();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "Production / outbound (Transactional, region US)\n  ✔ 9 checks passed, 7 skipped (--verbose shows each)\n",
    );
    expect(run.stdout).not.toMatch(/✔ webhook-triggers/);
    const verbose = await doctor("--verbose");
    expect(verbose.stdout).toMatch(/✔ webhook-triggers: Triggers are exactly Delivery, Bounce, Spam Complaint and Subscription Change/);
    expect(verbose.stdout.match(/^  [✔!✖-] [a-z-]+: /gm)).toHaveLength(16);
    // Without a Customer.io key nothing proves events reach it: no "All good", and what was not checked is said.
    expect(run.stdout).toMatch(/No problems found: 9 ok/);
    expect(run.stdout).not.toMatch(/All good/);
    expect(run.stdout).toContain(
      "Not checked: your Customer.io workspace's region (set CUSTOMERIO_APP_API_KEY); that Customer.io's email comes back as an event.\n" +
        "To check it, with CUSTOMERIO_APP_API_KEY set and ADDRESS a confirmed sender of yours: " +
        "cio-postmark doctor --end-to-end --from ADDRESS",
    );
  });

  it("a problem says why it matters, with its fix; the last line names the one command that repairs it", async () => {
    state().webhooks[0]!.Triggers.Open.Enabled = true;
    const run = await doctor();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "  ✖ webhook-triggers: Webhook 9001 has the wrong settings: Open trigger is on: Customer.io tracks opens itself, so it would count " +
        "every open twice.\n      fix: cio-postmark doctor --fix --server 2001 --stream outbound\n  ✔ 8 other checks passed, 7 skipped",
    );
    expect(run.stdout.trimEnd().split("\n").slice(-2)).toEqual([
      "Problems found: 8 ok, 0 warnings, 1 problem, 7 skipped.",
      "To repair it: cio-postmark doctor --fix",
    ]);
  });

  it("says All good only when the whole chain was proven", async () => {
    const customerio = await startCustomerIo(world);
    try {
      const run = await world.run(["doctor", "--end-to-end", "--from", "alerts@signature.test"], {
        env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...customerio.env, CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
        overrides: { ...world.overrides, endToEndTimeoutMs: 3_000 },
      });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/All good: 11 ok/);
      expect(run.stdout).not.toContain("Not checked");
    } finally {
      await customerio.close();
    }
  });

  it("checks sending domains with an account token, warning (not failing) on unverified Return-Path", async () => {
    state().domains.push({
      ID: 777,
      Name: "news.example.com",
      SPFVerified: false,
      DKIMVerified: true,
      WeakDKIM: false,
      ReturnPathDomainVerified: false,
    });
    const run = await world.run(["doctor", "--json"], { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } });
    expect(run.code).toBe(0);
    const check = run.json().connections[0].checks.find((c: any) => c.id === "sending-domains");
    expect(check).toMatchObject({ status: "warn" });
    expect(check.message).toContain("news.example.com: Return-Path not verified");
    expect(check.message).not.toMatch(/SPF/);
  });

  // The last line names the command that repairs what --fix can (with --yes when it deletes a webhook), else none.
  const FIX = "To repair it: cio-postmark doctor --fix";
  const FIX_DELETING = "To repair it: cio-postmark doctor --fix --yes";
  it("the last line says how much --fix repairs: them all, or some of them", async () => {
    patchTriggers(world, PROD, { Open: { Enabled: true, PostFirstOpenOnly: false } });
    chmodSync(join(world.configDir, "config.json"), 0o644);
    const all = await doctor();
    expect(all.stdout.trimEnd().split("\n").at(-1)).toBe("To repair them all: cio-postmark doctor --fix");
    chmodSync(join(world.configDir, "config.json"), 0o600);
    rejectKeys();
    const some = await doctor();
    expect(some.stdout.trimEnd().split("\n").slice(-2)).toEqual([
      "Problems found: 7 ok, 0 warnings, 2 problems, 7 skipped.",
      "To repair 1 of them: cio-postmark doctor --fix",
    ]);
  });

  it("one repair of several that deletes a webhook puts --yes in the one command", async () => {
    patchTriggers(world, PROD, { Open: { Enabled: true, PostFirstOpenOnly: false } });
    addWebhook(world, PROD, EU_URL);
    const run = await doctor();
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("To repair them all: cio-postmark doctor --fix --yes");
  });

  it("a Secret Key never stored: smtp-auth says which variable would check it, and checks it when that is set", async () => {
    const again = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--no-store-secrets", "--json"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    });
    expect(again.code).toBe(0);
    const without = await doctor("--json", "--server", "2001");
    expect(without.json().connections[0].checks.find((check: any) => check.id === "smtp-auth")).toMatchObject({
      status: "skip",
      message: "Skipped: the Secret Key is not stored (--no-store-secrets); set POSTMARK_SMTP_SECRET_KEY to check it.",
    });
    const withKey = await world.run(["doctor", "--json"], { env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN } });
    expect(withKey.json().connections[0].checks.find((check: any) => check.id === "smtp-auth").status).toBe("pass");
  });

  it("--verify-webhook with no webhook to verify skips the check, saying why", async () => {
    state().webhooks = [];
    const run = await doctor("--verify-webhook", "--json");
    const check = run.json().connections[0].checks.find((candidate: any) => candidate.id === "webhook-verify");
    expect(check.status).toBe("skip");
  });

  it("in short, a warning is shown with its fix, and so is a check a flag asked for even when it passes", async () => {
    state().domains.push({
      ID: 778,
      Name: "news.example.com",
      SPFVerified: true,
      DKIMVerified: true,
      WeakDKIM: false,
      ReturnPathDomainVerified: false,
    });
    const run = await world.run(["doctor", "--send-test", "--from", SENDER], { env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}\S sending-domains: [^\n]*news\.example\.com: Return-Path not verified[^\n]*\n {6}fix: \S/m);
    expect(run.stdout).toMatch(/^ {2}✔ smtp-send: /m);
    expect(run.stdout).toMatch(/^ {2}✔ \d+ other checks passed/m);
    expect(run.stdout).not.toMatch(/✔ webhook-triggers/);
  });

  type Drift = [name: string, apply: () => void, failing: string[], repairLine: string | null];
  const drifts: Drift[] = [
    [
      "Open enabled on the webhook",
      () => patchTriggers(world, PROD, { Open: { Enabled: true, PostFirstOpenOnly: false } }),
      ["webhook-triggers"],
      FIX,
    ],
    ["the webhook deleted", () => (state().webhooks = []), ["webhook-exists"], FIX],
    ["a second Customer.io webhook", () => addWebhook(world, PROD, US_URL), ["webhook-duplicates"], FIX_DELETING],
    ["the other region's URL", () => addWebhook(world, PROD, EU_URL), ["webhook-duplicates"], FIX_DELETING],
    [
      "the stream archived",
      () => (state().streams.find((s) => s.ServerID === PROD && s.ID === "outbound")!.ArchivedAt = "2026-03-01T00:00:00Z"),
      ["stream"],
      null,
    ],
    ["SMTP disabled on the server", () => (state().servers.find((s) => s.ID === PROD)!.SmtpApiActivated = false), ["server-smtp"], null],
    ["the key pair rejected (535)", () => rejectKeys(), ["smtp-auth"], null],
    ["config file mode 0644", () => chmodSync(join(world.configDir, "config.json"), 0o644), ["config-file"], FIX],
    // Every check that needs the server token fails too, saying what it could not read: never a silent skip.
    [
      "server token revoked (401)",
      () => (state().servers.find((s) => s.ID === PROD)!.ApiTokens = ["a-new-token-000000000000"]),
      [
        "server-token",
        "server-smtp",
        "stream",
        "webhook-exists",
        "webhook-triggers",
        "webhook-duplicates",
        "webhook-delivery",
        "unsubscribe-handling",
      ],
      null, // --fix cannot bring a token back: no "To repair" line
    ],
  ];

  function rejectKeys() {
    const path = join(world.configDir, "config.json");
    const document = JSON.parse(readFileSync(path, "utf8"));
    document.connections[`${PROD}:outbound`].smtp.secretKey = "sk-revoked-secret-00000000";
    writeFileSync(path, JSON.stringify(document), { mode: 0o600 });
  }

  it.each(drifts)("fails the right check, with a fix line, when %s", async (_name, apply, failing, repairLine) => {
    apply();
    const run = await doctor("--json");
    expect(run.code).toBe(1);
    const document = run.json();
    expect(document.ok).toBe(false);
    const failed = document.connections[0].checks.filter((check: any) => check.status === "fail");
    expect(failed.map((check: any) => check.id)).toEqual(failing);
    for (const check of failed) expect(check.fix).toEqual(expect.any(String));
    const human = await doctor();
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(new RegExp(`✖ ${failing[0]}:[^\\n]*\\n\\s+fix: \\S`));
    const last = human.stdout.trimEnd().split("\n").at(-1);
    if (repairLine === null) expect(last).toMatch(/^Problems found: /);
    else expect(last).toBe(repairLine);
  });

  it.each(drifts.slice(0, 4))("--fix repairs %s, and a second doctor exits 0", async (_name, apply) => {
    apply();
    const fixed = await doctor("--fix", "--yes", "--json");
    expect(fixed.code).toBe(0);
    expect(fixed.json().ok).toBe(true);
    const hooks = world.simulator.webhooksOf(PROD, "outbound");
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ Url: US_URL, Triggers: TRANSACTIONAL_TRIGGERS });
    const saved = JSON.parse(readFileSync(join(world.configDir, "config.json"), "utf8")).connections[`${PROD}:outbound`];
    expect(saved.webhookId).toBe(hooks[0]!.ID);
    expect((await doctor()).code).toBe(0);
  });

  it("checks only the connection named, and reports an unknown one", async () => {
    await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json"], {
      env: { POSTMARK_SERVER_TOKEN: OTHER_SERVER_TOKEN },
    });
    expect((await doctor("--json")).json().connections).toHaveLength(2);
    expect((await doctor("--server", "Staging", "--json")).json().connections.map((c: any) => c.server.name)).toEqual(["Staging"]);
    const unknown = await doctor("--server", "Nope");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/No saved connection matches/);
  });
});
