import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "../errors.js";

/**
 * An advisory lock file in the config folder, so two runs on one machine cannot interleave their
 * Postmark changes and saves. Written by hand rather than with a library because the second run
 * must be able to say which process holds the lock and since when.
 */

export const LOCK_FILE = "config.lock";

interface LockOwner {
  pid: number;
  command: string;
  since: string;
}

export interface LockOptions {
  command: string;
  waitMs: number;
  pollMs?: number;
}

const held = new Set<string>();
// A run that exits mid-way (Ctrl-C, a crash) still lets go of its lock.
process.once("exit", () => {
  for (const path of held) tryUnlink(path);
});

export async function withConfigLock<T>(dir: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const path = join(dir, LOCK_FILE);
  await acquire(path, options);
  try {
    return await work();
  } finally {
    held.delete(path);
    tryUnlink(path);
  }
}

async function acquire(path: string, { command, waitMs, pollMs = 100 }: LockOptions): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (tryCreate(path, { pid: process.pid, command, since: new Date().toISOString() })) {
      held.add(path);
      return;
    }
    const owner = readOwner(path);
    if (owner && !isAlive(owner.pid)) {
      tryUnlink(path); // left behind by a process that no longer runs
      continue;
    }
    if (Date.now() >= deadline) {
      const who = owner ? `cio-postmark ${owner.command} (process ${owner.pid}, since ${owner.since})` : "another process";
      throw new CliError("config_locked", `${who} is changing the same config folder; gave up waiting after ${Math.round(waitMs / 1000)} s.`, {
        hint: `Let it finish and run this again. If no such process is running, delete ${path}.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
    return typeof owner.pid === "number" ? owner : undefined;
  } catch {
    // Being written this instant, or already gone: look again on the next poll.
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
