import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBinary } from "../helpers/run-binary.js";

/** README's sandbox recipe is run exactly as written, so the README cannot drift from the tool. */

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The lines of the sh block after `marker`, each with the exit code its comment promises (0 when none). */
function commandsAfter(marker: string): Array<{ line: string; exit: number }> {
  const start = readme.indexOf(marker);
  const block = readme.slice(start).match(/```sh\n([\s\S]*?)```/);
  if (start < 0 || !block) throw new Error(`README has no sh block after "${marker}"`);
  return block[1]!
    .split("\n")
    .map((text) => ({ line: text.replace(/\s+#.*$/, "").trim(), exit: Number(text.match(/#\s*exit (\d+)/)?.[1] ?? 0) }))
    .filter(({ line }) => line !== "");
}
const codeBlockAfter = (marker: string) => commandsAfter(marker).map(({ line }) => line);

/** Runs a block's lines as written: `export` sets the environment, each command must exit as its comment says. */
async function runBlock(marker: string, env: NodeJS.ProcessEnv) {
  const runs = [];
  for (const { line, exit } of commandsAfter(marker)) {
    const exported = line.match(/^export (\w+)=(\S+)$/);
    if (exported) {
      env[exported[1]!] = exported[2]!;
      continue;
    }
    const [node, bin, ...args] = words(line);
    expect(`${node} ${bin}`).toBe("node bin/cio-postmark.js");
    const run = await runBinary(args, env);
    expect(run.status, `${line}\n${run.stderr}`).toBe(exit);
    runs.push(run);
  }
  return runs;
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
    expect(await runBlock("The whole flow, scripted:", env)).toHaveLength(4);
  });

  it("proves the whole chain through the sandbox's Customer.io, as written", { timeout: 60_000 }, async () => {
    const env: NodeJS.ProcessEnv = { CIO_POSTMARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), "cio-readme-")) };
    const [setup, doctor] = await runBlock("The whole chain, as Customer.io runs it", env);
    expect(setup!.stderr).toContain("Customer.io workspace Acme is in region US (from the App API key).");
    expect(doctor!.stdout).toMatch(
      /✔ end-to-end: Customer\.io sent it through Postmark stream outbound; Postmark's Bounced event reached Customer\.io after \d+ s\./,
    );
    expect(doctor!.stdout).toContain("✔ customerio-region: Customer.io workspace Acme is in region US, as saved.");
  });

  it("shows both outcomes of --send-test with the sandbox's tokens, as written", { timeout: 60_000 }, async () => {
    const env: NodeJS.ProcessEnv = { CIO_POSTMARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), "cio-readme-")) };
    const [wrong, right] = await runBlock("Proving which stream a token sends through", env);
    expect(wrong!.stderr).toContain('The test message went through stream "broadcast" of server Acme Production, not "outbound"');
    expect(right!.stderr).toMatch(/The test message \S+ went through stream "broadcast"; first event: Bounced/);
  });
});
