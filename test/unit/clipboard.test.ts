import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { clipboardTools, copyToClipboard } from "../../src/ui/clipboard.js";
import { Output } from "../../src/ui/output.js";
import { SecretRegistry } from "../../src/ui/redact.js";

/** The clipboard hand-off: a tool where the desktop has one, else the terminal's OSC 52, and never a log file. */

const terminal = (isTTY: boolean) => {
  const written: string[] = [];
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 80 });
  stream.on("data", (chunk) => written.push(String(chunk)));
  return { stream, written };
};
const outputTo = (stderr: ReturnType<typeof terminal>["stream"]) =>
  new Output({ stdin: new PassThrough(), stdout: terminal(false).stream, stderr, env: {} } as never, new SecretRegistry(), {
    json: false,
    color: false,
  });

describe("copying a key", () => {
  it("over SSH (no tool), the terminal's OSC 52 takes it, base64 and never as text", async () => {
    const { stream, written } = terminal(true);
    const how = await copyToClipboard("sk-secret", clipboardTools("linux", {}, false), {}, (sequence) =>
      outputTo(stream).terminalClipboard(sequence),
    );
    expect(how).toBe("OSC 52");
    expect(written.join("")).toBe(`\x1b]52;c;${Buffer.from("sk-secret").toString("base64")}\x07`);
  });

  it("with stderr in a file, nothing is written there and nothing is said to be copied", async () => {
    const { stream, written } = terminal(false);
    const how = await copyToClipboard("sk-secret", [], {}, (sequence) => outputTo(stream).terminalClipboard(sequence));
    expect(how).toBeUndefined();
    expect(written.join("")).toBe("");
  });

  it("a tool that is not installed gives way to the next way", async () => {
    const how = await copyToClipboard("v", [["cio-postmark-no-such-tool", []]], {}, () => true);
    expect(how).toBe("OSC 52");
  });
});
