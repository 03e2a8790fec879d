import { describe, expect, it } from "vitest";
import { parseRegion, parseSmtpHost, parseSmtpPort, parseStreamId, readSecretEnv, defaultSmtpHost } from "../../src/core/inputs.js";
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
    for (const bad of ["0", "65536", "abc", "-1", "587.5", "1e3", ""]) expect(() => parseSmtpPort(bad)).toThrow(/port number from 1 to 65535/);
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

  it.each([["http://api.example.com", /unencrypted/], ["http://10.0.0.1", /unencrypted/], ["ftp://x", /https/], ["nope", /not a URL/], ["https://x.com/v1", /bare origin/]])(
    "refuses %s with exit 2",
    (value, message) => {
      expect(() => parsePostmarkApiUrl(value)).toThrow(message);
      try {
        parsePostmarkApiUrl(value);
      } catch (error) {
        expect((error as { exitCode: number }).exitCode).toBe(2);
      }
    },
  );
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
