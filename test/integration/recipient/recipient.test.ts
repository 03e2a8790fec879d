import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CustomerIoSimulator } from "../../../src/sandbox/customerio-simulator.js";
import { CIO_US_KEY, startCustomerIo } from "../../helpers/customerio.js";
import { runCli } from "../../helpers/run-cli.js";
import { SERVER_TOKEN, startWorld, startWorldWithOutbound, type World } from "../../helpers/world.js";

/**
 * `recipient ADDRESS`: the sandbox's four people, each with the verdict a marketer needs, in words
 * and in JSON; and --reactivate, which lifts a hard bounce and refuses an unsubscribe and a spam
 * complaint before any write.
 */

const SANDBOX_SERVER_TOKEN = "sandbox-server-token-acme-prod";
const SANDBOX_CIO_KEY = "sandbox-customerio-app-api-key-0001";
let dir: string;

const sandbox = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli([...args, "--sandbox", "--config-dir", dir], { env: { POSTMARK_SERVER_TOKEN: SANDBOX_SERVER_TOKEN, ...env } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cio-recipient-"));
  for (const stream of ["outbound", "broadcast"])
    expect((await sandbox(["setup", "--no-input", "--skip-smtp", "--stream", stream, "--region", "us"])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entryOf = (document: any, stream: string) => document.connections.find((entry: any) => entry.stream === stream);

describe("the sandbox's people", () => {
  it("a hard bounce: suppressed on outbound, may be lifted, and said with what lifting means; exit 1", async () => {
    const text = await sandbox(["recipient", "gone@acme.example"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      /Postmark suppresses gone@acme\.example on outbound since \d{4}-\d\d-\d\d: a message to it hard-bounced .*they will get nothing/,
    );
    expect(text.stdout).toContain("a hard bounce lifted will bounce again if the mailbox is still gone");
    const json = await sandbox(["recipient", "gone@acme.example", "--json"]);
    expect(json.code).toBe(1);
    const outbound = entryOf(json.json(), "outbound");
    expect(json.json()).toMatchObject({ ok: false, recipient: "gone@acme.example" });
    expect(outbound.suppression).toMatchObject({ reason: "HardBounce", origin: "Recipient", canReactivate: true });
    expect(outbound.messages).toEqual([expect.objectContaining({ subject: "Your order has shipped", event: "Bounced" })]);
    expect(outbound.customerio).toBeNull();
    expect(entryOf(json.json(), "broadcast").suppression).toBeNull();
  });

  it("an unsubscribe through Postmark's link on broadcast: their wish, never offered as something to lift; exit 1", async () => {
    const run = await sandbox(["recipient", "jane@acme.example", "--stream", "broadcast", "--json"]);
    expect(run.code).toBe(1);
    const broadcast = entryOf(run.json(), "broadcast");
    expect(broadcast.suppression).toMatchObject({ reason: "ManualSuppression", origin: "Recipient", canReactivate: false });
    expect(broadcast.verdict).toMatch(
      /they unsubscribed through Postmark's own link\. That is their wish; they will get nothing from this stream\./,
    );
    const finding = broadcast.findings.find((candidate: any) => candidate.id === "suppression");
    expect(finding.fix).not.toMatch(/--reactivate/);
    const text = await sandbox(["recipient", "jane@acme.example", "--stream", "broadcast"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      /^ {2}Postmark suppresses jane@acme\.example on broadcast since .*: they unsubscribed through Postmark's own link\./m,
    );
  });

  it("a Delivery Customer.io never heard of: the webhook is named, with doctor's command; a + address is found", async () => {
    const run = await sandbox(["recipient", "sam+news@acme.example", "--stream", "outbound", "--json"], {
      CUSTOMERIO_APP_API_KEY: SANDBOX_CIO_KEY,
    });
    expect(run.code).toBe(1);
    const outbound = entryOf(run.json(), "outbound");
    expect(outbound.customerio.deliveries).toHaveLength(1); // an unencoded "+" would have found nobody
    expect(outbound.verdict).toMatch(
      /^Postmark delivered "Your receipt" at .* UTC; Customer\.io's delivery \S+ \(the same email\) never heard of it: the webhook is/,
    );
    const finding = outbound.findings.find((candidate: any) => candidate.id === "customerio");
    expect(finding).toMatchObject({ status: "fail" });
    const text = await sandbox(["recipient", "sam+news@acme.example", "--stream", "outbound"], { CUSTOMERIO_APP_API_KEY: SANDBOX_CIO_KEY });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^ {2}Postmark delivered "Your receipt" at .*: the webhook is not passing Delivery events\.$/m);
    expect(finding.fix).toContain("cio-postmark doctor --server 1001 --stream outbound");
  });

  it("all well: nothing stops mail, and Customer.io agrees; exit 0", async () => {
    const text = await sandbox(["recipient", "fine@acme.example"], { CUSTOMERIO_APP_API_KEY: SANDBOX_CIO_KEY });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("Nothing stops mail to fine@acme.example on outbound.");
    const json = await sandbox(["recipient", "fine@acme.example", "--json", "--stream", "outbound"], {
      CUSTOMERIO_APP_API_KEY: SANDBOX_CIO_KEY,
    });
    expect(json.json()).toMatchObject({ ok: true });
    expect(entryOf(json.json(), "outbound").findings.map((finding: any) => finding.status)).toEqual(["pass", "pass", "pass"]);
  });

  it("the address is the person's data: in the output asked for, never in the trace", async () => {
    const trace = join(mkdtempSync(join(tmpdir(), "cio-trace-")), "recipient.trace");
    const run = await sandbox(["recipient", "sam+news@acme.example", "--stream", "outbound", "--trace", trace], {
      CUSTOMERIO_APP_API_KEY: SANDBOX_CIO_KEY,
    });
    expect(run.stdout).toContain("sam+news@acme.example");
    const written = readFileSync(trace, "utf8");
    expect(written).toContain("/suppressions/dump");
    for (const form of ["sam+news@acme.example", "sam%2Bnews%40acme.example", "sam news@acme.example"]) expect(written).not.toContain(form);
  });

  it("doctor in the sandbox says its network is this machine's", async () => {
    const run = await sandbox(["doctor", "--json"]);
    expect(run.json().network.postmark).toEqual({
      host: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      direct: "the sandbox's simulators, on this machine",
    });
    expect(run.json().network.customerio).toMatchObject({ direct: "the sandbox's simulators, on this machine" });
  });

  it("an address that is not one: a usage error, exit 2", async () => {
    const run = await sandbox(["recipient", "not-an-address", "--json"]);
    expect(run.code).toBe(2);
    expect(run.json().error.code).toBe("invalid_address");
  });
});

describe("--reactivate", () => {
  let world: World;
  let customerio: CustomerIoSimulator;
  afterEach(async () => {
    await customerio?.close();
    await world?.close();
  });
  const suppress = (EmailAddress: string, SuppressionReason: any, Origin: any) =>
    world.simulator.state.suppressions.push({
      ServerID: 2001,
      MessageStream: "outbound",
      EmailAddress,
      SuppressionReason,
      Origin,
      CreatedAt: new Date().toISOString(),
    });
  const recipient = (args: string[]) =>
    world.run(["recipient", ...args], { env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...customerio.env } });

  it("lifts a hard bounce after one yes, and the address is then free; exit 0", async () => {
    world = await startWorldWithOutbound();
    customerio = await startCustomerIo(world);
    suppress("gone@example.com", "HardBounce", "Recipient");
    const writes = world.simulator.writes.length;
    const refused = await recipient(["gone@example.com", "--reactivate", "--json"]);
    expect(refused.code).toBe(1);
    expect(refused.json().error.code).toBe("confirmation_required");
    expect(world.simulator.writes).toHaveLength(writes);
    const run = await recipient(["gone@example.com", "--reactivate", "--yes"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("Lifted Postmark's suppression of gone@example.com on Production / outbound.");
    expect(world.simulator.state.suppressions).toEqual([]);
    expect(world.simulator.writes.map((write) => write.path)).toContain("/message-streams/outbound/suppressions/delete");
  });

  it.each([
    ["a spam complaint", "SpamComplaint", "Recipient", /marked a message as spam/],
    ["an unsubscribe through Postmark's link", "ManualSuppression", "Recipient", /unsubscribed through Postmark's own link/],
  ])("refuses %s with the reason, and writes nothing", async (_name, reason, origin, said) => {
    world = await startWorldWithOutbound();
    customerio = await startCustomerIo(world);
    suppress("jane@example.com", reason, origin);
    const writes = world.simulator.writes.length;
    const run = await recipient(["jane@example.com", "--reactivate", "--yes"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(said);
    expect(run.stderr).toContain("Not lifted on Production / outbound");
    expect(world.simulator.writes).toHaveLength(writes);
    expect(world.simulator.state.suppressions).toHaveLength(1);
  });

  it.each(["exact", "contains"] as const)("with a dump filter that matches %s, only the address itself is judged", async (filter) => {
    world = await startWorldWithOutbound();
    customerio = await startCustomerIo(world);
    world.simulator.suppressionFilter = filter;
    suppress("ann@example.com.au", "HardBounce", "Recipient");
    const run = await recipient(["ann@example.com", "--json"]);
    expect(run.code).toBe(0);
    expect(run.json().connections[0].suppression).toBeNull();
  });

  it.each(["exact", "contains"] as const)(
    "Postmark's last messages to the address itself, with their first outcome, however its recipient filter matches (%s)",
    async (filter) => {
      world = await startWorldWithOutbound();
      customerio = await startCustomerIo(world);
      world.simulator.recipientFilter = filter;
      const send = (to: string[], subject: string, events: Array<{ Type: string; ReceivedAt: string }>) =>
        Object.assign(
          world.simulator.recordMessage({
            ServerID: 2001,
            MessageStream: "outbound",
            Tag: "",
            From: "a@example.com",
            To: [],
            Recipients: to,
            Subject: subject,
            Metadata: {},
          }),
          { ReceivedAt: "2026-12-01T10:00:00.000Z", Events: events },
        );
      send(["ann@example.com", "bob@example.com"], "To both", [
        { Type: "Opened", ReceivedAt: "2026-12-01T10:00:02.000Z" },
        { Type: "Delivered", ReceivedAt: "2026-12-01T10:00:05.000Z" },
        { Type: "Bounced", ReceivedAt: "2026-12-01T10:00:09.000Z" },
      ]);
      send(["ann@example.com.au"], "Someone else", [{ Type: "Delivered", ReceivedAt: "2026-12-01T10:00:05.000Z" }]);
      const run = await recipient(["ann@example.com", "--json"]);
      expect(run.json().connections[0].messages).toEqual([
        { messageId: expect.any(String), subject: "To both", sentAt: "2026-12-01T10:00:00.000Z", event: "Delivered" },
      ]);
      const search = world.simulator.requests.find((request) => request.path === "/messages/outbound");
      expect(search!.query).toMatchObject({ recipient: "ann@example.com", messagestream: "outbound" });
    },
  );

  it("with no saved connection, the stream a server token in the environment opens; without --stream, a usage error", async () => {
    world = await startWorld();
    customerio = await startCustomerIo(world);
    world.simulator.state.suppressions.push({
      ServerID: 2001,
      MessageStream: "outbound",
      EmailAddress: "gone@example.com",
      SuppressionReason: "HardBounce",
      Origin: "Recipient",
      CreatedAt: "2026-12-01T10:00:00Z",
    });
    const run = await recipient(["gone@example.com", "--stream", "outbound", "--json"]);
    expect(run.code).toBe(1);
    expect(run.json().connections).toEqual([
      expect.objectContaining({
        server: { id: 2001, name: "Production" },
        stream: "outbound",
        suppression: expect.objectContaining({ reason: "HardBounce" }),
      }),
    ]);
    const unnamed = await recipient(["gone@example.com", "--json"]);
    expect(unnamed.code).toBe(2);
    expect(unnamed.json().error.message).toContain("--stream <id>");
  });

  it("Customer.io's key reads the person in its own region", async () => {
    world = await startWorldWithOutbound();
    customerio = await startCustomerIo(world);
    const run = await world.run(["recipient", "nobody@example.com", "--json"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...customerio.env, CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
    });
    expect(run.json().connections[0].findings.find((finding: any) => finding.id === "customerio")).toMatchObject({ status: "warn" });
    expect(customerio.requests.map((request) => `${request.region} ${request.method} ${request.path}`)).toEqual([
      "us GET /v1/workspaces",
      "us GET /v1/customers",
    ]);
  });
});
