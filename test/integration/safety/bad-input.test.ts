import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS_KEY, ACCOUNT_TOKEN, DEFAULT_SPEC, SECRET_KEY, SERVER_TOKEN, startWorld, type World } from "../../helpers/world.js";
import { runCli } from "../../helpers/run-cli.js";

/** Bad flags, env values and config contents, each with its exit code and message. */

let world: World;
beforeAll(async () => {
  // Two servers share the name "Twin": a name that picks no single server.
  world = await startWorld({ ...DEFAULT_SPEC, servers: [...DEFAULT_SPEC.servers, { id: 2101, name: "Twin" }, { id: 2102, name: "Twin" }] });
});
afterAll(() => world.close());

const base = ["setup", "--no-input", "--stream", "outbound", "--region", "us"];
type Row = [name: string, argv: string[], env: NodeJS.ProcessEnv, code: number, message: RegExp, config?: string, stdin?: string];

/** Variables a message may name: every one the tool reads. */
const VARIABLES = new RegExp(
  String.raw`\b(POSTMARK_ACCOUNT_TOKEN|POSTMARK_SERVER_TOKEN|POSTMARK_SMTP_ACCESS_KEY|POSTMARK_SMTP_SECRET_KEY|` +
    String.raw`POSTMARK_API_URL|CIO_POSTMARK_CONFIG_DIR)\b`,
  "g",
);

const rows: Row[] = [
  ["unknown flag", [...base, "--frobnicate"], {}, 2, /unknown option '--frobnicate'/],
  // The tool's own error, as every other: its mark, and commander's suggestion as the hint.
  ["a mistyped flag", ["--sandox"], {}, 2, /^✖ unknown option '--sandox'\.\n {2}Did you mean --sandbox\?\n$/],
  ["unknown command", ["frobnicate", "--no-input"], {}, 2, /Unknown command "frobnicate"\./],
  [
    "region not us/eu",
    ["setup", "--no-input", "--stream", "outbound", "--region", "asia"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /--region.*(us|eu)/,
  ],
  ["port 465", [...base, "--smtp-port", "465"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /465.*implicit TLS/],
  ["port not a number", [...base, "--smtp-port", "abc"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /port number from 1 to 65535/],
  ["port above 65535", [...base, "--smtp-port", "70000"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /port number from 1 to 65535/],
  ["SMTP host with a space", [...base, "--smtp-host", "smtp postmark"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /not a host name/],
  [
    "stream with a slash",
    ["setup", "--no-input", "--stream", "out/bound", "--region", "us"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /message stream ID/,
  ],
  ["empty --server", [...base, "--server", " "], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, 2, /--server is empty/],
  ["unknown server name", [...base, "--server", "Prodution"], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, 2, /Did you mean: "Production"/],
  [
    "ambiguous server name",
    [...base, "--server", "Twin"],
    { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
    2,
    /2 servers are named "Twin": Twin \(ID 2101\), Twin \(ID 2102\)[\s\S]*--server <id>/,
  ],
  ["unknown server id", [...base, "--server", "999999"], { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN }, 2, /No server with ID or name 999999/],
  [
    "unknown stream",
    ["setup", "--no-input", "--stream", "outbund", "--region", "us"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /Streams you can use: outbound, broadcast/,
  ],
  [
    "inbound stream",
    ["setup", "--no-input", "--stream", "inbound", "--region", "us"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /inbound stream/,
  ],
  ["no token at all", base, {}, 2, /POSTMARK_SERVER_TOKEN or POSTMARK_ACCOUNT_TOKEN/],
  ["empty server token", base, { POSTMARK_SERVER_TOKEN: "   " }, 2, /POSTMARK_SERVER_TOKEN is set but empty/],
  [
    "token with a line break inside",
    base,
    { POSTMARK_SERVER_TOKEN: "abc\ndef-123456" },
    2,
    /POSTMARK_SERVER_TOKEN has a line break inside it/,
  ],
  [
    "empty secret key",
    base,
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_SMTP_SECRET_KEY: "" },
    2,
    /POSTMARK_SMTP_SECRET_KEY is set but empty/,
  ],
  ["empty --smtp-access-key", [...base, "--smtp-access-key", ""], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /--smtp-access-key is empty/],
  [
    "--smtp-secret-stdin with nothing piped",
    [...base, "--smtp-secret-stdin"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /read nothing from standard input/,
  ],
  [
    "wrong server token (401)",
    base,
    { POSTMARK_SERVER_TOKEN: "not-a-real-token-0000000" },
    1,
    /rejected the server token[\s\S]*POSTMARK_SERVER_TOKEN/,
  ],
  [
    "server token used as account token",
    [...base, "--server", "Production"],
    { POSTMARK_ACCOUNT_TOKEN: SERVER_TOKEN },
    2,
    /POSTMARK_ACCOUNT_TOKEN holds the server token of server Production \(ID 2001\)[\s\S]*Set it as POSTMARK_SERVER_TOKEN/,
  ],
  [
    "account token used as server token",
    base,
    { POSTMARK_SERVER_TOKEN: ACCOUNT_TOKEN },
    2,
    /POSTMARK_SERVER_TOKEN holds the account token[\s\S]*Set it as POSTMARK_ACCOUNT_TOKEN/,
  ],
  [
    "plain http to a remote API",
    base,
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_API_URL: "http://api.example.com" },
    2,
    /unencrypted/,
  ],
  ["API URL that is not a URL", base, { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_API_URL: "api.postmarkapp" }, 2, /not a URL/],
  ["API URL with a path", base, { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_API_URL: "https://api.example.com/v2" }, 2, /bare origin/],
  [
    "nothing listening at the API URL",
    base,
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_API_URL: "http://127.0.0.1:9" },
    1,
    /Could not reach Postmark at http:\/\/127\.0\.0\.1:9/,
  ],
  ["damaged config file", base, { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 1, /is not valid JSON; it was left as it is/, "{ not json"],
  [
    "config from a newer version",
    base,
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    1,
    /newer cio-postmark/,
    JSON.stringify({ schemaVersion: 7, connections: {} }),
  ],
  [
    "config that is not ours",
    base,
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    1,
    /does not look like a cio-postmark config/,
    JSON.stringify({ hello: "world" }),
  ],
  // Reading writes nothing: a folder that cannot be made holds no saved connection.
  [
    "config folder under a file, read only",
    ["doctor", "--no-input", "--config-dir", "/etc/hostname/x"],
    {},
    1,
    /No saved connections to check in/,
  ],
  ["remove without --server/--stream", ["remove", "--no-input"], {}, 2, /remove needs --server <id-or-name> and --stream <id>/],
  ["doctor for an unknown connection", ["doctor", "--no-input", "--server", "Nope"], {}, 2, /No saved connection matches --server "Nope"/],
  ["--config-dir empty", ["status", "--config-dir", ""], {}, 2, /--config-dir is empty/],
  ["CIO_POSTMARK_CONFIG_DIR all spaces", ["status"], { CIO_POSTMARK_CONFIG_DIR: "   " }, 2, /CIO_POSTMARK_CONFIG_DIR is empty/],
  ["token with non-ASCII characters", base, { POSTMARK_SERVER_TOKEN: "tökén-0123456789" }, 2, /POSTMARK_SERVER_TOKEN is malformed/],
  [
    "--smtp-secret-stdin with a line break inside",
    [...base, "--smtp-secret-stdin"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /has a line break inside it/,
    undefined,
    "first-line\nsecond-line\n",
  ],
  [
    "--smtp-secret-stdin over 4 KiB",
    [...base, "--smtp-secret-stdin"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /more than 4096 bytes/,
    undefined,
    "x".repeat(5000),
  ],
  [
    "--from that is not an address",
    [...base, "--send-test", "--from", "not an address"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /--from is not an email address/,
  ],
  ["--send-test without --from", [...base, "--send-test"], { POSTMARK_SERVER_TOKEN: SERVER_TOKEN }, 2, /--from <address>/],
  ["doctor --send-test without --from", ["doctor", "--no-input", "--send-test"], {}, 2, /--send-test needs --from <address>/],
  [
    "--send-test with --skip-smtp",
    [...base, "--send-test", "--skip-smtp", "--from", "a@example.com"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /--send-test needs the SMTP token/,
  ],
  ["--trace with no file name", ["status", "--trace", ""], {}, 2, /--trace needs a file name/],
  [
    "--server 001 with only an account token, server 1 missing",
    [...base, "--server", "001"],
    { POSTMARK_ACCOUNT_TOKEN: ACCOUNT_TOKEN },
    2,
    /No server with ID or name 001/,
  ],
  [
    "an invalid API URL, before any prompt or request",
    ["doctor", "--no-input"],
    { POSTMARK_API_URL: "ftp://x" },
    2,
    /POSTMARK_API_URL must start with https/,
  ],
  [
    "--dry-run with --send-test",
    [...base, "--dry-run", "--send-test", "--from", "a@example.com"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /--dry-run changes and sends nothing, but --send-test sends a real message\./,
  ],
  [
    "a stream ID with a backslash",
    ["setup", "--no-input", "--stream", "..\\server", "--region", "us"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /--stream must be a message stream ID/,
  ],
  [
    "a stream ID of dots",
    ["setup", "--no-input", "--stream", "..", "--region", "us"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /--stream must be a message stream ID/,
  ],
  [
    "a stream ID with an escape",
    ["setup", "--no-input", "--stream", "out%2fbound", "--region", "us"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /--stream must be a message stream ID/,
  ],
  ["a mistyped command", ["doctr", "--no-input"], {}, 2, /Unknown command "doctr"\. Did you mean doctor\?/],
  [
    "status --reveal with two connections and none named",
    ["status", "--reveal", "--no-input"],
    {},
    2,
    /status --reveal prints one connection's key pair/,
  ],
  ["--server without --reveal on status", ["status", "--server", "Production"], {}, 2, /--server, --stream and --yes go with --reveal/],
  [
    "--smtp-secret, which does not exist: it points at --smtp-secret-stdin and never echoes the value",
    ["setup", "--no-input", "--stream", "outbound", "--smtp-secret", "sk-typed-into-a-flag-123456"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN },
    2,
    /There is no --smtp-secret: [^\n]*\n?[\s\S]*--smtp-secret-stdin/,
  ],
  [
    "a Customer.io key with a character no key has: named as Customer.io's, not Postmark's",
    ["setup", "--no-input", "--stream", "outbound"],
    { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, CUSTOMERIO_APP_API_KEY: "cio-key-with-é-inside" },
    2,
    /CUSTOMERIO_APP_API_KEY is malformed: it has characters no Customer\.io token or key contains/,
  ],
];

describe("bad input", () => {
  it("has at least 25 rows", () => expect(rows.length).toBeGreaterThanOrEqual(25));

  it.each(rows)("%s", async (_name, argv, env, code, message, config, stdin) => {
    const configDir = join(world.configDir, String(Math.random()).slice(2));
    if (config !== undefined) {
      mkdirSync(configDir, { recursive: true });
      writeFileSync(join(configDir, "config.json"), config, { mode: 0o600 });
    }
    // Only what the row sets (over a working SMTP key pair): "a variable that is not set" means just that.
    const rowEnv = {
      POSTMARK_API_URL: world.simulator.url,
      CIO_POSTMARK_CONFIG_DIR: configDir,
      POSTMARK_SMTP_ACCESS_KEY: ACCESS_KEY,
      POSTMARK_SMTP_SECRET_KEY: SECRET_KEY,
      ...env,
    };
    const run = await runCli(argv, { env: rowEnv, stdin, overrides: world.overrides });
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
    if (config !== undefined) expect(readFileSync(join(configDir, "config.json"), "utf8")).toBe(config);
    const json = await runCli([...argv, "--json"], { env: rowEnv, stdin, overrides: world.overrides });
    expect(json.code).toBe(code);
    const { error } = json.json();
    expect(json.json()).toMatchObject({ ok: false, error: { code: expect.any(String), message: expect.any(String) } });
    // A message about a value names where it came from; it never blames a variable that is not set.
    // (A list of missing input, or a token in the wrong variable, names where to set it: that is its point.)
    if (!["missing_input", "token_wrong_kind"].includes(error.code)) {
      const named = [...`${error.message} ${error.hint ?? ""}`.matchAll(VARIABLES)].map((match) => match[1]!);
      for (const variable of named) expect(rowEnv, `${variable} named in: ${error.message} ${error.hint}`).toHaveProperty(variable);
    }
  });
});
