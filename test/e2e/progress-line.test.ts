import { openSync } from "node:fs";
import type { Socket } from "node:net";
import { PassThrough } from "node:stream";
import { WriteStream } from "node:tty";
import * as nodePty from "@lydell/node-pty";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/main.js";
import { startAgency, type Agency } from "../helpers/agency.js";

/** doctor over many connections, on a real terminal: a counting line in place of a spinner. */

let agency: Agency | undefined;
afterEach(async () => {
  await agency?.close();
  agency = undefined;
});

/** A pseudo-terminal with no process in it (see spinners.test.ts: never kill() it, its pid is -1). */
const { open } = nodePty as unknown as {
  open(options: { cols: number; rows: number }): { ptsName: string; _master: Socket; _slave: Socket };
};

describe("doctor's progress line on a real terminal", () => {
  it("over more than 3 connections counts them in place, where a spinner would be", { timeout: 30_000 }, async () => {
    agency = await startAgency(6);
    const pty = open({ cols: 80, rows: 24 });
    const stderr = new WriteStream(openSync(pty.ptsName, "w"));
    let screen = "";
    pty._master.on("data", (chunk: Buffer) => (screen += chunk.toString("utf8")));
    const stdout = new PassThrough().resume();
    try {
      const code = await main(
        ["doctor", "--no-input", "--no-color"],
        { stdin: new PassThrough(), stdout, stderr, env: { PATH: process.env.PATH, ...agency.env } },
        agency.overrides,
      );
      expect(code).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (let done = 0; done <= 6; done++) expect(screen).toContain(`\r\x1b[2KChecking ${done} of 6 connections`);
      // eslint-disable-next-line no-control-regex
      expect(screen).toMatch(/\r\x1b\[2K✔ Checked 6 connections\r?\n/);
      // No spinner frame: ora's dots would be braille characters.
      expect(screen).not.toMatch(/[\u2800-\u28ff]/);
    } finally {
      stderr.destroy();
      pty._master.destroy();
      pty._slave.destroy();
    }
  });
});
