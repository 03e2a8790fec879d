import { describe, expect, it } from "vitest";
import {
  parseRegion,
  parseServerRef,
  parseSmtpHost,
  parseSmtpPort,
  parseStreamId,
  readSecretEnv,
  defaultSmtpHost,
} from "../../src/core/inputs.js";
import { closeMatches } from "../../src/core/matching.js";
import { parsePostmarkApiUrl } from "../../src/postmark/base-url.js";
import { mask, SecretRegistry } from "../../src/ui/redact.js";
import { canPrompt, colorEnabled, type Io } from "../../src/ui/io.js";

describe("input validation", () => {
  it("reads regions case-insensitively and refuses others", () => {
    expect(parseRegion(" EU ")).toBe("eu");
    expect(() => parseRegion("asia")).toThrow(/"us" or "eu"/);
  });

  it("takes any port from 1 to 65535 (a relay or tunnel), and explains 465", () => {
    expect(parseSmtpPort("2525")).toBe(2525);
    expect(parseSmtpPort(" 8025 ")).toBe(8025);
    expect(parseSmtpPort("1")).toBe(1);
    expect(parseSmtpPort("65535")).toBe(65535);
    expect(() => parseSmtpPort("465")).toThrow(/implicit TLS[\s\S]*STARTTLS only/);
    for (const bad of ["0", "65536", "abc", "-1", "587.5", "1e3", ""])
      expect(() => parseSmtpPort(bad)).toThrow(/port number from 1 to 65535/);
  });

  it("checks host names and stream ids", () => {
    expect(parseSmtpHost("smtp.postmarkapp.com")).toBe("smtp.postmarkapp.com");
    expect(() => parseSmtpHost("smtp postmark")).toThrow(/host name/);
    expect(() => parseSmtpHost("-bad.example")).toThrow(/host name/);
    expect(parseStreamId(" outbound ")).toBe("outbound");
    expect(() => parseStreamId("a b")).toThrow(/stream ID/);
  });

  it("trims secrets from the environment and refuses empty or broken ones", () => {
    expect(readSecretEnv({ T: "  abc-123\n" }, "T")).toBe("abc-123");
    expect(readSecretEnv({}, "T")).toBeUndefined();
    expect(() => readSecretEnv({ T: "  \n" }, "T")).toThrow(/set but empty/);
    expect(() => readSecretEnv({ T: "abc def" }, "T")).toThrow(/T has spaces inside it/);
    expect(() => readSecretEnv({ T: "abc\ndef" }, "T")).toThrow(/T has a line break inside it/);
    expect(() => readSecretEnv({ T: "tökén-1234567" }, "T")).toThrow(/T is malformed/);
    expect(() => readSecretEnv({ T: "x".repeat(4097) }, "T")).toThrow(/longer than 4096/);
  });

  it("picks the SMTP host by stream type", () => {
    expect(defaultSmtpHost("Transactional")).toBe("smtp.postmarkapp.com");
    expect(defaultSmtpHost("Broadcasts")).toBe("smtp-broadcasts.postmarkapp.com");
  });

  it("suggests close names", () => {
    expect(closeMatches("Prodction", ["Production", "Staging", "Newsletters"])).toEqual(["Production"]);
    expect(closeMatches("stag", ["Production", "Staging"])).toEqual(["Staging"]);
    expect(closeMatches("zzzzzzzz", ["Production"])).toEqual([]);
  });
});

describe("POSTMARK_API_URL", () => {
  it.each([
    [undefined, { useHttps: true, requestHost: "api.postmarkapp.com" }],
    ["http://127.0.0.1:4000", { useHttps: false, requestHost: "127.0.0.1:4000" }],
    ["http://localhost:4000/", { useHttps: false, requestHost: "localhost:4000" }],
    ["http://[::1]:4000", { useHttps: false, requestHost: "[::1]:4000" }],
    ["https://proxy.example.com", { useHttps: true, requestHost: "proxy.example.com" }],
  ])("accepts %s", (value, expected) => {
    expect(parsePostmarkApiUrl(value)).toMatchObject(expected);
  });

  it.each([
    ["http://api.example.com", /unencrypted/],
    ["http://10.0.0.1", /unencrypted/],
    ["ftp://x", /https/],
    ["nope", /not a URL/],
    ["https://x.com/v1", /bare origin/],
  ])("refuses %s with exit 2", (value, message) => {
    expect(() => parsePostmarkApiUrl(value)).toThrow(message);
    try {
      parsePostmarkApiUrl(value);
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });
});

describe("secrets", () => {
  it("masks as •••• plus at most the last 4 characters", () => {
    expect(mask("abcdefghijklmnop")).toBe("••••mnop");
    expect(mask("short")).toBe("••••");
  });

  it("redacts every registered secret, longest first", () => {
    const registry = new SecretRegistry();
    registry.add("token-AAAA-BBBB-CCCC");
    registry.add("token-AAAA");
    expect(registry.redact("x token-AAAA-BBBB-CCCC y token-AAAA z")).toBe("x ••••CCCC y •••• z");
  });
});

describe("interactivity", () => {
  const io = (stdinTTY: boolean, stdoutTTY: boolean, env: NodeJS.ProcessEnv = {}) =>
    ({ stdin: { isTTY: stdinTTY }, stdout: { isTTY: stdoutTTY }, stderr: { isTTY: stdoutTTY }, env }) as unknown as Io;

  it.each([
    [io(true, true), false, false, true],
    [io(false, true), false, false, false],
    [io(true, false), false, false, false],
    [io(true, true), true, false, false],
    [io(true, true), false, true, false],
    [io(true, true, { CI: "true" }), false, false, false],
    [io(true, true, { CI: "1" }), false, false, false],
    [io(true, true, { CI: "false" }), false, false, true],
    [io(true, true, { CI: "0" }), false, false, true],
  ])("prompts only with two terminals and no --no-input, --json or CI (%#)", (streams, noInput, json, expected) => {
    expect(canPrompt({ io: streams, noInput, json })).toBe(expected);
  });

  it("honours NO_COLOR and --no-color", () => {
    expect(colorEnabled(io(true, true), false)).toBe(true);
    expect(colorEnabled(io(true, true, { NO_COLOR: "1" }), false)).toBe(false);
    expect(colorEnabled(io(true, true), true)).toBe(false);
    expect(colorEnabled(io(false, false), false)).toBe(false);
  });
});

describe("input errors, by their exact words", () => {
  it.each([
    [
      "a region",
      () => parseRegion("asia"),
      "invalid_region",
      '--region must be "us" or "eu" (got "asia").',
      "Your Customer.io region is in Settings > Workspace Settings; EU accounts use fly-eu.customer.io.",
    ],
    [
      "port 465",
      () => parseSmtpPort(" 465 "),
      "smtp_port_465",
      "Port 465 (implicit TLS) is not offered by Postmark, and this tool speaks STARTTLS only: a connection there hangs until it times " +
        "out.",
      "Use 587 (the default) or 2525, both with STARTTLS; 2525 helps where 587 is blocked.",
    ],
    [
      "a port",
      () => parseSmtpPort("0"),
      "invalid_smtp_port",
      '--smtp-port must be a port number from 1 to 65535 (got "0").',
      "Postmark takes STARTTLS on 587 (the default), 2525 and 25.",
    ],
    [
      "a host",
      () => parseSmtpHost("smtp_x"),
      "invalid_smtp_host",
      '--smtp-host is not a host name: "smtp_x".',
      "For example smtp.postmarkapp.com.",
    ],
    [
      "a stream",
      () => parseStreamId("a/b"),
      "invalid_stream",
      '--stream must be a message stream ID such as "outbound" or "broadcast" (got "a/b").',
      undefined,
    ],
    [
      "a blank stream",
      () => parseStreamId("  "),
      "invalid_stream",
      '--stream must be a message stream ID such as "outbound" or "broadcast" (got "  ").',
      undefined,
    ],
    [
      "a blank server",
      () => parseServerRef(" "),
      "invalid_server",
      "--server is empty: give the server's exact name or numeric ID.",
      undefined,
    ],
    [
      "an empty secret",
      () => readSecretEnv({ X_TOKEN: " " }, "X_TOKEN"),
      "empty_secret",
      "X_TOKEN is set but empty.",
      "Set X_TOKEN to the value from Postmark, or unset it.",
    ],
    [
      "a secret with a space",
      () => readSecretEnv({ X_TOKEN: "ab cd" }, "X_TOKEN"),
      "invalid_secret",
      "X_TOKEN has spaces inside it.",
      "Copy the value again from Postmark.",
    ],
    [
      "a secret over the limit",
      () => readSecretEnv({ X_TOKEN: "a".repeat(4097) }, "X_TOKEN"),
      "invalid_secret",
      "X_TOKEN is longer than 4096 characters.",
      "Copy the value again from Postmark.",
    ],
  ])("%s", (_name, parse, code, message, hint) => {
    expect(parse).toThrow(expect.objectContaining({ code, exitCode: 2, message, hint }));
  });

  it("takes a host and a stream with spaces around them, and a secret of exactly the limit", () => {
    expect(parseSmtpHost(" relay.internal ")).toBe("relay.internal");
    expect(parseStreamId(" outbound ")).toBe("outbound");
    expect(parseServerRef(" Prod ")).toBe("Prod");
    expect(readSecretEnv({ X_TOKEN: "a".repeat(4096) }, "X_TOKEN")).toHaveLength(4096);
  });
});
