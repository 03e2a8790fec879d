import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN, DEFAULT_SPEC, SERVER_TOKEN, startWorld, type World } from "../helpers/world.js";

/** Bad flags, env values and config contents, each with its exit code and message. */

let world: World;
beforeAll(async () => {
  // Two servers share the name "Twin": a name that picks no single server.
  world = await startWorld({ ...DEFAULT_SPEC, servers: [...DEFAULT_SPEC.servers, { id: 2101, name: "Twin" }, { id: 2102, name: "Twin" }] });
});
afterAll(() => world.close());

const base = ["setup", "--no-input", "--stream", "outbound", "--region", "us"];
type Row = [name: string, argv: string[], env: NodeJS.ProcessEnv, code: number, message: RegExp, config?: string];

const rows: Row[] = [
  ["unknown flag", [...base, "--frobnicate"], {}, 2, /unknown option '--frobnicate'/],
  ["unknown command", ["frobnicate", "--no-input"], {}, 2, /too many arguments|unknown command/],
  ["region not us/eu", ["setup", "--no-input", "--stream", "outbound", "--region", "asia"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /--region.*(us|eu)/],
  ["port 465", [...base, "--smtp-port", "465"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /465.*implicit TLS/],
  ["port not a number", [...base, "--smtp-port", "abc"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /port number from 1 to 65535/],
  ["port above 65535", [...base, "--smtp-port", "70000"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /port number from 1 to 65535/],
  ["SMTP host with a space", [...base, "--smtp-host", "smtp postmark"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /not a host name/],
  ["stream with a slash", ["setup", "--no-input", "--stream", "out/bound", "--region", "us"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /message stream ID/],
  ["empty --server", [...base, "--server", " "], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, 2, /--server is empty/],
  ["unknown server name", [...base, "--server", "Prodution"], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, 2, /Did you mean: "Production"/],
  ["ambiguous server name", [...base, "--server", "Twin"], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, 2, /2 servers are named "Twin": Twin \(ID 2101\), Twin \(ID 2102\)[\s\S]*--server <id>/],
  ["unknown server id", [...base, "--server", "999999"], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, 2, /No server with ID 999999/],
  ["unknown stream", ["setup", "--no-input", "--stream", "outbund", "--region", "us"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /Streams you can use: outbound, broadcast/],
  ["inbound stream", ["setup", "--no-input", "--stream", "inbound", "--region", "us"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /inbound stream/],
  ["no token at all", base, {}, 2, /POSTMARK_SERVER_TOKEN or POSTMARK_ACCOUNT_TOKEN/],
  ["empty server token", base, { POSTMARK_SERVER_TOKEN: "   " }, 2, /POSTMARK_SERVER_TOKEN is set but empty/],
  ["token with a line break inside", base, { POSTMARK_SERVER_TOKEN: "abc\ndef-123456" }, 2, /POSTMARK_SERVER_TOKEN has a line break inside it/],
  ["empty secret key", base, { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_SMTP_SECRET_KEY: "" }, 2, /POSTMARK_SMTP_SECRET_KEY is set but empty/],
  ["empty --smtp-access-key", [...base, "--smtp-access-key", ""], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /--smtp-access-key is empty/],
  ["--smtp-secret-stdin with nothing piped", [...base, "--smtp-secret-stdin"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /read nothing from standard input/],
  ["wrong server token (401)", base, { POSTMARK_SERVER_TOKEN: "not-a-real-token-0000000" }, 1, /rejected the server token[\s\S]*POSTMARK_SERVER_TOKEN/],
  ["server token used as account token", [...base, "--server", "Production"], { POSTMARK_ACCOUNT_TOKEN: SERVER_TOKEN }, 2, /POSTMARK_ACCOUNT_TOKEN holds the server token of server Production \(ID 2001\)[\s\S]*Set it as POSTMARK_SERVER_TOKEN/],
  ["account token used as server token", base, { POSTMARK_SERVER_TOKEN: ACCOUNT_TOKEN }, 2, /POSTMARK_SERVER_TOKEN holds the account token[\s\S]*Set it as POSTMARK_ACCOUNT_TOKEN/],
  ["plain http to a remote API", base, { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_API_URL: "http://api.example.com" }, 2, /unencrypted/],
  ["API URL that is not a URL", base, { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_API_URL: "api.postmarkapp" }, 2, /not a URL/],
  ["API URL with a path", base, { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_API_URL: "https://api.example.com/v2" }, 2, /bare origin/],
  ["nothing listening at the API URL", base, { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_API_URL: "http://127.0.0.1:9" }, 1, /Could not reach Postmark at http:\/\/127\.0\.0\.1:9/],
  ["damaged config file", base, { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 1, /is not valid JSON; it was left as it is/, "{ not json"],
  ["config from a newer version", base, { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 1, /newer cio-postmark/, JSON.stringify({ schemaVersion: 7, connections: {} })],
  ["config that is not ours", base, { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 1, /does not look like a cio-postmark config/, JSON.stringify({ hello: "world" })],
  ["config folder is a file", ["status", "--config-dir", "/etc/hostname/x"], {}, 1, /Cannot write the config folder/],
  ["remove without --server/--stream", ["remove", "--no-input"], {}, 2, /remove needs --server <id-or-name> and --stream <id>/],
  ["doctor for an unknown connection", ["doctor", "--no-input", "--server", "Nope"], {}, 2, /No saved connection matches --server "Nope"/],
];

describe("bad input", () => {
  it("has at least 25 rows", () => expect(rows.length).toBeGreaterThanOrEqual(25));

  it.each(rows)("%s", async (_name, argv, env, code, message, config) => {
    const configDir = join(world.configDir, String(Math.random()).slice(2));
    if (config !== undefined) {
      mkdirSync(configDir, { recursive: true });
      writeFileSync(join(configDir, "config.json"), config, { mode: 0o600 });
    }
    const run = await world.run(argv, { env: { CIO_POSTMARK_CONFIG_DIR: configDir, ...env } });
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    if (config !== undefined) expect(readFileSync(join(configDir, "config.json"), "utf8")).toBe(config);
    const json = await world.run([...argv, "--json"], { env: { CIO_POSTMARK_CONFIG_DIR: configDir, ...env } });
    expect(json.code).toBe(code);
    expect(json.json()).toMatchObject({ ok: false, error: { code: expect.any(String), message: expect.any(String) } });
  });
});
