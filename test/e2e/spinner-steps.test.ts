import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { spawn } from "@lydell/node-pty";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * A long sitting's spinners, in a process whose own stderr is a real terminal: the case where ora
 * hooks `process.stderr` itself. Each spinner must leave the stream as it found it, so that one
 * write stays one write however many spinners came before.
 */

const SCRIPT = `
import { Output } from "./src/ui/output.ts";
import { processIo } from "./src/ui/io.ts";
import { SecretRegistry } from "./src/ui/redact.ts";

const output = new Output(processIo(), new SecretRegistry(), { json: false, color: false });
const steps = Number(process.argv[2]);
for (let step = 1; step <= steps; step++) {
  await output.step("step " + step, async () => undefined);
}
let writes = 0;
const writeOne = process.stderr._write;
process.stderr._write = function (...args) {
  writes += 1;
  return writeOne.apply(this, args);
};
process.stderr.write("one line\\n");
process.stderr._write = writeOne;
process.stdout.write("WRITES=" + writes + "\\n");
`;

let bundle: string;

beforeAll(async () => {
  bundle = join(mkdtempSync(join(tmpdir(), "cio-spinners-")), "spinner-steps.mjs");
  await build({
    stdin: { contents: SCRIPT, resolveDir: new URL("../..", import.meta.url).pathname, loader: "ts" },
    outfile: bundle,
    bundle: true,
    format: "esm",
    platform: "node",
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: "warning",
  });
});

function writesAfter(steps: number): Promise<number> {
  const pty = spawn(process.execPath, [bundle, String(steps)], {
    cols: 80,
    rows: 24,
    env: { PATH: process.env.PATH ?? "", TERM: "xterm-256color" },
  });
  let screen = "";
  pty.onData((data) => (screen += data));
  return new Promise((resolve, reject) => {
    // Piled-up hooks grow the work of each write exponentially: stop such a run instead of waiting it out.
    const deadline = setTimeout(() => pty.kill("SIGKILL"), 20_000);
    pty.onExit(({ exitCode }) => {
      clearTimeout(deadline);
      const found = /WRITES=(\d+)/.exec(screen);
      if (exitCode === 0 && found) resolve(Number(found[1]));
      else reject(new Error(`exit ${exitCode}; the terminal shows:\n${screen.slice(-2000)}`));
    });
  });
}

describe("spinners in a real terminal", () => {
  it("leave one write to stderr as one write after 50 spinner steps", async () => {
    expect(await writesAfter(0)).toBe(1);
    expect(await writesAfter(50)).toBe(1);
  }, 30_000);
});
