import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
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
    if (tryCreate(path, { pid: process.pid, command, since: new Date().toISOString() })) {
      held.add(path);
      return;
    }
    const owner = readOwner(path);
    if (owner && !isAlive(owner.pid)) {
      tryUnlink(path); // left behind by a process that no longer runs
      continue;
    }
    if (owner && runsSomethingElse(owner.pid)) {
      // Its process id was reused by another program: no cio-postmark holds it, so waiting is pointless.
      tryUnlink(path);
      onTakeover?.(`Took over the stale lock ${path}: process ${owner.pid} named in it is running, but is not cio-postmark.`);
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
 * Whether a live process is known not to be cio-postmark (its process id was reused). Only Linux's
 * /proc can tell; elsewhere the lock file's word is taken.
 */
function runsSomethingElse(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    return !readFileSync(`/proc/${pid}/cmdline`).includes("cio-postmark");
  } catch {
    return false;
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    // Found before any change: a folder the run cannot write would fail the save after Postmark was changed.
    throw new CliError(
      "config_unwritable",
      `Cannot write the config folder ${dirname(path)}${code ? ` (${code})` : ""}: nothing was changed.`,
      {
        hint: "Choose a folder you can write with --config-dir or CIO_POSTMARK_CONFIG_DIR.",
        cause: error,
      },
    );
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
