import { usageError } from "../errors.js";
import { isRegion, signInHost, type Region } from "./regions.js";
import type { StreamType } from "./model.js";

/** Validation of what users type or set, with messages that say what would be right. */

export const DEFAULT_SMTP_PORT = 587;

export function parseRegion(value: string | undefined, field = "--region"): Region | undefined {
  if (value === undefined) return undefined;
  const normalized = value.trim().toLowerCase();
  if (!isRegion(normalized)) {
    throw usageError(
      "invalid_region",
      `${field} must be "us" or "eu" (got ${JSON.stringify(value)}).`,
      `Your Customer.io region is in Settings > Workspace Settings; EU accounts use ${signInHost("eu")}.`,
    );
  }
  return normalized;
}

/** Any port a relay or tunnel may use, except 465: this tool speaks STARTTLS only, and Postmark has no implicit-TLS port. */
export function parseSmtpPort(value: string | undefined, field = "--smtp-port"): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const port = Number(text);
  if (port === 465) {
    throw usageError(
      "smtp_port_465",
      "Port 465 (implicit TLS) is not offered by Postmark, and this tool speaks STARTTLS only: a connection there hangs until it times " +
        "out.",
      "Use 587 (the default) or 2525, both with STARTTLS; 2525 helps where 587 is blocked.",
    );
  }
  if (!/^\d+$/.test(text) || port < 1 || port > 65_535) {
    throw usageError(
      "invalid_smtp_port",
      `${field} must be a port number from 1 to 65535 (got ${JSON.stringify(value)}).`,
      "Postmark takes STARTTLS on 587 (the default), 2525 and 25.",
    );
  }
  return port;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

export function parseSmtpHost(value: string | undefined, field = "--smtp-host"): string | undefined {
  if (value === undefined) return undefined;
  const host = value.trim();
  if (!HOST_NAME.test(host)) {
    throw usageError("invalid_smtp_host", `${field} is not a host name: ${JSON.stringify(value)}.`, "For example smtp.postmarkapp.com.");
  }
  return host;
}

/**
 * A stream ID goes into request paths: no separators, escapes or dot segments (`..\server` once
 * reached GET /server). Postmark's own IDs are letters, digits, hyphens and underscores.
 */
export function isStreamId(id: string): boolean {
  // eslint-disable-next-line no-control-regex
  return id !== "" && !/[\s/?#\\%]/.test(id) && !/^\.+$/.test(id) && !/[\u0000-\u001f\u007f]/.test(id);
}

export function parseStreamId(value: string | undefined, field = "--stream"): string | undefined {
  if (value === undefined) return undefined;
  const id = value.trim();
  if (!isStreamId(id)) {
    throw usageError(
      "invalid_stream",
      `${field} must be a message stream ID such as "outbound" or "broadcast" (got ${JSON.stringify(value)}).`,
    );
  }
  return id;
}

export function parseServerRef(value: string | undefined, field = "--server"): string | undefined {
  if (value === undefined) return undefined;
  const ref = value.trim();
  if (ref === "") throw usageError("invalid_server", `${field} is empty: give the server's exact name or numeric ID.`);
  return ref;
}

/**
 * A secret from the environment, with stray whitespace and newlines trimmed (a pasted token often
 * carries them). Set but empty is an error, not "missing": someone meant to set it.
 */
export function readSecretEnv(env: NodeJS.ProcessEnv, name: string, issuer = "Postmark"): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "")
    throw usageError("empty_secret", `${name} is set but empty.`, `Set ${name} to the value from ${issuer}, or unset it.`);
  const problem = secretProblem(trimmed, issuer);
  if (problem) throw usageError("invalid_secret", `${name} ${problem}.`, `Copy the value again from ${issuer}.`);
  return trimmed;
}

/** Longer than any token or key Postmark issues. */
export const MAX_SECRET_LENGTH = 4096;

/**
 * What is wrong with a token or key as given, in words, naming who issues it; undefined when it
 * looks like one. Postmark's and Customer.io's keys are printable ASCII: anything else cannot even be
 * sent in a header.
 */
export function secretProblem(value: string, issuer = "Postmark"): string | undefined {
  if (/[\r\n]/.test(value)) return "has a line break inside it";
  if (/\s/.test(value)) return "has spaces inside it";
  if (value.length > MAX_SECRET_LENGTH) return `is longer than ${MAX_SECRET_LENGTH} characters`;
  if (/[^\x21-\x7e]/.test(value))
    return `is malformed: it has characters no ${issuer} token or key contains (only plain ASCII letters, digits and punctuation)`;
  return undefined;
}

export function defaultSmtpHost(streamType: StreamType): string {
  return streamType === "Broadcasts" ? "smtp-broadcasts.postmarkapp.com" : "smtp.postmarkapp.com";
}

/**
 * The one judgement of a name that says its value is a credential: a header, a field of an answer
 * in a trace, a field of a connections file (refused there: secrets come from the environment).
 */
export const SECRET_NAME = /authorization|api[-_]?key|access[-_]?key$|token|secret|passw(?:or)?d|^pass$|cookie|signature|^auth/i;
