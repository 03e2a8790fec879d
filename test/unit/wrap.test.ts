import { describe, expect, it } from "vitest";
import { wrapLine, wrapText } from "../../src/ui/wrap.js";

/** Prose fits the terminal; URLs, tokens and commands stay whole. */

const URL = "https://account.postmarkapp.com/servers/1001/streams/outbound/settings";

describe("wrapping to the terminal's width", () => {
  it.each<[string, string, number, string]>([
    ["a line that fits is left as it is", "Checking the SMTP key pair", 40, "Checking the SMTP key pair"],
    ["exactly the width fits", "abcde fghij", 11, "abcde fghij"],
    ["prose breaks at spaces", "one two three four five six", 13, "one two three\nfour five six"],
    ["a URL that does not fit goes on its own line, whole", `Open ${URL} now`, 30, `Open\n${URL}\nnow`],
    [
      "a bullet's continuation hangs under its text",
      "  • a minute to generate an SMTP token on the stream",
      24,
      "  • a minute to generate\n    an SMTP token on the\n    stream",
    ],
    [
      "a numbered step hangs the same way",
      "  1. Set up webhooks: already done by this tool",
      24,
      "  1. Set up webhooks:\n     already done by\n     this tool",
    ],
    [
      "a command on its own line is never broken (the terminal folds it; it copies as one line)",
      "  cio-postmark doctor --end-to-end --from ADDRESS --server 1001",
      30,
      "  cio-postmark doctor --end-to-end --from ADDRESS --server 1001",
    ],
    ["the same started through npx", "npx cio-postmark doctor --fix --server 1001", 20, "npx cio-postmark doctor --fix --server 1001"],
    [
      "a command after words goes whole on a line of its own (README: a fix line is never broken)",
      "      fix: cio-postmark doctor --fix --server 1001 --stream outbound --sandbox",
      60,
      "      fix:\n      cio-postmark doctor --fix --server 1001 --stream outbound --sandbox",
    ],
    [
      "a command from a clone, after a marked sentence, hangs under its text",
      "✖ Run it again with the fix: node bin/cio-postmark.js doctor --fix --yes --server 1001",
      30,
      "✖ Run it again with the fix:\n  node bin/cio-postmark.js doctor --fix --yes --server 1001",
    ],
    [
      "prose that names the tool is still prose",
      "cio-postmark connects a Postmark stream to Customer.io",
      30,
      "cio-postmark connects a\nPostmark stream to Customer.io",
    ],
    [
      "a coloured mark counts as its visible width",
      "\u001b[32m✔\u001b[39m Created webhook 9001 on Acme",
      20,
      "\u001b[32m✔\u001b[39m Created webhook\n  9001 on Acme",
    ],
    // Screen columns, not characters: each CJK character and each emoji here takes two.
    ["CJK text is measured in columns", "服务器 生产环境 流 出站", 10, "服务器\n生产环境\n流 出站"],
    ["an emoji is two columns", "🚀🚀🚀 launch 🚀🚀🚀 day", 13, "🚀🚀🚀 launch\n🚀🚀🚀 day"],
    ["runs of spaces inside a name stay as they came", "Server  A   B", 40, "Server  A   B"],
    ["and stay inside a row that is wrapped", "Acme  Production  one two three", 20, "Acme  Production \none two three"],
  ])("%s", (_case, line, columns, expected) => {
    expect(wrapLine(line, columns)).toBe(expected);
  });

  it("wraps each line of a text and keeps empty lines", () => {
    expect(wrapText("alpha beta gamma\n\ndelta", 11)).toBe("alpha beta\ngamma\n\ndelta");
  });

  it("never breaks inside a word, however narrow, and never inside a command", () => {
    const wrapped = wrapLine(`open the page --server 1001 ${URL}`, 10).split("\n");
    expect(wrapped).toContain(URL);
    expect(wrapped).toContain("--server");
    expect(wrapped.join(" ").replace(/\s+/g, " ")).toBe(`open the page --server 1001 ${URL}`);
    expect(wrapLine("fix: cio-postmark doctor --fix --server 1001", 10).split("\n")).toEqual([
      "fix:",
      "cio-postmark doctor --fix --server 1001",
    ]);
  });
});

describe("wrapped lines never pass the width in screen columns", () => {
  const columnsOf = (text: string) =>
    [...text].reduce(
      (sum, char) => sum + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60\u{1f300}-\u{1faff}]/u.test(char) ? 2 : 1),
      0,
    );
  it.each([20, 33, 50])("at %i columns, for CJK and emoji names", (columns) => {
    const line = "Connected 流出站服务器 (東京) and 🚀 Launch 🚀 campaigns to 生产环境 on Acme 株式会社 today";
    for (const row of wrapLine(line, columns).split("\n")) expect(columnsOf(row)).toBeLessThanOrEqual(columns);
  });
});
