import { afterEach, describe, expect, it } from "vitest";
import { AccountApi } from "../../../src/postmark/account-api.js";
import { ServerApi, type PostmarkSettings } from "../../../src/postmark/api.js";
import { findServer, unknownStreamError } from "../../../src/postmark/lookup.js";
import { blockingError, judgeConnection } from "../../../src/doctor/judge.js";
import * as shapes from "../../../src/postmark/shapes.js";
import type { PostmarkSimulator } from "../../../src/sandbox/postmark/simulator.js";
import { startApiSimulator } from "../../helpers/api.js";

/** Finding a server or stream by what a person typed, against the simulator. */

const ACCOUNT = "acct-lookup-token-00000001";
const SERVER = "server-lookup-token-0000001";

let simulator: PostmarkSimulator | undefined;
afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
});

async function account(names: Array<[number, string]>): Promise<{ api: AccountApi; settings: PostmarkSettings }> {
  const started = await startApiSimulator({
    accountToken: ACCOUNT,
    servers: names.map(([id, name], i) => ({ id, name, tokens: i === 0 ? [SERVER] : undefined })),
  });
  simulator = started.simulator;
  return { api: new AccountApi(ACCOUNT, started.settings), settings: started.settings };
}

describe("findServer", () => {
  it.each([
    ["an ID", "2", 2],
    ["a number that is no ID but a name", "42", 7],
    ["an exact name, over one that contains it", "Prod", 1],
    ["an exact name, over one that differs only in case", "prod", 3],
    ["a name in another case, when only one matches", "PROD EU", 2],
    ["digits followed by letters, as a name", "12abc", 8],
  ])("finds %s", async (_name, ref, id) => {
    const { api } = await account([
      [1, "Prod"],
      [2, "Prod EU"],
      [3, "prod"],
      [7, "42"],
      [8, "12abc"],
    ]);
    expect((await findServer(api, ref)).ID).toBe(id);
  });

  it("a number that is neither an ID nor a name", async () => {
    const { api } = await account([[1, "Prod"]]);
    await expect(findServer(api, "42")).rejects.toMatchObject({
      code: "unknown_server",
      exitCode: 2,
      message: "No server with ID or name 42 in this Postmark account.",
      hint: "Run without --server to choose from a list, or check the ID in the server's URL.",
    });
  });

  it("a number that only a longer name contains is no server: Postmark's name filter matches parts of names", async () => {
    const { api } = await account([
      [1, "Prod"],
      [5, "Shop 42"],
    ]);
    await expect(findServer(api, "42")).rejects.toMatchObject({ code: "unknown_server" });
  });

  it("a name in another case is matched whole, not as part of a longer name", async () => {
    const { api } = await account([
      [1, "Shop"],
      [2, "Shop EU"],
    ]);
    expect((await findServer(api, "SHOP")).ID).toBe(1);
  });

  it("an ID lookup that fails for another reason is that failure, and no name is looked up", async () => {
    const { api } = await account([[1, "Prod"]]);
    simulator!.injectFault({ match: (request) => request.path === "/servers/1", fault: { kind: "status", status: 500 } });
    await expect(findServer(api, "1")).rejects.toMatchObject({ code: "postmark_unavailable" });
    expect(simulator!.requests.map((request) => request.path)).not.toContain("/servers");
  });

  it("a name two servers share lists both, escaped, and asks for the ID", async () => {
    const { api } = await account([
      [1, "Twin\u001b[2J"],
      [2, "Twin\u001b[2J"],
      [3, "Twin\u001b[2J 2"],
    ]);
    await expect(findServer(api, "Twin\u001b[2J")).rejects.toMatchObject({
      code: "ambiguous_server",
      message: '2 servers are named "Twin\\u001b[2J": Twin\\x1b[2J (ID 1), Twin\\x1b[2J (ID 2).',
      hint: "Pass the numeric ID instead: --server <id>.",
    });
  });

  it("two names that differ only in case are ambiguous when neither is exact", async () => {
    const { api } = await account([
      [1, "Shop"],
      [2, "SHOP"],
    ]);
    await expect(findServer(api, "shop")).rejects.toMatchObject({
      code: "ambiguous_server",
      message: expect.stringMatching(/^2 servers are named "shop": Shop \(ID 1\), SHOP \(ID 2\)\.$/),
    });
  });

  it("an unknown name suggests close ones, or says how to choose", async () => {
    const { api } = await account([
      [1, "Production"],
      [2, "Staging"],
    ]);
    await expect(findServer(api, "Productoin")).rejects.toMatchObject({
      code: "unknown_server",
      message: 'No server named "Productoin" in this Postmark account.',
      hint: 'Did you mean: "Production"?',
    });
    await expect(findServer(api, "zzzzzzzz")).rejects.toMatchObject({ hint: "Run without --server to choose from a list." });
  });

  it("several close names are all suggested, each quoted", async () => {
    const { api } = await account([
      [1, "Production"],
      [2, "Productions"],
    ]);
    await expect(findServer(api, "Productio")).rejects.toMatchObject({ hint: 'Did you mean: "Production", "Productions"?' });
  });
});

describe("streams", () => {
  const stream = (fields: Record<string, unknown>) => shapes.stream({ ID: "s1", MessageStreamType: "Transactional", ...fields });
  /** What setup and apply do with the one verdict on a stream: refuse it with the first reason. */
  const assertUsableStream = (checked: ReturnType<typeof stream>) => {
    const server = shapes.server({ ID: 1, Name: "Prod", SmtpApiActivated: true });
    const wanted = { region: "us" as const, streamId: checked.ID, streamType: checked.MessageStreamType, needsSmtp: true };
    const verdict = judgeConnection({ server, stream: checked, webhooks: [] }, wanted, {
      serverId: 1,
      command: (...a) => a.join(" "),
      arrow: "->",
      accountToken: false,
    });
    const blocked = blockingError(verdict, server, checked.ID);
    if (blocked) throw blocked;
  };

  it("refuses an inbound or archived stream with the reason and what to do; takes the others", () => {
    expect(() => assertUsableStream(stream({ MessageStreamType: "Inbound" }))).toThrow(
      expect.objectContaining({
        code: "inbound_stream",
        exitCode: 2,
        message: 'Stream "s1" is an inbound stream: it receives mail, so Customer.io cannot send through it.',
        hint: "Choose a transactional or broadcast stream, e.g. --stream outbound.",
      }),
    );
    expect(() => assertUsableStream(stream({ ArchivedAt: "2026-01-01T00:00:00Z" }))).toThrow(
      expect.objectContaining({
        code: "archived_stream",
        exitCode: 2,
        message: 'Stream "s1" is archived: Postmark does not send from it.',
        hint: "Unarchive it in Postmark (Message Streams), or choose another stream.",
      }),
    );
    expect(() => assertUsableStream(stream({ MessageStreamType: "Broadcasts" }))).not.toThrow();
  });

  it("an unknown stream lists the usable ones; other errors pass through as they are", async () => {
    const { settings } = await account([[1, "Prod"]]);
    const api = new ServerApi(SERVER, settings);
    const notFound = await api.getStream("nope").catch((error) => error);
    expect(await unknownStreamError(api, "nope", notFound)).toMatchObject({
      code: "unknown_stream",
      exitCode: 2,
      message: 'This server has no message stream "nope".',
      hint: "Streams you can use: outbound, broadcast.",
    });
    const other = new Error("boom");
    expect(await unknownStreamError(api, "nope", other)).toBe(other);
    simulator!.injectFault({ fault: { kind: "status", status: 500 } });
    expect(await unknownStreamError(api, "nope", notFound)).toMatchObject({
      hint: "Create a transactional or broadcast stream in Postmark first.",
    });
  });
});
