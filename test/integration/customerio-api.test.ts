import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CustomerIoApi, parseCustomerIoOrigins } from "../../src/customerio/api.js";

/** The App API client against a plain local HTTP server that answers what each test says: every answer it can get, in words. */

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

type Answer = { status: number; body?: string; headers?: Record<string, string> } | "hang";
const seen: Array<{ method: string; url: string; authorization?: string; body: string }> = [];

/** One server for both regions: /us/... and /eu/... */
async function answering(answer: (region: string, request: IncomingMessage, body: string) => Answer): Promise<Record<"us" | "eu", string>> {
  seen.length = 0;
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const region = request.url!.split("/")[1]!;
      seen.push({ method: request.method!, url: request.url!, authorization: request.headers.authorization, body });
      const reply = answer(region, request, body);
      if (reply === "hang") return;
      response.writeHead(reply.status, { "Content-Type": "application/json", ...reply.headers }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { us: `${origin}/us`, eu: `${origin}/eu` };
}

const KEY = "cio-key-test-0000-1111";
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
    expect(seen).toEqual([{ method: "GET", url: "/us/v1/workspaces", authorization: `Bearer ${KEY}`, body: "" }]);
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

  it.each<[string, Answer, { code: string; message: string }]>([
    [
      "401 from both",
      json(401, {}),
      {
        code: "customerio_unauthorized",
        message: "Customer.io accepted the App API key on neither region's host (api.customer.io, api-eu.customer.io).",
      },
    ],
    [
      "no workspace",
      json(200, { workspaces: [] }),
      {
        code: "customerio_bad_response",
        message: "Customer.io's answer could not be used (while trying to read your workspace): it names no workspace.",
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
      { code: "customerio_error", message: "Customer.io answered 500 (while trying to read your workspace): internal \\x1b[31mboom." },
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
      { code: "customerio_unauthorized", message: "Customer.io refused the App API key (while trying to read your workspace): scope." },
    ],
    [
      "a 429 that outlasts the tries",
      json(429, { errors: [{ detail: "rate limited to 10 requests per 1s", status: "429" }] }, { "Retry-After": "0" }),
      {
        code: "customerio_rate_limited",
        message: "Customer.io is rate-limiting requests (while trying to read your workspace): rate limited to 10 requests per 1s.",
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
      hint: "Check your connection and any proxy, then run the command again.",
    });
  });
});

describe("CustomerIoApi.sendEmail and delivery", () => {
  it("sends to, from, subject, body and identifiers by email, and answers the delivery id", async () => {
    const api = client(await answering(() => json(200, { delivery_id: "RPILAgAB-cRhI_x=", queued_at: 1700000000 })));
    expect(await api.sendEmail("eu", { to: "t@example.com", from: "f@example.com", subject: "s", body: "b" })).toBe("RPILAgAB-cRhI_x=");
    expect(seen[0]!.url).toBe("/eu/v1/send/email");
    expect(JSON.parse(seen[0]!.body)).toEqual({
      to: "t@example.com",
      from: "f@example.com",
      subject: "s",
      body: "b",
      identifiers: { email: "t@example.com" },
    });
  });

  it.each(["RAECAAFwnUSneIa0ZXkmq8EdkAM==", "RPILAgAB+cRh/I_x=", "RPILAgAB/../../v1/workspaces"])(
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
