import { describe, expect, it } from "vitest";
import { carriedFlags, commandLine, quoteArg, startedThroughNpx } from "../../src/core/command-line.js";
import { closestWord } from "../../src/core/matching.js";

/** Printed commands run as printed; mistyped commands find their word. */

describe("printed commands", () => {
  it.each<[string, boolean, string]>([
    ["outbound", false, "outbound"],
    ["/tmp/cio-1/config", false, "/tmp/cio-1/config"],
    ["My Server", false, "'My Server'"],
    ["it's", false, "'it'\\''s'"],
    ["$HOME", false, "'$HOME'"],
    ["My Server", true, '"My Server"'],
    ['say "hi"', true, '"say ""hi"""'],
    ["C:\\Users\\me", true, '"C:\\Users\\me"'],
  ])("quotes %j for %s", (arg, windows, expected) => {
    expect(quoteArg(arg, windows)).toBe(expected);
  });

  it("start as the run was started and carry its flags", () => {
    const style = { prefix: "npx cio-postmark", carried: carriedFlags({ sandbox: true, configDir: "/tmp/a b" }), windows: false };
    expect(commandLine(style, ["doctor", "--fix", "--server", "1001"])).toBe(
      "npx cio-postmark doctor --fix --server 1001 --sandbox --config-dir '/tmp/a b'",
    );
    expect(commandLine({ prefix: "cio-postmark", carried: carriedFlags({}), windows: false }, ["setup"])).toBe("cio-postmark setup");
  });

  it.each<[NodeJS.ProcessEnv, string | undefined, boolean]>([
    [{ npm_command: "exec" }, "/usr/lib/node_modules/cio-postmark/bin/cio-postmark.js", true],
    [{}, "/home/me/.npm/_npx/4b1f/node_modules/cio-postmark/bin/cio-postmark.js", true],
    [{}, "C:\\Users\\me\\AppData\\Local\\npm-cache\\_npx\\4b1f\\node_modules\\cio-postmark\\bin\\cio-postmark.js", true],
    [{ npm_command: "test" }, "/usr/local/bin/cio-postmark", false],
    [{}, undefined, false],
  ])("knows an npx run: %j %s", (env, path, expected) => {
    expect(startedThroughNpx(env, path)).toBe(expected);
  });
});

describe("mistyped commands", () => {
  it.each<[string, string | undefined]>([
    ["doctr", "doctor"],
    ["DOCTR", "doctor"],
    ["statsu", "status"],
    ["setpu", "setup"],
    ["remvoe", "remove"],
    ["docter", "doctor"],
    ["xyzzy", undefined],
    ["delete", undefined],
  ])("%j is taken for %j", (word, expected) => {
    expect(closestWord(word, ["setup", "doctor", "status", "remove"])).toBe(expected);
  });
});
