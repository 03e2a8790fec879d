import { usageError } from "../errors.js";

export const DEFAULT_POSTMARK_API_URL = "https://api.postmarkapp.com";

/** How the `postmark` client is pointed at a host: it builds `${useHttps ? "https" : "http"}://${requestHost}`. */
export interface PostmarkEndpoint {
  url: string;
  useHttps: boolean;
  requestHost: string;
}

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]", "::1"]);

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Reads `POSTMARK_API_URL`; plain http is refused unless the host is this machine (tokens would travel in clear). */
export function parsePostmarkApiUrl(value: string | undefined): PostmarkEndpoint {
  const raw = value?.trim() || DEFAULT_POSTMARK_API_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError("invalid_api_url", `POSTMARK_API_URL is not a URL: "${raw}".`, `Use a URL such as ${DEFAULT_POSTMARK_API_URL}.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw usageError("invalid_api_url", `POSTMARK_API_URL must start with https:// (got "${url.protocol}").`);
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw usageError(
      "insecure_api_url",
      `POSTMARK_API_URL uses plain http:// for ${url.hostname}: your Postmark tokens would cross the network unencrypted.`,
      "Use https://, or plain http:// only for a loopback host (127.0.0.1, localhost, [::1]) such as a local simulator.",
    );
  }
  if (url.pathname !== "/" || url.search || url.username || url.password) {
    throw usageError("invalid_api_url", "POSTMARK_API_URL must be a bare origin, with no path, query or credentials.", `For example ${DEFAULT_POSTMARK_API_URL}.`);
  }
  return { url: url.origin, useHttps: url.protocol === "https:", requestHost: url.host };
}
