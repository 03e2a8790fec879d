import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE, withConfigLock } from "../../../src/store/lock.js";

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

  it("while held, the lock file is 0600 and names this process, the command and since when; it goes when the work fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-lock-"));
    const path = join(dir, LOCK_FILE);
    const before = Date.now();
    const failure = await withConfigLock(dir, { command: "doctor --fix", waitMs: 100 }, async () => {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const owner = JSON.parse(readFileSync(path, "utf8"));
      expect(owner).toEqual({
        pid: process.pid,
        command: "doctor --fix",
        since: expect.any(String),
        host: hostname(),
        start: process.platform === "linux" ? expect.stringMatching(/^\d+$/) : undefined,
        token: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(Date.parse(owner.since)).toBeGreaterThanOrEqual(before - 1000);
      throw new Error("work failed");
    }).catch((caught) => caught);
    expect(failure.message).toBe("work failed");
    expect(existsSync(path)).toBe(false);
  });

  const unreadable = (path: string) =>
    `The lock file ${path} is empty or unreadable (gave up waiting after 0 s): a run may have stopped while taking it.`;
  const deleteIfIdle = (path: string) => `If no cio-postmark is running, delete ${path} and run this again.`;
  it.each([
    ["empty", "", unreadable, deleteIfIdle],
    ["without a process number", '{"pid":"12","command":"setup"}', unreadable, deleteIfIdle],
  ])("a lock file %s is described as it is, and left in place", async (_name, content, message, hint) => {
    const dir = mkdtempSync(join(tmpdir(), "cio-lock-"));
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, content);
    await expect(withConfigLock(dir, { command: "setup", waitMs: 0, pollMs: 5 }, async () => "ran")).rejects.toMatchObject({
      code: "config_locked",
      message: message(path),
      hint: hint(path),
    });
    expect(readFileSync(path, "utf8")).toBe(content);
  });

  it("rounds the time it waited to whole seconds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-lock-"));
    writeFileSync(join(dir, LOCK_FILE), "");
    await expect(withConfigLock(dir, { command: "setup", waitMs: 1400, pollMs: 100 }, async () => "ran")).rejects.toMatchObject({
      message: expect.stringContaining("(gave up waiting after 1 s)"),
    });
  });

  it.skipIf(process.platform !== "linux")(
    "a live process that is not cio-postmark: the lock is stale at once, taken over and said so",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "cio-lock-"));
      const path = join(dir, LOCK_FILE);
      const sleeper = spawn("sleep", ["10"]);
      try {
        writeFileSync(path, JSON.stringify({ pid: sleeper.pid, command: "setup", since: "2026-01-01T00:00:00Z" }));
        const said: string[] = [];
        const started = Date.now();
        // A wait of 30 s would be spent in full if the lock were taken for a live cio-postmark's.
        await expect(
          withConfigLock(
            dir,
            { command: "setup", waitMs: 30_000, pollMs: 5, onTakeover: (message) => said.push(message) },
            async () => "ran",
          ),
        ).resolves.toBe("ran");
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(said).toEqual([
          `Took over the stale lock ${path}: process ${sleeper.pid} named in it is running, but is not the cio-postmark run that took it.`,
        ]);
      } finally {
        sleeper.kill();
      }
    },
  );

  it("a lock naming this process's pid but not its run (a container's process 1, killed and run again) is taken over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-lock-"));
    const taken: string[] = [];
    for (const left of [{ pid: process.pid }, { pid: process.pid, host: hostname(), token: "3f6c2d9e-8b1a-4c5d-9e7f-0a1b2c3d4e5f" }]) {
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...left, command: "setup", since: "2026-01-01T00:00:00Z" }));
      const options = { command: "setup", waitMs: 200, onTakeover: (message: string) => taken.push(message) };
      expect(await withConfigLock(dir, options, async () => "ran")).toBe("ran");
    }
    const said = `process ${process.pid} named in it is running, but is not the cio-postmark run that took it.`;
    expect(taken).toEqual([
      `Took over the stale lock ${join(dir, LOCK_FILE)}: ${said}`,
      `Took over the stale lock ${join(dir, LOCK_FILE)}: ${said}`,
    ]);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it.runIf(process.platform === "linux")("a lock whose live pid started at another time is a dead run's, taken over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-lock-"));
    const reused = { pid: process.ppid, host: hostname(), start: "1", token: "t", command: "setup", since: "2026-01-01T00:00:00Z" };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(reused));
    expect(await withConfigLock(dir, { command: "setup", waitMs: 200 }, async () => "ran")).toBe("ran");
  });

  it("a lock another host holds (a shared folder) is waited on, not taken over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cio-lock-"));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: "elsewhere.example", command: "setup", since: "x" }));
    await expect(withConfigLock(dir, { command: "setup", waitMs: 100, pollMs: 20 }, async () => "ran")).rejects.toMatchObject({
      code: "config_locked",
    });
  });

  it.runIf(process.getuid?.() === 0 && process.platform === "linux")(
    "a full disk when the lock is taken: config_unwritable, nothing was changed, and no lock left",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "cio-lock-full-"));
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", dir]);
      try {
        writeFileSync(join(dir, "fill"), Buffer.alloc(16 * 1024));
        await expect(withConfigLock(dir, { command: "setup", waitMs: 5_000 }, async () => "ran")).rejects.toMatchObject({
          code: "config_unwritable",
          message: `Cannot write the config folder ${dir} (ENOSPC): nothing was changed.`,
        });
        expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
      } finally {
        execFileSync("umount", [dir]);
      }
    },
  );

  it("a folder it cannot write is config_unwritable at once, not a lock held by someone", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "cio-lock-")), "missing");
    await expect(withConfigLock(dir, { command: "setup", waitMs: 5_000 }, async () => "ran")).rejects.toMatchObject({
      code: "config_unwritable",
      message: `Cannot write the config folder ${dir} (ENOENT): nothing was changed.`,
    });
  });
});
