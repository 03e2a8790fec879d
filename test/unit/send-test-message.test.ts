import { describe, expect, it } from "vitest";
import { firstEvent, parseAddress, searchFilters, testMessage } from "../../src/core/send-test.js";
import { plural } from "../../src/core/words.js";
import { closeMatches, matchesServerRef } from "../../src/core/matching.js";

describe("--send-test's message", () => {
  const base = {
    from: "alerts@example.com",
    to: "softbounce@bounce-testing.postmarkapp.com",
    id: "0b6f2d1c-aaaa-bbbb-cccc-0123456789ab",
    streamId: "outbound",
  };

  it("carries its id in Postmark metadata and the tag it is found by", () => {
    const message = testMessage({ ...base, streamType: "Transactional" });
    expect(message).toMatchObject({ from: base.from, to: base.to, subject: `cio-postmark stream test ${base.id}` });
    expect(message.headers).toEqual({ "X-PM-Tag": "cio-postmark-test", "X-PM-Metadata-cio-postmark-test": base.id });
    expect(message.text).toContain(`Test id: ${base.id}`);
    expect(message.text).toContain('(expected: "outbound")');
    expect(message.text + message.html).not.toContain("pm:unsubscribe");
  });

  it("on a broadcast stream, carries Postmark's unsubscribe placeholder in text and HTML", () => {
    const message = testMessage({ ...base, streamType: "Broadcasts" });
    expect(message.text).toContain("Unsubscribe: {{{ pm:unsubscribe }}}");
    expect(message.html).toContain('<a href="{{{ pm:unsubscribe }}}">Unsubscribe</a>');
  });

  it("escapes a stream id in its HTML", () => {
    expect(testMessage({ ...base, streamId: '<b>"x"&', streamType: "Transactional" }).html).toContain("&#60;b&#62;&#34;x&#34;&#38;");
  });

  it("is searched for by recipient, tag and its metadata id", () => {
    expect(searchFilters("id-1", "to@example.com")).toEqual({
      recipient: "to@example.com",
      tag: "cio-postmark-test",
      "metadata_cio-postmark-test": "id-1",
    });
  });

  it("its first event is the earliest, whatever the order Postmark lists them in", () => {
    expect(firstEvent(undefined)).toBeUndefined();
    expect(firstEvent([])).toBeUndefined();
    expect(
      firstEvent([
        { Type: "Opened", ReceivedAt: "2026-01-01T10:00:05Z" },
        { Type: "Delivered", ReceivedAt: "2026-01-01T10:00:01Z" },
      ]),
    ).toBe("Delivered");
    expect(firstEvent([{ Type: "Bounced" }])).toBe("Bounced");
  });

  it.each(["a@b.co", " news@mail.example.com ", "first.last+tag@sub.example.org"])("takes %j as an address", (address) => {
    expect(parseAddress("--from", address)).toBe(address.trim());
  });

  it.each(["", "no-at-sign", "a@b", "two@@example.com", "a b@example.com", "<a@example.com>", "a@example..com"])(
    "refuses %j, naming the flag",
    (address) => {
      expect(() => parseAddress("--to", address)).toThrow(/--to is not an email address/);
    },
  );

  it("leaves an address that was not given alone", () => {
    expect(parseAddress("--from", undefined)).toBeUndefined();
  });
});

describe("words", () => {
  it.each([
    [0, "0 connections"],
    [1, "1 connection"],
    [2, "2 connections"],
  ])("%i connection(s) is %j", (count, text) => {
    expect(plural(count, "connection")).toBe(text);
  });
});

describe("matching servers", () => {
  it("--server is an exact name, or a numeric ID with or without leading zeros", () => {
    expect(matchesServerRef(1, "One", "One")).toBe(true);
    expect(matchesServerRef(1, "One", "one")).toBe(false);
    expect(matchesServerRef(1, "One", "001")).toBe(true);
    expect(matchesServerRef(1, "One", "1")).toBe(true);
    expect(matchesServerRef(10, "One", "1")).toBe(false);
    expect(matchesServerRef(1, "42", "42")).toBe(true);
    expect(matchesServerRef(1, "One", "1a")).toBe(false);
    expect(matchesServerRef(12, "Other", "x12")).toBe(false);
    expect(matchesServerRef(12, "12x", "12x")).toBe(true);
  });

  it("suggests only close names, the closest first, then by name", () => {
    expect(closeMatches("stagingg", ["Stxxxngg", "Production", "Staging", "Sxxxxngg"])).toEqual(["Staging", "Stxxxngg"]);
    expect(closeMatches("abcdefghijklmnopqrstuvwxyz", ["abcdefghijklmnopqrstuvw123", "abcdefghijklm1234567890123"])).toEqual([
      "abcdefghijklmnopqrstuvw123",
    ]);
    expect(closeMatches("prod", ["b-prod", "a-prod", "prud"])).toEqual(["a-prod", "b-prod", "prud"]);
  });
  it("suggests the closest names: containment first, then small edit distances, at most five", () => {
    const names = ["Production", "Staging", "Prod EU", "Development", "Marketing", "Product Team", "Productive", "Producer"];
    expect(closeMatches("Prodution", names)).toEqual(["Production", "Productive"]); // edit distances 1 and 3
    expect(closeMatches("prod", names)).toEqual(["Prod EU", "Producer", "Product Team", "Production", "Productive"]);
    expect(closeMatches("zzzzzz", names)).toEqual([]);
    expect(closeMatches("Stagin", names, 1)).toEqual(["Staging"]);
  });
});

describe("the test message, whole", () => {
  const base = { from: "a@example.com", to: "b@example.com", id: "id-1", streamId: "outbound" };
  const purpose =
    'This message was sent by cio-postmark to prove which Postmark message stream an SMTP token sends through (expected: "outbound").';

  it("transactional: two paragraphs", () => {
    const message = testMessage({ ...base, streamType: "Transactional" });
    expect(message.text).toBe(`${purpose}\n\nTest id: id-1`);
    expect(message.html).toBe(`<p>${purpose.replace(/"/g, "&#34;")}</p><p>Test id: id-1</p>`);
  });

  it("broadcast: an unsubscribe paragraph last", () => {
    const message = testMessage({ ...base, streamType: "Broadcasts" });
    expect(message.text).toBe(`${purpose}\n\nTest id: id-1\n\nUnsubscribe: {{{ pm:unsubscribe }}}`);
    expect(message.html).toBe(
      `<p>${purpose.replace(/"/g, "&#34;")}</p><p>Test id: id-1</p><p><a href="{{{ pm:unsubscribe }}}">Unsubscribe</a></p>`,
    );
  });

  it("an event without a time sorts first; a bad address is named with an example", () => {
    expect(firstEvent([{ Type: "Delivered", ReceivedAt: "2026-01-01T10:00:01Z" }, { Type: "Queued" }])).toBe("Queued");
    expect(() => parseAddress("--from", "nope")).toThrow(
      expect.objectContaining({
        code: "invalid_address",
        message: '--from is not an email address: "nope".',
        hint: "For example --from alerts@example.com.",
      }),
    );
  });
});
