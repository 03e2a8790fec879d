import { appendFileSync, closeSync, constants, fchmodSync, fstatSync, lstatSync, openSync, readSync, realpathSync } from "node:fs";
import { basename, dirname, resolve, sep } from "node:path";
import { CliError, usageError } from "./errors.js";
import { SecretRegistry } from "./ui/redact.js";
import { mask } from "./ui/redact.js";
import { SECRET_NAME } from "./core/inputs.js";

/**
 * `--trace FILE`: one JSON line per Postmark request/response and per SMTP dialogue line, for bug
 * reports. Nobody here can see the real Postmark: this file is how its answers reach the project.
 * Every registered secret is masked value by value, and so is any field whose name says it holds
 * one (the server tokens in a server listing, webhook passwords).
 */

export interface TraceEntry {
  kind: "http" | "smtp";
  [field: string]: unknown;
}

/** A trace is for reading, not for archiving a 5,000-server listing whole. */
const MAX_TEXT = 256 * 1024;
/** Deeper than any answer Postmark or Customer.io documents. */
const MAX_DEPTH = 64;

export class Trace {
  /** A person's data the run was asked about (recipient's address): in the output, never in a trace someone may attach to a report. */
  private readonly personal = new SecretRegistry();

  private constructor(
    readonly path: string,
    private readonly secrets: SecretRegistry,
  ) {}

  /** Keeps this text (and its URL-encoded form) out of the trace. */
  conceal(text: string): void {
    for (const form of new Set([text, encodeURIComponent(text), text.toLowerCase()])) this.personal.add(form);
  }

  /**
   * Creates the file, or empties an earlier trace, 0600 either way: it names servers and streams
   * even with secrets masked. A file the user names is theirs: never a symlink's target, never the
   * config (nothing in its folder), never a file that is not a trace.
   */
  static open(path: string, secrets: SecretRegistry, { configDir, fileModes }: { configDir: string; fileModes: boolean }): Trace {
    if (path.trim() === "") throw usageError("invalid_trace", "--trace needs a file name.");
    if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw usageError(
        "invalid_trace",
        `The trace file ${path} is a symbolic link; it was not followed.`,
        "Give the path of a new file, or of an earlier trace.",
      );
    }
    if (inside(path, configDir)) {
      throw usageError(
        "invalid_trace",
        `The trace file ${path} is in the config folder ${configDir}; nothing there is written as a trace.`,
        "Give a file outside the config folder, such as ./cio-postmark-trace.jsonl.",
      );
    }
    let fd: number;
    try {
      // No O_TRUNC yet: an existing file is read before anything of it is lost.
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw usageError(
        "invalid_trace",
        `Cannot write the trace file ${path}${code ? ` (${code})` : ""}.`,
        "Give a file in a folder you can write.",
      );
    }
    try {
      const stat = fstatSync(fd);
      if (stat.isFile()) {
        if (stat.size > 0 && !startsLikeATrace(fd)) {
          throw usageError(
            "invalid_trace",
            `${path} is not a cio-postmark trace; it was left as it is.`,
            "Give the path of a new file, or of an earlier trace.",
          );
        }
        if (fileModes) fchmodSync(fd, 0o600);
      }
    } finally {
      closeSync(fd);
    }
    // Now emptied: it is new, or an earlier trace.
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_TRUNC | (constants.O_NOFOLLOW ?? 0)));
    } catch (error) {
      throw new CliError("trace_unwritable", `Cannot write the trace file ${path}.`, { cause: error });
    }
    return new Trace(path, secrets);
  }

  /**
   * One line per exchange. A hostile answer is made safe in this order: its depth bounded (so the
   * walk below cannot overflow), every secret masked, and only then long texts cut, so a cut never
   * leaves part of a secret. Whatever happens here, the run's verdict does not change: an entry
   * that cannot be recorded says so in its place.
   */
  record(entry: TraceEntry): void {
    const at = new Date().toISOString();
    let line: string;
    try {
      const masked = this.personal.redactValue(this.secrets.redactValue(boundDepth({ at, ...entry }, MAX_DEPTH)));
      line = JSON.stringify(shortenTexts(maskSecretFields(masked)));
    } catch {
      line = JSON.stringify({ at, kind: entry.kind, note: "this exchange could not be recorded" });
    }
    try {
      appendFileSync(this.path, `${line}\n`);
    } catch (error) {
      throw new CliError("trace_unwritable", `Cannot write the trace file ${this.path}.`, { cause: error });
    }
  }
}

/** Whether the file's first line is one this tool writes: a JSON object with `at` and `kind`. */
function startsLikeATrace(fd: number): boolean {
  const buffer = Buffer.alloc(64 * 1024);
  const read = readSync(fd, buffer, 0, buffer.length, 0);
  const first = buffer.subarray(0, read).toString("utf8").split("\n", 1)[0]!;
  try {
    const entry = JSON.parse(first) as Record<string, unknown>;
    return typeof entry === "object" && entry !== null && typeof entry.at === "string" && (entry.kind === "http" || entry.kind === "smtp");
  } catch {
    return false;
  }
}

/** Whether `path` is `folder` or lies within it, symlinked folders resolved. */
function inside(path: string, folder: string): boolean {
  const real = (target: string) => {
    try {
      return realpathSync(target);
    } catch {
      return resolve(target);
    }
  };
  const file = resolve(real(dirname(resolve(path))), basename(path));
  const dir = real(folder);
  return file === dir || file.startsWith(`${dir}${sep}`);
}

function maskSecretFields(value: unknown, key = ""): unknown {
  if (typeof value === "string") return SECRET_NAME.test(key) && value !== "" ? mask(value) : value;
  if (Array.isArray(value)) return value.map((item) => maskSecretFields(item, key));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, maskSecretFields(item, name)]));
  }
  return value;
}

/** Texts longer than a trace needs, cut (after masking: see `record`). */
function shortenTexts(value: unknown): unknown {
  if (typeof value === "string")
    return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}… (${value.length} characters in all)` : value;
  if (Array.isArray(value)) return value.map(shortenTexts);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, shortenTexts(item)]));
  return value;
}

/** The value with anything nested deeper than `depth` replaced by a note: no real answer nests that deep. */
function boundDepth(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth === 0) return `(nested deeper than ${MAX_DEPTH} levels; not recorded)`;
  if (Array.isArray(value)) return value.map((item) => boundDepth(item, depth - 1));
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, boundDepth(item, depth - 1)]));
}

/** A body as it is best read in a trace: parsed JSON where it is JSON, else the text. */
export function traceBody(text: string | undefined): unknown {
  if (text === undefined || text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
