import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBinary } from "../helpers/run-binary.js";

/** README's and the docs' recipes are run exactly as written, so they cannot drift from the tool. */

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const README = read("README.md");
/** Each recipe is found by the words before it, in whichever page holds it. */
const readme = ["README.md", "docs/sandbox.md", "docs/wizard.md", "docs/ci.md", "docs/troubleshooting.md", "docs/security.md"]
  .map(read)
  .join("\n");

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
  it("is short, in a newcomer's order: npx on the first screen, the Customer.io step in the first half", () => {
    const lines = README.split("\n");
    expect(lines.length).toBeLessThan(200);
    expect(lines.findIndex((line) => line === "npx cio-postmark")).toBeLessThan(24);
    expect(lines.findIndex((line) => line === "## Then, in Customer.io")).toBeLessThan(lines.length / 2);
    for (const [, link] of README.matchAll(/\]\(([^)#]+\.md)\)/g))
      expect(existsSync(new URL(`../../${link}`, import.meta.url)), link).toBe(true);
  });

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
    // With the key, the region was checked too: the whole chain proven is "All good".
    expect(doctor!.stdout).toMatch(/\nAll good: 12 ok, 0 warnings, 0 problems, 4 skipped\.\n/);
  });

  it("looks up the sandbox's people with recipient, as written", { timeout: 60_000 }, async () => {
    const env: NodeJS.ProcessEnv = { CIO_POSTMARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), "cio-readme-")) };
    const [, , webhook, bounced, fine] = await runBlock("With the sandbox's people", env);
    expect(webhook!.stdout).toMatch(/never heard of it: the webhook is not passing Delivery events\./);
    expect(bounced!.stdout).toMatch(/Postmark suppresses gone@acme\.example on outbound since .*: a message to it hard-bounced/);
    expect(fine!.stdout).toContain("Nothing stops mail to fine@acme.example on outbound.");
  });

  it("shows both outcomes of --send-test with the sandbox's tokens, as written", { timeout: 60_000 }, async () => {
    const env: NodeJS.ProcessEnv = { CIO_POSTMARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), "cio-readme-")) };
    const [wrong, right] = await runBlock("Proving which stream a token sends through", env);
    expect(wrong!.stderr).toContain('The test message went through stream "broadcast" of server Acme Production, not "outbound"');
    expect(right!.stderr).toMatch(/The test message \S+ went through stream "broadcast", and Postmark's bounce test address bounced/);
  });

  it("rehearses the connections file in the sandbox, as written", { timeout: 60_000 }, async () => {
    const env: NodeJS.ProcessEnv = { CIO_POSTMARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), "cio-readme-")) };
    const [drift, apply, clean, doctor] = await runBlock("Rehearsed in the sandbox, with its tokens", env);
    expect(drift!.stdout).toMatch(/3 connections would change/);
    expect(apply!.stdout).toMatch(/Applied: 3 changed, 0 unchanged, 0 failed\./);
    expect(clean!.stdout).toContain("Nothing would change: every connection is as the file says.");
    expect(doctor!.stdout).toMatch(/^No problems found: \d+ ok, /m);
    expect(doctor!.stdout).not.toContain("✖");
  });

  it(
    "runs the CI recipe's steps as written, against the sandbox: drift fails the nightly job, main applies",
    { timeout: 60_000 },
    async () => {
      const yaml = readme.slice(readme.indexOf("**A CI job**")).match(/```yaml\n([\s\S]*?)```/)![1]!;
      // The job's environment: each secret from the sandbox's own credentials.
      const sandboxSecrets: Record<string, string> = {
        POSTMARK_ACCOUNT_TOKEN: "sandbox-account-token-0001",
        PROD_SMTP_ACCESS: "sandbox-access-key-0001",
        PROD_SMTP_SECRET: "sandbox-secret-key-0001",
      };
      const env: NodeJS.ProcessEnv = { CI: "true", CIO_POSTMARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), "cio-readme-")) };
      for (const [, name, secret] of yaml.matchAll(/^ {6}(\w+): \$\{\{ secrets\.(\w+) \}\}$/gm)) env[name!] = sandboxSecrets[secret!];
      expect(Object.keys(env).sort()).toEqual([
        "CI",
        "CIO_POSTMARK_CONFIG_DIR",
        "POSTMARK_ACCOUNT_TOKEN",
        "PROD_SMTP_ACCESS",
        "PROD_SMTP_SECRET",
      ]);
      const steps = [...yaml.matchAll(/^ {8}run: (.*)$/gm)].map((match) => words(match[1]!));
      expect(steps.map((step) => step.slice(0, 2))).toEqual([
        ["npx", "cio-postmark"],
        ["npx", "cio-postmark"],
      ]);
      // The repository's committed file, under the default name, in the job's working folder.
      const cwd = mkdtempSync(join(tmpdir(), "cio-repo-"));
      copyFileSync(new URL("../../examples/cio-postmark.json", import.meta.url), join(cwd, "cio-postmark.json"));
      const run = (step: string[]) => runBinary([...step.slice(2), "--sandbox"], env, undefined, { cwd });
      const [nightly, main] = steps as [string[], string[]];
      expect((await run(nightly)).status).toBe(1);
      expect((await run(main)).status).toBe(0);
      expect((await run(nightly)).status).toBe(0);
    },
  );
});
