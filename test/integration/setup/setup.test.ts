import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { EU_URL, TRANSACTIONAL_TRIGGERS, US_URL, transactionalTriggers } from "../../helpers/expected.js";
import {
  ACCESS_KEY,
  ACCOUNT_TOKEN,
  BROADCAST_ACCESS_KEY,
  BROADCAST_SECRET_KEY,
  SECRET_KEY,
  SENDER,
  SERVER_TOKEN,
  startWorld,
  type World,
} from "../../helpers/world.js";
import { runInTerminal, type CliRun } from "../../helpers/run-cli.js";
import { CIO_US_KEY, startCustomerIo } from "../../helpers/customerio.js";

const US = US_URL;
const SECRETS = [ACCOUNT_TOKEN, SERVER_TOKEN, SECRET_KEY];
const PROD = 2001;

let world: World;
const outputs: CliRun[] = [];
const configPath = () => join(world.configDir, "config.json");
const readConfig = () => (existsSync(configPath()) ? readFileSync(configPath(), "utf8") : undefined);

async function setup(args: string[], env: NodeJS.ProcessEnv = { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }) {
  const run = await world.run(["setup", "--no-input", ...args], { env });
  outputs.push(run);
  return run;
}
const scripted = ["--server", "Production", "--stream", "outbound", "--region", "us"];

function addWebhook(url: string, enabled: Partial<Record<"Open" | "Delivery", boolean>> = {}, stream = "outbound") {
  const triggers = transactionalTriggers();
  if (enabled.Open) triggers.Open.Enabled = true;
  const id = world.simulator.state.nextWebhookId++;
  world.simulator.state.webhooks.push({
    ID: id,
    ServerID: PROD,
    Url: url,
    MessageStream: stream,
    HttpAuth: null,
    HttpHeaders: [],
    Triggers: triggers,
  });
  return id;
}

beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await world.close();
});
afterAll(() => {
  // No run printed a token or the Secret Key, on either stream.
  expect(outputs.length).toBeGreaterThan(20);
  for (const run of outputs) for (const secret of SECRETS) expect(run.stdout + run.stderr).not.toContain(secret);
});

describe("setup, scripted", () => {
  it("with an account token: creates exactly one webhook with the four triggers, saves, prints one JSON document", async () => {
    const run = await setup([...scripted, "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const document = run.json();
    expect(Object.keys(document).sort()).toEqual([
      "configFile",
      "dryRun",
      "ok",
      "region",
      "server",
      "smtp",
      "stream",
      "warnings",
      "webhook",
    ]);
    expect(document).toMatchObject({
      ok: true,
      dryRun: false,
      server: { id: PROD, name: "Production" },
      stream: { id: "outbound", name: "Default Transactional Stream", type: "Transactional" },
      region: "us",
      webhook: { url: US, action: "created", removed: [] },
      smtp: { host: "smtp.postmarkapp.com", port: 587, accessKey: ACCESS_KEY, verified: true },
      configFile: configPath(),
      warnings: [],
    });
    const hooks = world.simulator.webhooksOf(PROD, "outbound");
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ ID: document.webhook.id, Url: US, Triggers: TRANSACTIONAL_TRIGGERS });
    expect(world.smtp.logins).toEqual([{ accessKey: ACCESS_KEY, accepted: true, secure: true }]);
    expect(world.smtp.messages).toBe(0);
    const saved = JSON.parse(readConfig()!);
    expect(saved.connections[`${PROD}:outbound`]).toMatchObject({
      serverId: PROD,
      streamId: "outbound",
      region: "us",
      webhookId: document.webhook.id,
      smtp: { accessKey: ACCESS_KEY, secretKey: SECRET_KEY },
    });
  });

  it("with only a server token: the same result, no server selection", async () => {
    const run = await setup(["--stream", "outbound", "--region", "us", "--json"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN });
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ ok: true, server: { id: PROD }, webhook: { action: "created" } });
    expect(world.simulator.webhooksOf(PROD, "outbound")).toHaveLength(1);
    expect(world.simulator.requests.some((request) => request.path.startsWith("/servers"))).toBe(false);
  });

  it("a second identical run changes nothing and sends no POST, PUT or DELETE", async () => {
    expect((await setup([...scripted, "--json"])).code).toBe(0);
    const writesBefore = world.simulator.writes.length;
    const again = await setup([...scripted, "--json"]);
    expect(again.code).toBe(0);
    expect(again.json().webhook.action).toBe("unchanged");
    expect(world.simulator.writes.length).toBe(writesBefore);
    expect(world.simulator.webhooksOf(PROD, "outbound")).toHaveLength(1);
  });

  it("updates a Customer.io webhook with Open on, and leaves a webhook to another URL exactly as it was", async () => {
    const ours = addWebhook(US, { Open: true });
    const other = addWebhook("https://hooks.example.com/postmark", { Open: true });
    const otherBefore = world.simulator.webhooksOf(PROD, "outbound").find((hook) => hook.ID === other);
    const run = await setup([...scripted, "--json"]);
    expect(run.code).toBe(0);
    expect(run.json().webhook).toMatchObject({ id: ours, action: "updated" });
    expect(world.simulator.writes.map((request) => `${request.method} ${request.path}`)).toEqual([`PUT /webhooks/${ours}`]);
    const hooks = world.simulator.webhooksOf(PROD, "outbound");
    expect(hooks.find((hook) => hook.ID === ours)?.Triggers).toEqual(TRANSACTIONAL_TRIGGERS);
    expect(hooks.find((hook) => hook.ID === other)).toEqual(otherBefore);
  });

  it("with two Customer.io webhooks: without --yes exits 1 and changes nothing; with --yes one remains", async () => {
    addWebhook(US);
    addWebhook(EU_URL);
    const refused = await setup(scripted);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        String.raw`Setup would remove 1 other Customer\.io webhook on this stream ` +
          String.raw`\(\d+ \(https://track-eu\.customer\.io/postmark/events, the other region\)\)`,
      ),
    );
    expect(refused.stderr).toMatch(/--yes/);
    expect(world.simulator.writes).toEqual([]);
    expect(readConfig()).toBeUndefined();

    const confirmed = await setup([...scripted, "--yes", "--json"]);
    expect(confirmed.code).toBe(0);
    expect(confirmed.json().webhook.removed).toHaveLength(1);
    const hooks = world.simulator.webhooksOf(PROD, "outbound");
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.Url).toBe(US);
  });

  it("a wrong Secret Key: exit 1 naming the rejected key pair; no webhook; config unchanged", async () => {
    const run = await setup(scripted, { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN, POSTMARK_SMTP_SECRET_KEY: "sk-wrong-but-long-enough-000" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rejected the key pair/);
    expect(run.stderr).not.toContain("sk-wrong-but-long-enough-000");
    expect(world.simulator.webhooksOf(PROD)).toEqual([]);
    expect(world.simulator.writes).toEqual([]);
    expect(readConfig()).toBeUndefined();
  });

  it("trims stray whitespace and line breaks around pasted tokens and keys", async () => {
    const run = await setup(["--stream", "outbound", "--region", "us", "--smtp-access-key", ` ${ACCESS_KEY}\n`, "--json"], {
      POSTMARK_SERVER_TOKEN: `  ${SERVER_TOKEN}\n`,
      POSTMARK_SMTP_SECRET_KEY: `${SECRET_KEY}\r\n`,
    });
    expect(run.code).toBe(0);
    expect(run.json().smtp).toMatchObject({ accessKey: ACCESS_KEY, verified: true });
  });

  it("EU region gives the EU URL", async () => {
    const run = await setup(["--server", "2001", "--stream", "outbound", "--region", "eu", "--json"]);
    expect(run.code).toBe(0);
    expect(world.simulator.webhooksOf(PROD, "outbound").map((hook) => hook.Url)).toEqual([EU_URL]);
  });

  it("--dry-run sends no POST, PUT or DELETE, writes no config, and reports action planned", async () => {
    const run = await setup([...scripted, "--dry-run", "--json"]);
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ dryRun: true, webhook: { action: "planned", id: null, url: US } });
    expect(world.simulator.writes).toEqual([]);
    expect(readConfig()).toBeUndefined();
  });

  it("--skip-smtp sets up the webhook only; --no-store-secrets keeps secrets out of the file", async () => {
    const run = await setup([...scripted, "--skip-smtp", "--json"]);
    expect(run.json()).toMatchObject({ ok: true, smtp: null });
    expect(world.smtp.logins).toEqual([]);
    const second = await setup(["--server", "Production", "--stream", "broadcast", "--region", "us", "--no-store-secrets", "--json"]);
    expect(second.code).toBe(0);
    expect(second.json().smtp.host).toBe("smtp-broadcasts.postmarkapp.com");
    expect(second.json().warnings[0]).toMatch(/unsubscribe/);
    const { connections } = JSON.parse(readConfig()!);
    expect(Object.keys(connections)).toHaveLength(2);
    const broadcast = JSON.stringify(connections[`${PROD}:broadcast`]);
    expect(broadcast).not.toContain(SECRET_KEY);
    expect(broadcast).not.toContain(SERVER_TOKEN);
    expect(connections[`${PROD}:broadcast`].smtp).toEqual({ host: "smtp-broadcasts.postmarkapp.com", port: 587, accessKey: ACCESS_KEY });
  });

  it("re-runs from the saved config: region and keys need not be given again", async () => {
    expect((await setup([...scripted, "--json"])).code).toBe(0);
    const run = await setup(["--server", "Production", "--stream", "outbound", "--json"], {
      POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN,
      POSTMARK_SMTP_ACCESS_KEY: undefined,
      POSTMARK_SMTP_SECRET_KEY: undefined,
    });
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ region: "us", webhook: { action: "unchanged" }, smtp: { verified: true } });
  });
});

describe("setup refuses bad situations clearly", () => {
  it("a missing --region exits 2 naming --region", async () => {
    const run = await setup(["--server", "Production", "--stream", "outbound"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--region");
    expect(world.simulator.requests).toEqual([]);
  });

  it("a missing Secret Key names POSTMARK_SMTP_SECRET_KEY, and every other missing value at once", async () => {
    const run = await setup([], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN, POSTMARK_SMTP_SECRET_KEY: undefined });
    expect(run.code).toBe(2);
    for (const name of ["POSTMARK_SMTP_SECRET_KEY", "--server", "--stream", "--region"]) expect(run.stderr).toContain(name);
  });

  it("an inbound or archived --stream exits 2 with a clear message", async () => {
    const inbound = await setup(["--server", "Production", "--stream", "inbound", "--region", "us"]);
    expect(inbound.code).toBe(2);
    expect(inbound.stderr).toMatch(/inbound stream/);
    world.simulator.state.streams.find((stream) => stream.ServerID === PROD && stream.ID === "broadcast")!.ArchivedAt =
      "2026-02-01T00:00:00Z";
    const archived = await setup(["--server", "Production", "--stream", "broadcast", "--region", "us"]);
    expect(archived.code).toBe(2);
    expect(archived.stderr).toMatch(/archived/);
    expect(world.simulator.writes).toEqual([]);
  });

  it("an unknown stream exits 2 listing the usable ones", async () => {
    const run = await setup(["--server", "Production", "--stream", "outbund", "--region", "us"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no message stream "outbund"/);
    expect(run.stderr).toMatch(/outbound, broadcast/);
  });

  it("SMTP disabled on the server exits 1 before any change, saying where to turn it on", async () => {
    const run = await setup(["--server", "No SMTP", "--stream", "outbound", "--region", "us"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/SMTP is disabled on server No SMTP/);
    expect(run.stderr).toMatch(/settings/i);
    expect(world.simulator.writes).toEqual([]);
    expect(readConfig()).toBeUndefined();
  });

  it("--smtp-port 465 exits 2 explaining why", async () => {
    const run = await setup([...scripted, "--smtp-port", "465"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/465.*implicit TLS/);
  });

  it("a misspelt server name exits 2 suggesting the close one", async () => {
    const run = await setup(["--server", "Prodution", "--stream", "outbound", "--region", "us"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Did you mean: "Production"/);
  });
});

describe("setup's SMTP proof never passes falsely", () => {
  for (const [name, options, pattern] of [
    ["offers no STARTTLS", { noStartTls: true }, /did not offer STARTTLS/],
    ["does not advertise AUTH", { noAuth: true }, /did not accept authentication/],
  ] as const) {
    it(`fails against a server that ${name}`, async () => {
      await world.close();
      world = await startWorld(undefined, options);
      const run = await setup(scripted);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(pattern);
      expect(world.simulator.writes).toEqual([]);
      expect(world.smtp.logins.filter((login) => login.accepted)).toEqual([]);
    });
  }

  it("fails against a certificate it was not told to trust", async () => {
    const run = await world.run(["setup", "--no-input", ...scripted], {
      env: { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
      overrides: { ...world.overrides, smtpRoute: { connectTo: world.overrides.smtpRoute!.connectTo } },
    });
    outputs.push(run);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/certificate .* could not be trusted/);
    expect(world.smtp.logins).toEqual([]);
  });
});

describe("setup with a server token and --server", () => {
  it("refuses a --server that is not the token's server", async () => {
    const run = await setup(["--server", "Staging", "--stream", "outbound", "--region", "us"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/belongs to server Production \(ID 2001\), not to --server "Staging"/);
    expect(world.simulator.writes).toEqual([]);
  });
});

describe("setup --skip-smtp on a saved connection", () => {
  it("repairs the webhook and keeps the SMTP token proven before", async () => {
    expect((await setup([...scripted, "--json"])).code).toBe(0);
    const before = JSON.parse(readConfig()!).connections[`${PROD}:outbound`];
    world.simulator.state.webhooks = [];
    const run = await setup([...scripted, "--skip-smtp", "--json"], {
      POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN,
      POSTMARK_SMTP_SECRET_KEY: undefined,
    });
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ smtp: null, webhook: { action: "created" } });
    const after = JSON.parse(readConfig()!).connections[`${PROD}:outbound`];
    expect(after.smtp).toEqual(before.smtp);
    expect(after.verifiedAt).toBe(before.verifiedAt);
    expect(after.webhookId).not.toBe(before.webhookId);
  });
});

describe("the wizard's proof for later", () => {
  it("on a broadcast stream alone names the mailbox it needs, and runs as printed once the placeholders are filled", async () => {
    const customerio = await startCustomerIo(world, { us: { smtp: { accessKey: BROADCAST_ACCESS_KEY, secretKey: BROADCAST_SECRET_KEY } } });
    try {
      const wizard = await runInTerminal(
        ["setup", "--server", String(PROD), "--stream", "broadcast", "--region", "us", "--smtp-access-key", BROADCAST_ACCESS_KEY],
        [
          { after: "Send one test message", keys: "n\r" },
          { after: "Apply this plan", keys: "\r" },
          { after: "too?", keys: "\r" },
          { after: "Copy the Access Key and Secret Key", keys: "\r" },
          { after: "Have you added the Access Key and Secret Key", keys: "\r" },
        ],
        {
          env: world.env({ POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN, POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY }),
          overrides: world.overrides,
        },
      );
      expect(wizard.code).toBe(0);
      expect(wizard.stderr.replace(/\s+/g, " ")).toContain(
        "Once they are in, this proves the whole chain through Customer.io. Replace ADDRESS with a confirmed sender of yours, and " +
          "MAILBOX with a mailbox you can read: a broadcast stream carries no Bounce event: cio-postmark doctor --end-to-end",
      );
      // The command stands whole on its own line.
      expect(wizard.stderr).toMatch(/^ {2}cio-postmark doctor --end-to-end --from ADDRESS --to MAILBOX --server 2001\r?$/m);
      const printed = /\n {2}cio-postmark (doctor --end-to-end .+)\n/.exec(wizard.stderr)![1]!;
      const argv = printed.replace("ADDRESS", SENDER).replace("MAILBOX", "jane@example.com").split(" ");
      const proof = await world.run([...argv, "--no-input"], { env: { ...customerio.env, CUSTOMERIO_APP_API_KEY: CIO_US_KEY } });
      expect(proof.code).toBe(0);
    } finally {
      await customerio.close();
    }
  });
});

describe("picking up where a sitting stopped", () => {
  it("setup --server ID uses the server token saved with that server's connection, never asking for it again", async () => {
    expect(
      (await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us"], { env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN } }))
        .code,
    ).toBe(0);
    const again = await runInTerminal(["setup", "--server", String(PROD)], [{ after: "Message stream", keys: "\x03" }], {
      env: world.env({ POSTMARK_SMTP_ACCESS_KEY: undefined, POSTMARK_SMTP_SECRET_KEY: undefined }),
      overrides: world.overrides,
    });
    expect(again.stderr).not.toContain("Which Postmark token");
    expect(again.stderr).toContain("Message stream");
  });
});

describe("what a sitting learns stays learned", () => {
  it("a sender Postmark took is the one a resend uses after a wrong-stream token is replaced", async () => {
    const run = await runInTerminal(
      ["setup", "--server", String(PROD), "--stream", "outbound", "--region", "us", "--send-test", "--from", "nobody@nowhere.example"],
      [
        { after: "Send it from", keys: `${SENDER}\r` },
        { after: "Access Key:", keys: `${ACCESS_KEY}\r` },
        { after: "Secret Key:", keys: `${SECRET_KEY}\r` },
        { after: "Apply this plan", keys: "\x03" },
      ],
      {
        env: world.env({
          POSTMARK_SERVER_TOKEN: SERVER_TOKEN,
          POSTMARK_SMTP_ACCESS_KEY: BROADCAST_ACCESS_KEY,
          POSTMARK_SMTP_SECRET_KEY: BROADCAST_SECRET_KEY,
        }),
        overrides: world.overrides,
      },
    );
    expect(run.stderr).toContain('went through stream "broadcast"');
    expect(run.stderr.match(/did not take nobody@nowhere\.example as the sender/g)).toHaveLength(1);
    expect(run.stderr).toContain('went through stream "outbound"');
  });
});
