import { usageError } from "../errors.js";
import { isRegion, type Region } from "./regions.js";
import type { StreamType } from "../postmark/types.js";

/** Validation of what users type or set, with messages that say what would be right. */

export const SMTP_PORTS = [587, 2525, 25] as const;
export const DEFAULT_SMTP_PORT = 587;

export function parseRegion(value: string | undefined): Region | undefined {
  if (value === undefined) return undefined;
  const normalized = value.trim().toLowerCase();
  if (!isRegion(normalized)) {
    throw usageError("invalid_region", `--region must be "us" or "eu" (got "${value}").`, "Your Customer.io region is in Settings > Workspace Settings; EU accounts use fly-eu.customer.io.");
  }
  return normalized;
}

export function parseSmtpPort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value.trim());
  if (port === 465) {
    throw usageError(
      "smtp_port_465",
      "Port 465 (implicit TLS) is not offered by Postmark: a connection there hangs until it times out.",
      "Use 587 (the default) or 2525, both with STARTTLS; 2525 helps where 587 is blocked.",
    );
  }
  if (!(SMTP_PORTS as readonly number[]).includes(port)) {
    throw usageError("invalid_smtp_port", `--smtp-port must be 587, 2525 or 25 (got "${value}").`, "Postmark accepts STARTTLS on 587, 2525 and 25.");
  }
  return port;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

export function parseSmtpHost(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const host = value.trim();
  if (!HOST_NAME.test(host)) {
    throw usageError("invalid_smtp_host", `--smtp-host is not a host name: "${value}".`, "For example smtp.postmarkapp.com.");
  }
  return host;
}

export function parseStreamId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const id = value.trim();
  if (id === "" || /[\s/?#]/.test(id)) {
    throw usageError("invalid_stream", `--stream must be a message stream ID such as "outbound" or "broadcast" (got "${value}").`);
  }
  return id;
}

export function parseServerRef(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ref = value.trim();
  if (ref === "") throw usageError("invalid_server", "--server is empty: give the server's exact name or numeric ID.");
  return ref;
}

/**
 * A secret from the environment, with stray whitespace and newlines trimmed (a pasted token often
 * carries them). Set but empty is an error, not "missing": someone meant to set it.
 */
export function readSecretEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") throw usageError("empty_secret", `${name} is set but empty.`, `Set ${name} to the value from Postmark, or unset it.`);
  if (/\s/.test(trimmed)) throw usageError("invalid_secret", `${name} contains spaces or line breaks inside it.`, "Copy the value again from Postmark.");
  return trimmed;
}

export function defaultSmtpHost(streamType: StreamType): string {
  return streamType === "Broadcasts" ? "smtp-broadcasts.postmarkapp.com" : "smtp.postmarkapp.com";
}
