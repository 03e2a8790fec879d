import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE, withConfigLock } from "../../src/store/lock.js";

describe("config folder lock", () => {
  it("makes a second run wait, then fail saying who holds the lock", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-lock-"));
    const events: string[] = [];
    let release!: () => void;
    const held = withConfigLock(dir, { command: "setup", waitMs: 1000 }, () => {
      events.push("first holds");
      return new Promise<void>((resolve) => (release = resolve));
    }).then(() => events.push("first released"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = withConfigLock(dir, { command: "doctor --fix", waitMs: 300, pollMs: 20 }, async () => events.push("second ran"));
    const error = await second.catch((caught) => caught);
    events.push("second gave up");
    expect(error).toMatchObject({ code: "config_locked", message: expect.stringContaining(`cio-postmark setup (process ${process.pid}`) });
    release();
    await held;
    // The second run waited: it never ran while the first held the lock, and gave up before the first let go.
    expect(events).toEqual(["first holds", "second gave up", "first released"]);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(await withConfigLock(dir, { command: "setup", waitMs: 100 }, async () => "ran")).toBe("ran");
  });

  it("waits for the holder to finish when it does so in time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-lock-"));
    const order: string[] = [];
    const first = withConfigLock(dir, { command: "setup", waitMs: 1000 }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      order.push("first");
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = withConfigLock(dir, { command: "setup", waitMs: 2000, pollMs: 10 }, async () => order.push("second"));
    await Promise.all([first, second]);
    expect(order).toEqual(["first", "second"]);
  });

  it("takes over a lock left by a process that no longer runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-lock-"));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, command: "setup", since: "2026-01-01T00:00:00Z" }));
    expect(await withConfigLock(dir, { command: "setup", waitMs: 200 }, async () => "ran")).toBe("ran");
  });
});
