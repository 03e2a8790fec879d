import { describe, expect, it } from "vitest";
import { mask, SecretRegistry } from "../../src/ui/redact.js";

describe("redaction", () => {
  it("masks every registered secret, the longest first where one contains another", () => {
    const secrets = new SecretRegistry();
    secrets.add("abcd-1234-efgh-5678");
    secrets.add("abcd-1234");
    secrets.add("zz"); // too short to mask without masking ordinary words
    expect(secrets.redact("a abcd-1234-efgh-5678 b abcd-1234 c zz")).toBe("a ••••5678 b •••• c zz");
    expect(secrets.redact("abcd-123")).toBe("abcd-123");
    expect(secrets.redact("")).toBe("");
  });

  it("masks a secret's base64 form too (an answer or a protocol may carry it encoded)", () => {
    const secrets = new SecretRegistry();
    secrets.add("sk-ULTRA-secret-9f8e");
    // "sk-ULTRA-secret-9f8e" in base64, as a literal
    expect(secrets.redact("auth c2stVUxUUkEtc2VjcmV0LTlmOGU= end")).toBe("auth ••••OGU= end");
  });

  it("keeps nothing shorter than four characters, not even in base64 (it would mask ordinary words)", () => {
    const secrets = new SecretRegistry();
    secrets.add("abc");
    expect(secrets.redact("abc YWJj")).toBe("abc YWJj");
  });

  it("masks values before they are serialised, so quotes and backslashes cannot hide a secret", () => {
    const secrets = new SecretRegistry();
    secrets.add('sk"quoted\\slash-0001');
    const document = { error: { message: 'bad key sk"quoted\\slash-0001 here', list: ['sk"quoted\\slash-0001'], n: 3, no: null } };
    expect(secrets.redactValue(document)).toEqual({ error: { message: "bad key ••••0001 here", list: ["••••0001"], n: 3, no: null } });
    expect(JSON.stringify(secrets.redactValue(document))).not.toContain("quoted");
  });

  it("shows at most the last four characters, and nothing of a short secret", () => {
    expect(mask("0123456789abcdef")).toBe("••••cdef");
    expect(mask("short-sec")).toBe("••••");
    expect(mask(undefined)).toBe("");
  });

  it("handles ten thousand secrets that share a long prefix, finding each one", () => {
    const secrets = new SecretRegistry();
    for (let i = 0; i < 10_000; i++) secrets.add(`secret-key-${i}-${"x".repeat(20)}`);
    const text = Array.from({ length: 10_000 }, (_, i) => `"secretKey": "secret-key-${i}-${"x".repeat(20)}"`).join(",");
    const redacted = secrets.redact(text);
    expect(redacted).not.toMatch(/secret-key-\d/);
    expect(redacted.match(/••••xxxx/g)).toHaveLength(10_000);
  });

  it("finds a secret of the shortest length kept, at the very end, and the longest when a shorter one was added first", () => {
    const secrets = new SecretRegistry();
    secrets.add("wxyz");
    secrets.add("abcd-1234");
    secrets.add("abcd-1234-efgh-5678");
    expect(secrets.redact("key=wxyz")).toBe("key=••••");
    expect(secrets.redact("abcd-1234-efgh-5678")).toBe("••••5678");
    expect(secrets.redact("plain text")).toBe("plain text");
    expect(new SecretRegistry().redact("nothing registered")).toBe("nothing registered");
  });

  it("shows the last four characters from twelve characters up", () => {
    expect(mask("0123456789ab")).toBe("••••89ab");
    expect(mask("0123456789a")).toBe("••••");
  });
});
