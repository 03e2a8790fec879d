import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EU_URL, transactionalTriggers } from "../helpers/expected.js";
import { ACCESS_KEY, SECRET_KEY, SERVER_TOKEN, startWorldWithOutbound, type World } from "../helpers/world.js";

const PROD = 2001;

let world: World;
const state = () => world.simulator.state;

beforeEach(async () => {
  world = await startWorldWithOutbound();
});
afterEach(() => world.close());

describe("status", () => {
  it("with nothing saved says so and exits 0, making no folder, even where no folder could be made", async () => {
    const empty = mkdtempSync(join(tmpdir(), "cio-status-"));
    const file = join(empty, "a-file");
    writeFileSync(file, "");
    for (const dir of [join(empty, "config"), join(file, "config")]) {
      const run = await world.run(["status"], { env: { CIO_POSTMARK_CONFIG_DIR: dir } });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`No saved connections in ${join(dir, "config.json")}.`);
      const doctor = await world.run(["doctor", "--no-input"], { env: { CIO_POSTMARK_CONFIG_DIR: dir } });
      expect(doctor.stderr).toContain("No saved connections to check");
    }
    expect(existsSync(join(empty, "config"))).toBe(false);
  });

  it("lists every saved connection without printing a secret", async () => {
    await world.run(["setup", "--no-input", "--stream", "broadcast", "--region", "eu", "--json"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    });
    const human = await world.run(["status"], { env: { POSTMARK_SMTP_SECRET_KEY: undefined } });
    const json = await world.run(["status", "--json"], { env: { POSTMARK_SMTP_SECRET_KEY: undefined } });
    for (const run of [human, json]) {
      expect(run.code).toBe(0);
      expect(run.stdout + run.stderr).not.toContain(SECRET_KEY);
      expect(run.stdout + run.stderr).not.toContain(SERVER_TOKEN);
    }
    const document = json.json();
    expect(document.connections.map((c: any) => c.stream.id).sort()).toEqual(["broadcast", "outbound"]);
    expect(document.connections[0].smtp.secretKey).toBe(`••••${SECRET_KEY.slice(-4)}`);
    expect(human.stdout).toContain("Production / broadcast");
  });
});

describe("remove", () => {
  it("deletes only the Customer.io webhooks of that stream and forgets only that connection", async () => {
    await world.run(["setup", "--no-input", "--stream", "broadcast", "--region", "us", "--json"], {
      env: { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    });
    state().webhooks.push({
      ID: 5555,
      ServerID: PROD,
      Url: "https://hooks.example.com/x",
      MessageStream: "outbound",
      HttpAuth: null,
      HttpHeaders: [],
      Triggers: transactionalTriggers(),
    });
    state().webhooks.push({
      ID: 5556,
      ServerID: PROD,
      Url: EU_URL,
      MessageStream: "outbound",
      HttpAuth: null,
      HttpHeaders: [],
      Triggers: transactionalTriggers(),
    });

    const refused = await world.run(["remove", "--server", "Production", "--stream", "outbound"]);
    // A change that needs a yes, in a run that cannot ask: exit 1, as in setup, apply and doctor --fix.
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--yes/);

    const run = await world.run(["remove", "--server", "Production", "--stream", "outbound", "--yes", "--json"]);
    expect(run.code).toBe(0);
    expect(run.json().removedWebhooks).toHaveLength(2);
    expect(world.simulator.webhooksOf(PROD, "outbound").map((hook) => hook.ID)).toEqual([5555]);
    expect(world.simulator.webhooksOf(PROD, "broadcast")).toHaveLength(1);
    const status = (await world.run(["status", "--json"])).json();
    expect(status.connections.map((c: any) => c.stream.id)).toEqual(["broadcast"]);
    // In words: what removing here does not undo, in Postmark and in Customer.io.
    const human = await world.run(["remove", "--server", "Production", "--stream", "broadcast", "--yes"]);
    expect(human.code).toBe(0);
    expect(human.stdout.replace(/\s+/g, " ")).toContain(
      `The SMTP token (Access Key ${ACCESS_KEY}) still works in Postmark until you revoke it on ` +
        "the stream's Settings tab. Also remove the custom SMTP server in Customer.io",
    );
  });

  it("forgets a connection whose stream is gone from Postmark", async () => {
    state().streams = state().streams.filter((stream) => !(stream.ServerID === PROD && stream.ID === "outbound"));
    const run = await world.run(["remove", "--server", "2001", "--stream", "outbound", "--yes", "--json"]);
    expect(run.code).toBe(0);
    expect(run.json().removedWebhooks).toEqual([]);
    expect((await world.run(["status", "--json"])).json().connections).toEqual([]);
  });
});
