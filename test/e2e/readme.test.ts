import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBinary } from "../helpers/run-binary.js";

/** README's sandbox recipe is run exactly as written, so the README cannot drift from the tool. */

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

function codeBlockAfter(marker: string): string[] {
  const start = readme.indexOf(marker);
  const block = readme.slice(start).match(/```sh\n([\s\S]*?)```/);
  if (start < 0 || !block) throw new Error(`README has no sh block after "${marker}"`);
  return block[1]!.split("\n").map((line) => line.replace(/\s+#.*$/, "").trim()).filter(Boolean);
}

/** Shell words, with "double quotes". */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!);

describe("README", () => {
  it("gives the two set-up commands and the test command", () => {
    expect(codeBlockAfter("## From a fresh clone")).toEqual(["npm install", "node bin/cio-postmark.js --sandbox"]);
    expect(codeBlockAfter("Run the tests with:")).toEqual(["npm test"]);
  });

  it("runs the scripted sandbox flow as written", { timeout: 60_000 }, async () => {
    const env: NodeJS.ProcessEnv = { CIO_POSTMARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), "cio-readme-")) };
    const lines = codeBlockAfter("The whole flow, scripted:");
    expect(lines.filter((line) => line.startsWith("node bin/cio-postmark.js"))).toHaveLength(4);
    for (const line of lines) {
      const exported = line.match(/^export (\w+)=(\S+)$/);
      if (exported) {
        env[exported[1]!] = exported[2]!;
        continue;
      }
      const [node, bin, ...args] = words(line);
      expect(`${node} ${bin}`).toBe("node bin/cio-postmark.js");
      const run = await runBinary(args, env);
      expect(run.status, `${line}\n${run.stderr}`).toBe(0);
    }
  });
});
