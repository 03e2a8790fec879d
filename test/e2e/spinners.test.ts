import { openSync } from "node:fs";
import { WriteStream } from "node:tty";
import type { Socket } from "node:net";
import { PassThrough } from "node:stream";
import * as nodePty from "@lydell/node-pty";
import { afterEach, describe, expect, it } from "vitest";
import { Output } from "../../src/ui/output.js";
import { SecretRegistry } from "../../src/ui/redact.js";

/** Spinners on a real terminal stream (the slave side of a real pseudo-terminal) and its width. */

/** A pseudo-terminal with no process in it: node-pty has `open()`, though its typings leave it out. */
interface OpenedPty {
  ptsName: string;
  _master: Socket;
  _slave: Socket;
}
const { open } = nodePty as unknown as { open(options: { cols: number; rows: number }): OpenedPty };

interface Terminal {
  stderr: WriteStream;
  pty: OpenedPty;
}

const opened: Terminal[] = [];

function realTerminal(cols = 80): Terminal {
  const pty = open({ cols, rows: 24 });
  const stderr = new WriteStream(openSync(pty.ptsName, "w"));
  const terminal = { stderr, pty };
  opened.push(terminal);
  return terminal;
}

function outputOn(stderr: WriteStream): Output {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env: {} };
  return new Output(io, new SecretRegistry(), { json: false, color: false });
}

afterEach(() => {
  for (const { stderr, pty } of opened.splice(0)) {
    stderr.destroy();
    // A pty made by open() has no process: its pid is -1, so kill() and destroy() would signal every
    // process we may signal. Close its two ends instead.
    pty._master.destroy();
    pty._slave.destroy();
  }
});

describe("spinners and the terminal width", () => {
  it("give a terminal that reports 0 columns a usable width, on the stream itself", async () => {
    const terminal = realTerminal();
    terminal.stderr.columns = 0;
    await outputOn(terminal.stderr).step("on a 0-column terminal", async () => "done");
    expect(terminal.stderr.columns).toBe(80);
  });

  it("leave a real width as it is", async () => {
    const terminal = realTerminal(60);
    expect(terminal.stderr.columns).toBe(60);
    await outputOn(terminal.stderr).step("on a 60-column terminal", async () => "done");
    expect(terminal.stderr.columns).toBe(60);
  });
});
