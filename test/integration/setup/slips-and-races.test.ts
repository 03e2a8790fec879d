import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { main } from "../../../src/main.js";
import { PassThrough } from "node:stream";
import { TRANSACTIONAL_TRIGGERS, US_URL } from "../../helpers/expected.js";
import { SENDER, SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";

/** Slips, races and odd corners: an ambiguous name, a terminal on stdin, a run beside another, a folder the run cannot change. */

const PROD = 2001;
let world: World;
afterEach(() => world?.close());
const env = { POSTMARK_SERVER_TOKEN: SERVER_TOKEN };

describe("remove --server naming two saved servers", () => {
  it("exits 2 naming both IDs, and removes nothing", async () => {
    world = await startWorld({
      accountToken: "acct-token-1234567890-abcdef",
      servers: [
        { id: 2001, name: "Shop", tokens: ["srv-token-shop-one-1234567890"] },
        { id: 2002, name: "Shop", tokens: ["srv-token-shop-two-1234567890"] },
      ],
    });
    for (const token of ["srv-token-shop-one-1234567890", "srv-token-shop-two-1234567890"]) {
      const run = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp"], {
        env: { POSTMARK_SERVER_TOKEN: token },
      });
      expect(run.code).toBe(0);
    }
    const run = await world.run(["remove", "--server", "Shop", "--stream", "outbound", "--yes", "--json"], { env: {} });
    expect(run.code).toBe(2);
    expect(run.json().error).toEqual({
      code: "ambiguous_server",
      message: '2 saved servers are named "Shop": Shop (ID 2001), Shop (ID 2002). Nothing was removed.',
      hint: "Pass the numeric ID instead: --server <id>.",
    });
    expect(world.simulator.state.webhooks).toHaveLength(2);
    expect(world.simulator.writes.filter((request) => request.method === "DELETE")).toEqual([]);
  });
});

describe("--smtp-secret-stdin when stdin is a terminal", () => {
  it("exits 2 at once instead of waiting and echoing the key", async () => {
    world = await startWorld();
    const stdin = Object.assign(Readable.from([]), { isTTY: true });
    const stderr = new PassThrough();
    let said = "";
    stderr.on("data", (chunk) => (said += String(chunk)));
    const code = await main(
      ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--smtp-secret-stdin"],
      {
        stdin,
        stdout: new PassThrough(),
        stderr,
        env: { ...world.env(), ...env, POSTMARK_SMTP_SECRET_KEY: undefined },
      },
      world.overrides,
    );
    expect(code).toBe(2);
    expect(said).toContain("stdin is a terminal: pipe the Secret Key in, or leave out --smtp-secret-stdin to be asked (masked).");
    expect(world.simulator.requests).toEqual([]);
  });
});

describe("--dry-run with --send-test", () => {
  it("is refused (exit 2), sending nothing", async () => {
    world = await startWorld();
    const run = await world.run(
      ["setup", "--no-input", "--stream", "outbound", "--region", "us", "--dry-run", "--send-test", "--from", SENDER, "--json"],
      { env },
    );
    expect(run.code).toBe(2);
    expect(run.json().error).toMatchObject({
      code: "send_test_dry_run",
      message: "--dry-run changes and sends nothing, but --send-test sends a real message.",
    });
    expect(world.simulator.state.messages).toEqual([]);
    expect(world.simulator.requests).toEqual([]);
  });
});

describe("Open or Click kept on after a write", () => {
  it.each(["Open", "Click"] as const)("%s on in Postmark's answer is a failure with its own code; nothing is saved", async (trigger) => {
    world = await startWorld();
    const answered = structuredClone(TRANSACTIONAL_TRIGGERS) as Record<string, { Enabled: boolean }>;
    answered[trigger]!.Enabled = true;
    world.simulator.injectFault({
      match: (request) => request.method === "POST" && request.path === "/webhooks",
      fault: {
        kind: "answer",
        status: 200,
        body: JSON.stringify({ ID: 4244, Url: US_URL, MessageStream: "outbound", Triggers: answered }),
      },
    });
    const run = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json"], { env });
    expect(run.code).toBe(1);
    expect(run.json().error).toEqual({
      code: "webhook_open_click_on",
      message:
        `Postmark kept the ${trigger} trigger on for webhook 4244 after it was asked off: Customer.io would count each ` +
        `${trigger.toLowerCase()} twice. Nothing was saved.`,
      hint:
        `Turn ${trigger} off for that webhook on the stream's Webhooks page ` +
        `(https://account.postmarkapp.com/servers/2001/streams/outbound/webhooks), then run this again.`,
    });
    expect((await world.run(["status", "--json"], { env: {} })).json().connections).toEqual([]);
  });

  it("Open and Click both on are named together; HTTP auth and headers kept are named together", async () => {
    world = await startWorld();
    const answered = structuredClone(TRANSACTIONAL_TRIGGERS) as Record<string, { Enabled: boolean }>;
    answered.Open!.Enabled = true;
    answered.Click!.Enabled = true;
    const answer = (fields: object) =>
      world.simulator.injectFault({
        match: (request) => request.method === "POST" && request.path === "/webhooks",
        fault: { kind: "answer", status: 200, body: JSON.stringify({ ID: 4246, Url: US_URL, MessageStream: "outbound", ...fields }) },
        times: 1,
      });
    const setup = () => world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json"], { env });
    answer({ Triggers: answered });
    expect((await setup()).json().error.message).toMatch(/^Postmark kept the Open and Click trigger on for webhook 4246 /);
    answer({
      Triggers: TRANSACTIONAL_TRIGGERS,
      HttpAuth: { Username: "u", Password: "p" },
      HttpHeaders: [{ Name: "X-A", Value: "b" }],
    });
    expect((await setup()).json().error).toMatchObject({
      code: "webhook_not_as_asked",
      message: "Postmark kept webhook 4246 other than asked: HTTP auth is set; custom HTTP headers are set. Nothing was saved.",
    });
  });

  it("another trigger Postmark keeps its own way stays a warning", async () => {
    world = await startWorld();
    const answered = { ...structuredClone(TRANSACTIONAL_TRIGGERS), SubscriptionChange: { Enabled: false } };
    world.simulator.injectFault({
      match: (request) => request.method === "POST" && request.path === "/webhooks",
      fault: {
        kind: "answer",
        status: 200,
        body: JSON.stringify({ ID: 4245, Url: US_URL, MessageStream: "outbound", Triggers: answered }),
      },
    });
    const run = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json"], { env });
    // Said as Postmark's choice, and judged as doctor judges it: unsubscribes would not reach Customer.io, so the run fails.
    expect(run.code).toBe(1);
    expect(run.json().ok).toBe(false);
    expect(run.json().warnings).toContain("Webhook 4245: Subscription Change was asked on but Postmark keeps it off.");
    expect(run.json().warnings.join("\n")).toContain("Webhook 4245 has the wrong settings: Subscription Change trigger is off");
    expect(world.simulator.webhooksOf(PROD)).toHaveLength(0);
  });
});

describe("a config folder the run cannot change", () => {
  /** Read-only for this process: a read-only mount as root (who may write anywhere else), mode 0555 otherwise. */
  function readOnlyFolder(): { dir: string; release(): void } {
    const dir = mkdtempSync(join(tmpdir(), "cio-readonly-"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ schemaVersion: 1, connections: {} }), { mode: 0o600 });
    chmodSync(dir, 0o700);
    if (process.getuid?.() !== 0) {
      chmodSync(dir, 0o555);
      return { dir, release: () => chmodSync(dir, 0o700) };
    }
    execFileSync("mount", ["--bind", dir, dir]);
    execFileSync("mount", ["-o", "remount,bind,ro", dir]);
    return { dir, release: () => execFileSync("umount", [dir]) };
  }

  it.runIf(process.getuid?.() === 0 && process.platform === "linux")(
    "a disk that fills after the webhook is created: text and JSON name the webhook that stands, and a re-run saves it",
    async () => {
      world = await startWorld();
      const dir = mkdtempSync(join(tmpdir(), "cio-full-"));
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", dir]);
      try {
        // One page left: the lock takes it, and the save finds none.
        writeFileSync(join(dir, "fill"), Buffer.alloc(12 * 1024));
        const argv = ["setup", "--no-input", "--stream", "outbound", "--region", "us"];
        const full = { ...env, CIO_POSTMARK_CONFIG_DIR: dir };
        const [text, json] = [await world.run(argv, { env: full }), await world.run([...argv, "--json"], { env: full })];
        const webhook = world.simulator.state.webhooks[0]!.ID;
        expect(world.simulator.state.webhooks).toHaveLength(1);
        expect(text.code).toBe(1);
        expect(text.stderr).toContain(`webhook ${webhook} was created in Postmark, but the connection was not saved.`);
        expect(json.json().error).toMatchObject({
          code: "config_unwritable",
          message: expect.stringMatching(
            new RegExp(`\\(ENOSPC\\): webhook ${webhook} is in Postmark, but the connection was not saved\\.$`),
          ),
          hint: expect.stringContaining(
            `which keeps webhook ${webhook} and saves it: cio-postmark setup --yes --server 2001 --stream outbound`,
          ),
        });
        rmSync(join(dir, "fill"));
        expect((await world.run(argv, { env: full })).code).toBe(0);
        expect(world.simulator.state.webhooks.map((hook) => hook.ID)).toEqual([webhook]);
        expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).connections["2001:outbound"].webhookId).toBe(webhook);
      } finally {
        execFileSync("umount", [dir]);
      }
    },
  );

  it("is found before any change to Postmark: exit 1 config_unwritable, no webhook created", async () => {
    world = await startWorld();
    const folder = readOnlyFolder();
    try {
      const run = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json"], {
        env: { ...env, CIO_POSTMARK_CONFIG_DIR: folder.dir },
      });
      expect(run.code).toBe(1);
      expect(run.json().error).toMatchObject({
        code: "config_unwritable",
        message: expect.stringMatching(/^Cannot write the config folder .*: nothing was changed\.$/),
      });
      expect(world.simulator.writes).toEqual([]);
      expect(world.simulator.state.webhooks).toEqual([]);
    } finally {
      folder.release();
    }
  });

  it("a config folder under /proc is refused at once (Node's recursive mkdir spun there forever)", async () => {
    world = await startWorld();
    const run = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json"], {
      env: { ...env, CIO_POSTMARK_CONFIG_DIR: "/proc/cio-postmark-test/config" },
    });
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({
      code: "config_unwritable",
      message: "Cannot write the config folder /proc/cio-postmark-test/config (ENOENT): nothing was changed.",
    });
    expect(world.simulator.writes).toEqual([]);
  });
});

describe("other services' credentials", () => {
  it("in another webhook's URL and headers are masked in the plan, the JSON and the trace", async () => {
    world = await startWorld();
    const url = "https://zap-user:ZapierPassword-5150@hooks.zapier.example/catch/1?api_key=ZAPKEY-0123456789&page=1";
    world.simulator.state.webhooks.push({
      ID: 31,
      ServerID: PROD,
      Url: url,
      MessageStream: "outbound",
      HttpAuth: null,
      HttpHeaders: [{ Name: "Authorization", Value: "Bearer ZAP-BEARER-TOKEN-777" }],
      Triggers: structuredClone(TRANSACTIONAL_TRIGGERS),
    });
    const trace = join(mkdtempSync(join(tmpdir(), "cio-cred-")), "trace.jsonl");
    const human = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--trace", trace], { env });
    expect(human.code).toBe(0);
    expect(human.stderr).toContain(
      "Leave webhook 31 to https://zap-user:••••5150@hooks.zapier.example/catch/1?api_key=••••6789&page=1 alone (not Customer.io)",
    );
    const json = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json"], { env });
    const everything = [human.stdout, human.stderr, json.stdout, json.stderr, readFileSync(trace, "utf8")].join("\n");
    for (const secret of ["ZapierPassword-5150", "ZAPKEY-0123456789", "ZAP-BEARER-TOKEN-777"]) expect(everything).not.toContain(secret);
    // The trace still shows what is not secret: the host, the header's name.
    expect(readFileSync(trace, "utf8")).toContain("hooks.zapier.example");
    expect(readFileSync(trace, "utf8")).toContain('"Name":"Authorization"');
  });
});

describe("another run creating the same webhook at the same moment", () => {
  const racer = (id: number) => ({
    ID: id,
    Url: US_URL,
    MessageStream: "outbound",
    HttpAuth: { Username: "", Password: "" },
    HttpHeaders: [],
    Triggers: structuredClone(TRANSACTIONAL_TRIGGERS),
  });
  const run = () => world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--skip-smtp", "--json"], { env });
  /** The read-back after our create lists the other run's webhook beside ours. */
  function otherRunCreated(other: number, ours: number) {
    world.simulator.injectFault({
      times: 1,
      match: (request) => request.method === "GET" && request.path === "/webhooks" && world.simulator.writes.length === 1,
      fault: { kind: "answer", status: 200, body: JSON.stringify({ Webhooks: [racer(other), racer(ours)] }) },
    });
  }

  it("ours has the lowest ID: the other is deleted, and it is said", async () => {
    world = await startWorld();
    world.simulator.state.nextWebhookId = 9001;
    otherRunCreated(9100, 9001);
    const result = await run();
    expect(result.code).toBe(0);
    expect(result.json().webhook.id).toBe(9001);
    expect(result.json().warnings).toContain(
      "Another run created webhook 9100 at the same time; kept 9001, so Customer.io hears each event once.",
    );
    expect(world.simulator.writes.map((request) => `${request.method} ${request.path}`)).toEqual([
      "POST /webhooks",
      "DELETE /webhooks/9100",
    ]);
    expect(world.simulator.webhooksOf(PROD, "outbound").map((hook) => hook.ID)).toEqual([9001]);
  });

  it("the other's has the lowest ID: ours is deleted and theirs saved", async () => {
    world = await startWorld();
    world.simulator.state.nextWebhookId = 9200;
    otherRunCreated(9150, 9200);
    const result = await run();
    expect(result.code).toBe(0);
    expect(result.json().webhook).toMatchObject({ id: 9150, action: "created" });
    expect(result.json().warnings).toContain(
      "Another run created webhook 9150 at the same time; kept 9150 and removed ours, 9200, so Customer.io hears each event once.",
    );
    expect(world.simulator.writes.map((request) => `${request.method} ${request.path}`)).toEqual([
      "POST /webhooks",
      "DELETE /webhooks/9200",
    ]);
    expect((await world.run(["status", "--json"], { env: {} })).json().connections[0].webhook.id).toBe(9150);
  });
});

describe("one verdict on HTTP auth and headers in Postmark's answer", () => {
  it.each([
    ["HTTP auth", { HttpAuth: { Username: "cio", Password: "kept-by-postmark-0001" } }, "HTTP auth is set"],
    ["custom headers", { HttpHeaders: [{ Name: "X-Team", Value: "growth" }] }, "custom HTTP headers are set"],
  ])("%s kept after the write: setup flags it as doctor does, and saves nothing", async (_name, kept, words) => {
    world = await startWorld();
    world.simulator.injectFault({
      match: (request) => request.method === "POST" && request.path === "/webhooks",
      fault: {
        kind: "answer",
        status: 200,
        body: JSON.stringify({ ID: 4246, Url: US_URL, MessageStream: "outbound", Triggers: TRANSACTIONAL_TRIGGERS, ...kept }),
      },
    });
    const run = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--json"], { env });
    expect(run.code).toBe(1);
    expect(run.json().error).toEqual({
      code: "webhook_not_as_asked",
      message: `Postmark kept webhook 4246 other than asked: ${words}. Nothing was saved.`,
      hint:
        "Clear them for that webhook on the stream's Webhooks page " +
        "(https://account.postmarkapp.com/servers/2001/streams/outbound/webhooks), then run this again.",
    });
    expect(JSON.stringify(run.json())).not.toContain("kept-by-postmark-0001");
    // Doctor's word on the same webhook: drift, a failure.
    world.simulator.clearFaults();
    world.simulator.state.webhooks.push({
      ID: 4246,
      ServerID: PROD,
      Url: US_URL,
      MessageStream: "outbound",
      HttpAuth: null,
      HttpHeaders: [],
      Triggers: structuredClone(TRANSACTIONAL_TRIGGERS),
      ...kept,
    });
    const plan = await world.run(["setup", "--no-input", "--stream", "outbound", "--region", "us", "--dry-run", "--json"], { env });
    expect(plan.json().webhook).toMatchObject({ id: 4246, action: "planned" });
  });
});
