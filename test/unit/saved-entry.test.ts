import { describe, expect, it } from "vitest";
import { problemWithEntry } from "../../src/store/validate.js";
import { savedConnection } from "../helpers/saved.js";

const good = savedConnection();

describe("a saved entry, checked on read", () => {
  it("takes a whole entry, with or without its secrets, with or without SMTP, with no webhook yet", () => {
    expect(problemWithEntry(good)).toBeUndefined();
    const { serverToken: _token, ...withoutToken } = good;
    expect(problemWithEntry({ ...withoutToken, smtp: { host: "h", port: 2525, accessKey: "ak" } })).toBeUndefined();
    expect(problemWithEntry({ ...good, smtp: null, webhookId: null, streamType: "Broadcasts", region: "eu" })).toBeUndefined();
  });

  it.each([
    ["null", null, "the entry is not an object"],
    ["a list", [good], "the entry is not an object"],
    ["no server id", { ...good, serverId: undefined }, "serverId is not a positive whole number"],
    ["server id 0", { ...good, serverId: 0 }, "serverId is not a positive whole number"],
    ["server id as text", { ...good, serverId: "1001" }, "serverId is not a positive whole number"],
    ["blank server name", { ...good, serverName: " " }, "serverName is missing"],
    ["no stream", { ...good, streamId: "" }, "streamId is missing"],
    ["an inbound stream", { ...good, streamType: "Inbound" }, "streamType is not Transactional or Broadcasts"],
    ["region asia", { ...good, region: "asia" }, 'region is not "us" or "eu"'],
    ["region in capitals", { ...good, region: "US" }, 'region is not "us" or "eu"'],
    ["webhook id as text", { ...good, webhookId: "9001" }, "webhookId is not a whole number"],
    ["no webhook URL", { ...good, webhookUrl: undefined }, "webhookUrl is missing"],
    ["empty server token", { ...good, serverToken: "" }, "serverToken is not text"],
    ["smtp as text", { ...good, smtp: "smtp.postmarkapp.com" }, "smtp is not an object"],
    ["smtp without host", { ...good, smtp: { ...good.smtp, host: "" } }, "smtp.host is missing"],
    ["port 0", { ...good, smtp: { ...good.smtp, port: 0 } }, "smtp.port is not a port number"],
    ["port 65536", { ...good, smtp: { ...good.smtp, port: 65536 } }, "smtp.port is not a port number"],
    ["port as text", { ...good, smtp: { ...good.smtp, port: "587" } }, "smtp.port is not a port number"],
    ["no access key", { ...good, smtp: { ...good.smtp, accessKey: undefined } }, "smtp.accessKey is missing"],
    ["secret key as a number", { ...good, smtp: { ...good.smtp, secretKey: 5 } }, "smtp.secretKey is not text"],
  ])("refuses %s, saying what is wrong", (_name, entry, problem) => {
    expect(problemWithEntry(entry)).toBe(problem);
  });

  it("takes ports at the edges of the range", () => {
    expect(problemWithEntry({ ...good, smtp: { ...good.smtp, port: 1 } })).toBeUndefined();
    expect(problemWithEntry({ ...good, smtp: { ...good.smtp, port: 65535 } })).toBeUndefined();
  });
});
