import { appendFileSync, closeSync, openSync } from "node:fs";
import { CliError, usageError } from "./errors.js";
import type { SecretRegistry } from "./ui/redact.js";
import { mask } from "./ui/redact.js";

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

const SECRET_FIELD = /token|password|secret|^pass$|^auth$/i;
/** A trace is for reading, not for archiving a 5,000-server listing whole. */
const MAX_TEXT = 256 * 1024;

export class Trace {
  private constructor(
    readonly path: string,
    private readonly secrets: SecretRegistry,
  ) {}

  /** Creates (or empties) the file, 0600: it names servers and streams even with secrets masked. */
  static open(path: string, secrets: SecretRegistry): Trace {
    if (path.trim() === "") throw usageError("invalid_trace", "--trace needs a file name.");
    try {
      closeSync(openSync(path, "w", 0o600));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw usageError("invalid_trace", `Cannot write the trace file ${path}${code ? ` (${code})` : ""}.`, "Give a file in a folder you can write.");
    }
    return new Trace(path, secrets);
  }

  record(entry: TraceEntry): void {
    const line = JSON.stringify(this.secrets.redactValue(maskSecretFields({ at: new Date().toISOString(), ...entry })));
    try {
      appendFileSync(this.path, `${line}\n`);
    } catch (error) {
      throw new CliError("trace_unwritable", `Cannot write the trace file ${this.path}.`, { cause: error });
    }
  }
}

function maskSecretFields(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    const text = value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}… (${value.length} characters in all)` : value;
    return SECRET_FIELD.test(key) && text !== "" ? mask(text) : text;
  }
  if (Array.isArray(value)) return value.map((item) => maskSecretFields(item, key));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, maskSecretFields(item, name)]));
  }
  return value;
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
