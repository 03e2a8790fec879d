import { describe, expect, it } from "vitest";
import { maskCredentialsInText } from "../../src/ui/credentials.js";
import { SecretRegistry } from "../../src/ui/redact.js";

/** Other services' credentials in what Postmark answers are masked wherever they would be shown. */

describe("credentials in URLs", () => {
  it.each([
    ["https://user:hunter2-long-pass@hooks.example/in", "https://user:••••pass@hooks.example/in"],
    ["https://user:short@hooks.example/in", "https://user:••••@hooks.example/in"],
    ["https://user@hooks.example/in", "https://user@hooks.example/in"],
    ["https://hooks.example/in?api_key=KEY-1234567890&page=2", "https://hooks.example/in?api_key=••••7890&page=2"],
    ["https://hooks.example/in?page=2&token=abc", "https://hooks.example/in?page=2&token=••••"],
    ["https://hooks.example/in?sig=0123456789abcdef#top", "https://hooks.example/in?sig=••••cdef#top"],
    ["https://hooks.example/in?Secret=s3cr3t-value-xyz;auth=a", "https://hooks.example/in?Secret=••••-xyz;auth=••••"],
    ["https://hooks.example/in?password=p&name=n", "https://hooks.example/in?password=••••&name=n"],
    [
      "Leave webhook 12 to https://u:PASSWORD-0001@h.example/?api_key=K-99999999 alone",
      "Leave webhook 12 to https://u:••••0001@h.example/?api_key=•••• alone",
    ],
    ["https://track.customer.io/postmark/events", "https://track.customer.io/postmark/events"],
    ["POSTMARK_SERVER_TOKEN=… cio-postmark setup", "POSTMARK_SERVER_TOKEN=… cio-postmark setup"],
  ])("%s", (text, expected) => {
    expect(maskCredentialsInText(text)).toBe(expected);
  });
});

describe("the secret registry", () => {
  it("masks credential headers by name, in any case, leaving others", () => {
    const registry = new SecretRegistry();
    const headers = [
      { Name: "Authorization", Value: "Bearer abcdefghijklmnop" },
      { Name: "x-api-key", Value: "k-1234567890" },
      { Name: "X-Signature", Value: "sig" },
      { Name: "X-Team", Value: "growth" },
    ];
    expect(registry.redactValue({ HttpHeaders: headers })).toEqual({
      HttpHeaders: [
        { Name: "Authorization", Value: "••••mnop" },
        { Name: "x-api-key", Value: "••••7890" },
        { Name: "X-Signature", Value: "••••" },
        { Name: "X-Team", Value: "growth" },
      ],
    });
  });

  it("masks a registered secret's base64 form too", () => {
    const registry = new SecretRegistry();
    registry.add("sk-ULTRA-secret-9f8e7d6c5b4a39281706");
    const encoded = Buffer.from("sk-ULTRA-secret-9f8e7d6c5b4a39281706").toString("base64");
    expect(registry.redact(`a body with ${encoded} in it`)).toBe(`a body with ••••${encoded.slice(-4)} in it`);
    expect(registry.redact("sk-ULTRA-secret-9f8e7d6c5b4a39281706")).toBe("••••1706");
  });
});
