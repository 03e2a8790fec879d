import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CustomerIoApi, parseCustomerIoOrigins } from "../../../src/customerio/api.js";

/** The App API client against a plain local HTTP server that answers what each test says: every answer it can get, in words. */

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

type Answer = { status: number; body?: string; headers?: Record<string, string> } | "hang" | "drop";
const seen: Array<{ method: string; url: string; authorization?: string; accept?: string; contentType?: string; body: string }> = [];

/** One server for both regions: /us/... and /eu/... */
async function answering(answer: (region: string, request: IncomingMessage, body: string) => Answer): Promise<Record<"us" | "eu", string>> {
  seen.length = 0;
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const region = request.url!.split("/")[1]!;
      const { authorization, accept, "content-type": contentType } = request.headers;
      seen.push({ method: request.method!, url: request.url!, authorization, accept, contentType, body });
      const reply = answer(region, request, body);
      if (reply === "hang") return;
      if (reply === "drop") return request.socket.destroy();
      response.writeHead(reply.status, { "Content-Type": "application/json", ...reply.headers }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { us: `${origin}/us`, eu: `${origin}/eu` };
}

const KEY = "cio-key-test-0000-1111";
const KEY_HELP = "Create one in Customer.io: Account Settings > API Credentials > App API Keys, and set CUSTOMERIO_APP_API_KEY.";
const client = (origins: Record<"us" | "eu", string>, timeoutMs = 2_000) =>
  new CustomerIoApi(KEY, { origins, timeoutMs, rateLimit: { tries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
const json = (status: number, body: unknown, headers?: Record<string, string>): Answer => ({ status, body: JSON.stringify(body), headers });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error) => ({ code: error.code, message: error.message, hint: error.hint }),
  );

describe("CustomerIoApi.workspace", () => {
  it("the US host's answer: the first workspace, its id as text, region US; the key as a Bearer header", async () => {
    const api = client(await answering(() => json(200, { workspaces: [{ id: 71, name: "Acme", messages_sent: 3 }] })));
    expect(await api.workspace()).toEqual({ id: "71", name: "Acme", region: "us" });
    expect(seen).toEqual([
      { method: "GET", url: "/us/v1/workspaces", authorization: `Bearer ${KEY}`, accept: "application/json", body: "" },
    ]);
  });

  it("401 from the US host, then the EU host's answer: region EU", async () => {
    const api = client(
      await answering((region) =>
        region === "us"
          ? json(401, { errors: [{ detail: "Unauthorized request", status: "401" }] })
          : json(200, { workspaces: [{ id: "w-2", name: "Acme EU" }] }),
      ),
    );
    expect(await api.workspace()).toEqual({ id: "w-2", name: "Acme EU", region: "eu" });
    expect(seen.map((request) => request.url)).toEqual(["/us/v1/workspaces", "/eu/v1/workspaces"]);
  });

  it.each<[string, Answer, { code: string; message: string; hint?: string }]>([
    [
      "401 from both",
      json(401, {}),
      {
        code: "customerio_unauthorized",
        message: "Customer.io accepted the App API key on neither region's host (api.customer.io, api-eu.customer.io).",
        hint: `Check CUSTOMERIO_APP_API_KEY: it must be an App API key (not a Track API key). ${KEY_HELP}`,
      },
    ],
    [
      "no workspace",
      json(200, { workspaces: [] }),
      {
        code: "customerio_bad_response",
        message: "Customer.io's answer could not be used (while trying to read your workspace): it names no workspace.",
        hint: "Check CUSTOMERIO_API_URL_US / CUSTOMERIO_API_URL_EU and any proxy, and run with --trace FILE to report it.",
      },
    ],
    [
      "a workspace without a name",
      json(200, { workspaces: [{ id: 1 }] }),
      {
        code: "customerio_bad_response",
        message: "Customer.io's answer could not be used (while trying to read your workspace): it names no workspace.",
      },
    ],
    [
      "an id that is an object",
      json(200, { workspaces: [{ id: {}, name: "x" }] }),
      {
        code: "customerio_bad_response",
        message: "Customer.io's answer could not be used (while trying to read your workspace): it names no workspace.",
      },
    ],
    [
      "not JSON",
      { status: 200, body: "<html>" },
      {
        code: "customerio_bad_response",
        message: "Customer.io's answer could not be used (while trying to read your workspace): it is not JSON.",
      },
    ],
    [
      "a 500 with Customer.io's words",
      json(500, { errors: [{ detail: "internal \u001b[31mboom", status: "500" }] }),
      {
        code: "customerio_error",
        message: "Customer.io answered 500 (while trying to read your workspace): internal \\x1b[31mboom.",
        hint: "Run again with --trace FILE to see the exchange.",
      },
    ],
    [
      "a 400 with words under meta",
      json(400, { meta: { error: "bad request" } }),
      { code: "customerio_error", message: "Customer.io answered 400 (while trying to read your workspace): bad request." },
    ],
    [
      "a 503 without words",
      { status: 503, body: "oops" },
      { code: "customerio_error", message: "Customer.io answered 503 (while trying to read your workspace)." },
    ],
    [
      "a 403",
      json(403, { errors: [{ detail: "scope" }] }),
      {
        code: "customerio_unauthorized",
        message: "Customer.io refused the App API key (while trying to read your workspace): scope.",
        hint: `The key may lack the scope to send or read messages. ${KEY_HELP}`,
      },
    ],
    [
      "a 429 that outlasts the tries",
      json(429, { errors: [{ detail: "rate limited to 10 requests per 1s", status: "429" }] }, { "Retry-After": "0" }),
      {
        code: "customerio_rate_limited",
        message: "Customer.io is rate-limiting requests (while trying to read your workspace): rate limited to 10 requests per 1s.",
        hint: "Wait a minute and run the command again.",
      },
    ],
    [
      "a redirect",
      { status: 302, headers: { Location: "https://elsewhere.example/steal" } },
      {
        code: "customerio_redirect",
        message: expect.stringContaining(
          "a redirect to elsewhere.example. It was not followed: your token was not sent there.",
        ) as unknown as string,
      },
    ],
  ])("%s: %o", async (_name, reply, expected) => {
    const api = client(await answering(() => reply));
    expect(await failure(api.workspace())).toMatchObject(expected);
  });

  it("a host that never answers: customerio_timeout; a closed port: customerio_unreachable", async () => {
    expect(await failure(client(await answering(() => "hang"), 150).workspace())).toMatchObject({
      code: "customerio_timeout",
      message: expect.stringMatching(/^Customer\.io did not answer in time at 127\.0\.0\.1:\d+ \(while trying to read your workspace\)\.$/),
    });
    expect(await failure(client({ us: "http://127.0.0.1:9", eu: "http://127.0.0.1:9" }).workspace())).toMatchObject({
      code: "customerio_unreachable",
      message: "Could not reach Customer.io at 127.0.0.1:9 (while trying to read your workspace).",
      hint: "Check your connection and any proxy, then run the command again.",
    });
  });
});

describe("CustomerIoApi.sendEmail and delivery", () => {
  it("sends to, from, subject, body and identifiers by email, and answers the delivery id", async () => {
    const api = client(await answering(() => json(200, { delivery_id: "RPILAgAB-cRhI_x=", queued_at: 1700000000 })));
    expect(await api.sendEmail("eu", { to: "t@example.com", from: "f@example.com", subject: "s", body: "b" })).toBe("RPILAgAB-cRhI_x=");
    expect(seen[0]).toMatchObject({
      method: "POST",
      url: "/eu/v1/send/email",
      accept: "application/json",
      contentType: "application/json",
    });
    expect(JSON.parse(seen[0]!.body)).toEqual({
      to: "t@example.com",
      from: "f@example.com",
      subject: "s",
      body: "b",
      identifiers: { email: "t@example.com" },
    });
  });

  it.each(["RAECAAFwnUSneIa0ZXkmq8EdkAM==", "RPILAgAB+cRh/I_x=", "RPILAgAB/../../v1/workspaces", "..RPILAgAB", "RPILAgAB.."])(
    "takes %s, standard base64 included, and reads it back as one path segment, encoded",
    async (id) => {
      const api = client(
        await answering((_region, request) =>
          request.method === "POST" ? json(200, { delivery_id: id, queued_at: 1700000000 }) : json(200, { message: { metrics: {} } }),
        ),
      );
      expect(await api.sendEmail("us", { to: "t@example.com", from: "f@example.com", subject: "s", body: "b" })).toBe(id);
      await api.delivery("us", id);
      expect(seen[1]!.url).toBe(`/us/v1/messages/${encodeURIComponent(id)}`);
    },
  );

  it.each([
    ["no delivery_id", {}],
    ["a delivery_id that is a dot segment", { delivery_id: ".." }],
    ["a delivery_id with a space", { delivery_id: "RPIL AgAB" }],
    ["a delivery_id with a control character", { delivery_id: "RPIL\u0000AgAB" }],
    ["a numeric delivery_id", { delivery_id: 42 }],
  ])("%s: customerio_bad_response", async (_name, body) => {
    const api = client(await answering(() => json(200, body)));
    expect(await failure(api.sendEmail("us", { to: "t@example.com", from: "f@example.com", subject: "s", body: "b" }))).toMatchObject({
      code: "customerio_bad_response",
      message: "Customer.io's answer could not be used (while trying to send the test email): it has no usable delivery_id.",
    });
  });

  it("a 401 to the send is a refusal, not a reason to try the other host", async () => {
    const api = client(await answering(() => json(401, { errors: [{ detail: "Unauthorized request" }] })));
    expect(await failure(api.sendEmail("us", { to: "t@example.com", from: "f@example.com", subject: "s", body: "b" }))).toMatchObject({
      code: "customerio_unauthorized",
    });
    expect(seen).toHaveLength(1);
  });

  it("reads a delivery: only numeric metrics, an empty failure_message as none, the id encoded in the path", async () => {
    const api = client(
      await answering(() =>
        json(200, {
          message: { failure_message: "  ", metrics: { sent: 1700000001, bounced: 1700000003, opened: "soon", clicked: null } },
        }),
      ),
    );
    expect(await api.delivery("us", "a b")).toEqual({
      id: "a b",
      failureMessage: null,
      metrics: { sent: 1700000001, bounced: 1700000003 },
    });
    expect(seen[0]!.url).toBe("/us/v1/messages/a%20b");
  });

  it("a delivery with Customer.io's failure words keeps them; an answer without a message is unusable", async () => {
    let body: unknown = { message: { failure_message: "SMTP 535", metrics: { failed: 1 } } };
    const api = client(await answering(() => json(200, body)));
    expect(await api.delivery("us", "d")).toEqual({ id: "d", failureMessage: "SMTP 535", metrics: { failed: 1 } });
    for (body of [{ messages: [] }, { message: null }]) {
      expect(await failure(api.delivery("us", "d"))).toMatchObject({
        code: "customerio_bad_response",
        message: "Customer.io's answer could not be used (while trying to read the test email's delivery): it has no message.",
      });
    }
    body = { message: { metrics: "none" } };
    expect(await api.delivery("us", "d")).toEqual({ id: "d", failureMessage: null, metrics: {} });
  });
});

describe("CUSTOMERIO_API_URL_US and _EU", () => {
  it.each([
    [{}, { us: "https://api.customer.io", eu: "https://api-eu.customer.io" }],
    [
      { CUSTOMERIO_API_URL_US: "http://127.0.0.1:8080", CUSTOMERIO_API_URL_EU: " http://localhost:9090 " },
      { us: "http://127.0.0.1:8080", eu: "http://localhost:9090" },
    ],
  ])("%o -> %o", (env, expected) => {
    expect(parseCustomerIoOrigins(env)).toEqual(expected);
  });

  it.each([
    [
      { CUSTOMERIO_API_URL_EU: "http://api-eu.customer.io" },
      "insecure_api_url",
      "CUSTOMERIO_API_URL_EU uses plain http:// for api-eu.customer.io: your Customer.io App API key would cross the network unencrypted.",
    ],
    [{ CUSTOMERIO_API_URL_US: "nope" }, "invalid_api_url", 'CUSTOMERIO_API_URL_US is not a URL: "nope".'],
  ])("%o is refused: %s", (env, code, message) => {
    expect(() => parseCustomerIoOrigins(env)).toThrow(expect.objectContaining({ code, message }));
  });
});

describe("what Customer.io's answers lead to", () => {
  const quick = (origins: Record<"us" | "eu", string>, retry: { tries: number }, timeoutMs = 2_000) =>
    new CustomerIoApi(KEY, {
      origins,
      timeoutMs,
      rateLimit: { tries: 1, baseDelayMs: 1, maxDelayMs: 1 },
      retry: { baseDelayMs: 1, maxTotalMs: 5_000, ...retry },
    });
  const EMAIL = { to: "t@example.com", from: "f@example.com", subject: "s", body: "b" };
  const DELIVERED = json(200, { message: { metrics: { sent: 1700000001 } } });
  /** Answers the given replies in turn, then the last one again. */
  const inTurn = (...replies: Answer[]) => {
    let next = 0;
    return () => replies[Math.min(next++, replies.length - 1)]!;
  };

  it.each<[string, Answer]>([
    ["a 500", json(500, {})],
    ["a 503", json(503, {})],
    ["a 408", json(408, {})],
  ])("a delivery read that meets %s is tried again, and passes", async (_name, first) => {
    const api = quick(await answering(inTurn(first, DELIVERED)), { tries: 2 });
    expect(await api.delivery("us", "d")).toEqual({ id: "d", failureMessage: null, metrics: { sent: 1700000001 } });
    expect(seen).toHaveLength(2);
  });

  it("a delivery read that times out is tried again", async () => {
    let calls = 0;
    const api = quick(await answering(() => (++calls === 1 ? "hang" : DELIVERED)), { tries: 2 }, 200);
    expect(await api.delivery("us", "d")).toMatchObject({ metrics: { sent: 1700000001 } });
    expect(calls).toBe(2);
  });

  it("a delivery read whose connection drops is tried again", async () => {
    const api = quick(await answering(inTurn("drop", DELIVERED)), { tries: 2 });
    expect(await api.delivery("us", "d")).toMatchObject({ metrics: { sent: 1700000001 } });
    expect(seen).toHaveLength(2);
    const dropped = quick(await answering(() => "drop"), { tries: 1 });
    expect(await failure(dropped.delivery("us", "d"))).toMatchObject({
      code: "customerio_unreachable",
      message: expect.stringMatching(
        /^Could not reach Customer\.io at 127\.0\.0\.1:\d+ \(while trying to read the test email's delivery\)\.$/,
      ),
    });
  });

  it.each<[string, Answer, string]>([
    ["a 400", json(400, {}), "customerio_error"],
    ["a 499", json(499, {}), "customerio_error"],
    ["a 401", json(401, {}), "customerio_unauthorized"],
    ["a 403", json(403, {}), "customerio_unauthorized"],
  ])("a delivery read that meets %s is not tried again", async (_name, first, code) => {
    const api = quick(await answering(inTurn(first, DELIVERED)), { tries: 3 });
    expect(await failure(api.delivery("us", "d"))).toMatchObject({ code });
    expect(seen).toHaveLength(1);
  });

  it("one try in the policy is one try, even for a 503", async () => {
    const api = quick(await answering(inTurn(json(503, {}), DELIVERED)), { tries: 1 });
    expect(await failure(api.delivery("us", "d"))).toMatchObject({ code: "customerio_error" });
    expect(seen).toHaveLength(1);
  });

  it("a 404 right after the send is 'not yet': no delivery, no error, no second try", async () => {
    const api = quick(await answering(inTurn(json(404, { errors: [{ detail: "not found" }] }), DELIVERED)), { tries: 3 });
    expect(await api.delivery("us", "d")).toBeUndefined();
    expect(seen).toHaveLength(1);
  });

  it("metrics that are null read as none", async () => {
    const api = quick(await answering(() => json(200, { message: { metrics: null } })), { tries: 1 });
    expect(await api.delivery("us", "d")).toEqual({ id: "d", failureMessage: null, metrics: {} });
  });

  it("the send is never tried twice: a 503 fails at once", async () => {
    const api = quick(await answering(inTurn(json(503, {}), json(200, { delivery_id: "RPIL" }))), { tries: 3 });
    expect(await failure(api.sendEmail("us", EMAIL))).toMatchObject({ code: "customerio_error" });
    expect(seen).toHaveLength(1);
  });

  it("a send with no answer in time says an email may be on its way, so a second run sends another", async () => {
    const api = quick(await answering(() => "hang"), { tries: 3 }, 150);
    expect(await failure(api.sendEmail("us", EMAIL))).toEqual({
      code: "customerio_timeout",
      message: expect.stringMatching(/^Customer\.io did not answer in time at 127\.0\.0\.1:\d+ \(while trying to send the test email\)\.$/),
      hint:
        "Customer.io may have accepted it all the same: an email may already be on its way to t@example.com, so running again " +
        "sends a second one. Look in Customer.io's Deliveries & Activity first.",
    });
    expect(seen).toHaveLength(1);
  });

  it("an empty answer to the send is an answer without a delivery_id", async () => {
    const api = quick(await answering(() => ({ status: 200, body: "" })), { tries: 1 });
    expect(await failure(api.sendEmail("us", EMAIL))).toMatchObject({
      message: "Customer.io's answer could not be used (while trying to send the test email): it has no usable delivery_id.",
    });
  });

  it("a 429 outlasts a rate-limit policy of one try; with more tries it is waited out", async () => {
    const limited = json(429, {}, { "Retry-After": "0" });
    const once = quick(await answering(inTurn(limited, json(200, { delivery_id: "RPIL" }))), { tries: 1 });
    expect(await failure(once.sendEmail("us", EMAIL))).toMatchObject({ code: "customerio_rate_limited" });
    const patient = new CustomerIoApi(KEY, {
      origins: await answering(inTurn(limited, json(200, { delivery_id: "RPIL" }))),
      timeoutMs: 2_000,
      rateLimit: { tries: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect(await patient.sendEmail("us", EMAIL)).toBe("RPIL");
  });

  it("--region's host is asked first, and a workspace found there ends the search", async () => {
    const workspaces = json(200, { workspaces: [{ id: 7, name: "Acme" }] });
    const api = client(await answering(() => workspaces));
    expect(await api.workspace("eu")).toEqual({ id: "7", name: "Acme", region: "eu" });
    expect(seen.map((request) => request.url)).toEqual(["/eu/v1/workspaces"]);
    expect(await api.workspace("us")).toEqual({ id: "7", name: "Acme", region: "us" });
    expect(seen.map((request) => request.url)).toEqual(["/eu/v1/workspaces", "/us/v1/workspaces"]);
  });

  it("a host that cannot answer does not stop the other being asked; if neither finds it, the first failure is said", async () => {
    const api = client(await answering((region) => (region === "us" ? json(503, {}) : json(200, { workspaces: [{ id: 1, name: "EU" }] }))));
    expect(await api.workspace()).toEqual({ id: "1", name: "EU", region: "eu" });
    const neither = client(await answering((region) => (region === "us" ? json(503, {}) : json(401, {}))));
    expect(await failure(neither.workspace())).toMatchObject({
      code: "customerio_error",
      message: expect.stringContaining("answered 503"),
    });
  });

  it("Customer.io's words: the first that is text, masked before they are cut to 300 characters", async () => {
    const secret = "cio-key-test-0000-1111";
    const long = `${secret} ${"x".repeat(400)}`;
    const api = new CustomerIoApi(KEY, {
      origins: await answering(() => json(400, { errors: [null, { detail: 7 }, { detail: long }] })),
      timeoutMs: 2_000,
      redact: (text) => text.replaceAll(secret, "****"),
    });
    const failed = await failure(api.workspace("us"));
    const words = failed!.message.slice("Customer.io answered 400 (while trying to read your workspace): ".length, -1);
    expect(words).toBe(`**** ${"x".repeat(295)}`);
  });

  it("an error answer of JSON null has no words, and is still said", async () => {
    const api = client(await answering(() => ({ status: 500, body: "null" })));
    expect(await failure(api.sendEmail("us", EMAIL))).toMatchObject({
      message: "Customer.io answered 500 (while trying to send the test email).",
    });
  });
});
