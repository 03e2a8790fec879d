import { describe, expect, it } from "vitest";
import { platformOf } from "../../src/platform.js";
import { configFileCheck } from "../../src/doctor/checks/config-file.js";
import type { Facts } from "../../src/doctor/types.js";
import { symbolsFor } from "../../src/platform.js";

/** Windows and macOS behaviour, tested here by injecting the platform. */

const CONFIG = "/home/me/.config/cio-postmark/config.json";

function factsOn(os: NodeJS.Platform, fileMode: number, dirMode = 0o700): Facts {
  return {
    connection: { serverId: 1, streamId: "outbound" },
    configFile: CONFIG,
    configMode: () => fileMode,
    configDirMode: () => dirMode,
    fileModes: platformOf(os, {}).fileModes,
    command: (...args: string[]) => ["cio-postmark", ...args].join(" "),
  } as unknown as Facts;
}

describe("the signals that stop a run", () => {
  it("on Linux and macOS: Ctrl-C, SIGTERM and SIGHUP, exiting 130, 143 and 129", () => {
    for (const os of ["linux", "darwin"] as const) {
      expect(platformOf(os, {}).stopSignals).toEqual([
        { signal: "SIGINT", exitCode: 130 },
        { signal: "SIGTERM", exitCode: 143 },
        { signal: "SIGHUP", exitCode: 129 },
      ]);
    }
  });

  it("on Windows only Ctrl-C and Ctrl-Break, which are all it sends: nothing waits on a signal that never comes", () => {
    expect(platformOf("win32", {}).stopSignals).toEqual([
      { signal: "SIGINT", exitCode: 130 },
      { signal: "SIGBREAK", exitCode: 149 },
    ]);
  });
});

describe("doctor's config-file check", () => {
  it("on Windows passes a file whatever its mode bits say, and gives no chmod advice", async () => {
    const result = await configFileCheck.run(factsOn("win32", 0o666, 0o777));
    expect(result.status).toBe("pass");
    expect(result.message).toContain("user profile folder");
    expect(`${result.message} ${result.fix ?? ""}`).not.toMatch(/chmod/);
  });

  it.each(["linux", "darwin"] as const)("on %s fails a file others can read, with chmod advice", async (os) => {
    const result = await configFileCheck.run(factsOn(os, 0o644));
    expect(result).toMatchObject({ status: "fail", message: expect.stringContaining("mode 0644") });
    expect(result.fix).toBe(`chmod 600 "${CONFIG}", or let doctor do it: cio-postmark doctor --fix`);
  });

  it.each(["linux", "darwin"] as const)("on %s fails a folder others can read, with chmod advice", async (os) => {
    const result = await configFileCheck.run(factsOn(os, 0o600, 0o755));
    expect(result).toMatchObject({ status: "fail", message: expect.stringContaining("mode 0755") });
    expect(result.fix).toBe('chmod 700 "/home/me/.config/cio-postmark", or let doctor do it: cio-postmark doctor --fix');
  });

  it.each(["linux", "darwin"] as const)("on %s passes 0600 in 0700", async (os) => {
    expect((await configFileCheck.run(factsOn(os, 0o600, 0o700))).status).toBe("pass");
  });
});

describe("terminals", () => {
  it("Unicode marks where the terminal has them, plain ones in old Windows consoles and the Linux console", () => {
    expect(platformOf("win32", {}).unicode).toBe(false);
    expect(platformOf("win32", { WT_SESSION: "1" }).unicode).toBe(true);
    expect(platformOf("win32", { TERM_PROGRAM: "vscode" }).unicode).toBe(true);
    expect(platformOf("linux", { TERM: "linux" }).unicode).toBe(false);
    expect(platformOf("darwin", { TERM: "xterm-256color" }).unicode).toBe(true);
    expect(symbolsFor(false)).toEqual({ pass: "√", fail: "×", warn: "!", skip: "-", info: "i", bullet: "*", arrow: "->" });
    expect(symbolsFor(true)).toEqual({ pass: "✔", fail: "✖", warn: "!", skip: "-", info: "ℹ", bullet: "•", arrow: "→" });
    expect(symbolsFor(true).pass).toBe("✔");
  });

  it("a browser is offered only in a desktop session, never over SSH or headless", () => {
    expect(platformOf("darwin", {}).desktop).toBe(true);
    expect(platformOf("win32", {}).desktop).toBe(true);
    expect(platformOf("linux", { DISPLAY: ":0" }).desktop).toBe(true);
    expect(platformOf("linux", { WAYLAND_DISPLAY: "wayland-0" }).desktop).toBe(true);
    expect(platformOf("linux", {}).desktop).toBe(false);
    expect(platformOf("darwin", { SSH_CONNECTION: "10.0.0.1 22 10.0.0.2 5555" }).desktop).toBe(false);
    expect(platformOf("linux", { DISPLAY: ":0", SSH_TTY: "/dev/pts/1" }).desktop).toBe(false);
  });
});
