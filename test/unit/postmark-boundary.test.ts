import { describe, expect, it, vi } from "vitest";
import { CliError } from "../../src/errors.js";
import { parsePostmarkApiUrl } from "../../src/postmark/base-url.js";
import { serverLabel, serverSettingsLink, streamSettingsLink } from "../../src/postmark/links.js";
import { isTransient, mapPostmarkError, TokenRejectedError, withAnswer } from "../../src/postmark/errors.js";
import { withRetry } from "../../src/http/retry.js";
import * as shapes from "../../src/postmark/shapes.js";
import { shown, terminalSafe } from "../../src/ui/terminal-safe.js";

/** The Postmark boundary in pure tables: answers checked, errors mapped, retries bounded, the API URL judged. */

const clientError = (statusCode: number, message = "m", code?: number) => Object.assign(new Error(message), { statusCode, code });
const context = {
  action: "list your servers",
  token: "account" as const,
  source: "POSTMARK_ACCOUNT_TOKEN",
  baseUrl: "https://api.postmarkapp.com",
};

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
    expect(() => shapes.stream({ ID: "", MessageStreamType: "Transactional" })).toThrow(
      `a message stream's ID "" is not one Postmark gives`,
    );
    expect(() => shapes.stream({ ID: "x", MessageStreamType: "Marketing" })).toThrow('stream "x" has an unknown type');
    expect(() => shapes.stream({ ID: "x", MessageStreamType: "Broadcasts", ArchivedAt: 5 })).toThrow(
      'stream "x" has an unreadable ArchivedAt',
    );
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
    expect(() => shapes.webhook({ ID: 7, Url: "u", MessageStream: "o", Triggers: { Open: true } })).toThrow(
      "webhook 7's Open trigger is not an object",
    );
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
    expect(() => shapes.domain({ Name: "d", DKIMVerified: true })).toThrow(
      'domain "d" does not say whether DKIM and Return-Path are verified',
    );
    expect(shapes.senderSignature({ EmailAddress: "a@b.c" })).toMatchObject({ Confirmed: false, Domain: "" });
    expect(shapes.senderSignature({ EmailAddress: "a@b.c", Confirmed: true, Domain: "b.c" })).toMatchObject({
      Confirmed: true,
      Domain: "b.c",
    });
    expect(() => shapes.outboundMessage({ MessageID: "", MessageStream: "o" })).toThrow(`a message's MessageID "" is not a UUID`);
    expect(() =>
      shapes.outboundMessage({ MessageID: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817", MessageStream: "o", MessageEvents: [{}] }),
    ).toThrow("message b7bc2f4a-e38e-4336-af7d-e6c392c2f817's events are unreadable");
    expect(shapes.badResponse("read the server", "it is HTML")).toMatchObject({
      code: "postmark_bad_response",
      message: "Postmark's answer when trying to read the server was not what its API documents: it is HTML.",
    });
  });
});

describe("answer shapes, every refusal by its exact words", () => {
  const hook = { ID: 7, Url: "u", MessageStream: "o" };
  const message = { MessageID: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817", MessageStream: "o" };
  const at = "2017-02-25T13:59:44.0000000-05:00";
  const metrics = { TotalRequests: 4, SuccessCount: 3, FailureCount: 1, RetryCount: 2 };
  it.each([
    ["a server that is a list", shapes.server, [], "a server is not an object"],
    ["a server with a negative ID", shapes.server, { ID: -1, Name: "A", SmtpApiActivated: true }, "a server has no numeric ID"],
    [
      "tokens mixing text and numbers",
      shapes.server,
      { ID: 1, Name: "A", SmtpApiActivated: true, ApiTokens: [5, "t"] },
      "server 1's ApiTokens is not a list of tokens",
    ],
    ["a stream that is null", shapes.stream, null, "a message stream is not an object"],
    [
      "a stream with a numeric ID",
      shapes.stream,
      { ID: 5, MessageStreamType: "Transactional" },
      "a message stream's ID 5 is not one Postmark gives",
    ],
    [
      "a stream ID with a backslash",
      shapes.stream,
      { ID: "..\\server", MessageStreamType: "Transactional" },
      'a message stream\'s ID "..\\\\server" is not one Postmark gives',
    ],
    [
      "a stream ID of dots",
      shapes.stream,
      { ID: "..", MessageStreamType: "Transactional" },
      'a message stream\'s ID ".." is not one Postmark gives',
    ],
    [
      "a stream ID with an escape",
      shapes.stream,
      { ID: "a%2f", MessageStreamType: "Transactional" },
      'a message stream\'s ID "a%2f" is not one Postmark gives',
    ],
    [
      "a server token with CR LF",
      shapes.server,
      { ID: 1, Name: "A", SmtpApiActivated: true, ApiTokens: ["abc\r\nX-Evil: 1"] },
      "server 1 has an API token with characters no token has",
    ],
    [
      "a server token with a space",
      shapes.server,
      { ID: 1, Name: "A", SmtpApiActivated: true, ApiTokens: ["abc def"] },
      "server 1 has an API token with characters no token has",
    ],
    ["a webhook that is text", shapes.webhook, "w", "a webhook is not an object"],
    ["a webhook without an ID", shapes.webhook, { Url: "u", MessageStream: "o" }, "a webhook has no numeric ID"],
    ["a domain that is a list", shapes.domain, [], "a domain is not an object"],
    ["a domain without a name", shapes.domain, { DKIMVerified: true, ReturnPathDomainVerified: true }, "a domain has no name"],
    [
      "a domain with DKIM as text",
      shapes.domain,
      { Name: "d", DKIMVerified: "yes", ReturnPathDomainVerified: true },
      'domain "d" does not say whether DKIM and Return-Path are verified',
    ],
    [
      "a domain without Return-Path",
      shapes.domain,
      { Name: "d", DKIMVerified: false },
      'domain "d" does not say whether DKIM and Return-Path are verified',
    ],
    ["a sender signature that is null", shapes.senderSignature, null, "a sender signature is not an object"],
    ["a sender signature without an address", shapes.senderSignature, { Confirmed: true }, "a sender signature has no address"],
    ["a message that is a number", shapes.outboundMessage, 5, "a message is not an object"],
    [
      "a message with a numeric MessageID",
      shapes.outboundMessage,
      { MessageID: 5, MessageStream: "o" },
      "a message's MessageID 5 is not a UUID",
    ],
    [
      "a MessageID that is a path",
      shapes.outboundMessage,
      { MessageID: "../../../webhooks/9001?x=", MessageStream: "o" },
      'a message\'s MessageID "../../../webhooks/9001?x=" is not a UUID',
    ],
    [
      "a message naming no stream",
      shapes.outboundMessage,
      { MessageID: "b7bc2f4a-e38e-4336-af7d-e6c392c2f817" },
      "message b7bc2f4a-e38e-4336-af7d-e6c392c2f817 names no stream",
    ],
    [
      "a message whose ReceivedAt is a number",
      shapes.outboundMessage,
      { ...message, ReceivedAt: 1700000000 },
      "message b7bc2f4a-e38e-4336-af7d-e6c392c2f817's ReceivedAt is not a date",
    ],
    [
      "a message whose events are an object",
      shapes.outboundMessage,
      { ...message, MessageEvents: {} },
      "message b7bc2f4a-e38e-4336-af7d-e6c392c2f817's events are unreadable (each needs a Type and a ReceivedAt date)",
    ],
    [
      "a message with one good event and one without a type",
      shapes.outboundMessage,
      {
        ...message,
        MessageEvents: [
          { Type: "Delivered", ReceivedAt: at },
          { Type: 1, ReceivedAt: at },
        ],
      },
      "message b7bc2f4a-e38e-4336-af7d-e6c392c2f817's events are unreadable (each needs a Type and a ReceivedAt date)",
    ],
    [
      "a message with an event that is text",
      shapes.outboundMessage,
      { ...message, MessageEvents: ["Delivered"] },
      "message b7bc2f4a-e38e-4336-af7d-e6c392c2f817's events are unreadable (each needs a Type and a ReceivedAt date)",
    ],
    [
      "an event whose ReceivedAt is a number",
      shapes.outboundMessage,
      { ...message, MessageEvents: [{ Type: "Bounced", ReceivedAt: 1700000000 }] },
      "message b7bc2f4a-e38e-4336-af7d-e6c392c2f817's events are unreadable (each needs a Type and a ReceivedAt date)",
    ],
    [
      "an event without ReceivedAt",
      shapes.outboundMessage,
      { ...message, MessageEvents: [{ Type: "Bounced" }] },
      "message b7bc2f4a-e38e-4336-af7d-e6c392c2f817's events are unreadable (each needs a Type and a ReceivedAt date)",
    ],
    [
      "a message whose ReceivedAt is words",
      shapes.outboundMessage,
      { ...message, ReceivedAt: "yesterday" },
      "message b7bc2f4a-e38e-4336-af7d-e6c392c2f817's ReceivedAt is not a date",
    ],
    [
      "a message whose ReceivedAt is a number that reads as a year",
      shapes.outboundMessage,
      { ...message, ReceivedAt: 2026 },
      "message b7bc2f4a-e38e-4336-af7d-e6c392c2f817's ReceivedAt is not a date",
    ],
    ["statistics without Metrics", shapes.webhookDeliveries, {}, "the statistics have no Metrics"],
    ["statistics that are a list", shapes.webhookDeliveries, [], "the statistics have no Metrics"],
    [
      "statistics whose count is a fraction",
      shapes.webhookDeliveries,
      { Metrics: { ...metrics, FailureCount: 1.5 } },
      "the statistics' FailureCount is not a whole number",
    ],
    [
      "statistics missing a count",
      shapes.webhookDeliveries,
      { Metrics: { TotalRequests: 1, SuccessCount: 1, FailureCount: 0 } },
      "the statistics' RetryCount is not a whole number",
    ],
    [
      "statistics whose Statuses are text",
      shapes.webhookDeliveries,
      { Metrics: metrics, Statuses: "Paused" },
      "the statistics' Statuses is not an object",
    ],
    [
      "statistics whose MetricsByTrigger is a number",
      shapes.webhookDeliveries,
      { Metrics: metrics, MetricsByTrigger: 3 },
      "the statistics' MetricsByTrigger is not an object",
    ],
    [
      "a trigger's status that is a number",
      shapes.webhookDeliveries,
      { Metrics: metrics, Statuses: { Bounce: 2 } },
      'the statistics\' status of "Bounce" is not a word',
    ],
    [
      "a trigger's metrics that are text",
      shapes.webhookDeliveries,
      { Metrics: metrics, MetricsByTrigger: { Bounce: "all good" } },
      'the statistics\' metrics of "Bounce" are not an object',
    ],
    [
      "a trigger's count that is text",
      shapes.webhookDeliveries,
      { Metrics: metrics, MetricsByTrigger: { Bounce: { ...metrics, SuccessCount: "3" } } },
      'the "Bounce" metrics\' SuccessCount is not a whole number',
    ],
    ["a verification result that is text", shapes.triggerChecks, { Results: ["Delivery"] }, "a verification result names no trigger"],
    [
      "a verification result without its trigger",
      shapes.triggerChecks,
      { Results: [{ Success: true, StatusCode: 200 }] },
      "a verification result names no trigger",
    ],
  ] as Array<[string, (value: unknown) => unknown, unknown, string]>)("refuses %s", (_name, shape, value, problem) => {
    expect(() => shape(value)).toThrow(new shapes.ShapeError(problem));
  });

  it.each([
    ["a server with ID 0", shapes.server, { ID: 0, Name: "A", SmtpApiActivated: false }],
    ["a stream whose ArchivedAt is null", shapes.stream, { ID: "s", MessageStreamType: "Inbound", ArchivedAt: null }],
    ["an archived stream", shapes.stream, { ID: "s", MessageStreamType: "Broadcasts", ArchivedAt: "2026-01-01T00:00:00Z" }],
    [
      "a webhook with headers and auth",
      shapes.webhook,
      { ...hook, HttpHeaders: [{ Name: "a", Value: "b" }], HttpAuth: { Username: "u", Password: "p" } },
    ],
    ["a domain", shapes.domain, { Name: "d", DKIMVerified: false, ReturnPathDomainVerified: true }],
    ["a message with no events", shapes.outboundMessage, message],
    [
      "a message with typed events",
      shapes.outboundMessage,
      {
        ...message,
        MessageEvents: [
          { Type: "Delivered", ReceivedAt: at },
          { Type: "Opened", ReceivedAt: at },
        ],
      },
    ],
    [
      "a bounce whose BounceID is text and that lacks other fields",
      shapes.outboundMessage,
      { ...message, MessageEvents: [{ Type: "Bounced", ReceivedAt: at, Details: { BounceID: "4323372036854775807" } }] },
    ],
  ] as Array<[string, (value: unknown) => unknown, Record<string, unknown>]>)(
    "takes %s, keeping what it was given",
    (_name, shape, value) => {
      const taken = shape(value) as Record<string, unknown>;
      for (const [key, given] of Object.entries(value)) expect(taken[key] ?? null).toEqual(given);
    },
  );

  it("statistics: the totals, each trigger's state in lower case and counts; null Statuses and MetricsByTrigger are none", () => {
    expect(
      shapes.webhookDeliveries({
        Metrics: metrics,
        Statuses: { Bounce: "Paused" },
        MetricsByTrigger: { Bounce: { ...metrics, RetryCount: 0 } },
      }),
    ).toEqual({
      total: 4,
      succeeded: 3,
      failed: 1,
      retries: 2,
      statuses: { Bounce: "paused" },
      byTrigger: { Bounce: { total: 4, succeeded: 3, failed: 1, retries: 0 } },
    });
    expect(shapes.webhookDeliveries({ Metrics: metrics, Statuses: null, MetricsByTrigger: null })).toEqual({
      total: 4,
      succeeded: 3,
      failed: 1,
      retries: 2,
    });
  });

  it("a verification passes only when Postmark says Success and every trigger's call succeeded", () => {
    const results = [
      { TriggerType: "Delivery", Success: true, StatusCode: 200, Message: "OK" },
      { TriggerType: "Bounce", Success: false, StatusCode: 404 },
    ];
    expect(shapes.verification({ Success: true, Results: results })).toEqual({
      success: false,
      checks: [
        { trigger: "Delivery", success: true, statusCode: 200, message: "OK" },
        { trigger: "Bounce", success: false, statusCode: 404, message: "" },
      ],
    });
    expect(shapes.verification({ Success: true, Results: [results[0]] }).success).toBe(true);
    expect(shapes.verification({ Success: false, Results: [results[0]] }).success).toBe(false);
  });

  it.each([
    ["Verified", "verified"],
    ["UNVERIFIED", "unverified"],
    ["Pending", null],
    [undefined, null],
    [1, null],
  ])("a webhook's Status %j is %j", (Status, status) => {
    expect(shapes.webhook({ ...hook, Status }).Status).toBe(status);
  });

  it("a webhook's null headers become an empty list; null auth stays null", () => {
    expect(shapes.webhook({ ...hook, HttpHeaders: null, HttpAuth: null })).toMatchObject({ HttpHeaders: [], HttpAuth: null });
  });

  it("a page may be empty, with a TotalCount of 0", () => {
    expect(shapes.pageOf({ TotalCount: 0, Domains: [] }, "Domains", shapes.domain)).toEqual({ total: 0, items: [] });
  });

  it("a bad answer's error says what to do", () => {
    expect(shapes.badResponse("list your servers", "x").hint).toBe(
      "Try again shortly. If it persists, check POSTMARK_API_URL and any proxy, and run with --trace FILE to attach the exchange to a " +
        "bug report.",
    );
  });
});

describe("errors from the postmark client", () => {
  it.each([
    [0, true],
    [429, false], // waited out by the fetch itself, not retried again on top
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
    expect(error).toMatchObject({
      code: "postmark_unauthorized",
      tokenKind: "account",
      message: "Postmark rejected the account token while trying to list your servers.",
    });
    expect(error.hint).toBe(
      "Check the token you pasted: copy the account token from Postmark > Account > API Tokens (only account owners and admins see " +
        "it). An account token and a server token are not interchangeable.",
    );
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

  it.each([
    [429, "Wait a minute and run the command again."],
    [503, "Postmark may be under maintenance: see https://status.postmarkapp.com and try again shortly."],
    [0, "Check your network connection, proxy and POSTMARK_API_URL, then try again."],
    [404, undefined],
    [422, undefined],
  ])("status %i: its hint, and the client's error kept as the cause", (status, hint) => {
    const cause = clientError(status, "fetch failed");
    const error = mapPostmarkError(cause, context);
    expect(error.hint).toBe(hint);
    expect(error.cause).toBe(cause);
  });

  it("a timeout says where and what it was doing", () => {
    expect(mapPostmarkError(clientError(0, "Request timed out"), context).message).toBe(
      "Postmark did not answer in time at https://api.postmarkapp.com (while trying to list your servers).",
    );
  });

  it("something thrown that is not even an error is named as it is", () => {
    const error = mapPostmarkError(undefined, context);
    expect(error).toMatchObject({ code: "postmark_error", message: "Could not list your servers: undefined" });
    const plain = new TypeError("boom");
    expect(mapPostmarkError(plain, context).cause).toBe(plain);
  });

  describe("a 1364 refusal: Postmark called the URL before saving, and a call failed", () => {
    const refusal = (answer?: string) => withAnswer(clientError(422, "Webhook verification failed", 1364), answer);
    const creating = { ...context, action: "create the webhook", token: "server" as const };

    it("names the URL and each failing trigger from the refusal's body", () => {
      const body = {
        ErrorCode: 1364,
        Url: "https://eu.example/\u001b[2J",
        Results: [
          { TriggerType: "Delivery", Success: true, StatusCode: 200 },
          { TriggerType: "Bounce", Success: false, StatusCode: 404, Message: "Not Found" },
        ],
      };
      expect(mapPostmarkError(refusal(JSON.stringify(body)), creating)).toMatchObject({
        code: "webhook_verification_failed",
        message:
          "Postmark could not verify the webhook to https://eu.example/\\x1b[2J (while trying to create the webhook): the URL failed " +
          'for Bounce (404 "Not Found"). Nothing was saved.',
      });
    });

    it.each([
      ["no body", undefined],
      ["a body that is not JSON", "<html>"],
      ["a body without a URL or results", "{}"],
    ])("with %s, says Postmark's own words", (_name, answer) => {
      expect(mapPostmarkError(refusal(answer), creating).message).toBe(
        "Postmark could not verify the webhook (while trying to create the webhook): Webhook verification failed. Nothing was saved.",
      );
    });

    it("a body is kept only with the postmark client's errors", () => {
      const plain = new Error("x");
      withAnswer(plain, "{}");
      expect(plain).not.toHaveProperty("answer");
    });
  });

  it("a 422 with a code says the code", () => {
    expect(mapPostmarkError(clientError(422, "x", 1226), context).hint).toBe("Postmark error code 1226.");
  });

  it("network failures: a timeout, or an unreachable host", () => {
    expect(mapPostmarkError(clientError(0, "The operation was aborted due to timeout"), context)).toMatchObject({
      code: "postmark_timeout",
    });
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
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw clientError(503);
        },
        policy,
        isTransient,
      ),
    ).rejects.toMatchObject({ statusCode: 503 });
    expect(calls).toBe(3);
  });

  it("recovers when a later try succeeds", async () => {
    let calls = 0;
    expect(await withRetry(async () => (++calls < 3 ? Promise.reject(clientError(502)) : "ok"), policy, isTransient)).toBe("ok");
  });

  it("never repeats a 401 or 422", async () => {
    for (const status of [401, 422]) {
      let calls = 0;
      await expect(
        withRetry(
          async () => {
            calls += 1;
            throw clientError(status);
          },
          policy,
          isTransient,
        ),
      ).rejects.toBeTruthy();
      expect(calls).toBe(1);
    }
  });

  it("waits twice as long before each try, and starts none that would end past the budget", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    try {
      const started = Date.now();
      const tries: number[] = [];
      // Delays 50, 100, 200 ms: the third try starts at 150 ms, exactly the budget; a fourth would wait until 350.
      const outcome = withRetry(
        async () => {
          tries.push(Date.now() - started);
          throw clientError(503);
        },
        { tries: 10, baseDelayMs: 100, maxTotalMs: 150 },
        isTransient,
      );
      const settled = expect(outcome).rejects.toMatchObject({ statusCode: 503 });
      await vi.runAllTimersAsync();
      await settled;
      expect(tries).toEqual([0, 50, 150]);
    } finally {
      vi.restoreAllMocks();
      vi.useRealTimers();
    }
  });

  it("starts no try past its time budget", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw clientError(500);
        },
        { tries: 10, baseDelayMs: 400, maxTotalMs: 100 },
        isTransient,
      ),
    ).rejects.toBeTruthy();
    expect(calls).toBeLessThan(10);
  });
});

describe("POSTMARK_API_URL", () => {
  it("defaults to Postmark and takes https or loopback http", () => {
    expect(parsePostmarkApiUrl(undefined)).toEqual({
      url: "https://api.postmarkapp.com",
      useHttps: true,
      requestHost: "api.postmarkapp.com",
    });
    expect(parsePostmarkApiUrl(" http://127.0.0.1:8080 ")).toEqual({
      url: "http://127.0.0.1:8080",
      useHttps: false,
      requestHost: "127.0.0.1:8080",
    });
    expect(parsePostmarkApiUrl("http://localhost:1").useHttps).toBe(false);
    expect(parsePostmarkApiUrl("http://[::1]:9").requestHost).toBe("[::1]:9");
  });

  it("a blank value is the default, and any 127.x.y.z address is loopback", () => {
    expect(parsePostmarkApiUrl("  ").url).toBe("https://api.postmarkapp.com");
    expect(parsePostmarkApiUrl("http://127.10.200.1:9").url).toBe("http://127.10.200.1:9");
  });

  it("says what is wrong, and what to use instead", () => {
    expect(() => parsePostmarkApiUrl("nope")).toThrow(
      expect.objectContaining({
        message: 'POSTMARK_API_URL is not a URL: "nope".',
        hint: "Use a URL such as https://api.postmarkapp.com.",
      }),
    );
    expect(() => parsePostmarkApiUrl("http://api.example.com")).toThrow(
      expect.objectContaining({
        hint: "Use https://, or plain http:// only for a loopback host (127.0.0.1, localhost, [::1]) such as a local simulator.",
      }),
    );
    expect(() => parsePostmarkApiUrl("https://api.example.com/x")).toThrow(
      expect.objectContaining({
        message: "POSTMARK_API_URL must be a bare origin, with no path, query or credentials.",
        hint: "For example https://api.postmarkapp.com.",
      }),
    );
  });

  it.each([
    ["http://api.example.com", "insecure_api_url"],
    ["http://127.example.com", "insecure_api_url"],
    ["ftp://x", "invalid_api_url"],
    ["not a url", "invalid_api_url"],
    ["https://api.example.com/v1", "invalid_api_url"],
    ["https://u:p@api.example.com", "invalid_api_url"],
    ["https://api.example.com?x=1", "invalid_api_url"],
    ["http://127.0.0.1.example.com", "insecure_api_url"],
  ])("refuses %s", (value, code) => {
    expect(() => parsePostmarkApiUrl(value)).toThrow(expect.objectContaining({ code }));
  });
});

describe("links into Postmark's web app", () => {
  const server = (ServerLink: string) => shapes.server({ ID: 42, Name: "Prod\u001b[2J", SmtpApiActivated: true, ServerLink });

  it.each([
    ["https://account.postmarkapp.com/servers/42/streams", "https://account.postmarkapp.com/servers/42"],
    ["https://account.postmarkapp.com/servers/42/overview/", "https://account.postmarkapp.com/servers/42"],
    ["https://account.postmarkapp.com/servers/42/streams/x", "https://account.postmarkapp.com/servers/42/streams/x"],
    ["", "https://account.postmarkapp.com/servers/42"],
  ])("a server whose link is %j has its pages under %s", (link, page) => {
    expect(serverSettingsLink(server(link))).toBe(`${page}/settings`);
    expect(streamSettingsLink(server(link), "my stream")).toBe(`${page}/streams/my%20stream/settings`);
  });

  it("a server is named with its ID, its name escaped", () => {
    expect(serverLabel(server(""))).toBe("Prod\\x1b[2J (ID 42)");
  });
});

describe("text from outside, made safe", () => {
  it("shows every control character, and bidi marks, escaped", () => {
    expect(shown("a\u001b]0;t\u0007b\nc\rd\te\u007f\u0085\u202e\u2066\u200f")).toBe(
      "a\\x1b]0;t\\x07b\\x0ac\\x0dd\\x09e\\x7f\\x85\\u202e\\u2066\\u200f",
    );
    expect(shown("plain ✔ text")).toBe("plain ✔ text");
    expect(shown(42)).toBe("42");
  });

  it("the last pass keeps the tool's own line breaks and colours, and escapes the rest", () => {
    expect(terminalSafe("\u001b[31mred\u001b[39m\nnext\u001b[2J\u001b]0;x\u0007")).toBe(
      "\u001b[31mred\u001b[39m\nnext\\x1b[2J\\x1b]0;x\\x07",
    );
  });
});
