import { afterEach, describe, expect, it } from "vitest";
import { AccountApi } from "../../../src/postmark/account-api.js";
import { ServerApi, type PostmarkSettings } from "../../../src/postmark/api.js";
import type { AccountSpec } from "../../../src/sandbox/account.js";
import type { PostmarkSimulator } from "../../../src/sandbox/postmark/simulator.js";
import { startApiSimulator } from "../../helpers/api.js";

/** The API layer on its own against the simulator: what each call is called in errors, and how listings page. */

const ACCOUNT = "acct-api-token-0000000001";
const SERVER = "server-api-token-000000001";

let simulator: PostmarkSimulator | undefined;
afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
});

async function start(servers = 2, extra: Partial<AccountSpec> = {}): Promise<PostmarkSettings> {
  const spec: AccountSpec = {
    accountToken: ACCOUNT,
    servers: Array.from({ length: servers }, (_, i) => ({
      id: i + 1,
      name: `Server ${String(i + 1).padStart(5, "0")}`,
      tokens: i === 0 ? [SERVER] : undefined,
    })),
    ...extra,
  };
  const started = await startApiSimulator(spec);
  simulator = started.simulator;
  return started.settings;
}

const listings = () => simulator!.requests.filter((request) => request.path === "/servers");

describe("what each call is called when Postmark fails it", () => {
  const account = (settings: PostmarkSettings) => new AccountApi(ACCOUNT, settings);
  const server = (settings: PostmarkSettings) => new ServerApi(SERVER, settings);
  const body = { Url: "https://track.customer.io/postmark/events", MessageStream: "outbound", Triggers: {} } as never;
  it.each([
    ["list your servers", (s: PostmarkSettings) => account(s).listServers()],
    ["read server 1", (s: PostmarkSettings) => account(s).getServer(1)],
    ["check the account token", (s: PostmarkSettings) => account(s).accepted()],
    ["list your sending domains", (s: PostmarkSettings) => account(s).listDomains()],
    ["list your sender signatures", (s: PostmarkSettings) => account(s).listSenderSignatures()],
    ["read the server", (s: PostmarkSettings) => server(s).getServer()],
    ["list the message streams", (s: PostmarkSettings) => server(s).listStreams()],
    ['read message stream "outbound"', (s: PostmarkSettings) => server(s).getStream("outbound")],
    ['list the webhooks of stream "outbound"', (s: PostmarkSettings) => server(s).listWebhooks("outbound")],
    ["read webhook 9", (s: PostmarkSettings) => server(s).getWebhook(9)],
    ["verify webhook 9", (s: PostmarkSettings) => server(s).verifyWebhook(9)],
    ["read the delivery statistics of webhook 9", (s: PostmarkSettings) => server(s).webhookDeliveries(9)],
    ["create the webhook", (s: PostmarkSettings) => server(s).createWebhook(body, { verify: true })],
    ["update webhook 9", (s: PostmarkSettings) => server(s).editWebhook(9, body, { verify: true })],
    ["delete webhook 9", (s: PostmarkSettings) => server(s).deleteWebhook(9)],
    ["search the sent messages", (s: PostmarkSettings) => server(s).searchOutboundMessages({ recipient: "a@b.c" })],
    ["read sent message m-1", (s: PostmarkSettings) => server(s).getOutboundMessageDetails("m-1")],
  ])("%s", async (action, call) => {
    const settings = await start();
    simulator!.injectFault({ fault: { kind: "status", status: 500 } });
    await expect(call(settings)).rejects.toMatchObject({
      code: "postmark_unavailable",
      message: `Postmark answered 500 while trying to ${action}.`,
    });
  });

  it("a rejected token is named by where it came from, POSTMARK_ACCOUNT_TOKEN or POSTMARK_SERVER_TOKEN unless told otherwise", async () => {
    const settings = await start();
    await expect(new AccountApi("wrong-account-token-000", settings).listServers()).rejects.toMatchObject({
      code: "postmark_unauthorized",
      hint: expect.stringMatching(/^Check POSTMARK_ACCOUNT_TOKEN: /),
    });
    await expect(new ServerApi("wrong-server-token-000", settings).getServer()).rejects.toMatchObject({
      hint: expect.stringMatching(/^Check POSTMARK_SERVER_TOKEN: /),
    });
    await expect(new ServerApi("wrong-server-token-000", settings, "the token you pasted").getServer()).rejects.toMatchObject({
      hint: expect.stringMatching(/^Check the token you pasted: /),
    });
  });

  it("the account token check is one request for one server, and says yes", async () => {
    const settings = await start(3);
    expect(await new AccountApi(ACCOUNT, settings).accepted()).toBe(true);
    expect(listings().map((request) => request.query)).toEqual([{ count: "1", offset: "0" }]);
  });

  it("the account token check reads its answer like any other: HTML is a bad answer", async () => {
    const settings = await start();
    simulator!.injectFault({ fault: { kind: "answer", status: 200, body: "<html>login</html>" } });
    await expect(new AccountApi(ACCOUNT, settings).accepted()).rejects.toMatchObject({ code: "postmark_bad_response" });
  });

  it("sender signatures are listed with count and offset", async () => {
    const settings = await start(1, { senders: [{ EmailAddress: "a@example.com" }] });
    expect((await new AccountApi(ACCOUNT, settings).listSenderSignatures()).map((sender) => sender.EmailAddress)).toEqual([
      "a@example.com",
    ]);
    expect(simulator!.requests.map((request) => request.query)).toEqual([{ count: "500", offset: "0" }]);
  });

  it("domains are listed with count and offset", async () => {
    const settings = await start(1, { domains: [{ Name: "a.example" }, { Name: "b.example" }] });
    expect((await new AccountApi(ACCOUNT, settings).listDomains()).map((domain) => domain.Name)).toEqual(["a.example", "b.example"]);
    expect(simulator!.requests.map((request) => request.query)).toEqual([{ count: "500", offset: "0" }]);
  });

  it("a sent message Postmark cannot show yet (422, code 701) is not yet there; another 422 or a 404 is a failure", async () => {
    const settings = await start();
    const details = () => new ServerApi(SERVER, settings).getOutboundMessageDetails("b7bc2f4a-e38e-4336-af7d-e6c392c2f817");
    const answer = (status: number, ErrorCode: number) =>
      simulator!.injectFault({ fault: { kind: "answer", status, body: JSON.stringify({ ErrorCode, Message: "m" }) }, times: 1 });
    answer(422, 701);
    expect(await details()).toBeUndefined();
    answer(422, 1226);
    await expect(details()).rejects.toMatchObject({ code: "postmark_rejected" });
    answer(404, 701);
    await expect(details()).rejects.toMatchObject({ code: "postmark_error" });
  });
});

describe("paged listings", () => {
  it("an account of exactly two pages takes two requests, none past the end", async () => {
    const settings = await start(1000);
    expect(await new AccountApi(ACCOUNT, settings).listServers()).toHaveLength(1000);
    expect(
      listings()
        .map((request) => request.query.offset)
        .sort(),
    ).toEqual(["0", "500"]);
  });

  it("6,000 servers come whole and in order, the later pages at most 8 at once, with no listener-leak warning", async () => {
    const settings = await start(6000);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const servers = await new AccountApi(ACCOUNT, settings).listServers();
    await new Promise((resolve) => setImmediate(resolve));
    process.off("warning", onWarning);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
    expect(servers.map((s) => s.ID)).toEqual(Array.from({ length: 6000 }, (_, i) => i + 1));
    const later = listings().slice(1);
    expect(later).toHaveLength(11);
    const most = Math.max(
      ...later.map(
        (request) => later.filter((other) => other.startedAt <= request.startedAt && other.finishedAt > request.startedAt).length,
      ),
    );
    expect(most).toBeLessThanOrEqual(8);
  });

  it("a short page in the middle ends the listing: no page beyond it is asked for", async () => {
    const settings = await start(6000);
    // Page 500 answers at once with 10 servers; the other first eight pages take their time.
    const short = JSON.stringify({
      TotalCount: 6000,
      Servers: Array.from({ length: 10 }, (_, i) => ({ ID: 9000 + i, Name: `Short ${i}`, ApiTokens: [], SmtpApiActivated: true })),
    });
    simulator!.injectFault({
      match: (request) => request.path === "/servers" && request.query.offset === "500",
      fault: { kind: "answer", status: 200, body: short },
    });
    simulator!.injectFault({
      match: (request) => request.path === "/servers" && request.query.offset !== "0" && request.query.offset !== "500",
      fault: { kind: "latency", ms: 100 },
    });
    const servers = await new AccountApi(ACCOUNT, settings).listServers();
    expect(
      listings()
        .map((request) => Number(request.query.offset))
        .sort((a, b) => a - b),
    ).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000]);
    expect(servers.filter((s) => s.Name.startsWith("Short"))).toHaveLength(10);
  });

  it("a count of exactly 100,000 is read; one more is refused before any second request", async () => {
    const settings = await start(1);
    const page = (total: number) =>
      JSON.stringify({
        TotalCount: total,
        Servers: Array.from({ length: 500 }, (_, i) => ({ ID: i + 1, Name: `S${i}`, ApiTokens: [], SmtpApiActivated: true })),
      });
    simulator!.injectFault({
      match: (request) => request.path === "/servers",
      fault: { kind: "answer", status: 200, body: page(100_001) },
      times: 1,
    });
    await expect(new AccountApi(ACCOUNT, settings).listServers()).rejects.toMatchObject({
      code: "postmark_bad_response",
      message:
        "Postmark's answer when trying to list your servers was not what its API documents: it counts 100001 items, more than the " +
        "100000 this tool reads.",
    });
    expect(listings()).toHaveLength(1);
    simulator!.injectFault({
      match: (request) => request.path === "/servers",
      fault: { kind: "answer", status: 200, body: page(100_000) },
    });
    expect(await new AccountApi(ACCOUNT, settings).listServers()).toHaveLength(100_000);
    expect(listings()).toHaveLength(201);
  });
});
