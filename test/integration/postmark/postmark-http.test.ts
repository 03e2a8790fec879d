import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { guardedFetch as serviceFetch, requestSlots, type FetchOptions, type RequestSlot } from "../../../src/http/guarded-fetch.js";
import { postmarkRequests } from "../../../src/http/limiter.js";
import { POSTMARK_SERVICE } from "../../../src/postmark/api.js";
import { Trace } from "../../../src/trace.js";
import { SecretRegistry } from "../../../src/ui/redact.js";

/** The fetch the postmark client is given, against a plain local HTTP server that answers what each test says. */

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function answering(answer: (response: ServerResponse, body: string) => void): Promise<string> {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => answer(response, body));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function traced(): { trace: Trace; lines: () => Array<Record<string, unknown>> } {
  const path = join(mkdtempSync(join(tmpdir(), "cio-http-")), "trace.jsonl");
  const trace = Trace.open(path, new SecretRegistry(), { configDir: mkdtempSync(join(tmpdir(), "cio-config-")), fileModes: true });
  return {
    trace,
    lines: () =>
      readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
  };
}

/** The guarded fetch as the postmark client gets it. */
const guardedFetch = (options: Partial<FetchOptions> = {}) =>
  serviceFetch({ service: POSTMARK_SERVICE, limiter: postmarkRequests, ...options });

describe("guardedFetch", () => {
  it.each([300, 301, 307, 399])("refuses a %i, naming where it pointed, and says so in the request's slot", async (status) => {
    const origin = await answering((response) => response.writeHead(status, { Location: "https://elsewhere.example:8443/steal" }).end());
    const slot: RequestSlot = {};
    const error = await requestSlots.run(slot, () => guardedFetch()(`${origin}/servers`)).catch((caught) => caught);
    expect(error).toMatchObject({
      code: "postmark_redirect",
      message:
        `The Postmark API at ${origin.slice(7)} answered ${status}, a redirect to elsewhere.example:8443. It was not followed: ` +
        `your token was not sent there.`,
      hint: "Postmark's API never redirects. Check POSTMARK_API_URL and any proxy between you and api.postmarkapp.com.",
    });
    expect(slot.refusal).toBe(error);
  });

  it.each([
    ["no Location", {}, "no Location header"],
    ["an unreadable Location", { Location: "http://[not-an-address" }, "an unreadable Location"],
  ])("a redirect with %s says so, outside any slot too", async (_name, headers, where) => {
    const origin = await answering((response) => response.writeHead(302, headers).end());
    await expect(guardedFetch()(`${origin}/server`)).rejects.toMatchObject({
      code: "postmark_redirect",
      message: expect.stringContaining(`a redirect to ${where}.`),
    });
  });

  it("passes a 400 and a 200 through with their bodies, and a 204 without one", async () => {
    let status = 400;
    const origin = await answering((response) => response.writeHead(status).end(status === 204 ? undefined : `{"status":${status}}`));
    const fetch = guardedFetch();
    expect(await (await fetch(`${origin}/a`)).json()).toEqual({ status: 400 });
    status = 200;
    expect(await (await fetch(`${origin}/a`)).json()).toEqual({ status: 200 });
    status = 204;
    const empty = await fetch(`${origin}/a`);
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
  });

  it("reads an answer of exactly the cap, and refuses one byte more, saying so in megabytes", async () => {
    const cap = 2 * 1024 * 1024;
    let size = cap;
    const origin = await answering((response) => response.writeHead(200).end("a".repeat(size)));
    const { trace, lines } = traced();
    expect((await (await guardedFetch({ trace, maxBytes: cap })(`${origin}/big`)).text()).length).toBe(cap);
    size = cap + 1;
    await expect(guardedFetch({ trace, maxBytes: cap })(`${origin}/big`)).rejects.toMatchObject({
      code: "postmark_response_too_large",
      message: `The Postmark API at ${origin.slice(7)} sent an answer larger than 2 MB; it was not read.`,
      hint: "No real Postmark answer is that large: check POSTMARK_API_URL and any proxy, and run with --trace FILE to report it.",
    });
    expect(lines()[1]).toMatchObject({ kind: "http", path: "/big", status: 200, responseBody: `(more than ${cap} bytes, not read)` });
  });

  it("writes each exchange to the trace: method, path, query, status, time, both bodies", async () => {
    const origin = await answering((response, body) =>
      response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ got: body })),
    );
    const { trace, lines } = traced();
    const fetch = guardedFetch({ trace });
    await fetch(`${origin}/webhooks?messagestream=outbound&count=2`);
    await fetch(`${origin}/webhooks`, { method: "POST", body: '{"Url":"https://x"}' });
    const [get, post] = lines();
    expect(get).toMatchObject({
      kind: "http",
      method: "GET",
      path: "/webhooks",
      query: { messagestream: "outbound", count: "2" },
      status: 200,
      requestBody: null,
      responseBody: { got: "" },
    });
    expect(post).toMatchObject({ method: "POST", requestBody: { Url: "https://x" }, responseBody: { got: '{"Url":"https://x"}' } });
    for (const line of [get, post]) expect(line.ms).toEqual(expect.any(Number));
    for (const line of [get, post]) expect(line.ms as number).toBeLessThan(60_000);
  });

  it("is cancelled by the request's own signal, or by its slot's, even one that was cancelled before it started", async () => {
    const origin = await answering(() => undefined); // never answers
    const fetch = guardedFetch();
    const own = new AbortController();
    const slot = new AbortController();
    const both = requestSlots.run({ signal: slot.signal }, () => fetch(`${origin}/a`, { signal: own.signal }));
    own.abort();
    await expect(both).rejects.toThrow();
    const bySlot = requestSlots.run({ signal: slot.signal }, () => fetch(`${origin}/a`, { signal: new AbortController().signal }));
    slot.abort();
    await expect(bySlot).rejects.toThrow();
    const early = new AbortController();
    early.abort();
    await expect(
      requestSlots.run({ signal: early.signal }, () => fetch(`${origin}/a`, { signal: new AbortController().signal })),
    ).rejects.toThrow();
    await expect(requestSlots.run({ signal: early.signal }, () => fetch(`${origin}/a`))).rejects.toThrow();
  });
});
