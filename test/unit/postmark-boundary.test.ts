import { describe, expect, it } from "vitest";
import { CliError } from "../../src/errors.js";
import { parsePostmarkApiUrl } from "../../src/postmark/base-url.js";
import { isTransient, mapPostmarkError, TokenRejectedError } from "../../src/postmark/errors.js";
import { withRetry } from "../../src/postmark/retry.js";
import * as shapes from "../../src/postmark/shapes.js";
import { shown, terminalSafe } from "../../src/ui/terminal-safe.js";

/** The Postmark boundary in pure tables: answers checked, errors mapped, retries bounded, the API URL judged. */

const clientError = (statusCode: number, message = "m", code?: number) => Object.assign(new Error(message), { statusCode, code });
const context = { action: "list your servers", token: "account" as const, source: "POSTMARK_ACCOUNT_TOKEN", baseUrl: "https://api.postmarkapp.com" };

describe("answer shapes", () => {
  const server = { ID: 1, Name: "A", ApiTokens: ["t"], SmtpApiActivated: true, ServerLink: "https://x" };

  it("takes a server, filling what it does not use but needs a default for", () => {
    expect(shapes.server(server)).toMatchObject(server);
    expect(shapes.server({ ID: 2, Name: "B", SmtpApiActivated: false })).toMatchObject({ ApiTokens: [], ServerLink: "" });
  });

  it.each([
    ["not an object", "x", "a server is not an object"],
    ["no ID", { ...server, ID: "1" }, "a server has no numeric ID"],
    ["no name", { ...server, Name: 5 }, "server 1 has no name"],
    ["tokens not a list", { ...server, ApiTokens: "t" }, "server 1's ApiTokens is not a list of tokens"],
    ["a token that is not text", { ...server, ApiTokens: [5] }, "server 1's ApiTokens is not a list of tokens"],
    ["no SMTP flag", { ...server, SmtpApiActivated: "yes" }, "server 1 does not say whether SMTP is on"],
  ])("refuses a server with %s", (_name, value, problem) => {
    expect(() => shapes.server(value)).toThrow(problem);
  });

  it("takes a stream, its name defaulting to its ID, and refuses an unknown type or ArchivedAt", () => {
    expect(shapes.stream({ ID: "outbound", MessageStreamType: "Transactional" })).toMatchObject({ Name: "outbound", ArchivedAt: null });
    expect(() => shapes.stream({ ID: "", MessageStreamType: "Transactional" })).toThrow("a message stream has no ID");
    expect(() => shapes.stream({ ID: "x", MessageStreamType: "Marketing" })).toThrow('stream "x" has an unknown type');
    expect(() => shapes.stream({ ID: "x", MessageStreamType: "Broadcasts", ArchivedAt: 5 })).toThrow('stream "x" has an unreadable ArchivedAt');
    expect(() => shapes.streams({ MessageStreams: null })).toThrow('"MessageStreams" is not a list');
  });

  it("takes a webhook, every trigger present with a yes or no, and refuses the wrong shapes", () => {
    const hook = shapes.webhook({ ID: 7, Url: "https://u", MessageStream: "outbound", Triggers: { Delivery: { Enabled: true } } });
    expect(hook.Triggers).toEqual({
      Open: { Enabled: false },
      Click: { Enabled: false },
      Delivery: { Enabled: true },
      Bounce: { Enabled: false },
      SpamComplaint: { Enabled: false },
      SubscriptionChange: { Enabled: false },
    });
    expect(hook).toMatchObject({ HttpHeaders: [], HttpAuth: null });
    expect(() => shapes.webhook({ ID: 7, Url: 1, MessageStream: "o" })).toThrow("webhook 7 has no URL");
    expect(() => shapes.webhook({ ID: 7, Url: "u", MessageStream: 1 })).toThrow("webhook 7 names no stream");
    expect(() => shapes.webhook({ ID: 7, Url: "u", MessageStream: "o", Triggers: [] })).toThrow("webhook 7's triggers are not an object");
    expect(() => shapes.webhook({ ID: 7, Url: "u", MessageStream: "o", Triggers: { Open: true } })).toThrow("webhook 7's Open trigger is not an object");
    expect(() => shapes.webhook({ ID: 7, Url: "u", MessageStream: "o", HttpHeaders: {} })).toThrow("webhook 7's headers are not a list");
    expect(() => shapes.webhook({ ID: 7, Url: "u", MessageStream: "o", HttpAuth: "a" })).toThrow("webhook 7's HttpAuth is not an object");
    expect(() => shapes.webhooks({ Webhooks: null })).toThrow('"Webhooks" is not a list');
  });

  it("a page needs its list and a whole TotalCount", () => {
    expect(shapes.pageOf({ TotalCount: 1, Servers: [server] }, "Servers", shapes.server)).toMatchObject({ total: 1, items: [server] });
    expect(() => shapes.pageOf("<html>", "Servers", shapes.server)).toThrow("the answer is not a JSON object");
    expect(() => shapes.pageOf({ TotalCount: -1, Servers: [] }, "Servers", shapes.server)).toThrow('"TotalCount" is not a whole number');
    expect(() => shapes.pageOf({ TotalCount: 1.5, Servers: [] }, "Servers", shapes.server)).toThrow('"TotalCount" is not a whole number');
    expect(() => shapes.pageOf({ Servers: [] }, "Servers", shapes.server)).toThrow('"TotalCount" is not a whole number');
  });

  it("domains, sender signatures and messages", () => {
    expect(() => shapes.domain({ Name: "d", DKIMVerified: true })).toThrow('domain "d" does not say whether DKIM and Return-Path are verified');
    expect(shapes.senderSignature({ EmailAddress: "a@b.c" })).toMatchObject({ Confirmed: false, Domain: "" });
    expect(shapes.senderSignature({ EmailAddress: "a@b.c", Confirmed: true, Domain: "b.c" })).toMatchObject({ Confirmed: true, Domain: "b.c" });
    expect(() => shapes.outboundMessage({ MessageID: "", MessageStream: "o" })).toThrow("a message has no MessageID");
    expect(() => shapes.outboundMessage({ MessageID: "m", MessageStream: "o", MessageEvents: [{}] })).toThrow("message m's events are unreadable");
    expect(shapes.badResponse("read the server", "it is HTML")).toMatchObject({ code: "postmark_bad_response", message: "Postmark's answer when trying to read the server was not what its API documents: it is HTML." });
  });
});

describe("errors from the postmark client", () => {
  it.each([
    [0, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [401, false],
    [404, false],
    [422, false],
  ])("status %i is transient: %s", (status, transient) => {
    expect(isTransient(clientError(status))).toBe(transient);
  });

  it("a plain error is not transient", () => expect(isTransient(new Error("x"))).toBe(false));

  it("401 names the token's real source", () => {
    const error = mapPostmarkError(clientError(401), { ...context, source: "the token you pasted" });
    expect(error).toBeInstanceOf(TokenRejectedError);
    expect(error).toMatchObject({ code: "postmark_unauthorized", tokenKind: "account", message: "Postmark rejected the account token while trying to list your servers." });
    expect(error.hint).toMatch(/^Check the token you pasted: copy the account token from Postmark > Account > API Tokens/);
  });

  it.each([
    [422, "postmark_rejected", "Postmark refused to list your servers: Bad\\x1b[2J"],
    [429, "postmark_rate_limited", "Postmark is rate-limiting requests (while trying to list your servers)."],
    [500, "postmark_unavailable", "Postmark answered 500 while trying to list your servers."],
    [504, "postmark_unavailable", "Postmark answered 504 while trying to list your servers."],
    [404, "postmark_error", "Postmark answered 404 while trying to list your servers: Bad\\x1b[2J"],
  ])("status %i becomes %s, outside text escaped", (status, code, message) => {
    expect(mapPostmarkError(clientError(status, "Bad\u001b[2J", 1), context)).toMatchObject({ code, message });
  });

  it("a 422 with a code says the code", () => {
    expect(mapPostmarkError(clientError(422, "x", 1226), context).hint).toBe("Postmark error code 1226.");
  });

  it("network failures: a timeout, or an unreachable host", () => {
    expect(mapPostmarkError(clientError(0, "The operation was aborted due to timeout"), context)).toMatchObject({ code: "postmark_timeout" });
    expect(mapPostmarkError(clientError(0, "fetch failed"), context)).toMatchObject({
      code: "postmark_unreachable",
      message: "Could not reach Postmark at https://api.postmarkapp.com (while trying to list your servers): fetch failed.",
    });
  });

  it("a CliError passes through; anything else is a postmark_error", () => {
    const mine = new CliError("x", "y");
    expect(mapPostmarkError(mine, context)).toBe(mine);
    expect(mapPostmarkError("boom", context)).toMatchObject({ code: "postmark_error", message: "Could not list your servers: boom" });
  });
});

describe("retries", () => {
  const policy = { tries: 3, baseDelayMs: 1, maxTotalMs: 1_000 };

  it("repeats a transient failure up to the number of tries, then gives up with the last error", async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls += 1; throw clientError(503); }, policy)).rejects.toMatchObject({ statusCode: 503 });
    expect(calls).toBe(3);
  });

  it("recovers when a later try succeeds", async () => {
    let calls = 0;
    expect(await withRetry(async () => (++calls < 3 ? Promise.reject(clientError(502)) : "ok"), policy)).toBe("ok");
  });

  it("never repeats a 401 or 422", async () => {
    for (const status of [401, 422]) {
      let calls = 0;
      await expect(withRetry(async () => { calls += 1; throw clientError(status); }, policy)).rejects.toBeTruthy();
      expect(calls).toBe(1);
    }
  });

  it("starts no try past its time budget", async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls += 1; throw clientError(500); }, { tries: 10, baseDelayMs: 400, maxTotalMs: 100 })).rejects.toBeTruthy();
    expect(calls).toBeLessThan(10);
  });
});

describe("POSTMARK_API_URL", () => {
  it("defaults to Postmark and takes https or loopback http", () => {
    expect(parsePostmarkApiUrl(undefined)).toEqual({ url: "https://api.postmarkapp.com", useHttps: true, requestHost: "api.postmarkapp.com" });
    expect(parsePostmarkApiUrl(" http://127.0.0.1:8080 ")).toEqual({ url: "http://127.0.0.1:8080", useHttps: false, requestHost: "127.0.0.1:8080" });
    expect(parsePostmarkApiUrl("http://localhost:1").useHttps).toBe(false);
    expect(parsePostmarkApiUrl("http://[::1]:9").requestHost).toBe("[::1]:9");
  });

  it.each([
    ["http://api.example.com", "insecure_api_url"],
    ["http://127.example.com", "insecure_api_url"],
    ["ftp://x", "invalid_api_url"],
    ["not a url", "invalid_api_url"],
    ["https://api.example.com/v1", "invalid_api_url"],
    ["https://u:p@api.example.com", "invalid_api_url"],
    ["https://api.example.com?x=1", "invalid_api_url"],
  ])("refuses %s", (value, code) => {
    expect(() => parsePostmarkApiUrl(value)).toThrow(expect.objectContaining({ code }));
  });
});

describe("text from outside, made safe", () => {
  it("shows every control character, and bidi marks, escaped", () => {
    expect(shown("a\u001b]0;t\u0007b\nc\rd\te\u007f\u0085\u202e\u2066\u200f")).toBe("a\\x1b]0;t\\x07b\\x0ac\\x0dd\\x09e\\x7f\\x85\\u202e\\u2066\\u200f");
    expect(shown("plain ✔ text")).toBe("plain ✔ text");
    expect(shown(42)).toBe("42");
  });

  it("the last pass keeps the tool's own line breaks and colours, and escapes the rest", () => {
    expect(terminalSafe("\u001b[31mred\u001b[39m\nnext\u001b[2J\u001b]0;x\u0007")).toBe("\u001b[31mred\u001b[39m\nnext\\x1b[2J\\x1b]0;x\\x07");
  });
});
