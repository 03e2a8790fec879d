import { randomUUID } from "node:crypto";
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { CliError } from "../errors.js";
import { unwritableFolder } from "./config-store.js";

/**
 * An advisory lock file in the config folder, so two runs on one machine cannot interleave their
 * Postmark changes and saves. Written by hand rather than with a library because the second run
 * must be able to say which process holds the lock and since when.
 */

export const LOCK_FILE = "config.lock";

/**
 * Who holds the lock, named by more than a pid: a pid is reused (every container's first process
 * is 1), so the host, the process's start (where /proc tells it) and a token of the run say whether
 * the holder named is still the one alive. Locks written before 0.3 carry the pid alone.
 */
interface LockOwner {
  pid: number;
  command: string;
  since: string;
  host?: string;
  start?: string;
  token?: string;
}

/** This run's token: a lock that names our pid but not our token was left by a dead process that had our pid. */
const TOKEN = randomUUID();

export interface LockOptions {
  command: string;
  waitMs: number;
  pollMs?: number;
  /** Told when a stale lock is taken over, to say so. */
  onTakeover?: (message: string) => void;
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

async function acquire(path: string, { command, waitMs, pollMs = 100, onTakeover }: LockOptions): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const me = {
      pid: process.pid,
      command,
      since: new Date().toISOString(),
      host: hostname(),
      start: processStart(process.pid),
      token: TOKEN,
    };
    if (tryCreate(path, me)) {
      held.add(path);
      return;
    }
    const owner = readOwner(path);
    if (owner && isDead(owner)) {
      const why = isAlive(owner.pid) ? "is running, but is not the cio-postmark run that took it" : "no longer runs";
      if (takeOver(path, owner)) onTakeover?.(`Took over the stale lock ${path}: process ${owner.pid} named in it ${why}.`);
      continue;
    }
    if (Date.now() >= deadline) throw lockedError(path, owner, waitMs);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Says who holds the lock as it is: a live cio-postmark, an empty file, or a process that is not ours at all. */
function lockedError(path: string, owner: LockOwner | undefined, waitMs: number): CliError {
  const waited = `gave up waiting after ${Math.round(waitMs / 1000)} s`;
  if (!owner) {
    return new CliError(
      "config_locked",
      `The lock file ${path} is empty or unreadable (${waited}): a run may have stopped while taking it.`,
      {
        hint: `If no cio-postmark is running, delete ${path} and run this again.`,
      },
    );
  }
  return new CliError(
    "config_locked",
    `cio-postmark ${owner.command} (process ${owner.pid}, since ${owner.since}) is changing the same config folder; ${waited}.`,
    {
      hint: `Let it finish and run this again. If no cio-postmark is running, delete ${path}.`,
    },
  );
}

/**
 * Whether the run a lock names is known to be gone: on another host its word is taken; here, its
 * pid is ours (and the token not), no process has it, the process with it started at another time,
 * or (an old lock) the process with it is not cio-postmark. Only Linux's /proc tells the last two.
 */
function isDead(owner: LockOwner): boolean {
  if (owner.host !== undefined && owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return owner.token !== TOKEN;
  if (!isAlive(owner.pid)) return true;
  const start = processStart(owner.pid);
  if (owner.start !== undefined && start !== undefined) return owner.start !== start;
  try {
    return !readFileSync(`/proc/${owner.pid}/cmdline`).includes("cio-postmark");
  } catch {
    return false;
  }
}

/** When the process started, in clock ticks since boot (field 22 of /proc/PID/stat); undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * Takes a stale lock away without removing one another run took meanwhile: the file is renamed
 * aside (atomic), and if what was moved is not the stale owner read a moment before, it is put back.
 */
function takeOver(path: string, stale: LockOwner): boolean {
  const aside = `${path}.${TOKEN}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return false; // another run took it over first
  }
  const moved = readOwner(aside);
  if (moved && JSON.stringify(moved) !== JSON.stringify(stale)) {
    try {
      linkSync(aside, path); // back where it was, unless yet another run has taken the lock since
    } catch {
      // the lock is held by that run: the moved one is lost either way
    }
    tryUnlink(aside);
    return false;
  }
  tryUnlink(aside);
  return true;
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    // Found before any change: a folder the run cannot write would fail the save after Postmark was changed.
    throw unwritableFolder(dirname(path), error, ": nothing was changed");
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } catch (error) {
    // A full disk takes the file but not its words: no empty lock is left for the next run to wait on.
    closeSync(fd);
    tryUnlink(path);
    throw unwritableFolder(dirname(path), error, ": nothing was changed");
  }
  closeSync(fd);
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
