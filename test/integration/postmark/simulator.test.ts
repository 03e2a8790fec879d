import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccountClient, ServerClient } from "postmark";
import { AccountApi } from "../../../src/postmark/account-api.js";
import { ServerApi } from "../../../src/postmark/api.js";
import { parsePostmarkApiUrl } from "../../../src/postmark/base-url.js";
import { buildAccount } from "../../../src/sandbox/account.js";
import { PostmarkSimulator } from "../../../src/sandbox/postmark/simulator.js";

/** The real `postmark` client, unmodified, against the simulator over HTTP. */

const ACCOUNT = "acct-sim-token-000000000001";
let simulator: PostmarkSimulator;
const options = () => ({ useHttps: false, requestHost: simulator.url.replace("http://", "") });
const serverToken = (id: number) => `server-token-${id}`;

beforeAll(async () => {
  const servers = Array.from({ length: 1234 }, (_, i) => ({ name: `Server ${String(i + 1).padStart(4, "0")}` }));
  servers[0] = { ...servers[0]!, name: "Main" };
  simulator = await PostmarkSimulator.start(buildAccount({ accountToken: ACCOUNT, servers }));
});
afterAll(() => simulator.close());

describe("Postmark simulator through the real postmark client", () => {
  it("lists an account of 1,234 servers whole in exactly 3 page requests", async () => {
    const before = simulator.requests.length;
    const api = new AccountApi(ACCOUNT, { endpoint: parsePostmarkApiUrl(simulator.url), timeoutMs: 5000 });
    const servers = await api.listServers();
    expect(servers).toHaveLength(1234);
    expect(new Set(servers.map((server) => server.ID)).size).toBe(1234);
    const pages = simulator.requests.slice(before);
    expect(pages.map((request) => request.path)).toEqual(["/servers", "/servers", "/servers"]);
    expect(pages.map((request) => request.query.offset).sort()).toEqual(["0", "1000", "500"]);
    expect(pages.every((request) => request.query.count === "500")).toBe(true);
  });

  it("answers a webhook created with only Delivery with all six triggers, complete", async () => {
    const client = new ServerClient(serverToken(10_001), options());
    const created = await client.createWebhook({
      Url: "https://example.com/hook",
      MessageStream: "outbound",
      Triggers: { Delivery: { Enabled: true } },
    } as never);
    expect(created.Triggers).toEqual({
      Open: { Enabled: false, PostFirstOpenOnly: false },
      Click: { Enabled: false },
      Delivery: { Enabled: true },
      Bounce: { Enabled: false, IncludeContent: false },
      SpamComplaint: { Enabled: false, IncludeContent: false },
      SubscriptionChange: { Enabled: false },
    });
    const fetched = await client.getWebhook(created.ID!);
    expect(fetched).toEqual(created);
  });

  it("answers 422 / 1226 for an unknown stream", async () => {
    const client = new ServerClient(serverToken(10_001), options());
    await expect(client.getMessageStream("nope")).rejects.toMatchObject({ statusCode: 422, code: 1226 });
    await expect(client.getWebhooks({ messageStream: "nope" })).rejects.toMatchObject({ statusCode: 422, code: 1226 });
  });

  it("answers 401 / 10 to a server token on /servers", async () => {
    const client = new AccountClient(serverToken(10_001), options());
    await expect(client.getServers({ count: 10, offset: 0 })).rejects.toMatchObject({
      statusCode: 401,
      code: 10,
      name: "InvalidAPIKeyError",
    });
  });

  it("refuses a webhook on an inbound stream (422 / 1351) and an archived one (1350)", async () => {
    const client = new ServerClient(serverToken(10_001), options());
    await expect(client.createWebhook({ Url: "https://example.com/x", MessageStream: "inbound" } as never)).rejects.toMatchObject({
      statusCode: 422,
      code: 1351,
    });
    simulator.state.streams.find((s) => s.ServerID === 10_001 && s.ID === "broadcast")!.ArchivedAt = "2026-01-01T00:00:00Z";
    await expect(client.createWebhook({ Url: "https://example.com/x", MessageStream: "broadcast" } as never)).rejects.toMatchObject({
      statusCode: 422,
      code: 1350,
    });
    simulator.state.streams.find((s) => s.ServerID === 10_001 && s.ID === "broadcast")!.ArchivedAt = null;
  });

  it("validates webhook writes like Postmark (1352, 1354, 1357)", async () => {
    const client = new ServerClient(serverToken(10_002), options());
    await expect(client.createWebhook({ Url: "not a url" } as never)).rejects.toMatchObject({ code: 1354 });
    await expect(client.editWebhook(424242, { Url: "https://example.com" } as never)).rejects.toMatchObject({ code: 1352 });
    const hook = await client.createWebhook({ Url: "https://example.com/a" } as never);
    expect(hook.MessageStream).toBe("outbound");
    await expect(client.editWebhook(hook.ID!, { MessageStream: "broadcast" } as never)).rejects.toMatchObject({ code: 1357 });
    // A trigger left out of an edit keeps its value.
    await client.editWebhook(hook.ID!, { Triggers: { Bounce: { Enabled: true } } } as never);
    await client.editWebhook(hook.ID!, { Triggers: { Delivery: { Enabled: true } } } as never);
    const after = await client.getWebhook(hook.ID!);
    expect(after.Triggers!.Bounce!.Enabled).toBe(true);
    expect(after.Triggers!.Delivery!.Enabled).toBe(true);
    expect(await client.deleteWebhook(hook.ID!)).toMatchObject({ ErrorCode: 0 });
    await expect(client.getWebhook(hook.ID!)).rejects.toMatchObject({ code: 1352 });
  });

  it("matches routes, query keys and enum values case-insensitively, and requires count/offset", async () => {
    const headers = { "X-Postmark-Server-Token": serverToken(10_001), Accept: "application/json" };
    const streams = await fetch(`${simulator.url}/Message-Streams/?messagestreamtype=transactional`, { headers });
    expect(streams.status).toBe(200);
    expect(((await streams.json()) as { MessageStreams: { ID: string }[] }).MessageStreams.map((s: { ID: string }) => s.ID)).toEqual([
      "outbound",
    ]);
    const noPaging = await fetch(`${simulator.url}/servers`, {
      headers: { "X-Postmark-Account-Token": ACCOUNT, Accept: "application/json" },
    });
    expect(noPaging.status).toBe(422);
    const tooMany = await fetch(`${simulator.url}/servers?count=501&offset=0`, {
      headers: { "X-Postmark-Account-Token": ACCOUNT, Accept: "application/json" },
    });
    expect(tooMany.status).toBe(422);
    expect(await tooMany.json()).toMatchObject({ ErrorCode: expect.any(Number), Message: expect.any(String) });
  });

  it("injects faults on chosen requests and logs every request", async () => {
    const api = new ServerApi(serverToken(10_001), {
      endpoint: parsePostmarkApiUrl(simulator.url),
      timeoutMs: 500,
      retry: { tries: 1, baseDelayMs: 1, maxTotalMs: 100 },
    });
    simulator.injectFault({ fault: { kind: "status", status: 503 }, times: 1 });
    await expect(api.getServer()).rejects.toMatchObject({ code: "postmark_unavailable" });
    simulator.injectFault({ fault: { kind: "hang" }, times: 1 });
    await expect(api.getServer()).rejects.toMatchObject({ code: "postmark_timeout" });
    simulator.injectFault({ fault: { kind: "drop" }, times: 1 });
    await expect(api.getServer()).rejects.toMatchObject({ code: "postmark_unreachable" });
    const recovered = await api.getServer();
    expect(recovered.ID).toBe(10_001);
    expect(simulator.requests.slice(-4).map((request) => request.status)).toEqual([503, "hung", "dropped", 200]);
  });

  it("retries reads on 429, 500 and 503", async () => {
    const api = new ServerApi(serverToken(10_001), {
      endpoint: parsePostmarkApiUrl(simulator.url),
      timeoutMs: 2000,
      retry: { tries: 4, baseDelayMs: 5, maxTotalMs: 5000 },
    });
    for (const status of [429, 500, 503] as const) simulator.injectFault({ fault: { kind: "status", status }, times: 1 });
    expect((await api.getServer()).ID).toBe(10_001);
    expect(simulator.requests.slice(-4).map((request) => request.status)).toEqual([429, 500, 503, 200]);
  });
});
