import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CustomerIoSimulator } from "../../../src/sandbox/customerio-simulator.js";
import { CIO_US_KEY, startCustomerIo } from "../../helpers/customerio.js";
import { SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";

/**
 * Hostile answers from Customer.io: words that repeat the App API key around the point where they are
 * cut, and JSON nested deeper than anything real. The key never shows in part, and --trace records
 * what it can without changing the verdict.
 */

let world: World;
let customerio: CustomerIoSimulator;
afterEach(async () => {
  await customerio?.close();
  await world?.close();
});

/** Every run of 8 characters of the key: none may show, in any output. */
const pieces = (secret: string) => Array.from({ length: secret.length - 7 }, (_, index) => secret.slice(index, index + 8));

const setup = (extra: string[] = []) =>
  world.run(["setup", "--no-input", "--json", "--stream", "outbound", ...extra], {
    env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...customerio.env, CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
  });

describe("Customer.io's words, cut to length", () => {
  it.each([280, 290, 299])("are masked before the cut: a key repeated across character %i shows in no part", async (at) => {
    world = await startWorld();
    customerio = await startCustomerIo(world);
    const detail = `${"x".repeat(at)}${CIO_US_KEY} ${CIO_US_KEY}`;
    customerio.injectFault({
      fault: { kind: "answer", status: 400, body: JSON.stringify({ errors: [{ detail, status: "400" }] }) },
      match: () => true,
    });
    const human = await world.run(["setup", "--no-input", "--stream", "outbound"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, ...customerio.env, CUSTOMERIO_APP_API_KEY: CIO_US_KEY },
    });
    const json = await setup();
    expect(json.code).toBe(1);
    expect(json.json().error.code).toBe("customerio_error");
    for (const output of [human.stdout, human.stderr, json.stdout, json.stderr]) {
      for (const piece of pieces(CIO_US_KEY)) expect(output).not.toContain(piece);
    }
  });
});

describe("a very deeply nested answer under --trace", () => {
  const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

  it("is recorded as far as it is readable, and the verdict is the one the run gives without --trace", async () => {
    world = await startWorld();
    customerio = await startCustomerIo(world);
    const workspaces = (depth: number) => `{"workspaces": [{"id": 101, "name": "Acme US", "extra": ${deep(depth)}}]}`;
    // The workspace read answers a usable workspace carrying a field nested 20,000 levels deep.
    customerio.injectFault({ fault: { kind: "answer", status: 200, body: workspaces(20_000) }, match: () => true });
    const plain = await setup(["--region", "us"]);
    customerio.injectFault({ fault: { kind: "answer", status: 200, body: workspaces(20_000) }, match: () => true });
    const tracePath = join(world.configDir, "..", "deep-trace.jsonl");
    const traced = await setup(["--region", "us", "--trace", tracePath]);
    expect(traced.code).toBe(plain.code);
    expect(traced.json().ok).toBe(plain.json().ok);
    expect(traced.json().region).toBe("us");
    const lines = readFileSync(tracePath, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const workspaceRead = lines.find((line) => line.service === "customerio" && line.path === "/v1/workspaces");
    expect(JSON.stringify(workspaceRead)).toContain("nested deeper than 64 levels; not recorded");
  });
});

describe("the trace itself", () => {
  it("records an entry nested 20,000 levels deep without throwing, and the secrets in it masked", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { Trace } = await import("../../../src/trace.js");
    const { SecretRegistry } = await import("../../../src/ui/redact.js");
    const dir = mkdtempSync(join(tmpdir(), "cio-trace-"));
    const secrets = new SecretRegistry();
    secrets.add(CIO_US_KEY);
    const trace = Trace.open(join(dir, "trace.jsonl"), secrets, { configDir: join(dir, "config"), fileModes: true });
    let nested: unknown = CIO_US_KEY;
    for (let level = 0; level < 20_000; level++) nested = { a: nested };
    expect(() => trace.record({ kind: "http", responseBody: { key: CIO_US_KEY, nested } })).not.toThrow();
    const text = readFileSync(join(dir, "trace.jsonl"), "utf8");
    expect(text).toContain("nested deeper than 64 levels; not recorded");
    for (const piece of pieces(CIO_US_KEY)) expect(text).not.toContain(piece);
  });
});
