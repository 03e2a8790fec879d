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
      "a coloured mark counts as its visible width",
      "\u001b[32m✔\u001b[39m Created webhook 9001 on Acme",
      20,
      "\u001b[32m✔\u001b[39m Created webhook\n  9001 on Acme",
    ],
  ])("%s", (_case, line, columns, expected) => {
    expect(wrapLine(line, columns)).toBe(expected);
  });

  it("wraps each line of a text and keeps empty lines", () => {
    expect(wrapText("alpha beta gamma\n\ndelta", 11)).toBe("alpha beta\ngamma\n\ndelta");
  });

  it("never breaks inside a word, however narrow", () => {
    const wrapped = wrapLine(`fix: cio-postmark doctor --fix --server 1001 ${URL}`, 10).split("\n");
    expect(wrapped).toContain(URL);
    expect(wrapped).toContain("--server");
    expect(wrapped.join(" ").replace(/\s+/g, " ")).toBe(`fix: cio-postmark doctor --fix --server 1001 ${URL}`);
  });
});
