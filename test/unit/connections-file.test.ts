import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { decodeConnectionsFile, parseConnectionsFile, smtpFromEnv } from "../../src/core/connections-file.js";
import { CliError } from "../../src/errors.js";

/**
 * The connections file as a table: what is accepted, and every refusal naming its place. The
 * schema shipped for editors judges the same rows (where a schema can: a duplicate or a value
 * shaped like a secret is ours alone to see).
 */

const schema = JSON.parse(readFileSync(new URL("../../schema/connections.json", import.meta.url), "utf8"));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const A_UUID = "3f6c2d9e-8b1a-4c5d-9e7f-0a1b2c3d4e5f";
const SMTP = { accessKeyEnv: "PROD_SMTP_ACCESS", secretKeyEnv: "PROD_SMTP_SECRET" };

function problems(document: unknown, known: string[] = []): { code: string; exit: number; message: string } | undefined {
  try {
    parseConnectionsFile(typeof document === "string" ? document : JSON.stringify(document), "cio-postmark.json", new Set(known));
    return undefined;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { code: error.code, exit: error.exitCode, message: error.message };
  }
}

describe("a good connections file", () => {
  it("reads the documented example (docs/ci.md): names or IDs, the top region as default, smtp variables", () => {
    const text = JSON.stringify({
      $schema: "./node_modules/cio-postmark/schema/connections.json",
      region: "us",
      connections: [
        { server: "Acme Production", stream: "outbound", smtp: SMTP },
        { server: "Acme Production", stream: "broadcast" },
        { server: 1102, stream: "outbound", region: "EU" },
      ],
    });
    expect(parseConnectionsFile(text, "f.json")).toEqual([
      { place: "connections[0]", server: "Acme Production", stream: "outbound", region: "us", smtp: SMTP },
      { place: "connections[1]", server: "Acme Production", stream: "broadcast", region: "us" },
      { place: "connections[2]", server: "1102", stream: "outbound", region: "eu" },
    ]);
    expect(validate(JSON.parse(text))).toBe(true);
  });

  it("takes a byte-order mark and an SMTP host and port", () => {
    const document = { connections: [{ server: 7, stream: "s", region: "eu", smtp: { ...SMTP, host: "smtp.example.com", port: 2525 } }] };
    const [connection] = parseConnectionsFile(`\uFEFF${JSON.stringify(document)}`, "f.json");
    expect(connection!.smtp).toEqual({ ...SMTP, host: "smtp.example.com", port: 2525 });
    expect(validate(document)).toBe(true);
  });
});

describe("a bad connections file is exit 2 naming the place", () => {
  const one = (connection: object, top: object = { region: "us" }) => ({ ...top, connections: [connection] });
  const rows: Array<[string, unknown, RegExp, boolean]> = [
    // [what, document, message, does the schema also refuse it]
    ["not an object", [1, 2], /must be a JSON object/, true],
    ["no connections", { region: "us" }, /connections must be a list/, true],
    ["an empty list", { region: "us", connections: [] }, /connections is empty/, true],
    ["an unknown top field", { region: "us", connections: [{ server: "A", stream: "s" }], colour: 1 }, /colour is not a known field/, true],
    ["a missing stream", one({ server: "A" }), /connections\[0\]\.stream is missing/, true],
    ["a missing server", one({ stream: "s" }), /connections\[0\]\.server is missing/, true],
    ["a bad stream", one({ server: "A", stream: "../server" }), /connections\[0\]\.stream must be a message stream ID/, true],
    ["a zero server ID", one({ server: 0, stream: "s" }), /connections\[0\]\.server must be a server's exact name or its numeric ID/, true],
    ["a blank server", one({ server: "  ", stream: "s" }), /connections\[0\]\.server is empty/, true],
    ["a bad region", one({ server: "A", stream: "s", region: "asia" }), /connections\[0\]\.region must be "us" or "eu"/, true],
    ["no region anywhere", one({ server: "A", stream: "s" }, {}), /connections\[0\]\.region is missing/, true],
    ["an unknown connection field", one({ server: "A", stream: "s", mode: "x" }), /connections\[0\]\.mode is not a known field/, true],
    [
      "smtp without its secret variable",
      one({ server: "A", stream: "s", smtp: { accessKeyEnv: "A" } }),
      /smtp\.secretKeyEnv is missing/,
      true,
    ],
    ["port 465", one({ server: "A", stream: "s", smtp: { ...SMTP, port: 465 } }), /Port 465/, true],
    ["a port out of range", one({ server: "A", stream: "s", smtp: { ...SMTP, port: 70000 } }), /smtp\.port must be a port number/, true],
    ["a port as text", one({ server: "A", stream: "s", smtp: { ...SMTP, port: "587" } }), /smtp\.port must be a whole number/, true],
    ["a bad host", one({ server: "A", stream: "s", smtp: { ...SMTP, host: "smtp example" } }), /smtp\.host is not a host name/, true],
    [
      "a duplicate",
      {
        region: "us",
        connections: [
          { server: "A", stream: "s" },
          { server: "a", stream: "S" },
        ],
      },
      /connections\[1\] repeats connections\[0\]/,
      false,
    ],
    [
      "a $schema that is no string",
      { $schema: 7, region: "us", connections: [{ server: "A", stream: "s" }] },
      /\$schema must be a string/,
      true,
    ],
    [
      "a connection that is no object",
      { region: "us", connections: [null] },
      /connections\[0\] must be an object: \{"server": \.\.\., "stream": \.\.\.\}/,
      true,
    ],
    ["smtp that is no object", one({ server: "A", stream: "s", smtp: "PROD" }), /connections\[0\]\.smtp must be an object/, true],
    ["a stream that is a number", one({ server: "A", stream: 5 }), /connections\[0\]\.stream must be a string/, true],
    [
      "a variable's name that is no string",
      one({ server: "A", stream: "s", smtp: { ...SMTP, accessKeyEnv: true } }),
      /smtp\.accessKeyEnv must be the name of an environment variable/,
      true,
    ],
    [
      "an unknown field with an odd name",
      one({ server: "A", stream: "s", "two words": 1 }),
      /connections\[0\]\.<a field> is not a known field \(known: server, stream, region, smtp\)/,
      true,
    ],
    [
      "a token's variable named where no token is read",
      { region: "us", accountTokenEnv: "PM_TOKEN", connections: [{ server: "A", stream: "s" }] },
      /accountTokenEnv is not a known field \(known: \$schema, region, connections\); the Postmark token comes from POSTMARK_ACCOUNT_TOKEN/,
      true,
    ],
    [
      "a server token's variable in a connection",
      one({ server: "A", stream: "s", serverTokenEnv: "PM_TOKEN" }),
      /connections\[0\]\.serverTokenEnv is not a known field/,
      true,
    ],
    [
      "a password's variable in smtp",
      one({ server: "A", stream: "s", smtp: { ...SMTP, passwordEnv: "PM_PASS" } }),
      /smtp\.passwordEnv is not a known field \(known: accessKeyEnv, secretKeyEnv, host, port\)/,
      true,
    ],
    ["a near miss", one({ server: "A", stream: "s", regoin: "eu" }), /regoin is not a known field \(did you mean "region"\?/, true],
    ["a field named with a key", one({ server: "A", stream: "s", [A_UUID]: 1 }), /connections\[0\]\.<a field> is not a known field/, true],
  ];
  it.each(rows)("%s", (_what, document, message, schemaRefuses) => {
    const found = problems(document);
    expect(found).toMatchObject({ code: "invalid_connections_file", exit: 2 });
    expect(found!.message).toMatch(message);
    expect(validate(document)).toBe(!schemaRefuses);
  });

  it("names every problem at once", () => {
    const found = problems({ connections: [{ server: "A" }, { stream: "s", region: "mars" }] });
    expect(found!.message.split("\n").slice(1)).toEqual([
      "  connections[0].stream is missing",
      '  connections[0].region is missing: give "region" here or at the top of the file ("us" or "eu")',
      "  connections[1].server is missing",
      '  connections[1].region must be "us" or "eu" (got "mars")',
    ]);
  });

  it("the whole file must be one JSON object", () => {
    expect(problems("[]")!.message).toBe(
      'cio-postmark.json is not a usable connections file:\n  The file must be a JSON object: {"connections": [...]}',
    );
  });

  it("says where JSON breaks without quoting the text", () => {
    // Node reports a position here: the line and column are counted from it.
    expect(problems('{\n  "connections": [\n    1,]\n}')!.message).toMatch(/at line 3, column 7\)/);
    const found = problems(`{\n  "connections": [\n    {"server": ${A_UUID}}\n  ]\n}`);
    expect(found).toMatchObject({ code: "invalid_connections_file", exit: 2 });
    expect(found!.message).toMatch(/^cio-postmark\.json is not valid JSON/);
    expect(found!.message).not.toContain(A_UUID.slice(0, 8));
    expect(problems('{"connections": [}')!.message).toMatch(/at line 1, column 18/);
    expect(problems('{"connections": ')!.message).toMatch(/ends too early/);
  });
});

describe("what JSON.parse lets pass", () => {
  it("a field written twice in one object is refused, naming it", () => {
    const text = '{"region": "us", "connections": [{"server": "A", "stream": "s", "server": "B"}]}';
    expect(problems(text)).toMatchObject({ code: "invalid_connections_file", exit: 2 });
    expect(problems(text)!.message).toBe("cio-postmark.json has the field server twice in one object: keep one.");
    // The same name in two objects, or a value equal to a key, is no repeat.
    expect(problems('{"region": "us", "connections": [{"server": "s", "stream": "s"}, {"server": "B", "stream": "s"}]}')).toBeUndefined();
  });

  it("a field shaped like a key written twice is not named", () => {
    const text = `{"region": "us", "connections": [{"server": "A", "stream": "s"}], "${A_UUID}": 1, "${A_UUID}": 2}`;
    expect(problems(text)!.message).toBe("cio-postmark.json has the field <a field> twice in one object: keep one.");
  });

  it("nesting deeper than any connections file is refused before anything walks it", () => {
    const deep = `{"region": "us", "connections": [{"server": "A", "stream": "s", "smtp": ${"[".repeat(100_000)}${"]".repeat(100_000)}}]}`;
    expect(problems(deep)).toMatchObject({ code: "invalid_connections_file", exit: 2 });
    expect(problems(deep)!.message).toBe("cio-postmark.json nests deeper than 16 levels: a connections file needs 4.");
    const sixteen = `{"region": "us", "connections": [{"server": "A", "stream": "s", "x": ${"[".repeat(13)}${"]".repeat(13)}}]}`;
    expect(problems(sixteen)!.message).toMatch(/x is not a known field/);
  });
});

describe("the file's encoding", () => {
  const text = '{"region": "us", "connections": [{"server": "Café", "stream": "outbound"}]}';
  const refusal = (bytes: Uint8Array) => {
    try {
      return decodeConnectionsFile(bytes, "f.json");
    } catch (error) {
      return error as CliError;
    }
  };

  it("UTF-8, with or without a byte-order mark, reads as written", () => {
    expect(refusal(Buffer.from(text, "utf8"))).toBe(text);
    expect(refusal(Buffer.from(`\uFEFF${text}`, "utf8"))).toBe(text);
  });

  it("UTF-16 (PowerShell 5's >) is named, with how to save it as UTF-8", () => {
    for (const bytes of [Buffer.from(`\uFEFF${text}`, "utf16le"), Buffer.from(text, "utf16le")]) {
      expect(refusal(bytes)).toMatchObject({
        code: "invalid_connections_file",
        exitCode: 2,
        message: "f.json is UTF-16 (as PowerShell 5's > writes it): this tool reads connections files as UTF-8.",
        hint: expect.stringContaining("Set-Content -Encoding utf8"),
      });
    }
  });

  it("Latin-1, or any bytes that are not UTF-8, is refused: never read as U+FFFD", () => {
    expect(refusal(Buffer.from(text, "latin1"))).toMatchObject({
      code: "invalid_connections_file",
      message: "f.json is not UTF-8 (Latin-1 or another legacy encoding): this tool reads connections files as UTF-8.",
    });
  });
});

describe("no secret is ever written in the file", () => {
  const SECRET = "sk-ULTRA-secret-9f8e7d6c5b4a39281706";
  const rows: Array<[string, unknown, RegExp]> = [
    [
      "a Secret Key field",
      { server: "A", stream: "s", smtp: { ...SMTP, secretKey: SECRET } },
      /connections\[0\]\.smtp\.secretKey is a secret/,
    ],
    ["a token field", { server: "A", stream: "s", serverToken: SECRET }, /connections\[0\]\.serverToken is a secret/],
    [
      "the key instead of a variable's name",
      { server: "A", stream: "s", smtp: { ...SMTP, secretKeyEnv: SECRET } },
      /secretKeyEnv must be the name of an environment variable/,
    ],
    ["a token as the server", { server: A_UUID, stream: "s" }, /connections\[0\]\.server holds what looks like a key or token/],
    [
      "a long hex key anywhere",
      { server: "A", stream: "s", smtp: { ...SMTP, host: "a".repeat(40) } },
      /smtp\.host holds what looks like a key or token/,
    ],
    [
      "a value this run holds as a secret",
      { server: "A", stream: "s", smtp: { ...SMTP, host: SECRET } },
      /smtp\.host holds what looks like a key or token/,
    ],
    [
      "a token with spaces around it",
      { server: ` ${A_UUID} `, stream: "s" },
      /connections\[0\]\.server holds what looks like a key or token/,
    ],
  ];
  it.each(rows)("%s is refused, the value never echoed", (_what, connection, message) => {
    const found = problems({ region: "us", connections: [connection] }, [SECRET]);
    expect(found).toMatchObject({ code: "invalid_connections_file", exit: 2 });
    expect(found!.message).toMatch(message);
    expect(found!.message).not.toContain(SECRET);
    expect(found!.message).not.toContain(A_UUID);
    expect(found!.message).not.toContain("a".repeat(40));
  });
});

describe("names are names", () => {
  it("a server name that merely contains a UUID, or a byte-order mark inside a name, is kept as written", () => {
    const name = `Client ${A_UUID} \uFEFF(old)`;
    const [connection] = parseConnectionsFile(JSON.stringify({ region: "us", connections: [{ server: name, stream: "s" }] }), "f.json");
    expect(connection).toMatchObject({ server: name, stream: "s" });
  });
});

describe("the SMTP key pair from the variables the file names", () => {
  const connection = { place: "connections[3]", server: "A", stream: "s", region: "us" as const, smtp: SMTP };
  it("reads both, trimmed", () => {
    expect(smtpFromEnv(connection, { PROD_SMTP_ACCESS: " ak-1 ", PROD_SMTP_SECRET: "sk-1\n" })).toEqual({
      keys: { accessKey: "ak-1", secretKey: "sk-1" },
      problems: [],
    });
  });
  it("one variable missing: no key pair, and that variable named", () => {
    expect(smtpFromEnv(connection, { PROD_SMTP_ACCESS: "ak-1" })).toEqual({
      problems: ["connections[3].smtp.secretKeyEnv names PROD_SMTP_SECRET, which is not set"],
    });
  });

  it("names each variable that is unset, empty or not a key, never its value", () => {
    expect(smtpFromEnv(connection, { PROD_SMTP_ACCESS: "", PROD_SMTP_SECRET: "two words" })).toEqual({
      problems: [
        "connections[3].smtp.accessKeyEnv names PROD_SMTP_ACCESS, which is not set",
        "connections[3].smtp.secretKeyEnv names PROD_SMTP_SECRET, which has spaces inside it",
      ],
    });
  });
});
